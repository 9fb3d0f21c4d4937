"""The sandbox runs a submission in a child process and survives every way it can misbehave.

Each test writes a student file into ``tmp_path`` and runs it through
:class:`SandboxedImplementation`, as the grader will.  The attack tests assert both sides: what the
submission tried did not happen, and the parent got a clear, typed answer and can keep grading.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.grader.sandbox import protocol
from properties.grader.sandbox.parent import (
    MSG_OUTPUT_TRUNCATED,
    CallTimeout,
    ChildDied,
    Limits,
    LoadFailed,
    ProtocolViolation,
    SandboxedImplementation,
    SandboxFatal,
    SubmissionRaised,
    Tampering,
)
from properties.implementation import ImplementationFatal, Unusable

#: every test here grades in a sandboxed child process (tox -e fast leaves them out)
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
FAST = Limits(call_seconds=5.0, import_seconds=10.0)

CORRECT_BODY = """
    z = outsideVectors @ centerWordVec
    p = np.exp(z - z.max())
    p /= p.sum()
    loss = -np.log(p[outsideWordIdx])
    p[outsideWordIdx] -= 1.0
    return loss, outsideVectors.T @ p, np.outer(p, centerWordVec)
"""
CS224N_HEADER = "def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):"


def cs224n_source(prelude: str = "", body: str = CORRECT_BODY, header: str = CS224N_HEADER) -> str:
    return "import numpy as np\n" + textwrap.dedent(prelude) + "\n" + header + "\n" + body


def expected(U: np.ndarray, v_c: np.ndarray, o: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The answer, written independently of the reference: CE = logsumexp(z) - z_o."""
    z = U @ v_c
    y_hat = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.eye(len(z))[o]
    loss = float(np.log(np.exp(z - z.max()).sum()) + z.max() - z[o])
    return loss, U.T @ (y_hat - y), np.outer(y_hat - y, v_c)


@pytest.fixture
def inputs() -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(7)
    return rng.normal(size=(5, 3)), rng.normal(size=3), 2


def write(tmp_path: Path, source: str, name: str = "word2vec.py") -> Path:
    path = tmp_path / name
    path.write_text(source)
    return path


def sandbox(path: Path, convention: str = "cs224n", function: str = "naiveSoftmaxLossAndGradient", **kw):
    return SandboxedImplementation(path, convention, function, limits=kw.pop("limits", FAST), **kw)


def assert_gone(pid: int) -> None:
    """No process with this id, nor any left in its process group (session)."""
    for probe in (os.kill, os.killpg):
        with pytest.raises(ProcessLookupError):
            probe(pid, 0)


# -- correct submissions --------------------------------------------------------------------------


def test_correct_cs224n_submission_returns_the_right_arrays_as_plain_data(tmp_path, inputs):
    path = write(tmp_path, cs224n_source('print("loaded!")') + '\nif __name__ == "__main__":\n    exit(5)\n')
    U, v_c, o = inputs
    with sandbox(path) as impl:
        info = impl.start()
        out = impl(U.copy(), v_c.copy(), o)
    loss, grad_v_c, grad_U = expected(U, v_c, o)
    assert info.mode == "module" and info.shims == () and "loaded!" in info.output
    assert impl.provides == {"loss", "grad_v_c", "grad_U"}
    for value in (out.loss, out.grad_v_c, out.grad_U):
        assert type(value) is np.ndarray and value.dtype == np.float64
    np.testing.assert_allclose(out.grad_U, grad_U, rtol=1e-12)
    np.testing.assert_allclose(out.grad_v_c, grad_v_c, rtol=1e-12)
    np.testing.assert_allclose(out.loss, loss, rtol=1e-12)
    assert out.mutated == () and impl.last_call_mutated == ()
    assert impl.calls == 1 and impl.total_seconds > 0


