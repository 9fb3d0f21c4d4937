"""The reference at its edges: every argument check's message, batch axes, dtypes, exact values, memory.

These pin behaviour a user of ``reference`` can see (the error a bad call gets, the value returned) at
the boundaries the ordinary tests step over: a 3-D batch of logits, an empty axis, a label vector one
entry short, a NaN in the last block of a large U.  The mutation run (tests/mutation/run.py) showed
each boundary was unguarded.  Plain examples, no Hypothesis: this file runs first in that run, once
per mutant, so it must take about a second.
"""

from __future__ import annotations

import gc
import re
import tracemalloc

import numpy as np
import pytest

import reference

U3 = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]])
V3 = np.array([0.3, -0.2])


def _softmax_1d(z: np.ndarray) -> np.ndarray:
    """Eq. (6) on one vector, in float64 with Python's own max, independent of the batch handling."""
    e = np.exp(z.astype(np.float64) - max(z.tolist()))
    return e / e.sum()


# --- softmax over the last axis, any leading batch axes -------------------------------------------


def test_softmax_of_a_3d_batch_is_the_softmax_of_each_last_axis_slice() -> None:
    # three axes of three different lengths, so no other axis can stand in for the last one, and
    # logits ±1000 in different slices, so a shift by any maximum other than the slice's own overflows
    z = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.25
    z[0, 1] += 1000.0
    z[1, 2] -= 1000.0
    p = reference.softmax(z)
    assert p.shape == z.shape
    for index in np.ndindex(*z.shape[:-1]):
        np.testing.assert_allclose(p[index], _softmax_1d(z[index]), rtol=1e-14, atol=0)


def test_softmax_of_a_square_batch_normalises_rows_not_columns() -> None:
    # a square batch broadcasts against a per-row maximum or sum of the wrong shape without an error
    z = np.array([[0.0, 1.0, 2.0], [5.0, 5.0, 5.0], [-3.0, 0.0, 9.0]])
    p = reference.softmax(z)
    for row in range(3):
        np.testing.assert_allclose(p[row], _softmax_1d(z[row]), rtol=1e-14, atol=0)


def test_softmax_keeps_float32() -> None:
    z = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    p = reference.softmax(z)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p[0], _softmax_1d(z[0]), rtol=1e-6)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0)])
def test_softmax_refuses_an_empty_last_axis_or_a_scalar(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"z: expected at least one logit on the last axis, got shape"):
        reference.softmax(np.zeros(shape))


def test_softmax_refuses_integer_logits_naming_the_dtype() -> None:
    with pytest.raises(TypeError, match="z: expected dtype float32 or float64, got int64"):
        reference.softmax(np.arange(3, dtype=np.int64))


# --- exact values -----------------------------------------------------------------------------------


def test_loss_is_a_python_float_and_exact_on_a_small_case() -> None:
    # z = U3 v = [-0.1, 0.35, -0.6]; CE = logsumexp(z) - z_o
    value = reference.loss(U3, V3, 2)
    z = U3 @ V3
    assert type(value) is float
    assert value == pytest.approx(np.log(np.exp(z).sum()) - z[2], rel=1e-15)


def test_loss_of_float32_input_is_computed_in_float64() -> None:
    # the loss is a float either way; summing float32 exponentials would lose about 7 digits
    U, v = U3.astype(np.float32), V3.astype(np.float32)
    z = (U @ v).astype(np.float64)
    assert reference.loss(U, v, 0) == pytest.approx(np.log(np.exp(z).sum()) - z[0], rel=1e-15)


def test_grad_v_c_is_U_transpose_times_y_hat_minus_y() -> None:
    y_hat = _softmax_1d(U3 @ V3)
    expected = U3.T @ (y_hat - np.eye(3)[0])
    np.testing.assert_allclose(reference.grad_v_c(U3, V3, 0), expected, rtol=1e-14, atol=1e-16)


def test_grad_U_from_label_keeps_float32_for_a_float64_label() -> None:
    U, v = U3.astype(np.float32), V3.astype(np.float32)
    G = reference.grad_U_from_label(U, v, np.array([0.0, 1.0, 0.0]))
    assert G.dtype == np.float32
    np.testing.assert_allclose(G, reference.grad_U(U, v, 1), rtol=1e-6, atol=1e-7)


