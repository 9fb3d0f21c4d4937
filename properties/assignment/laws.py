"""The laws of negative sampling and of the skip-gram window (docs/negative-sampling.md, eqs. (25)-(39)).

Plain functions of an implementation under test (:mod:`properties.assignment.implementation`) and
a case, as in :mod:`properties.laws`, whose ``Law``, ``LawViolation`` and comparison they share: a law
calls the implementation on fresh copies, compares with the float64 reference, and raises a
``LawViolation`` that names the law, its equation, why it holds, the smallest case, expected against
received at the worst entry and the likely mistake; otherwise it returns its worst error as a
multiple of the tolerance.  ``NEG_SAMPLING`` and ``WINDOW`` are the two registries
(:class:`properties.registry.Registry`, as for the naive softmax); each law names in ``rejects=`` the
mistakes (:mod:`properties.assignment.mistakes`) it must reject and a regular expression of the
finding it reports for each.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

import reference
from properties import laws as softmax_laws
from properties import tolerances
from properties.assignment import mistakes as m
from properties.assignment import oracles
from properties.assignment import strategies as s
from properties.assignment.implementation import NS_LABELS, WINDOW_LABELS
from properties.assignment.strategies import NegSamplingCase, WindowCase
from properties.grader.conventions import CONVENTIONS
from properties.implementation import ImplementationFatal, Unusable
from properties.mistakes import Mistake
from properties.registry import FatalOnCase, Law, LawViolation, Registry, SubmissionCrashed, rejecting

CRASH_HINT = "the function must return for every valid input, including d = 1, v_c = 0 and K = 1"


# ---------------------------------------------------------------------------------------------
# Calling an implementation and reading its outputs


def _label(impl: Any, name: str, default: Mapping[str, str]) -> str:
    return str(impl.labels.get(name, default[name]))


def _violation(law: Law, case: Any, detail: str, hint: str = "", note: str = "") -> LawViolation:
    """A LawViolation on one of this module's cases (they describe themselves like a Case)."""
    return LawViolation(law, case, detail, hint=hint, note=note)


def _call(law: Law, case: Any, run: Callable[[], Any]) -> Any:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # overflow warnings are the student's business
            return run()
    except ImplementationFatal as fatal:
        raise FatalOnCase(law, case, fatal) from fatal
    except Exception as error:  # whatever the code under test raises is the student's to see
        raise SubmissionCrashed(law, case, f"Your function raised {type(error).__name__}: {error}",
                                hint=CRASH_HINT) from error


def call_ns(law: Law, impl: Any, case: NegSamplingCase) -> Any:
    """impl(U, v_c, o, draws, K) on fresh copies."""
    return _call(law, case, lambda: impl(case.U.copy(), case.v_c.copy(), case.o, case.draws, case.K))


def call_window(law: Law, impl: Any, case: WindowCase) -> Any:
    """impl(V, U, c, outside, negatives) on fresh copies."""
    return _call(law, case, lambda: impl(case.V.copy(), case.U.copy(), case.c, case.outside, case.negatives))


def _shape(name: str, case: Any) -> tuple[int, ...]:
    return {"loss": (), "grad_v_c": (case.d,), "grad_U": (case.W, case.d), "grad_V": (case.W, case.d)}[name]


def output(law: Law, impl: Any, outputs: Any, name: str, case: Any, labels: Mapping[str, str]) -> np.ndarray:
    """The named output as float64 of the expected shape, or a violation saying why it is not."""
    value = outputs.get(name)
    text = _label(impl, name, labels)
    if value is None:
        raise _violation(law, case, f"{text}: nothing was returned for it")
    if isinstance(value, Unusable):
        raise _violation(law, case, f"{text}: expected a numpy.ndarray of floats, got {value.reason}",
                           hint="return a plain numpy array (np.ndarray) of floats")
    shape = _shape(name, case)
    if name == "loss":
        if value.size != 1:
            raise _violation(law, case, f"{text}: expected a scalar, got an array of shape {value.shape}")
        return value.astype(np.float64).reshape(())
    array = softmax_laws.reshaped(value, shape)
    if array is None:
        hint = "you returned the transpose: one row per word, shape (W, d)" if value.shape == shape[::-1] else ""
        raise _violation(law, case, f"{text}: expected shape {shape}, got {value.shape}", hint=hint)
    return array.astype(np.float64)


