"""Benchmarks of one centre word: grad_U, sgd_step, grad_v_c and the loss, beside their floors.

Groups are ``"<kind> W=… d=… <dtype>"``; roles are explained in conftest.py.  The floors:

- fresh gradient (grad_U): one read of U -- the logits U @ v_c, OpenBLAS gemv (threaded) -- and
  one write of a fresh W x d array: ``np.empty`` then OpenBLAS ``scal`` with alpha = 0 (threaded),
  the fastest fresh write measured here (ndarray.fill and np.full are single-threaded: ~25% slower;
  np.zeros + ger ~5% slower).  ``floor-out`` is the same write into an existing array.
- update (sgd_step): the gemv, then one in-place pass over U: OpenBLAS ``scal`` by -1 (threaded, an
  exact sign flip, so U does not drift over the rounds); numpy's ``U *= -1`` is single-threaded.
- grad_v_c: two reads of U, the gemv U @ v_c and the gemv Uᵀ c.
- loss: one read of U, the gemv U @ v_c.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from scipy.linalg import blas

import reference
from reference import fast
from tests.implementations import sgd_step_row_loop

pytestmark = pytest.mark.bench

#: The Python row loops run only up to here: beyond, one round takes seconds and shows nothing new.
LOOP_MAX_W = 10_000
#: Learning rate of the timed updates: small, so U stays O(1) over hundreds of in-place rounds.
LR = 1e-3


def _scal(dtype: np.dtype) -> Callable[..., np.ndarray]:
    """BLAS x <- alpha x in the dtype's precision (dscal/sscal)."""
    kernel: Callable[..., np.ndarray] = blas.dscal if dtype == np.float64 else blas.sscal
    return kernel


def _flat(A: np.ndarray) -> np.ndarray:
    flat = A.reshape(-1)
    assert np.shares_memory(flat, A), "a floor must work on the array itself, not on a copy"
    return flat


# ---------------------------------------------------------------------------------------------
# The floors


