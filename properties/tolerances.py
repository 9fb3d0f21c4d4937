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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

SAFETY = 4.0
FLOOR_ULPS_OF_SMALLEST_SUBNORMAL = 8.0


def unit_roundoff(dtype: np.dtype | type) -> float:
    """u for the dtype the implementation was given (float32 inputs may be computed in float32)."""
    return float(np.finfo(dtype).eps) / 2.0


# The precision policy (``cegrad grade --precision``).  Under "strict" (the default) a float64 input
# must be computed in float64.  Under "float32-ok" an implementation may compute in float32 from
# float64 input; its error is then that of the bounds below at u = 2⁻²⁴, plus the rounding of the
# inputs to float32 on the way in: each entry of U and v_c moves by at most u·|x|, so every logit
# z_w = u_w·v_c moves by at most 2u·a_w more, which is why `bounds` adds 2 to the logit term's d + 2
# under that policy.  Nothing else is loosened: the float32 bound is the same forward-error bound.
PRECISIONS = ("strict", "float32-ok")
_WORKING = ContextVar[np.dtype | None]("working_precision", default=None)


@contextmanager
def working_precision(precision: str) -> Iterator[None]:
    """Within the block, bounds allow computing in float32 where ``precision`` is "float32-ok"."""
    if precision not in PRECISIONS:
        raise ValueError(f"--precision: expected one of {', '.join(PRECISIONS)}, got {precision!r}")
    token = _WORKING.set(np.dtype(np.float32) if precision == "float32-ok" else None)
    try:
        yield
    finally:
        _WORKING.reset(token)


def computing_dtype(input_dtype: np.dtype | type) -> np.dtype:
    """The least precise dtype a correct implementation may compute in for this input's dtype."""
    working = _WORKING.get()
    given = np.dtype(input_dtype)
    return working if working is not None and working.itemsize < given.itemsize else given


def accepted_output_dtypes(input_dtype: np.dtype | type) -> tuple[np.dtype, ...]:
    """float64 always; float32 where the input or the precision policy allows computing in float32."""
    return (np.dtype(np.float64),) if computing_dtype(input_dtype) == np.float64 else (
        np.dtype(np.float32), np.dtype(np.float64))


def _floor(dtype: np.dtype | type) -> float:
    return FLOOR_ULPS_OF_SMALLEST_SUBNORMAL * float(np.finfo(dtype).smallest_subnormal)


@dataclass(frozen=True)
class Bounds:
    """Per-entry tolerances for one case: grad_U (W, d), grad_v_c (d,), loss (scalar)."""

    grad_U: np.ndarray
    grad_v_c: np.ndarray
    loss: float


def bounds(U: np.ndarray, v_c: np.ndarray, y: np.ndarray, y_hat: np.ndarray, ce: float,
           computed_in: np.dtype | type | None = None) -> Bounds:
    """The tolerances of a case, from the exact-enough float64 ŷ and CE of the reference.

    ``y`` may be any non-negative label vector; for soft labels (eq. 20) the coefficients are
    ŷ Σy - y and ŷ carries the factor Σy, which the bound below includes through |y|.
    ``computed_in`` is the dtype the implementation may compute in (default: the input's dtype,
    or float32 under the "float32-ok" policy, see :func:`working_precision`).
    """
    dtype = np.dtype(computed_in) if computed_in is not None else computing_dtype(U.dtype)
    rounded_inputs = 2 if dtype.itemsize < U.dtype.itemsize else 0  # see the precision policy above
    u = unit_roundoff(dtype)
    U64, v64 = U.astype(np.float64), v_c.astype(np.float64)
    W, d = U.shape
    weight = float(np.abs(y).sum()) or 1.0  # Σy scales ŷ in eq. (20); 1 for a one-hot label
    a = np.abs(U64) @ np.abs(v64)
    delta_z = (d + 2 + rounded_inputs) * u * float(a.max(initial=0.0))
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


