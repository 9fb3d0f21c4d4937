"""``cegrad grade-all`` as an instructor runs it: a class folder, subprocesses, gradebooks, exit statuses.

The class folder holds copies of tests/submissions/ files (their README table gives each verdict),
plus a hanging, a crashing and a not-gradable submission and a sub-folder submission with its own
utils/.  Everything runs with ``--profile quick`` so the file stays well under a minute and a half.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from properties.grader import batch, cli, gradebook
from tests.student_files import student_file

QUICK = ("--profile", "quick")

# It sleeps rather than spins: the per-call limit is wall-clock time either way (test_grader_sandbox
# stops a spinning one), and two timed-out laws of a spinning loop would take a core for 20 s from
# the tests running beside it.
HANGING = '''
import time

def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    while True:  # never returns: the per-call limit must stop it
        time.sleep(0.05)
'''
CRASHING = '''
import os

def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    os._exit(3)  # the child dies mid-call
'''
NOT_GRADABLE = "# my notes for the exam, no code\nx = 1\n"
# A student-supplied helper: a correct softmax under the course's module path, used by word2vec.py.
OWN_UTILS = '''
import numpy as np

def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)
'''

#: name in the class folder -> (expected status, tabled student file copied there, or None)
CLASS = {
    "cs224n_vectorised.py": ("passed", "cs224n_vectorised.py"),
    "wrong_sign_flip.py": ("failed", "examples/sign_flip.py"),
    "wrong_missing_minus_y.py": ("failed", "examples/missing_minus_y.py"),
    "wrong_no_max_shift.py": ("failed", "examples/no_max_shift.py"),
    "hangs.py": ("failed", None),
    "crashes.py": ("failed", None),
    "notes.py": ("not-gradable", None),
    "alice/": ("passed", "cs224n_vectorised.py"),
}


def cegrad(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "properties.grader.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def make_class(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (_, original) in CLASS.items():
        if name.endswith("/"):
            student = folder / name
            (student / "utils").mkdir(parents=True)
            shutil.copy(student_file(str(original)), student / "word2vec.py")
            (student / "utils" / "__init__.py").write_text("")
            (student / "utils" / "utils.py").write_text(OWN_UTILS)
            (student / "utils" / "gradcheck.py").write_text("def gradcheck_naive(f, x):\n    pass\n")
        elif original:
            shutil.copy(student_file(original), folder / name)
    (folder / "hangs.py").write_text(HANGING)
    (folder / "crashes.py").write_text(CRASHING)
    (folder / "notes.py").write_text(NOT_GRADABLE)
    (folder / "README.txt").write_text("not a submission: only .py files and folders count\n")
    return folder


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str], dict[str, Any]]:
    """The class graded once, in json, with two jobs (the other tests reuse its cache)."""
    folder = make_class(tmp_path_factory.mktemp("class") / "hw2")
    out = folder.parent / "gradebook.json"
    run = cegrad("grade-all", str(folder), "--jobs", "2", "--format", "json", "--output", str(out), *QUICK)
    return folder, run, json.loads(out.read_text())


def rows_by_name(book: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["submission"]: row for row in book["submissions"]}


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_every_submission_gets_one_row_with_its_expected_status(graded_class: Any) -> None:
    _, run, book = graded_class
    rows = rows_by_name(book)
    assert sorted(rows) == sorted(CLASS), run.stderr
    assert {name: row["status"] for name, row in rows.items()} == {name: s for name, (s, _) in CLASS.items()}
    assert run.returncode == cli.EXIT_FAILED
    for row in rows.values():
        assert set(row) >= {"submission", "convention", "passed", "score", "max_score", "failed_laws", "diagnosis",
                            "elapsed_s"}


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_a_hanging_and_a_crashing_submission_fail_without_stopping_the_batch(graded_class: Any) -> None:
    _, _, book = graded_class
    rows = rows_by_name(book)
    assert rows["hangs.py"]["score"] == 0 and "matches-eq-23" in rows["hangs.py"]["failed_laws"]
    assert rows["crashes.py"]["score"] == 0
    assert rows["alice/"]["passed"] is True  # graded after or beside them all the same


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_a_not_gradable_file_gets_a_row_saying_why(graded_class: Any) -> None:
    _, _, book = graded_class
    row = rows_by_name(book)["notes.py"]
    assert row["status"] == gradebook.NOT_GRADABLE and row["passed"] is False
    assert "no function of a known convention was found" in row["message"]


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_verdicts_equal_those_of_cegrad_grade_on_each_file_alone(graded_class: Any) -> None:
    folder, _, book = graded_class
    rows = rows_by_name(book)
    names = ("wrong_no_max_shift.py", "alice/")  # partial credit; a folder with its own helpers
    alone = {name: subprocess.Popen([sys.executable, "-m", "properties.grader.cli", "grade", str(folder / name),
                                     "--format", "json", *QUICK], stdout=subprocess.PIPE, text=True)
             for name in names}  # side by side: each is one sandboxed grading
    for name, process in alone.items():
        stdout, _ = process.communicate(timeout=300)
        report = json.loads(stdout)
        row = rows[name]
        assert (row["passed"], row["score"], row["max_score"], row["convention"]) == (
            report["passed"], report["score"], report["max_score"], report["convention"]), name
        assert row["failed_laws"] == [p["name"] for p in report["properties"] if p["status"] != "passed"], name
        assert process.returncode == (0 if row["passed"] else 1)


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_the_misconception_report_counts_diagnoses_with_the_smallest_counterexample(graded_class: Any) -> None:
    _, run, book = graded_class
    found = book["misconceptions"]
    by_diagnosis = {item["diagnosis"]: item for item in found["by_diagnosis"]}
    sign = next(item for text, item in by_diagnosis.items() if "the sign is flipped" in text)
    assert sign["count"] == 1 and sign["submissions"] == ["wrong_sign_flip.py"]
    assert "gradOutsideVecs" in sign["outputs"]
    case = sign["smallest_counterexample"]["counterexample"]
    assert case["W"] * case["d"] <= 2  # Hypothesis shrinks the sign flip to a tiny case
    counts = [item["count"] for item in found["by_diagnosis"]]
    assert counts == sorted(counts, reverse=True)
    by_law = {item["law"]: item for item in found["by_law"]}
    # every wrong file breaks robustness: no-max-shift, sign flip, missing -y, and the hanging one's timeout
    assert by_law["robustness"]["count"] >= 3 and found["by_law"][0]["count"] == max(i["count"] for i in found["by_law"])
    assert found["undiagnosed"]["submissions"] == ["crashes.py", "hangs.py"]
    assert found["not_finished"]["submissions"] == ["notes.py"]
    assert gradebook.MISCONCEPTIONS_HEADING in run.stderr and gradebook.LAWS_HEADING in run.stderr
    assert "the sign is flipped" in run.stderr and "smallest counterexample: W=" in run.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_a_rerun_takes_every_result_from_the_cache_and_writes_csv(graded_class: Any) -> None:
    folder, _, book = graded_class
    run = cegrad("grade-all", str(folder), "--jobs", "2", *QUICK, timeout=60)
    assert run.returncode == cli.EXIT_FAILED
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0]) == gradebook.CSV_COLUMNS
    assert all(row["cached"] == "True" for row in rows), run.stderr
    earlier = rows_by_name(book)
    for row in rows:
        assert row["status"] == earlier[row["submission"]]["status"]
        assert float(row["score"]) == earlier[row["submission"]]["score"]
        assert row["failed_laws"] == "; ".join(earlier[row["submission"]]["failed_laws"])
    assert f"{len(CLASS)} from the cache" in run.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("graded-class")  # one module-scoped class grading
def test_changing_a_file_or_its_helpers_regrades_only_that_submission(graded_class: Any) -> None:
    folder, _, _ = graded_class
    helper = folder / "alice" / "utils" / "utils.py"
    helper.write_text(helper.read_text() + "\n# edited\n")
    run = cegrad("grade-all", str(folder), "--format", "json", *QUICK)
    rows = rows_by_name(json.loads(run.stdout))
    assert [name for name, row in rows.items() if not row["cached"]] == ["alice/"]
    assert rows["alice/"]["passed"] is True


def test_a_class_that_all_passes_exits_0(tmp_path: Path) -> None:
    shutil.copy(student_file("examples/grad_u.py"), tmp_path / "bob.py")
    run = cegrad("grade-all", str(tmp_path), *QUICK)
    assert run.returncode == cli.EXIT_PASSED, run.stderr
    assert gradebook.NO_FAILURES in run.stderr


@pytest.mark.slow
def test_force_regrades_what_the_cache_would_skip(tmp_path: Path) -> None:
    (tmp_path / "notes.py").write_text(NOT_GRADABLE)  # not gradable: cached like a verdict, and quick
    # the second run would take notes.py from the cache (as the class rerun above shows) but for --force
    runs = [cegrad("grade-all", str(tmp_path), *QUICK, *extra, timeout=60) for extra in ([], ["--force"])]
    assert [next(csv.DictReader(io.StringIO(r.stdout)))["cached"] for r in runs] == ["False", "False"]
    assert all(r.returncode == cli.EXIT_FAILED for r in runs)
    assert (tmp_path / batch.CACHE_DIRNAME).is_dir()


@pytest.mark.slow
def test_the_overall_limit_stops_a_submission_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "hangs.py").write_text(HANGING)
    run = cegrad("grade-all", str(tmp_path), "--timeout", "3", "--format", "json", *QUICK, timeout=60)
    assert run.returncode == cli.EXIT_FAILED
    row = json.loads(run.stdout)["submissions"][0]
    assert row["status"] == gradebook.TIMEOUT
    assert row["message"] == batch.MSG_TIMEOUT.format(limit=3.0)


@pytest.mark.parametrize(("setup", "args", "fragment"), [
    ("missing", [], "no such directory"),
    ("empty", [], "holds no submissions"),
    ("file", [], "is not a directory"),
    ("empty", ["--jobs", "0"], "--jobs: expected a whole number"),
    ("empty", ["--convention", "cs224"], "--convention: expected one of"),
])
def test_a_bad_command_line_or_folder_exits_2(tmp_path: Path, setup: str, args: list[str], fragment: str) -> None:
    target = {"missing": tmp_path / "nope", "empty": tmp_path, "file": tmp_path / "one.py"}[setup]
    if setup == "file":
        shutil.copy(student_file("examples/grad_u.py"), target)
    run = cegrad("grade-all", str(target), *args, timeout=60)
    assert run.returncode == cli.EXIT_USAGE
    assert fragment in run.stderr


def test_help_says_where_the_cache_lives() -> None:
    run = cegrad("grade-all", "--help", timeout=60)
    assert run.returncode == 0
    assert batch.CACHE_DIRNAME in " ".join(run.stdout.split())
