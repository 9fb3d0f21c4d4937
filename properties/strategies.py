"""Hypothesis strategies: each named for what it produces.

All randomness comes from Hypothesis, so every failure shrinks and replays.  Every float is bounded
explicitly.  Magnitudes are scaled by exact powers of two, so a shrunk case keeps short decimals
(U = [[1.0], [0.0]]) while the family still reaches 0, tiny (2⁻⁵⁰⁰) and huge logits.

"Ordinary" cases keep every logit within ±ORDINARY_LOGIT_LIMIT, well inside exp's range, as the
grading policy promises for every law but robustness; `extreme_logit_cases` go beyond ~709.8
(where exp overflows without the max-shift) and beyond logit gaps of ~745 (where ŷ underflows).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.case import Case

MAX_VOCAB = 2000
MAX_DIM = 64
ORDINARY_LOGIT_LIMIT = 40.0  # exp(40) ≈ 2e17: no overflow, and spreads ≤ 80 keep every ŷ_w ≥ e⁻⁸⁰ normal
EXTREME_LOGIT_MIN = 800.0  # beyond log(max float64) ≈ 709.8
EXTREME_LOGIT_MAX = 1.0e5
# Between the ordinary cases and exp's limit: logits up to 700, where exp still works unshifted but
# a shortcut (rounding ŷ, a capped loss) shows; the loss is graded here, ŷ_o being normal.
LARGE_LOGIT_MIN = 50.0


def vocab_sizes(max_value: int = MAX_VOCAB) -> st.SearchStrategy[int]:
    """W: mostly small, but bugs that need a large vocabulary stay reachable (up to 2000)."""
    return st.one_of(
        st.integers(1, min(8, max_value)),
        st.integers(1, min(200, max_value)),
        st.integers(min(200, max_value), max_value),
    )


def dimensions(max_value: int = MAX_DIM) -> st.SearchStrategy[int]:
    """d: 1 to 64."""
    return st.one_of(st.integers(1, min(4, max_value)), st.integers(1, max_value))


def float_dtypes() -> st.SearchStrategy[np.dtype]:
    """float64 mostly; float32 must stay float32 (or come back as float64, which is accepted)."""
    return st.sampled_from([np.dtype(np.float64), np.dtype(np.float32)])


def _unit_entries(dtype: np.dtype) -> st.SearchStrategy[float]:
    """Entries in [-1, 1] with short decimals preferred by shrinking (0, 1, 0.5 ...)."""
    if dtype == np.float32:
        return st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=32)
    return st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


FLOAT64 = np.dtype(np.float64)


def centre_vectors(d: int, dtype: np.dtype = FLOAT64) -> st.SearchStrategy[np.ndarray]:
    """v_c of shape (d,) with entries in [-1, 1] (scaled by the case strategies)."""
    return hnp.arrays(dtype, (d,), elements=_unit_entries(dtype))


SMALL_ARRAY = 64  # entries drawn one by one up to this size; larger U repeat a few drawn rows


def output_matrices(W: int, d: int, dtype: np.dtype = FLOAT64) -> st.SearchStrategy[np.ndarray]:
    """U of shape (W, d) with entries in [-1, 1].

    Drawing W·d = 128000 floats one by one would overrun Hypothesis' buffer and the example would
    be silently discarded (and drawing is most of a grading's time), so larger matrices reuse up to 4
    drawn rows in a drawn order:
    row w = rows[(stride·w + offset) mod k].  Bugs that depend on W alone stay reachable.
    """
    if W * d <= SMALL_ARRAY:
        return hnp.arrays(dtype, (W, d), elements=_unit_entries(dtype))

    def build(args: tuple[np.ndarray, int, int]) -> np.ndarray:
        rows, stride, offset = args
        return rows[(np.arange(W) * stride + offset) % len(rows)]

    return st.tuples(
        st.integers(1, 4).flatmap(lambda k: hnp.arrays(dtype, (k, d), elements=_unit_entries(dtype))),
        st.integers(1, 7),
        st.integers(0, 7),
    ).map(build)


def _scaled(U: np.ndarray, v_c: np.ndarray, logit_limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Scale U by a power of two so that max |z| ≤ logit_limit (exact: powers of two don't round)."""
    a = float((np.abs(U.astype(np.float64)) @ np.abs(v_c.astype(np.float64))).max(initial=0.0))
    if a <= logit_limit or a == 0.0:
        return U, v_c
    k = int(np.ceil(np.log2(a / logit_limit)))
    return (U * np.asarray(2.0**-k, dtype=U.dtype)).astype(U.dtype), v_c


@st.composite
def cases(draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype] | None = None,
          max_vocab: int = MAX_VOCAB, max_dim: int = MAX_DIM) -> Case:
    """Ordinary inputs: any W, d; magnitudes 0, tiny, or up to ORDINARY_LOGIT_LIMIT in the logits."""
    dtype = draw(dtypes if dtypes is not None else float_dtypes())
    W, d = draw(vocab_sizes(max_vocab)), draw(dimensions(max_dim))
    U = draw(output_matrices(W, d, dtype))
    v_c = draw(centre_vectors(d, dtype))
    # exponent of two applied to v_c (then U to the logit limit): ordinary, large entries, or tiny
    tiny_exponent = -60 if dtype == np.float32 else -500
    exponent = draw(st.sampled_from([0, 0, 0, 3, tiny_exponent]))
    v_c = (v_c * np.asarray(2.0**exponent, dtype=dtype)).astype(dtype)
    U = (U * np.asarray(2.0 ** (3 if exponent == 3 else 0), dtype=dtype)).astype(dtype)
    U, v_c = _scaled(U, v_c, ORDINARY_LOGIT_LIMIT)
    o = draw(st.integers(0, W - 1))
    return Case(U, v_c, o)


