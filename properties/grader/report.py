"""The three report formats of ``cegrad grade``: text (a terminal), json, and Gradescope's results.json.

Scores are per law; the words are per root cause.  Each :class:`~properties.grader.findings.Finding`
is one section: the root cause, the laws it explains on one line, the laws it kept from being
checked on one line, and the single smallest counterexample among them.  A report that grades
several functions has one block of sections per function.
"""

from __future__ import annotations

import json
from typing import Any

from properties import laws
from properties.grader import diagnose, findings
from properties.grader.grade import PropertyResult, Report

HEADER = "cegrad: {submission} -- convention {convention} ({function}), profile {profile}, seed {seed}, " \
         "precision {precision}"
#: Where the equation numbers of every report come from (shipped with the project).
EQUATIONS_SOURCE = "Equation numbers (1)-(24): the derivation in docs/derivation.md (the same text: `cegrad derive`)."
VERDICT_PASS = "PASSED: every law holds"
VERDICT_FAIL = "FAILED: {count} of {total} laws broken"
ROOT_CAUSES = {1: ", 1 root cause"}
ROOT_CAUSES_MANY = ", {n} root causes"
PASSED_LINE = "  passed: {laws}"
FINDING_HEADING = "── {number}. {title}{lost} ──"
LOST = " (-{points:g} points)"
SECTION_HEADING = "══ {function} ══"
EXPLAINS = "Breaks: {laws}"
NOT_CHECKED = "Not checked: {laws} (could not be evaluated because of this; 0 points each)"
DIAGNOSIS_HEADING = "Diagnosis (your output matches a known mistake):"
LIKELY = "Likely mistake: {hint}"
POLICY = "Policy: {hint}"
YOUR_OUTPUT_HEADING = "Your output (what your code printed; capped):"
NOTES_HEADING = "Notes:"
SANDBOX_HEADING = "Sandbox (what held your code; cegrad sandbox-check shows this machine's layers):"
SAME_CAUSE = "Root cause (finding {number} of {total}): {title}"
ALSO_EXPLAINS = "The same root cause also breaks: {laws}"
GRADESCOPE_OUTPUT_CAP = 8000  # characters of one test's text; Gradescope shows long texts poorly

_GREEN, _RED, _YELLOW, _BOLD, _RESET = "\033[32m", "\033[31m", "\033[33m", "\033[1m", "\033[0m"
_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT"}


def _paint(text: str, colour: str, enabled: bool) -> str:
    return f"{colour}{text}{_RESET}" if enabled else text


def status_line(p: PropertyResult, colour: bool = False) -> str:
    mark = _MARK.get(p.status, p.status.upper())
    painted = _paint(f"{mark:<7}", _GREEN if p.status == "passed" else _RED, colour)
    score = p.weight if p.status == "passed" else 0
    return f"  {painted} {p.name:<20} {score:>4g}/{p.weight:<4g} {p.equation}"


def _points(p: PropertyResult) -> str:
    return f"{p.name} {p.weight if p.status == 'passed' else 0:g}/{p.weight:g}"


def finding_lines(f: findings.Finding, number: int, by_name: dict[str, PropertyResult], colour: bool = False
                  ) -> list[str]:
    """One root cause as the report prints it (also the body of its laws' Gradescope tests)."""
    lost = LOST.format(points=f.points) if f.points else ""
    lines = [_paint(FINDING_HEADING.format(number=number, title=f.title, lost=lost), _YELLOW, colour)]
    if f.laws:
        lines.append(EXPLAINS.format(laws=", ".join(_points(by_name[n]) for n in f.laws)))
    if f.not_checked:
        lines.append(NOT_CHECKED.format(laws=", ".join(f.not_checked)))
    if f.message:
        lines += f.message.splitlines()
    diagnosis = findings.merged(f.diagnosis)
    if diagnosis and not (len(diagnosis) == 1 and diagnosis[0].endswith(f.title)):
        lines += [DIAGNOSIS_HEADING, *(f"  - {d}" for d in diagnosis)]
    if f.hint:
        lines.append((LIKELY if f.laws or f.not_checked else POLICY).format(hint=f.hint))
    return lines


