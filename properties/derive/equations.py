"""The seed's equations (1)-(24) as numeric expressions over a case, as written and as corrected, and
the true quantities they should equal (the numeric pieces: ŷ, ∂/∂u_w by autograd)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from properties.case import Case

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

