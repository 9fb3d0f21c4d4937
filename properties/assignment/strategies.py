"""Cases of negative sampling and of the skip-gram window, and the Hypothesis strategies that draw them.

As in :mod:`properties.strategies`: every strategy is a noun for what it produces, every float is
bounded, all randomness comes from Hypothesis, and magnitudes are scaled by exact powers of two.

A negative-sampling case carries the *draws* of the grader's sampler, not only the negatives: the
course's ``getNegativeSamples`` re-draws o, so the draws may contain o, and the negatives are the
first K draws that are not o (``reference.negative_samples``).  The sampler never allows o among the
negatives, as in the course; the reference itself accepts it (eq. (33)).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import reference
from properties.case import _show
from properties.strategies import (
    EXTREME_LOGIT_MAX,
    EXTREME_LOGIT_MIN,
    FLOAT64,
    ORDINARY_LOGIT_LIMIT,
    _scaled,
    centre_vectors,
    dimensions,
    float_dtypes,
    output_matrices,
)

MAX_VOCAB = 300  # the laws look at every row; the sampler's cost does not grow with W
MAX_NEGATIVES = 12  # the course's K is 10
MAX_WINDOW = 6  # 2·windowSize outside words; the course's window sizes are 1 to 5
# d: 1 to 16.  Nothing in eqs. (27)-(33) depends on d beyond the dot products, whose rounding the bounds
# scale with d; drawing 64 entries per vector was half of a grading's time.
MAX_DIM = 16


@dataclass(frozen=True)
class NegSamplingCase:
    """One input of negSamplingLossAndGradient: U (W, d), v_c (d,), o, the sampler's draws and K."""

    U: np.ndarray
    v_c: np.ndarray
    o: int
    draws: tuple[int, ...]
    K: int
    note: str = field(default="", compare=False)

    @property
    def W(self) -> int:
        return int(self.U.shape[0])

    @property
    def d(self) -> int:
        return int(self.U.shape[1])

    @property
    def negatives(self) -> tuple[int, ...]:
        """The first K draws other than o: what getNegativeSamples returns."""
        return tuple(reference.negative_samples(self.o, self.draws, self.K))

    def describe(self, max_entries: int = 12) -> str:
        dtype = "" if self.U.dtype == np.float64 else f", dtype={self.U.dtype}"
        redrawn = "" if self.draws == self.negatives else f" (sampler draws {list(self.draws)}, o re-drawn)"
        return (f"W={self.W}, d={self.d}, o={self.o}, K={self.K}, negatives={list(self.negatives)}{redrawn}"
                f"{dtype}, v_c={_show(self.v_c, max_entries)}, U={_show(self.U, max_entries)}")

    def to_json(self) -> dict[str, object]:
        return {"W": self.W, "d": self.d, "o": self.o, "K": self.K, "negatives": list(self.negatives),
                "draws": list(self.draws), "dtype": str(self.U.dtype), "v_c": self.v_c.tolist(),
                "U": self.U.tolist()}


@dataclass(frozen=True)
class WindowCase:
    """One input of skipgram: V and U (W, d), centre word c, its outside words, and the word loss.

    ``negatives`` is None for the naive-softmax word loss, else one tuple of negatives per outside
    word (the grader's sampler yields them in window order, so ``draws`` is their concatenation).
    """

    V: np.ndarray
    U: np.ndarray
    c: int
    outside: tuple[int, ...]
    negatives: tuple[tuple[int, ...], ...] | None = None
    note: str = field(default="", compare=False)

    @property
    def W(self) -> int:
        return int(self.U.shape[0])

    @property
    def d(self) -> int:
        return int(self.U.shape[1])

    @property
    def K(self) -> int:
        return len(self.negatives[0]) if self.negatives else 0

    @property
    def loss_name(self) -> str:
        return "naive softmax" if self.negatives is None else f"negative sampling, K={self.K}"

    @property
    def draws(self) -> tuple[int, ...]:
        return tuple(i for row in self.negatives or () for i in row)

    def describe(self, max_entries: int = 12) -> str:
        dtype = "" if self.U.dtype == np.float64 else f", dtype={self.U.dtype}"
        negatives = "" if self.negatives is None else f", negatives={[list(n) for n in self.negatives]}"
        return (f"W={self.W}, d={self.d}, c={self.c}, outside={list(self.outside)}, loss={self.loss_name}"
                f"{negatives}{dtype}, V={_show(self.V, max_entries)}, U={_show(self.U, max_entries)}")

    def to_json(self) -> dict[str, object]:
        return {"W": self.W, "d": self.d, "c": self.c, "outside": list(self.outside),
                "negatives": None if self.negatives is None else [list(n) for n in self.negatives],
                "dtype": str(self.U.dtype), "V": self.V.tolist(), "U": self.U.tolist()}


# ---------------------------------------------------------------------------------------------
# Negative sampling


