"""End-to-end verdicts: real-looking student files and the whole mutant catalogue in every convention.

The grader runs in this process; each submission runs in its sandboxed child, as in `cegrad grade`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from properties.grader.grade import grade
from properties.mistakes import MISTAKES, Mistake
from tests.student_files import SUBMISSIONS, WRAPPERS, laws_that_see_it, makes_sense, student_file, write

#: every test here grades in a sandboxed child process (tox -e fast leaves them out)
pytestmark = pytest.mark.slow


def _table() -> list[tuple[str, str, str]]:
    rows = []
    for line in (SUBMISSIONS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].endswith(".py"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


TABLE = _table()


@pytest.mark.parametrize(("filename", "convention", "verdict"), TABLE)
def test_student_file_gets_its_verdict(filename: str, convention: str, verdict: str) -> None:
    report = grade(student_file(filename), profile="standard", seed=0)
    assert report.convention == convention
    failed = [(p.name, p.message) for p in report.properties if p.status != "passed"]
    assert report.passed == (verdict == "pass"), failed


MATRIX = [(m, c) for m in MISTAKES for c in WRAPPERS if makes_sense(m, c)]


@pytest.mark.parametrize(("mistake", "convention"), MATRIX, ids=[f"{m.name}-{c}" for m, c in MATRIX])
def test_every_mutant_written_as_a_student_file_is_refused(mistake: Mistake, convention: str, tmp_path: Path) -> None:
    report = grade(write(mistake, convention, tmp_path), convention="auto", profile="quick", seed=0)
    assert report.convention == convention
    assert not report.passed
    broken = {p.name for p in report.properties if p.status != "passed"}
    assert laws_that_see_it(mistake, convention)[0].name in broken, broken


def test_a_diagnosable_mistake_is_named_in_the_report(tmp_path: Path) -> None:
    mistake = next(m for m in MISTAKES if m.name == "missing-minus-y")
    report = grade(write(mistake, "cs224n", tmp_path), profile="quick")
    row_sum = next(p for p in report.properties if p.name == "row-sum")
    assert any(mistake.explanation in d for d in row_sum.diagnosis)