def test_function_without_dataset_returning_a_float_loss_is_graded(tmp_path, inputs):
    header = "def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors):"
    body = CORRECT_BODY.replace("return loss,", "return float(loss),")
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(header=header, body=body))) as impl:
        out = impl(U, v_c, o)
    assert type(out.loss) is np.ndarray and out.loss.shape == ()
    np.testing.assert_allclose(out.loss, expected(U, v_c, o)[0], rtol=1e-12)


def test_grad_u_function_provides_only_grad_U(tmp_path, inputs):
    source = cs224n_source() + "\ndef grad_U(U, v_c, o):\n    return naiveSoftmaxLossAndGradient(v_c, o, U, 0)[2]\n"
    U, v_c, o = inputs
    with sandbox(write(tmp_path, source), "grad-u", "grad_U") as impl:
        out = impl(U, v_c, o)
    assert impl.provides == {"grad_U"} and out.loss is None and out.grad_v_c is None
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)


def test_missing_course_helper_is_supplied_by_a_shim_and_reported(tmp_path, inputs):
    body = """
    p = softmax(outsideVectors @ centerWordVec)
    loss = -np.log(p[outsideWordIdx])
    p[outsideWordIdx] -= 1.0
    return loss, outsideVectors.T @ p, np.outer(p, centerWordVec)
    """
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source("from utils.utils import softmax", body))) as impl:
        info = impl.start()
        out = impl(U, v_c, o)
    assert "utils.utils" in info.shims
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)


def test_students_own_helper_module_wins_over_the_shim(tmp_path, inputs):
    (tmp_path / "utils").mkdir()
    (tmp_path / "utils" / "__init__.py").write_text("")
    (tmp_path / "utils" / "utils.py").write_text("import numpy as np\ndef softmax(x):\n    return x * 0.0\n")
    body = "    p = softmax(outsideVectors @ centerWordVec)\n    return 0.0, p[:3], np.outer(p, centerWordVec)\n"
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source("from utils.utils import softmax", body))) as impl:
        info = impl.start()
        out = impl(U, v_c, o)
    assert info.shims == ()
    assert not out.grad_U.any()


def test_extracted_mode_grades_the_source_text_when_the_file_cannot_be_imported(tmp_path, inputs):
    path = write(tmp_path, cs224n_source() + '\nprint "python 2 at the bottom"\n')
    with pytest.raises(LoadFailed, match="SyntaxError"):
        sandbox(path).start()
    U, v_c, o = inputs
    with sandbox(path, mode="extracted", source_text=cs224n_source()) as impl:
        assert impl.start().mode == "extracted"
        out = impl(U, v_c, o)
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)


def test_a_missing_function_is_a_load_failure_naming_it(tmp_path):
    with pytest.raises(LoadFailed, match="no function named 'softmaxCostAndGradient'"):
        sandbox(write(tmp_path, cs224n_source()), "cs224n-2017", "softmaxCostAndGradient").start()


def test_extracted_source_errors_show_the_extracted_lines(tmp_path, inputs):
    source = cs224n_source(body="    return 1 / 0\n")
    impl = sandbox(write(tmp_path, "garbage ("), mode="extracted", source_text=source)
    with impl, pytest.raises(SubmissionRaised) as caught:
        impl(*inputs)
    assert "<extracted from word2vec.py>" in caught.value.traceback and "1 / 0" in caught.value.traceback


def test_submission_exception_is_reported_with_its_type_and_own_frames_only(tmp_path, inputs):
    path = write(tmp_path, cs224n_source(body="    return helper()\ndef helper():\n    return 1 / 0\n"))
    with sandbox(path) as impl, pytest.raises(SubmissionRaised) as caught:
        impl(*inputs)
    error = caught.value
    assert type(error).__name__ == "ZeroDivisionError" and error.type_name == "ZeroDivisionError"
    assert str(error) == "division by zero" and error.describe() == "ZeroDivisionError: division by zero"
    assert "word2vec.py" in error.traceback and "helper" in error.traceback
    assert "child.py" not in error.traceback
    assert isinstance(error, Exception)  # an ordinary failure: Hypothesis may shrink it