def compare(law: Law, case: Any, text: str, expected: np.ndarray, received: np.ndarray,
            tol: np.ndarray | float, hint: str = "", note: str = "") -> float:
    """Raise a violation naming the worst entry, unless |received - expected| ≤ tol everywhere."""
    found = softmax_laws.mismatch(text, expected, received, tol)
    if found.detail:
        raise _violation(law, case, found.detail, hint=hint, note=note)
    return found.ratio


# ---------------------------------------------------------------------------------------------
# The truth of a case, from the reference in float64


@dataclass(frozen=True)
class NegSamplingTruth:
    loss: float
    grad_v_c: np.ndarray
    grad_U: np.ndarray
    coefficients: np.ndarray  # c (W,): dJ/dU = c v_cᵀ
    bounds: tolerances.WordBounds
    largest_term: float  # max_i -log σ(∓z_i): beyond LOSS_GRADED_BELOW the loss is not graded


def ns_truth(case: NegSamplingCase) -> NegSamplingTruth:
    U, v = case.U.astype(np.float64), case.v_c.astype(np.float64)
    negatives = np.asarray(case.negatives, dtype=np.intp)
    loss, g_v, g_U = reference.neg_sampling(U, v, case.o, negatives)
    c = np.zeros(case.W)
    c[case.o] = -reference.sigmoid(-(U[case.o] @ v))
    np.add.at(c, negatives, reference.sigmoid(U[negatives] @ v))
    terms = np.concatenate([[-reference.log_sigmoid(U[case.o] @ v)], -reference.log_sigmoid(-(U[negatives] @ v))])
    return NegSamplingTruth(loss, g_v, g_U, c, tolerances.neg_sampling_bounds(case.U, case.v_c, case.o, negatives),
                            float(terms.max()))


def ns_loss_acceptable(loss: float, t: NegSamplingTruth) -> bool:
    """As for the naive softmax (properties.laws.loss_acceptable): graded while every σ in eq. (27) is
    a normal float64; where one underflows (its term ≥ 708.4), +inf or any value from the floor up."""
    if t.largest_term >= tolerances.LOSS_GRADED_BELOW and (
            loss == np.inf or tolerances.UNGRADED_LOSS_FLOOR <= loss <= t.loss + t.bounds.loss):
        return True
    return bool(abs(loss - t.loss) <= t.bounds.loss)


@dataclass(frozen=True)
class WindowTruth:
    loss: float
    grad_V: np.ndarray
    grad_U: np.ndarray
    word_losses: tuple[float, ...]
    bounds: tolerances.WordBounds  # grad_v_c is the bound of row c of dJ/dV


def window_truth(case: WindowCase) -> WindowTruth:
    V, U = case.V.astype(np.float64), case.U.astype(np.float64)
    v_c = V[case.c]
    terms = []
    for j, o in enumerate(case.outside):
        if case.negatives is None:
            loss, g_v, g_U = reference.loss(U, v_c, o), reference.grad_v_c(U, v_c, o), reference.grad_U(U, v_c, o)
            y = np.zeros(case.W)
            y[o] = 1.0
            b = tolerances.bounds(case.U, case.V[case.c], y, reference.softmax(U @ v_c), loss)
            word = tolerances.WordBounds(loss=b.loss, grad_v_c=b.grad_v_c, grad_U=b.grad_U)
        else:
            negatives = np.asarray(case.negatives[j], dtype=np.intp)
            loss, g_v, g_U = reference.neg_sampling(U, v_c, o, negatives)
            word = tolerances.neg_sampling_bounds(case.U, case.V[case.c], o, negatives)
        terms.append((word, loss, g_v, g_U))
    loss, grad_V, grad_U = reference.skipgram(V, U, case.c, case.outside, case.negatives)
    return WindowTruth(loss, grad_V, grad_U, tuple(t[1] for t in terms), tolerances.window_bounds(case.U.dtype, terms))


# ---------------------------------------------------------------------------------------------
# The registries


NEG_SAMPLING = Registry()
WINDOW = Registry()


def get(name: str) -> Law:
    """The law ``name`` of either registry."""
    for registry in (NEG_SAMPLING, WINDOW):
        try:
            return registry.get(name)
        except KeyError:
            pass
    raise KeyError(f"no law named {name!r}; the laws are {', '.join(law.name for law in all_laws())}")


def all_laws() -> tuple[Law, ...]:
    return (*NEG_SAMPLING.laws, *WINDOW.laws)


