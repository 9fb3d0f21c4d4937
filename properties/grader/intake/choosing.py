"""Choosing the calling convention: which row of the table of conventions a file is graded under.

``--convention auto`` takes the first row whose function the file defines; an explicit convention
or ``--function`` name must be defined, or the message names what the file defines instead and the
closest name to the one looked for.
"""

from __future__ import annotations

import difflib

from properties.grader.conventions import AUTO, CONVENTIONS, CUSTOM_FUNCTION_CONVENTION, Convention
from properties.grader.intake.lexing import defined_functions
from properties.grader.intake.reading import NotGradable, Submission

MSG_BAD_CONVENTION = "--convention: expected one of {valid}, got {got!r}"
MSG_FUNCTION_ABSENT = (
    "{path}: convention {convention!r} looks for a top-level function {wanted}, "
    "but the file defines {defined}{suggestion}; rename your function or pass --convention/--function."
)
MSG_NO_CONVENTION = (
    "{path}: no function of a known convention was found (looked for {wanted}); "
    "the file defines {defined}{suggestion}; pass --convention and --function to say which to grade."
)
MSG_SUGGESTION = " (did you mean {name!r}?)"


def choose_convention(sub: Submission, convention: str = AUTO, function: str | None = None) -> Convention:
    """The convention to grade ``sub`` under; ``function`` renames the function looked for."""
    if convention != AUTO and convention not in CONVENTIONS:
        valid = ", ".join([AUTO, *CONVENTIONS])
        raise ValueError(MSG_BAD_CONVENTION.format(valid=valid, got=convention))
    defined = defined_functions(sub.text)
    if convention == AUTO:
        if function is not None:
            by_name = [c for c in CONVENTIONS.values() if c.function_name == function]
            spec = by_name[0] if by_name else CONVENTIONS[CUSTOM_FUNCTION_CONVENTION].renamed(function)
            return _require(sub, spec, defined)
        for spec in CONVENTIONS.values():
            if spec.function_name in defined:
                return spec
        wanted = [spec.function_name for spec in CONVENTIONS.values()]
        raise NotGradable(
            MSG_NO_CONVENTION.format(
                path=sub.path.name,
                wanted=" or ".join(wanted),
                defined=describe_defined(defined),
                suggestion=_suggest(wanted, defined),
            )
        )
    spec = CONVENTIONS[convention]
    if function is not None:
        spec = spec.renamed(function)
    return _require(sub, spec, defined)


def _require(sub: Submission, spec: Convention, defined: list[str]) -> Convention:
    if spec.function_name in defined:
        return spec
    raise NotGradable(
        MSG_FUNCTION_ABSENT.format(
            path=sub.path.name,
            convention=spec.name,
            wanted=spec.function_name,
            defined=describe_defined(defined),
            suggestion=_suggest([spec.function_name], defined),
        )
    )


def describe_defined(defined: list[str]) -> str:
    return ", ".join(defined) if defined else "no top-level functions"


def _suggest(wanted: list[str], defined: list[str]) -> str:
    # Compare case-insensitively so naiveSoftmaxLossAndGradients and naivesoftmax... both match.
    lowered = {name.lower(): name for name in defined}
    best: tuple[float, str] | None = None
    for target in wanted:
        for match in difflib.get_close_matches(target.lower(), list(lowered), n=1, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, target.lower(), match).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, lowered[match])
    return MSG_SUGGESTION.format(name=best[1]) if best else ""


