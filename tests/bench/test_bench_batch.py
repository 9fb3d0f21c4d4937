"""Benchmarks of a batch of B centre words: Σ_b dCE_b/dU = (Ŷ - Y)ᵀ V_c and the B losses.

The floor of the batched gradient is the work no implementation can skip: the product V_c Uᵀ
(B x W logits), one exp pass over those logits, and the product Eᵀ V_c (OpenBLAS gemm, threaded,
and numpy's SIMD exp).  The batched loss's floor is the first product and the exp pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from properties import tolerances
from reference import fast

pytestmark = pytest.mark.bench

#: The size of issue 5's batched target.
B, W, D = 256, 10_000, 100


@dataclass
class Batch:
    """B centre vectors V_c with targets O, and the float64 truth with derived tolerances."""

    U: np.ndarray
    V_c: np.ndarray
    O: np.ndarray
    grad: np.ndarray
    grad_tol: np.ndarray
    losses: np.ndarray
    loss_tol: np.ndarray

    def label(self) -> str:
        return f"B={B} W={W} d={D} {self.U.dtype}"


def make_batch(dtype: type) -> Batch:
    """Inputs as in conftest.make_problem; the tolerances follow properties/tolerances.py.

    Per centre word b (steps 1-4 there): logits are off by Δz_b = (d + 2)·u·max_w (|U| |v_b|)_w,
    ŷ_bw by ŷ_bw·ρ_b with ρ_b = 2Δz_b + (W + 3)·u, and c_bw = ŷ_bw - y_bw by
    |δc_bw| ≤ ŷ_bw·ρ_b + u·(ŷ_bw + y_bw).  The sum over b is a dot product of length B, so
    |δG_wj| ≤ Σ_b |δc_bw|·|v_bj| + (B + 1)·u·Σ_b |c_bw v_bj| (the +1: scaling V_c by 1/Σexp).
    The loss of word b is within 2Δz_b + (W + 3)·u·(1 + CE_b).  Both times tolerances.SAFETY.
    """
    rng = np.random.default_rng(B + W + D)
    U: np.ndarray = (rng.standard_normal((W, D)) / np.sqrt(D)).astype(dtype)
    V_c: np.ndarray = rng.standard_normal((B, D)).astype(dtype)
    O = rng.integers(0, W, B).astype(np.intp)
    U64, V64 = U.astype(np.float64), V_c.astype(np.float64)
    Z = V64 @ U64.T
    m = Z.max(axis=1, keepdims=True)
    E = np.exp(Z - m)
    s = E.sum(axis=1, keepdims=True)
    Y_hat = E / s
    Y = np.zeros_like(Y_hat)
    Y[np.arange(B), O] = 1.0
    C = Y_hat - Y
    losses = (m[:, 0] + np.log(s[:, 0])) - Z[np.arange(B), O]
    u = tolerances.unit_roundoff(dtype)
    delta_z = (D + 2) * u * (np.abs(V64) @ np.abs(U64).T).max(axis=1)
    rho = 2.0 * delta_z + (W + 3) * u
    dC = Y_hat * rho[:, None] + u * (Y_hat + Y)
    grad_tol = dC.T @ np.abs(V64) + (B + 1) * u * (np.abs(C).T @ np.abs(V64))
    loss_tol = 2.0 * delta_z + (W + 3) * u * (1.0 + np.abs(losses))
    return Batch(U, V_c, O, C.T @ V64, tolerances.SAFETY * grad_tol, losses, tolerances.SAFETY * loss_tol)


@pytest.fixture(scope="module", params=[np.float64, np.float32], ids=["float64", "float32"])
def batch(request: pytest.FixtureRequest) -> Batch:
    return make_batch(request.param)


def _assert_within(name: str, expected: np.ndarray, received: np.ndarray, tol: np.ndarray) -> None:
    error = np.abs(received.astype(np.float64) - expected)
    worst = np.unravel_index(int(np.argmax(error - tol)), error.shape)
    assert np.all(error <= tol), (f"{name}: at {worst} expected {expected[worst]!r}, received "
                                  f"{received[worst]!r}, allowed error {tol[worst]:.3g}")


# ---------------------------------------------------------------------------------------------
# Floors, autograd and the per-word loop


def floor_batch_gradient(U: np.ndarray, V_c: np.ndarray) -> np.ndarray:
    """Two matrix products and one exp pass over the B x W logits."""
    E = V_c @ U.T
    np.exp(E, out=E)
    return E.T @ V_c


def floor_batch_loss(U: np.ndarray, V_c: np.ndarray) -> np.ndarray:
    """One matrix product and one exp pass over the B x W logits."""
    E = V_c @ U.T
    return np.exp(E, out=E)


def _autograd_batch_loss(U: Any, V_c: Any, O: np.ndarray) -> Any:
    Z = anp.dot(V_c, U.T)
    m = anp.max(Z, axis=1, keepdims=True)
    lse = m[:, 0] + anp.log(anp.sum(anp.exp(Z - m), axis=1))
    return anp.sum(lse) - anp.sum(Z[np.arange(Z.shape[0]), O])


autograd_grad_U_batch = autograd.grad(_autograd_batch_loss, 0)


def grad_U_word_by_word(U: np.ndarray, V_c: np.ndarray, O: np.ndarray) -> np.ndarray:
    """A Python loop over the centre words, summing fast.grad_U."""
    G = np.zeros_like(U)
    for b in range(V_c.shape[0]):
        G += fast.grad_U(U, V_c[b], int(O[b]))
    return G


def loss_word_by_word(U: np.ndarray, V_c: np.ndarray, O: np.ndarray) -> np.ndarray:
    return np.array([fast.loss(U, V_c[b], int(O[b])) for b in range(V_c.shape[0])])


# ---------------------------------------------------------------------------------------------
# The batched gradient


def test_grad_U_batch_fast(batch: Batch, timed: Callable[..., Any]) -> None:
    G = timed("grad_U_batch", batch, "subject", fast.grad_U_batch, batch.U, batch.V_c, batch.O)
    assert G.dtype == batch.U.dtype
    _assert_within("Σ_b dCE_b/dU", batch.grad, G, batch.grad_tol)


def test_grad_U_batch_autograd(batch: Batch, timed: Callable[..., Any]) -> None:
    G = timed("grad_U_batch", batch, "autograd", autograd_grad_U_batch, batch.U, batch.V_c, batch.O)
    _assert_within("Σ_b dCE_b/dU", batch.grad, np.asarray(G), batch.grad_tol)


def test_grad_U_batch_word_by_word(batch: Batch, timed: Callable[..., Any]) -> None:
    G = timed("grad_U_batch", batch, "loop", grad_U_word_by_word, batch.U, batch.V_c, batch.O, rounds=3)
    # B sums of W x d gradients: B more roundings of each partial sum, bounded by B·u·Σ_b |c v|
    _assert_within("Σ_b dCE_b/dU", batch.grad, G, 2.0 * batch.grad_tol)


def test_grad_U_batch_floor(batch: Batch, timed: Callable[..., Any]) -> None:
    G = timed("grad_U_batch", batch, "floor", floor_batch_gradient, batch.U, batch.V_c)
    # a floor computes no gradient: check it did the work it stands for, in the input's dtype
    assert G.shape == batch.U.shape and G.dtype == batch.U.dtype and np.isfinite(G).all()


# ---------------------------------------------------------------------------------------------
# The batched loss


def test_loss_batch_fast(batch: Batch, timed: Callable[..., Any]) -> None:
    losses = timed("loss_batch", batch, "subject", fast.loss_batch, batch.U, batch.V_c, batch.O)
    _assert_within("CE_b", batch.losses, losses, batch.loss_tol)


def test_loss_batch_word_by_word(batch: Batch, timed: Callable[..., Any]) -> None:
    losses = timed("loss_batch", batch, "loop", loss_word_by_word, batch.U, batch.V_c, batch.O)
    _assert_within("CE_b", batch.losses, losses, batch.loss_tol)


def test_loss_batch_floor(batch: Batch, timed: Callable[..., Any]) -> None:
    E = timed("loss_batch", batch, "floor", floor_batch_loss, batch.U, batch.V_c)
    assert E.shape == (B, W) and E.dtype == batch.U.dtype and np.isfinite(E).all()
