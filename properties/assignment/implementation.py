"""What the negative-sampling and skip-gram laws call, and adapters for plain functions.

Two kinds of implementation under test, each called with fresh copies of its inputs:

* a **negative-sampling** implementation: ``impl(U, v_c, o, draws, K) -> Outputs`` (the outputs of
  the naive softmax: loss, grad_v_c, grad_U).  ``draws`` is what the grader's sampler yields; the
  course's ``getNegativeSamples`` turns it into the K negatives (re-drawing o), and the grader knows
  them because it chose the draws (:class:`GraderDataset`);
* a **window** implementation: ``impl(V, U, c, outside, negatives) -> WindowOutputs`` (loss, grad_V,
  grad_U), where ``negatives`` is None (the naive-softmax word loss) or one tuple of negatives per
  outside word.  The course's skipgram takes the word loss as an argument; the grader passes a
  correct one (:func:`properties.assignment.word_losses.word_loss`), so a skipgram is graded on its own logic alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np

import reference
from properties.assignment.course import GraderDataset, token, window_size
from properties.assignment.word_losses import word_loss as course_word_loss
from properties.grader.conventions import positional_count
from properties.implementation import Outputs, Unusable, _name_of, normalise_output

NS_OUTPUTS = frozenset({"loss", "grad_v_c", "grad_U"})
WINDOW_OUTPUTS = frozenset({"loss", "grad_V", "grad_U"})
#: The names messages give the outputs where an implementation has no names of its own.
NS_LABELS: Mapping[str, str] = MappingProxyType({"loss": "loss", "grad_v_c": "dJ/dv_c", "grad_U": "dJ/dU"})
WINDOW_LABELS: Mapping[str, str] = MappingProxyType({"loss": "loss", "grad_V": "dJ/dV", "grad_U": "dJ/dU"})

MSG_NOT_A_TRIPLE = "expected a tuple (loss, {grad_centre}, {grad_outside}), got {what}"


class NegSamplingImplementation(Protocol):
    name: str
    provides: frozenset[str]
    labels: Mapping[str, str]  # slot -> the name the student's convention gives it

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int, draws: tuple[int, ...], K: int) -> Outputs: ...


@dataclass(frozen=True)
class WindowOutputs:
    """What one skipgram call returned; each slot an exact float ndarray or an :class:`Unusable`."""

    loss: np.ndarray | Unusable
    grad_V: np.ndarray | Unusable
    grad_U: np.ndarray | Unusable
    mutated: tuple[str, ...] = ()

    def get(self, name: str) -> np.ndarray | Unusable | None:
        return getattr(self, name)  # type: ignore[no-any-return]  # one of the three slots


class WindowImplementation(Protocol):
    name: str
    provides: frozenset[str]
    labels: Mapping[str, str]

    def __call__(self, V: np.ndarray, U: np.ndarray, c: int, outside: tuple[int, ...],
                 negatives: tuple[tuple[int, ...], ...] | None) -> WindowOutputs: ...


def _triple(result: Any, grad_centre: str, grad_outside: str) -> tuple[Any, Any, Any]:
    if type(result) not in (tuple, list) or len(result) != 3:
        what = f"a {type(result).__name__}" + (f" of length {len(result)}" if type(result) in (tuple, list) else "")
        raise TypeError(MSG_NOT_A_TRIPLE.format(grad_centre=grad_centre, grad_outside=grad_outside, what=what))
    return result[0], result[1], result[2]


def _changed(pairs: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> tuple[str, ...]:
    return tuple(name for name, before, after in pairs if not np.array_equal(before, after, equal_nan=True))


@dataclass
class NegSamplingFunction:
    """An in-process negative-sampling implementation: ``call(U, v_c, o, draws, K)`` returns a triple."""

    name: str
    call: Callable[[np.ndarray, np.ndarray, int, tuple[int, ...], int], Any]
    provides: frozenset[str] = NS_OUTPUTS
    labels: Mapping[str, str] = field(default_factory=lambda: NS_LABELS)

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int, draws: tuple[int, ...], K: int) -> Outputs:
        U_before, v_before = U.copy(), v_c.copy()
        loss, grad_v_c, grad_U = _triple(self.call(U, v_c, o, draws, K), "gradCenterVec", "gradOutsideVecs")
        return Outputs(grad_U=normalise_output(grad_U), loss=normalise_output(loss),
                       grad_v_c=normalise_output(grad_v_c),
                       mutated=_changed([("U", U_before, U), ("v_c", v_before, v_c)]))


def from_neg_sampling(fn: Callable[..., Any], name: str | None = None) -> NegSamplingFunction:
    """Test ``fn(U, v_c, o, negatives) -> (J, dJ/dv_c, dJ/dU)``; the negatives follow the course's sampler."""
    return NegSamplingFunction(name or _name_of(fn),
                               lambda U, v_c, o, draws, K: fn(U, v_c, o, reference.negative_samples(o, draws, K)))


