"""From failing outputs to root causes: what a student reads and fixes.

A pure function of what the grader already saw: for each law that did not hold, the outcome the
implementation gave on the law's smallest failing case (its :class:`Outputs`, or the exception it
raised), recorded by ``grade.Recorder`` while the law ran, and once its outputs on :data:`PROBE`.
Nothing here calls the submission again, so a stateful submission is diagnosed on the very
outputs that broke the law.

:func:`explain` names the cause of one law's failure, in this order: a structural failure (a
timeout, an exception, nothing usable returned, a wrong shape), then a known mistake of
``properties.mistakes`` whose output equals the received one, then patterns read off the numbers
(computed in float32, an ε inside the log, NaN or inf and why, a flipped sign, a constant factor,
rows left at zero).  :mod:`properties.grader.findings` groups the laws by cause: one finding per
root cause, with the smallest counterexample among its laws.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from properties import tolerances
from properties.grader.intake import lexing
from properties.implementation import ImplementationFatal, Outputs, Unusable, normalise_output
from properties.laws import LABELS, expected_shape, loss_acceptable, reshaped, truth
from properties.mistakes import MISTAKES, Mistake
from properties.strategies import Case

MATCH_RTOL = tolerances.DIAGNOSIS_MATCH_RTOL  # one mistake rendered twice, not two mistakes (derived there)

# A generic case on which no two mistakes coincide: on a shrunk counterexample (W = 1, v_c = [1.0])
# several mistakes can produce the same numbers, so a match must also hold here.
PROBE = Case(
    np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7], [-0.6, 0.9, 0.2], [0.8, -0.3, 1.4]]),
    np.array([0.7, -0.4, 1.3]),
    2,
)

SLOTS = ("grad_U", "grad_v_c", "loss")  # the order a student's attention goes: dCE/dU first
#: The catalogue's float32 mistake is diagnosed as a precision finding (it depends on --precision).
FLOAT32_MISTAKE = "float32-downcast"
TRANSPOSED_MISTAKE = "transposed"


# ---------------------------------------------------------------------------------------------
# What diagnosis is given


@dataclass(frozen=True)
class Evidence:
    """One law that did not hold, and what the implementation answered on its smallest case."""

    law: str
    status: str  # failed | error | timeout
    case: Case | None
    outcome: Outputs | BaseException | None  # None: not recorded (load failure, skipped, timeout)
    message: str


@dataclass(frozen=True)
class SourceFacts:
    """What the graded function's source says about returning (read from the AST, never run)."""

    found: bool = False
    returns_value: bool = True  # some `return <expr>` exists
    is_stub: bool = False  # the body is only a docstring, `pass`, `...` or `raise NotImplementedError`

    @staticmethod
    def of(text: str, function: str) -> SourceFacts:
        try:
            tree = lexing.parse(text)
        except (SyntaxError, ValueError):  # Python 2 files: no facts, no guesses
            return SourceFacts()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
                returns = any(isinstance(n, ast.Return) and n.value is not None and not (
                    isinstance(n.value, ast.Constant) and n.value.value is None) for n in ast.walk(node))
                body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
                stub = all(isinstance(n, ast.Pass) or (isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n))
                           for n in body)
                return SourceFacts(found=True, returns_value=returns, is_stub=stub)
        return SourceFacts()


@dataclass(frozen=True)
class Context:
    provides: frozenset[str]
    labels: dict[str, str]
    precision: str = "strict"
    source: SourceFacts = SourceFacts()
    probe: Outputs | None = None  # the implementation's outputs on PROBE


@dataclass(frozen=True)
class Explanation:
    cause: str  # the grouping key
    title: str  # the root cause, one sentence
    hint: str = ""  # what to do about it
    diagnosis: tuple[str, ...] = ()
    structural: bool = False  # the law could not be evaluated at all (nothing comparable came back)


# ---------------------------------------------------------------------------------------------
# Texts (the tests match these)

TITLE_TIMEOUT = "your function timed out: it did not return within the time limit"
HINT_TIMEOUT = ("look for a loop that never ends or work that grows too fast with W and d; a vectorised "
                "(ŷ - y) v_cᵀ takes microseconds")