def test_mutating_an_input_is_detected_bit_for_bit(tmp_path, inputs):
    mutation = "    outsideVectors[0, 0] += 1.0\n    centerWordVec *= 1.0\n"
    body = CORRECT_BODY.replace("    z =", mutation + "    z =")
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        out = impl(*inputs)
    assert out.mutated == ("U",) and impl.last_call_mutated == ("U",)


def test_not_a_tuple_makes_every_output_unusable(tmp_path, inputs):
    with sandbox(write(tmp_path, cs224n_source(body="    return [1.0, 2.0]\n"))) as impl:
        out = impl(*inputs)
    for value in (out.loss, out.grad_v_c, out.grad_U):
        assert isinstance(value, Unusable) and "list of length 2" in value.reason


# -- attacks at import time -----------------------------------------------------------------------


def test_patched_numpy_and_builtins_in_the_child_do_not_reach_the_parent(tmp_path, inputs):
    prelude = """
    import builtins
    np.allclose = lambda *a, **k: True
    np.testing.assert_allclose = lambda *a, **k: None
    builtins.isinstance = lambda *a: True
    builtins.abs = lambda x: 0
    """
    body = "    return 0.0, np.zeros_like(centerWordVec), np.zeros_like(outsideVectors)\n"
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(prelude, body))) as impl:
        out = impl(U, v_c, o)
    assert type(out.grad_U) is np.ndarray
    assert not np.allclose(out.grad_U, expected(U, v_c, o)[2])
    assert np.allclose.__module__ == "numpy" and abs(-1) == 1


@pytest.mark.parametrize("exit_call", ["exit(0)", "import sys; sys.exit(0)", "raise SystemExit"])
def test_exit_at_import_is_a_load_failure(tmp_path, exit_call):
    with pytest.raises(LoadFailed, match=r"exit\(") as caught:
        sandbox(write(tmp_path, cs224n_source(exit_call))).start()
    assert caught.value.reason.startswith("SystemExit")


def test_dying_at_import_is_a_load_failure_with_the_exit_status(tmp_path):
    with pytest.raises(LoadFailed, match=r"ended while being imported \(exit status 3\)"):
        sandbox(write(tmp_path, cs224n_source("import os\nos._exit(3)"))).start()


def test_slow_import_such_as_a_training_loop_times_out(tmp_path):
    limits = Limits(import_seconds=1.5)
    started = time.monotonic()
    with pytest.raises(LoadFailed, match=r"longer than 1\.5 s"):
        sandbox(write(tmp_path, cs224n_source("while True:\n    pass")), limits=limits).start()
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("reference", "importing 'reference' is not allowed"),
        ("properties.laws", "importing 'properties' is not allowed"),
        ("autograd", "--allow-import autograd"),
        ("_posixsubprocess", "importing '_posixsubprocess' is not allowed"),
    ],
)
def test_forbidden_imports_fail_the_load_with_a_clear_message(tmp_path, module, message):
    with pytest.raises(LoadFailed, match=re.escape(message)) as caught:
        sandbox(write(tmp_path, cs224n_source(f"import {module}"))).start()
    assert caught.value.reason.startswith("ImportError")


def test_allow_import_lets_autograd_actually_import(tmp_path, inputs):
    prelude = """
    import autograd
    import autograd.numpy as anp
    """
    body = """
    def ce(U):
        z = U @ centerWordVec
        return anp.log(anp.sum(anp.exp(z))) - z[outsideWordIdx]
    return 0.0, centerWordVec * 0, autograd.grad(ce)(outsideVectors)
    """
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(prelude, body)), allow_imports=("autograd",)) as impl:
        out = impl(U, v_c, o)
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-10)


def test_allow_import_also_lifts_the_ban_on_the_reference(tmp_path, inputs):
    body = "    return 0.0, centerWordVec, reference.grad_U(outsideVectors, centerWordVec, outsideWordIdx)\n"
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source("import reference", body)), allow_imports=("reference",)) as impl:
        out = impl(U, v_c, o)
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)


# -- attacks during a call ------------------------------------------------------------------------


