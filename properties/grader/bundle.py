"""``cegrad gradescope-bundle``: write a ready Gradescope autograder zip.

Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): the zip holds ``setup.sh`` and ``run_autograder`` at its root; its contents are
extracted to ``/autograder/source``; ``setup.sh`` runs once, as root, when the image is built;
``run_autograder`` is copied to ``/autograder/run_autograder`` and runs once per submission with
``/autograder`` as working directory, the student's files in ``/autograder/submission``; it must
write ``/autograder/results/results.json`` (score, execution_time, output, tests[]).

The zip carries cegrad's own source (the installed ``reference`` and ``properties`` packages and a
generated ``pyproject.toml``), so ``setup.sh`` needs nothing from our repository: it makes a venv
with a Python new enough for cegrad and ``pip install``s that source, which fetches numpy,
Hypothesis and autograd from PyPI.  ``run_autograder`` is a stdlib-only Python script: it picks the
file to grade, runs ``cegrad grade --format gradescope``, and writes a score-0 results.json with a
clear message itself when there is nothing to grade or cegrad cannot produce a report.
"""

from __future__ import annotations

import re
import stat
import zipfile
from importlib import metadata
from pathlib import Path

from properties.grader.intake import SUBMISSION_FILENAME

DEFAULT_OUTPUT = Path("autograder.zip")
#: The folder of the zip holding cegrad's source (so /autograder/source/cegrad on Gradescope).
SOURCE_FOLDER = "cegrad"
#: The oldest Python cegrad runs on, when its metadata cannot say (pyproject.toml's requires-python).
FALLBACK_MIN_PYTHON = (3, 11)

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while building the autograder image.  It installs cegrad from
# the source in this zip (extracted to $ROOT/source) into a venv; pip fetches numpy, Hypothesis and
# autograd from PyPI.
set -euo pipefail
ROOT="${CEGRAD_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
MIN="@MIN_MAJOR@.@MIN_MINOR@"

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (@MIN_MAJOR@, @MIN_MINOR@))' 2>/dev/null; }

PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && new_enough "$candidate"; then
        PYTHON="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    # Gradescope's Ubuntu 22.04 images ship Python 3.10; 3.11 is in the distribution's archive
    echo "cegrad needs Python >= $MIN; installing python$MIN"
    apt-get update
    apt-get install -y "python$MIN" "python$MIN-venv"
    PYTHON="$(command -v "python$MIN")"
fi
if ! "$PYTHON" -m venv "$VENV"; then
    # Debian and Ubuntu split venv (ensurepip) into its own package
    apt-get update
    apt-get install -y "$(basename "$PYTHON")-venv"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --upgrade pip
"$VENV/bin/python" -m pip install "$SOURCE/@SOURCE_FOLDER@"
"$VENV/bin/cegrad" --help >/dev/null
echo "cegrad installed in $VENV"
"""

# Both scripts are templates with @NAME@ placeholders (their own braces are shell and Python syntax).
RUN_AUTOGRADER = r'''#!/usr/bin/env python3
"""Gradescope runs this once per submission: grade it into results/results.json with cegrad.

Standard library only, so it runs on any Python 3; cegrad itself runs from the venv setup.sh made
(or, where there is none, the cegrad on PATH).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(os.environ.get("CEGRAD_AUTOGRADER_ROOT", "/autograder"))
SUBMISSION = ROOT / "submission"
RESULTS = ROOT / "results" / "results.json"
PROFILE = os.environ.get("CEGRAD_PROFILE", @PROFILE@)
PRECISION = os.environ.get("CEGRAD_PRECISION", @PRECISION@)
# Gradescope stops an autograder after its own limit (10 minutes unless raised); stopping first
# still gives the student a results.json that says what happened.
TIMEOUT_S = float(os.environ.get("CEGRAD_TIMEOUT", "540"))
WANTED = @SUBMISSION_FILENAME@
IGNORED = ("__MACOSX", "__pycache__")

MSG_EMPTY = ("Your submission is empty: upload word2vec.py (with your utils/ folder if you changed it), "
             "or a single .py file holding your solution.")
MSG_NO_PY = "Your submission holds no .py file ({found}); upload word2vec.py, the file holding your solution."
MSG_SEVERAL = ("Your submission holds several .py files and none is named word2vec.py ({found}); "
               "rename the one holding your solution to word2vec.py.")
MSG_NOT_GRADABLE = "Your submission could not be graded:\n{reason}"
MSG_NO_CEGRAD = "The autograder is broken (cegrad is not installed); please tell the course staff."
MSG_TIMEOUT = "Grading took longer than {limit:g} s and was stopped; make sure your code does not hang."
MSG_NO_REPORT = "The autograder could not grade your submission (cegrad exit status {code}):\n{reason}"


def write(score, message):
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"score": score, "output": message, "visibility": "visible",
                                   "stdout_visibility": "hidden", "tests": []}, indent=2) + "\n")
    print(message)