def test_grad_U_from_label_of_all_zero_labels_is_zero() -> None:
    # -Σ y log ŷ with y = 0 is the zero function: eq. (20)'s (ŷ Σy - y) v_cᵀ vanishes
    assert not reference.grad_U_from_label(U3, V3, np.zeros(3)).any()


@pytest.mark.parametrize("lr", [0.5, 0.25, 4.0])
def test_sgd_step_with_a_power_of_two_rate_is_exactly_the_explicit_update(lr: float) -> None:
    # scaling by a power of two is exact, so U - lr (c v_cᵀ) and U + (-lr c) v_cᵀ round identically
    U = U3.copy()
    expected = U3 - lr * reference.grad_U(U3, V3, 1)
    reference.sgd_step(U, V3, 1, lr)
    assert np.array_equal(U, expected)


def test_sgd_step_with_a_zero_rate_leaves_U_unchanged() -> None:
    U = U3.copy()
    reference.sgd_step(U, V3, 0, 0.0)
    assert np.array_equal(U, U3)


def test_sgd_step_updates_float32_in_float32() -> None:
    U, v = U3.astype(np.float32), V3.astype(np.float32)
    expected = U - np.float32(0.5) * reference.grad_U(U, v, 2)
    returned = reference.sgd_step(U, v, 2, 0.5)
    assert returned is U and U.dtype == np.float32
    assert np.array_equal(U, expected)


def test_sgd_step_allocates_no_W_by_d_temporary() -> None:
    # DESIGN.md: sgd_step updates U in place without materialising anything W x d.  numpy reports its
    # buffers to tracemalloc; the smallest W x d temporary (a boolean finiteness mask) is W·d bytes,
    # and the peak must stay below half that (U's finiteness is read off the length-W logits, the update works on
    # length-W and length-d vectors)
    W, d = 4000, 500
    U = np.full((W, d), 0.01)
    v = np.full(d, 0.02)
    gc.collect()
    tracemalloc.start()
    try:
        reference.sgd_step(U, v, 7, 0.1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < W * d // 2, f"sgd_step allocated {peak} bytes at its peak; a W x d bool mask is {W * d}"


# --- the argument checks, each boundary from both sides ---------------------------------------------

M = np.ones((2, 3))
V = np.ones(3)


def _non_finite(value: str, *index: int) -> re.Pattern[str]:
    """U's non-finite-entry message, naming the value and its index (entries printed as 3 or np.int64(3))."""
    at = ", ".join(rf"(np\.int64\()?{i}\)?" for i in index)
    return re.compile(re.escape(f"U: expected finite values, got {value} at index ") + rf"\({at}\)")


def _check_message(message: str | re.Pattern[str], raised: pytest.ExceptionInfo[Exception]) -> None:
    text = str(raised.value)
    assert message.search(text) if isinstance(message, re.Pattern) else message in text, f"{message!r} vs {text!r}"

BAD_CALLS = [
    # the offending value is named, with where it is
    (lambda: reference.grad_U(np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, 1.0]]), V, 0), ValueError,
     _non_finite("nan", 0, 1)),
    (lambda: reference.grad_U(np.array([[1.0, 1.0, 2.0], [1.0, 1.0, -np.inf]]), V, 0), ValueError,
     _non_finite("-inf", 1, 2)),
    (lambda: reference.grad_U(np.ones((1, 2, 3)), V, 0), ValueError, "U: expected 2 axes, got shape (1, 2, 3)"),
    (lambda: reference.grad_U(np.ones((3, 0)), np.ones(0), 0), ValueError,
     "U: expected at least one word and one dimension, got shape (3, 0)"),
    (lambda: reference.grad_U(np.ones((0, 3)), V, 0), ValueError,
     "U: expected at least one word and one dimension, got shape (0, 3)"),
    (lambda: reference.grad_U(M, np.ones(4), 0), ValueError, "v_c: expected shape (3,) to match U of shape (2, 3), got (4,)"),
    (lambda: reference.grad_U(M, np.ones(2), 0), ValueError, "v_c: expected shape (3,) to match U of shape (2, 3), got (2,)"),
    (lambda: reference.grad_U(M.astype(np.float32), V, 0), TypeError, "v_c: expected dtype float32 to match U, got float64"),
    (lambda: reference.grad_U(M, V.astype(np.float32), 0), TypeError, "v_c: expected dtype float64 to match U, got float32"),
    (lambda: reference.grad_U(M, V, np.int64(2)), ValueError, "o: expected 0 <= o < W = 2, got 2"),
    (lambda: reference.grad_U([[1.0]], np.ones(1), 0), TypeError, "U: expected a numpy float array with 2 axes, got a list"),
    (lambda: reference.grad_v_c(M, V, "0"), TypeError, "o: expected an integer word index, got a str"),
    # label vectors: wrong kind, one entry short or long, NaN, negative
    (lambda: reference.grad_U_from_label(M, V, [0.0, 1.0]), TypeError,
     "y: expected a numpy float array of shape (2,), got a list"),
    (lambda: reference.grad_U_from_label(M, V, np.array([0, 1])), TypeError,
     "y: expected a numpy float array of shape (2,), got an array of shape (2,) and dtype int64"),
    (lambda: reference.grad_U_from_label(M, V, np.array([False, True])), TypeError,
     "y: expected a numpy float array of shape (2,), got an array of shape (2,) and dtype bool"),
    (lambda: reference.grad_U_from_label(M, V, np.ones(1)), ValueError, "y: expected shape (2,) to match U, got (1,)"),
    (lambda: reference.grad_U_from_label(M, V, np.ones(3)), ValueError, "y: expected shape (2,) to match U, got (3,)"),
    (lambda: reference.grad_U_from_label(M, V, np.array([np.nan, 1.0])), ValueError, "y: expected finite, non-negative"),
    (lambda: reference.grad_U_from_label(M, V, np.array([1.0, -0.5])), ValueError, "y: expected finite, non-negative"),
    # learning rates
    (lambda: reference.sgd_step(M.copy(), V, 0, np.inf), TypeError, "lr: expected a finite real number, got inf"),
    (lambda: reference.sgd_step(M.copy(), V, 0, float("nan")), TypeError, "lr: expected a finite real number, got nan"),
    (lambda: reference.sgd_step(M.copy(), V, 0, True), TypeError, "lr: expected a finite real number, got True"),
]