def floor_fresh_gradient(U: np.ndarray, v_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One read of U (gemv) and one write of a fresh W x d array (np.empty + threaded BLAS scal 0)."""
    z = U @ v_c
    G = np.empty_like(U)
    _scal(U.dtype)(0.0, _flat(G))
    return z, G


def floor_write_into(U: np.ndarray, v_c: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One read of U (gemv) and one write of an existing W x d array (threaded BLAS scal 0)."""
    z = U @ v_c
    _scal(U.dtype)(0.0, _flat(out))
    return z, out


def floor_update(U: np.ndarray, v_c: np.ndarray) -> np.ndarray:
    """One read of U (gemv) and one in-place pass over U (threaded BLAS scal by -1, exact)."""
    z = U @ v_c
    _scal(U.dtype)(-1.0, _flat(U))
    return z


def floor_two_reads(U: np.ndarray, v_c: np.ndarray) -> np.ndarray:
    """Two reads of U: the gemv U @ v_c and the gemv Uᵀ z."""
    z = U @ v_c
    return U.T @ z


def floor_one_read(U: np.ndarray, v_c: np.ndarray) -> np.ndarray:
    """One read of U: the gemv U @ v_c."""
    return U @ v_c


# ---------------------------------------------------------------------------------------------
# The obvious code, autograd, and the literal row loops


def _coefficients(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    z = U @ v_c
    e = np.exp(z - z.max())  # max-shift: exp overflows above ~709
    c = e / e.sum()
    c[o] -= 1.0
    return c


def materialise_then_subtract(U: np.ndarray, v_c: np.ndarray, o: int, lr: float) -> np.ndarray:
    """``U -= lr * np.outer(ŷ - y, v_c)``: write the W x d gradient, scale it, subtract it."""
    U -= lr * np.outer(_coefficients(U, v_c, o), v_c)
    return U


def _autograd_loss(U: Any, v_c: Any, o: int) -> Any:
    z = anp.dot(U, v_c)
    m = anp.max(z)
    return m + anp.log(anp.sum(anp.exp(z - m))) - z[o]


autograd_grad_U = autograd.grad(_autograd_loss, 0)
autograd_grad_v_c = autograd.grad(_autograd_loss, 1)


def autograd_sgd_step(U: np.ndarray, v_c: np.ndarray, o: int, lr: float) -> np.ndarray:
    U -= lr * autograd_grad_U(U, v_c, o)
    return U


def grad_U_row_loop(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """eq. (23) as written: row w of dCE/dU is (ŷ_w - y_w) v_c."""
    y_hat = reference.softmax(U @ v_c)
    G = np.empty_like(U)
    for w in range(U.shape[0]):
        G[w] = (y_hat[w] - (1.0 if w == o else 0.0)) * v_c
    return G


def grad_v_c_row_loop(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """dCE/dv_c = Σ_w (ŷ_w - y_w) u_w, one row of U at a time."""
    y_hat = reference.softmax(U @ v_c)
    g = np.zeros_like(v_c)
    for w in range(U.shape[0]):
        g += (y_hat[w] - (1.0 if w == o else 0.0)) * U[w]
    return g


def loss_row_loop(U: np.ndarray, v_c: np.ndarray, o: int) -> float:
    """CE = logsumexp(z) - z_o with z_w = u_w · v_c computed one row at a time."""
    z = np.array([U[w] @ v_c for w in range(U.shape[0])], dtype=np.float64)
    m = z.max()
    return float(m + np.log(np.exp(z - m).sum()) - z[o])


def _needs_small(problem: Any) -> None:
    if problem.W > LOOP_MAX_W:
        pytest.skip(f"the Python row loop runs only up to W = {LOOP_MAX_W}")


# ---------------------------------------------------------------------------------------------
# grad_U


def test_grad_U_fast(problem: Any, timed: Callable[..., Any]) -> None:
    G = timed("grad_U", problem, "subject", fast.grad_U, problem.U, problem.v_c, problem.o)
    problem.check("grad_U", G)


def test_grad_U_fast_into_out(problem: Any, timed: Callable[..., Any]) -> None:
    out = np.empty_like(problem.U)
    G = timed("grad_U", problem, "subject-out", fast.grad_U, problem.U, problem.v_c, problem.o, out)
    assert G is out
    problem.check("grad_U", G)


def test_grad_U_reference(problem: Any, timed: Callable[..., Any]) -> None:
    G = timed("grad_U", problem, "reference", reference.grad_U, problem.U, problem.v_c, problem.o)
    problem.check("grad_U", G)


def test_grad_U_autograd(problem: Any, timed: Callable[..., Any]) -> None:
    G = timed("grad_U", problem, "autograd", autograd_grad_U, problem.U, problem.v_c, problem.o)
    problem.check("grad_U", G, same_dtype=False)


def test_grad_U_row_loop(problem: Any, timed: Callable[..., Any]) -> None:
    _needs_small(problem)
    G = timed("grad_U", problem, "loop", grad_U_row_loop, problem.U, problem.v_c, problem.o)
    problem.check("grad_U", G)


def test_grad_U_floor(problem: Any, timed: Callable[..., Any]) -> None:
    z, G = timed("grad_U", problem, "floor", floor_fresh_gradient, problem.U, problem.v_c)
    # a floor computes no gradient: check the work it stands for, the logits and a fresh W x d array
    np.testing.assert_array_equal(z, problem.U @ problem.v_c)
    assert G.shape == problem.U.shape and G.dtype == problem.dtype and not np.shares_memory(G, problem.U)


def test_grad_U_floor_into_out(problem: Any, timed: Callable[..., Any]) -> None:
    out = np.empty_like(problem.U)
    z, G = timed("grad_U", problem, "floor-out", floor_write_into, problem.U, problem.v_c, out)
    np.testing.assert_array_equal(z, problem.U @ problem.v_c)
    assert G is out and not G.any()  # scal by 0 zeroed it: every entry was written


# ---------------------------------------------------------------------------------------------
# sgd_step: each timed function updates its own copy of U, round after round; the answer is then
# checked on one call from the original U


def _time_update(timed: Callable[..., Any], problem: Any, role: str,
                 step: Callable[[np.ndarray, np.ndarray, int, float], np.ndarray], rounds: int = 0) -> None:
    U = problem.U.copy()
    assert timed("sgd_step", problem, role, step, U, problem.v_c, problem.o, LR, rounds=rounds) is U
    U = problem.U.copy()
    assert step(U, problem.v_c, problem.o, 0.5) is U
    problem.check_step(U, 0.5)


def test_sgd_step_fast(problem: Any, timed: Callable[..., Any]) -> None:
    _time_update(timed, problem, "subject", fast.sgd_step)


def test_sgd_step_reference(problem: Any, timed: Callable[..., Any]) -> None:
    """reference.sgd_step, the obvious name: the fast path's rank-one update, within 2x the floor."""
    _time_update(timed, problem, "reference", reference.sgd_step)


def test_sgd_step_row_loop(problem: Any, timed: Callable[..., Any]) -> None:
    """Eq. (24) one row at a time (tests/implementations.py), as reference.sgd_step was before issue 9:
    3 rounds beyond LOOP_MAX_W, so the old cost shows beside the new in the same run."""
    _time_update(timed, problem, "loop", sgd_step_row_loop, rounds=3 if problem.W > LOOP_MAX_W else 0)


def test_sgd_step_materialise_then_subtract(problem: Any, timed: Callable[..., Any]) -> None:
    _time_update(timed, problem, "materialise", materialise_then_subtract)


def test_sgd_step_autograd(problem: Any, timed: Callable[..., Any]) -> None:
    _time_update(timed, problem, "autograd", autograd_sgd_step)


def test_sgd_step_floor(problem: Any, timed: Callable[..., Any]) -> None:
    U = problem.U.copy()
    z = timed("sgd_step", problem, "floor", floor_update, U, problem.v_c)
    # the timed rounds flipped U's sign an unknown number of times; it is still ±U, every entry
    assert np.array_equal(U, problem.U) or np.array_equal(U, -problem.U)
    np.testing.assert_allclose(np.abs(z), np.abs(U @ problem.v_c), rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# grad_v_c


def test_grad_v_c_fast(problem: Any, timed: Callable[..., Any]) -> None:
    g = timed("grad_v_c", problem, "subject", fast.grad_v_c, problem.U, problem.v_c, problem.o)
    problem.check("grad_v_c", g)


def test_grad_v_c_reference(problem: Any, timed: Callable[..., Any]) -> None:
    g = timed("grad_v_c", problem, "reference", reference.grad_v_c, problem.U, problem.v_c, problem.o)
    problem.check("grad_v_c", g)


def test_grad_v_c_autograd(problem: Any, timed: Callable[..., Any]) -> None:
    g = timed("grad_v_c", problem, "autograd", autograd_grad_v_c, problem.U, problem.v_c, problem.o)
    problem.check("grad_v_c", g, same_dtype=False)


def test_grad_v_c_row_loop(problem: Any, timed: Callable[..., Any]) -> None:
    _needs_small(problem)
    g = timed("grad_v_c", problem, "loop", grad_v_c_row_loop, problem.U, problem.v_c, problem.o)
    problem.check("grad_v_c", g)


def test_grad_v_c_floor(problem: Any, timed: Callable[..., Any]) -> None:
    g = timed("grad_v_c", problem, "floor", floor_two_reads, problem.U, problem.v_c)
    np.testing.assert_allclose(g, problem.U.T @ (problem.U @ problem.v_c), rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# The loss


def test_loss_fast(problem: Any, timed: Callable[..., Any]) -> None:
    ce = timed("loss", problem, "subject", fast.loss, problem.U, problem.v_c, problem.o)
    problem.check("loss", ce)


def test_loss_reference(problem: Any, timed: Callable[..., Any]) -> None:
    ce = timed("loss", problem, "reference", reference.loss, problem.U, problem.v_c, problem.o)
    problem.check("loss", ce)


def test_loss_row_loop(problem: Any, timed: Callable[..., Any]) -> None:
    _needs_small(problem)
    ce = timed("loss", problem, "loop", loss_row_loop, problem.U, problem.v_c, problem.o)
    problem.check("loss", ce)


def test_loss_floor(problem: Any, timed: Callable[..., Any]) -> None:
    z = timed("loss", problem, "floor", floor_one_read, problem.U, problem.v_c)
    np.testing.assert_array_equal(z, problem.U @ problem.v_c)
