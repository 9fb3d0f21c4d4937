"""The command line as a user runs it: subprocesses, real files, exit statuses and report formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from properties.grader import cli
from tests.student_files import SUBMISSIONS, student_file


def cegrad(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "properties.grader.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, check=False)


@pytest.mark.slow
def test_a_correct_submission_exits_0_with_full_marks() -> None:
    run = cegrad("grade", str(student_file("cs224n_vectorised.py")), "--profile", "quick")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Score: 100/100  PASSED: every law holds" in run.stdout


def test_a_wrong_submission_exits_1_and_names_the_mistake() -> None:
    run = cegrad("grade", str(student_file("examples/missing_minus_y.py")), "--profile", "quick")
    assert run.returncode == 1
    # one section for the one root cause; the laws it breaks on one line, each with its score
    assert "row-sum 0/10" in run.stdout and run.stdout.count("── ") == 1
    assert "the one-hot y was not subtracted" in run.stdout


@pytest.mark.slow
def test_json_report_has_the_documented_shape() -> None:
    run = cegrad("grade", str(student_file("examples/sign_flip.py")), "--format", "json", "--profile", "quick")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert {"submission", "convention", "passed", "score", "max_score", "properties", "seed", "profile",
            "elapsed_s"} <= set(report)
    assert report["passed"] is False and report["convention"] == "cs224n"
    for prop in report["properties"]:
        assert {"name", "equation", "status", "weight", "message", "counterexample", "diagnosis"} <= set(prop)
        assert prop["status"] in ("passed", "failed", "error", "timeout")
    assert report["score"] == sum(p["weight"] for p in report["properties"] if p["status"] == "passed")


@pytest.mark.slow
def test_two_gradings_of_the_same_file_give_identical_json_apart_from_timing() -> None:
    runs = [json.loads(cegrad("grade", str(student_file("wrong_off_by_one.py")), "--format", "json",
                              "--profile", "quick", "--seed", "7").stdout) for _ in range(2)]
    for report in runs:
        report.pop("elapsed_s")
    assert runs[0] == runs[1]


@pytest.mark.slow
def test_gradescope_results_json_gives_partial_credit_per_law(tmp_path: Path) -> None:
    out = tmp_path / "results" / "results.json"
    run = cegrad("grade", str(student_file("examples/no_max_shift.py")), "--format", "gradescope",
                 "--output", str(out), "--profile", "quick")
    assert run.returncode == 1
    results = json.loads(out.read_text())
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert 0 < results["score"] < sum(t["max_score"] for t in results["tests"])
    assert all({"name", "score", "max_score", "status", "output", "visibility"} <= set(t) for t in results["tests"])
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert [t["name"].split(":")[0] for t in failed] == ["robustness"]


@pytest.mark.slow
def test_gradescope_output_defaults_to_results_folder(tmp_path: Path) -> None:
    run = cegrad("grade", str(student_file("examples/grad_u.py")), "--format", "gradescope", "--profile", "quick", cwd=tmp_path)
    assert run.returncode == 0
    assert json.loads((tmp_path / "results" / "results.json").read_text())["score"] == 85


@pytest.mark.parametrize(("args", "fragment"), [
    (["grade", "no/such/file.py"], "no such file or directory"),
    (["grade", str(SUBMISSIONS / "README.md")], ""),
    (["grade", str(student_file("cs224n_vectorised.py")), "--convention", "cs224"], "--convention: expected one of"),
    (["grade", str(student_file("examples/grad_u.py")), "--convention", "cs224n"], "naiveSoftmaxLossAndGradient"),
    (["grade"], "expected a PATH or --example NAME"),
    (["grade", "x.py", "--profile", "fast"], "invalid choice: 'fast'"),
    (["frobnicate"], "unknown command 'frobnicate'"),
])
def test_nothing_gradable_or_a_wrong_command_line_exits_2_with_one_clear_sentence(args: list[str], fragment: str) -> None:
    run = cegrad(*args)
    assert run.returncode == 2
    assert fragment in run.stderr
    assert "Traceback" not in run.stderr


def test_not_python_source_exits_2(tmp_path: Path) -> None:
    binary = tmp_path / "word2vec.py"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04")
    run = cegrad("grade", str(binary))
    assert run.returncode == 2
    assert "not Python source" in run.stderr


def test_bundled_examples_are_gradable_by_name() -> None:
    assert {"correct", "missing_minus_y"} <= set(cli.example_names())
    run = cegrad("grade", "--example", "correct", "--profile", "quick")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graded by importing the whole module" in run.stdout


def test_help_lists_the_commands() -> None:
    run = cegrad("--help")
    assert run.returncode == 0
    assert "grade PATH" in run.stdout and "derive" in run.stdout


@pytest.mark.slow
def test_a_file_nested_beyond_the_parser_gets_a_report_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.py"
    path.write_text("import numpy as np\nx = a" + ".a" * 30000 + "()\n\n"
                    "def grad_U(U, v_c, o):\n    return U\n")
    run = cegrad("grade", str(path), "--convention", "grad-u", "--format", "json", "--profile", "quick")
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1  # returning U is wrong; the file is graded, by extraction
    report = json.loads(run.stdout)
    assert not report["passed"]
    assert any("too deeply" in note for note in report["notes"])
