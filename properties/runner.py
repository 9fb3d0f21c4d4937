"""Run one law under Hypothesis against an implementation and say what happened.

The runner is the only place that knows about Hypothesis' control flow: it pins the law's
``examples``, fixes the seed (same file + seed + profile = same report), never uses an example
database, and turns what comes out -- a shrunk :class:`LawViolation`, an exception from the code
under test, a fatal outcome such as a timeout -- into a :class:`LawResult`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import example, given, seed, settings
from hypothesis import target as hypothesis_target
from hypothesis.errors import Flaky

from properties import profiles
from properties.case import Case
from properties.implementation import Implementation, ImplementationFatal
from properties.registry import FatalOnCase, Law, LawViolation

FLAKY_MESSAGE = (
    "your function failed this law on an input, then passed on the very same input when it was "
    "tried again: its answer depends on something besides (U, v_c, o), such as state kept between "
    "calls or randomness."
)


@dataclass
class LawResult:
    law: Law
    status: str  # passed | failed | error | timeout | skipped
    message: str = ""
    case: Case | None = None
    args: tuple[Any, ...] = ()
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def run_law(
    law: Law,
    impl: Implementation,
    profile: profiles.GradingProfile = profiles.GRADING_PROFILES["standard"],
    random_seed: int = 0,
) -> LawResult:
    """Check ``law`` against ``impl`` on its pinned examples and on Hypothesis-drawn cases."""
    started = time.perf_counter()
    if not law.applies_to(impl):
        missing = ", ".join(sorted(law.needs - set(impl.provides)))
        return LawResult(law, "skipped", f"not applicable: the implementation returns no {missing}")
    budget = max(3, int(profile.max_examples / law.cost))
    smallest: list[LawViolation] = []  # the smallest failure so far, kept for the shrink budget
    after_failure = [0]

    def body(args: tuple[Any, ...]) -> None:
        if smallest:
            after_failure[0] += 1
            if after_failure[0] > profile.shrink_examples:
                raise _ShrinkBudgetSpent
        try:
            ratio = law.check(impl, *args)
        except LawViolation as violation:
            if not smallest or _size(violation.case) < _size(smallest[0].case):
                smallest[:] = [violation]
            raise
        if profile.target:
            hypothesis_target(min(ratio, 1e300), label="error / tolerance")

    test: Any = given(law.strategy())(body)
    for pinned in reversed(law.examples):
        test = example(pinned)(test)
    test = settings(settings.get_profile("grading"), max_examples=budget)(test)
    test = seed(random_seed)(test)
    try:
        test()
    except LawViolation as violation:
        return LawResult(law, violation.status, str(violation), violation.case, elapsed_s=_since(started))
    except _ShrinkBudgetSpent:
        best = smallest[0]
        return LawResult(law, best.status, str(best), best.case, elapsed_s=_since(started))
    except FatalOnCase as fatal:
        return LawResult(law, fatal.status, str(fatal), fatal.case, elapsed_s=_since(started))
    except ImplementationFatal as fatal:
        return LawResult(law, fatal.status, str(fatal), elapsed_s=_since(started))
    except Flaky as flaky:
        inner = _first_violation(flaky)
        message = f"{inner}\nNote: {FLAKY_MESSAGE}" if inner else FLAKY_MESSAGE
        return LawResult(law, "failed", message, getattr(inner, "case", None), elapsed_s=_since(started))
    return LawResult(law, "passed", elapsed_s=_since(started))


class _ShrinkBudgetSpent(BaseException):
    """Stops Hypothesis' shrinker (a BaseException passes through it at once)."""


def _size(case: Case) -> tuple[int, int]:
    return (case.W * case.d, case.W)


def _first_violation(error: BaseException) -> LawViolation | None:
    if isinstance(error, LawViolation):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first_violation(inner)
        if found:
            return found
    return _first_violation(error.__cause__) if error.__cause__ else None


def _since(started: float) -> float:
    return time.perf_counter() - started