# ---------------------------------------------------------------------------------------------
# Negative sampling and the skip-gram window (docs/negative-sampling.md, eqs. (25)-(39))
#
# Notation as above, plus the draws i ∈ {o, w_1, ..., w_K} (a negative drawn twice is two draws),
# s_o = -1 and s_k = +1, z_i = u_iᵀv_c, σ_i = σ(z_i), σ̄_i = σ(-z_i), t_i = -log σ(-s_i z_i) ≥ 0.
#
# 1. Logits: Δz_i = (d + 2)·u·a_i as in item 1 above (a dot product of length d plus one rounding).
# 2. One draw's coefficient (eq. 30, 31): c_o = -σ̄_o, c_k = σ_k.  σ'(x) = σ(x)σ(-x) (eq. 25) moves it
#    by σ_i σ̄_i Δz_i; evaluating σ rounds three times (exp, add, divide): 3u·σ.  A correct student
#    may also form σ(z_o) - 1 or 1 - σ(-z_k), whose subtraction of numbers ≤ 1 adds an absolute u.
#    So e_i = σ_i σ̄_i Δz_i + 4u (σ ≤ 1 turns 3u·σ + u into at most 4u).
# 3. A row's coefficient C_w sums the n_w draws landing on row w: |δC_w| ≤ Σ e_i + n_w·u·Σ |c_i|.
# 4. dJ/dU: G_wj = C_w v_j: |δG_wj| ≤ |δC_w|·|v_j| + u·|C_w v_j|   (zero rows stay exactly zero).
# 5. dJ/dv_c: g_j = Σ_i c_i U_ij, K + 1 products and K additions:
#    |δg_j| ≤ Σ_i e_i |U_ij| + (K + 2)·u·Σ_i |c_i U_ij|.
# 6. The loss: each term t_i = log(1 + e^{s_i z_i}) has derivative σ ≤ 1 in z, so it moves by Δz_i,
#    and its own evaluation (exp, add, log) rounds by 3u·(1 + t_i); the sum of K + 1 terms adds
#    (K + 1)·u·Σ t_i.
# SAFETY (×4) and the subnormal floor apply as above.  Not a fudge either: at float64 the bound is
# ~1e-15 relative to the coefficients, while a wrong formula (a flipped sign, σ(z) for σ(-z), a
# dropped draw) changes a coefficient by σ_i or σ̄_i, which is ≥ 0.1 on the pinned cases.
#
# The skip-gram window sums m word terms (eq. 35-37): the bound of the sum is the sum of the words'
# bounds plus the rounding of m additions, m·u·Σ_j |term_j| entrywise.  Reordering the window
# (eq. 39) compares two such sums of the implementation itself: INVARIANCE_FACTOR × the bound.


@dataclass(frozen=True)
class WordBounds:
    """Per-entry tolerances of one word's (loss, dJ/dv_c, dJ/dU)."""

    loss: float
    grad_v_c: np.ndarray
    grad_U: np.ndarray


def neg_sampling_bounds(U: np.ndarray, v_c: np.ndarray, o: int, negatives: np.ndarray) -> WordBounds:
    """The tolerances of J, dJ/dv_c and dJ/dU of eq. (27)-(33) for one case (items 1-6 above)."""
    u = unit_roundoff(U.dtype)
    U64, v64 = U.astype(np.float64), v_c.astype(np.float64)
    W, d = U.shape
    K = len(negatives)
    draws = np.concatenate([[o], negatives]).astype(np.intp)
    s = np.concatenate([[-1.0], np.ones(K)])
    z = U64[draws] @ v64
    delta_z = (d + 2) * u * (np.abs(U64[draws]) @ np.abs(v64))
    with np.errstate(over="ignore"):
        sig, sig_bar = 1.0 / (1.0 + np.exp(-z)), 1.0 / (1.0 + np.exp(z))
    c = np.where(s < 0, -sig_bar, sig)
    e = sig * sig_bar * delta_z + 4.0 * u
    row_err = np.zeros(W)
    row_abs = np.zeros(W)
    count = np.zeros(W)
    np.add.at(row_err, draws, e)
    np.add.at(row_abs, draws, np.abs(c))
    np.add.at(count, draws, 1.0)
    dC = row_err + count * u * row_abs
    C = np.zeros(W)
    np.add.at(C, draws, c)
    abs_v = np.abs(v64)
    g_U = np.outer(dC, abs_v) + u * np.abs(np.outer(C, v64))
    abs_rows = np.abs(U64[draws])
    g_v = e @ abs_rows + (K + 2) * u * (np.abs(c) @ abs_rows)
    t = np.logaddexp(0.0, s * z)  # t_i = log(1 + e^{s_i z_i}) = -log σ(-s_i z_i)
    g_loss = float(np.sum(delta_z + 3.0 * u * (1.0 + t)) + (K + 1) * u * t.sum())
    floor = _floor(U.dtype)
    return WordBounds(loss=SAFETY * g_loss + floor, grad_v_c=SAFETY * g_v + floor, grad_U=SAFETY * g_U + floor)


