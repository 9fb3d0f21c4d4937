"""The laws of dCE/dU: plain functions that take an implementation under test and a case.

A law calls the implementation (with fresh copies of the inputs), compares what came back with
what the seed derivation proves, and raises :class:`LawViolation` -- an ``AssertionError`` whose
message teaches: the law and its equation, why it holds, the smallest case, expected against
received at the worst entry, and what the pattern usually means.

``LAWS`` lists every law with its equations, weight and the Hypothesis strategy that feeds it;
``properties.runner`` runs one against an implementation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

import reference
from properties import oracles, strategies, tolerances
from properties.implementation import Implementation, ImplementationFatal, Outputs, Unusable
from properties.strategies import Case

LABELS = {"grad_U": "dCE/dU", "grad_v_c": "dCE/dv_c", "loss": "loss"}


class LawViolation(AssertionError):
    """A law does not hold for this implementation on ``case``."""

    status = "failed"

    def __init__(self, law: Law, case: Case, detail: str, hint: str = "", note: str = "") -> None:
        self.law, self.case, self.detail, self.hint = law, case, detail, hint or law.hint
        lines = [
            f"Law broken: {law.title}   ({law.equation_text})",
            f"Why: {law.why}",
            f"Smallest case: {case.describe()}",
            detail,
        ]
        if note:
            lines.append(note)
        if self.hint:
            lines.append(f"Likely mistake: {self.hint}")
        super().__init__("\n".join(lines))


class SubmissionCrashed(LawViolation):
    """The implementation raised an exception instead of returning."""

    status = "error"


class FatalOnCase(ImplementationFatal):
    """An :class:`ImplementationFatal` with the case and law it happened on attached."""

    def __init__(self, law: Law, case: Case, cause: ImplementationFatal) -> None:
        self.law, self.case, self.cause = law, case, cause
        self.status = cause.status
        super().__init__(
            f"Law not checked: {law.title}   ({law.equation_text})\n"
            f"On the case: {case.describe()}\n{cause}"
        )


# ---------------------------------------------------------------------------------------------
# Calling the implementation and reading its outputs


def _label(impl: Implementation, name: str) -> str:
    labels: dict[str, str] = getattr(impl, "labels", {}) or {}
    return labels.get(name, LABELS[name])


def call(law: Law, impl: Implementation, case: Case) -> Outputs:
    """impl(U, v_c, o) on fresh copies; a raised exception is itself a violation of the law."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # overflow warnings are the student's business; the values are what is graded
            warnings.simplefilter("ignore")
            return impl(case.U.copy(), case.v_c.copy(), case.o)
    except ImplementationFatal as fatal:
        raise FatalOnCase(law, case, fatal) from fatal
    except Exception as error:  # whatever the code under test raises is the student's to see
        raise SubmissionCrashed(
            law, case, f"Your function raised {type(error).__name__}: {error}",
            hint="the function must return for every valid input, including W = 1, d = 1 and v_c = 0",
        ) from error


