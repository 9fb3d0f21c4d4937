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

The package in the order of the work: :mod:`.cases` (the cases and the tolerance),
:mod:`.equations` (each equation as a numeric expression), :mod:`.steps` (the table of the 24 steps
and their errata), :mod:`.evaluation` (checking them, the law map) and :mod:`.report` (what
``cegrad derive`` prints).
"""

from properties.derive.cases import (
    ANY_LABEL,
    DRAWN_CASES,
    ENTRY_LIMIT,
    LABEL_LIMIT,
    MAX_D,
    MAX_W,
    NORMALISED,
    ONE_HOT,
    PINNED_CASES,
    derivation_cases,
    describe,
    drawn_cases,
    tolerance,
)
from properties.derive.equations import (
    FIRST_ROW,
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
from properties.derive.evaluation import (
    StepResult,
    evaluate,
    law_map,
    premise_holds,
)
from properties.derive.report import (
    COLUMNS,
    ERRATA_HEADER,
    ERRATUM_LINE,
    EXPOSED_LINE,
    HEADER,
    LAW_MAP_HEADER,
    NO_LAWS,
    NOTATION_HEADER,
    PREMISE_LINE,
    UNCHECKED,
    VERDICT_FAIL,
    VERDICT_OK,
    run,
)
from properties.derive.steps import (
    ERRATUM_2,
    ERRATUM_6,
    ERRATUM_14,
    ERRATUM_18,
    ERRATUM_19,
    NOTATION_SLIPS,
    STEPS,
    Step,
)

__all__ = [
    "ANY_LABEL",
    "COLUMNS",
    "DRAWN_CASES",
    "ENTRY_LIMIT",
    "ERRATA_HEADER",
    "ERRATUM_2",
    "ERRATUM_6",
    "ERRATUM_14",
    "ERRATUM_18",
    "ERRATUM_19",
    "ERRATUM_LINE",
    "EXPOSED_LINE",
    "FIRST_ROW",
    "HEADER",
    "LABEL_LIMIT",
    "LAW_MAP_HEADER",
    "MAX_D",
    "MAX_W",
    "NORMALISED",
    "NOTATION_HEADER",
    "NOTATION_SLIPS",
    "NO_LAWS",
    "ONE_HOT",
    "PINNED_CASES",
    "PREMISE_LINE",
    "STEPS",
    "UNCHECKED",
    "VERDICT_FAIL",
    "VERDICT_OK",
    "Step",
    "StepResult",
    "Value",
    "derivation_cases",
    "describe",
    "drawn_cases",
    "eq1",
    "eq2_as_written",
    "eq2_corrected",
    "eq3",
    "eq4",
    "eq5",
    "eq6_as_written",
    "eq6_corrected",
    "eq7",
    "eq8",
    "eq9",
    "eq10",
    "eq11",
    "eq12",
    "eq13",
    "eq14_as_written",
    "eq14_corrected",
    "eq15",
    "eq16",
    "eq17",
    "eq18_as_written",
    "eq18_corrected",
    "eq19_as_written",
    "eq19_corrected",
    "eq20",
    "eq21",
    "eq22",
    "eq23",
    "eq24",
    "evaluate",
    "law_map",
    "premise_holds",
    "run",
    "tolerance",
    "true_gradient",
    "true_other_part",
    "true_same_part",
]
