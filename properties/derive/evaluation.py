"""Checking every step on the cases its premise covers, and the map from equations to the laws that check them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from properties import tolerances
from properties.case import Case
from properties.derive.cases import (
    NORMALISED,
    ONE_HOT,
    PINNED_CASES,
    describe,
    drawn_cases,
    tolerance,
)
from properties.derive.equations import (
    Value,
)
from properties.derive.steps import (
    STEPS,
    Step,
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

