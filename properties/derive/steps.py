"""The 24 steps of the seed's derivation: each equation's statement, its value as written and as
corrected (an erratum where they differ, with its note), the quantity it claims and its premise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from properties.derive.cases import (
    ANY_LABEL,
    NORMALISED,
    ONE_HOT,
)
from properties.derive.equations import (
    Value,
    eq1,
    eq2_as_written,
    eq2_corrected,
    eq3,
    eq4,
    eq5,
    eq6_as_written,
    eq6_corrected,
    eq7,
    eq8,
    eq9,
    eq10,
    eq11,
    eq12,
    eq13,
    eq14_as_written,
    eq14_corrected,
    eq15,
    eq16,
    eq17,
    eq18_as_written,
    eq18_corrected,
    eq19_as_written,
    eq19_corrected,
    eq20,
    eq21,
    eq22,
    eq23,
    eq24,
    true_gradient,
    true_other_part,
    true_same_part,
)


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