def reshaped(value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """``value`` as ``shape`` when that is unambiguous: same entries, only unit axes differ."""
    if value.shape == shape:
        return value
    if value.size == int(np.prod(shape)) and [n for n in value.shape if n != 1] == [n for n in shape if n != 1]:
        return value.reshape(shape)
    return None


def output(law: Law, impl: Implementation, outputs: Outputs, name: str, case: Case) -> np.ndarray:
    """The named output as a float64 array of the expected shape, or a violation saying why not."""
    value = outputs.get(name)
    label = _label(impl, name)
    if value is None:
        raise LawViolation(law, case, f"{label}: nothing was returned for it")
    if isinstance(value, Unusable):
        raise LawViolation(
            law, case, f"{label}: expected a numpy.ndarray of floats, got {value.reason}",
            hint="return a plain numpy array (np.ndarray) of floats; lists, np.matrix and custom objects "
            "are not compared",
        )
    shape = expected_shape(name, case)
    if name == "loss":
        if value.size != 1:
            raise LawViolation(law, case, f"{label}: expected a scalar, got an array of shape {value.shape}")
        return value.astype(np.float64).reshape(())
    array = reshaped(value, shape)
    if array is None:
        hint = "you returned the transpose: dCE/dU has one row per word, shape (W, d)" if (
            value.shape == shape[::-1]) else ""
        raise LawViolation(law, case, f"{label}: expected shape {shape}, got {value.shape}", hint=hint)
    return array.astype(np.float64)


def expected_shape(name: str, case: Case) -> tuple[int, ...]:
    return {"grad_U": (case.W, case.d), "grad_v_c": (case.d,), "loss": ()}[name]


# ---------------------------------------------------------------------------------------------
# The truth for a case, from the reference in float64, and comparisons against it


@dataclass(frozen=True)
class Truth:
    y_hat: np.ndarray
    grad_U: np.ndarray
    grad_v_c: np.ndarray
    loss: float
    bounds: tolerances.Bounds


def truth(case: Case) -> Truth:
    """The float64 reference values of a case and the tolerances for an implementation given it."""
    U, v_c = case.U.astype(np.float64), case.v_c.astype(np.float64)
    y_hat = reference.softmax(U @ v_c)
    y = np.zeros(case.W)
    y[case.o] = 1.0
    ce = reference.loss(U, v_c, case.o)
    return Truth(
        y_hat=y_hat,
        grad_U=reference.grad_U(U, v_c, case.o),
        grad_v_c=reference.grad_v_c(U, v_c, case.o),
        loss=ce,
        bounds=tolerances.bounds(case.U, case.v_c, y, y_hat, ce),
    )


_WORST_RATIO = [0.0]  # the largest error/tolerance seen since reset: hypothesis.target climbs it


def reset_worst_ratio() -> None:
    _WORST_RATIO[0] = 0.0


def worst_ratio() -> float:
    return _WORST_RATIO[0]


def mismatch(label: str, expected: np.ndarray, received: np.ndarray, tol: np.ndarray | float) -> str | None:
    """None if |received - expected| ≤ tol everywhere; else the worst entry, numpy.testing-style."""
    expected, received = np.asarray(expected, np.float64), np.asarray(received, np.float64)
    tol = np.broadcast_to(np.asarray(tol, np.float64), expected.shape)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        error = np.abs(received - expected)
        bad = ~(error <= tol)  # NaN compares false, so NaN is always bad
        ratio = np.where(tol > 0, error / np.where(tol > 0, tol, 1.0), np.where(error > 0, np.inf, 0.0))
        _WORST_RATIO[0] = max(_WORST_RATIO[0], float(np.nan_to_num(ratio, nan=np.inf).max(initial=0.0)))
    if not bad.any():
        return None
    excess = np.where(bad, np.nan_to_num(error / np.maximum(tol, 1e-300), nan=np.inf, posinf=np.inf), -1.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), expected.shape)) if expected.ndim else ()
    where = f" at {list(worst)}" if expected.ndim else ""
    e, r = float(expected[worst]), float(received[worst])
    rel = abs(r - e) / abs(e) if e else float("inf")
    count = f"{int(bad.sum())} of {bad.size} entries differ; worst" if expected.ndim else "value"
    return (f"{label}: {count}{where}: expected {e:.10g}, received {r:.10g} "
            f"(abs err {abs(r - e):.3g}, rel err {rel:.3g}, allowed {float(tol[worst]):.3g})")