def vocab_sizes(max_value: int = MAX_VOCAB) -> st.SearchStrategy[int]:
    """W ≥ 2: with one word there is nothing the course's sampler may draw besides o."""
    return st.one_of(st.integers(2, min(8, max_value)), st.integers(2, max_value))


def negative_counts(max_value: int = MAX_NEGATIVES) -> st.SearchStrategy[int]:
    """K: 1 to 12, mostly few (the course uses 10)."""
    return st.one_of(st.integers(1, 3), st.integers(1, max_value))


@st.composite
def sampler_draws(draw: st.DrawFn, W: int, o: int, K: int, *, repeat: bool = False) -> tuple[int, ...]:
    """What dataset.sampleTokenIdx yields: K words other than o, with o itself drawn in between.

    Words other than o are drawn as r ↦ r + [r ≥ o] from 0..W-2, so repeats come naturally for small
    W; ``repeat`` forces at least one negative to be drawn twice (K ≥ 2).  An o is only ever placed
    before a negative, so the K-th negative is the last draw and a window's draws concatenate.
    """
    others = st.integers(0, W - 2).map(lambda r: r + (r >= o))
    negatives = draw(st.lists(others, min_size=K, max_size=K))
    if repeat and K >= 2:
        i, j = draw(st.integers(0, K - 1)), draw(st.integers(0, K - 1))
        negatives[j if j != i else (i + 1) % K] = negatives[i]
    redraws = draw(st.lists(st.integers(0, K - 1), max_size=2))
    stream: list[int] = []
    for k, word in enumerate(negatives):
        stream += [o] * redraws.count(k) + [word]
    return tuple(stream)


@st.composite
def neg_sampling_cases(draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype] | None = None,
                       max_vocab: int = MAX_VOCAB, max_dim: int = MAX_DIM, repeat: bool = False) -> NegSamplingCase:
    """Ordinary inputs: any W ≥ 2, d, K; logits within ±ORDINARY_LOGIT_LIMIT (tiny and 0 included)."""
    dtype = draw(dtypes if dtypes is not None else float_dtypes())
    W, d = draw(vocab_sizes(max_vocab)), draw(dimensions(max_dim))
    K = draw(negative_counts()) if not repeat else draw(st.integers(2, MAX_NEGATIVES))
    U = draw(output_matrices(W, d, dtype)) * np.asarray(4.0, dtype=dtype)
    v_c = draw(centre_vectors(d, dtype))
    exponent = draw(st.sampled_from([0, 0, 0, 2, -60 if dtype == np.float32 else -500]))
    v_c = (v_c * np.asarray(2.0**exponent, dtype=dtype)).astype(dtype)
    U, v_c = _scaled(U.astype(dtype), v_c, ORDINARY_LOGIT_LIMIT)
    o = draw(st.integers(0, W - 1))
    return NegSamplingCase(U, v_c, o, draw(sampler_draws(W, o, K, repeat=repeat)), K)


def repeated_negative_cases() -> st.SearchStrategy[NegSamplingCase]:
    """Cases where some negative is drawn at least twice (eq. (31)'s m_w ≥ 2)."""
    return neg_sampling_cases(repeat=True)


@st.composite
def extreme_neg_sampling_cases(draw: st.DrawFn) -> NegSamplingCase:
    """float64 cases whose largest |u_wᵀv_c| is in [800, 1e5]: beyond exp's range either way."""
    W, d = draw(vocab_sizes(50)), draw(dimensions(8))
    U = draw(output_matrices(W, d))
    v_c = draw(centre_vectors(d))
    target = draw(st.floats(EXTREME_LOGIT_MIN, EXTREME_LOGIT_MAX))
    largest = float(np.abs(U @ v_c).max())
    if largest < 1e-3:  # logits (near) 0: a ramp of logits from -1 to 1 instead
        U = np.zeros_like(U)
        U[:, 0] = np.linspace(-1.0, 1.0, W)
        v_c = np.zeros_like(v_c)
        v_c[0] = 1.0
        largest = 1.0
    U = U * 2.0 ** int(np.ceil(np.log2(target / largest)))  # target ≤ max |z| < 2·target
    o = draw(st.integers(0, W - 1))
    K = draw(negative_counts())
    return NegSamplingCase(U, v_c, o, draw(sampler_draws(W, o, K)), K)


@st.composite
def fd_neg_sampling_cases(draw: st.DrawFn) -> NegSamplingCase:
    """Small float64 cases for finite differences: |entries| ≤ 8, |J| ≤ 100, K + 1 ≤ 10 draws."""
    W, d = draw(st.integers(2, 10)), draw(st.integers(1, 5))
    U = draw(output_matrices(W, d)) * 4.0
    v_c = draw(centre_vectors(d)) * 8.0
    U, v_c = _scaled(U, v_c, 8.0)  # ≤ 10 terms of log(1 + e^{8}) < 9 each: |J| < 100
    o = draw(st.integers(0, W - 1))
    K = draw(st.integers(1, 9))
    return NegSamplingCase(U, v_c, o, draw(sampler_draws(W, o, K)), K)


