"""Regressions for what a red-team review of the grader found: each attack or false refusal, as a file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from properties.grader import intake
from properties.grader.grade import grade
from properties.grader.sandbox.parent import LoadFailed, SandboxedImplementation

#: every test here grades in a sandboxed child process (tox -e fast leaves them out)
pytestmark = pytest.mark.slow

CORRECT = """
def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    z = outsideVectors @ centerWordVec
    m = z.max()
    e = np.exp(z - m)
    p = e / e.sum()
    loss = m + np.log(e.sum()) - z[outsideWordIdx]
    p[outsideWordIdx] -= 1.0
    return loss, outsideVectors.T @ p, np.outer(p, centerWordVec)
"""


def student(tmp_path: Path, prelude: str, body: str = CORRECT, name: str = "word2vec.py") -> Path:
    path = tmp_path / name
    path.write_text("import numpy as np\n" + textwrap.dedent(prelude) + "\n" + body)
    return path


def test_a_compiled_extension_beside_the_submission_is_not_loaded(tmp_path: Path) -> None:
    # the import event comes before the library is opened, so even a file of garbage shows the block
    (tmp_path / "helperext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF not really")
    (tmp_path / "helperext.abi3.so").write_bytes(b"\x7fELF not really")
    path = student(tmp_path, "import helperext\n")
    with SandboxedImplementation(path, "cs224n", "naiveSoftmaxLossAndGradient") as impl, \
            pytest.raises(LoadFailed, match="loading the compiled extension"):
        impl.start()


def test_a_directory_cannot_be_opened_to_reach_files_by_dir_fd(tmp_path: Path) -> None:
    prelude = f"""
    import os
    try:
        fd = os.open({str(Path(__file__).resolve().parents[1])!r}, os.O_RDONLY | os.O_DIRECTORY)
        REACHED = True
    except PermissionError:
        REACHED = False
    """
    body = CORRECT.replace("    return loss,", "    loss = 7.0 if REACHED else loss\n    return loss,")
    with SandboxedImplementation(student(tmp_path, prelude, body), "cs224n", "naiveSoftmaxLossAndGradient") as impl:
        info = impl.start()
        out = impl(np.eye(2), np.ones(2), 0)
    assert any("opening the directory" in b for b in info.blocked)
    assert float(out.loss) != 7.0


def test_signals_by_pidfd_which_no_audit_event_sees_are_refused_by_name(tmp_path: Path) -> None:
    prelude = """
    import os, signal, posix
    REFUSED = 0
    for call in (lambda: os.pidfd_open(os.getpid()), lambda: posix.pidfd_open(os.getpid()),
                 lambda: signal.pidfd_send_signal(0, 0)):
        try:
            call()
        except PermissionError:
            REFUSED += 1
    """
    body = CORRECT.replace("    return loss,", "    loss = float(REFUSED)\n    return loss,")
    with SandboxedImplementation(student(tmp_path, prelude, body), "cs224n", "naiveSoftmaxLossAndGradient") as impl:
        info = impl.start()
        assert float(impl(np.eye(2), np.ones(2), 0).loss) == 3.0
    assert any("calling os.pidfd_open" in b for b in info.blocked)
    assert any("calling signal.pidfd_send_signal" in b for b in info.blocked)


def test_module_level_setup_calls_do_not_force_extraction(tmp_path: Path) -> None:
    prelude = """
    import logging
    from collections import namedtuple
    log = logging.getLogger(__name__)
    Pair = namedtuple("Pair", "a b")
    def _make():
        return 1.0
    SCALE = _make()
    """
    body = CORRECT.replace("    return loss,", "    loss = loss * SCALE\n    return loss,")
    report = grade(student(tmp_path, prelude, body), profile="quick")
    assert report.passed, [p.message for p in report.properties if p.status != "passed"]
    assert any("importing the whole module" in n for n in report.notes)


def test_a_function_rebound_at_module_level_is_graded_as_the_module_exports_it(tmp_path: Path) -> None:
    prelude = ""
    body = CORRECT + textwrap.dedent("""
    def _twice(f):
        def g(*args):
            loss, gv, gu = f(*args)
            return loss, 2 * gv, 2 * gu
        return g
    naiveSoftmaxLossAndGradient = _twice(naiveSoftmaxLossAndGradient)
    """)
    report = grade(student(tmp_path, prelude, body), profile="quick")
    assert not report.passed


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "word2vec.py"
    path.write_text("x = 1\n" * 400_000)
    with pytest.raises(intake.NotGradable, match="more than the 1048576 bytes"):
        intake.read_submission(path)


def test_course_code_using_numpy_aliases_removed_in_1_24_still_runs(tmp_path: Path) -> None:
    body = CORRECT.replace("    return loss,", "    loss = np.float(loss)\n    return loss,")
    report = grade(student(tmp_path, "", body), profile="quick")
    assert report.passed, [p.message for p in report.properties if p.status != "passed"]


def test_a_loss_capped_in_the_band_between_ordinary_and_overflowing_logits_is_caught(tmp_path: Path) -> None:
    body = CORRECT.replace("    return loss,", "    loss = min(loss, 100.0)\n    return loss,")
    report = grade(student(tmp_path, "", body), profile="quick")
    assert [p.name for p in report.properties if p.status != "passed"] == ["robustness"]


def test_an_all_zero_gradient_breaks_row_structure(tmp_path: Path) -> None:
    body = "def grad_U(U, v_c, o):\n    return np.zeros_like(U)\n"
    report = grade(student(tmp_path, "", body), profile="quick")
    assert "row-structure" in {p.name for p in report.properties if p.status != "passed"}


def test_a_float32_loss_costs_the_loss_law_not_the_shape_law(tmp_path: Path) -> None:
    body = CORRECT.replace("    return loss,", "    loss = np.float32(loss)\n    return loss,")
    report = grade(student(tmp_path, "", body), profile="quick")
    broken = {p.name for p in report.properties if p.status != "passed"}
    assert "shape-and-dtype" not in broken and "loss-value" in broken
