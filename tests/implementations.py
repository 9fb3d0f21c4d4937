"""Correct implementations that every law must accept: the reference and independent rewrites.

A loop-based and a vectorised implementation must both pass (DESIGN.md, grading policy), so the
tolerances are tested against code whose rounding differs from the reference's.
"""

from __future__ import annotations

import math

import numpy as np

import reference
from properties.implementation import FunctionImplementation, from_cs224n, from_functions, from_grad_U
from reference import fast


def _reference() -> FunctionImplementation:
    return from_functions(reference.grad_U, reference.loss, reference.grad_v_c, name="reference",
                          grad_U_from_label=reference.grad_U_from_label)


def _fast_grad_U_into_out(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """fast.grad_U writing into a caller's array, which starts out as garbage."""
    return fast.grad_U(U, v_c, o, out=np.full_like(U, np.nan))


def _fast_batch_grad(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """The batched gradient (Ŷ - Y)ᵀ V_c for a batch of one centre word is dCE/dU itself."""
    return fast.grad_U_batch(U, v_c[None, :], np.array([o]))


def _fast_batch_loss(U: np.ndarray, v_c: np.ndarray, o: int) -> np.floating:
    return fast.loss_batch(U, v_c[None, :], np.array([o]))[0]


def looped(centerWordVec, outsideWordIdx, outsideVectors, dataset):  # type: ignore[no-untyped-def]  # the course's names
    """Eq. (23) row by row, the way a careful student writes it with Python loops."""
    W, d = outsideVectors.shape
    z = [sum(float(outsideVectors[w, j]) * float(centerWordVec[j]) for j in range(d)) for w in range(W)]
    m = max(z)
    exps = [math.exp(zw - m) for zw in z]
    total = sum(exps)
    y_hat = [e / total for e in exps]
    loss = -(z[outsideWordIdx] - m - math.log(total))
    grad_outside = np.zeros((W, d))
    grad_center = np.zeros(d)
    for w in range(W):
        coefficient = y_hat[w] - (1.0 if w == outsideWordIdx else 0.0)
        for j in range(d):
            grad_outside[w, j] = coefficient * centerWordVec[j]
            grad_center[j] += coefficient * outsideVectors[w, j]
    return loss, grad_center, grad_outside


def column_vectors(centerWordVec, outsideWordIdx, outsideVectors, dataset):  # type: ignore[no-untyped-def]  # the course's names
    """Column-vector internals and a log-softmax, as the 2019 starter code invites."""
    v = centerWordVec.reshape(-1, 1)
    z = outsideVectors @ v  # (W, 1)
    log_y_hat = z - (np.max(z) + np.log(np.sum(np.exp(z - np.max(z)))))
    y_hat = np.exp(log_y_hat)
    y = np.zeros_like(y_hat)
    y[outsideWordIdx] = 1.0
    loss = -log_y_hat[outsideWordIdx]  # a (1,) array: a size-1 loss is a scalar
    return loss, (outsideVectors.T @ (y_hat - y)).reshape(-1), (y_hat - y) @ v.T


def sgd_step_row_loop(U: np.ndarray, v_c: np.ndarray, o: int, lr: float) -> np.ndarray:
    """U <- U - lr dCE/dU one row at a time, as eq. (24) reads: row w moves by -lr (ŷ_w - y_w) v_c.

    An independent rewrite of the update (reference.sgd_step is the fast path's BLAS rank-one update),
    for the tests and benchmarks to check it against; slow on purpose: a Python loop over the W rows.
    """
    y_hat = reference.softmax(U @ v_c)
    for w in range(U.shape[0]):
        U[w] -= lr * (y_hat[w] - (1.0 if w == o else 0.0)) * v_c
    return U


CORRECT = {
    "reference": _reference,
    "looped": lambda: from_cs224n(looped, name="looped"),
    "column-vectors": lambda: from_cs224n(column_vectors, name="column-vectors"),
    "fast": lambda: from_functions(fast.grad_U, fast.loss, fast.grad_v_c, name="fast"),
    "fast-out": lambda: from_grad_U(_fast_grad_U_into_out, name="fast-out"),
    "fast-batch-of-one": lambda: from_functions(_fast_batch_grad, _fast_batch_loss, name="fast-batch-of-one"),
}
