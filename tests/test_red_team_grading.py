"""Red-team regressions of the grader's verdicts, graded as a user grades: ``cegrad grade FILE --format json``.

Each row is a submission as a student (or a cheat) writes it and the verdict it must get: the exit
status, whether the score is full marks, and the finding that made it a row.  WRONG rows are
submissions that must not pass; CORRECT rows are right answers that must get full marks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest

#: every row grades in a sandboxed child process (tox -e fast leaves them out)
pytestmark = pytest.mark.slow


class Row(NamedTuple):
    finding: str
    source: str
    exit_code: int
    full_marks: bool


ROWS = [
    Row(
        # The child's own frame held properties.assignment.course, whose naive_softmax_loss is correct:
        # a submission walking sys._getframe up to it copied the answer and got 100/100.
        "WRONG: copies the grader's correct naive softmax from the child's frame (sys._getframe)",
        """
        import sys

        def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
            frame = sys._getframe(1)
            while frame is not None and "course" not in frame.f_locals:
                frame = frame.f_back
            course = frame.f_locals["course"]
            return course.naive_softmax_loss(centerWordVec, outsideWordIdx, outsideVectors)
        """,
        1, False,
    ),
    Row(
        # The grader's dataset is defined beside a correct negSamplingLossAndGradient: its methods'
        # __globals__ handed it over, and the copy got 80/80.
        "WRONG: copies the grader's correct negative sampling through the dataset's __globals__",
        """
        def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):
            grader = type(dataset).sampleTokenIdx.__globals__
            correct = grader["neg_sampling_loss"](K)
            return correct(centerWordVec, outsideWordIdx, outsideVectors, dataset, K)
        """,
        1, False,
    ),
    Row(
        "CORRECT: skipgram summing the given word loss over the window (the word losses stay given)",
        """
        import numpy as np

        def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind,
                     centerWordVectors, outsideVectors, dataset, word2vecLossAndGradient=None):
            c = word2Ind[currentCenterWord]
            results = [word2vecLossAndGradient(centerWordVectors[c], word2Ind[w], outsideVectors, dataset)
                       for w in outsideWords]
            gradCenterVecs = np.zeros_like(centerWordVectors)
            gradCenterVecs[c] = sum((r[1] for r in results), np.zeros(centerWordVectors.shape[1]))
            gradOutsideVectors = sum((r[2] for r in results), np.zeros_like(outsideVectors))
            return sum(r[0] for r in results), gradCenterVecs, gradOutsideVectors
        """,
        0, True,
    ),
]


ROWS += [
    Row(
        # The child received fresh arrays for every call, so a cache keyed by id() never met a reused
        # object with new values (as a training loop updating U in place does) and got 100/100.
        "WRONG: caches its answers by id() of the arrays (stale once U is updated in place)",
        """
        import numpy as np
        _cache = {}

        def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
            key = (id(centerWordVec), id(outsideVectors), outsideWordIdx)
            if key not in _cache:
                z = outsideVectors @ centerWordVec
                e = np.exp(z - z.max())
                p = e / e.sum()
                loss = -np.log(p[outsideWordIdx])
                p[outsideWordIdx] -= 1.0
                _cache[key] = (loss, outsideVectors.T @ p, np.outer(p, centerWordVec))
            return _cache[key]
        """,
        1, False,
    ),
    Row(
        "CORRECT: caches its answers by the arrays' contents",
        """
        import numpy as np
        _cache = {}

        def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
            key = (centerWordVec.tobytes(), outsideVectors.tobytes(), outsideVectors.shape, str(outsideVectors.dtype),
                   outsideWordIdx)
            if key not in _cache:
                z = outsideVectors @ centerWordVec
                m = z.max()
                e = np.exp(z - m)
                p = e / e.sum()
                loss = m + np.log(e.sum()) - z[outsideWordIdx]
                p[outsideWordIdx] -= 1.0
                _cache[key] = (loss, outsideVectors.T @ p, np.outer(p, centerWordVec))
            loss, g_c, g_U = _cache[key]
            return loss, g_c.copy(), g_U.copy()
        """,
        0, True,
    ),
]


ROWS += [
    Row(
        # Only def statements counted as defining a function, so auto found nothing: exit 2.
        "CORRECT: the graded name is bound by assignment (naiveSoftmaxLossAndGradient = _naive)",
        """
        import numpy as np

        def _naive(centerWordVec, outsideWordIdx, outsideVectors, dataset):
            z = outsideVectors @ centerWordVec
            m = z.max()
            e = np.exp(z - m)
            p = e / e.sum()
            loss = m + np.log(e.sum()) - z[outsideWordIdx]
            p[outsideWordIdx] -= 1.0
            return loss, outsideVectors.T @ p, np.outer(p, centerWordVec)

        naiveSoftmaxLossAndGradient = _naive
        """,
        0, True,
    ),
]


def grade(path: Path) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "properties.grader.cli", "grade", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=600)
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("row", ROWS, ids=[row.finding for row in ROWS])
def test_verdict(tmp_path: Path, row: Row) -> None:
    path = tmp_path / "word2vec.py"
    path.write_text(textwrap.dedent(row.source))
    code, report = grade(path)
    failed = [(p["name"], p["status"], p["message"][:300]) for p in report["properties"] if p["status"] != "passed"]
    assert code == row.exit_code, (row.finding, failed)
    assert (report["score"] == report["max_score"]) is row.full_marks, (row.finding, failed)
    assert report["passed"] is row.full_marks
