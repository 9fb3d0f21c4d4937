"""The reference: softmax cross-entropy of word2vec's skip-gram model and its gradients.

Notation (the seed, ``shared/seed``, eqs. (1)-(24)):

    U    (W, d)  output vectors, row w is u_w
    v_c  (d,)    the centre word's vector
    o    int     the true outside word, 0 <= o < W;  y = e_o is its one-hot label
    z  = U v_c                        logits, shape (W,)
    ŷ  = softmax(z)                   ŷ_w = exp(z_w) / Σ_m exp(z_m)
    CE = -Σ_w y_w log ŷ_w = logsumexp(z) - z_o                                  eq. (1)
    dCE/dU   = (ŷ - y) v_cᵀ          row w: (ŷ_w - 1) v_c if w = o, else ŷ_w v_c  eq. (22)-(24)
    dCE/dv_c = Uᵀ (ŷ - y)

For a general (soft) label vector y >= 0 the gradient is (ŷ Σy - y) v_cᵀ, eq. (20).
Float32 inputs give float32 outputs; every function checks its arguments first.
"""

from __future__ import annotations

import numpy as np

from reference import _validate, fast  # fast imports only _validate from this package

# negative sampling and the skip-gram window are imported at the end of this module
__all__ = [
    "grad_U",
    "grad_U_from_label",
    "grad_v_c",
    "log_sigmoid",
    "loss",
    "neg_sampling",
    "neg_sampling_grad_U",
    "neg_sampling_grad_v_c",
    "neg_sampling_loss",
    "negative_samples",
    "sgd_step",
    "sigmoid",
    "skipgram",
    "softmax",
]


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis; any leading axes are a batch."""
    z = _validate.logits(z)
    shifted = z - z.max(axis=-1, keepdims=True)  # exp overflows above ~709; softmax is shift-invariant
    e = np.exp(shifted)  # the largest term is exp(0) = 1, so the sum is >= 1: no division by 0
    return e / e.sum(axis=-1, keepdims=True)


def _logits(U: np.ndarray, v_c: np.ndarray) -> np.ndarray:
    return U @ v_c


def _coefficients(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """c = ŷ - y, the row weights of dCE/dU = c v_cᵀ (eq. 22)."""
    c = softmax(_logits(U, v_c))
    c[o] -= 1.0  # y is one-hot at o (eq. 24)
    return c


def loss(U: np.ndarray, v_c: np.ndarray, o: int) -> float:
    """CE = logsumexp(z) - z_o, exact even where ŷ_o underflows to 0 (eq. 1)."""
    U, v_c = _validate.matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    z = _logits(U, v_c).astype(np.float64)
    m = z.max()
    # log Σ exp(z) = m + log Σ exp(z - m): never forms ŷ_o, so -log 0 = inf cannot occur
    return float(m + np.log(np.exp(z - m).sum()) - z[o])


def grad_U(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """dCE/dU = (ŷ - y) v_cᵀ, shape (W, d) (eq. 24)."""
    U, v_c = _validate.matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    return np.outer(_coefficients(U, v_c, o), v_c)


def grad_U_from_label(U: np.ndarray, v_c: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of -Σ_w y_w log ŷ_w for any label vector y >= 0: (ŷ Σy - y) v_cᵀ (eq. 20).

    With Σy = 1 (a one-hot or probability vector) this is eq. (22)'s (ŷ - y) v_cᵀ.
    """
    U, v_c = _validate.matrix_and_vector(U, v_c)
    y = _validate.label_vector(y, U.shape[0], U.dtype)
    y_hat = softmax(_logits(U, v_c))
    return np.outer(y_hat * y.sum() - y, v_c)


def grad_v_c(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """dCE/dv_c = Uᵀ (ŷ - y), shape (d,)."""
    U, v_c = _validate.matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    return U.T @ _coefficients(U, v_c, o)


def sgd_step(U: np.ndarray, v_c: np.ndarray, o: int, lr: float) -> np.ndarray:
    """U <- U - lr dCE/dU, in place, returning U (eqs. 22-24).

    dCE/dU = c v_cᵀ is rank one, so the step is the rank-one update U += (-lr c) v_cᵀ.  The fast path
    applies exactly that with one BLAS ``ger``: one read of U for the logits, one in-place pass over
    U, O(W + d) memory beyond it (never the W x d gradient, nor a W x d finiteness mask: U's
    finiteness is read off its logits).  The reference has nothing to add to that, so it is that
    function: the obvious name is never the slow one.  (tests/implementations.py keeps a row-by-row
    rewrite, eq. (24) one row at a time, to check both against.)
    """
    return fast.sgd_step(U, v_c, o, lr)


# Negative sampling and the skip-gram window build on the functions above, hence imported last.
from reference.negative_sampling import (  # noqa: E402  # needs loss/grad_U/grad_v_c defined first
    log_sigmoid,
    neg_sampling,
    neg_sampling_grad_U,
    neg_sampling_grad_v_c,
    neg_sampling_loss,
    negative_samples,
    sigmoid,
)
from reference.skipgram import skipgram  # noqa: E402  # as above
