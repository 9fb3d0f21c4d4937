"""What the grader hands a submission besides arrays: its ``dataset`` and a correct word loss.

This module imports numpy only (no cegrad code), because the sandboxed child passes these objects to
untrusted code: a submission that inspects them finds nothing but what they are.

* :class:`GraderDataset` is the ``dataset`` argument: ``sampleTokenIdx()`` yields a stream of draws
  the grader chose (from Hypothesis, so a seed replays it), then refuses.  The grader knows which
  negatives the course's ``getNegativeSamples`` picks from that stream (the first K draws that are
  not o), so the parent's oracle sees the same negatives as the child.
* :func:`naive_softmax_loss` and :func:`neg_sampling_loss` are correct ``word2vecLossAndGradient``
  functions with the course's signature: skipgram is graded on its own logic, with a word loss that
  is known to be right.  Each function is graded in a child of its own, so a skipgram that keeps them
  cannot use them when another function is graded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

MSG_DRAWS_EXHAUSTED = (
    "dataset.sampleTokenIdx() was called more often than getNegativeSamples(outsideWordIdx, dataset, K) "
    "calls it ({count} draws: K negatives plus one re-draw each time it drew outsideWordIdx); use the "
    "course's getNegativeSamples unchanged"
)


class GraderDataset:
    """The ``dataset`` of the course's signatures: a sampler over a fixed stream of word indices."""

    def __init__(self, draws: Sequence[int]) -> None:
        self._draws = tuple(int(i) for i in draws)
        self.drawn = 0

    def sampleTokenIdx(self) -> int:  # the course's name
        if self.drawn >= len(self._draws):
            raise RuntimeError(MSG_DRAWS_EXHAUSTED.format(count=len(self._draws)))
        self.drawn += 1
        return self._draws[self.drawn - 1]

    sample_token_idx = sampleTokenIdx  # the 2019 assignment's snake-case name

    def __getattr__(self, attr: str) -> Any:
        raise AttributeError(f"the grader's dataset only samples words (sampleTokenIdx); asked for {attr!r}")


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


def token(w: int) -> str:
    """The grader's name of word w in word2Ind (the course's tokens are strings)."""
    return f"w{w}"


def window_size(outside_count: int) -> int:
    """The windowSize argument for a window of this many outside words (at most 2·windowSize of them)."""
    return max(1, (outside_count + 1) // 2)


def call_values(fields: dict[str, Any], arrays: dict[str, np.ndarray], unused_dataset: Any) -> dict[str, Any]:
    """What each parameter of a convention's row is bound to (``Parameter.value`` -> object), for one call.

    ``arrays`` are the inputs as the submission gets them (U and v_c, or V and U for a window); the
    request's fields add o, the sampler's draws and K, or the window (c, outside, negatives).
    """
    values: dict[str, Any] = dict(arrays)
    values["o"] = fields.get("o")
    draws = fields.get("draws")
    values["dataset"] = GraderDataset(draws) if type(draws) is list else unused_dataset
    values["K"] = fields.get("K")
    outside = fields.get("outside")
    if type(outside) is list:
        values.update(
            centre_word=token(int(fields["c"])),
            window_size=window_size(len(outside)),
            outside_words=[token(int(o)) for o in outside],
            word2ind={token(w): w for w in range(int(arrays["U"].shape[0]))},
            word_loss=word_loss(fields.get("negatives")),
        )
    return values
