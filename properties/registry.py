"""What a law is, how it calls the implementation, how it reports a violation, and the registry.

A law is a plain function ``check(impl, *args) -> float`` registered with :meth:`Registry.law`:
it calls the implementation (:func:`call`, fresh copies of the inputs), reads an output slot
(:func:`output`), compares, and either raises :class:`LawViolation` -- an ``AssertionError`` whose
message teaches: the law and its equation, why it holds, the smallest case, the finding (expected
against received at the worst entry), and what the pattern usually means -- or returns the worst
error as a multiple of its tolerance, which the runner hands to ``hypothesis.target``.

Each registry entry also names the mistakes (``properties.mistakes``) the law must reject and a
regular expression of the finding it reports for each (:class:`Rejection`); the test suite runs
every pair (tests/test_laws_reject_mutants.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from properties.case import Case
from properties.compare import expected_shape, reshaped
from properties.implementation import LABELS, Implementation, ImplementationFatal, Outputs, Unusable
from properties.mistakes import Mistake


@dataclass(frozen=True)
class Rejection:
    """A mistake the law must reject, and a regex (``re.MULTILINE``) of the finding it reports."""

    mistake: Mistake
    finding: str


def rejecting(finding: str, *mistakes: Mistake) -> tuple[Rejection, ...]:
    """The same finding for several mistakes: ``rejects=rejecting(ROW_SUM, m.only_row_o, ...)``."""
    return tuple(Rejection(m, finding) for m in mistakes)


@dataclass(frozen=True)
class Law:
    name: str
    title: str
    equations: tuple[int, ...]
    why: str
    hint: str
    weight: float
    check: Callable[..., float]  # check(impl, *args) -> worst error / tolerance; raises LawViolation
    strategy: Callable[[], st.SearchStrategy[tuple[Any, ...]]]
    rejects: tuple[Rejection, ...] = ()  # Registry.law refuses a law without one
    examples: tuple[tuple[Any, ...], ...] = ()
    needs: frozenset[str] = frozenset({"grad_U"})
    cost: float = 1.0  # relative cost of one example, scales the example budget down
    notes: list[str] = field(default_factory=list, compare=False, hash=False)
    #: what a law outside the derivation (no equations) rests on instead, cited in reports
    basis: str = ""

    @property
    def equation_text(self) -> str:
        if not self.equations:
            return self.basis or "outside the derivation"
        numbers = [str(n) for n in self.equations]
        return "eq. (" + ")–(".join(numbers) + ")" if len(numbers) > 1 else f"eq. ({numbers[0]})"

    def applies_to(self, impl: Implementation) -> bool:
        return self.needs <= set(impl.provides)


class Registry:
    """The laws of one function under test, in the order they were registered."""

    def __init__(self) -> None:
        self._by_name: dict[str, Law] = {}

    def law(self, **fields: Any) -> Callable[[Callable[..., float]], Callable[..., float]]:
        """Register the decorated ``check`` as a law with the given fields (see :class:`Law`)."""

        def register(check: Callable[..., float]) -> Callable[..., float]:
            entry = Law(check=check, **fields)
            if entry.name in self._by_name:
                raise ValueError(f"law {entry.name!r} is registered twice")
            if not entry.rejects:
                raise ValueError(f"law {entry.name!r} names no mistake it rejects (rejects=...)")
            self._by_name[entry.name] = entry
            return check

        return register

    @property
    def laws(self) -> tuple[Law, ...]:
        return tuple(self._by_name.values())

    def get(self, name: str) -> Law:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no law named {name!r}; the laws are {', '.join(self._by_name)}") from None

    def rejecting(self, mistake: Mistake) -> tuple[Law, ...]:
        """The laws that name ``mistake`` among those they must reject, in registry order."""
        return tuple(law for law in self._by_name.values() if any(r.mistake is mistake for r in law.rejects))


def pairs(laws: Iterable[Law]) -> list[tuple[Law, Rejection]]:
    """Every (law, rejection) pair the laws declare."""
    return [(law, rejection) for law in laws for rejection in law.rejects]


# ---------------------------------------------------------------------------------------------
# Violations


class LawViolation(AssertionError):
    """A law does not hold for this implementation on ``case``."""

    status = "failed"

    def __init__(self, law: Law, case: Case, detail: str, hint: str = "", note: str = "") -> None:
        self.law, self.case, self.detail, self.hint = law, case, detail, hint or law.hint
        lines = [
            f"Law broken: {law.title}   ({law.equation_text})",
            f"Why: {law.why}",
            f"Smallest case: {case.describe()}",
            detail,
        ]
        if note:
            lines.append(note)
        if self.hint:
            lines.append(f"Likely mistake: {self.hint}")
        super().__init__("\n".join(lines))


class SubmissionCrashed(LawViolation):
    """The implementation raised an exception instead of returning."""

    status = "error"


class FatalOnCase(ImplementationFatal):
    """An :class:`ImplementationFatal` with the case and law it happened on attached."""

    def __init__(self, law: Law, case: Case, cause: ImplementationFatal) -> None:
        self.law, self.case, self.cause = law, case, cause
        self.status = cause.status
        super().__init__(
            f"Law not checked: {law.title}   ({law.equation_text})\n"
            f"On the case: {case.describe()}\n{cause}"
        )


# ---------------------------------------------------------------------------------------------
# Calling the implementation and reading its outputs

CRASHED = "Your function raised {kind}: {error}"


def label(impl: Implementation, name: str) -> str:
    """The name the messages use for output slot ``name`` of ``impl``."""
    return impl.labels.get(name, LABELS[name])


def call(law: Law, impl: Implementation, case: Case) -> Outputs:
    """impl(U, v_c, o) on fresh copies; a raised exception is itself a violation of the law."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # overflow warnings are the student's business; the values are what is graded
            warnings.simplefilter("ignore")
            return impl(case.U.copy(), case.v_c.copy(), case.o)
    except ImplementationFatal as fatal:
        raise FatalOnCase(law, case, fatal) from fatal
    except Exception as error:  # whatever the code under test raises is the student's to see
        raise SubmissionCrashed(
            law, case, CRASHED.format(kind=type(error).__name__, error=error).removesuffix(": "),
            hint="the function must return for every valid input, including W = 1, d = 1 and v_c = 0",
        ) from error