def findings_of(report: Report) -> list[findings.Finding]:
    """The report's findings, and for failed laws no finding covers (a function graded without
    grouping) one finding per diagnosis they share, or per law: every failure is shown exactly once."""
    covered = {n for f in report.findings for n in (*f.laws, *f.not_checked)}
    extra: dict[tuple[str, str], findings.Finding] = {}
    for p in report.properties:
        if p.status == "passed" or p.name in covered:
            continue
        section = p.section or report.function
        title = p.diagnosis[0].partition(": ")[2] or p.diagnosis[0] if p.diagnosis else ""
        key = (section, title or p.name)
        f = extra.get(key)
        if f is None:
            f = extra[key] = findings.Finding(
                f"law:{p.name}", title or diagnose.first_detail(p.message), [], diagnosis=list(p.diagnosis),
                hint="" if title else diagnose.fixed_hint(p.message), section=section)
        f.laws.append(p.name)
        f.points += p.weight
        if not f.law or (p.size or (1 << 62, 0)) < (by_name_size(report, f.law)):
            f.law, f.message, f.counterexample = p.name, diagnose.without_fixed_hint(p.message), p.counterexample
    order = {section: i for i, section in enumerate(report.sections)}
    return sorted([*report.findings, *extra.values()], key=lambda f: order.get(f.section or report.function, 0))


def by_name_size(report: Report, name: str) -> tuple[int, int]:
    p = next(p for p in report.properties if p.name == name)
    return p.size or (1 << 62, 0)


def _verdict(report: Report, properties: list[PropertyResult], found: list[findings.Finding]) -> str:
    broken = [p for p in properties if p.status != "passed"]
    if not broken:
        return VERDICT_PASS
    causes = sum(1 for f in found if f.laws or f.not_checked)
    return VERDICT_FAIL.format(count=len(broken), total=len(properties)) + (
        ROOT_CAUSES.get(causes) or ROOT_CAUSES_MANY.format(n=causes))


def text(report: Report, colour: bool = False, verbose: bool = False) -> str:
    lines = [HEADER.format(submission=report.submission, convention=report.convention, function=report.function,
                           profile=report.profile, seed=report.seed, precision=report.precision),
             EQUATIONS_SOURCE, ""]
    by_name = {p.name: p for p in report.properties}
    all_findings = findings_of(report)
    lines.append(_paint(f"Score: {report.score:g}/{report.max_score:g}  "
                        f"{_verdict(report, report.properties, all_findings)}",
                        _BOLD + (_GREEN if report.passed else _RED), colour))
    sections = report.sections
    number = 0
    for section in sections:
        properties = [p for p in report.properties if (p.section or report.function) == section]
        in_section = [f for f in all_findings if (f.section or report.function) == section]
        if len(sections) > 1:
            lines += ["", SECTION_HEADING.format(function=section)]
        passed = [p for p in properties if p.status == "passed"]
        if passed:
            lines.append(PASSED_LINE.format(laws=", ".join(_points(p) for p in passed)))
        for f in in_section:
            number += 1
            lines += ["", *finding_lines(f, number, by_name, colour)]
    if report.notes:
        lines += ["", NOTES_HEADING, *(f"  - {n}" for n in report.notes)]
    if verbose and report.sandbox:
        lines += ["", SANDBOX_HEADING, *(f"  - {n}" for n in report.sandbox)]
    if report.your_output.strip():
        lines += ["", YOUR_OUTPUT_HEADING, *("  | " + line for line in report.your_output.rstrip().splitlines())]
    return "\n".join(lines) + "\n"


def _finding_dict(f: findings.Finding) -> dict[str, Any]:
    return {"cause": f.cause, "title": f.title, "function": f.section, "laws": f.laws,
            "not_checked": f.not_checked, "points": f.points, "law": f.law, "message": f.message,
            "counterexample": f.counterexample, "diagnosis": [*f.diagnosis, *([f.hint] if f.hint else [])]}


def functions_of(report: Report) -> list[dict[str, Any]]:
    """One entry per graded function (several for --convention assignment): its score and verdict."""
    entries = []
    for section in report.sections:
        properties = [p for p in report.properties if (p.section or report.function) == section]
        entries.append({"name": section, "score": sum(p.weight for p in properties if p.status == "passed"),
                        "max_score": sum(p.weight for p in properties),
                        "passed": all(p.status == "passed" for p in properties)})
    return entries