def test_os_exit_in_a_call_is_child_died_and_a_fresh_child_serves_the_next_call(tmp_path, inputs):
    body = "    import os\n    if outsideWordIdx == 0:\n        os._exit(0)\n" + CORRECT_BODY
    U, v_c, _ = inputs
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        with pytest.raises(ChildDied, match="exit status 0"):
            impl(U, v_c, 0)
        out = impl(U, v_c, 1)
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, 1)[2], rtol=1e-12)
    assert impl.calls == 2


def test_hypothesis_stops_at_the_first_fatal_error_instead_of_shrinking(tmp_path, inputs):
    body = "    import os\n    os._exit(0)\n"
    impl = sandbox(write(tmp_path, cs224n_source(body=body)))
    U, v_c, _ = inputs

    @settings(max_examples=20, database=None, derandomize=True)
    @given(st.integers(0, len(U) - 1))
    def law(o: int) -> None:
        impl(U, v_c, o)

    with impl, pytest.raises(ChildDied):
        law()
    assert impl.calls == 1


def test_sys_exit_in_a_call_is_child_died(tmp_path, inputs):
    with (
        sandbox(write(tmp_path, cs224n_source(body="    raise SystemExit(4)\n"))) as impl,
        pytest.raises(ChildDied, match=r"exit\(4\)"),
    ):
        impl(*inputs)


def test_fatal_errors_are_base_exceptions_hypothesis_will_not_shrink():
    for fatal in (CallTimeout, ChildDied, Tampering, ProtocolViolation):
        assert issubclass(fatal, SandboxFatal) and issubclass(fatal, ImplementationFatal)
        assert not issubclass(fatal, Exception)
    assert CallTimeout.status == "timeout" and ChildDied.status == "error"


def test_a_hang_times_out_within_the_limit_and_grading_continues(tmp_path, inputs):
    body = "    while outsideWordIdx == 0:\n        pass\n" + CORRECT_BODY
    U, v_c, _ = inputs
    with sandbox(write(tmp_path, cs224n_source(body=body)), limits=Limits(call_seconds=1.0)) as impl:
        started = time.monotonic()
        with pytest.raises(CallTimeout, match="within 1 s"):
            impl(U, v_c, 0)
        assert time.monotonic() - started < 2.5
        assert impl(U, v_c, 1).grad_U.shape == U.shape


def test_a_memory_bomb_fails_the_call_and_leaves_the_parent_fine(tmp_path, inputs):
    body = "    hoard = []\n    while True:\n        hoard.append(bytearray(1 << 26))\n"
    limits = Limits(memory_bytes=1 << 30)
    impl = sandbox(write(tmp_path, cs224n_source(body=body)), limits=limits)
    with impl, pytest.raises((SubmissionRaised, ChildDied)) as caught:
        impl(*inputs)
    if isinstance(caught.value, SubmissionRaised):
        assert caught.value.type_name == "MemoryError"
    assert np.ones(1 << 20).sum() == 1 << 20


@pytest.mark.parametrize(
    "attack",
    [
        # Each fork's child would exit at once: were the hook ever to fail, no fork bomb follows.
        "import os\n    for _ in range(3):\n        if os.fork() == 0:\n            os._exit(0)",
        "import subprocess\n    subprocess.run(['sleep', '30'])",
        "import os\n    os.system('sleep 30 &')",
        "import os\n    os.posix_spawn('/bin/sleep', ['sleep', '30'], {})",
    ],
)
def test_new_processes_are_blocked_and_nothing_is_left_behind(tmp_path, inputs, attack):
    body = f"    import os\n    print('pid', os.getpid(), flush=True)\n    {attack}\n" + CORRECT_BODY
    impl = sandbox(write(tmp_path, cs224n_source(body=body)))
    with impl:
        with pytest.raises(Tampering, match=r"new process|shell command"):
            impl(*inputs)
        output = impl.captured_output()
    assert_gone(int(re.search(r"pid (\d+)", output).group(1)))


