"""The gradebook and the misconception report, from per-submission results (no grading: the fast loop's check of gradebook.py)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from properties.grader import gradebook

SIGN_FLIP = "the sign is flipped"
SMALL = {"W": 1, "d": 1, "o": 0, "v_c": [1.0], "U": [[0.0]]}
LARGE = {"W": 3, "d": 2, "o": 1, "v_c": [1.0, 2.0], "U": [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]}


def law(name: str, status: str, diagnosis: tuple[str, ...] = (), case: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "status": status, "diagnosis": list(diagnosis), "counterexample": case}


def result(status: str, laws: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"status": status, "convention": "cs224n", "passed": status == gradebook.PASSED, "score": 50.0,
            "max_score": 100.0, "elapsed_s": 1.5, "laws": laws, **extra}


CLASS = [
    gradebook.to_graded("alice.py", result(gradebook.FAILED, [law("row-sum", "failed", (f"gradOutsideVecs: {SIGN_FLIP}",), LARGE),
                                                            law("loss-value", "passed")]), 1.5),
    gradebook.to_graded("bob.py", result(gradebook.FAILED, [law("row-sum", "failed", (f"grad_outside_vecs: {SIGN_FLIP}",), SMALL),
                                                          law("grad-v-c", "failed", (), SMALL)]), 1.5),
    gradebook.to_graded("carol.py", result(gradebook.FAILED, [law("robustness", "failed")]), 1.5),
    gradebook.to_graded("dave.py", {"status": gradebook.TIMEOUT, "message": "timed out"}, 9.0),
    gradebook.to_graded("erin.py", result(gradebook.PASSED, [law("row-sum", "passed")]), 1.5),
]


def test_a_row_lists_the_failed_laws_and_their_diagnoses_once() -> None:
    bob = CLASS[1].row
    assert (bob.submission, bob.status, bob.failed_laws) == ("bob.py", "failed", ["row-sum", "grad-v-c"])
    assert bob.diagnosis == [f"grad_outside_vecs: {SIGN_FLIP}"]
    assert CLASS[3].row.message == "timed out" and CLASS[3].row.elapsed_s == 9.0


def test_a_diagnosis_counts_submissions_across_conventions_with_the_smallest_counterexample() -> None:
    report = gradebook.misconceptions(CLASS)
    (sign,) = report["by_diagnosis"]
    assert (sign["diagnosis"], sign["count"], sign["submissions"]) == (SIGN_FLIP, 2, ["alice.py", "bob.py"])
    assert sign["outputs"] == ["gradOutsideVecs", "grad_outside_vecs"]  # each convention's own name, split off
    assert sign["smallest_counterexample"]["submission"] == "bob.py"  # W·d = 1 beats 6
    assert [(item["law"], item["count"]) for item in report["by_law"]] == [("row-sum", 2), ("grad-v-c", 1),
                                                                            ("robustness", 1)]
    assert report["undiagnosed"] == {"count": 1, "submissions": ["carol.py"]}
    assert report["not_finished"] == {"count": 1, "submissions": ["dave.py"]}


def test_the_text_report_names_headings_counts_and_the_smallest_case() -> None:
    text = gradebook.misconception_text(gradebook.misconceptions(CLASS))
    assert text.splitlines()[0] == gradebook.MISCONCEPTIONS_HEADING
    assert f"     2  {SIGN_FLIP}" in text
    assert "smallest counterexample: W=1, d=1, o=0, v_c=[1.0], U=[[0.0]]  (bob.py, law row-sum)" in text
    assert gradebook.UNDIAGNOSED.format(count=1, names="carol.py") in text
    assert gradebook.NO_FAILURES not in text
    passed_only = gradebook.misconception_text(gradebook.misconceptions([CLASS[4]]))
    assert gradebook.NO_FAILURES in passed_only


def test_csv_and_json_gradebooks_hold_one_row_per_submission() -> None:
    rows = list(csv.DictReader(io.StringIO(gradebook.gradebook_csv(CLASS))))
    assert list(rows[0]) == gradebook.CSV_COLUMNS
    assert [r["submission"] for r in rows] == ["alice.py", "bob.py", "carol.py", "dave.py", "erin.py"]
    assert rows[1]["failed_laws"] == "row-sum; grad-v-c" and rows[0]["score"] == "50"
    counts = gradebook.summary_counts(CLASS)
    assert (counts["total"], counts["passed"], counts["failed"], counts["timeout"]) == (5, 1, 3, 1)
    book = json.loads(gradebook.gradebook_json(CLASS, {"profile": "quick"}, counts, gradebook.misconceptions(CLASS)))
    assert book["profile"] == "quick" and book["summary"] == counts
    assert [s["submission"] for s in book["submissions"]] == [r["submission"] for r in rows]