def from_course_neg_sampling(fn: Callable[..., Any], name: str | None = None) -> NegSamplingFunction:
    """Test ``negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K)``
    (or its snake-case twin) with the grader's dataset."""
    return NegSamplingFunction(name or _name_of(fn),
                               lambda U, v_c, o, draws, K: fn(v_c, o, U, GraderDataset(draws), K))


@dataclass
class WindowFunction:
    """An in-process window implementation: ``call(V, U, c, outside, negatives)`` returns a triple."""

    name: str
    call: Callable[[np.ndarray, np.ndarray, int, tuple[int, ...], tuple[tuple[int, ...], ...] | None], Any]
    provides: frozenset[str] = WINDOW_OUTPUTS
    labels: Mapping[str, str] = field(default_factory=lambda: WINDOW_LABELS)

    def __call__(self, V: np.ndarray, U: np.ndarray, c: int, outside: tuple[int, ...],
                 negatives: tuple[tuple[int, ...], ...] | None) -> WindowOutputs:
        V_before, U_before = V.copy(), U.copy()
        loss, grad_V, grad_U = _triple(self.call(V, U, c, outside, negatives), "gradCenterVecs",
                                       "gradOutsideVectors")
        return WindowOutputs(loss=normalise_output(loss), grad_V=normalise_output(grad_V),
                             grad_U=normalise_output(grad_U),
                             mutated=_changed([("V", V_before, V), ("U", U_before, U)]))


WordLoss = Callable[[np.ndarray, int, np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def word_losses(negatives: tuple[tuple[int, ...], ...] | None) -> WordLoss:
    """The correct word loss ``(v_c, o, U) -> (J, dJ/dv_c, dJ/dU)`` for one window's calls, in order:
    the naive softmax, or negative sampling taking the next outside word's negatives at each call."""
    if negatives is None:
        return lambda v_c, o, U: (reference.loss(U, v_c, o), reference.grad_v_c(U, v_c, o),
                                  reference.grad_U(U, v_c, o))
    queue = list(negatives)

    def negative_sampling(v_c: np.ndarray, o: int, U: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        if not queue:
            raise RuntimeError("the word loss was called more often than the window has outside words")
        return reference.neg_sampling(U, v_c, o, queue.pop(0))

    return negative_sampling


def from_window(fn: Callable[..., Any], name: str | None = None) -> WindowFunction:
    """Test ``fn(V, U, c, outside, word_loss) -> (J_sg, dJ_sg/dV, dJ_sg/dU)`` with a correct word loss."""
    return WindowFunction(name or _name_of(fn),
                          lambda V, U, c, outside, negatives: fn(V, U, c, list(outside), word_losses(negatives)))


def from_course_skipgram(fn: Callable[..., Any], name: str | None = None) -> WindowFunction:
    """Test ``skipgram(currentCenterWord, windowSize, outsideWords, word2Ind, centerWordVectors,
    outsideVectors, dataset, word2vecLossAndGradient)`` (or the snake-case twin) with a correct word loss."""
    takes_loss = positional_count(fn) >= 8

    def call(V: np.ndarray, U: np.ndarray, c: int, outside: tuple[int, ...],
             negatives: tuple[tuple[int, ...], ...] | None) -> Any:
        word2ind = {token(w): w for w in range(V.shape[0])}
        args: list[Any] = [token(c), window_size(len(outside)), [token(o) for o in outside], word2ind, V, U,
                           GraderDataset([i for row in negatives or () for i in row])]
        if takes_loss:
            args.append(course_word_loss(negatives))
        return fn(*args)

    return WindowFunction(name or _name_of(fn), call)


def reference_neg_sampling() -> NegSamplingFunction:
    """The reference as a negative-sampling implementation under test."""
    return from_neg_sampling(reference.neg_sampling, "reference.neg_sampling")


def reference_window() -> WindowFunction:
    """The reference as a window implementation under test."""
    return WindowFunction("reference.skipgram",
                          lambda V, U, c, outside, negatives: reference.skipgram(V, U, c, outside, negatives))