def test_signalling_the_parent_or_any_other_process_is_blocked(tmp_path, inputs):
    # A sacrificial process takes SIGKILL; the parent (this test run) only the harmless signal 0.
    victim = subprocess.Popen(["sleep", "30"])
    body = f"    import os, signal\n    os.kill({victim.pid}, signal.SIGKILL)\n    os.kill(os.getppid(), 0)\n"
    try:
        impl = sandbox(write(tmp_path, cs224n_source(body=body)))
        with impl, pytest.raises(Tampering, match=f"signal to process {victim.pid}"):
            impl(*inputs)
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
    body = "    import os\n    os.kill(os.getppid(), 0)\n"
    impl = sandbox(write(tmp_path, cs224n_source(body=body)))
    with impl, pytest.raises(Tampering, match=f"signal to process {os.getpid()}"):
        impl(*inputs)


def test_writing_outside_the_scratch_dir_is_blocked_but_scratch_is_writable(tmp_path, inputs):
    target = tmp_path / "pwned.txt"
    body = f"    open('notes.txt', 'w').write('fine')\n    open({str(target)!r}, 'w').write('x')\n"
    with (
        sandbox(write(tmp_path, cs224n_source(body=body))) as impl,
        pytest.raises(Tampering, match="outside the scratch directory"),
    ):
        impl(*inputs)
    assert not target.exists()


def test_reading_the_reference_by_path_is_blocked(tmp_path, inputs):
    body = f"    return open({str(REPO / 'reference' / '__init__.py')!r}).read()\n"
    with (
        sandbox(write(tmp_path, cs224n_source(body=body))) as impl,
        pytest.raises(Tampering, match="reading the grader's"),
    ):
        impl(*inputs)


def test_reading_the_parents_environment_through_proc_is_blocked(tmp_path, inputs):
    body = "    import os\n    return open(f'/proc/{os.getppid()}/environ').read()\n"
    impl = sandbox(write(tmp_path, cs224n_source(body=body)))
    with impl, pytest.raises(Tampering, match="another process"):
        impl(*inputs)


def test_a_file_named_like_a_stdlib_module_is_still_graded(tmp_path, inputs):
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(), name="json.py")) as impl:
        out = impl(U, v_c, o)
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)


def test_importing_the_reference_inside_the_call_is_blocked_even_by_importlib(tmp_path, inputs):
    body = "    import importlib\n    return importlib.import_module('reference').grad_U(0, 0, 0)\n"
    with (
        sandbox(write(tmp_path, cs224n_source(body=body))) as impl,
        pytest.raises(Tampering, match="reference"),
    ):
        impl(*inputs)


@pytest.mark.parametrize(
    "attack",
    [
        "import socket\n    socket.socket()",
        "import resource\n    resource.setrlimit(resource.RLIMIT_CPU, (10**6, 10**6))",
    ],
)
def test_sockets_and_raising_limits_are_blocked(tmp_path, inputs, attack):
    body = f"    {attack}\n" + CORRECT_BODY
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl, pytest.raises(Tampering):
        impl(*inputs)


def test_ctypes_imports_but_cannot_load_or_call_c_code(tmp_path, inputs):
    body = "    return ctypes.CDLL('libc.so.6').getpid()\n"
    impl = sandbox(write(tmp_path, cs224n_source("import ctypes", body)))
    with impl, pytest.raises(Tampering, match="through ctypes"):
        impl(*inputs)


def test_scipy_helpers_work_in_the_sandbox(tmp_path, inputs):
    pytest.importorskip("scipy")
    body = CORRECT_BODY.replace("    p = np.exp(z - z.max())\n    p /= p.sum()\n", "    p = softmax(z)\n")
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source("from scipy.special import softmax", body))) as impl:
        out = impl(U, v_c, o)
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)


