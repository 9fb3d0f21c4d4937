"""What the grader hands a submission besides arrays: its ``dataset``, word tokens and window size.

This module imports numpy only (no cegrad code), because the sandboxed child passes these objects to
untrusted code: a submission that inspects them finds nothing but what they are.  In particular it
holds no correct loss: the dataset's methods carry this module's globals, and the child's own frame
holds this module, both reachable by a submission (``type(dataset).sampleTokenIdx.__globals__``,
``sys._getframe(1).f_locals``), so a correct loss here would be a correct answer to copy.

* :class:`GraderDataset` is the ``dataset`` argument: ``sampleTokenIdx()`` yields a stream of draws
  the grader chose (from Hypothesis, so a seed replays it), then refuses.  The grader knows which
  negatives the course's ``getNegativeSamples`` picks from that stream (the first K draws that are
  not o), so the parent's oracle sees the same negatives as the child.
* The correct word losses a skipgram is given live in :mod:`properties.assignment.word_losses`,
  which the child imports only when it grades a skipgram (:func:`call_values` takes them as
  ``word_loss``).  Each function is graded in a child of its own, so a skipgram that keeps them
  cannot use them when another function is graded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def token(w: int) -> str:
    """The grader's name of word w in word2Ind (the course's tokens are strings)."""
    return f"w{w}"


def window_size(outside_count: int) -> int:
    """The windowSize argument for a window of this many outside words (at most 2·windowSize of them)."""
    return max(1, (outside_count + 1) // 2)


def call_values(fields: dict[str, Any], arrays: dict[str, np.ndarray], unused_dataset: Any,
                word_loss: Callable[[Sequence[Sequence[int]] | None], Any] | None = None) -> dict[str, Any]:
    """What each parameter of a convention's row is bound to (``Parameter.value`` -> object), for one call.

    ``arrays`` are the inputs as the submission gets them (U and v_c, or V and U for a window); the
    request's fields add o, the sampler's draws and K, or the window (c, outside, negatives).
    ``word_loss`` (``word_losses.word_loss``) is required for a window and passed for no other call.
    """
    values: dict[str, Any] = dict(arrays)
    values["o"] = fields.get("o")
    draws = fields.get("draws")
    values["dataset"] = GraderDataset(draws) if type(draws) is list else unused_dataset
    values["K"] = fields.get("K")
    outside = fields.get("outside")
    if type(outside) is list:
        if word_loss is None:
            raise ValueError("a skip-gram window needs the correct word losses (word_loss=word_losses.word_loss)")
        values.update(
            centre_word=token(int(fields["c"])),
            window_size=window_size(len(outside)),
            outside_words=[token(int(o)) for o in outside],
            word2ind={token(w): w for w in range(int(arrays["U"].shape[0]))},
            word_loss=word_loss(fields.get("negatives")),
        )
    return values