TRANSPOSED_HINT = "you returned the transpose: dCE/dU has one row per word, shape (W, d)"


def output(law: Law, impl: Implementation, outputs: Outputs, name: str, case: Case) -> np.ndarray:
    """The named output as a float64 array of the expected shape, or a violation saying why not."""
    value = outputs.get(name)
    text = label(impl, name)
    if value is None:
        raise LawViolation(law, case, f"{text}: nothing was returned for it")
    if isinstance(value, Unusable):
        if "not a tuple" in value.reason:  # nothing usable came back at all, e.g. None
            raise LawViolation(law, case, f"Your function {value.reason}", hint="return the tuple "
                               "(loss, gradient with respect to v_c, gradient with respect to U)")
        raise LawViolation(
            law, case, f"{text}: expected a numpy.ndarray of floats, got {value.reason}",
            hint="return a plain numpy array (np.ndarray) of floats; lists, np.matrix and custom objects "
            "are not compared",
        )
    shape = expected_shape(name, case)
    if name == "loss":
        if value.size != 1:
            raise LawViolation(law, case, f"{text}: expected a scalar, got an array of shape {value.shape}")
        return value.astype(np.float64).reshape(())
    array = reshaped(value, shape)
    if array is None:
        hint = TRANSPOSED_HINT if value.shape == shape[::-1] else ""
        raise LawViolation(law, case, f"{text}: expected shape {shape}, got {value.shape}", hint=hint)
    return array.astype(np.float64)
