"""The gradebook of a class: one row per submission, as csv or json, and the misconception report.

Plain functions of the per-submission results that :mod:`properties.grader.batch` collects: the
row of each submission, the csv and json gradebooks, the counts of the summary line, and the
report of which mistakes (diagnoses) and which laws were most common, each with the smallest
counterexample seen.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from properties.grader.conventions import CONVENTIONS

FORMATS = ("csv", "json")
# Row statuses.  passed/failed come from grade(); the rest mean no (complete) report exists.
PASSED, FAILED, NOT_GRADABLE, TIMEOUT, CRASHED, ERROR = "passed", "failed", "not-gradable", "timeout", "crashed", "error"
CSV_COLUMNS = ["submission", "status", "convention", "passed", "score", "max_score", "failed_laws", "diagnosis",
               "message", "elapsed_s", "cached"]

MISCONCEPTIONS_HEADING = "Misconceptions (submissions per diagnosis, most frequent first):"
LAWS_HEADING = "Failed laws (submissions per law, most frequent first):"
UNDIAGNOSED = "Failed, but no known mistake matched: {count} ({names})"
NOT_FINISHED = "Not gradable, timed out or crashed: {count} ({names})"
NO_FAILURES = "No failed laws: nothing to report."
SMALLEST = "smallest counterexample: {case}  ({submission}, law {law})"
SEEN_IN = "seen in outputs: {outputs}; laws: {laws}"

#: A counterexample is printed in full up to this many entries of U; larger ones show their size only.
MAX_SHOWN_ENTRIES = 12


@dataclass
class Row:
    submission: str
    status: str
    convention: str = ""
    passed: bool = False
    score: float = 0.0
    max_score: float = 0.0
    failed_laws: list[str] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    message: str = ""
    elapsed_s: float = 0.0
    cached: bool = False


@dataclass
class Graded:
    """A row and what the misconception report needs (the per-law results)."""

    row: Row
    laws: list[dict[str, Any]] = field(default_factory=list)


def to_graded(name: str, result: dict[str, Any], elapsed: float, cached: bool = False) -> Graded:
    laws = result.get("laws", [])
    failed = [law for law in laws if law["status"] != "passed"]
    diagnosis = list(dict.fromkeys(d for law in failed for d in law["diagnosis"]))
    row = Row(submission=name, status=result["status"], convention=result.get("convention", ""),
              passed=bool(result.get("passed", False)), score=float(result.get("score", 0.0)),
              max_score=float(result.get("max_score", 0.0)), failed_laws=[law["name"] for law in failed],
              diagnosis=diagnosis, message=result.get("message", ""),
              elapsed_s=round(float(result.get("elapsed_s", elapsed)), 3), cached=cached)
    return Graded(row, laws)


def _output_labels() -> list[str]:
    from properties.laws import LABELS

    names = {output.label for c in CONVENTIONS.values() for output in c.outputs} | set(LABELS.values())
    return sorted(names, key=len, reverse=True)  # longest first: "grad" must not cut "gradPred"


def split_diagnosis(text: str, labels: list[str]) -> tuple[str, str]:
    """("gradOutsideVecs", "the sign is flipped ...") from a diagnosis; the output name differs by convention."""
    for label in labels:
        if text.startswith(label + ": "):
            return label, text[len(label) + 2:]
    return "", text


def _size(case: dict[str, Any] | None) -> tuple[int, int]:
    if not case or "W" not in case or "d" not in case:
        return (sys.maxsize, sys.maxsize)
    return (int(case["W"]) * int(case["d"]), int(case["W"]))


def describe_case(case: dict[str, Any]) -> str:
    if "v_c" not in case and "description" in case:  # a case of negative sampling or skipgram describes itself
        return str(case["description"])
    text = f"W={case.get('W')}, d={case.get('d')}, o={case.get('o')}"
    if case.get("dtype", "float64") != "float64":
        text += f", dtype={case['dtype']}"
    if "U" in case and _size(case)[0] <= MAX_SHOWN_ENTRIES:
        text += f", v_c={case['v_c']}, U={case['U']}"
    return text


@dataclass
class _Tally:
    submissions: list[str] = field(default_factory=list)
    outputs: set[str] = field(default_factory=set)
    laws: set[str] = field(default_factory=set)
    smallest: dict[str, Any] | None = None

    def see(self, submission: str, law: str, case: dict[str, Any] | None) -> None:
        if submission not in self.submissions:
            self.submissions.append(submission)
        self.laws.add(law)
        if case and (self.smallest is None or _size(case) < _size(self.smallest["counterexample"])):
            self.smallest = {"counterexample": case, "submission": submission, "law": law,
                             "description": describe_case(case)}


def misconceptions(graded: list[Graded]) -> dict[str, Any]:
    """Submissions per diagnosis and per failed law, most frequent first, with the smallest counterexample."""
    labels = _output_labels()
    by_diagnosis: dict[str, _Tally] = {}
    by_law: dict[str, _Tally] = {}
    undiagnosed: list[str] = []
    not_finished: list[str] = []
    for g in graded:
        name = g.row.submission
        if g.row.status not in (PASSED, FAILED):
            not_finished.append(name)
            continue
        diagnosed = False
        for law in g.laws:
            if law["status"] == "passed":
                continue
            by_law.setdefault(law["name"], _Tally()).see(name, law["name"], law.get("counterexample"))
            for text in law["diagnosis"]:
                output, explanation = split_diagnosis(text, labels)
                tally = by_diagnosis.setdefault(explanation, _Tally())
                tally.see(name, law["name"], law.get("counterexample"))
                if output:
                    tally.outputs.add(output)
                diagnosed = True
        if g.row.status == FAILED and not diagnosed:
            undiagnosed.append(name)

    def ordered(tallies: dict[str, _Tally], key: str) -> list[dict[str, Any]]:
        items = sorted(tallies.items(), key=lambda kv: (-len(kv[1].submissions), kv[0]))
        return [{key: k, "count": len(t.submissions), "submissions": t.submissions, "outputs": sorted(t.outputs),
                 "laws": sorted(t.laws), "smallest_counterexample": t.smallest} for k, t in items]

    found: dict[str, Any] = {"by_diagnosis": ordered(by_diagnosis, "diagnosis"), "by_law": ordered(by_law, "law"),
                             "undiagnosed": {"count": len(undiagnosed), "submissions": undiagnosed},
                             "not_finished": {"count": len(not_finished), "submissions": not_finished}}
    for entry in found["by_law"]:
        del entry["laws"], entry["outputs"]  # one law per entry, and outputs belong to diagnoses
    return found


def _names(names: list[str], most: int = 8) -> str:
    return ", ".join(names[:most]) + (f", and {len(names) - most} more" if len(names) > most else "")


def misconception_text(report: dict[str, Any]) -> str:
    lines: list[str] = []
    if report["by_diagnosis"]:
        lines.append(MISCONCEPTIONS_HEADING)
        for item in report["by_diagnosis"]:
            lines.append(f"  {item['count']:>4}  {item['diagnosis']}")
            lines.append("        " + SEEN_IN.format(outputs=", ".join(item["outputs"]) or "-",
                                                    laws=", ".join(item["laws"])))
            if item["smallest_counterexample"]:
                lines.append("        " + _smallest(item["smallest_counterexample"]))
    if report["by_law"]:
        lines.append(LAWS_HEADING)
        for item in report["by_law"]:
            lines.append(f"  {item['count']:>4}  {item['law']}")
            if item["smallest_counterexample"]:
                lines.append("        " + _smallest(item["smallest_counterexample"]))
    else:
        lines.append(NO_FAILURES)
    if report["undiagnosed"]["count"]:
        lines.append(UNDIAGNOSED.format(count=report["undiagnosed"]["count"],
                                        names=_names(report["undiagnosed"]["submissions"])))
    if report["not_finished"]["count"]:
        lines.append(NOT_FINISHED.format(count=report["not_finished"]["count"],
                                         names=_names(report["not_finished"]["submissions"])))
    return "\n".join(lines) + "\n"


def _smallest(found: dict[str, Any]) -> str:
    return SMALLEST.format(case=found["description"], submission=found["submission"], law=found["law"])



def gradebook_csv(graded: list[Graded]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for g in graded:
        row = asdict(g.row)
        row["failed_laws"] = "; ".join(g.row.failed_laws)
        row["diagnosis"] = " | ".join(g.row.diagnosis)  # diagnoses may contain ";"
        row["score"], row["max_score"] = f"{g.row.score:g}", f"{g.row.max_score:g}"
        writer.writerow(row)
    return out.getvalue()


def summary_counts(graded: list[Graded]) -> dict[str, int]:
    counts = {status: 0 for status in (PASSED, FAILED, NOT_GRADABLE, TIMEOUT, CRASHED, ERROR)}
    for g in graded:
        counts[g.row.status] = counts.get(g.row.status, 0) + 1
    return {"total": len(graded), **counts, "cached": sum(g.row.cached for g in graded)}



def gradebook_json(graded: list[Graded], settings: dict[str, Any], summary: dict[str, int],
                   report: dict[str, Any]) -> str:
    """The json gradebook: the run's settings, the summary counts, every row and the misconception report."""
    return json.dumps({**settings, "summary": summary, "submissions": [asdict(g.row) for g in graded],
                       "misconceptions": report}, indent=2, ensure_ascii=False) + "\n"