def files_in(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") or part in IGNORED for part in p.relative_to(folder).parts))


def choose(folder):
    """The path to grade, or (None, a message for the student)."""
    if (folder / WANTED).is_file():
        return folder, ""  # the folder: cegrad grades its word2vec.py with the student's own helpers
    files = files_in(folder) if folder.is_dir() else []
    named = sorted((p for p in files if p.name == WANTED), key=lambda p: len(p.parts))
    if named:
        return named[0].parent, ""  # uploaded inside a folder: its shallowest word2vec.py
    if not files:
        return None, MSG_EMPTY
    listing = ", ".join(str(p.relative_to(folder)) for p in files[:10])
    sources = [p for p in files if p.suffix == ".py"]
    if len(sources) == 1:
        return sources[0], ""
    if len(sources) > 1:
        return None, MSG_SEVERAL.format(found=listing)
    if len(files) == 1:
        return files[0], ""  # a notebook, an archive...: cegrad says what it is and what to do
    return None, MSG_NO_PY.format(found=listing)


def main():
    target, problem = choose(SUBMISSION)
    if target is None:
        write(0, problem)
        return 0
    venv_cegrad = ROOT / "venv" / "bin" / "cegrad"
    cegrad = str(venv_cegrad) if venv_cegrad.exists() else shutil.which("cegrad")
    if cegrad is None:
        write(0, MSG_NO_CEGRAD)
        return 0
    if RESULTS.exists():
        RESULTS.unlink()  # a results.json left from before must not pass for this grading's
    command = [cegrad, "grade", str(target), "--format", "gradescope", "--output", str(RESULTS),
               "--profile", PROFILE, "--precision", PRECISION]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        write(0, MSG_TIMEOUT.format(limit=TIMEOUT_S))
        return 0
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode == 2:
        write(0, MSG_NOT_GRADABLE.format(reason=run.stderr.strip()))
    elif not RESULTS.exists():
        write(0, MSG_NO_REPORT.format(code=run.returncode, reason=run.stderr.strip()[-2000:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

PYPROJECT = """# Generated by `cegrad gradescope-bundle` from the installed cegrad {version}.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "cegrad"
version = "{version}"
requires-python = "{requires_python}"
dependencies = [{dependencies}]

[project.scripts]
cegrad = "properties.grader.cli:main"

[tool.setuptools.packages.find]
include = ["reference*", "properties*"]

[tool.setuptools.package-data]
"properties.grader" = ["examples/*.py", "examples/**/*.py"]
"properties.grader.sandbox" = ["shims/*.py", "shims/**/*.py"]
"""


def _metadata() -> tuple[str, str, list[str]]:
    """cegrad's version, requires-python and runtime dependencies (no extras)."""
    try:
        version = metadata.version("cegrad")
        requires_python = (metadata.metadata("cegrad").get_all("Requires-Python") or [""])[0]
        dependencies = [r for r in metadata.requires("cegrad") or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:  # a source tree used without installing: the declared minimum
        version, requires_python, dependencies = "0+unknown", "", ["numpy", "hypothesis", "autograd"]
    return version, requires_python or ">={}.{}".format(*FALLBACK_MIN_PYTHON), dependencies


def _min_python(requires_python: str) -> tuple[int, int]:
    found = re.search(r">=\s*(\d+)\.(\d+)", requires_python)
    return (int(found.group(1)), int(found.group(2))) if found else FALLBACK_MIN_PYTHON


def _package_files() -> list[tuple[Path, str]]:
    """(file, name in the zip) for every source file of the reference and properties packages."""
    import properties
    import reference

    found = []
    for package in (reference, properties):
        root = Path(package.__file__ or "").parent
        if not (root / "__init__.py").is_file():
            raise FileNotFoundError(root)
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                found.append((path, f"{SOURCE_FOLDER}/{root.name}/{path.relative_to(root).as_posix()}"))
    return found


def _add(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same source, the same zip
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16  # Unix mode bits: run_autograder must stay executable
    archive.writestr(info, text)


def write_bundle(output: Path, profile: str, precision: str = "strict") -> str:
    """Write the zip; returns the cegrad version it carries."""
    version, requires_python, dependencies = _metadata()
    major, minor = _min_python(requires_python)
    files = _package_files()
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w") as archive:
        setup = (SETUP_SH.replace("@MIN_MAJOR@", str(major)).replace("@MIN_MINOR@", str(minor))
                 .replace("@SOURCE_FOLDER@", SOURCE_FOLDER))
        _add(archive, "setup.sh", setup, executable=True)
        run_autograder = RUN_AUTOGRADER.replace("@PROFILE@", repr(profile)).replace("@PRECISION@", repr(precision)).replace(
            "@SUBMISSION_FILENAME@", repr(SUBMISSION_FILENAME))
        _add(archive, "run_autograder", run_autograder, executable=True)
        _add(archive, f"{SOURCE_FOLDER}/pyproject.toml", PYPROJECT.format(
            version=version, requires_python=requires_python,
            dependencies=", ".join(f'"{d}"' for d in dependencies)))
        for path, name in files:
            _add(archive, name, path.read_text(encoding="utf-8"))
    return version