def rejecting_laws(mistake: Mistake) -> tuple[Law, ...]:
    """The laws that name ``mistake`` among those they must reject."""
    return (*NEG_SAMPLING.rejecting(mistake), *WINDOW.rejecting(mistake))


def _single(strategy: st.SearchStrategy[Any]) -> Callable[[], st.SearchStrategy[tuple[Any, ...]]]:
    return lambda: strategy.map(lambda case: (case,))


_NS_PINNED = tuple((case,) for case in s.PINNED_NS)
_WINDOW_PINNED = tuple((case,) for case in s.PINNED_WINDOWS)
NS_OUTPUTS = frozenset({"loss", "grad_v_c", "grad_U"})
WINDOW_OUTPUTS = frozenset({"loss", "grad_V", "grad_U"})

# ---------------------------------------------------------------------------------------------
# Negative sampling



def _any_label(slot: str, default: Mapping[str, str]) -> str:
    """A regex of every name the output ``slot`` goes by: ours, and each convention's (the findings
    below hold whichever convention the implementation was called in)."""
    names = {default[slot], *(c.labels[slot] for c in CONVENTIONS.values() if slot in c.labels)}
    return "(?:" + "|".join(sorted(re.escape(n) for n in names)) + ")"


_GRAD_U, _GRAD_V_C = _any_label("grad_U", NS_LABELS), _any_label("grad_v_c", NS_LABELS)
_LOSS = rf"^{_any_label('loss', NS_LABELS)}: value: expected"
_GRAD_V_C_ENTRIES = rf"^{_GRAD_V_C}: \d+ of \d+ entries differ"
_STRAY_ROWS = r"^Rows? [\d, .]+ of .+ (?:is|are) not zero"
_ROW = r"^Row \d+ of .+ is -?[\d.e+-]+·v_c; its coefficient should be"