# ---------------------------------------------------------------------------------------------
# The skip-gram window


@st.composite
def window_cases(draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype] | None = None,
                 loss: str = "either", max_vocab: int = 60, max_dim: int = 16,
                 max_window: int = MAX_WINDOW, repeat: bool = False) -> WindowCase:
    """A centre word, 1..max_window outside words (repeats possible, forced with ``repeat``), V and U,
    and the word loss: naive softmax, negative sampling with K negatives per outside word, or either."""
    dtype = draw(dtypes if dtypes is not None else float_dtypes())
    W, d = draw(vocab_sizes(max_vocab)), draw(dimensions(max_dim))
    V = draw(output_matrices(W, d, dtype))
    U = draw(output_matrices(W, d, dtype))
    scale = np.asarray(2.0 ** draw(st.sampled_from([0, 0, 1, 2])), dtype=dtype)
    V, U = (V * scale).astype(dtype), (U * scale).astype(dtype)
    c = draw(st.integers(0, W - 1))
    U, _ = _scaled(U, V[c], ORDINARY_LOGIT_LIMIT)
    m = draw(st.integers(2 if repeat else 1, max_window))
    outside = draw(st.lists(st.integers(0, W - 1), min_size=m, max_size=m))
    if repeat:
        outside[-1] = outside[0]
    kind = draw(st.sampled_from(["naive", "negative"])) if loss == "either" else loss
    negatives = None
    if kind == "negative":
        K = draw(st.integers(1, 5))
        negatives = tuple(tuple(reference.negative_samples(o, draw(sampler_draws(W, o, K)), K)) for o in outside)
    return WindowCase(V, U, c, tuple(outside), negatives)


def reorderings(m: int) -> st.SearchStrategy[tuple[int, ...]]:
    """A permutation of the window's m positions (eq. (39))."""
    return st.permutations(range(m)).map(tuple)


@st.composite
def fd_window_cases(draw: st.DrawFn) -> WindowCase:
    """Small float64 windows for finite differences: entries ≤ 4, m ≤ FD_MAX_WINDOW, |J_sg| ≤ 100."""
    case = draw(window_cases(dtypes=st.just(FLOAT64), max_vocab=6, max_dim=4, max_window=4))
    U, _ = _scaled(case.U, case.V[case.c], 8.0)
    return WindowCase(case.V, U, case.c, case.outside, case.negatives)


def _ns(U: list[list[float]], v_c: list[float], o: int, draws: list[int], note: str) -> NegSamplingCase:
    return NegSamplingCase(np.array(U), np.array(v_c), o, tuple(draws), len([i for i in draws if i != o]), note)


# The nasty cases (@example): d = 1, v_c = 0, a negative drawn twice, o re-drawn, ties, K = 1.
PINNED_NS: tuple[NegSamplingCase, ...] = (
    _ns([[1.0], [0.5]], [2.0], 0, [1], "W = 2, d = 1, K = 1"),
    _ns([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], [0.0, 0.0], 1, [0, 2], "v_c = 0"),
    _ns([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.5], [0.5, 0.5]], [1.0, -0.5], 1, [2, 2, 0, 2], "a negative drawn 3 times"),
    _ns([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.5, 1.5], 2, [2, 0, 2, 1, 0], "o re-drawn, repeats"),
    _ns([[1.0, 1.0]] * 4, [0.5, -0.25], 3, [0, 1, 2], "tied logits"),
)
PINNED_NS_EXTREME: tuple[NegSamplingCase, ...] = (
    _ns([[1000.0], [-1000.0], [900.0]], [1.0], 1, [0, 2, 0], "z_o = -1000 (σ(z_o) underflows), z_k = 1000"),
    _ns([[1000.0], [-1000.0], [-800.0]], [1.0], 0, [1, 2, 2], "z_o = 1000, z_k = -1000 and -800"),
)


def _window(V: list[list[float]], U: list[list[float]], c: int, outside: list[int],
            negatives: list[list[int]] | None, note: str) -> WindowCase:
    return WindowCase(np.array(V), np.array(U), c, tuple(outside),
                      None if negatives is None else tuple(tuple(n) for n in negatives), note)


_V4 = [[0.5, -1.0], [1.0, 0.25], [-0.5, 0.75], [0.0, 1.0]]
_U4 = [[1.0, 0.5], [-0.5, 1.0], [0.25, -1.0], [1.0, 1.0]]
PINNED_WINDOWS: tuple[WindowCase, ...] = (
    _window([[0.5]], [[1.0]], 0, [0], None, "W = 1, the centre word is its own outside word"),
    _window(_V4, _U4, 2, [1, 3, 1], None, "an outside word twice"),
    _window(_V4, _U4, 0, [1, 2, 3, 1], [[0, 2], [3, 3], [1, 0], [2, 2]], "negative sampling, repeats"),
    _window(_V4, _U4, 3, [3, 0], [[1], [2]], "the centre word among its outside words"),
)
