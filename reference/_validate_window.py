"""Argument checks for negative sampling and the skip-gram window, in the style of ``_validate``:
every bad input gets a message naming the argument, what was expected and what arrived."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from reference._validate import _describe, float_array


def index_list(name: str, value: Any, W: int, *, min_length: int = 0) -> np.ndarray:
    """A sequence of word indices (a list, tuple or 1-D integer array), each 0 <= i < W, as an intp array.

    Repeats are allowed: a sampler may draw the same negative twice, and a window may hold the same
    outside word twice; each occurrence counts.
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iu" or value.ndim != 1:
            raise TypeError(f"{name}: expected a 1-D array of integer word indices, got {_describe(value)}")
        items = [int(i) for i in value]
    elif isinstance(value, list | tuple):
        if any(isinstance(i, bool) or not isinstance(i, numbers.Integral) for i in value):
            bad = next(i for i in value if isinstance(i, bool) or not isinstance(i, numbers.Integral))
            raise TypeError(f"{name}: expected integer word indices, got {_describe(bad)} among them")
        items = [int(i) for i in value]
    else:
        raise TypeError(f"{name}: expected a list of integer word indices, got {_describe(value)}")
    if len(items) < min_length:
        raise ValueError(f"{name}: expected at least {min_length} word indices, got {len(items)}")
    outside = [i for i in items if not 0 <= i < W]
    if outside:
        raise ValueError(f"{name}: expected indices 0 <= i < W = {W}, got {outside[0]}")
    return np.asarray(items, dtype=np.intp)


def centre_and_outside_matrices(V: Any, U: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check V (W, d), the centre vectors, and U (W, d), the outside vectors: same shape and dtype."""
    V = float_array("V", V, 2)
    U = float_array("U", U, 2)
    if V.shape[0] == 0 or V.shape[1] == 0:
        raise ValueError(f"V: expected at least one word and one dimension, got shape {V.shape}")
    if U.shape != V.shape:
        raise ValueError(f"U: expected shape {V.shape} to match V (one centre and one outside vector per word), "
                         f"got {U.shape}")
    if U.dtype != V.dtype:
        raise TypeError(f"U: expected dtype {V.dtype} to match V, got {U.dtype}")
    return V, U


def negatives_per_word(value: Any, m: int, W: int) -> list[np.ndarray] | None:
    """None (the naive-softmax loss), or one list of negative indices per outside word of the window."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise TypeError(f"negatives: expected None or a list of {m} lists of word indices, got {_describe(value)}")
    if len(value) != m:
        raise ValueError(f"negatives: expected one list of negatives per outside word ({m}), got {len(value)}")
    return [index_list(f"negatives[{j}]", row, W) for j, row in enumerate(value)]