@pytest.mark.parametrize(("bad_call", "error", "message"), BAD_CALLS)
def test_bad_input_gets_the_message_naming_argument_expected_and_received(bad_call, error, message) -> None:  # type: ignore[no-untyped-def]  # table-driven
    with pytest.raises(error) as raised:
        bad_call()
    _check_message(message, raised)


def test_o_may_be_a_numpy_integer_and_the_last_word() -> None:
    np.testing.assert_array_equal(reference.grad_U(U3, V3, np.int64(2)), reference.grad_U(U3, V3, 2))


# sgd_step reads U's finiteness off its logits (no W x d mask); every check must still fire, wherever the
# bad entry is, also where v_c = 0 (inf · 0 and nan · 0 are NaN, so the logit is still not finite)
W_BLOCKS, D_BLOCKS = 300, 512  # chunks of 2¹⁶ / 512 = 128 rows (fast.py's fallback): three, the last partial


def _big() -> np.ndarray:
    return np.zeros((W_BLOCKS, D_BLOCKS))


def _with(U: np.ndarray, index: tuple[int, int], value: float) -> np.ndarray:
    U[index] = value
    return U


SGD_BAD_CALLS = [
    (lambda: reference.sgd_step(_with(_big(), (0, 3), np.nan), np.zeros(D_BLOCKS), 0, 0.1), ValueError,
     _non_finite("nan", 0, 3)),
    (lambda: reference.sgd_step(_with(_big(), (W_BLOCKS - 1, 5), np.inf), np.zeros(D_BLOCKS), 0, 0.1), ValueError,
     _non_finite("inf", W_BLOCKS - 1, 5)),
    (lambda: reference.sgd_step(_with(_big(), (200, 0), -np.inf), np.zeros(D_BLOCKS), 0, 0.1), ValueError,
     _non_finite("-inf", 200, 0)),
    # a tall U: chunks of 2¹⁶ / 2 = 32768 rows, so W = 40000 > d needs a second chunk, starting beyond d
    (lambda: reference.sgd_step(_with(np.zeros((40_000, 2)), (39_999, 1), np.inf), np.ones(2), 0, 0.1), ValueError,
     _non_finite("inf", 39_999, 1)),
    (lambda: reference.sgd_step(M.copy(), np.array([1.0, np.nan, 1.0]), 0, 0.1), ValueError, "v_c: expected finite values"),
    (lambda: reference.sgd_step(M.copy(), np.ones(4), 0, 0.1), ValueError, "v_c: expected shape (3,) to match U"),
    (lambda: reference.sgd_step(M.copy(), np.ones(2), 0, 0.1), ValueError, "v_c: expected shape (3,) to match U"),
    (lambda: reference.sgd_step(M.copy(), V.astype(np.float32), 0, 0.1), TypeError, "v_c: expected dtype float64 to match U"),
    (lambda: reference.sgd_step(M.astype(np.float32), V, 0, 0.1), TypeError, "v_c: expected dtype float32 to match U"),
    (lambda: reference.sgd_step(np.ones((3, 0)), np.ones(0), 0, 0.1), ValueError, "U: expected at least one word"),
    (lambda: reference.sgd_step(np.ones((0, 3)), V, 0, 0.1), ValueError, "U: expected at least one word"),
    (lambda: reference.sgd_step(np.ones(3), V, 0, 0.1), ValueError, "U: expected 2 axes, got shape (3,)"),
    (lambda: reference.sgd_step(np.ones((2, 3, 3)), V, 0, 0.1), ValueError, "U: expected 2 axes, got shape (2, 3, 3)"),
    (lambda: reference.sgd_step(np.ones((2, 3), np.int64), V, 0, 0.1), TypeError, "U: expected dtype float32 or float64"),
    (lambda: reference.sgd_step([[1.0, 1.0, 1.0]], V, 0, 0.1), TypeError, "U: expected a numpy float array"),
    (lambda: reference.sgd_step(M.copy(), [1.0, 1.0, 1.0], 0, 0.1), TypeError, "v_c: expected a numpy float array"),
    (lambda: reference.sgd_step(M.copy(), V, 2, 0.1), ValueError, "o: expected 0 <= o < W = 2, got 2"),
]


