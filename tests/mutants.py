"""The mutant catalogue as implementations under test (the mistakes of properties/mistakes.py)."""

from __future__ import annotations

from properties.implementation import OUTPUT_NAMES, FunctionImplementation
from properties.mistakes import Mistake


def implementation(mistake: Mistake) -> FunctionImplementation:
    """A fresh in-process implementation of the mistake (fresh state for the stateful ones)."""
    return FunctionImplementation(mistake.name, mistake.function(), frozenset(OUTPUT_NAMES),
                                  grad_U_from_label=mistake.grad_U_from_label)
