"""The negative-sampling loss of word2vec and its gradients (docs/negative-sampling.md, eqs. (25)-(34)).

Notation (as in ``reference/__init__.py``, plus the K sampled negatives):

    U    (W, d)  outside vectors, row w is u_w
    v_c  (d,)    the centre word's vector
    o    int     the true outside word
    w_1..w_K     the negative samples: word indices, repeats allowed (each draw counts again)
    z_w = u_wᵀv_c                     the logit of word w
    σ(x) = 1 / (1 + e^{-x}),  σ(-x) = 1 - σ(x),  σ'(x) = σ(x) σ(-x)                  eq. (25)
    J = -log σ(z_o) - Σ_k log σ(-z_{w_k})                                           eq. (27)
    dJ/dv_c = -σ(-z_o) u_o + Σ_k σ(z_{w_k}) u_{w_k}                                 eq. (29)
    dJ/du_w = c_w v_c with c_w = -σ(-z_o)[w = o] + m_w σ(z_w)                       eq. (30)-(33)
              where m_w is how often w was drawn; rows of words neither o nor drawn are 0  eq. (32)

The course's sampler (``getNegativeSamples``) re-draws o, so its negatives never contain o; the
formulas above do not need that, and these functions accept an o among the negatives.
Every function is exact in the sense of eq. (28): log σ is evaluated as -logaddexp(0, -x), and
σ(-z_o) is computed directly rather than as 1 - σ(z_o), so |z| far beyond 700 is fine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reference import _validate, _validate_window

__all__ = [
    "log_sigmoid",
    "neg_sampling",
    "neg_sampling_grad_U",
    "neg_sampling_grad_v_c",
    "neg_sampling_loss",
    "negative_samples",
    "sigmoid",
]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x), elementwise, without overflow: e^{-|x|} ≤ 1 is the only exponential formed (eq. 25)."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    # x ≥ 0: 1 / (1 + e^{-x});  x < 0: e^{x} / (1 + e^{x}), the same value with exp of a non-positive number
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log σ(x) = -log(1 + e^{-x}) = -logaddexp(0, -x): exact where σ(x) underflows (eq. 28)."""
    x = np.asarray(x)
    return -np.logaddexp(np.zeros_like(x), -x)


def negative_samples(o: int, draws: Sequence[int], K: int) -> list[int]:
    """The course's ``getNegativeSamples``: the first K draws that are not o (o is re-drawn).

    ``draws`` is the stream of ``dataset.sampleTokenIdx()``; ValueError if it runs out first.
    """
    chosen: list[int] = []
    for index in draws:
        if len(chosen) == K:
            break
        if index != o:
            chosen.append(int(index))
    if len(chosen) < K:
        raise ValueError(f"draws: expected at least K = {K} draws other than o = {o}, got {len(chosen)}")
    return chosen


def _checked(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int] | np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    U, v_c = _validate.matrix_and_vector(U, v_c)
    o = _validate.word_index(o, U.shape[0])
    return U, v_c, o, _validate_window.index_list("negatives", negatives, U.shape[0])


def _coefficients(U: np.ndarray, v_c: np.ndarray, o: int, negatives: np.ndarray) -> np.ndarray:
    """c (W,), the row weights of dJ/dU = c v_cᵀ: -σ(-z_o) at o, + σ(z_k) once per draw of k (eq. 30-33)."""
    c = np.zeros(U.shape[0], dtype=U.dtype)
    c[o] = -sigmoid(-(U[o] @ v_c))  # σ(z_o) - 1 without the cancellation when σ(z_o) ≈ 1
    # np.add.at adds once per occurrence; c[negatives] += ... would add a repeated index only once
    np.add.at(c, negatives, sigmoid(U[negatives] @ v_c))
    return c


def neg_sampling_loss(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int] | np.ndarray) -> float:
    """J = -log σ(u_oᵀv_c) - Σ_k log σ(-u_kᵀv_c), in float64 (eq. 27, with eq. 28's stable log σ)."""
    U, v_c, o, negatives = _checked(U, v_c, o, negatives)
    U64, v64 = U.astype(np.float64), v_c.astype(np.float64)
    return float(-log_sigmoid(U64[o] @ v64) - log_sigmoid(-(U64[negatives] @ v64)).sum())


def neg_sampling_grad_v_c(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int] | np.ndarray
                          ) -> np.ndarray:
    """dJ/dv_c = -σ(-z_o) u_o + Σ_k σ(z_k) u_k = Uᵀ c, shape (d,) (eq. 29)."""
    U, v_c, o, negatives = _checked(U, v_c, o, negatives)
    return U.T @ _coefficients(U, v_c, o, negatives)


def neg_sampling_grad_U(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int] | np.ndarray
                        ) -> np.ndarray:
    """dJ/dU = c v_cᵀ, shape (W, d): zero on rows neither o nor drawn, repeats accumulated (eq. 30-33)."""
    U, v_c, o, negatives = _checked(U, v_c, o, negatives)
    return np.outer(_coefficients(U, v_c, o, negatives), v_c)


def neg_sampling(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int] | np.ndarray
                 ) -> tuple[float, np.ndarray, np.ndarray]:
    """(J, dJ/dv_c, dJ/dU) in one pass, in the order of the course's negSamplingLossAndGradient."""
    U, v_c, o, negatives = _checked(U, v_c, o, negatives)
    c = _coefficients(U, v_c, o, negatives)
    return neg_sampling_loss(U, v_c, o, negatives), U.T @ c, np.outer(c, v_c)
