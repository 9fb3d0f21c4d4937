"""Independent oracles for negative sampling and the skip-gram window.

Neither uses the reference's gradient formulas: HIPS autograd differentiates the losses (27) and (35)
as written with ``autograd.numpy``; central finite differences need only loss values, from losses
written here directly (a loop over the draws, ``np.logaddexp`` for log σ).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from properties.tolerances import FD_STEP


def _ns_loss_autograd(U, v_c, o, negatives):  # type: ignore[no-untyped-def]  # autograd traces untyped code
    import autograd.numpy as anp

    def minus_log_sigmoid(x):  # type: ignore[no-untyped-def]  # -log σ(x) = log(1 + e^{-x}), eq. (28)
        return anp.logaddexp(0.0, -x)

    loss = minus_log_sigmoid(anp.dot(U[o], v_c))
    for k in negatives:  # one term per draw: a repeated negative counts again
        loss = loss + minus_log_sigmoid(-anp.dot(U[k], v_c))
    return loss


def _window_loss_autograd(V, U, c, outside, negatives):  # type: ignore[no-untyped-def]  # as above
    import autograd.numpy as anp

    v_c = V[c]
    total = 0.0
    for j, o in enumerate(outside):
        if negatives is None:
            z = anp.dot(U, v_c)
            m = anp.max(z)
            total = total + m + anp.log(anp.sum(anp.exp(z - m))) - z[o]
        else:
            total = total + _ns_loss_autograd(U, v_c, o, negatives[j])
    return total


def autograd_neg_sampling(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]
                          ) -> tuple[np.ndarray, np.ndarray]:
    """(dJ/dv_c, dJ/dU) of eq. (27) by reverse-mode automatic differentiation, in float64."""
    from autograd import grad

    U64, v64 = U.astype(np.float64), v_c.astype(np.float64)
    negatives = [int(k) for k in negatives]
    return (np.asarray(grad(_ns_loss_autograd, 1)(U64, v64, o, negatives)),
            np.asarray(grad(_ns_loss_autograd, 0)(U64, v64, o, negatives)))


def autograd_window(V: np.ndarray, U: np.ndarray, c: int, outside: Sequence[int],
                    negatives: Sequence[Sequence[int]] | None) -> tuple[np.ndarray, np.ndarray]:
    """(dJ_sg/dV, dJ_sg/dU) of eq. (35) by automatic differentiation, in float64."""
    from autograd import grad

    V64, U64 = V.astype(np.float64), U.astype(np.float64)
    outside = [int(o) for o in outside]
    return (np.asarray(grad(_window_loss_autograd, 0)(V64, U64, c, outside, negatives)),
            np.asarray(grad(_window_loss_autograd, 1)(V64, U64, c, outside, negatives)))


def independent_ns_loss(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> float:
    """J of eq. (27) as a plain sum over the draws, with np.logaddexp for -log σ."""
    U, v_c = U.astype(np.float64), v_c.astype(np.float64)
    total = float(np.logaddexp(0.0, -(U[o] @ v_c)))
    for k in negatives:
        total += float(np.logaddexp(0.0, U[k] @ v_c))
    return total


def independent_window_loss(V: np.ndarray, U: np.ndarray, c: int, outside: Sequence[int],
                            negatives: Sequence[Sequence[int]] | None) -> float:
    """J_sg of eq. (35): the sum of the word losses of the window."""
    v_c = V.astype(np.float64)[c]
    U = U.astype(np.float64)
    total = 0.0
    for j, o in enumerate(outside):
        if negatives is None:
            z = U @ v_c
            total += float(np.logaddexp.reduce(z) - z[o])
        else:
            total += independent_ns_loss(U, v_c, o, negatives[j])
    return total


def _central_differences(f, x: np.ndarray, h: float = FD_STEP) -> np.ndarray:  # type: ignore[no-untyped-def]  # any loss of x
    x = x.astype(np.float64)
    G = np.empty_like(x)
    for index in np.ndindex(x.shape):
        bumped = x.copy()
        bumped[index] += h
        up = f(bumped)
        bumped[index] -= 2 * h
        G[index] = (up - f(bumped)) / (2 * h)
    return G


def finite_difference_neg_sampling(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]
                                   ) -> tuple[np.ndarray, np.ndarray]:
    """(dJ/dv_c, dJ/dU) by central differences of :func:`independent_ns_loss` (step in tolerances.py)."""
    return (_central_differences(lambda v: independent_ns_loss(U, v, o, negatives), v_c),
            _central_differences(lambda W: independent_ns_loss(W, v_c, o, negatives), U))


def finite_difference_window(V: np.ndarray, U: np.ndarray, c: int, outside: Sequence[int],
                             negatives: Sequence[Sequence[int]] | None) -> tuple[np.ndarray, np.ndarray]:
    """(dJ_sg/dV, dJ_sg/dU) by central differences of :func:`independent_window_loss`."""
    return (_central_differences(lambda X: independent_window_loss(X, U, c, outside, negatives), V),
            _central_differences(lambda X: independent_window_loss(V, X, c, outside, negatives), U))
