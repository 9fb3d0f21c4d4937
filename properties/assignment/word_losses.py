"""The correct ``word2vecLossAndGradient`` functions a skipgram is given (the course's signature).

skipgram is graded on its own logic, with a word loss that is known to be right.  This module imports
numpy only.  The sandboxed child imports it only when the function it grades is a skipgram: anywhere
else these functions would be a correct naive softmax and negative sampling within a submission's
reach (through the child's frame), an answer to copy instead of derive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def naive_softmax_loss(centerWordVec: np.ndarray, outsideWordIdx: int, outsideVectors: np.ndarray,  # the course's names
                       dataset: Any = None) -> tuple[float, np.ndarray, np.ndarray]:
    """(CE, dCE/dv_c, dCE/dU) of eq. (1), (24) in the course's argument order."""
    z = outsideVectors @ centerWordVec
    m = z.max()
    e = np.exp(z - m)  # shifted: exp never overflows
    y_hat = e / e.sum()
    delta = y_hat.copy()
    delta[outsideWordIdx] -= 1.0
    loss = float(m + np.log(e.sum()) - z[outsideWordIdx])
    return loss, outsideVectors.T @ delta, np.outer(delta, centerWordVec)


def neg_sampling_loss(K: int) -> Any:
    """A correct ``negSamplingLossAndGradient`` drawing its K negatives from the dataset, as
    getNegativeSamples does (eqs. (27)-(31))."""

    def negSamplingLossAndGradient(centerWordVec: np.ndarray, outsideWordIdx: int,  # the course's names
                                   outsideVectors: np.ndarray, dataset: Any, K: int = K
                                   ) -> tuple[float, np.ndarray, np.ndarray]:
        negatives: list[int] = []
        while len(negatives) < K:
            draw = dataset.sampleTokenIdx()
            if draw != outsideWordIdx:
                negatives.append(draw)
        U, v_c, o = outsideVectors, centerWordVec, outsideWordIdx
        idx = np.asarray(negatives, dtype=np.intp)
        c = np.zeros(U.shape[0], dtype=U.dtype)
        c[o] = -_sigmoid(-(U[o] @ v_c))
        np.add.at(c, idx, _sigmoid(U[idx] @ v_c))  # once per draw
        loss = float(np.logaddexp(0.0, -(U[o] @ v_c)) + np.logaddexp(0.0, U[idx] @ v_c).sum())
        return loss, U.T @ c, np.outer(c, v_c)

    return negSamplingLossAndGradient


def word_loss(negatives_per_word: Sequence[Sequence[int]] | None) -> Any:
    """The word loss for a window: the naive softmax, or negative sampling with K = len(negatives[0])."""
    if negatives_per_word is None:
        return naive_softmax_loss
    return neg_sampling_loss(len(negatives_per_word[0]) if negatives_per_word else 0)