TITLE_STUB = "your function still raises NotImplementedError: it is the unfinished stub"
HINT_STUB = "replace the `raise NotImplementedError` with your implementation of eqs. (22)–(24)"
TITLE_RAISED = "your function raised {type}: {message}"
TITLE_NONE_STUB = "your function returns None: its body is still only `pass` (the stub)"
TITLE_NONE_NO_RETURN = "your function returns None: it has no `return` statement"
TITLE_NONE = "your function returned None"
HINT_NONE = "end the function with `return loss, gradCenterVec, gradOutsideVecs` (a tuple of three)"
TITLE_NOT_A_TUPLE = "your function {what}"
TITLE_UNUSABLE = "{label} is {reason}"
HINT_UNUSABLE = "return a plain numpy array (np.ndarray) of floats; lists, np.matrix and custom objects are not compared"
TITLE_SHAPE = "{label} has shape {got}; it must be {want}"
HINT_TRANSPOSED = "you returned the transpose: dCE/dU has one row per word, shape (W, d): np.outer(ŷ - y, v_c)"
HINT_COLUMN = "a column where a vector is expected: flatten it (.reshape(-1)) before returning"
TITLE_TRANSPOSED = "{label} is the transpose of dCE/dU: shape (d, W) where (W, d) is expected"
TITLE_FLOAT32 = "your code computes in float32 although the input is float64"
HINT_FLOAT32_STRICT = ("keep the input's dtype (drop the .astype(np.float32) or float32 array): the errors are "
                       "float32 rounding (float32 keeps about 7 digits), not a wrong formula. This report is --precision "
                       "strict; an instructor may allow float32 with --precision float32-ok")
HINT_FLOAT32_OK = "accepted: this report is --precision float32-ok, so float32's accuracy is enough"
TITLE_EPS_LOG = "the loss is -log(ŷ_o + ε) with ε ≈ {eps:.0e}: an epsilon inside the log"
HINT_EPS_LOG = ("the guard changes the loss by ε/ŷ_o and caps it at -log ε ≈ {cap:.4g} where ŷ_o underflows; "
                "compute CE = logsumexp(z) - z_o (or -log ŷ_o without ε): it needs no guard")
TITLE_OVERFLOW = "{label} is {what} where a logit exceeds exp's range (max z = {zmax:.6g} > 709.8)"
HINT_OVERFLOW_LOSS = ("exp(z) overflowed in the loss: compute log Σ exp(z) as m + log Σ exp(z - m) with m = max(z), "
                      "then CE = that - z_o")
HINT_OVERFLOW = "exp(z) overflowed: subtract max(z) before exp in the softmax (softmax is shift-invariant, eq. 11)"
TITLE_UNDERFLOW = "{label} is {what} where ŷ underflows to 0 (logit gap {gap:.6g} > 745)"
HINT_UNDERFLOW_LOSS = ("0·log 0 = nan: compute the loss from the target alone, -log ŷ_o = logsumexp(z) - z_o, "
                       "not -Σ_w y_w log ŷ_w over every word")
HINT_UNDERFLOW = "a probability that underflows to 0 was divided by or logged: keep the computation in log space"
TITLE_NONFINITE = "{label} is {what}"
HINT_NONFINITE = "a division by zero or an exp that overflowed: every ŷ_w is finite for finite inputs"
TITLE_SIGN = "{label} has the opposite sign of the truth"
HINT_SIGN = "the gradient of CE is (ŷ - y) v_cᵀ: check the sign of every term (eq. 22)"
TITLE_SCALE = "{label} is {factor:.6g} times the truth"
HINT_SCALE = "a stray constant factor: eq. (23) has no mean over words, no 1/2 and no extra W"
TITLE_ZERO_ROWS = "rows {rows} of {label} are 0 where the truth is not"
HINT_ZERO_ROWS = "every row w of eq. (24) is ŷ_w v_c (minus v_c for w = o): no row is 0 unless v_c = 0"
TITLE_ONE_WORD = "{label} is wrong when the vocabulary has one word (W = 1)"
HINT_ONE_WORD = "with W = 1, ŷ_o = 1 exactly, so dCE/dU = (ŷ_o - 1) v_c = 0 and the loss is 0"
TITLE_MUTATED = "your function changes its input {names} in place"
HINT_MUTATED = "an in-place operation (U -= ..., v_c.shape = ..., x /= ...) on an argument; work on a copy"
TITLE_STATE = "your function's answer depends on what it was asked before"
HINT_STATE = "a cache or global that outlives one call: compute everything from (U, v_c, o) each time"
TITLE_LOAD = "your file could not be loaded: {reason}"
TITLE_NOTHING_TO_CHECK = TITLE_NONE
# ---------------------------------------------------------------------------------------------
# Matching known mistakes


