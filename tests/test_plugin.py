"""The pytest plugin, run as an instructor runs it: `pytest --cegrad-submission PATH` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.student_files import student_file


def pytest_on(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


@pytest.mark.slow
def test_one_test_per_law_and_all_pass_for_a_correct_file(tmp_path: Path) -> None:
    run = pytest_on("--cegrad-submission", str(student_file("examples/correct.py")), "--cegrad-profile", "quick",
                    cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert "14 passed" in run.stdout


@pytest.mark.slow
def test_a_wrong_file_fails_the_laws_it_breaks_with_the_graders_message(tmp_path: Path) -> None:
    run = pytest_on("--cegrad-submission", str(student_file("examples/no_max_shift.py")), "--cegrad-profile", "quick",
                    cwd=tmp_path)
    assert run.returncode == 1
    assert "1 failed, 13 passed" in run.stdout
    assert "no_max_shift.py::robustness" in run.stdout
    assert "Law broken: the outputs stay right for logits beyond exp's range" in run.stdout


def test_laws_a_convention_lacks_are_skipped_and_k_selects_laws(tmp_path: Path) -> None:
    run = pytest_on("--cegrad-submission", str(student_file("examples/grad_u.py")), "--cegrad-profile", "quick",
                    "-k", "grad-v-c or loss-value or row-sum", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 2 skipped" in run.stdout