@st.composite
def extreme_logit_cases(draw: st.DrawFn) -> Case:
    """Large logits (float64): max |z| in [50, 700], or beyond exp's range in [800, 1e5] (gaps > 745)."""
    W, d = draw(vocab_sizes(200)), draw(dimensions(16))
    U = draw(output_matrices(W, d))
    v_c = draw(centre_vectors(d))
    target = draw(st.one_of(st.floats(EXTREME_LOGIT_MIN, EXTREME_LOGIT_MAX), st.floats(LARGE_LOGIT_MIN, 700.0)))
    largest = float(np.abs(U @ v_c).max())
    if largest < 1e-3:  # logits (near) 0, e.g. v_c = 0: make a ramp of logits instead
        U = np.zeros_like(U)
        U[:, 0] = np.linspace(-1.0, 1.0, W) if W > 1 else 1.0
        v_c = np.zeros_like(v_c)
        v_c[0] = 1.0
        largest = 1.0
    k = int(np.ceil(np.log2(target / largest)))  # now target ≤ max |z| < 2·target
    U = U * 2.0**k
    o = draw(st.integers(0, W - 1))
    return Case(U, v_c, o)


@st.composite
def same_shape_cases(draw: st.DrawFn, case: Case) -> Case:
    """Another input with the shape and dtype of ``case`` (a cache keyed by the size must not hit)."""
    U = draw(output_matrices(case.W, case.d, case.U.dtype))
    v_c = draw(centre_vectors(case.d, case.U.dtype))
    U, v_c = _scaled(U, v_c, ORDINARY_LOGIT_LIMIT)
    return Case(U, v_c, draw(st.integers(0, case.W - 1)))


def label_vectors(W: int) -> st.SearchStrategy[np.ndarray]:
    """Soft labels y ≥ 0 of shape (W,), not necessarily summing to 1 (eq. 20)."""
    return hnp.arrays(np.float64, (W,), elements=st.floats(0.0, 4.0, allow_subnormal=False, width=64))


def permutations_of(n: int) -> st.SearchStrategy[np.ndarray]:
    """A relabelling of the vocabulary: a permutation of range(n)."""
    return st.permutations(range(n)).map(lambda p: np.asarray(p, dtype=np.intp))


def shift_vectors(d: int) -> st.SearchStrategy[np.ndarray]:
    """A vector a added to every u_w; bounded so the shifted logits stay ordinary."""
    return hnp.arrays(np.float64, (d,), elements=st.floats(-4.0, 4.0, allow_subnormal=False))


@st.composite
def fd_cases(draw: st.DrawFn) -> Case:
    """Small float64 cases for central finite differences: |v_j| ≤ 8, |CE| ≤ 100 (tolerances.FD_*)."""
    W, d = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    U = draw(output_matrices(W, d)) * 4.0
    v_c = draw(centre_vectors(d)) * 8.0
    U, v_c = _scaled(U, v_c, 40.0)
    return Case(U, v_c, draw(st.integers(0, W - 1)))


# The nasty cases every law pins with @example (STYLE.md): W = 1, d = 1, v_c = 0, tied logits,
# the target at the argmax, logits near ±10³.
PINNED: tuple[Case, ...] = (
    Case(np.array([[0.5]]), np.array([2.0]), 0, "W = 1"),
    Case(np.array([[1.0], [0.0]]), np.array([1.0]), 0, "d = 1, target at the argmax"),
    Case(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]), np.zeros(2), 1, "v_c = 0"),
    Case(np.ones((4, 3)), np.array([0.5, -0.25, 1.0]), 2, "tied logits"),
    Case(np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]), np.array([1.0, 1.0]), 1, "target not the argmax"),
)
PINNED_EXTREME: tuple[Case, ...] = (
    Case(np.array([[1000.0], [-1000.0]]), np.array([1.0]), 1, "logits ±10³, target underflows"),
    Case(np.array([[1000.0], [999.0], [0.0]]), np.array([1.0]), 0, "logits near 10³, target at the argmax"),
    Case(np.array([[-1000.0], [-1001.0]]), np.array([1.0]), 1, "logits near -10³"),
)