def _as_float(value: object, shape: tuple[int, ...]) -> np.ndarray | None:
    """The value as float64 of ``shape`` where only unit axes differ; None otherwise."""
    array = value if isinstance(value, np.ndarray) else normalise_output(value)
    if not isinstance(array, np.ndarray):
        return None
    shaped = reshaped(array, shape)
    return None if shaped is None else shaped.astype(np.float64)


def _raw(value: object) -> np.ndarray | None:
    array = value if isinstance(value, np.ndarray) else normalise_output(value)
    return array.astype(np.float64) if isinstance(array, np.ndarray) else None


def _same_raw(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Same entries in the same layout (up to unit axes): a transposed output matches only a transpose."""
    if a is None or b is None or a.size != b.size:
        return False
    if [n for n in a.shape if n != 1] != [n for n in b.shape if n != 1]:
        return False
    scale = float(np.abs(b).max(initial=0.0)) if b.size and np.isfinite(b).all() else 1.0
    return _same(a.reshape(-1), b.reshape(-1), scale or 1.0)


def _same(a: np.ndarray, b: np.ndarray, scale: float) -> bool:
    return bool(np.allclose(a, b, rtol=MATCH_RTOL, atol=MATCH_RTOL * scale, equal_nan=True))


def _mistake_outputs(mistake: Mistake, case: Case) -> dict[str, object] | None:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            loss, grad_v_c, grad_U = mistake.function()(case.U.copy(), case.v_c.copy(), case.o)
    except Exception:  # a mistake that crashes on this case cannot explain a returned value
        return None
    return {"loss": loss, "grad_v_c": grad_v_c, "grad_U": grad_U}


def _right(case: Case) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    t = truth(case)
    return ({"grad_U": t.grad_U, "grad_v_c": t.grad_v_c, "loss": np.asarray(t.loss)},
            {"grad_U": t.bounds.grad_U, "grad_v_c": t.bounds.grad_v_c, "loss": t.bounds.loss})


def matching_mistakes(outputs: Outputs, case: Case, provides: frozenset[str],
                      probe: Outputs | None = None) -> list[tuple[str, Mistake]]:
    """(slot, mistake) for each wrong output slot that a known mistake explains.

    A mistake explains a slot when it is wrong there, the received slot equals it on ``case``, and
    (where ``probe`` holds the implementation's outputs on :data:`PROBE`) it equals it on the probe.
    """
    t = truth(case)
    right, tolerance = _right(case)
    found: list[tuple[str, Mistake]] = []
    diagnosable = [m for m in MISTAKES if m.diagnosable]
    candidates = [(m, _mistake_outputs(m, case)) for m in diagnosable]
    on_probe = {m.name: _mistake_outputs(m, PROBE) for m in diagnosable} if probe is not None else {}
    for slot in SLOTS:
        if slot not in provides:
            continue
        shape = expected_shape(slot, case)
        received = _as_float(outputs.get(slot), shape)
        if received is not None:
            if slot == "loss" and loss_acceptable(float(received), t):
                continue
            with np.errstate(invalid="ignore"):
                if np.all(np.abs(received - right[slot]) <= tolerance[slot]):
                    continue  # this slot is right
        raw = _raw(outputs.get(slot))
        for mistake, produced in candidates:
            if produced is None:
                continue
            theirs = _raw(produced[slot])
            theirs_shaped = _as_float(produced[slot], shape)
            scale = float(np.abs(right[slot]).max(initial=0.0)) or 1.0
            if theirs_shaped is not None and _same(theirs_shaped, right[slot], scale):
                continue  # the mistake does not change this slot
            if _same_raw(raw, theirs) and _agrees_on_probe(probe, on_probe.get(mistake.name), slot):
                found.append((slot, mistake))
                break
    return found


def diagnose_outputs(outputs: Outputs, case: Case, provides: frozenset[str], labels: dict[str, str],
                     probe: Outputs | None = None) -> list[str]:
    """One sentence per wrong output slot that a known mistake explains."""
    return [f"{labels.get(slot, LABELS[slot])}: {m.explanation}"
            for slot, m in matching_mistakes(outputs, case, provides, probe)]


def _agrees_on_probe(probe: Outputs | None, theirs: dict[str, object] | None, slot: str) -> bool:
    if probe is None:
        return True
    if theirs is None:
        return False
    return _same_raw(_raw(probe.get(slot)), _raw(theirs[slot]))


# ---------------------------------------------------------------------------------------------
# Reading the numbers


def unreadable_reason(outputs: Outputs | None) -> str:
    """Why the outputs could not be read, in a few words, for "not checked" messages."""
    if outputs is not None:
        for slot in SLOTS:
            value = outputs.get(slot)
            if isinstance(value, Unusable):
                return value.reason
    return "no outputs"


def _returned_none(outputs: Outputs) -> bool:
    return any(isinstance(v, Unusable) and v.reason.startswith(("returned None,", "returned a builtins.NoneType"))
               for v in (outputs.grad_U, outputs.loss, outputs.grad_v_c))


def _describe_nonfinite(x: np.ndarray) -> str:
    kinds = [name for name, present in (("nan", np.isnan(x).any()), ("inf", np.isinf(x).any())) if present]
    return " and ".join(kinds)


def _within(received: np.ndarray, expected: np.ndarray, tol: Any) -> bool:
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(received - expected) <= tol))


def _wrong_slots(outputs: Outputs, case: Case, provides: frozenset[str]
                 ) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(slot, received, expected) for the readable slots that are outside their float64 bound."""
    t = truth(case)
    right, tolerance = _right(case)
    wrong = []
    for slot in SLOTS:
        if slot not in provides:
            continue
        received = _as_float(outputs.get(slot), expected_shape(slot, case))
        if received is None:
            continue
        if slot == "loss" and loss_acceptable(float(received), t):
            continue
        if not _within(received, right[slot], tolerance[slot]):
            wrong.append((slot, received, right[slot]))
    return wrong


def _float32_bounds(case: Case) -> dict[str, Any]:
    t = truth(case)
    y = np.zeros(case.W)
    y[case.o] = 1.0
    b = tolerances.bounds(case.U, case.v_c, y, t.y_hat, t.loss, computed_in=np.float32)
    return {"grad_U": b.grad_U, "grad_v_c": b.grad_v_c, "loss": b.loss}


def computes_in_float32(outputs: Outputs, case: Case, provides: frozenset[str]) -> bool:
    """A float64 case whose outputs miss the float64 bound but hold float32's: float32 arithmetic.

    Also true when the outputs are float32 arrays for float64 input (the dtype says it outright).
    """
    if case.U.dtype != np.float64:
        return False
    arrays = [outputs.get(s) for s in provides]
    if any(isinstance(a, np.ndarray) and a.dtype == np.float32 and a.size > 1 for a in arrays):
        return True
    wrong = _wrong_slots(outputs, case, provides)
    if not wrong:
        return False
    loose = _float32_bounds(case)
    t = truth(case)
    for slot, received, expected in wrong:
        if slot == "loss":
            # float32's ŷ_o underflows at CE ≈ 87.3, where -log ŷ_o becomes +inf
            if not (_within(received, expected, loose[slot])
                    or (received == np.inf and t.loss >= -math.log(np.finfo(np.float32).tiny))):
                return False
        elif not _within(received, expected, loose[slot]):
            return False
    return True


def epsilon_in_log(outputs: Outputs, case: Case, provides: frozenset[str]) -> float | None:
    """ε where the loss equals -log(ŷ_o + ε) for a guard ε = 1e-k (or a float eps), and is otherwise right."""
    if "loss" not in provides:
        return None
    wrong = _wrong_slots(outputs, case, provides)
    if [slot for slot, _, _ in wrong] != ["loss"]:
        return None
    received = float(wrong[0][1])
    t = truth(case)
    if not (math.isfinite(received) and received < t.loss):
        return None
    y_hat_o = float(t.y_hat[case.o])
    eps = math.expm1(-received) + (1.0 - y_hat_o) if y_hat_o > 0.5 else math.exp(-received) - y_hat_o
    if not 1e-30 <= eps <= 1e-3:
        return None
    mantissa = eps / 10.0 ** math.floor(math.log10(eps))
    typical = abs(mantissa - 1.0) < 0.01 or any(abs(eps / e - 1.0) < 0.01 for e in (
        float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps), float(np.finfo(np.float64).tiny)))
    return eps if typical else None


def _logits(case: Case) -> np.ndarray:
    return case.U.astype(np.float64) @ case.v_c.astype(np.float64)


def _label(ctx: Context, slot: str) -> str:
    return ctx.labels.get(slot, LABELS[slot])


def _pattern(slot: str, received: np.ndarray, expected: np.ndarray, case: Case, ctx: Context
             ) -> Explanation | None:
    """What one wrong slot's numbers show: NaN/inf and why, a flipped sign, a factor, zero rows, W = 1."""
    label = _label(ctx, slot)
    z = _logits(case)
    if not np.isfinite(received).all():
        what = _describe_nonfinite(received)
        if float(z.max(initial=0.0)) > 709.78:
            return Explanation(f"nonfinite:overflow:{slot}", TITLE_OVERFLOW.format(
                label=label, what=what, zmax=float(z.max())), HINT_OVERFLOW_LOSS if slot == "loss" else HINT_OVERFLOW)
        gap = float(z.max() - z.min()) if z.size else 0.0
        if gap > 745.0:
            return Explanation(f"nonfinite:underflow:{slot == 'loss'}", TITLE_UNDERFLOW.format(
                label=label, what=what, gap=gap), HINT_UNDERFLOW_LOSS if slot == "loss" else HINT_UNDERFLOW)
        return Explanation(f"nonfinite:{slot}", TITLE_NONFINITE.format(label=label, what=what), HINT_NONFINITE)
    if case.W == 1:
        return Explanation(f"one-word:{slot}", TITLE_ONE_WORD.format(label=label), HINT_ONE_WORD)
    flat_r, flat_e = received.reshape(-1), expected.reshape(-1)
    scale = float(np.abs(flat_e).max(initial=0.0))
    if scale > 0 and _same(flat_r, -flat_e, scale):
        return Explanation(f"sign:{slot}", TITLE_SIGN.format(label=label), HINT_SIGN)
    big = np.abs(flat_e) > 1e-3 * scale
    if scale > 0 and big.any():
        ratios = flat_r[big] / flat_e[big]
        factor = float(np.median(ratios))
        if factor not in (0.0, 1.0) and np.allclose(ratios, factor, rtol=1e-6) and _same(flat_r, factor * flat_e, scale):
            return Explanation(f"scale:{slot}:{factor:.6g}", TITLE_SCALE.format(label=label, factor=factor), HINT_SCALE)
    if slot == "grad_U" and received.ndim == 2:
        zero = np.flatnonzero(~received.any(axis=1) & expected.any(axis=1))
        if zero.size:
            rows = ", ".join(str(int(r)) for r in zero[:6]) + (", ..." if zero.size > 6 else "")
            return Explanation(f"zero-rows:{slot}", TITLE_ZERO_ROWS.format(rows=rows, label=label), HINT_ZERO_ROWS)
    return None


# ---------------------------------------------------------------------------------------------
# One law's cause


def explain(ev: Evidence, ctx: Context) -> Explanation:
    """The root cause of one law's failure, from its recorded outcome (see the module docstring)."""
    fallback = Explanation(f"law:{ev.law}", first_detail(ev.message), fixed_hint(ev.message))
    if ev.status == "timeout" or (isinstance(ev.outcome, ImplementationFatal) and ev.outcome.status == "timeout"):
        return Explanation("timeout", TITLE_TIMEOUT, HINT_TIMEOUT, structural=True)
    if ev.outcome is None and ev.case is None and ev.status == "error":
        reason = ev.message.splitlines()[1] if len(ev.message.splitlines()) > 1 else ev.message
        return Explanation("load-failed", TITLE_LOAD.format(reason=reason), structural=True)
    outcome = ev.outcome
    if isinstance(outcome, BaseException):
        return _explain_raised(outcome, ev, ctx)
    if isinstance(outcome, Outputs) and _returned_none(outcome):
        return _explain_none(ctx)
    if not isinstance(outcome, Outputs) or ev.case is None:
        return fallback
    case = ev.case
    structural = _explain_structure(outcome, case, ctx)
    if structural is not None:
        return structural
    if ev.law == "inputs-unchanged" and outcome.mutated:
        names = " and ".join(outcome.mutated)
        return Explanation(f"mutated:{names}", TITLE_MUTATED.format(names=names), HINT_MUTATED)
    if ev.law == "repeatable":
        return Explanation("state", TITLE_STATE, HINT_STATE)
    matched = [(slot, m) for slot, m in matching_mistakes(outcome, case, ctx.provides, ctx.probe)
               if m.name != FLOAT32_MISTAKE]
    if matched:
        names = "+".join(dict.fromkeys(m.name for _, m in matched))
        if names == TRANSPOSED_MISTAKE:  # a square U hides the transpose's shape: the same root cause
            return _transposed(ctx, _mistake_lines(matched, ctx), structural=False)
        return Explanation(f"mistake:{names}", matched[0][1].explanation, "", _mistake_lines(matched, ctx))
    eps = epsilon_in_log(outcome, case, ctx.provides)
    if eps is not None:
        return Explanation("eps-in-log", TITLE_EPS_LOG.format(eps=eps), HINT_EPS_LOG.format(cap=-math.log(eps)))
    if computes_in_float32(outcome, case, ctx.provides):
        return Explanation("precision:float32", TITLE_FLOAT32,
                           HINT_FLOAT32_OK if ctx.precision == "float32-ok" else HINT_FLOAT32_STRICT)
    for slot, received, expected in _wrong_slots(outcome, case, ctx.provides):
        pattern = _pattern(slot, received, expected, case, ctx)
        if pattern is not None:
            return pattern
    return fallback


def _explain_raised(error: BaseException, ev: Evidence, ctx: Context) -> Explanation:
    type_name = str(getattr(error, "type_name", type(error).__name__))
    message = str(getattr(error, "message", error))
    if isinstance(error, ImplementationFatal):
        return Explanation(f"fatal:{type(error).__name__}", str(error).splitlines()[0] if str(error) else type_name,
                           structural=True)
    if type_name.rpartition(".")[2] == "NotImplementedError":
        return Explanation("raised:NotImplementedError", TITLE_STUB, HINT_STUB, structural=True)
    hint = ""
    if ev.case is not None and ev.case.W == 1:
        hint = "your function fails when the vocabulary has one word (W = 1); " + HINT_ONE_WORD
    elif ev.case is not None and not np.any(ev.case.v_c):
        hint = "your function fails for v_c = 0 (every logit 0, ŷ uniform): nothing may divide by |v_c|"
    short = message.splitlines()[0][:160] if message else ""
    return Explanation(f"raised:{type_name}:{short}", TITLE_RAISED.format(type=type_name, message=short),
                       hint or "the function must return for every valid input, including W = 1, d = 1 and v_c = 0",
                       structural=True)


def _mistake_lines(matched: list[tuple[str, Mistake]], ctx: Context) -> tuple[str, ...]:
    """One "label: explanation" line per output slot a mistake explains (the gradebook reads these)."""
    return tuple(f"{_label(ctx, slot)}: {m.explanation}" for slot, m in matched)


def _transposed(ctx: Context, lines: tuple[str, ...], structural: bool) -> Explanation:
    return Explanation("shape:grad_U:transposed", TITLE_TRANSPOSED.format(label=_label(ctx, "grad_U")),
                       HINT_TRANSPOSED, lines, structural=structural)


def _explain_none(ctx: Context) -> Explanation:
    if ctx.source.found and ctx.source.is_stub:
        title = TITLE_NONE_STUB
    elif ctx.source.found and not ctx.source.returns_value:
        title = TITLE_NONE_NO_RETURN
    else:
        title = TITLE_NONE
    return Explanation("returned:None", title, HINT_NONE, structural=True)


def _explain_structure(outputs: Outputs, case: Case, ctx: Context) -> Explanation | None:
    """Nothing comparable came back: None, not a tuple, an unusable slot, or a wrong shape."""
    for slot in SLOTS:
        if slot not in ctx.provides:
            continue
        value = outputs.get(slot)
        label = _label(ctx, slot)
        if isinstance(value, Unusable):
            if "not a tuple" in value.reason:
                return Explanation(f"returned:{value.reason}", TITLE_NOT_A_TUPLE.format(what=value.reason), HINT_NONE,
                                   structural=True)
            return Explanation(f"unusable:{slot}:{value.reason}", TITLE_UNUSABLE.format(label=label, reason=value.reason),
                               HINT_UNUSABLE, structural=True)
        if isinstance(value, np.ndarray) and slot != "loss":
            want = expected_shape(slot, case)
            if slot == "grad_U" and value.shape == want[::-1] != want:
                lines = _mistake_lines(matching_mistakes(outputs, case, ctx.provides, ctx.probe), ctx)
                # (d, W) for (W, d): the value laws could not compare it, unless d = 1 made it a mere row
                return _transposed(ctx, lines, structural=reshaped(value, want) is None)
            if reshaped(value, want) is None:
                hint = HINT_TRANSPOSED if value.shape == want[::-1] and slot == "grad_U" else ""
                lines = tuple(f"{_label(ctx, s)}: {m.explanation}"
                              for s, m in matching_mistakes(outputs, case, ctx.provides, ctx.probe))
                return Explanation(f"shape:{slot}:{'transposed' if hint else value.shape}",
                                   TITLE_SHAPE.format(label=label, got=_shape_words(value.shape, case),
                                                      want=_shape_words(want, case)),
                                   hint, lines, structural=True)
            if value.shape != want:
                return Explanation(f"shape:{slot}:column", TITLE_SHAPE.format(
                    label=label, got=_shape_words(value.shape, case), want=_shape_words(want, case)), HINT_COLUMN)
        if isinstance(value, np.ndarray) and slot == "loss" and value.size != 1:
            return Explanation("shape:loss", f"{label} is an array of shape {value.shape}, not a scalar",
                               "return the loss as a float: -log ŷ_o for the target o alone", structural=True)
    return None


def _shape_words(shape: tuple[int, ...], case: Case) -> str:
    names = {case.W: "W", case.d: "d"} if case.d != case.W else {case.W: "W"}
    words = [names.get(n, str(n)) if n != 1 else "1" for n in shape]
    return f"{shape} = ({', '.join(words)}{',' if len(words) == 1 else ''})" if shape else "() (a scalar)"


def fixed_hint(message: str) -> str:
    return next((line.removeprefix("Likely mistake: ") for line in message.splitlines()
                 if line.startswith("Likely mistake: ")), "")


def first_detail(message: str) -> str:
    lines = [line for line in message.splitlines() if line and not line.startswith(
        ("Law broken:", "Law not checked:", "Why:", "Smallest case:", "On the case:", "Likely mistake:"))]
    return lines[0] if lines else message.splitlines()[0] if message else "this law does not hold"


def without_fixed_hint(message: str) -> str:
    """A law's message without its one-sentence-per-law "Likely mistake" (a finding computes its own)."""
    return "\n".join(line for line in message.splitlines() if not line.startswith("Likely mistake: "))
