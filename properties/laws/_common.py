"""The registry the laws of dCE/dU are written into, and what every law module uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from properties import strategies
from properties.case import Case
from properties.implementation import LABELS
from properties.registry import Registry

REGISTRY = Registry()
law = REGISTRY.law
this = REGISTRY.get  # a law looks up its own entry by name, for its violations


def single(strategy: st.SearchStrategy[Case]) -> Callable[[], st.SearchStrategy[tuple[Any, ...]]]:
    """A law of one case: its strategy draws 1-tuples."""
    return lambda: strategy.map(lambda case: (case,))


PINNED = tuple((case,) for case in strategies.PINNED)
#: The findings in ``rejects=`` are written for implementations that keep the default labels.
G = LABELS["grad_U"]
