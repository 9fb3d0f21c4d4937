"""The two independent oracles: HIPS autograd, and central finite differences of the loss.

Neither uses the reference's gradient formula: autograd differentiates the loss as written with
``autograd.numpy``; finite differences need only loss values, from a loss written here with
``np.logaddexp`` rather than the reference's max-shift.
"""

from __future__ import annotations

import numpy as np

from properties.tolerances import FD_STEP


def _autograd_loss(U, v_c, o):  # type: ignore[no-untyped-def]  # autograd traces untyped numpy code
    import autograd.numpy as anp

    z = anp.dot(U, v_c)
    m = anp.max(z)
    return m + anp.log(anp.sum(anp.exp(z - m))) - z[o]


def autograd_grad_U(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """dCE/dU by reverse-mode automatic differentiation of the loss (eq. 1)."""
    from autograd import grad

    return np.asarray(grad(_autograd_loss, 0)(U.astype(np.float64), v_c.astype(np.float64), o))


def autograd_grad_v_c(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """dCE/dv_c by automatic differentiation of the same loss."""
    from autograd import grad

    return np.asarray(grad(_autograd_loss, 1)(U.astype(np.float64), v_c.astype(np.float64), o))


def independent_loss(U: np.ndarray, v_c: np.ndarray, o: int) -> float:
    """CE = log Σ exp(z) - z_o, with np.logaddexp (stable without an explicit max-shift)."""
    z = U.astype(np.float64) @ v_c.astype(np.float64)
    return float(np.logaddexp.reduce(z) - z[o])


def finite_difference_grad_U(U: np.ndarray, v_c: np.ndarray, o: int, h: float = FD_STEP) -> np.ndarray:
    """Central differences (CE(U + h E_wj) - CE(U - h E_wj)) / 2h for every entry (float64).

    The step h is chosen in tolerances.py from the truncation/rounding trade-off.
    """
    U = U.astype(np.float64)
    G = np.empty_like(U)
    for index in np.ndindex(U.shape):
        bumped = U.copy()
        bumped[index] += h
        up = independent_loss(bumped, v_c, o)
        bumped[index] -= 2 * h
        down = independent_loss(bumped, v_c, o)
        G[index] = (up - down) / (2 * h)
    return G
