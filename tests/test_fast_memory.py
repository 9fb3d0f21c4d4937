"""The fast path (reference/fast.py): no W x d temporaries, proved with tracemalloc; and its answers.

Memory, not time: numpy reports every array buffer to tracemalloc, so the peak traced allocation
during one call is what that call allocated beyond its arguments.  A W x d temporary at the sizes
below is 35 times the O(W + d) bound, so it cannot hide in the slack.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference
from properties import laws, strategies, tolerances
from properties.strategies import Case
from reference import fast
from tests.implementations import sgd_step_row_loop

# Big enough that a W x d float64 temporary (80 MB) dwarfs the bound (~2.3 MB); small enough that
# the reference's row loop over W takes a fraction of a second.
W_BIG, D_BIG = 20_000, 500


def _memory_bound(W: int, d: int) -> int:
    """O(W + d) bytes: what a rank-one update or gradient may allocate beyond U and its output.

    A call keeps a few length-W vectors alive at once (the logits, which become ŷ and then c; the
    reference also makes the shifted logits, their exponentials, the scaled step and the nonzero row
    indices) and length-d vectors (a copy of v_c, one row of the update): eight of each, at 8 bytes
    an entry, covers every path.  1 MiB more covers the chunked fallback's block of 2¹⁶ entries
    (512 KiB in float64) and the Python and numpy bookkeeping allocated on the way.
    """
    return 8 * 8 * (W + d) + (1 << 20)


def _peak_allocation(call: Callable[[], Any]) -> int:
    """The peak traced allocation, in bytes, while ``call`` runs (its arguments already exist)."""
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _problem(dtype: type = np.float64, order: Literal["C", "F"] = "C") -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(5)
    U: np.ndarray = np.asarray(rng.standard_normal((W_BIG, D_BIG)) * 0.05, dtype=dtype, order=order)
    v_c: np.ndarray = (rng.standard_normal(D_BIG) * 0.05).astype(dtype)
    return U, v_c, 17


@pytest.fixture
def no_scipy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run fast.py as it runs where scipy is not installed: the chunked numpy updates."""
    monkeypatch.setattr(fast, "_blas", None)
    yield


# ---------------------------------------------------------------------------------------------
# Memory


def test_tracemalloc_sees_the_W_by_d_temporary_of_materialise_then_subtract() -> None:
    """The measurement itself works: the obvious update is caught allocating W x d."""
    U, v_c, o = _problem()
    peak = _peak_allocation(lambda: np.subtract(U, 0.01 * reference.grad_U(U, v_c, o), out=U))
    assert peak >= U.nbytes > 10 * _memory_bound(W_BIG, D_BIG)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_fast_sgd_step_allocates_no_W_by_d_temporary(dtype: type, order: Literal["C", "F"]) -> None:
    U, v_c, o = _problem(dtype, order)
    peak = _peak_allocation(lambda: fast.sgd_step(U, v_c, o, 0.1))
    assert peak < _memory_bound(W_BIG, D_BIG), f"peak {peak} B, U is {U.nbytes} B"


def test_fast_sgd_step_on_a_strided_U_allocates_no_W_by_d_temporary() -> None:
    U, v_c, o = _problem()
    view = U[:, ::2]  # neither C- nor Fortran-contiguous: the chunked update, not BLAS
    peak = _peak_allocation(lambda: fast.sgd_step(view, v_c[::2].copy(), o, 0.1))
    assert peak < _memory_bound(W_BIG, D_BIG), f"peak {peak} B, the view is {view.nbytes} B"


@pytest.mark.usefixtures("no_scipy")
def test_fast_sgd_step_without_scipy_allocates_no_W_by_d_temporary() -> None:
    U, v_c, o = _problem()
    peak = _peak_allocation(lambda: fast.sgd_step(U, v_c, o, 0.1))
    assert peak < _memory_bound(W_BIG, D_BIG), f"peak {peak} B, U is {U.nbytes} B"


def test_reference_sgd_step_allocates_no_W_by_d_temporary() -> None:
    U, v_c, o = _problem()
    peak = _peak_allocation(lambda: reference.sgd_step(U, v_c, o, 0.1))
    assert peak < _memory_bound(W_BIG, D_BIG), f"peak {peak} B, U is {U.nbytes} B"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_U_into_out_allocates_no_W_by_d_array(dtype: type) -> None:
    U, v_c, o = _problem(dtype)
    out = np.empty_like(U)
    peak = _peak_allocation(lambda: fast.grad_U(U, v_c, o, out=out))
    assert peak < _memory_bound(W_BIG, D_BIG), f"peak {peak} B, out is {out.nbytes} B"


