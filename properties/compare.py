"""The truth for a case, from the reference in float64, and comparisons against it.

:func:`truth` gives the float64 reference values of a case and the tolerances an implementation
given that case must meet (``properties.tolerances``).  :func:`mismatch` compares a received array
with the expected one entry by entry and returns a :class:`Mismatch`: the worst error as a multiple
of its tolerance (which the runner hands to ``hypothesis.target``) and, where some entry is out of
tolerance, the finding shown to the student, numpy.testing-style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

import reference
from properties import tolerances
from properties.case import Case


@dataclass(frozen=True)
class Truth:
    y_hat: np.ndarray
    grad_U: np.ndarray
    grad_v_c: np.ndarray
    loss: float
    bounds: tolerances.Bounds
    #: the loss is graded below this value, where ŷ_o is a normal float of the computing dtype
    loss_graded_below: float = tolerances.LOSS_GRADED_BELOW


def truth(case: Case) -> Truth:
    """The float64 reference values of a case (one-hot label at ``case.o``) and their tolerances."""
    U, v_c = case.U.astype(np.float64), case.v_c.astype(np.float64)
    y_hat = reference.softmax(U @ v_c)
    y = np.zeros(case.W)
    y[case.o] = 1.0
    ce = reference.loss(U, v_c, case.o)
    return Truth(
        y_hat=y_hat,
        grad_U=reference.grad_U(U, v_c, case.o),
        grad_v_c=reference.grad_v_c(U, v_c, case.o),
        loss=ce,
        bounds=tolerances.bounds(case.U, case.v_c, y, y_hat, ce),
        loss_graded_below=tolerances.loss_graded_below(case.U.dtype),
    )


def expected_shape(name: str, case: Case) -> tuple[int, ...]:
    """The shape of the output slot ``name`` ("grad_U", "grad_v_c" or "loss") for ``case``."""
    return {"grad_U": (case.W, case.d), "grad_v_c": (case.d,), "loss": ()}[name]


def reshaped(value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """``value`` as ``shape`` when that is unambiguous: same entries, only unit axes differ."""
    if value.shape == shape:
        return value
    if value.size == int(np.prod(shape)) and [n for n in value.shape if n != 1] == [n for n in shape if n != 1]:
        return value.reshape(shape)
    return None


def loss_acceptable(loss: float, t: Truth) -> bool:
    """Within the bound where ŷ_o is normal; beyond (``t.loss_graded_below``: 708.4 in float64, 87.3
    where float32 is computed), +inf or any value from the ungraded floor up to the true loss."""
    graded_below = min(t.loss_graded_below, tolerances.LOSS_GRADED_BELOW)
    floor = min(tolerances.UNGRADED_LOSS_FLOOR, graded_below)
    if t.loss >= graded_below and (loss == np.inf or floor <= loss <= t.loss + t.bounds.loss):
        return True
    return bool(abs(loss - t.loss) <= t.bounds.loss)


#: The one exception accepted in place of a loss where ŷ_o underflows: math.log(0.0).
MATH_LOG_OF_ZERO = ("ValueError", "math domain error")


def loss_has_no_float_value(error: BaseException | None, t: Truth) -> bool:
    """The call raised math.log(0)'s ValueError where the loss is not graded (ŷ_o underflows).

    One policy for the two ways of writing -log ŷ_o: where it has no float value, np.log's +inf and
    math.log's "math domain error" are both accepted (the report says which it saw); the gradients
    of such a case are then graded only where they came back.
    """
    return (error is not None and t.loss >= min(t.loss_graded_below, tolerances.LOSS_GRADED_BELOW)
            and (type(error).__name__, str(error)) == MATH_LOG_OF_ZERO)


@dataclass(frozen=True)
class Mismatch:
    """The outcome of one comparison.

    ``ratio`` is the largest |received - expected| / tolerance over the entries (inf for a NaN or
    for an error where the tolerance is 0); ``detail`` is None when every entry is within
    tolerance, else the finding: the label, how many entries differ, the worst one with both values
    and the absolute and relative errors.
    """

    ratio: float
    detail: str | None = None

    @property
    def failed(self) -> bool:
        return self.detail is not None


def mismatch(label: str, expected: np.ndarray, received: np.ndarray, tol: np.ndarray | float) -> Mismatch:
    """Compare ``received`` with ``expected`` entry by entry: |received - expected| ≤ tol everywhere?"""
    expected, received = np.asarray(expected, np.float64), np.asarray(received, np.float64)
    tol = np.broadcast_to(np.asarray(tol, np.float64), expected.shape)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        error = np.abs(received - expected)
        bad = ~(error <= tol)  # NaN compares false, so NaN is always bad
        ratio = np.where(tol > 0, error / np.where(tol > 0, tol, 1.0), np.where(error > 0, np.inf, 0.0))
        worst_ratio = float(np.nan_to_num(ratio, nan=np.inf).max(initial=0.0))
    if not bad.any():
        return Mismatch(worst_ratio)
    excess = np.where(bad, np.nan_to_num(error / np.maximum(tol, 1e-300), nan=np.inf, posinf=np.inf), -1.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), expected.shape)) if expected.ndim else ()
    where = f" at {list(worst)}" if expected.ndim else ""
    e, r = float(expected[worst]), float(received[worst])
    rel = abs(r - e) / abs(e) if e else float("inf")
    count = f"{int(bad.sum())} of {bad.size} entries differ; worst" if expected.ndim else "value"
    return Mismatch(worst_ratio, f"{label}: {count}{where}: expected {e:.10g}, received {r:.10g} "
                    f"(abs err {abs(r - e):.3g}, rel err {rel:.3g}, allowed {float(tol[worst]):.3g})")


# The finding line of a failed :func:`mismatch`, as a regular expression, for the tests that check
# which finding a law reported (tests/test_laws_reject_mutants.py).
FINITE = r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?"
NUMBER = rf"(?:-?inf|nan|{FINITE})"


def mismatch_finding(label: str, axes: int = 1, expected: str = NUMBER, received: str = NUMBER,
                     *, label_is_regex: bool = False) -> str:
    """A regex matching the line :func:`mismatch` writes for ``label`` on an array of ``axes`` axes."""
    where = "" if axes == 0 else r" at \[" + ", ".join([r"\d+"] * axes) + r"\]"
    count = "value" if axes == 0 else r"\d+ of \d+ entries differ; worst"
    name = label if label_is_regex else re.escape(label)
    return (rf"^{name}: {count}{where}: expected {expected}, received {received} "
            rf"\(abs err {NUMBER}, rel err {NUMBER}, allowed {NUMBER}\)")