def test_the_hooks_frame_cannot_be_read_from_the_traceback_of_a_blocked_action(tmp_path, inputs):
    # at import, blocked attempts are recorded rather than fatal, so the outcome can be observed:
    # the walk down the traceback stops at the hook's frame, and the function reports what it saw
    prelude = """
    import os
    SEEN = "nothing"
    try:
        os.fork()
    except PermissionError as error:
        tb = error.__traceback__
        try:
            while tb is not None:
                tb.tb_frame.f_locals
                tb = tb.tb_next
            SEEN = "the hook's frame"
        except PermissionError:
            SEEN = "refused"
"""
    body = CORRECT_BODY.replace("    return ", "    loss = 1.0 if SEEN == 'refused' else -1.0\n    return ", 1)
    with sandbox(write(tmp_path, cs224n_source(prelude, body))) as impl:
        info = impl.start()
        out = impl(*inputs)
    assert any("reading the frames of a traceback" in b for b in info.blocked)
    assert float(out.loss) == 1.0


def test_a_submission_may_print_its_own_tracebacks(tmp_path, inputs):
    body = CORRECT_BODY.replace("    return ", "    import traceback\n    try:\n        1 / 0\n"
                                "    except ZeroDivisionError:\n        traceback.print_exc()\n    return ", 1)
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        out = impl(*inputs)
        assert "ZeroDivisionError" in impl.captured_output()
    np.testing.assert_allclose(out.grad_U, expected(*inputs)[2], rtol=1e-12)


def test_the_hook_is_not_reachable_from_the_callers_frames(tmp_path, inputs):
    body = (
        """
    import sys
    frame = sys._getframe()
    while frame is not None:
        if any(callable(v) and getattr(v, "__name__", "") == "hook" for v in frame.f_locals.values()):
            raise RuntimeError("found the audit hook in " + frame.f_code.co_name)
        frame = frame.f_back
"""
        + CORRECT_BODY
    )
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        assert impl(U, v_c, o).grad_U.shape == U.shape


def test_a_path_object_that_changes_its_answer_cannot_sneak_past_the_hook(tmp_path, inputs):
    # The hook must judge the path the system call uses (the first answer), never ask again.
    target = tmp_path / "sneaked"
    prelude = f"""
    class Shifty:
        answers = [{str(target)!r}, "harmless"]
        def __fspath__(self):
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
    """
    body = "    import os\n    os.mkdir(Shifty())\n" + CORRECT_BODY
    impl = sandbox(write(tmp_path, cs224n_source(prelude, body)))
    with impl, pytest.raises(Tampering, match=r"outside the scratch directory|path object"):
        impl(*inputs)
    assert not target.exists()


def test_pathlib_works_inside_the_scratch_directory(tmp_path, inputs):
    body = "    import pathlib\n    pathlib.Path('notes.txt').write_text('fine')\n" + CORRECT_BODY
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        assert impl(U, v_c, o).grad_U.shape == U.shape


def test_a_fake_report_on_stdout_stays_in_the_capped_captured_output(tmp_path, inputs):
    body = '    print(\'{"passed": true, "score": 100}\' * 5000)\n' + CORRECT_BODY
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        out = impl(U, v_c, o)
        text = impl.captured_output()
    np.testing.assert_allclose(out.grad_U, expected(U, v_c, o)[2], rtol=1e-12)
    assert text.startswith('{"passed": true')
    assert text.endswith(MSG_OUTPUT_TRUNCATED.format(limit=FAST.output_bytes))
    assert len(text.encode()) <= FAST.output_bytes + 100


@pytest.mark.parametrize(
    "returned",
    [
        "np.matrix(np.outer(p, centerWordVec))",
        "np.ma.masked_array(np.outer(p, centerWordVec))",
        "Liar()",
        "np.outer(p, centerWordVec).tolist()",
        "np.zeros(outsideVectors.shape, dtype=np.int64)",
    ],
)
def test_odd_return_types_are_unusable_and_never_reach_the_parent(tmp_path, inputs, returned):
    prelude = """
    class Liar:
        def __eq__(self, other):
            return True
        def __array__(self, *a, **k):
            raise SystemExit("__array__ called")
    """
    body = f"    p = np.ones(len(outsideVectors))\n    return 0.0, centerWordVec, {returned}\n"
    with sandbox(write(tmp_path, cs224n_source(prelude, body))) as impl:
        out = impl(*inputs)
    assert isinstance(out.grad_U, Unusable)
    assert type(out.grad_v_c) is np.ndarray