def test_grad_U_without_out_allocates_exactly_one_W_by_d_array() -> None:
    U, v_c, o = _problem()
    peak = _peak_allocation(lambda: fast.grad_U(U, v_c, o))
    assert U.nbytes <= peak < U.nbytes + _memory_bound(W_BIG, D_BIG)


# ---------------------------------------------------------------------------------------------
# Answers: the fast path agrees with the float64 reference within the derived tolerances


def _assert_within(label: str, expected: np.ndarray, received: np.ndarray, tol: np.ndarray | float) -> None:
    found = laws.mismatch(label, expected, received, tol)
    assert not found.failed, found.detail


@given(strategies.cases())
def test_fast_grad_U_agrees_with_the_reference_and_keeps_the_dtype(case: Case) -> None:
    G = fast.grad_U(case.U, case.v_c, case.o)
    truth = laws.truth(case)
    assert G.dtype == case.U.dtype and G.shape == case.U.shape
    _assert_within("dCE/dU", truth.grad_U, G, truth.bounds.grad_U)


@given(strategies.cases())
def test_fast_grad_U_into_out_returns_out_with_the_same_values(case: Case) -> None:
    out = np.full_like(case.U, np.nan)  # garbage in out must not leak into the gradient
    G = fast.grad_U(case.U, case.v_c, case.o, out=out)
    assert G is out
    np.testing.assert_array_equal(out, fast.grad_U(case.U, case.v_c, case.o))


@given(strategies.cases(), st.sampled_from([1e-3, 0.5, 2.0]))
def test_fast_sgd_step_moves_U_by_minus_lr_times_the_gradient(case: Case, lr: float) -> None:
    U = case.U.copy()
    assert fast.sgd_step(U, case.v_c, case.o, lr) is U
    assert U.dtype == case.U.dtype
    _assert_stepped(case, lr, U)


def _assert_stepped(case: Case, lr: float, U_after: np.ndarray) -> None:
    """U_after is U - lr dCE/dU within tolerances.sgd_step_bounds (lr times the gradient's bound plus
    the roundings of the step itself, derived there)."""
    truth = laws.truth(case)
    tol = tolerances.sgd_step_bounds(case.U, truth.grad_U, truth.bounds.grad_U, lr)
    _assert_within("U after sgd_step", case.U.astype(np.float64) - lr * truth.grad_U, U_after, tol)


@given(strategies.cases(dtypes=st.just(np.dtype(np.float64))))
def test_sgd_step_matches_a_row_by_row_rewrite(case: Case) -> None:
    U_fast, U_rows = case.U.copy(), case.U.copy()
    reference.sgd_step(U_fast, case.v_c, case.o, 0.3)
    sgd_step_row_loop(U_rows, case.v_c, case.o, 0.3)
    # same logits and coefficients; the update differs only where BLAS fuses the multiply and the
    # add (one rounding fewer): at most one ulp of |U_wj| + |lr c_w v_j|, here bounded by two ulps
    scale = np.abs(case.U) + np.abs(0.3 * reference.grad_U(case.U, case.v_c, case.o))
    assert np.all(np.abs(U_fast - U_rows) <= 2.0 * np.finfo(np.float64).eps * scale)