@pytest.mark.parametrize(("bad_call", "error", "message"), SGD_BAD_CALLS)
def test_sgd_step_bad_input_gets_the_same_messages(bad_call, error, message) -> None:  # type: ignore[no-untyped-def]  # table-driven
    with pytest.raises(error) as raised:
        bad_call()
    _check_message(message, raised)


def test_sgd_step_on_a_U_wider_than_one_block_updates_it() -> None:
    # d > 2¹⁶: one row is more than a chunk of the numpy fallback's update, which must still take a whole row
    U = np.zeros((2, (1 << 16) + 1))
    v = np.ones(U.shape[1])
    reference.sgd_step(U, v, 0, 2.0)
    np.testing.assert_array_equal(U, np.outer([1.0, -1.0], v))  # ŷ = (1/2, 1/2), so c = (-1/2, 1/2)


def test_sgd_step_on_a_U_of_several_blocks_updates_every_row() -> None:
    # rows of every block move by -lr (ŷ_w - y_w) v_c; v_c = 0 nowhere, so no row is skipped
    U = np.zeros((W_BLOCKS, D_BLOCKS))
    v = np.full(D_BLOCKS, 0.5)
    reference.sgd_step(U, v, 1, 1.0)
    y_hat = 1.0 / W_BLOCKS  # every logit is 0
    expected_rows = -(np.full(W_BLOCKS, y_hat) - np.eye(W_BLOCKS)[1])[:, None] * v
    np.testing.assert_allclose(U, expected_rows, rtol=1e-15, atol=0)
