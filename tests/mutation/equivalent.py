"""Surviving mutants reviewed as equivalent: no input the API accepts or refuses tells them apart.

Keyed by (file, the original line, the mutated line), stripped, as run.py prints them; each with why.
run.py reports them apart from unexplained survivors and leaves them out of the gated kill rate.  A
mutant that stops matching (the line was edited) is simply a survivor again, to be reviewed anew.
"""

from __future__ import annotations

_V = "reference/_validate.py"
_NON_NEGATIVE = "shape entries and ndim are never negative, so <= 0 and == 0 (or != 0 and > 0) agree"

EQUIVALENT: dict[tuple[str, str, str], str] = {
    (_V, "if W == 0 or d == 0:", "if W <= 0 or d == 0:"): _NON_NEGATIVE,
    (_V, "if W == 0 or d == 0:", "if W == 0 or d <= 0:"): _NON_NEGATIVE,
    (_V, "if z.ndim == 0 or z.shape[-1] == 0:", "if z.ndim <= 0 or z.shape[-1] == 0:"): _NON_NEGATIVE,
    (_V, "if z.ndim == 0 or z.shape[-1] == 0:", "if z.ndim == 0 or z.shape[-1] <= 0:"): _NON_NEGATIVE,
    (_V, "if value.ndim != ndim:", "if value.ndim is not ndim:"):
        "ndim is a small int (at most 64) and CPython caches small ints, so `is not` is `!=` here",
    (_V, "if v_c.dtype != U.dtype:", "if v_c.dtype is not U.dtype:"):
        "float_array admits only native float32/float64, whose numpy descriptors are singletons",
    (_V, "return y.astype(dtype, copy=False)", "return y.astype(dtype, copy=True)"):
        "the label vector is only read, never returned or written, so a copy of it changes nothing",
}