def test_reference_sgd_step_is_the_fast_rank_one_update() -> None:
    U, v_c, o = _small(np.float64)
    U_ref, U_fast = U.copy(), U.copy()
    assert reference.sgd_step(U_ref, v_c, o, 0.7) is U_ref
    fast.sgd_step(U_fast, v_c, o, 0.7)
    np.testing.assert_array_equal(U_ref, U_fast)
    assert not np.array_equal(U_ref, U)


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda U: np.asfortranarray(U), id="fortran"),
        pytest.param(lambda U: np.repeat(U, 2, axis=1)[:, ::2], id="strided-columns"),
        pytest.param(lambda U: np.repeat(U, 2, axis=0)[::2], id="strided-rows"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_sgd_step_updates_any_layout_of_U_in_place(layout: Callable[[np.ndarray], np.ndarray],
                                                        dtype: type) -> None:
    U, v_c, o = _small(dtype)
    view = layout(U.copy())
    assert fast.sgd_step(view, v_c, o, 0.7) is view
    _assert_stepped(Case(U, v_c, o), 0.7, view)


@pytest.mark.usefixtures("no_scipy")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_path_without_scipy_gives_the_same_answers(dtype: type) -> None:
    U, v_c, o = _small(dtype)
    G = fast.grad_U(U, v_c, o)
    assert G.dtype == dtype
    np.testing.assert_array_equal(G, reference.grad_U(U, v_c, o))
    U_chunked, U_rows = U.copy(), U.copy()
    fast.sgd_step(U_chunked, v_c, o, 0.7)  # the chunked numpy update
    sgd_step_row_loop(U_rows, v_c, o, 0.7)
    np.testing.assert_array_equal(U_chunked, U_rows)  # the same roundings: U_wj - (lr c_w) v_j, unfused


def test_fast_sgd_step_with_v_c_a_row_of_U_uses_v_c_as_it_was() -> None:
    U, _, o = _small(np.float64)
    before = Case(U.copy(), U[3].copy(), o)
    v_c = U[3]  # a view: the update of row 3 must not change v_c for the rows after it
    fast.sgd_step(U, v_c, o, 0.5)
    _assert_stepped(before, 0.5, U)


def _small(dtype: type) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(11)
    return (rng.standard_normal((37, 6)).astype(dtype), rng.standard_normal(6).astype(dtype), 4)


# ---------------------------------------------------------------------------------------------
# The batched gradient and loss


@st.composite
def batches(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U, and B centre vectors with targets; targets may repeat (a word outside several centres)."""
    first = draw(strategies.cases(max_vocab=50, max_dim=8))
    B = draw(st.integers(1, 6))
    V_c = np.stack([first.v_c] + [draw(strategies.centre_vectors(first.d, first.U.dtype))
                                  for _ in range(B - 1)])
    O = np.array([first.o] + [draw(st.integers(0, first.W - 1)) for _ in range(B - 1)], dtype=np.intp)
    return first.U, V_c, O


@given(batches())
def test_batch_gradient_is_the_sum_of_the_single_gradients(batch: tuple[np.ndarray, ...]) -> None:
    U, V_c, O = batch
    G = fast.grad_U_batch(U, V_c, O)
    assert G.dtype == U.dtype and G.shape == U.shape
    singles = [laws.truth(Case(U, V_c[b], int(O[b]))) for b in range(len(O))]
    # the sum of B gradients is within the sum of their bounds, plus the B - 1 roundings of the
    # sum itself (γ_B times the sum of magnitudes)
    grads = np.stack([t.grad_U for t in singles])
    tol = np.stack([t.bounds.grad_U for t in singles]).sum(axis=0) + len(O) * np.finfo(U.dtype).eps * np.abs(
        grads).sum(axis=0)
    _assert_within("Σ_b dCE_b/dU", grads.sum(axis=0), G, tol)


@given(batches())
def test_batch_loss_is_each_centre_words_loss(batch: tuple[np.ndarray, ...]) -> None:
    U, V_c, O = batch
    losses = fast.loss_batch(U, V_c, O)
    assert losses.dtype == np.float64 and losses.shape == O.shape
    for b in range(len(O)):
        truth = laws.truth(Case(U, V_c[b], int(O[b])))
        _assert_within(f"loss of centre word {b}", np.asarray(truth.loss), losses[b], truth.bounds.loss)


# ---------------------------------------------------------------------------------------------
# Bad arguments get the reference's errors, and out= its own


@pytest.mark.parametrize(
    ("make_out", "error", "match"),
    [
        (lambda U: np.empty((U.shape[0] + 1, U.shape[1])), ValueError, r"out: expected shape \(37, 6\)"),
        (lambda U: np.empty(U.shape, np.float32), TypeError, "out: expected dtype float64"),
        (lambda U: np.empty((U.shape[0], 2 * U.shape[1]))[:, ::2], ValueError, "out: expected a contiguous"),
        (lambda U: np.empty(U.shape).tolist(), TypeError, "out: expected a numpy array"),
        (lambda U: U, ValueError, "out: expected memory separate from U"),
        (lambda U: np.empty(U.shape).view(np.matrix), TypeError, "out: expected a numpy array"),
    ],
    ids=["shape", "dtype", "strided", "list", "U-itself", "subclass"],
)
def test_grad_U_rejects_a_bad_out_naming_it(make_out: Callable[[np.ndarray], Any], error: type,
                                              match: str) -> None:
    U, v_c, o = _small(np.float64)
    with pytest.raises(error, match=match):
        fast.grad_U(U, v_c, o, out=make_out(U))


def test_grad_U_rejects_a_read_only_out() -> None:
    U, v_c, o = _small(np.float64)
    out = np.empty_like(U)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="out: expected a writeable array"):
        fast.grad_U(U, v_c, o, out=out)


def test_sgd_step_rejects_a_read_only_U() -> None:
    U, v_c, o = _small(np.float64)
    U.flags.writeable = False
    with pytest.raises(ValueError, match="U: expected a writeable array"):
        fast.sgd_step(U, v_c, o, 0.1)


@pytest.mark.parametrize("function", [fast.grad_U, lambda U, v_c, o: fast.sgd_step(U, v_c, o, 0.1)],
                         ids=["grad_U", "sgd_step"])
@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda U, v, o: (U.astype(int), v, o), TypeError, "U: expected dtype float32 or float64"),
        (lambda U, v, o: (U, v[:-1], o), ValueError, r"v_c: expected shape \(6,\)"),
        (lambda U, v, o: (U, v, 37), ValueError, "o: expected 0 <= o < W = 37"),
        (lambda U, v, o: (U, np.full_like(v, np.inf), o), ValueError, "v_c: expected finite values"),
        (lambda U, v, o: (U, v.astype(np.float32), o), TypeError, "v_c: expected dtype float64"),
    ],
    ids=["integer-U", "short-v_c", "o-out-of-range", "infinite-v_c", "mixed-dtypes"],
)
def test_fast_path_rejects_what_the_reference_rejects(function: Callable[..., Any], change: Callable[..., Any],
                                                      error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        function(*change(*_small(np.float64)))


@pytest.mark.parametrize(
    ("V_c", "O", "error", "match"),
    [
        (np.zeros((2, 5)), np.array([0, 1]), ValueError, r"V_c: expected shape \(B, 6\)"),
        (np.zeros((0, 6)), np.array([], dtype=int), ValueError, r"V_c: expected shape \(B, 6\) with B >= 1"),
        (np.zeros((2, 6), np.float32), np.array([0, 1]), TypeError, "V_c: expected dtype float64"),
        (np.zeros((2, 6)), [0, 1], TypeError, "O: expected a numpy integer array"),
        (np.zeros((2, 6)), np.array([0.0, 1.0]), TypeError, "O: expected a numpy integer array"),
        (np.zeros((2, 6)), np.array([0, 1, 2]), ValueError, r"O: expected shape \(2,\)"),
        (np.zeros((2, 6)), np.array([0, 37]), ValueError, r"O: expected 0 <= O\[b\] < W = 37, got O\[1\] = 37"),
        (np.full((2, 6), np.nan), np.array([0, 1]), ValueError, "V_c: expected finite values"),
    ],
    ids=["short-rows", "empty-batch", "dtype", "list-O", "float-O", "O-length", "O-range", "nan"],
)
def test_batch_functions_reject_bad_batches_naming_the_argument(V_c: np.ndarray, O: Any, error: type,
                                                                match: str) -> None:
    U, _, _ = _small(np.float64)
    for function in (fast.grad_U_batch, fast.loss_batch):
        with pytest.raises(error, match=match):
            function(U, V_c, O)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(
    "function",
    [
        fast.grad_U,
        lambda U, v_c, o: fast.sgd_step(U, v_c, o, 0.1),
        lambda U, v_c, o: fast.grad_U_batch(U, np.stack([v_c, v_c]), np.array([o, 0])),
        lambda U, v_c, o: fast.loss_batch(U, np.stack([v_c, v_c]), np.array([o, 0])),
    ],
    ids=["grad_U", "sgd_step", "grad_U_batch", "loss_batch"],
)
def test_a_non_finite_U_is_rejected_through_its_logits(function: Callable[..., Any], order: Literal["C", "F"],
                                                        bad: float) -> None:
    """The fast path checks U's finiteness through the logits; a zero in v_c must not hide it."""
    U, v_c, o = _small(np.float64)
    U = np.asarray(U, order=order)
    U[20, 2] = bad
    v_c[2] = 0.0  # inf * 0 is NaN, so even this entry shows in the logit z_20
    with pytest.raises(ValueError, match=r"U: expected finite values, got .* at index \(.*20.*, .*2.*\)"):
        function(U, v_c, o)


def test_logits_that_overflow_are_reported_not_returned_as_nan() -> None:
    U, v_c, o = _small(np.float64)
    U[5] = 1e300
    with pytest.raises(ValueError, match="U, v_c: the logits overflow float64"):
        fast.grad_U(U, v_c * 1e10, o)