def as_dict(report: Report) -> dict[str, Any]:
    """The JSON object of DESIGN.md (plus notes, your_output, precision and findings)."""
    return {
        "submission": report.submission,
        "convention": report.convention,
        "function": report.function,
        "passed": report.passed,
        "score": report.score,
        "max_score": report.max_score,
        "precision": report.precision,
        "properties": [
            {"name": p.name, "equation": p.equation, "status": p.status, "weight": p.weight,
             "message": p.message, "counterexample": p.counterexample,
             "diagnosis": "; ".join(p.diagnosis), "cause": p.cause, "function": p.section or report.function}
            for p in report.properties
        ],
        "findings": [_finding_dict(f) for f in findings_of(report)],
        "functions": functions_of(report),
        "equations": EQUATIONS_SOURCE,
        "notes": [*report.notes, *report.sandbox],
        "your_output": report.your_output,
        "seed": report.seed,
        "profile": report.profile,
        "elapsed_s": round(report.elapsed_s, 3),
    }


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False)


def _test_output(p: PropertyResult, report: Report, by_name: dict[str, PropertyResult]) -> str:
    """A failed law's Gradescope text: its root cause first, then the finding it belongs to."""
    numbered = [f for f in findings_of(report) if f.laws or f.not_checked]
    for number, f in enumerate(numbered, start=1):
        if p.name in f.laws or p.name in f.not_checked:
            others = [n for n in (*f.laws, *f.not_checked) if n != p.name]
            lines = [SAME_CAUSE.format(number=number, total=len(numbered), title=f.title)]
            if others:
                lines.append(ALSO_EXPLAINS.format(laws=", ".join(others)))
            lines += ["", *finding_lines(f, number, by_name)[1:]]
            if p.name != f.law and p.name not in f.not_checked:
                lines += ["", f"On this law ({p.name}):", diagnose.without_fixed_hint(p.message)]
            return "\n".join(lines)
    return p.message


def gradescope(report: Report) -> dict[str, Any]:
    """Gradescope's results.json: one test per law, weighted, so partial credit works."""
    by_name = {p.name: p for p in report.properties}
    sections = report.sections
    tests = []
    for number, p in enumerate(report.properties, start=1):
        body = "" if p.status == "passed" else _test_output(p, report, by_name)
        section = p.section or report.function
        if len(sections) > 1:  # one group of tests per function: "2.3" is the third law of the second
            in_section = [q for q in report.properties if (q.section or report.function) == section]
            name = f"{section} / {p.name}: {p.title} ({p.equation})"
            label = f"{sections.index(section) + 1}.{in_section.index(p) + 1}"
        else:
            name, label = f"{p.name}: {p.title} ({p.equation})", str(number)
        tests.append({
            "name": name,
            "number": label,
            "score": p.weight if p.status == "passed" else 0,
            "max_score": p.weight,
            "status": "passed" if p.status == "passed" else "failed",
            "output": body[:GRADESCOPE_OUTPUT_CAP],
            "visibility": "visible",
        })
    all_findings = findings_of(report)
    summary = [_verdict(report, report.properties, all_findings), EQUATIONS_SOURCE]
    if len(sections) > 1:
        summary += [f"{f['name']}: {f['score']:g}/{f['max_score']:g}" for f in functions_of(report)]
    numbered = [f for f in all_findings if f.laws or f.not_checked]
    summary += [f"{n}. {f.title} ({', '.join((*f.laws, *f.not_checked))})" for n, f in enumerate(numbered, start=1)]
    summary += [f.title + ": " + f.hint for f in all_findings if not (f.laws or f.not_checked)]
    summary += report.notes
    if report.your_output.strip():
        summary += ["", YOUR_OUTPUT_HEADING, report.your_output[:GRADESCOPE_OUTPUT_CAP]]
    return {
        "score": report.score,
        "execution_time": round(report.elapsed_s, 3),
        "output": "\n".join(summary),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def not_gradable(message: str) -> dict[str, Any]:
    """results.json for a submission with nothing to grade (exit 2): score 0 and the reason."""
    return {
        "score": 0,
        "execution_time": 0.0,
        "output": message,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": f"{law.name}: {law.title} ({law.equation_text})", "number": str(n), "score": 0,
                   "max_score": law.weight, "status": "failed", "output": message, "visibility": "visible"}
                  for n, law in enumerate(laws.LAWS, start=1)],
    }