@NEG_SAMPLING.law(
    rejects=rejecting(_LOSS, m.loss_sign_flipped, m.loss_last_negative_only),
    name="ns-loss-value",
    title="the loss equals J = -log σ(u_oᵀv_c) - Σ_k log σ(-u_kᵀv_c), one term per draw",
    equations=(27, 28),
    why="each of the K draws adds its own -log σ(-u_kᵀv_c) ≥ 0; the target adds -log σ(u_oᵀv_c) ≥ 0",
    hint="J is minus the log-likelihood: -log σ(z_o) for the target and -log σ(-z_k) for each negative, summed",
    weight=5,
    strategy=_single(s.neg_sampling_cases()),
    examples=_NS_PINNED,
    needs=frozenset({"loss"}),
)
def ns_loss_value(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-loss-value")
    t = ns_truth(case)
    loss = float(output(me, impl, call_ns(me, impl, case), "loss", case, NS_LABELS))
    if ns_loss_acceptable(loss, t):
        return 0.0
    return compare(me, case, _label(impl, "loss", NS_LABELS), np.asarray(t.loss), np.asarray(loss), t.bounds.loss)


@NEG_SAMPLING.law(
    rejects=rejecting(_GRAD_V_C_ENTRIES, m.grad_v_c_u_o_for_negatives, m.grad_v_c_missing_target),
    name="ns-grad-v-c",
    title="dJ/dv_c equals -σ(-u_oᵀv_c) u_o + Σ_k σ(u_kᵀv_c) u_k",
    equations=(29,),
    why="d/dx log σ(x) = σ(-x) (eq. 26) and ∂(u_wᵀv_c)/∂v_c = u_w, term by term over eq. (27)",
    hint="the target contributes -σ(-z_o) u_o = (σ(z_o) - 1) u_o and each draw k its own σ(z_k) u_k",
    weight=10,
    strategy=_single(s.neg_sampling_cases()),
    examples=_NS_PINNED,
    needs=frozenset({"grad_v_c"}),
)
def ns_grad_v_c(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-grad-v-c")
    g = output(me, impl, call_ns(me, impl, case), "grad_v_c", case, NS_LABELS)
    t = ns_truth(case)
    return compare(me, case, _label(impl, "grad_v_c", NS_LABELS), t.grad_v_c, g, t.bounds.grad_v_c)


@NEG_SAMPLING.law(
    rejects=(*rejecting(_STRAY_ROWS, m.gradient_over_whole_vocabulary),
             *rejecting(r"^Row \d+ of .+ is zero, although it (?:is o|was drawn)", m.outside_gradient_left_at_zero)),
    name="ns-untouched-rows",
    title="the rows of dJ/dU of words that are neither o nor drawn are zero",
    equations=(32,),
    why="J depends on u_w only if w = o or w was drawn as a negative; every other row of U is not in eq. (27)",
    hint="only the K + 1 rows of the sample get a gradient: σ(z_w) v_c for all W words is the naive softmax's "
    "pattern, not negative sampling's",
    weight=10,
    strategy=_single(s.neg_sampling_cases()),
    examples=_NS_PINNED,
)
def ns_untouched_rows(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-untouched-rows")
    G = output(me, impl, call_ns(me, impl, case), "grad_U", case, NS_LABELS)
    touched = np.zeros(case.W, dtype=bool)
    touched[[case.o, *case.negatives]] = True
    stray = np.flatnonzero(~touched & np.any(G != 0.0, axis=1))
    if stray.size:
        rows = ", ".join(str(int(w)) for w in stray[:8]) + (", ..." if stray.size > 8 else "")
        verb = "is" if stray.size == 1 else "are"
        raise _violation(me, case, f"Row{'s' if stray.size > 1 else ''} {rows} of {_label(impl, 'grad_U', NS_LABELS)} "
                           f"{verb} not zero, although {'it is' if stray.size == 1 else 'they are'} neither o = {case.o} "
                           f"nor drawn (e.g. row {int(stray[0])} = {G[stray[0]].tolist()[:6]})")
    # and the rows that must move do: an all-zero gradient has no stray row, but not the sample's rows either
    t = ns_truth(case)
    silent = np.flatnonzero(touched & np.any(np.abs(t.grad_U) > 2.0 * t.bounds.grad_U, axis=1) & ~np.any(G != 0.0, axis=1))
    if silent.size:
        w = int(silent[0])
        raise _violation(me, case, f"Row {w} of {_label(impl, 'grad_U', NS_LABELS)} is zero, although "
                         f"{'it is o' if w == case.o else 'it was drawn'}: expected {t.grad_U[w].tolist()[:6]}")
    return 0.0


@NEG_SAMPLING.law(
    rejects=rejecting(r"^Row \d+ of .+, a negative drawn \d+ times", m.fancy_index_drops_repeats),
    name="ns-repeated-draws",
    title="a negative drawn m times contributes m σ(u_kᵀv_c) v_c to its row of dJ/dU",
    equations=(27, 31),
    why="every draw is its own term -log σ(-u_kᵀv_c) of eq. (27), so a word drawn twice is pushed away twice",
    hint="grad[negatives] += ... with a fancy index adds a repeated index only once; use np.add.at(grad, "
    "negatives, ...) or a loop over k",
    weight=10,
    strategy=_single(s.repeated_negative_cases()),
    examples=((s.PINNED_NS[2],), (s.PINNED_NS[3],)),
)
def ns_repeated_negatives(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-repeated-draws")
    G = output(me, impl, call_ns(me, impl, case), "grad_U", case, NS_LABELS)
    t = ns_truth(case)
    counts = np.bincount(np.asarray(case.negatives, dtype=np.intp), minlength=case.W)
    worst = 0.0
    v = case.v_c.astype(np.float64)
    for w in np.flatnonzero(counts >= 2):
        once = reference.sigmoid(case.U[w].astype(np.float64) @ v) * v
        detail = softmax_laws.mismatch(f"Row {w} of {_label(impl, 'grad_U', NS_LABELS)}, a negative drawn {counts[w]} "
                                       "times", t.grad_U[w], G[w], t.bounds.grad_U[w]).detail
        if detail:
            scale = float(np.abs(once).max())
            times = (f" (that is {float(G[w] @ once) / float(once @ once):.3g} × one draw's σ(z_k) v_c, not "
                     f"{counts[w]} ×)") if scale > 0 else ""
            raise _violation(me, case, detail + times)
        worst = max(worst, softmax_laws.mismatch("", t.grad_U[w], G[w], t.bounds.grad_U[w]).ratio)
    return worst


@NEG_SAMPLING.law(
    rejects=rejecting(_ROW, m.target_missing_minus_one, m.negative_term_sign_flipped),
    name="ns-signs",
    title="every row of dJ/dU is c_w v_c with c_o = -σ(-z_o) < 0 and c_k = m_k σ(z_k) > 0 for a negative",
    equations=(30, 31, 34),
    why="0 < σ < 1: the target is pulled towards v_c (descent on u_o adds σ(-z_o) v_c) and every drawn word "
    "pushed away",
    hint="the target's coefficient is σ(z_o) - 1 < 0 and a negative's σ(z_k) > 0: a dropped -1 or a flipped "
    "sign of the negative term",
    weight=10,
    strategy=_single(s.neg_sampling_cases()),
    examples=_NS_PINNED,
)
def ns_signs(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-signs")
    G = output(me, impl, call_ns(me, impl, case), "grad_U", case, NS_LABELS)
    t = ns_truth(case)
    v = case.v_c.astype(np.float64)
    text = _label(impl, "grad_U", NS_LABELS)
    if not np.any(v):
        return compare(me, case, text, np.zeros_like(G), G, t.bounds.grad_U, note="(with v_c = 0 every row is 0)")
    scale = float(np.abs(v).max())
    unit = v / scale
    norm2 = float(unit @ unit)
    coeff, coeff_tol = (G @ unit) / norm2 / scale, (t.bounds.grad_U @ np.abs(unit)) / norm2 / scale
    compare(me, case, f"{text} minus its projection onto v_c", np.zeros_like(G), G - np.outer(coeff, v),
            t.bounds.grad_U, hint="a row that is not parallel to v_c: was u_w or u_o used where v_c belongs?")
    clearly = np.abs(t.coefficients) > 2.0 * coeff_tol
    sign = np.sign(t.coefficients)
    wrong = clearly & ~(sign * coeff > 0)
    if wrong.any():
        w = int(np.flatnonzero(wrong)[0])
        expected = "< 0 (-σ(-z_o), the target)" if w == case.o else "> 0 (σ(z_k) per draw of this negative)"
        raise _violation(me, case, f"Row {w} of {text} is {coeff[w]:.6g}·v_c; its coefficient should be {expected}")
    return 0.0


_ENTRIES = rf"^{_GRAD_U}: \d+ of \d+ entries differ"


@NEG_SAMPLING.law(
    rejects=rejecting(_ENTRIES, m.sigmoid_swapped, m.last_negative_only, m.mean_over_negatives),
    name="ns-matches-eq-30-31",
    title="dJ/dU has row o = -σ(-z_o) v_c, row k = m_k σ(z_k) v_c for each drawn k, and 0 elsewhere",
    equations=(30, 31, 32),
    why="∂/∂u_w of eq. (27) term by term, with d/dx log σ(±x) = ±σ(∓x) (eq. 26)",
    hint="compare your rows with eqs. (30)-(31): σ(z_k), not σ(-z_k), for a negative; one term per draw, summed",
    weight=10,
    strategy=_single(s.neg_sampling_cases()),
    examples=_NS_PINNED,
)
def ns_matches_eq_30_31(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-matches-eq-30-31")
    G = output(me, impl, call_ns(me, impl, case), "grad_U", case, NS_LABELS)
    t = ns_truth(case)
    return compare(me, case, _label(impl, "grad_U", NS_LABELS), t.grad_U, G, t.bounds.grad_U)


def _both_gradients(me: Law, impl: Any, case: NegSamplingCase) -> tuple[np.ndarray | None, np.ndarray]:
    outputs = call_ns(me, impl, case)
    g = output(me, impl, outputs, "grad_v_c", case, NS_LABELS) if "grad_v_c" in impl.provides else None
    return g, output(me, impl, outputs, "grad_U", case, NS_LABELS)


@NEG_SAMPLING.law(
    rejects=rejecting(r"against autograd", m.mean_over_negatives, m.sigmoid_swapped),
    name="ns-autograd",
    title="dJ/dU and dJ/dv_c agree with HIPS autograd's derivatives of J",
    equations=(27,),
    why="reverse-mode automatic differentiation of eq. (27), written as a loop over the draws, is exact up to "
    "rounding",
    hint="the derivation went wrong between eq. (27) and eqs. (29)-(31); the other laws narrow it down",
    weight=10,
    strategy=_single(s.neg_sampling_cases(max_vocab=100)),
    examples=_NS_PINNED,
)
def ns_autograd(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-autograd")
    g, G = _both_gradients(me, impl, case)
    t = ns_truth(case)
    auto_v, auto_U = oracles.autograd_neg_sampling(case.U, case.v_c, case.o, case.negatives)
    worst = compare(me, case, f"{_label(impl, 'grad_U', NS_LABELS)} against autograd", auto_U, G, t.bounds.grad_U)
    if g is not None:
        worst = max(worst, compare(me, case, f"{_label(impl, 'grad_v_c', NS_LABELS)} against autograd", auto_v, g,
                                   t.bounds.grad_v_c))
    return worst


@NEG_SAMPLING.law(
    rejects=rejecting(r"against finite differences", m.negative_term_sign_flipped, m.last_negative_only),
    name="ns-finite-difference",
    title="dJ/dU and dJ/dv_c agree with central finite differences of J",
    equations=(27,),
    why="(J(x + h) - J(x - h)) / 2h approaches each partial derivative; the step and tolerance balance truncation "
    "against rounding (properties/tolerances.py)",
    hint="the derivation went wrong between eq. (27) and eqs. (29)-(31); the other laws narrow it down",
    weight=5,
    strategy=_single(s.fd_neg_sampling_cases()),
    examples=((s.PINNED_NS[0],), (s.PINNED_NS[2],)),
    cost=2.0,
)
def ns_finite_differences(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-finite-difference")
    g, G = _both_gradients(me, impl, case)
    t = ns_truth(case)
    fd_v, fd_U = oracles.finite_difference_neg_sampling(case.U, case.v_c, case.o, case.negatives)
    worst = compare(me, case, f"{_label(impl, 'grad_U', NS_LABELS)} against finite differences", fd_U, G,
                    tolerances.NS_FD_ATOL + t.bounds.grad_U)
    if g is not None:
        worst = max(worst, compare(me, case, f"{_label(impl, 'grad_v_c', NS_LABELS)} against finite differences",
                                   fd_v, g, tolerances.NS_FD_ATOL + t.bounds.grad_v_c))
    return worst


@NEG_SAMPLING.law(
    rejects=rejecting(r"received nan", m.log_sigmoid_overflows),
    name="ns-robustness",
    title="the outputs stay right for logits u_wᵀv_c beyond exp's range (|z| > 709.8)",
    equations=(25, 28),
    why="σ(x) = 1/(1 + e^{-x}) for x ≥ 0 and e^{x}/(1 + e^{x}) for x < 0 never overflow, and -log σ(x) = "
    "logaddexp(0, -x) is exact: the true values are representable",
    hint="compute σ without exp of a large positive number, and -log σ(x) as np.logaddexp(0, -x)",
    weight=10,
    strategy=_single(s.extreme_neg_sampling_cases()),
    examples=tuple((case,) for case in s.PINNED_NS_EXTREME),
)
def ns_robustness(impl: Any, case: NegSamplingCase) -> float:
    me = get("ns-robustness")
    outputs = call_ns(me, impl, case)
    t = ns_truth(case)
    worst = compare(me, case, _label(impl, "grad_U", NS_LABELS), t.grad_U,
                    output(me, impl, outputs, "grad_U", case, NS_LABELS), t.bounds.grad_U)
    if "grad_v_c" in impl.provides:
        worst = max(worst, compare(me, case, _label(impl, "grad_v_c", NS_LABELS), t.grad_v_c,
                                   output(me, impl, outputs, "grad_v_c", case, NS_LABELS), t.bounds.grad_v_c))
    if "loss" in impl.provides:
        loss = float(output(me, impl, outputs, "loss", case, NS_LABELS))
        if not ns_loss_acceptable(loss, t):
            compare(me, case, _label(impl, "loss", NS_LABELS), np.asarray(t.loss), np.asarray(loss), t.bounds.loss)
    return worst


# ---------------------------------------------------------------------------------------------
# The skip-gram window

_SUM = r"summed over the window's \d+ outside words"


@WINDOW.law(
    rejects=rejecting(_SUM, m.mean_over_window, m.outside_gradient_overwritten, m.ignores_word_loss_argument,
                      m.loss_of_last_word_only),
    name="sg-sum-of-word-terms",
    title="the loss, dJ/dU and row c of dJ/dV are the sums of the word loss's terms over the outside words",
    equations=(35, 36, 37),
    why="J_sg = Σ_j J(v_c, o_j, U) and differentiation is linear, so each output is the sum of the word loss's "
    "outputs, one per outside word, repeats included",
    hint="accumulate with += over every outside word (a sum, not a mean), calling the word2vecLossAndGradient "
    "you were given",
    weight=15,
    strategy=_single(s.window_cases()),
    examples=_WINDOW_PINNED,
)
def sg_sum_of_word_terms(impl: Any, case: WindowCase) -> float:
    me = get("sg-sum-of-word-terms")
    outputs = call_window(me, impl, case)
    t = window_truth(case)
    m = len(case.outside)
    note = (f"The {m} word losses: {[round(j, 6) for j in t.word_losses]} (J = {case.loss_name}), "
            f"summing to {t.loss:.10g}")
    worst = 0.0
    checks = (("loss", np.asarray(t.loss), t.bounds.loss, lambda x: x),
              ("grad_U", t.grad_U, t.bounds.grad_U, lambda x: x),
              ("grad_V", t.grad_V[case.c], t.bounds.grad_v_c, lambda x: x[case.c]))
    for name, expected, tol, part in checks:
        received = part(output(me, impl, outputs, name, case, WINDOW_LABELS))
        text = _label(impl, name, WINDOW_LABELS) + (f" row c = {case.c}" if name == "grad_V" else "")
        worst = max(worst, compare(me, case, f"{text} summed over the window's {m} outside words", expected,
                                   received, tol, note=note))
    return worst


@WINDOW.law(
    rejects=(*rejecting(_STRAY_ROWS, m.centre_gradient_every_row, m.centre_gradient_on_outside_row),
             *rejecting(r"^Row c = \d+ of .+ is zero too", m.window_stub_returns_zeros)),
    name="sg-centre-row-only",
    title="dJ/dV is zero in every row but the centre word's",
    equations=(38,),
    why="only v_c = V[c] enters J_sg; no other centre vector appears in eq. (35)",
    hint="add each word's gradCenterVec to gradCenterVecs[word2Ind[currentCenterWord]] only",
    weight=10,
    strategy=_single(s.window_cases()),
    examples=_WINDOW_PINNED,
)
def sg_centre_row_only(impl: Any, case: WindowCase) -> float:
    me = get("sg-centre-row-only")
    G = output(me, impl, call_window(me, impl, case), "grad_V", case, WINDOW_LABELS)
    others = np.ones(case.W, dtype=bool)
    others[case.c] = False
    stray = np.flatnonzero(others & np.any(G != 0.0, axis=1))
    if stray.size:
        rows = ", ".join(str(int(w)) for w in stray[:8]) + (", ..." if stray.size > 8 else "")
        verb = "is" if stray.size == 1 else "are"
        raise _violation(me, case, f"Row{'s' if stray.size > 1 else ''} {rows} of "
                           f"{_label(impl, 'grad_V', WINDOW_LABELS)} {verb} not zero; only row c = {case.c} may be "
                           f"(e.g. row {int(stray[0])} = {G[stray[0]].tolist()[:6]})")
    t = window_truth(case)
    if np.any(np.abs(t.grad_V[case.c]) > 2.0 * t.bounds.grad_v_c) and not np.any(G[case.c]):
        raise _violation(me, case, f"Row c = {case.c} of {_label(impl, 'grad_V', WINDOW_LABELS)} is zero too: "
                         f"expected {t.grad_V[case.c].tolist()[:6]} (the sum of the word losses' gradCenterVec)")
    return 0.0


@WINDOW.law(
    rejects=(*rejecting(r"after reordering the outside words", m.skips_first_outside_word),
             *rejecting(r"^Every output is 0 before and after reordering", m.window_stub_returns_zeros)),
    name="sg-order-invariance",
    title="reordering the outside words (each with its negatives) changes no output",
    equations=(39,),
    why="J_sg is a sum over the window, and a sum does not depend on the order of its terms",
    hint="a loop that skips or treats specially one position of outsideWords (range(1, ...), the last word ...)",
    weight=5,
    strategy=lambda: s.window_cases(repeat=False).flatmap(
        lambda case: st.tuples(st.just(case), s.reorderings(len(case.outside)))),
    examples=((s.PINNED_WINDOWS[1], (1, 0, 2)), (s.PINNED_WINDOWS[2], (3, 2, 0, 1))),
)
def sg_order_invariance(impl: Any, case: WindowCase, order: tuple[int, ...]) -> float:
    me = get("sg-order-invariance")
    first = call_window(me, impl, case)
    reordered = WindowCase(case.V, case.U, case.c, tuple(case.outside[j] for j in order),
                           None if case.negatives is None else tuple(case.negatives[j] for j in order))
    second = call_window(me, impl, reordered)
    t = window_truth(case)
    bounds = t.bounds
    outputs = [first.get(n) for n in ("loss", "grad_V", "grad_U")]
    if all(isinstance(v, np.ndarray) and not np.any(v) for v in outputs) and np.any(t.grad_U):
        # nothing computed is trivially invariant; as the naive softmax's contract laws, no credit for it
        raise _violation(me, case, "Every output is 0 before and after reordering: a function that computes nothing "
                         "is not credited for being unchanged by the order")
    note = f"Reordered outside words: {list(reordered.outside)} (position j takes old position {list(order)}[j])"
    worst = 0.0
    for name, tol in (("loss", bounds.loss), ("grad_U", bounds.grad_U), ("grad_V", None)):
        a = output(me, impl, first, name, case, WINDOW_LABELS)
        b = output(me, impl, second, name, reordered, WINDOW_LABELS)
        if tol is None:  # dJ/dV: row c's bound, for every row (sg-centre-row-only judges the other rows)
            tol = np.broadcast_to(bounds.grad_v_c, (case.W, case.d))
        worst = max(worst, compare(me, case, f"{_label(impl, name, WINDOW_LABELS)} after reordering the outside words",
                                   a, b, tolerances.INVARIANCE_FACTOR * np.asarray(tol), note=note))
    return worst


def _window_gradients(me: Law, impl: Any, case: WindowCase) -> tuple[np.ndarray, np.ndarray]:
    outputs = call_window(me, impl, case)
    return (output(me, impl, outputs, "grad_V", case, WINDOW_LABELS),
            output(me, impl, outputs, "grad_U", case, WINDOW_LABELS))


def _grad_V_tolerance(case: WindowCase, t: WindowTruth) -> np.ndarray:
    tol = np.full((case.W, case.d), tolerances._floor(case.U.dtype))
    tol[case.c] = t.bounds.grad_v_c
    return tol


@WINDOW.law(
    rejects=rejecting(r"against autograd", m.centre_vector_from_outside_matrix),
    name="sg-autograd",
    title="dJ/dV and dJ/dU agree with HIPS autograd's derivatives of J_sg",
    equations=(35,),
    why="reverse-mode automatic differentiation of J_sg = Σ_j J(V[c], o_j, U) is exact up to rounding",
    hint="v_c is the centre word's row of centerWordVectors (V), and the word loss gets it with outsideVectors (U)",
    weight=10,
    strategy=_single(s.window_cases(max_vocab=30)),
    examples=_WINDOW_PINNED,
)
def sg_autograd(impl: Any, case: WindowCase) -> float:
    me = get("sg-autograd")
    gV, gU = _window_gradients(me, impl, case)
    t = window_truth(case)
    auto_V, auto_U = oracles.autograd_window(case.V, case.U, case.c, case.outside, case.negatives)
    worst = compare(me, case, f"{_label(impl, 'grad_U', WINDOW_LABELS)} against autograd", auto_U, gU, t.bounds.grad_U)
    return max(worst, compare(me, case, f"{_label(impl, 'grad_V', WINDOW_LABELS)} against autograd", auto_V, gV,
                              _grad_V_tolerance(case, t)))


@WINDOW.law(
    rejects=rejecting(r"against finite differences", m.centre_vector_from_outside_matrix),
    name="sg-finite-difference",
    title="dJ/dV and dJ/dU agree with central finite differences of J_sg",
    equations=(35,),
    why="(J_sg(x + h) - J_sg(x - h)) / 2h approaches each partial derivative (step and tolerance in "
    "properties/tolerances.py)",
    hint="v_c is the centre word's row of centerWordVectors (V), and the word loss gets it with outsideVectors (U)",
    weight=5,
    strategy=_single(s.fd_window_cases()),
    examples=((s.PINNED_WINDOWS[1],), (s.PINNED_WINDOWS[2],)),
    cost=2.0,
)
def sg_finite_differences(impl: Any, case: WindowCase) -> float:
    me = get("sg-finite-difference")
    gV, gU = _window_gradients(me, impl, case)
    t = window_truth(case)
    fd_V, fd_U = oracles.finite_difference_window(case.V, case.U, case.c, case.outside, case.negatives)
    worst = compare(me, case, f"{_label(impl, 'grad_U', WINDOW_LABELS)} against finite differences", fd_U, gU,
                    tolerances.WINDOW_FD_ATOL + t.bounds.grad_U)
    return max(worst, compare(me, case, f"{_label(impl, 'grad_V', WINDOW_LABELS)} against finite differences", fd_V,
                              gV, tolerances.WINDOW_FD_ATOL + _grad_V_tolerance(case, t)))


NEG_SAMPLING_LAWS: tuple[Law, ...] = NEG_SAMPLING.laws
WINDOW_LAWS: tuple[Law, ...] = WINDOW.laws