# ---------------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class Law:
    name: str
    title: str
    equations: tuple[int, ...]
    why: str
    hint: str
    weight: float
    check: Callable[..., None]
    strategy: Callable[[], st.SearchStrategy[tuple[Any, ...]]]
    examples: tuple[tuple[Any, ...], ...] = ()
    needs: frozenset[str] = frozenset({"grad_U"})
    cost: float = 1.0  # relative cost of one example, scales the example budget down
    notes: list[str] = field(default_factory=list, compare=False, hash=False)

    @property
    def equation_text(self) -> str:
        if not self.equations:
            return "not in the seed"
        numbers = [str(n) for n in self.equations]
        return "eq. (" + ")–(".join(numbers) + ")" if len(numbers) > 1 else f"eq. ({numbers[0]})"

    def applies_to(self, impl: Implementation) -> bool:
        return self.needs <= set(impl.provides)


LAWS: tuple[Law, ...] = ()
_BY_NAME: dict[str, Law] = {}


def law(**fields: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``check`` as a law with the given fields."""

    def register(check: Callable[..., None]) -> Callable[..., None]:
        global LAWS
        entry = Law(check=check, **fields)
        LAWS = (*LAWS, entry)
        _BY_NAME[entry.name] = entry
        check.law = entry  # type: ignore[attr-defined]  # the function carries its registry entry
        return check

    return register


def get(name: str) -> Law:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no law named {name!r}; the laws are {', '.join(_BY_NAME)}") from None


def _single(strategy: st.SearchStrategy[Case]) -> Callable[[], st.SearchStrategy[tuple[Any, ...]]]:
    return lambda: strategy.map(lambda case: (case,))


_PINNED = tuple((case,) for case in strategies.PINNED)


def _this(name: str) -> Law:
    return _BY_NAME[name]


# ---------------------------------------------------------------------------------------------
# The laws


@law(
    name="shape-and-dtype",
    title="every output has the shape and dtype of what it is the derivative of",
    equations=(23, 24),
    why="dCE/dU has one row u_w per word: shape (W, d); dCE/dv_c has shape (d,); the loss is a scalar; "
    "float64 inputs give float64 outputs (float32 may stay float32)",
    hint="check the orientation of np.outer / the matrix product and any reshape of v_c",
    weight=5,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
)
def shape_and_dtype(impl: Implementation, case: Case) -> None:
    me = _this("shape-and-dtype")
    outputs = call(me, impl, case)
    for name in sorted(impl.provides):
        value = outputs.get(name)
        label, shape = _label(impl, name), expected_shape(name, case)
        if value is None or isinstance(value, Unusable):
            output(me, impl, outputs, name, case)  # raises the explanation
            continue
        if name == "loss" and value.size == 1:
            continue  # a scalar is a scalar (DESIGN): its precision is loss-value's business
        if value.shape != shape:
            hint = ("you returned the transpose: dCE/dU has one row per word, shape (W, d)"
                    if value.shape == shape[::-1] and shape[::-1] != shape else
                    "a (d, 1) column where a (d,) vector is expected: flatten it before returning")
            raise LawViolation(me, case, f"{label}: expected shape {shape}, got {value.shape}", hint=hint)
        allowed = (np.float64,) if case.U.dtype == np.float64 else (np.float32, np.float64)
        if value.dtype not in allowed:
            raise LawViolation(
                me, case, f"{label}: expected dtype {case.U.dtype}, got {value.dtype}",
                hint="a lower-precision dtype loses the accuracy the gradient needs; keep the input's dtype",
            )


@law(
    name="inputs-unchanged",
    title="the inputs are not modified",
    equations=(),
    why="the caller still needs U and v_c after asking for the gradient (an SGD step updates U "
    "afterwards, by its own rule)",
    hint="an in-place operation (U -= ..., v_c.shape = ..., x /= ...) on an argument; work on a copy",
    weight=5,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
)
def inputs_unchanged(impl: Implementation, case: Case) -> None:
    me = _this("inputs-unchanged")
    outputs = call(me, impl, case)
    if outputs.mutated:
        raise LawViolation(me, case, f"Modified after the call: {', '.join(outputs.mutated)}")


@law(
    name="repeatable",
    title="the output for an input does not depend on what was asked before",
    equations=(),
    why="dCE/dU is a function of (U, v_c, o) alone; state kept between calls makes the answer depend "
    "on what was asked before",
    hint="a cache or a global variable that outlives one call (for example a softmax computed once "
    "and reused for every input of the same size)",
    weight=5,
    strategy=lambda: strategies.cases().flatmap(
        lambda case: st.tuples(st.just(case), strategies.same_shape_cases(case), strategies.cases())),
    examples=((strategies.PINNED[4], strategies.PINNED[2], strategies.PINNED[1]),),
)
def repeatable(impl: Implementation, case: Case, same_shape: Case, other: Case) -> None:
    """Ask for ``case``, an input S of the same shape, ``other``, S again and ``case`` again.

    S's two answers must agree: the first came right after an input of its shape (where a cache
    keyed by the size would answer from ``case``), the second after ``other``.
    """
    me = _this("repeatable")
    first = call(me, impl, case)
    s_first = call(me, impl, same_shape)
    call(me, impl, other)
    s_again = call(me, impl, same_shape)
    again = call(me, impl, case)
    for probe, a_out, b_out in ((same_shape, s_first, s_again), (case, first, again)):
        for name in sorted(impl.provides):
            a, b = a_out.get(name), b_out.get(name)
            if (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                    and (a.shape != b.shape or not np.array_equal(a, b, equal_nan=True))):
                detail = mismatch(f"{_label(impl, name)} on the second call", a.reshape(-1),
                                  b.reshape(-1) if b.size == a.size else np.full(a.size, np.nan), 0.0)
                raise LawViolation(me, probe, detail or "the outputs differ in shape between calls",
                                   note="The calls, in order: this case after another of its shape, "
                                   f"then {other.describe()}, then this case again")


def _row_coefficients(G: np.ndarray, v_c: np.ndarray, tol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """c̃_w = G_w · v_c / |v_c|², the multiple of v_c closest to each row, and its tolerance.

    v_c is first divided by its largest entry, so a tiny v_c (2⁻⁵⁰⁰) does not underflow |v_c|².
    """
    scale = float(np.abs(v_c).max())
    unit = v_c / scale
    norm2 = float(unit @ unit)
    return (G @ unit) / norm2 / scale, (tol @ np.abs(unit)) / norm2 / scale


@law(
    name="row-structure",
    title="every row of dCE/dU is a multiple c_w v_c, with c_o ≤ 0 and c_w ≥ 0 for w ≠ o",
    equations=(22, 24),
    why="row w is (ŷ_w - y_w) v_c; 0 ≤ ŷ_w ≤ 1, so the target's coefficient ŷ_o - 1 is ≤ 0 and every "
    "other ŷ_w is ≥ 0",
    hint="each row must be the centre vector v_c scaled by (ŷ_w - y_w): not u_w, not u_o, and the -1 "
    "belongs to row o only",
    weight=10,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
)
def row_structure(impl: Implementation, case: Case) -> None:
    me = _this("row-structure")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    t = truth(case)
    v = case.v_c.astype(np.float64)
    label = _label(impl, "grad_U")
    if not np.any(v):
        detail = mismatch(label, np.zeros_like(G), G, t.bounds.grad_U)
        if detail:
            raise LawViolation(me, case, detail + " (with v_c = 0 every row c_w v_c is 0)")
        return
    c, c_tol = _row_coefficients(G, v, t.bounds.grad_U)
    off = mismatch(f"{label} minus its projection onto v_c", np.zeros_like(G), G - np.outer(c, v),
                   t.bounds.grad_U)
    if off:
        raise LawViolation(me, case, off, hint="a row that is not parallel to v_c: was u_w or u_o used where "
                           "v_c belongs, or a transpose mixed up?")
    sign = np.ones(case.W)
    sign[case.o] = -1.0
    true_c = t.y_hat.copy()
    true_c[case.o] -= 1.0
    # the sign must be right, and strictly so where the true coefficient is clearly away from 0:
    # an all-zero gradient has "c_w ≥ 0" but not the ŷ_w > 0 that every ordinary case has
    clearly = np.abs(true_c) > 2.0 * c_tol
    wrong = (sign * c < -c_tol) | (clearly & ~(sign * c > 0))
    if wrong.any():
        w = int(np.flatnonzero(wrong)[0])
        expected = "< 0 (ŷ_o - 1)" if w == case.o else "> 0 (ŷ_w)"
        raise LawViolation(
            me, case, f"Row {w} of {label} is {c[w]:.6g}·v_c; its coefficient should be {expected}",
            hint="the target's coefficient ŷ_o - 1 is negative and every other ŷ_w positive: a flipped sign, "
            "a missing -y (eq. 22), or rows left at zero" if w == case.o or sign[w] > 0 else "",
        )


@law(
    name="row-sum",
    title="the rows of dCE/dU sum to zero",
    equations=(20, 21),
    why="Σ_w ŷ_w = Σ_w y_w = 1, so Σ_w (ŷ_w - y_w) v_c = 0",
    hint="you returned ŷ v_cᵀ and forgot to subtract the one-hot y (eq. 22), or filled in only row o",
    weight=10,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
)
def row_sum(impl: Implementation, case: Case) -> None:
    me = _this("row-sum")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    tol = truth(case).bounds.grad_U.sum(axis=0)
    detail = mismatch(f"Row sum of {_label(impl, 'grad_U')}", np.zeros(case.d), G.sum(axis=0), tol)
    if detail:
        raise LawViolation(me, case, detail)


@law(
    name="matches-eq-23",
    title="dCE/dU equals (ŷ - y) v_cᵀ with the one-hot y of the target (the index form = the vector form)",
    equations=(23, 24),
    why="eq. (23) is the vector form (ŷ - y) v_cᵀ; with y = e_o it is eq. (24), row o (ŷ_o - 1) v_c, "
    "every other row ŷ_w v_c",
    hint="compare your rows with eq. (24): the softmax ŷ = softmax(U v_c), the target's row gets -v_c",
    weight=10,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
)
def matches_eq_23(impl: Implementation, case: Case) -> None:
    me = _this("matches-eq-23")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    t = truth(case)
    detail = mismatch(_label(impl, "grad_U"), t.grad_U, G, t.bounds.grad_U)
    if detail:
        raise LawViolation(me, case, detail)


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
)
def relabelling(impl: Implementation, case: Case, permutation: np.ndarray) -> None:
    me = _this("relabelling")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    new_o = int(np.flatnonzero(permutation == case.o)[0])
    renamed = strategies.Case(case.U[permutation].copy(), case.v_c, new_o)
    G2 = output(me, impl, call(me, impl, renamed), "grad_U", renamed)
    tol = tolerances.INVARIANCE_FACTOR * truth(case).bounds.grad_U[permutation]
    detail = mismatch(f"{_label(impl, 'grad_U')} of the renumbered vocabulary", G[permutation], G2, tol)
    if detail:
        raise LawViolation(me, case, detail, note=f"Renumbering: new row i is old row {permutation.tolist()}[i], "
                           f"so the target o={case.o} becomes o={new_o}")


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
)
def shift_invariance(impl: Implementation, case: Case, shift: np.ndarray) -> None:
    me = _this("shift-invariance")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    shifted = strategies.Case(case.U + shift, case.v_c, case.o)
    G2 = output(me, impl, call(me, impl, shifted), "grad_U", shifted)
    tol = truth(case).bounds.grad_U + truth(shifted).bounds.grad_U
    detail = mismatch(f"{_label(impl, 'grad_U')} after adding a={shift.tolist()} to every row of U", G, G2, tol)
    if detail:
        raise LawViolation(me, case, detail)


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
)
def soft_labels(impl: Implementation, case: Case, y: np.ndarray) -> None:
    me = _this("soft-labels")
    U, v = case.U.astype(np.float64), case.v_c.astype(np.float64)
    expected = reference.grad_U_from_label(U, v, y)
    by_label = getattr(impl, "grad_U_from_label", None)
    tol = np.zeros_like(expected)
    for o in np.flatnonzero(y):
        tol += y[o] * truth(strategies.Case(case.U, case.v_c, int(o))).bounds.grad_U
    if by_label is not None:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            received = np.asarray(by_label(case.U.copy(), case.v_c.copy(), y.copy()), dtype=np.float64)
        source = "grad_U_from_label(U, v_c, y)"
    else:  # index form only: linearity means the weighted sum of the one-hot gradients
        received = np.zeros_like(expected)
        for o in np.flatnonzero(y):
            single = strategies.Case(case.U, case.v_c, int(o))
            received += y[o] * output(me, impl, call(me, impl, single), "grad_U", single)
        source = "Σ_o y_o · dCE/dU(o)"
    if received.shape != expected.shape:
        raise LawViolation(me, case, f"{source}: expected shape {expected.shape}, got {received.shape}")
    detail = mismatch(source, expected, received, 2.0 * tol)
    if detail:
        raise LawViolation(me, case, detail, note=f"Label vector y = {y.tolist()} (Σy = {y.sum():.6g})")


@law(
    name="autograd",
    title="dCE/dU agrees with HIPS autograd's derivative of the loss",
    equations=(1,),
    why="reverse-mode automatic differentiation of CE = logsumexp(U v_c) - u_oᵀv_c is exact up to rounding",
    hint="the derivation went wrong somewhere between eq. (1) and eq. (24); the other laws narrow it down",
    weight=10,
    strategy=_single(strategies.cases(max_vocab=500)),
    examples=_PINNED,
)
def agrees_with_autograd(impl: Implementation, case: Case) -> None:
    me = _this("autograd")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    detail = mismatch(f"{_label(impl, 'grad_U')} against autograd",
                      oracles.autograd_grad_U(case.U, case.v_c, case.o), G, truth(case).bounds.grad_U)
    if detail:
        raise LawViolation(me, case, detail)


@law(
    name="finite-differences",
    title="dCE/dU agrees with central finite differences of the loss",
    equations=(1,),
    why="(CE(U + hE) - CE(U - hE)) / 2h approaches each entry of dCE/dU as h → 0; the step and the "
    "tolerance balance truncation against rounding (properties/tolerances.py)",
    hint="the derivation went wrong somewhere between eq. (1) and eq. (24); the other laws narrow it down",
    weight=5,
    strategy=_single(strategies.fd_cases()),
    examples=((strategies.PINNED[1],), (strategies.PINNED[4],)),
    cost=2.0,
)
def agrees_with_finite_differences(impl: Implementation, case: Case) -> None:
    me = _this("finite-differences")
    G = output(me, impl, call(me, impl, case), "grad_U", case)
    numeric = oracles.finite_difference_grad_U(case.U, case.v_c, case.o)
    detail = mismatch(f"{_label(impl, 'grad_U')} against finite differences", numeric, G,
                      tolerances.FD_ATOL + truth(case).bounds.grad_U)
    if detail:
        raise LawViolation(me, case, detail)


@law(
    name="grad-v-c",
    title="dCE/dv_c equals Uᵀ (ŷ - y)",
    equations=(),
    why="z = U v_c, so dCE/dv_c = Uᵀ dCE/dz = Uᵀ (ŷ - y): the companion of dCE/dU = (ŷ - y) v_cᵀ",
    hint="dCE/dv_c is Uᵀ(ŷ - y) = Σ_w ŷ_w u_w - u_o: check the sign and that the whole of U is used",
    weight=10,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
    needs=frozenset({"grad_v_c"}),
)
def grad_v_c_law(impl: Implementation, case: Case) -> None:
    me = _this("grad-v-c")
    g = output(me, impl, call(me, impl, case), "grad_v_c", case)
    t = truth(case)
    detail = mismatch(_label(impl, "grad_v_c"), t.grad_v_c, g, t.bounds.grad_v_c)
    if detail:
        raise LawViolation(me, case, detail)


# ŷ_o is a normal float64 while CE < -log(smallest normal) ≈ 708.4; beyond, the grading policy does
# not grade the loss: -log ŷ_o is +inf, and -log(ŷ_o + ε), a common guard, is -log ε.  Any value
# from UNGRADED_LOSS_FLOOR up is accepted there: it admits guards ε ≤ e⁻⁵⁰⁰ ≈ 7e-218 and still
# rejects a loss that is plainly wrong (0, a negative number, NaN).
LOSS_GRADED_BELOW = -float(np.log(np.finfo(np.float64).tiny))
UNGRADED_LOSS_FLOOR = 500.0


def loss_acceptable(loss: float, t: Truth) -> bool:
    """Within the bound where ŷ_o is normal; beyond, +inf or any value from the floor up."""
    if t.loss >= LOSS_GRADED_BELOW and (loss == np.inf or UNGRADED_LOSS_FLOOR <= loss <= t.loss + t.bounds.loss):
        return True
    return bool(abs(loss - t.loss) <= t.bounds.loss)


def _check_loss(me: Law, impl: Implementation, outputs: Outputs, case: Case, t: Truth) -> None:
    loss = float(output(me, impl, outputs, "loss", case))
    if loss_acceptable(loss, t):
        return
    detail = mismatch(_label(impl, "loss"), np.asarray(t.loss), np.asarray(loss), t.bounds.loss)
    if detail:
        raise LawViolation(me, case, detail)


@law(
    name="loss-value",
    title="the loss equals CE = -log ŷ_o = logsumexp(U v_c) - u_oᵀv_c",
    equations=(1,),
    why="with one-hot y, -Σ_w y_w log ŷ_w keeps only the target's term -log ŷ_o",
    hint="the loss is -log of the target's probability: check the index o and the minus sign",
    weight=5,
    strategy=_single(strategies.cases()),
    examples=_PINNED,
    needs=frozenset({"loss"}),
)
def loss_value(impl: Implementation, case: Case) -> None:
    me = _this("loss-value")
    _check_loss(me, impl, call(me, impl, case), case, truth(case))


@law(
    name="robustness",
    title="the outputs stay right for logits beyond exp's range (|z| > 709.8, gaps > 745)",
    equations=(11,),
    why="softmax is shift-invariant: exp(z_w - max z) / Σ exp(z_m - max z) is eq. (11)'s ŷ_w without "
    "overflow, and the true gradient is perfectly representable there",
    hint="subtract max(z) before exp in the softmax (and compute the loss as logsumexp(z) - z_o)",
    weight=10,
    strategy=_single(strategies.extreme_logit_cases()),
    examples=tuple((case,) for case in strategies.PINNED_EXTREME),
)
def robustness(impl: Implementation, case: Case) -> None:
    me = _this("robustness")
    outputs = call(me, impl, case)
    t = truth(case)
    G = output(me, impl, outputs, "grad_U", case)
    detail = mismatch(_label(impl, "grad_U"), t.grad_U, G, t.bounds.grad_U)
    if detail:
        raise LawViolation(me, case, detail)
    if "grad_v_c" in impl.provides:
        g = output(me, impl, outputs, "grad_v_c", case)
        detail = mismatch(_label(impl, "grad_v_c"), t.grad_v_c, g, t.bounds.grad_v_c)
        if detail:
            raise LawViolation(me, case, detail)
    if "loss" in impl.provides:
        _check_loss(me, impl, outputs, case, t)
