"""The mutant catalogue as implementations under test (see properties/mistakes.py for the sources)."""

from __future__ import annotations

from properties.implementation import OUTPUT_NAMES, FunctionImplementation
from properties.mistakes import MISTAKES, Mistake


def implementation(mistake: Mistake) -> FunctionImplementation:
    """A fresh in-process implementation of the mistake (fresh module state for stateful ones)."""
    namespace = mistake.namespace()
    impl = FunctionImplementation(mistake.name, namespace["mistake"], frozenset(OUTPUT_NAMES))
    if "grad_U_from_label" in namespace:
        impl.grad_U_from_label = namespace["grad_U_from_label"]  # type: ignore[attr-defined]  # optional slot
    return impl


MUTANT_NAMES = tuple(mistake.name for mistake in MISTAKES)
