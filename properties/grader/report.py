"""The three report formats of ``cegrad grade``: text (a terminal), json, and Gradescope's results.json."""

from __future__ import annotations

import json
from typing import Any

from properties.grader.grade import PropertyResult, Report

HEADER = "cegrad: {submission} -- convention {convention} ({function}), profile {profile}, seed {seed}"
VERDICT_PASS = "PASSED: every law holds"
VERDICT_FAIL = "FAILED: {count} of {total} laws broken"
DIAGNOSIS_HEADING = "Diagnosis (your output matches a known mistake):"
YOUR_OUTPUT_HEADING = "Your output (what your code printed; capped):"
NOTES_HEADING = "Notes:"
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


def text(report: Report, colour: bool = False) -> str:
    lines = [HEADER.format(submission=report.submission, convention=report.convention,
                           function=report.function, profile=report.profile, seed=report.seed), ""]
    lines += [status_line(p, colour) for p in report.properties]
    broken = [p for p in report.properties if p.status != "passed"]
    verdict = VERDICT_PASS if report.passed else VERDICT_FAIL.format(count=len(broken), total=len(report.properties))
    lines += ["", _paint(f"Score: {report.score:g}/{report.max_score:g}  {verdict}",
                         _BOLD + (_GREEN if report.passed else _RED), colour)]
    for p in broken:
        lines += ["", _paint(f"── {p.name} ({_MARK.get(p.status, p.status)}) ──", _YELLOW, colour), p.message]
        if p.diagnosis:
            lines += [DIAGNOSIS_HEADING, *(f"  - {d}" for d in p.diagnosis)]
    if report.notes:
        lines += ["", NOTES_HEADING, *(f"  - {n}" for n in report.notes)]
    if report.your_output.strip():
        lines += ["", YOUR_OUTPUT_HEADING, *("  | " + line for line in report.your_output.rstrip().splitlines())]
    return "\n".join(lines) + "\n"


def as_dict(report: Report) -> dict[str, Any]:
    """The JSON object of DESIGN.md (plus notes and your_output)."""
    return {
        "submission": report.submission,
        "convention": report.convention,
        "function": report.function,
        "passed": report.passed,
        "score": report.score,
        "max_score": report.max_score,
        "properties": [
            {"name": p.name, "equation": p.equation, "status": p.status, "weight": p.weight,
             "message": p.message, "counterexample": p.counterexample,
             "diagnosis": "; ".join(p.diagnosis)}
            for p in report.properties
        ],
        "notes": report.notes,
        "your_output": report.your_output,
        "seed": report.seed,
        "profile": report.profile,
        "elapsed_s": round(report.elapsed_s, 3),
    }


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False)


def gradescope(report: Report) -> dict[str, Any]:
    """Gradescope's results.json: one test per law, weighted, so partial credit works."""
    tests = []
    for number, p in enumerate(report.properties, start=1):
        body = p.message
        if p.diagnosis:
            body += "\n" + DIAGNOSIS_HEADING + "\n" + "\n".join(f"  - {d}" for d in p.diagnosis)
        tests.append({
            "name": f"{p.name}: {p.title} ({p.equation})",
            "number": str(number),
            "score": p.weight if p.status == "passed" else 0,
            "max_score": p.weight,
            "status": "passed" if p.status == "passed" else "failed",
            "output": body[:GRADESCOPE_OUTPUT_CAP],
            "visibility": "visible",
        })
    summary = [VERDICT_PASS if report.passed else VERDICT_FAIL.format(
        count=sum(p.status != "passed" for p in report.properties), total=len(report.properties))]
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
