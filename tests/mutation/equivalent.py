"""Surviving mutants reviewed as equivalent: no input the API accepts or refuses tells them apart.

Keyed by (file, the original line, the mutated line), stripped, as run.py prints them; each with why.
run.py reports them apart from unexplained survivors and leaves them out of the gated kill rate.  A
mutant that stops matching (the line was edited) is simply a survivor again, to be reviewed anew.
"""

from __future__ import annotations

_V = "reference/_validate.py"
_ROWS = "rows = max(1, (1 << 16) // U.shape[1])"
_BLOCK = ("only the block size of sgd_step's blockwise finiteness check changes (every block is still "
          "checked, any failure is re-checked by matrix_and_vector); a smaller block allocates less")
_NON_NEGATIVE = "shape entries and ndim are never negative, so <= 0 and == 0 (or != 0 and > 0) agree"

EQUIVALENT: dict[tuple[str, str, str], str] = {
    **{(_V, _ROWS, _ROWS.replace("(1 << 16)", after)): _BLOCK for after in [
        "(1 + 16)", "(1 - 16)", "(1 * 16)", "(1 / 16)", "(1 // 16)", "(1 % 16)", "(1 >> 16)", "(1 ^ 16)",
        "(1 | 16)", "(1 & 16)", "(1 ** 16)", "( 2 << 16)", "( 0 << 16)", "(1 << 17)", "(1 << 15)",
    ]},
    **{(_V, _ROWS, _ROWS.replace("// U.shape[1]", after)): _BLOCK for after in [
        ">> U.shape[1]", "% U.shape[1]", "& U.shape[1]",
    ]},
    (_V, _ROWS, "rows = max( 2, (1 << 16) // U.shape[1])"): _BLOCK,
    (_V, _ROWS, "rows = max(1, (1 << 16) // U.shape[ 0])"): _BLOCK,
    (_V, "and isinstance(v_c, np.ndarray) and v_c.dtype == U.dtype and v_c.shape == (U.shape[1],)",
     "and isinstance(v_c, np.ndarray) and v_c.dtype is U.dtype and v_c.shape == (U.shape[1],)"):
        "U's dtype is native float32/float64 here, whose numpy descriptors are singletons",
    (_V, "if W == 0 or d == 0:", "if W <= 0 or d == 0:"): _NON_NEGATIVE,
    (_V, "if W == 0 or d == 0:", "if W == 0 or d <= 0:"): _NON_NEGATIVE,
    (_V, "if z.ndim == 0 or z.shape[-1] == 0:", "if z.ndim <= 0 or z.shape[-1] == 0:"): _NON_NEGATIVE,
    (_V, "if z.ndim == 0 or z.shape[-1] == 0:", "if z.ndim == 0 or z.shape[-1] <= 0:"): _NON_NEGATIVE,
    (_V, "isinstance(U, np.ndarray) and U.dtype in (np.float32, np.float64) and U.ndim == 2 and U.size > 0",
     "isinstance(U, np.ndarray) and U.dtype in (np.float32, np.float64) and U.ndim == 2 and U.size != 0"): _NON_NEGATIVE,
    (_V, "isinstance(U, np.ndarray) and U.dtype in (np.float32, np.float64) and U.ndim == 2 and U.size > 0",
     "isinstance(U, np.ndarray) and U.dtype in (np.float32, np.float64) and U.ndim == 2 and U.size > 1"):
        "a 1 x 1 U takes the full check of matrix_and_vector instead: same result and message, a 1-byte mask",
    (_V, "if value.ndim != ndim:", "if value.ndim is not ndim:"):
        "ndim is a small int (at most 64) and CPython caches small ints, so `is not` is `!=` here",
    (_V, "if v_c.dtype != U.dtype:", "if v_c.dtype is not U.dtype:"):
        "float_array admits only native float32/float64, whose numpy descriptors are singletons",
    (_V, "return y.astype(dtype, copy=False)", "return y.astype(dtype, copy=True)"):
        "the label vector is only read, never returned or written, so a copy of it changes nothing",
}
