"""``cegrad gradescope-bundle``: the zip's real ``run_autograder`` run in a folder laid out as Gradescope does.

Gradescope extracts the zip to /autograder/source, copies run_autograder to /autograder, puts the
student's files in /autograder/submission and reads /autograder/results/results.json.  Here the root
is a temporary folder (CEGRAD_AUTOGRADER_ROOT) and the cegrad on PATH is this venv's.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from properties.grader import bundle
from tests.student_files import student_file


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    run = subprocess.run([sys.executable, "-m", "properties.grader.cli", "gradescope-bundle", "--output", str(out),
                          "--profile", "quick"], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return out


def gradescope_layout(tmp_path: Path, autograder_zip: Path) -> Path:
    root = tmp_path / "autograder"
    for name in ("source", "submission", "results"):
        (root / name).mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # extractall drops Unix modes; Gradescope keeps them
            mode = info.external_attr >> 16
            if mode:
                (root / "source" / info.filename).chmod(stat.S_IMODE(mode))
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(root: Path) -> dict[str, Any]:
    env = {**os.environ, "CEGRAD_AUTOGRADER_ROOT": str(root),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    run = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    results: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    return results


@pytest.mark.xdist_group("bundle")
def test_the_zip_has_gradescopes_two_scripts_at_its_root_executable(autograder_zip: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
    for name in ("setup.sh", "run_autograder"):
        assert (infos[name].external_attr >> 16) & stat.S_IXUSR, name
    assert f"{bundle.SOURCE_FOLDER}/pyproject.toml" in infos
    assert f"{bundle.SOURCE_FOLDER}/properties/grader/cli.py" in infos
    assert f"{bundle.SOURCE_FOLDER}/properties/grader/sandbox/shims/utils/utils.py" in infos
    assert f"{bundle.SOURCE_FOLDER}/properties/grader/examples/correct.py" in infos
    assert "pip install" in setup and "@" not in setup.replace("$@", "")  # every placeholder filled
    assert subprocess.run(["bash", "-n", "-c", setup], check=False).returncode == 0


@pytest.mark.slow
@pytest.mark.xdist_group("bundle")  # one module-scoped zip
def test_the_bundled_source_runs_cegrad_on_its_own(tmp_path: Path, autograder_zip: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path)
    pyproject = (tmp_path / bundle.SOURCE_FOLDER / "pyproject.toml").read_text()
    assert '"numpy>=1.24"' in pyproject and 'cegrad = "properties.grader.cli:main"' in pyproject
    env = {**os.environ, "PYTHONPATH": str(tmp_path / bundle.SOURCE_FOLDER)}
    run = subprocess.run([sys.executable, "-c", "import properties, sys; print(properties.__file__)"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert run.stdout.startswith(str(tmp_path / bundle.SOURCE_FOLDER)), run.stdout + run.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("bundle")  # one module-scoped zip
def test_a_correct_submission_gets_full_marks_in_results_json(tmp_path: Path, autograder_zip: Path) -> None:
    root = gradescope_layout(tmp_path, autograder_zip)
    shutil.copy(student_file("cs224n_vectorised.py"), root / "submission" / "word2vec.py")
    results = run_autograder(root)
    assert results["score"] == 100 == sum(t["max_score"] for t in results["tests"])
    assert all(t["status"] == "passed" for t in results["tests"])
    assert {"score", "execution_time", "output", "tests"} <= set(results)


@pytest.mark.slow
@pytest.mark.xdist_group("bundle")  # one module-scoped zip
def test_a_wrong_single_file_gets_partial_credit_and_the_diagnosis(tmp_path: Path, autograder_zip: Path) -> None:
    root = gradescope_layout(tmp_path, autograder_zip)
    shutil.copy(student_file("examples/sign_flip.py"), root / "submission" / "my_solution.py")
    results = run_autograder(root)
    assert 0 < results["score"] < 100
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and any("the sign is flipped" in t["output"] for t in failed)


@pytest.mark.slow
@pytest.mark.xdist_group("bundle")  # one module-scoped zip
def test_an_empty_submission_still_writes_results_json_with_score_0(tmp_path: Path, autograder_zip: Path) -> None:
    root = gradescope_layout(tmp_path, autograder_zip)
    results = run_autograder(root)
    assert results["score"] == 0 and results["tests"] == []
    assert "Your submission is empty" in results["output"]


@pytest.mark.slow
@pytest.mark.xdist_group("bundle")  # one module-scoped zip
def test_a_not_gradable_submission_gets_score_0_and_cegrads_reason(tmp_path: Path, autograder_zip: Path) -> None:
    root = gradescope_layout(tmp_path, autograder_zip)
    (root / "submission" / "word2vec.py").write_text("x = 1\n")
    results = run_autograder(root)
    assert results["score"] == 0
    assert "could not be graded" in results["output"] and "no function of a known convention" in results["output"]
