"""The reference API: values, dtypes, stability, and the errors bad input gets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import reference
from properties import laws, oracles, strategies, tolerances
from properties.strategies import Case

U3 = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]])
V3 = np.array([0.3, -0.2])


def test_grad_U_matches_eq_24_row_by_row() -> None:
    y_hat = np.exp(U3 @ V3) / np.exp(U3 @ V3).sum()
    G = reference.grad_U(U3, V3, 1)
    assert np.allclose(G[1], (y_hat[1] - 1.0) * V3, rtol=1e-15, atol=0)
    assert np.allclose(G[[0, 2]], y_hat[[0, 2], None] * V3, rtol=1e-15, atol=0)


def test_grad_U_from_label_with_one_hot_equals_index_form() -> None:
    y = np.array([0.0, 1.0, 0.0])
    assert np.array_equal(reference.grad_U_from_label(U3, V3, y), reference.grad_U(U3, V3, 1))


def test_grad_U_from_label_keeps_the_sum_of_y_factor_of_eq_20() -> None:
    y = np.array([0.5, 2.0, 0.0])
    y_hat = reference.softmax(U3 @ V3)
    assert np.allclose(reference.grad_U_from_label(U3, V3, y), np.outer(2.5 * y_hat - y, V3), rtol=1e-14)


def test_float32_stays_float32() -> None:
    U, v = U3.astype(np.float32), V3.astype(np.float32)
    assert reference.grad_U(U, v, 0).dtype == np.float32
    assert reference.grad_v_c(U, v, 0).dtype == np.float32
    assert reference.softmax(U @ v).dtype == np.float32
    assert reference.sgd_step(U.copy(), v, 0, 0.1).dtype == np.float32


def test_softmax_is_stable_at_logits_beyond_exp_range_and_batches() -> None:
    z = np.array([[1000.0, 999.0, -1000.0], [0.0, 0.0, 0.0]])
    p = reference.softmax(z)
    assert np.all(np.isfinite(p))
    assert np.allclose(p.sum(axis=-1), 1.0)
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-15)
    assert np.allclose(p[1], 1 / 3)


def test_loss_is_exact_where_the_target_probability_underflows() -> None:
    # ŷ_o = exp(-2000) underflows to 0, but CE = 2000 exactly
    assert reference.loss(np.array([[1000.0], [-1000.0]]), np.array([1.0]), 1) == 2000.0


def test_sgd_step_updates_in_place_and_equals_the_explicit_update() -> None:
    U = U3.copy()
    expected = U3 - 0.5 * reference.grad_U(U3, V3, 2)
    returned = reference.sgd_step(U, V3, 2, 0.5)
    assert returned is U
    assert np.allclose(U, expected, rtol=0, atol=4 * np.finfo(float).eps * np.abs(U3).max())


@given(strategies.cases(max_vocab=60))
@example(strategies.PINNED_EXTREME[0])
@example(strategies.PINNED[2])
def test_reference_autograd_and_finite_differences_agree(case: Case) -> None:
    t = laws.truth(case)
    U, v = case.U.astype(np.float64), case.v_c.astype(np.float64)
    assert not laws.mismatch("autograd", t.grad_U, oracles.autograd_grad_U(U, v, case.o), t.bounds.grad_U).failed
    assert not laws.mismatch("autograd v_c", t.grad_v_c, oracles.autograd_grad_v_c(U, v, case.o),
                         t.bounds.grad_v_c).failed


@given(strategies.fd_cases())
def test_reference_agrees_with_finite_differences(case: Case) -> None:
    numeric = oracles.finite_difference_grad_U(case.U, case.v_c, case.o)
    assert np.all(np.abs(numeric - reference.grad_U(case.U, case.v_c, case.o)) <= tolerances.FD_ATOL)


@given(strategies.extreme_logit_cases())
def test_reference_and_autograd_agree_on_extreme_logits(case: Case) -> None:
    t = laws.truth(case)
    assert np.all(np.isfinite(t.grad_U))
    assert not laws.mismatch("autograd", t.grad_U, oracles.autograd_grad_U(case.U, case.v_c, case.o),
                         t.bounds.grad_U).failed
    assert abs(t.loss - oracles.independent_loss(case.U, case.v_c, case.o)) <= t.bounds.loss


BAD_CALLS = [
    (lambda: reference.grad_U([[1.0]], np.ones(1), 0), TypeError, "U: expected a numpy float array"),
    (lambda: reference.grad_U(np.ones((2, 3), int), np.ones(3), 0), TypeError, "U: expected dtype float32 or float64, got int"),
    (lambda: reference.grad_U(np.ones(3), np.ones(3), 0), ValueError, "U: expected 2 axes, got shape (3,)"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.ones(2), 0), ValueError, "v_c: expected shape (3,) to match U"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.ones(3), 2), ValueError, "o: expected 0 <= o < W = 2, got 2"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.ones(3), -1), ValueError, "o: expected 0 <= o < W = 2, got -1"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.ones(3), 1.0), TypeError, "o: expected an integer word index"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.ones(3), True), TypeError, "o: expected an integer word index"),
    (lambda: reference.grad_U(np.full((2, 3), np.nan), np.ones(3), 0), ValueError, "U: expected finite values, got nan"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.array([1.0, np.inf, 0]), 0), ValueError, "v_c: expected finite"),
    (lambda: reference.grad_U(np.ones((2, 3)), np.ones(3, np.float32), 0), TypeError, "v_c: expected dtype float64 to match U"),
    (lambda: reference.grad_U(np.ones((2, 3), object), np.ones(3), 0), TypeError, "got object"),
    (lambda: reference.grad_U(np.ones((0, 3)), np.ones(3), 0), ValueError, "at least one word"),
    (lambda: reference.loss(np.ones((2, 3)), np.ones(3), 5), ValueError, "o: expected 0 <= o < W = 2"),
    (lambda: reference.grad_v_c(np.ones((2, 3)), [1.0, 2.0, 3.0], 0), TypeError, "v_c: expected a numpy float array"),
    (lambda: reference.grad_U_from_label(np.ones((2, 3)), np.ones(3), np.array([1.0, -1.0])), ValueError, "non-negative"),
    (lambda: reference.grad_U_from_label(np.ones((2, 3)), np.ones(3), np.ones(3)), ValueError, "y: expected shape (2,)"),
    (lambda: reference.sgd_step(np.ones((2, 3)), np.ones(3), 0, "0.1"), TypeError, "lr: expected a finite real"),
    (lambda: reference.softmax([1.0, 2.0]), TypeError, "z: expected a numpy float array"),
    (lambda: reference.softmax(np.array([1.0, np.nan])), ValueError, "z: expected finite logits"),
]


@pytest.mark.parametrize(("bad_call", "error", "message"), BAD_CALLS)
def test_bad_input_gets_a_clear_error(bad_call, error, message) -> None:  # type: ignore[no-untyped-def]  # table-driven
    with pytest.raises(error) as raised:
        bad_call()
    assert message in str(raised.value)


def test_sgd_step_refuses_a_read_only_U() -> None:
    U = np.ones((2, 3))
    U.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        reference.sgd_step(U, np.ones(3), 0, 0.1)


@given(st.integers(1, 50), st.integers(0, 49))
def test_loss_equals_log_W_for_a_zero_centre_vector(W: int, o: int) -> None:
    o %= W
    assert reference.loss(np.ones((W, 3)), np.zeros(3), o) == pytest.approx(np.log(W), rel=1e-14)
