"""Every tolerance the laws use, each derived from a forward-error bound.

Notation: u is the unit roundoff of the input dtype (2⁻⁵³ for float64, 2⁻²⁴ for float32),
a = |U| |v_c| (componentwise absolute values, shape (W,)), A = max_w a_w, c = ŷ - y.

Bounds for any correct implementation, to first order in u (Higham, "Accuracy and Stability of
Numerical Algorithms", §3.1 for dot products):

1. Logits.  z_w = u_w · v_c is a dot product of length d, so |δz_w| ≤ γ_d a_w ≈ d·u·a_w.
   A log-sum-exp written as m + log Σ exp(z - m) adds |δ| ≤ 2u·|z| ≤ 2u·A.
   So every logit, and every shifted logit z_w - lse, is off by at most Δz = (d + 2)·u·A.
2. Softmax.  ŷ_w = exp(z_w - m) / Σ_k exp(z_k - m).  A change δz moves log ŷ_w by
   δz_w - Σ_k ŷ_k δz_k, at most 2Δz; exp rounds (u), the sum of W terms rounds (W·u), the division
   rounds (u).  So |δŷ_w| ≤ ŷ_w · ρ with ρ = 2Δz + (W + 3)·u.
3. Coefficients c_w = ŷ_w - y_w.  The subtraction rounds once more and ŷ_o ≈ 1 cancels, so the
   error is absolute: |δc_w| ≤ ŷ_w·ρ + u·(ŷ_w + y_w).
4. dCE/dU.  G_wj = c_w v_j, one more rounding: |δG_wj| ≤ |δc_w|·|v_j| + u·|c_w v_j|.
5. dCE/dv_c.  g_j = Σ_w U_wj c_w, a dot product of length W:
   |δg_j| ≤ Σ_w |U_wj|·|δc_w| + γ_W·Σ_w |U_wj c_w|.
6. Loss.  CE = lse(z) - z_o (or -log ŷ_o): |δCE| ≤ 2Δz + (W + 3)·u·(1 + |CE|).

The grader compares an implementation against the float64 reference, itself within the same bound
at float64, so the observable difference is at most the sum of both bounds.  SAFETY = 4 covers
that factor 2 and the second-order terms the first-order analysis drops; it is not a fudge to make
tests pass -- a wrong gradient is off by O(|c_w v_j|), which is 10¹² times the float64 bound.

FLOOR absorbs subnormal results: each operation on a subnormal is exact to half the smallest
subnormal, and no expression above chains more than a few such roundings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAFETY = 4.0
FLOOR_ULPS_OF_SMALLEST_SUBNORMAL = 8.0


def unit_roundoff(dtype: np.dtype | type) -> float:
    """u for the dtype the implementation was given (float32 inputs may be computed in float32)."""
    return float(np.finfo(dtype).eps) / 2.0


def _floor(dtype: np.dtype | type) -> float:
    return FLOOR_ULPS_OF_SMALLEST_SUBNORMAL * float(np.finfo(dtype).smallest_subnormal)


@dataclass(frozen=True)
class Bounds:
    """Per-entry tolerances for one case: grad_U (W, d), grad_v_c (d,), loss (scalar)."""

    grad_U: np.ndarray
    grad_v_c: np.ndarray
    loss: float


def bounds(U: np.ndarray, v_c: np.ndarray, y: np.ndarray, y_hat: np.ndarray, ce: float) -> Bounds:
    """The tolerances of a case, from the exact-enough float64 ŷ and CE of the reference.

    ``y`` may be any non-negative label vector; for soft labels (eq. 20) the coefficients are
    ŷ Σy - y and ŷ carries the factor Σy, which the bound below includes through |y|.
    """
    dtype = U.dtype
    u = unit_roundoff(dtype)
    U64, v64 = U.astype(np.float64), v_c.astype(np.float64)
    W, d = U.shape
    weight = float(np.abs(y).sum()) or 1.0  # Σy scales ŷ in eq. (20); 1 for a one-hot label
    a = np.abs(U64) @ np.abs(v64)
    delta_z = (d + 2) * u * float(a.max(initial=0.0))
    rho = 2.0 * delta_z + (W + 3) * u
    c = weight * y_hat - y
    dc = weight * y_hat * rho + u * (weight * y_hat + np.abs(y))
    abs_v = np.abs(v64)
    g_U = np.outer(dc, abs_v) + u * np.abs(np.outer(c, v64))
    g_v = np.abs(U64).T @ dc + (W + 1) * u * (np.abs(U64).T @ np.abs(c))
    g_loss = 2.0 * delta_z + (W + 3) * u * (1.0 + abs(ce))
    floor = _floor(dtype)
    return Bounds(grad_U=SAFETY * g_U + floor, grad_v_c=SAFETY * g_v + floor, loss=SAFETY * g_loss + floor)


# Central finite differences in float64, step h for an entry whose scale is s:
# truncation error ≤ h²/6 · |f'''| and rounding error ≤ u·|f|/h; balanced at h = (3u)^(1/3) ≈ 7e-6
# (relative to s).  The loss's third derivative along one entry of U is at most ~|v_j|³ (softmax
# derivatives are bounded by 1 per unit of logit), so the total error per entry is about
# h²|v_j|³/6 + u·|CE|/h.  FD_RTOL/FD_ATOL below are ten times that estimate at h = FD_STEP for
# |v_j| ≤ 8 and |CE| ≤ 100, the ranges the finite-difference law draws (strategies.fd_cases).
FD_STEP = 6e-6
FD_MAX_V = 8.0
FD_MAX_LOSS = 100.0
FD_ATOL = 10.0 * (FD_STEP**2 * FD_MAX_V**3 / 6.0 + unit_roundoff(np.float64) * FD_MAX_LOSS / FD_STEP)

# Two calls of a deterministic implementation on the same input must agree exactly; nothing to
# bound.  Invariance laws (relabelling, shift) compare two outputs of the implementation itself,
# each within `bounds` of the truth, so they use the sum of both bounds: 2 × bounds.
INVARIANCE_FACTOR = 2.0
