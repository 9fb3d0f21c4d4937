"""``cegrad derive``: the seed's derivation of dCE/dU, eqs. (1)–(24), executed step by step.

The seed (``seed/000_7f5629604cb217cb.txt``) rewrites −∂/∂U Σ_w y_w log ŷ_w in 24 numbered steps.
Every step is encoded here twice, as written and (where the two differ) as corrected, as a numeric
expression over a case (U, v_c, y).  Each expression returns a (W, d) array, so every step can be
compared with the quantity it claims to equal:

* Loss-level steps (1)–(3) are the derivative the equation asks for, taken by reverse-mode
  automatic differentiation (HIPS autograd) of the expression exactly as printed: (1) of
  −Σ_w y_w log ŷ_w, (2) of each row's printed sum with respect to that row, (3) of the same with
  ŷ_i spelt out as exp(u_iᵀv_c) / Σ_m exp(u_mᵀv_c).  Autograd's result carries rounding error
  only, so the tolerance below applies without a truncation term (central differences would need
  one).
* Row-wise steps (4)–(22) are evaluated for every row w in turn and stacked, so "a chosen row w"
  is each row.  A ∂/∂u_w that is still printed in a step ((4)–(10), (14)) is again taken by
  autograd of the printed operand; once a step has carried the derivative out ((11) onwards), its
  closed form is evaluated directly.
* The case analyses: (10)–(13) are the i = w summand of (9), including the leading minus;
  (14)–(17) are the sum over all i ≠ w of the printed summand, since the text introduces them as
  "all cases where i ≠ w".
* (23) and (24) are whole matrices again.

A step "holds" when its value equals, within ``tolerance(case)``, the true quantity it should
equal: the gradient (ŷ Σy − y) v_cᵀ (DESIGN.md, eq. (20)) for (1)–(9) and (18)–(24); its i = w part
−y_w (1 − ŷ_w) v_c for (10)–(13); its i ≠ w part ŷ_w v_c Σ_{i≠w} y_i for (14)–(17).  Since each
corrected step equals that quantity, it equals its corrected predecessor.  A step holds only if it
holds on every case its premise covers: (21)–(23) assume Σy = 1 and (24) a one-hot y, as the seed
says; every other step must hold for any non-negative label vector.  Several errata coincide with
the truth on special inputs (one-hot y, W = 1, w the last row, v_c = 0), so the pinned cases are
chosen such that each erratum is exposed by at least one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from properties import tolerances
from properties.case import Case

# --------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------

ANY_LABEL = "any label vector"
NORMALISED = "labels with Σy = 1"
ONE_HOT = "a one-hot label (y_o = 1)"

DRAWN_CASES = 40
MAX_W = 5
MAX_D = 4
ENTRY_LIMIT = 2.0  # |logit| ≤ MAX_D·ENTRY_LIMIT² = 16: the printed, unshifted exp(u_mᵀv_c) stays normal
LABEL_LIMIT = 2.0


def describe(case: Case) -> str:
    """``name: W=…, d=…, o=…, y=[…], v_c=[…]`` with four significant digits (the report's form)."""
    def show(a: np.ndarray) -> str:
        return "[" + ", ".join(f"{x:.4g}" for x in a.ravel()) + "]"

    return f"{case.note}: W={case.W}, d={case.d}, o={case.o}, y={show(case.y)}, v_c={show(case.v_c)}"


def _case(name: str, U: Sequence[Sequence[float]], v_c: Sequence[float], y: Sequence[float], o: int
          ) -> Case:
    return Case(np.array(U, dtype=np.float64), np.array(v_c, dtype=np.float64), o, note=name,
                labels=np.array(y, dtype=np.float64))


# Which erratum each pinned case exposes is noted beside it; W = 1, d = 1, v_c = 0 and ties are the
# edge cases every step must survive.
PINNED_CASES: tuple[Case, ...] = (
    _case("W=1", [[0.5, -1.0]], [2.0, 1.0], [1.0], 0),
    _case("d=1, one-hot", [[1.0], [-0.5], [0.25]], [1.5], [0.0, 0.0, 1.0], 2),  # (6), (14), (18), (19)
    _case("v_c=0", [[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]], [0.0, 0.0], [0.0, 1.0, 0.0], 1),
    _case("tied logits", [[0.5, 1.0]] * 4, [1.0, -2.0], [0.0, 0.0, 1.0, 0.0], 2),
    # Σy = 1.75 ≠ 1 and ≠ W; y_l ≠ 0 with o ≠ l; mass beyond the first i ≠ w: exposes (2) and all above.
    _case("soft labels, Σy≠1", [[0.5, -1.0], [1.0, 0.25], [-0.5, 0.5], [0.0, 1.0]], [1.0, 2.0],
          [0.5, 0.25, 1.0, 0.0], 2),
    _case("soft labels, Σy=1", [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.5, -1.5], [0.25, 0.25, 0.5], 2),
)


@st.composite
def derivation_cases(draw: st.DrawFn) -> Case:
    """Small ordinary cases with a one-hot, a normalised soft, or an unnormalised soft label."""
    W = draw(st.integers(1, MAX_W))
    d = draw(st.integers(1, MAX_D))
    entries = st.floats(-ENTRY_LIMIT, ENTRY_LIMIT, allow_nan=False, allow_infinity=False, width=64)
    U = np.array(draw(st.lists(entries, min_size=W * d, max_size=W * d)), dtype=np.float64).reshape(W, d)
    v_c = np.array(draw(st.lists(entries, min_size=d, max_size=d)), dtype=np.float64)
    o = draw(st.integers(0, W - 1))
    kind = draw(st.sampled_from(("one-hot", "normalised", "soft")))
    y = np.zeros(W)
    if kind == "one-hot":
        y[o] = 1.0
    elif kind == "normalised":
        # small integer weights keep Σy within a few ulps of 1 after the division
        weights = np.array(draw(st.lists(st.integers(0, 4), min_size=W, max_size=W)), dtype=np.float64)
        weights[o] += 1.0
        y = weights / weights.sum()
    else:
        labels = st.floats(0.0, LABEL_LIMIT, allow_nan=False, allow_infinity=False, width=64)
        y = np.array(draw(st.lists(labels, min_size=W, max_size=W)), dtype=np.float64)
    return Case(U, v_c, o, note=f"drawn ({kind})", labels=y)


def drawn_cases(n: int = DRAWN_CASES, seed: int | None = None) -> tuple[Case, ...]:
    """``n`` cases drawn by Hypothesis: derandomized, or replayable from ``seed``; no database."""
    found: list[Case] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              # the cases are only collected here, never tested, so "too slow"/"filtered" are moot
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(derivation_cases())
    def collect(case: Case) -> None:
        found.append(case)

    if seed is not None:
        collect = hypothesis_seed(seed)(collect)  # a seed overrides derandomize, deterministically
    collect()
    return tuple(found)


# --------------------------------------------------------------------------------------------------
# Tolerance (derived in properties/tolerances.py)
# --------------------------------------------------------------------------------------------------


def tolerance(case: Case) -> float:
    """Absolute tolerance for every entry of a step's (W, d) value on ``case``."""
    return tolerances.derivation_tolerance(case.U, case.v_c, case.y)


# --------------------------------------------------------------------------------------------------
# The numeric pieces: ŷ, the true quantities, and ∂/∂u_w by autograd
# --------------------------------------------------------------------------------------------------

Value = Callable[[Case], np.ndarray]


def _y_hat(c: Case) -> np.ndarray:
    z = c.U @ c.v_c
    e = np.exp(z - z.max())  # softmax is shift-invariant; the shift keeps exp in range
    return np.asarray(e / e.sum())


def _exp_sum(c: Case) -> float:
    """Σ_m exp(u_mᵀv_c), unshifted, as the seed prints it (logits here stay within ±16)."""
    return float(np.exp(c.U @ c.v_c).sum())


def true_gradient(c: Case) -> np.ndarray:
    """dCE/dU = (ŷ Σy − y) v_cᵀ for any label vector y (DESIGN.md; eq. (20) for every row)."""
    return np.outer(_y_hat(c) * c.y.sum() - c.y, c.v_c)


def true_same_part(c: Case) -> np.ndarray:
    """Row w: the i = w summand of eq. (9), −y_w (1 − ŷ_w) v_c."""
    return np.outer(-c.y * (1.0 - _y_hat(c)), c.v_c)


def true_other_part(c: Case) -> np.ndarray:
    """Row w: the i ≠ w summands of eq. (9), ŷ_w v_c Σ_{i≠w} y_i."""
    return np.outer(_y_hat(c) * (c.y.sum() - c.y), c.v_c)


def _d(f: Callable[[Any], Any], c: Case) -> np.ndarray:
    """∂f/∂U by autograd; row w of the result is ∂f/∂u_w.  f maps U to a scalar."""
    from autograd import grad

    return np.asarray(grad(f)(c.U.copy()))


def _np() -> Any:
    import autograd.numpy as anp

    return anp


def _logits(U: Any, v: np.ndarray) -> Any:
    return _np().dot(U, v)


def _log_softmax_spelt_out(U: Any, v: np.ndarray, i: int) -> Any:
    """log( exp(u_iᵀv_c) / Σ_m exp(u_mᵀv_c) ), literally."""
    anp = _np()
    return anp.log(anp.exp(anp.dot(U[i], v)) / anp.sum(anp.exp(_logits(U, v))))


def _cross_entropy_sum(y: np.ndarray, v: np.ndarray) -> Callable[[Any], Any]:
    """U ↦ Σ_w y_w log ŷ_w."""

    def f(U: Any) -> Any:
        anp = _np()
        z = _logits(U, v)
        return anp.sum(y * anp.log(anp.exp(z) / anp.sum(anp.exp(z))))

    return f


def _others(c: Case, w: int) -> list[int]:
    return [i for i in range(c.W) if i != w]


# --------------------------------------------------------------------------------------------------
# The steps, as written and as corrected
# --------------------------------------------------------------------------------------------------


def eq1(c: Case) -> np.ndarray:
    return -_d(_cross_entropy_sum(c.y, c.v_c), c)


FIRST_ROW = 0  # the seed's row l is the first row (eq. (10) writes the same sum from u_1)


def _eq2(c: Case, misindexed: bool) -> np.ndarray:
    """Row r is −∂/∂u_r of row r's printed sum; as printed, row o's first term is y_l log ŷ_o."""
    out = -_d(_cross_entropy_sum(c.y, c.v_c), c)
    if misindexed:
        first, o, v, y = FIRST_ROW, c.o, c.v_c, c.y

        def row_o(U: Any) -> Any:
            anp = _np()
            z = _logits(U, v)
            log_y_hat = anp.log(anp.exp(z) / anp.sum(anp.exp(z)))
            return y[first] * log_y_hat[o] + sum(y[i] * log_y_hat[i] for i in range(len(y)) if i != first)

        out[o] = -_d(row_o, c)[o]
    return out


def eq2_as_written(c: Case) -> np.ndarray:
    return _eq2(c, misindexed=True)


def eq2_corrected(c: Case) -> np.ndarray:
    return _eq2(c, misindexed=False)


def eq3(c: Case) -> np.ndarray:
    y, v = c.y, c.v_c
    return -_d(lambda U: sum(y[i] * _log_softmax_spelt_out(U, v, i) for i in range(len(y))), c)


# eq. (4) is row w of eq. (3): numerically the same expression, now read for each row w in turn.
eq4 = eq3


def _d_dot(c: Case, i: int) -> np.ndarray:
    """∂(u_iᵀv_c)/∂U by autograd."""

    def dot(U: Any) -> Any:
        return _np().dot(U[i], c.v_c)

    return _d(dot, c)


def _d_exp(c: Case, x: int) -> np.ndarray:
    """∂ exp(u_xᵀv_c)/∂U by autograd."""

    def exp_dot(U: Any) -> Any:
        return _np().exp(_np().dot(U[x], c.v_c))

    return _d(exp_dot, c)


def _sum_over_i(c: Case, term: Callable[[int], np.ndarray]) -> np.ndarray:
    return sum((term(i) for i in range(c.W)), np.zeros_like(c.U))


def eq5(c: Case) -> np.ndarray:
    def d_summand(i: int) -> np.ndarray:
        return _d(lambda U: c.y[i] * _log_softmax_spelt_out(U, c.v_c, i), c)

    return -_sum_over_i(c, d_summand)


def _eq6(c: Case, y_on_both_terms: bool) -> np.ndarray:
    y, v = c.y, c.v_c

    def d_summand(i: int) -> np.ndarray:
        def summand(U: Any) -> Any:
            anp = _np()
            log_exp = anp.log(anp.exp(anp.dot(U[i], v)))
            log_sum = anp.log(anp.sum(anp.exp(_logits(U, v))))
            return y[i] * (log_exp - log_sum) if y_on_both_terms else y[i] * log_exp - log_sum

        return _d(summand, c)

    return -_sum_over_i(c, d_summand)


def eq6_as_written(c: Case) -> np.ndarray:
    return _eq6(c, y_on_both_terms=False)


def eq6_corrected(c: Case) -> np.ndarray:
    return _eq6(c, y_on_both_terms=True)


def eq7(c: Case) -> np.ndarray:
    anp, v = _np(), c.v_c
    d_log_sum = _d(lambda U: anp.log(anp.sum(anp.exp(_logits(U, v)))), c)
    return -_sum_over_i(c, lambda i: c.y[i] * (_d_dot(c, i) - d_log_sum))


def eq8(c: Case) -> np.ndarray:
    anp, v = _np(), c.v_c
    d_sum = _d(lambda U: anp.sum(anp.exp(_logits(U, v))), c)
    return -_sum_over_i(c, lambda i: c.y[i] * (_d_dot(c, i) - d_sum / _exp_sum(c)))


def eq9(c: Case) -> np.ndarray:
    sum_of_ratios = _sum_over_i(c, lambda x: _d_exp(c, x) / _exp_sum(c))
    return -_sum_over_i(c, lambda i: c.y[i] * (_d_dot(c, i) - sum_of_ratios))


def eq10(c: Case) -> np.ndarray:
    out = np.zeros_like(c.U)
    d_sum = _sum_over_i(c, lambda x: _d_exp(c, x))  # ∂/∂U (exp(u_1ᵀv_c) + … + exp(u_Wᵀv_c))
    for w in range(c.W):
        out[w] = -c.y[w] * (_d_dot(c, w)[w] - d_sum[w] / _exp_sum(c))
    return out


def eq11(c: Case) -> np.ndarray:
    exp_z = np.exp(c.U @ c.v_c)
    return np.stack([-c.y[w] * (c.v_c - exp_z[w] * c.v_c / _exp_sum(c)) for w in range(c.W)])


def eq12(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([-(c.y[w] * (1.0 - y_hat[w]) * c.v_c) for w in range(c.W)])


def eq13(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([-(c.y[w] * c.v_c - c.y[w] * y_hat[w] * c.v_c) for w in range(c.W)])


def _eq14(c: Case, last_term_repeats_w: bool) -> np.ndarray:
    anp, v, out = _np(), c.v_c, np.zeros_like(c.U)
    last = c.W - 1
    for w in range(c.W):

        def printed_sum(U: Any, w: int = w) -> Any:
            # exp(u_lᵀv_c) + … + exp(u_wᵀv_c) + … + exp(u_?ᵀv_c): the last term as printed is u_w
            terms = [anp.exp(anp.dot(U[x], v)) for x in range(last)]
            return sum(terms) + anp.exp(anp.dot(U[w if last_term_repeats_w else last], v))

        d_sum = _d(printed_sum, c)
        for i in _others(c, w):
            out[w] += -c.y[i] * (_d_dot(c, i)[w] - d_sum[w] / _exp_sum(c))
    return out


def eq14_as_written(c: Case) -> np.ndarray:
    return _eq14(c, last_term_repeats_w=True)


def eq14_corrected(c: Case) -> np.ndarray:
    return _eq14(c, last_term_repeats_w=False)


def eq15(c: Case) -> np.ndarray:
    exp_z = np.exp(c.U @ c.v_c)
    return np.stack([-sum((c.y[i] * (0.0 - exp_z[w] * c.v_c / _exp_sum(c)) for i in _others(c, w)),
                          np.zeros(c.d)) for w in range(c.W)])


def eq16(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([-sum((c.y[i] * (0.0 - y_hat[w]) * c.v_c for i in _others(c, w)), np.zeros(c.d))
                     for w in range(c.W)])


def eq17(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([-sum((-c.y[i] * y_hat[w] * c.v_c for i in _others(c, w)), np.zeros(c.d))
                     for w in range(c.W)])


def _y_other(c: Case, w: int, as_a_sum: bool) -> float:
    """The printed y_{i≠w}: one label (the first i ≠ w, as the seed lists u_l first), or the sum."""
    others = _others(c, w)
    if as_a_sum:
        return float(sum(c.y[i] for i in others))
    return float(c.y[others[0]]) if others else 0.0


def _eq18(c: Case, as_a_sum: bool) -> np.ndarray:
    # i = w and every i ≠ w are now combined, so the printed "…" stand for no further terms
    y_hat, v = _y_hat(c), c.v_c
    return np.stack([-(c.y[w] * v - c.y[w] * y_hat[w] * v - _y_other(c, w, as_a_sum) * y_hat[w] * v)
                     for w in range(c.W)])


def eq18_as_written(c: Case) -> np.ndarray:
    return _eq18(c, as_a_sum=False)


def eq18_corrected(c: Case) -> np.ndarray:
    return _eq18(c, as_a_sum=True)


def _eq19(c: Case, as_a_sum: bool) -> np.ndarray:
    y_hat, v = _y_hat(c), c.v_c
    return np.stack([-c.y[w] * v + c.y[w] * y_hat[w] * v + _y_other(c, w, as_a_sum) * y_hat[w] * v
                     for w in range(c.W)])


def eq19_as_written(c: Case) -> np.ndarray:
    return _eq19(c, as_a_sum=False)


def eq19_corrected(c: Case) -> np.ndarray:
    return _eq19(c, as_a_sum=True)


def eq20(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([-c.y[w] * c.v_c + y_hat[w] * c.v_c * c.y.sum() for w in range(c.W)])


def eq21(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([-c.y[w] * c.v_c + y_hat[w] * c.v_c * 1.0 for w in range(c.W)])


def eq22(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([(y_hat[w] - c.y[w]) * c.v_c for w in range(c.W)])


def eq23(c: Case) -> np.ndarray:
    return np.outer(_y_hat(c) - c.y, c.v_c)


def eq24(c: Case) -> np.ndarray:
    y_hat = _y_hat(c)
    return np.stack([(y_hat[w] - 1.0) * c.v_c if w == c.o else y_hat[w] * c.v_c for w in range(c.W)])


@dataclass(frozen=True)
class Step:
    """One numbered equation of the seed.

    ``corrected is as_written`` for a step printed correctly; otherwise the step is an erratum and
    ``note`` says what is wrong and what it should read.  ``target`` is the true quantity the step
    claims to equal; ``premise`` the label vectors it is claimed for.
    """

    equation: int
    statement: str
    as_written: Value
    corrected: Value
    note: str = ""
    target: Value = true_gradient
    premise: str = ANY_LABEL

    @property
    def is_erratum(self) -> bool:
        return self.corrected is not self.as_written


def _ok(equation: int, statement: str, value: Value, **kw: Any) -> Step:
    return Step(equation, statement, value, value, **kw)


ERRATUM_2 = ("row o's first term reads y_l log ŷ_o (mis-indexed); it should read y_l log ŷ_l, "
             "as in every other row and in eq. (3)")
ERRATUM_6 = ("the y_i factor is lost on the second term: y_i log exp(u_iᵀv_c) − log Σ_m exp(u_mᵀv_c) "
             "should read y_i (log exp(u_iᵀv_c) − log Σ_m exp(u_mᵀv_c)), as eq. (7) goes on to use")
ERRATUM_14 = ("the sum in the numerator ends in exp(u_wᵀv_c) a second time; its last term should be "
              "exp(u_Wᵀv_c), as in eq. (10)")
ERRATUM_18 = ("the single term y_{i≠w} ŷ_w v_c stands for the whole sum over i ≠ w and the '…' for "
              "nothing; it should read −(y_w v_c − y_w ŷ_w v_c − Σ_{i≠w} y_i ŷ_w v_c)")
ERRATUM_19 = ("the single term y_{i≠w} ŷ_w v_c stands for the whole sum over i ≠ w and the '…' for "
              "nothing; it should read −y_w v_c + y_w ŷ_w v_c + ŷ_w v_c Σ_{i≠w} y_i")

# Slips of notation that change no value once read the obvious way: reported, not executed.
NOTATION_SLIPS: tuple[tuple[int, str], ...] = (
    (1, "the summation index w is reused from eq. (4) on as the row index; read Σ_{i=1}^{W} y_i log ŷ_i"),
    (2, "each row's sum ends in y_w log ŷ_w although rows continue past w; it should run to y_W log ŷ_W, "
        "as eq. (4) writes Σ_{i=1}^{W}"),
    (3, "each row opens one parenthesis more than it closes (15 \\left( against 12 \\right)); "
        "the sums also end in y_w, as in eq. (2)"),
    (22, "(ŷ_w − y_w) v_c is row w of a W×d matrix, so it is the row vector (ŷ_w − y_w) v_cᵀ"),
    (23, "the '=' between dCE/dU and the matrix is missing, and the rows are v_cᵀ: dCE/dU = (ŷ − y) v_cᵀ"),
)


STEPS: tuple[Step, ...] = (
    _ok(1, "dCE/dU = −∂/∂U Σ_w y_w log ŷ_w", eq1),
    Step(2, "row r of dCE/dU is −∂/∂u_r (y_l log ŷ_l + … + y_o log ŷ_o + … + y_w log ŷ_w)",
         eq2_as_written, eq2_corrected, ERRATUM_2),
    _ok(3, "the same rows with ŷ_i = exp(u_iᵀv_c) / Σ_m exp(u_mᵀv_c) spelt out", eq3),
    _ok(4, "row w: −∂/∂u_w Σ_i y_i log(exp(u_iᵀv_c) / Σ_m exp(u_mᵀv_c))", eq4),
    _ok(5, "row w: −Σ_i ∂/∂u_w y_i log(exp(u_iᵀv_c) / Σ_m exp(u_mᵀv_c))", eq5),
    Step(6, "row w: −Σ_i ∂/∂u_w (y_i log exp(u_iᵀv_c) − log Σ_m exp(u_mᵀv_c))",
         eq6_as_written, eq6_corrected, ERRATUM_6),
    _ok(7, "row w: −Σ_i y_i (∂(u_iᵀv_c)/∂u_w − ∂/∂u_w log Σ_m exp(u_mᵀv_c))", eq7),
    _ok(8, "row w: −Σ_i y_i (∂(u_iᵀv_c)/∂u_w − (1/Σ_m exp(u_mᵀv_c)) ∂/∂u_w Σ_x exp(u_xᵀv_c))", eq8),
    _ok(9, "row w: −Σ_i y_i (∂(u_iᵀv_c)/∂u_w − Σ_x ∂/∂u_w exp(u_xᵀv_c) / Σ_m exp(u_mᵀv_c))", eq9),
    _ok(10, "i = w: −y_w (∂(u_wᵀv_c)/∂u_w − ∂/∂u_w (exp(u_1ᵀv_c) + … + exp(u_Wᵀv_c)) / Σ_m exp(u_mᵀv_c))",
        eq10, target=true_same_part),
    _ok(11, "i = w: −y_w (v_c − exp(u_wᵀv_c) v_c / Σ_m exp(u_mᵀv_c))", eq11, target=true_same_part),
    _ok(12, "i = w: −y_w (1 − ŷ_w) v_c", eq12, target=true_same_part),
    _ok(13, "i = w: −(y_w v_c − y_w ŷ_w v_c)", eq13, target=true_same_part),
    Step(14, "i ≠ w: −y_i (∂(u_iᵀv_c)/∂u_w − ∂/∂u_w (exp(u_lᵀv_c) + … + exp(u_wᵀv_c) + … + exp(u_wᵀv_c))"
             " / Σ_m exp(u_mᵀv_c))",
         eq14_as_written, eq14_corrected, ERRATUM_14, target=true_other_part),
    _ok(15, "i ≠ w: −y_i (0 − exp(u_wᵀv_c) v_c / Σ_m exp(u_mᵀv_c))", eq15, target=true_other_part),
    _ok(16, "i ≠ w: −y_i (0 − ŷ_w) v_c", eq16, target=true_other_part),
    _ok(17, "i ≠ w: −(−y_i ŷ_w v_c)", eq17, target=true_other_part),
    Step(18, "(13) and (17) combined: −(… + y_w v_c − y_w ŷ_w v_c − y_{i≠w} ŷ_w v_c + …)",
         eq18_as_written, eq18_corrected, ERRATUM_18),
    Step(19, "−y_w v_c + y_w ŷ_w v_c + y_{i≠w} ŷ_w v_c + …", eq19_as_written, eq19_corrected, ERRATUM_19),
    _ok(20, "−y_w v_c + ŷ_w v_c Σ_n y_n", eq20),
    _ok(21, "with Σ_n y_n = 1: −y_w v_c + ŷ_w v_c (1)", eq21, premise=NORMALISED),
    _ok(22, "(ŷ_w − y_w) v_c", eq22, premise=NORMALISED),
    _ok(23, "dCE/dU has rows (ŷ_l − y_l) v_c, …, (ŷ_o − y_o) v_c, …, (ŷ_w − y_w) v_c", eq23,
        premise=NORMALISED),
    _ok(24, "with y_o = 1: row w is (ŷ_w − 1) v_c if w = o, else ŷ_w v_c", eq24, premise=ONE_HOT),
)


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def premise_holds(premise: str, c: Case) -> bool:
    """Whether ``c``'s label vector is one the step is claimed for."""
    if premise == NORMALISED:
        return abs(float(c.y.sum()) - 1.0) <= tolerances.normalised_labels_tolerance(c.W)
    if premise == ONE_HOT:
        return bool(np.array_equal(c.y, np.eye(c.W)[c.o]))
    return True


@dataclass(frozen=True)
class StepResult:
    equation: int
    statement: str
    holds_as_written: bool
    holds_corrected: bool
    note: str
    is_erratum: bool
    exposed_by: str  # the first case on which the step as written fails, "" if none

    def to_json(self) -> dict[str, object]:
        return {"equation": self.equation, "statement": self.statement,
                "holds_as_written": self.holds_as_written, "holds_corrected": self.holds_corrected,
                "note": self.note}


def _agrees(value: Value, target: Value, c: Case) -> bool:
    try:
        got = np.asarray(value(c), dtype=np.float64)
    except Exception:  # a broken step may raise anything; that is simply "does not hold"
        return False
    want = target(c)
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= tolerance(c)))


def evaluate(steps: Sequence[Step] = STEPS, cases: Sequence[Case] | None = None
             ) -> tuple[StepResult, ...]:
    """Check every step on every case its premise covers (default: the pinned and drawn cases)."""
    cases = tuple(PINNED_CASES + drawn_cases()) if cases is None else tuple(cases)
    results = []
    for step in steps:
        covered = [c for c in cases if premise_holds(step.premise, c)]
        failing_as_written = next((c for c in covered if not _agrees(step.as_written, step.target, c)), None)
        if not step.is_erratum:
            holds_corrected = failing_as_written is None
        else:
            holds_corrected = all(_agrees(step.corrected, step.target, c) for c in covered)
        results.append(StepResult(step.equation, step.statement, failing_as_written is None,
                                  holds_corrected and bool(covered), step.note, step.is_erratum,
                                  "" if failing_as_written is None else describe(failing_as_written)))
    return tuple(results)


# --------------------------------------------------------------------------------------------------
# The map from equations to laws
# --------------------------------------------------------------------------------------------------


def law_map() -> dict[int, tuple[str, ...]]:
    """Equation number → names of the laws in ``properties.laws.LAWS`` that check it."""
    try:
        from properties.laws import LAWS
    except ImportError:  # the registry is optional here: without it the map is empty
        return {}
    mapping: dict[int, list[str]] = {n: [] for n in range(1, 25)}
    for law in LAWS:
        for n in law.equations:
            mapping.setdefault(n, []).append(law.name)
    return {n: tuple(names) for n, names in sorted(mapping.items())}


# --------------------------------------------------------------------------------------------------
# The report (cegrad derive; its options are in properties/grader/cli.py)
# --------------------------------------------------------------------------------------------------

HEADER = ("cegrad derive: the seed's derivation of dCE/dU, eqs. (1)-(24), "
          "on {n} cases ({pinned} pinned, {drawn} drawn by Hypothesis)")
COLUMNS = " eq.  written  corrected  statement"
ERRATUM_LINE = "        erratum: {note}"
EXPOSED_LINE = "        fails as written on {case}"
PREMISE_LINE = "        (claimed for {premise})"
ERRATA_HEADER = "Errata: {n}"
NOTATION_HEADER = "Slips of notation (no numeric effect once read as corrected):"
LAW_MAP_HEADER = "Equations and the laws that check them:"
NO_LAWS = "(the law registry properties.laws.LAWS is not available)"
UNCHECKED = "-"
VERDICT_OK = "Every corrected step holds."
VERDICT_FAIL = "Corrected steps that do not hold: {eqs}"
YES, NO = "✓", "✗"


def _text(results: Sequence[StepResult], steps: Sequence[Step], laws: dict[int, tuple[str, ...]],
          n_pinned: int, n_drawn: int) -> str:
    premises = {s.equation: s.premise for s in steps}
    lines = [HEADER.format(n=n_pinned + n_drawn, pinned=n_pinned, drawn=n_drawn), "", COLUMNS]
    for r in results:
        mark = (YES if r.holds_as_written else NO, YES if r.holds_corrected else NO)
        lines.append(f"({r.equation:>2})    {mark[0]}        {mark[1]}      {r.statement}")
        if premises.get(r.equation, ANY_LABEL) != ANY_LABEL:
            lines.append(PREMISE_LINE.format(premise=premises[r.equation]))
        if r.note:
            lines.append(ERRATUM_LINE.format(note=r.note))
        if r.exposed_by:
            lines.append(EXPOSED_LINE.format(case=r.exposed_by))
    errata = [r for r in results if r.is_erratum]
    lines += ["", ERRATA_HEADER.format(n=len(errata))]
    lines += [f"  eq. ({r.equation}): {r.note}" for r in errata]
    lines += ["", NOTATION_HEADER]
    lines += [f"  eq. ({n}): {text}" for n, text in NOTATION_SLIPS]
    lines += ["", LAW_MAP_HEADER]
    if not laws:
        lines.append("  " + NO_LAWS)
    for n, names in laws.items():
        lines.append(f"  ({n:>2})  {', '.join(names) or UNCHECKED}")
    failing = [str(r.equation) for r in results if not r.holds_corrected]
    lines += ["", VERDICT_FAIL.format(eqs=", ".join(failing)) if failing else VERDICT_OK]
    return "\n".join(lines)


def run(output_format: str = "text", seed: int | None = None, steps: Sequence[Step] = STEPS) -> bool:
    """Print the derivation checked step by step (``cegrad derive``); True when every corrected step holds."""
    drawn = drawn_cases(seed=seed)
    results = evaluate(steps, PINNED_CASES + drawn)
    laws = law_map()
    if output_format == "json":
        print(json.dumps({
            "steps": [r.to_json() for r in results],
            "errata": [{"equation": r.equation, "note": r.note, "holds_as_written": r.holds_as_written}
                       for r in results if r.is_erratum],
            "notation": [{"equation": n, "note": text} for n, text in NOTATION_SLIPS],
            "law_map": {str(n): list(names) for n, names in laws.items()},
            "cases": {"pinned": len(PINNED_CASES), "drawn": len(drawn), "seed": seed},
        }, indent=2))
    else:
        print(_text(results, steps, laws, len(PINNED_CASES), len(drawn)))
    return all(r.holds_corrected for r in results)
