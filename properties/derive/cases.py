"""The cases a derivation step is checked on (pinned ones that expose each erratum, and drawn ones) and
the tolerance of one comparison (derived in properties/tolerances.py)."""

from __future__ import annotations

from collections.abc import Sequence

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

