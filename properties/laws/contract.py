"""Laws of the calling contract: shapes and dtypes, inputs left alone, the same answer again."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import strategies as st

from properties import mistakes as m
from properties import strategies, tolerances
from properties.case import Case
from properties.compare import expected_shape, mismatch, mismatch_finding
from properties.implementation import LABELS, Implementation, Unusable
from properties.laws._common import PINNED, G, law, single, this
from properties.registry import CRASHED, TRANSPOSED_HINT, LawViolation, Rejection, call, label, output, rejecting


@law(
    name="shape-and-dtype",
    title="every output has the shape and dtype of what it is the derivative of",
    equations=(23, 24),
    why="dCE/dU has one row u_w per word: shape (W, d); dCE/dv_c has shape (d,); the loss is a scalar; "
    "float64 inputs give float64 outputs (float32 may stay float32)",
    hint="check the orientation of np.outer / the matrix product and any reshape of v_c",
    weight=5,
    strategy=single(strategies.cases()),
    examples=PINNED,
    rejects=(
        Rejection(m.transposed, rf"^{G}: expected shape \((\d+), (\d+)\), got \(\2, \1\)$"),
        Rejection(m.float32_downcast, rf"^{G}: expected dtype float64, got float32$"),
        Rejection(m.list_output, rf"^{G}: expected a numpy.ndarray of floats, got a builtins.list object"),
        Rejection(m.crashes_for_one_word, "^" + CRASHED.format(
            kind="IndexError", error=r"index 1 is out of bounds for axis 0 with size 1") + "$"),
    ),
)
def shape_and_dtype(impl: Implementation, case: Case) -> float:
    me = this("shape-and-dtype")
    outputs = call(me, impl, case)
    for name in sorted(impl.provides):
        value = outputs.get(name)
        text, shape = label(impl, name), expected_shape(name, case)
        if value is None or isinstance(value, Unusable):
            output(me, impl, outputs, name, case)  # raises the explanation
            continue
        if name == "loss" and value.size == 1:
            continue  # a scalar is a scalar (DESIGN): its precision is loss-value's business
        if value.shape != shape:
            hint = (TRANSPOSED_HINT if value.shape == shape[::-1] and shape[::-1] != shape else
                    "a (d, 1) column where a (d,) vector is expected: flatten it before returning")
            raise LawViolation(me, case, f"{text}: expected shape {shape}, got {value.shape}", hint=hint)
        allowed = tolerances.accepted_output_dtypes(case.U.dtype)  # --precision may allow float32
        if value.dtype not in allowed:
            raise LawViolation(
                me, case, f"{text}: expected dtype {case.U.dtype}, got {value.dtype}",
                hint="a lower-precision dtype loses the accuracy the gradient needs; keep the input's dtype",
            )
    return 0.0


MODIFIED = "Modified after the call: {names}"


@law(
    name="inputs-unchanged",
    title="the inputs are not modified",
    equations=(),
    why="the caller still needs U and v_c after asking for the gradient (an SGD step updates U "
    "afterwards, by its own rule)",
    hint="an in-place operation (U -= ..., v_c.shape = ..., x /= ...) on an argument; work on a copy",
    basis="API contract",
    weight=5,
    strategy=single(strategies.cases()),
    examples=PINNED,
    rejects=(
        Rejection(m.mutates_U, "^" + MODIFIED.format(names="U") + "$"),
        Rejection(m.reshapes_v_c_in_place, "^" + MODIFIED.format(names="v_c") + "$"),
    ),
)
def inputs_unchanged(impl: Implementation, case: Case) -> float:
    me = this("inputs-unchanged")
    outputs = call(me, impl, case)
    if outputs.mutated:
        raise LawViolation(me, case, MODIFIED.format(names=", ".join(outputs.mutated)))
    return 0.0


@law(
    name="repeatable",
    title="the output for an input does not depend on what was asked before",
    equations=(),
    why="dCE/dU is a function of (U, v_c, o) alone; state kept between calls makes the answer depend "
    "on what was asked before",
    hint="a cache or a global variable that outlives one call (for example a softmax computed once "
    "and reused for every input of the same size)",
    basis="a function of (U, v_c, o)",
    weight=5,
    strategy=lambda: strategies.cases().flatmap(
        lambda case: st.tuples(st.just(case), strategies.same_shape_cases(case), strategies.cases())),
    examples=((strategies.PINNED[4], strategies.PINNED[2], strategies.PINNED[1]),),
    rejects=rejecting(mismatch_finding(f"(?:{'|'.join(map(re.escape, LABELS.values()))}) on the second call",
                                       label_is_regex=True), m.accumulating_state, m.stale_softmax_cache),
)
def repeatable(impl: Implementation, case: Case, same_shape: Case, other: Case) -> float:
    """Ask for ``case``, an input S of the same shape, ``other``, S again and ``case`` again.

    S's two answers must agree: the first came right after an input of its shape (where a cache
    keyed by the size would answer from ``case``), the second after ``other``.
    """
    me = this("repeatable")
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
                found = mismatch(f"{label(impl, name)} on the second call", a.reshape(-1),
                                 b.reshape(-1) if b.size == a.size else np.full(a.size, np.nan), 0.0)
                raise LawViolation(me, probe, found.detail or "the outputs differ in shape between calls",
                                   note="The calls, in order: this case after another of its shape, "
                                   f"then {other.describe()}, then this case again")
    return 0.0  # the two answers are identical: nothing to climb towards

