"""Laws of the other outputs: dCE/dv_c, the loss, and every output on logits beyond exp's range."""

from __future__ import annotations

import numpy as np

from properties import mistakes as m
from properties import strategies
from properties.case import Case
from properties.compare import FINITE, Truth, loss_acceptable, loss_has_no_float_value, mismatch, mismatch_finding, truth
from properties.implementation import LABELS, Implementation
from properties.laws._common import PINNED, G, law, single, this
from properties.registry import Law, LawViolation, Rejection, SubmissionCrashed, call, label, output, rejecting


@law(
    name="grad-v-c",
    title="dCE/dv_c equals Uᵀ (ŷ - y)",
    equations=(),
    why="z = U v_c, so dCE/dv_c = Uᵀ dCE/dz = Uᵀ (ŷ - y): the companion of dCE/dU = (ŷ - y) v_cᵀ",
    hint="dCE/dv_c is Uᵀ(ŷ - y) = Σ_w ŷ_w u_w - u_o: check the sign and that the whole of U is used",
    basis="chain rule, z = U v_c",
    weight=10,
    strategy=single(strategies.cases()),
    examples=PINNED,
    needs=frozenset({"grad_v_c"}),
    rejects=rejecting(mismatch_finding(LABELS["grad_v_c"], 1), m.grad_v_c_sign_flip, m.grad_v_c_only_target,
                      m.grad_v_c_mean_over_vocabulary),
)
def grad_v_c_law(impl: Implementation, case: Case) -> float:
    me = this("grad-v-c")
    g = output(me, impl, call(me, impl, case), "grad_v_c", case)
    t = truth(case)
    found = mismatch(label(impl, "grad_v_c"), t.grad_v_c, g, t.bounds.grad_v_c)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    return found.ratio


def _check_loss(me: Law, impl: Implementation, loss_output: np.ndarray, case: Case, t: Truth) -> float:
    loss = float(loss_output)
    found = mismatch(label(impl, "loss"), np.asarray(t.loss), np.asarray(loss), t.bounds.loss)
    if loss_acceptable(loss, t):  # beyond loss_graded_below the loss is not graded: nothing to climb
        return found.ratio if t.loss < t.loss_graded_below else 0.0
    raise LawViolation(me, case, found.detail or f"{label(impl, 'loss')}: {loss!r} is not accepted here")


@law(
    name="loss-value",
    title="the loss equals CE = -log ŷ_o = logsumexp(U v_c) - u_oᵀv_c",
    equations=(1,),
    why="with one-hot y, -Σ_w y_w log ŷ_w keeps only the target's term -log ŷ_o",
    hint="the loss is -log of the target's probability: check the index o and the minus sign",
    weight=5,
    strategy=single(strategies.cases()),
    examples=PINNED,
    needs=frozenset({"loss"}),
    rejects=rejecting(mismatch_finding(LABELS["loss"], 0), m.loss_missing_minus),
)
def loss_value(impl: Implementation, case: Case) -> float:
    me = this("loss-value")
    t = truth(case)
    try:
        outputs = call(me, impl, case)
    except SubmissionCrashed as crash:
        if loss_has_no_float_value(crash.__cause__, t):
            return 0.0
        raise
    return _check_loss(me, impl, output(me, impl, outputs, "loss", case), case, t)


@law(
    name="robustness",
    title="the outputs stay right for logits beyond exp's range (|z| > 709.8, gaps > 745)",
    equations=(11,),
    why="softmax is shift-invariant: exp(z_w - max z) / Σ exp(z_m - max z) is eq. (11)'s ŷ_w without "
    "overflow, and the true gradient is perfectly representable there",
    hint="subtract max(z) before exp in the softmax (and compute the loss as logsumexp(z) - z_o)",
    weight=10,
    strategy=single(strategies.extreme_logit_cases()),
    examples=tuple((case,) for case in strategies.PINNED_EXTREME),
    rejects=(
        *rejecting(mismatch_finding(G, 2, received="nan"), m.no_max_shift, m.mean_shift_softmax),
        # clipping leaves ŷ nearly right but caps the loss at about the clip's spread
        Rejection(m.clipped_logits, mismatch_finding(LABELS["loss"], 0, received=FINITE)),
    ),
)
def robustness(impl: Implementation, case: Case) -> float:
    me = this("robustness")
    t = truth(case)
    try:
        outputs = call(me, impl, case)
    except SubmissionCrashed as crash:
        if loss_has_no_float_value(crash.__cause__, t):
            return 0.0
        raise
    G = output(me, impl, outputs, "grad_U", case)
    found = mismatch(label(impl, "grad_U"), t.grad_U, G, t.bounds.grad_U)
    if found.detail:
        raise LawViolation(me, case, found.detail)
    ratios = [found.ratio]
    if "grad_v_c" in impl.provides:
        g = output(me, impl, outputs, "grad_v_c", case)
        found = mismatch(label(impl, "grad_v_c"), t.grad_v_c, g, t.bounds.grad_v_c)
        if found.detail:
            raise LawViolation(me, case, found.detail)
        ratios.append(found.ratio)
    if "loss" in impl.provides:
        ratios.append(_check_loss(me, impl, output(me, impl, outputs, "loss", case), case, t))
    return max(ratios)