def window_bounds(dtype: np.dtype, terms: list[tuple[WordBounds, float, np.ndarray, np.ndarray]]) -> WordBounds:
    """The bound of a window's sum from its words' (bounds, loss, dJ/dv_c, dJ/dU) (eq. 35-37).

    ``dtype`` is the input's (its unit roundoff prices the m additions); the terms are float64 truths.
    """
    m = len(terms)
    u = unit_roundoff(dtype)
    loss = sum(b.loss for b, _, _, _ in terms) + m * u * sum(abs(j) for _, j, _, _ in terms)
    g_v = sum(b.grad_v_c for b, _, _, _ in terms) + m * u * sum(np.abs(g) for _, _, g, _ in terms)
    g_U = sum(b.grad_U for b, _, _, _ in terms) + m * u * sum(np.abs(G) for _, _, _, G in terms)
    return WordBounds(loss=float(loss), grad_v_c=np.asarray(g_v), grad_U=np.asarray(g_U))


# Finite differences of J (eq. 27) and J_sg (eq. 35) reuse FD_STEP.  Along one entry, the third
# derivative of one term log(1 + e^{x}) is σ''(x) = σ(x)σ(-x)(1 - 2σ(x)), at most 1/(6√3) < 0.1 per
# unit of logit cubed, against the softmax's 1 used for FD_ATOL: so K + 1 ≤ 10 draws stay within
# FD_ATOL's truncation term, with |v_j|, |u_ij| ≤ FD_MAX_V and |J| ≤ FD_MAX_LOSS as there.  A window
# of m ≤ FD_MAX_WINDOW outside words adds m such terms (naive softmax: ≤ 1 each), hence the factor.
FD_MAX_NEGATIVES = 9
FD_MAX_WINDOW = 4
NS_FD_ATOL = FD_ATOL
WINDOW_FD_ATOL = 10.0 * (FD_MAX_WINDOW * FD_STEP**2 * FD_MAX_V**3 / 6.0
                         + unit_roundoff(np.float64) * FD_MAX_LOSS / FD_STEP)
# soft-labels compares Σ_o y_o·G(o) (the index form, one call per labelled word) or the
# implementation's own grad_U_from_label with the reference's (ŷ Σy - y) v_cᵀ.  The implementation's
# side is within Σ_o y_o·bounds(o) of the truth (linearity; each G(o) within its own bound, and the
# weighted sum's roundings are second order beside them).  The reference's one-pass value has
# coefficients ŷ Σy - y = Σ_o y_o (ŷ - e_o), so its own error is within the same sum: twice it.
LINEAR_COMBINATION_FACTOR = 2.0

# row-structure reads the coefficient c̃_w of each row along v_c, within c_tol of the truth c_w.
# Where |c_w| > 2·c_tol, the implementation's c̃_w (within c_tol of c_w) and the reference's c_w
# (also within c_tol) both keep the sign of the exact coefficient, so the sign must be strict there.
CLEARLY_SIGNED_FACTOR = 2.0

# ŷ_o is a normal float64 while CE < -log(smallest normal) ≈ 708.4 (float32: 87.3, see
# loss_graded_below); beyond, the grading policy does not grade the loss: -log ŷ_o is +inf (np.log)
# or raises ValueError (math.log), and -log(ŷ_o + ε), a common guard, is -log ε.  Any value
# from UNGRADED_LOSS_FLOOR up is accepted there: it admits guards ε ≤ e⁻⁵⁰⁰ ≈ 7e-218 and still
# rejects a loss that is plainly wrong (0, a negative number, NaN).
LOSS_GRADED_BELOW = -float(np.log(np.finfo(np.float64).tiny))
UNGRADED_LOSS_FLOOR = 500.0

# An SGD step U - lr·dCE/dU rounds lr·c_w (once), its product with v_j (once, or not at all where
# BLAS fuses it) and the sum with U_wj (once): three units of roundoff of |U_wj| + |lr c_w v_j|,
# relative to those magnitudes and not to the result (which may cancel to ~0).  SGD_STEP_ROUNDINGS
# doubles the three for the reference's own rounding of the expected value.
SGD_STEP_ROUNDINGS = 6.0


