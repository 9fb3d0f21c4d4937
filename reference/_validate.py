"""Argument checks for the reference API: every bad input gets a message naming the argument,
what was expected and what arrived, before numpy can fail somewhere deep inside."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def float_array(name: str, value: Any, ndim: int) -> np.ndarray:
    """``value`` as it is, if it is a finite float32/float64 ndarray with ``ndim`` axes."""
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{name}: expected a numpy float array with {ndim} axes, got {_describe(value)}"
            " (wrap it with np.asarray(..., dtype=float))"
        )
    if value.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{name}: expected dtype float32 or float64, got {value.dtype}"
            f" (convert with {name}.astype(np.float64))"
        )
    if value.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} axes, got shape {value.shape}")
    if not np.isfinite(value).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(value))[0])
        raise ValueError(f"{name}: expected finite values, got {value[bad]} at index {bad}")
    return value


def matrix_and_vector(U: Any, v_c: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check U (W, d) and v_c (d,) and that they agree on d and on dtype."""
    U = float_array("U", U, 2)
    v_c = float_array("v_c", v_c, 1)
    W, d = U.shape
    if W == 0 or d == 0:
        raise ValueError(f"U: expected at least one word and one dimension, got shape {U.shape}")
    if v_c.shape != (d,):
        raise ValueError(f"v_c: expected shape ({d},) to match U of shape {U.shape}, got {v_c.shape}")
    if v_c.dtype != U.dtype:
        raise TypeError(f"v_c: expected dtype {U.dtype} to match U, got {v_c.dtype}")
    return U, v_c


def word_index(o: Any, W: int) -> int:
    """Check that ``o`` is an integer index of one of the W words."""
    if isinstance(o, bool) or not isinstance(o, numbers.Integral):
        raise TypeError(f"o: expected an integer word index, got {_describe(o)}")
    index = int(o)
    if not 0 <= index < W:
        raise ValueError(f"o: expected 0 <= o < W = {W}, got {index}")
    return index


def label_vector(y: Any, W: int, dtype: np.dtype) -> np.ndarray:
    """Check a label vector y: shape (W,), finite, non-negative."""
    if not isinstance(y, np.ndarray) or y.dtype.kind != "f":
        raise TypeError(f"y: expected a numpy float array of shape ({W},), got {_describe(y)}")
    if y.shape != (W,):
        raise ValueError(f"y: expected shape ({W},) to match U, got {y.shape}")
    if not np.isfinite(y).all() or (y < 0).any():
        raise ValueError("y: expected finite, non-negative label weights")
    return y.astype(dtype, copy=False)


def learning_rate(lr: Any) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(float(lr)):
        raise TypeError(f"lr: expected a finite real number, got {lr!r}")
    return float(lr)


def logits(z: Any) -> np.ndarray:
    if not isinstance(z, np.ndarray):
        raise TypeError(f"z: expected a numpy float array, got {_describe(z)}")
    if z.dtype not in (np.float32, np.float64):
        raise TypeError(f"z: expected dtype float32 or float64, got {z.dtype}")
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"z: expected at least one logit on the last axis, got shape {z.shape}")
    if not np.isfinite(z).all():
        raise ValueError("z: expected finite logits")
    return z