@pytest.mark.parametrize(
    "garbage",
    [
        b"not a frame at all, just bytes",
        struct.pack(">4sIQ", b"CEG1", 10, 1 << 40),
        struct.pack(">4sIQ", b"CEG1", 5, 0) + b"{nope",
    ],
)
def test_writing_to_the_protocol_channel_is_a_protocol_violation_not_a_crash(tmp_path, inputs, garbage):
    body = (
        f"""
    import os, sys
    fd = int(sys.argv[sys.argv.index('--out-fd') + 1])
    os.write(fd, {garbage!r})
    """
        + CORRECT_BODY
    )
    U, v_c, o = inputs
    with sandbox(write(tmp_path, cs224n_source(body=body))) as impl:
        with pytest.raises(ProtocolViolation):
            impl(U, v_c, o)
        with pytest.raises(ProtocolViolation):  # a fresh child, which misbehaves again
            impl(U, v_c, o)


def test_close_kills_the_child_and_a_later_call_restarts_it(tmp_path, inputs):
    body = "    import os\n    print('pid', os.getpid(), flush=True)\n" + CORRECT_BODY
    impl = sandbox(write(tmp_path, cs224n_source(body=body)))
    assert impl.start() is impl.start()
    impl(*inputs)
    pid = int(re.search(r"pid (\d+)", impl.captured_output()).group(1))
    impl.close()
    assert_gone(pid)
    assert impl(*inputs).grad_U.shape == inputs[0].shape
    impl.close()


def test_bad_arguments_are_refused_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match="convention: expected one of"):
        SandboxedImplementation(tmp_path / "x.py", "cs224", "f")
    with pytest.raises(ValueError, match="needs source_text"):
        SandboxedImplementation(tmp_path / "x.py", "cs224n", "f", mode="extracted")


# -- the protocol on its own ----------------------------------------------------------------------


def test_protocol_round_trips_arrays_as_raw_data():
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array(2.5), "c": np.zeros((0, 4))}
    frame = protocol.encode("result", {"seq": 3}, arrays)
    header_len, _ = protocol.parse_prefix(frame[:16])
    message = protocol.decode(frame[16 : 16 + header_len], frame[16 + header_len :])
    assert message.kind == "result" and message.fields == {"seq": 3}
    for name, array in arrays.items():
        got = message.arrays[name]
        assert type(got) is np.ndarray and got.dtype == array.dtype and got.flags.writeable
        np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"name": "a", "dtype": "|O", "shape": [1], "nbytes": 8}, "not a whitelisted"),
        ({"name": "a", "dtype": "<c16", "shape": [1], "nbytes": 16}, "not a whitelisted"),
        ({"name": "a", "dtype": "<f8", "shape": [3], "nbytes": 8}, "needs 24 bytes"),
        ({"name": "a", "dtype": "<f8", "shape": [1 << 62, 1 << 62], "nbytes": 8}, "needs"),
        ({"name": "a", "dtype": "<f8", "shape": [-1], "nbytes": 8}, "bad shape"),
        ({"name": "a", "dtype": "<f8", "shape": [1]}, "exactly name"),
    ],
)
def test_protocol_rejects_malformed_array_specs(spec, match):
    import json

    header = json.dumps({"kind": "result", "fields": {}, "arrays": [spec]}).encode()
    with pytest.raises(ProtocolViolation, match=match):
        protocol.decode(header, b"\0" * 8)


def test_protocol_rejects_oversized_frames_before_reading_them():
    with pytest.raises(ProtocolViolation, match="exceeds the limit"):
        protocol.parse_prefix(struct.pack(">4sIQ", b"CEG1", 16, protocol.MAX_MESSAGE_BYTES))
