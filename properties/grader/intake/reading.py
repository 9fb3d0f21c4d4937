"""Reading a submission: the file (or a folder's word2vec.py), checked to be Python source text.

Nothing here runs the student's code, and nothing is parsed beyond finding a function definition:
a file that is not gradable is refused with a message saying what arrived and what to submit.
"""

from __future__ import annotations

import json
import tokenize
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from properties.grader.intake.lexing import defined_functions

#: The file a directory submission must hold (and the name Gradescope and grade-all look for).
SUBMISSION_FILENAME = "word2vec.py"

# User-facing texts, matched by tests/test_grader_source.py.
MSG_MISSING = "{path}: no such file or directory; check the path you passed to `cegrad grade`."
MSG_DIR_WITHOUT_FILE = (
    "{path} is a directory without a word2vec.py; pass the .py file to grade instead ({found})."
)
MSG_NOT_A_FILE = "{path} is not a regular file; pass the .py file that holds your solution."
# A word2vec.py is tens of kilobytes; parsing megabytes of source in the grader's own process (which
# has no resource limits) would cost minutes and gigabytes before any law runs.
MAX_SUBMISSION_BYTES = 1 << 20
MSG_TOO_LARGE = (
    "{path} is {size} bytes, more than the {limit} bytes a submission may have; submit only your source file."
)
MSG_LINK_OUTSIDE = (
    "{path} is a symbolic link to {target}, outside its own folder; the grader reads only the "
    "submission's own files, so submit the file itself."
)
MSG_EMPTY = "{path} is empty; submit the word2vec.py that holds your solution."
MSG_NOTEBOOK = (
    "{path} is a Jupyter notebook, which cegrad does not grade; "
    "export it as a .py file (File > Download as > Python) and grade that."
)
MSG_BYTECODE = "{path} is compiled Python bytecode; submit the .py source file instead."
MSG_BINARY = (
    "{path} is not Python source (it holds binary data); submit the .py file, not an archive, PDF or image."
)
MSG_UNDECODABLE = (
    "{path} is not readable as Python source ({error}); save it as UTF-8 text and submit it again."
)
MSG_NOT_PYTHON = (
    "{path} does not look like Python source (no function definitions found); "
    "submit the .py file that holds your solution."
)

_NOTEBOOK_SUFFIXES = {".ipynb"}
_BYTECODE_SUFFIXES = {".pyc", ".pyo"}
# NUL never occurs in Python source; it marks archives, PDFs, images and bytecode.
_BINARY_MARKER = b"\x00"


class NotGradable(Exception):
    """Nothing gradable can be found; the message says why and what to do (exit status 2)."""


@dataclass(frozen=True)
class Submission:
    """A student's source file: its path, the folder its imports resolve against, and its text."""

    path: Path
    folder: Path
    text: str


def read_submission(path: str | Path) -> Submission:
    """Read the file to grade; a directory means its ``word2vec.py``.  Raise NotGradable if none."""
    p = Path(path)
    if not p.exists():
        raise NotGradable(MSG_MISSING.format(path=p))
    if p.is_dir():
        candidate = p / SUBMISSION_FILENAME
        if not candidate.is_file() and (p / SUBMISSION_FILENAME).with_suffix(".ipynb").is_file():
            raise NotGradable(MSG_NOTEBOOK.format(path=candidate.with_suffix(".ipynb")))
        if not candidate.is_file():
            found = sorted(q.name for q in p.glob("*.py"))
            listing = "it holds " + ", ".join(found) if found else "it holds no .py files"
            raise NotGradable(MSG_DIR_WITHOUT_FILE.format(path=p, found=listing))
        p = candidate
    if not p.is_file():
        raise NotGradable(MSG_NOT_A_FILE.format(path=p))
    if p.resolve().parent != p.absolute().parent.resolve():
        # The grader runs as root: a link to the instructor's solution would be graded as the student's.
        raise NotGradable(MSG_LINK_OUTSIDE.format(path=p, target=p.resolve()))
    suffix = p.suffix.lower()
    if suffix in _NOTEBOOK_SUFFIXES or _looks_like_notebook(p):
        raise NotGradable(MSG_NOTEBOOK.format(path=p))
    if suffix in _BYTECODE_SUFFIXES:
        raise NotGradable(MSG_BYTECODE.format(path=p))
    if p.stat().st_size > MAX_SUBMISSION_BYTES:
        raise NotGradable(MSG_TOO_LARGE.format(path=p, size=p.stat().st_size, limit=MAX_SUBMISSION_BYTES))
    data = p.read_bytes()
    if not data.strip():
        raise NotGradable(MSG_EMPTY.format(path=p))
    if _BINARY_MARKER in data:
        raise NotGradable(MSG_BINARY.format(path=p))
    text = _decode(p, data)
    if suffix != ".py" and not defined_functions(text):
        raise NotGradable(MSG_NOT_PYTHON.format(path=p))
    return Submission(path=p.resolve(), folder=p.resolve().parent, text=text)


def _looks_like_notebook(p: Path) -> bool:
    """A notebook saved under another name: JSON with a top-level "cells" list."""
    try:
        head = p.read_bytes()[:1]
        if head != b"{":
            return False
        return isinstance(json.loads(p.read_bytes()).get("cells"), list)
    except (ValueError, AttributeError, OSError):
        return False


def _decode(p: Path, data: bytes) -> str:
    """Decode as Python does: a BOM or a PEP 263 coding line, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NotGradable(MSG_UNDECODABLE.format(path=p, error=reason)) from error

