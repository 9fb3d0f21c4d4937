"""Laws of the values of dCE/dU: row structure and sums, eq. (23), invariances, soft labels, oracles."""

from __future__ import annotations

import re
import warnings

import numpy as np
from hypothesis import strategies as st

import reference
from properties import mistakes as m
from properties import oracles, strategies, tolerances
from properties.case import Case
from properties.compare import FINITE, mismatch, mismatch_finding, truth
from properties.implementation import Implementation
from properties.laws._common import PINNED, G, law, single, this
from properties.registry import LawViolation, Rejection, call, label, output, rejecting


def _row_coefficients(G: np.ndarray, v_c: np.ndarray, tol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """c̃_w = G_w · v_c / |v_c|², the multiple of v_c closest to each row, and its tolerance.

    v_c is first divided by its largest entry, so a tiny v_c (2⁻⁵⁰⁰) does not underflow |v_c|².
    """
    scale = float(np.abs(v_c).max())
    unit = v_c / scale
    norm2 = float(unit @ unit)
    return (G @ unit) / norm2 / scale, (tol @ np.abs(unit)) / norm2 / scale


ZERO_V_C = " (with v_c = 0 every row c_w v_c is 0)"
WRONG_SIGN = "Row {w} of {label} is {c:.6g}·v_c; its coefficient should be {expected}"


@law(
    name="row-structure",
    title="every row of dCE/dU is a multiple c_w v_c, with c_o ≤ 0 and c_w ≥ 0 for w ≠ o",
    equations=(22, 24),
    why="row w is (ŷ_w - y_w) v_c; 0 ≤ ŷ_w ≤ 1, so the target's coefficient ŷ_o - 1 is ≤ 0 and every "
    "other ŷ_w is ≥ 0",
    hint="each row must be the centre vector v_c scaled by (ŷ_w - y_w): not u_w, not u_o, and the -1 "
    "belongs to row o only",
    weight=10,
    strategy=single(strategies.cases()),
    examples=PINNED,
    rejects=(
        Rejection(m.sign_flip, rf"^Row \d+ of {G} is {FINITE}·v_c; its coefficient should be "
                  r"(?:< 0 \(ŷ_o - 1\)|> 0 \(ŷ_w\))$"),
        *rejecting(mismatch_finding(G, 2, expected="0") + re.escape(ZERO_V_C) + "$",
                   m.u_o_instead_of_v_c, m.normalised_v_c),
    ),
)
def row_structure(impl: Implementation, case: Case) -> float:
    me = this("row-structure")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    t = truth(case)
    v = case.v_c.astype(np.float64)
    text = label(impl, "grad_U")
    if not np.any(v):
        zero = mismatch(text, np.zeros_like(G), G, t.bounds.grad_U)
        if zero.detail:
            raise LawViolation(me, case, zero.detail + ZERO_V_C)
        return zero.ratio
    c, c_tol = _row_coefficients(G, v, t.bounds.grad_U)
    off = mismatch(f"{text} minus its projection onto v_c", np.zeros_like(G), G - np.outer(c, v), t.bounds.grad_U)
    if off.detail:
        raise LawViolation(me, case, off.detail, hint="a row that is not parallel to v_c: was u_w or u_o used "
                           "where v_c belongs, or a transpose mixed up?")
    sign = np.ones(case.W)
    sign[case.o] = -1.0
    true_c = t.y_hat.copy()
    true_c[case.o] -= 1.0
    # the sign must be right, and strictly so where the true coefficient is clearly away from 0:
    # an all-zero gradient has "c_w ≥ 0" but not the ŷ_w > 0 that every ordinary case has
    clearly = np.abs(true_c) > tolerances.CLEARLY_SIGNED_FACTOR * c_tol
    wrong = (sign * c < -c_tol) | (clearly & ~(sign * c > 0))
    if wrong.any():
        w = int(np.flatnonzero(wrong)[0])
        if not clearly[w]:  # e.g. W = 1: ŷ_o = 1, so the target's coefficient ŷ_o - 1 is exactly 0
            expected = f"{true_c[w]:.3g} (ŷ_o - 1{' = 0, since with W = 1 ŷ_o = 1' if case.W == 1 else ''})" \
                if w == case.o else f"{true_c[w]:.3g} (ŷ_w)"
        else:
            expected = "< 0 (ŷ_o - 1)" if w == case.o else "> 0 (ŷ_w)"
        raise LawViolation(
            me, case, WRONG_SIGN.format(w=w, label=text, c=c[w], expected=expected),
            hint="the target's coefficient ŷ_o - 1 is negative and every other ŷ_w positive: a flipped sign, "
            "a missing -y (eq. 22), or rows left at zero" if w == case.o or sign[w] > 0 else "",
        )
    return off.ratio


@law(
    name="row-sum",
    title="the rows of dCE/dU sum to zero",
    equations=(20, 21),
    why="Σ_w ŷ_w = Σ_w y_w = 1, so Σ_w (ŷ_w - y_w) v_c = 0",
    hint="you returned ŷ v_cᵀ and forgot to subtract the one-hot y (eq. 22), or filled in only row o",
    weight=10,
    strategy=single(strategies.cases()),
    examples=PINNED,
    rejects=rejecting(mismatch_finding(f"Row sum of {G}", 1, expected="0"),
                      m.missing_minus_y, m.only_row_o, m.sigmoid_instead_of_softmax, m.large_vocabulary_shortcut),
)
def row_sum(impl: Implementation, case: Case) -> float:
    me = this("row-sum")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    tol = truth(case).bounds.grad_U.sum(axis=0)
    found = mismatch(f"Row sum of {label(impl, 'grad_U')}", np.zeros(case.d), G.sum(axis=0), tol)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    return found.ratio


@law(
    name="matches-eq-23",
    title="dCE/dU equals (ŷ - y) v_cᵀ with the one-hot y of the target (the index form = the vector form)",
    equations=(23, 24),
    why="eq. (23) is the vector form (ŷ - y) v_cᵀ; with y = e_o it is eq. (24), row o (ŷ_o - 1) v_c, "
    "every other row ŷ_w v_c",
    hint="compare your rows with eq. (24): the softmax ŷ = softmax(U v_c), the target's row gets -v_c",
    weight=10,
    strategy=single(strategies.cases()),
    examples=PINNED,
    rejects=rejecting(mismatch_finding(G, 2), m.off_by_one_target, m.off_by_one_target_above,
                      m.mean_over_vocabulary, m.finite_difference_gradient, m.hard_coded_sanity_check,
                      m.missing_minus_y, m.large_vocabulary_shortcut),
)
def matches_eq_23(impl: Implementation, case: Case) -> float:
    me = this("matches-eq-23")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    t = truth(case)
    found = mismatch(label(impl, "grad_U"), t.grad_U, G, t.bounds.grad_U)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    return found.ratio


RENUMBERING = "Renumbering: new row i is old row {permutation}[i], so the target o={old} becomes o={new}"


@law(
    name="relabelling",
    title="renumbering the vocabulary renumbers the rows of dCE/dU, and nothing else",
    equations=(2, 3),
    why="row w of eq. (3) depends on word w only through u_w and whether w = o; the order of the words "
    "is arbitrary",
    hint="the target row was chosen by position rather than by o (an off-by-one index, or a fixed row)",
    weight=5,
    # W ≤ 300: a permutation is drawn element by element, and shrinking one of 2000 words is slow
    strategy=lambda: strategies.cases(max_vocab=300).flatmap(
        lambda case: st.tuples(st.just(case), strategies.permutations_of(case.W))),
    examples=((strategies.PINNED[4], np.array([2, 0, 1])),),
    rejects=(Rejection(m.target_row_fixed_at_0, mismatch_finding(f"{G} of the renumbered vocabulary", 2)
                       + r"\nRenumbering: new row i is old row \[[\d, ]+\]\[i\], so the target o=\d+ becomes o=\d+$"),),
)
def relabelling(impl: Implementation, case: Case, permutation: np.ndarray) -> float:
    me = this("relabelling")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    new_o = int(np.flatnonzero(permutation == case.o)[0])
    renamed = Case(case.U[permutation].copy(), case.v_c, new_o)
    G2 = output(me, impl, call(me, impl, renamed), "grad_U", renamed)
    tol = tolerances.INVARIANCE_FACTOR * truth(case).bounds.grad_U[permutation]
    found = mismatch(f"{label(impl, 'grad_U')} of the renumbered vocabulary", G[permutation], G2, tol)
    if found.detail:
        raise LawViolation(me, case, found.detail, note=RENUMBERING.format(
            permutation=permutation.tolist(), old=case.o, new=new_o))
    return found.ratio


@law(
    name="shift-invariance",
    title="adding the same vector to every u_w leaves dCE/dU unchanged",
    equations=(6,),
    why="every logit moves by the same a·v_c, and the softmax (eq. 6's log-sum-exp) is shift-invariant, "
    "so ŷ and (ŷ - y) v_cᵀ do not change",
    hint="the gradient uses u_w or u_o itself somewhere where only ŷ and v_c belong",
    weight=5,
    strategy=lambda: strategies.cases(dtypes=st.just(np.dtype(np.float64)), max_vocab=400).flatmap(
        lambda case: st.tuples(st.just(case), strategies.shift_vectors(case.d))),
    examples=((strategies.PINNED[4], np.array([1.0, -2.0])),),
    rejects=(Rejection(m.u_w_instead_of_v_c, mismatch_finding(
        rf"{G} after adding a=\[{FINITE}(?:, {FINITE})*\] to every row of U", 2, label_is_regex=True)),),
)
def shift_invariance(impl: Implementation, case: Case, shift: np.ndarray) -> float:
    me = this("shift-invariance")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    shifted = Case(case.U + shift, case.v_c, case.o)
    G2 = output(me, impl, call(me, impl, shifted), "grad_U", shifted)
    tol = truth(case).bounds.grad_U + truth(shifted).bounds.grad_U
    found = mismatch(f"{label(impl, 'grad_U')} after adding a={shift.tolist()} to every row of U", G, G2, tol)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    return found.ratio


BY_LABEL = "grad_U_from_label(U, v_c, y)"
BY_INDEX = "Σ_o y_o · dCE/dU(o)"


@law(
    name="soft-labels",
    title="for any label vector y ≥ 0 the gradient is (ŷ Σy - y) v_cᵀ, linear in y",
    equations=(19, 20),
    why="-Σ_w y_w log ŷ_w is linear in y, and ∂/∂u_w of -log ŷ_i is (ŷ_w - [w = i]) v_c; summing with "
    "weights y_i gives (ŷ_w Σy - y_w) v_c, which is eq. (22) only when Σy = 1",
    hint="eq. (20) keeps the factor Σ_n y_n; dropping it (eq. 21) is right only for one-hot y",
    weight=5,
    strategy=lambda: strategies.cases(max_vocab=12, max_dim=8).flatmap(
        lambda case: st.tuples(st.just(case), strategies.label_vectors(case.W))),
    examples=((strategies.PINNED[4], np.array([0.5, 2.0, 0.0])),),
    cost=4.0,
    rejects=(Rejection(m.soft_labels_without_sum, mismatch_finding(BY_LABEL, 2)
                       + rf"\nLabel vector y = \[[^\]]*\] \(Σy = {FINITE}\)$"),),
)
def soft_labels(impl: Implementation, case: Case, y: np.ndarray) -> float:
    me = this("soft-labels")
    U, v = case.U.astype(np.float64), case.v_c.astype(np.float64)
    expected = reference.grad_U_from_label(U, v, y)
    tol = np.zeros_like(expected)
    for o in np.flatnonzero(y):
        tol += y[o] * truth(Case(case.U, case.v_c, int(o))).bounds.grad_U
    if impl.grad_U_from_label is not None:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            received = np.asarray(impl.grad_U_from_label(case.U.copy(), case.v_c.copy(), y.copy()), dtype=np.float64)
        source = BY_LABEL
    else:  # index form only: linearity means the weighted sum of the one-hot gradients
        received = np.zeros_like(expected)
        for o in np.flatnonzero(y):
            single = Case(case.U, case.v_c, int(o))
            received += y[o] * output(me, impl, call(me, impl, single), "grad_U", single)
        source = BY_INDEX
    if received.shape != expected.shape:
        raise LawViolation(me, case, f"{source}: expected shape {expected.shape}, got {received.shape}")
    found = mismatch(source, expected, received, tolerances.LINEAR_COMBINATION_FACTOR * tol)
    if found.detail:
        raise LawViolation(me, case, found.detail, note=f"Label vector y = {y.tolist()} (Σy = {y.sum():.6g})")
    return found.ratio


@law(
    name="autograd",
    title="dCE/dU agrees with HIPS autograd's derivative of the loss",
    equations=(1,),
    why="reverse-mode automatic differentiation of CE = logsumexp(U v_c) - u_oᵀv_c is exact up to rounding",
    hint="the derivation went wrong somewhere between eq. (1) and eq. (24); the other laws narrow it down",
    weight=10,
    strategy=single(strategies.cases(max_vocab=500)),
    examples=PINNED,
    rejects=rejecting(mismatch_finding(f"{G} against autograd", 2), m.mean_over_vocabulary),
)
def agrees_with_autograd(impl: Implementation, case: Case) -> float:
    me = this("autograd")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    found = mismatch(f"{label(impl, 'grad_U')} against autograd",
                     oracles.autograd_grad_U(case.U, case.v_c, case.o), G, truth(case).bounds.grad_U)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    return found.ratio


@law(
    name="finite-differences",
    title="dCE/dU agrees with central finite differences of the loss",
    equations=(1,),
    why="(CE(U + hE) - CE(U - hE)) / 2h approaches each entry of dCE/dU as h → 0; the step and the "
    "tolerance balance truncation against rounding (properties/tolerances.py)",
    hint="the derivation went wrong somewhere between eq. (1) and eq. (24); the other laws narrow it down",
    weight=5,
    strategy=single(strategies.fd_cases()),
    examples=((strategies.PINNED[1],), (strategies.PINNED[4],)),
    cost=2.0,
    rejects=rejecting(mismatch_finding(f"{G} against finite differences", 2), m.sign_flip),
)
def agrees_with_finite_differences(impl: Implementation, case: Case) -> float:
    me = this("finite-differences")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    numeric = oracles.finite_difference_grad_U(case.U, case.v_c, case.o)
    found = mismatch(f"{label(impl, 'grad_U')} against finite differences", numeric, G,
                     tolerances.FD_ATOL + truth(case).bounds.grad_U)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    return found.ratio

