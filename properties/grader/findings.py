"""Findings: the failed laws grouped by root cause, and the notes a report adds about the output.

:func:`properties.grader.diagnose.explain` names the cause of one law's failure; here the laws that
share a cause become one :class:`Finding` (the laws it breaks, the laws it kept from being checked,
the smallest counterexample among them), and the accepted behaviours that would otherwise alarm a
student (an +inf loss where ŷ_o underflows, numpy's warning about it) become one note each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from properties.grader.diagnose import (
    HINT_FLOAT32_OK,
    PROBE,
    TITLE_FLOAT32,
    Context,
    Evidence,
    computes_in_float32,
    explain,
    without_fixed_hint,
)

NOTE_LOSS_POLICY = (
    "where ŷ_o underflows to 0 (a loss beyond {below:.4g}), -log ŷ_o has no float value: the loss is not "
    "graded there, whichever way your code says so (np.log gives +inf, math.log raises ValueError). Yours {how}: "
    "accepted"
)
LOSS_POLICY_HOW = {"inf": "returned +inf", "math.log": "raised ValueError: math domain error"}
NOTE_WARNINGS_HIDDEN = (
    "numpy warned '{warning}' where ŷ_o underflows; that is the +inf loss accepted above, so the warning is "
    "not shown under your output"
)


@dataclass
class Finding:
    """One root cause and every law it explains: the unit a student reads and fixes."""

    cause: str
    title: str
    laws: list[str]  # laws broken by it, in law order
    not_checked: list[str] = field(default_factory=list)  # laws it kept from being evaluated
    law: str = ""  # the law whose counterexample is shown: the smallest case among ``laws``
    message: str = ""  # that law's message without its fixed hint: law, why, smallest case, numbers
    counterexample: dict[str, object] | None = None
    diagnosis: list[str] = field(default_factory=list)
    hint: str = ""
    section: str = ""
    points: float = 0.0  # the weights lost to it


class _Graded(Protocol):
    name: str
    status: str
    weight: float
    message: str
    counterexample: dict[str, object] | None
    size: tuple[int, int] | None
    section: str


def merged(diagnosis: Sequence[str]) -> list[str]:
    """The diagnosis lines with one line per explanation, naming every output it explains."""
    labels: dict[str, list[str]] = {}
    for line in diagnosis:
        label, _, explanation = line.partition(": ")
        labels.setdefault(explanation or label, []).append(label if explanation else "")
    return [f"{', '.join(n for n in names if n)}: {text}" if any(names) else text for text, names in labels.items()]


# ---------------------------------------------------------------------------------------------
# Grouping into findings


def findings(properties: Sequence[_Graded], evidence: dict[str, Evidence], ctx: Context) -> list[Finding]:
    """One finding per root cause, in the order of the first law each explains."""
    grouped: dict[str, Finding] = {}
    smallest: dict[str, tuple[int, int]] = {}
    for p in properties:
        if p.status == "passed" or p.name not in evidence:
            continue
        why = explain(evidence[p.name], ctx)
        finding = grouped.get(why.cause)
        if finding is None:
            finding = grouped[why.cause] = Finding(why.cause, why.title, [], hint=why.hint,
                                                   diagnosis=list(why.diagnosis), section=p.section)
        finding.points += p.weight
        if why.structural and finding.laws:
            finding.not_checked.append(p.name)
            continue
        finding.laws.append(p.name)
        size = p.size or (1 << 62, 1 << 62)
        if not finding.law or size < smallest[why.cause]:
            finding.law, finding.message, finding.counterexample = p.name, without_fixed_hint(p.message), p.counterexample
            smallest[why.cause] = size
    return list(grouped.values())


def precision_finding(ctx: Context, properties: Sequence[_Graded]) -> Finding | None:
    """Under float32-ok, a passing float32-computing submission still hears it once (from the probe)."""
    if ctx.probe is None or any(p.status != "passed" for p in properties):
        return None
    if ctx.precision != "float32-ok" or not computes_in_float32(ctx.probe, PROBE, ctx.provides):
        return None
    return Finding("precision:float32", TITLE_FLOAT32, [], hint=HINT_FLOAT32_OK)


# ---------------------------------------------------------------------------------------------
# Notes and the student's output


def loss_policy_notes(ways: set[str], graded_below: float) -> list[str]:
    return [NOTE_LOSS_POLICY.format(how=LOSS_POLICY_HOW[way], below=graded_below) for way in sorted(ways)]


_WARNING_BLOCK = re.compile(r"^[^\n]*:\d+: RuntimeWarning: (divide by zero encountered in (?:scalar )?log)\n"
                            r"(?:[ \t]+[^\n]*\n)?", re.MULTILINE)


def quiet_accepted_warnings(output: str, accepted: bool) -> tuple[str, str]:
    """The output without numpy's log(0) warnings where the +inf loss they announce was accepted."""
    if not accepted:
        return output, ""
    found = _WARNING_BLOCK.findall(output if output.endswith("\n") else output + "\n")
    if not found:
        return output, ""
    quiet = _WARNING_BLOCK.sub("", output if output.endswith("\n") else output + "\n")
    return quiet if quiet.strip() else "", NOTE_WARNINGS_HIDDEN.format(warning=found[0])