def sgd_step_bounds(U: np.ndarray, grad_U: np.ndarray, grad_U_bound: np.ndarray, lr: float) -> np.ndarray:
    """Per-entry tolerance of U - lr·dCE/dU, for U of its own dtype and the float64 truth's gradient."""
    step = lr * grad_U
    return lr * grad_U_bound + SGD_STEP_ROUNDINGS * unit_roundoff(U.dtype) * (
        np.abs(U.astype(np.float64)) + np.abs(step))


# ---------------------------------------------------------------------------------------------
# cegrad derive: every step of the seed's derivation evaluated on a case (U, v_c, y)
#
# u = 2⁻⁵³ (float64).  Every quantity compared is a combination of y_i, ŷ_w and v_c whose entries
# are bounded by M = 2·‖v_c‖_∞·Σ_i|y_i| (|ŷ_w Σy − y_w|, the i = w part and the i ≠ w part all are,
# and so are the partial sums inside (5)–(9): Σ_i |y_i|·(1 + ŷ_w)·|v_k|).  Forward errors
# (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1):
#   logits  z_m = u_mᵀv_c is a dot product of length d: |δz_m| ≤ γ_d·Σ_k|U_mk||v_k| ≤ d·u·A with
#           A = max_m Σ_k |U_mk||v_k|; a log or subtraction of logits adds 2u·A, so Δz = (d + 2)·u·A;
#   softmax δ log ŷ_w = δz_w − Σ_m ŷ_m δz_m, at most 2Δz; exp rounds once (u), Σ_m of W terms
#           (W·u), the division once (u): relative error of ŷ_w, and of exp(z_w)/Σ_m exp(z_m) as
#           autograd's backward pass forms it, is ρ = 2Δz + (W + 3)·u;
#   sums    Σ_i over W summands of size ≤ M and Σ_x in (9): two more γ_W, plus ≤ 3 products with
#           v_c or y (3u).
# So one evaluation is within M·(2Δz + (3W + 6)·u) of the exact value, and two evaluations differ by
# at most twice that.  SAFETY = 4 covers the factor 2 and the second-order terms dropped above.  A
# wrong step is off by O(M) -- the errata here by ŷ_w v_c or y_l v_c -- about 10¹⁴ times this bound.
# The floor lets v_c = 0 (M = 0, every value exactly ±0) compare without a zero tolerance.
# (u, SAFETY and the subnormal floor are those of float64 above.)


def derivation_tolerance(U: np.ndarray, v_c: np.ndarray, y: np.ndarray) -> float:
    """Absolute tolerance for every entry of a derivation step's (W, d) value (float64 inputs)."""
    u = unit_roundoff(np.float64)
    W, d = U.shape
    size = 2.0 * float(np.abs(v_c).max(initial=0.0)) * float(np.abs(y).sum())
    a = float((np.abs(U) @ np.abs(v_c)).max(initial=0.0))
    delta_z = (d + 2) * u * a
    return SAFETY * size * (2.0 * delta_z + (3 * W + 6) * u) + _floor(np.float64)


# A label vector drawn as integer weights divided by their sum (derive's "normalised" labels) sums
# to 1 within W rounded quotients and W - 1 rounded additions: below 2W·u; 4W·u leaves a margin.
NORMALISED_LABEL_ROUNDINGS = 4.0


def normalised_labels_tolerance(W: int) -> float:
    """How far from 1 the sum of W normalised labels may round (float64)."""
    return NORMALISED_LABEL_ROUNDINGS * W * unit_roundoff(np.float64)


# ---------------------------------------------------------------------------------------------
# Diagnosis (properties/grader/diagnose.py, properties/grader/assignment.py): a student's wrong code
# and our rendering of the same mistake round differently; both are within a few hundred ulps of the
# same wrong value on the grader's ordinary cases (~1e-13 relative), while two different mistakes
# differ by O(1).  A relative match of 1e-9 separates the two by many orders of magnitude.
DIAGNOSIS_MATCH_RTOL = 1e-9


def loss_graded_below(input_dtype: np.dtype | type) -> float:
    """The loss is graded while ŷ_o is a normal float of the computing dtype: CE < -log(tiny).

    Beyond, -log ŷ_o is +inf (np.log) or raises (math.log): the loss has no float value there and is
    not graded (DESIGN.md, grading policy); float32 reaches that point at CE ≈ 87.3, float64 at 708.4.
    """
    return -float(np.log(np.finfo(computing_dtype(input_dtype)).tiny))
