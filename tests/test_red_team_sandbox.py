"""Red-team findings against the sandbox, each a row that once escaped, graded and judged from outside.

A row lays out a student's folder (files and symbolic links) beside an instructor's folder (a
correct solution, mode 0600 in a 0700 folder, as root keeps it) and a classmate's folder (0700),
runs ``cegrad grade FILE --format json`` in a subprocess as the current user (root here and on CI),
and checks in this trusted process:

* the verdict: the exit status the row expects (1: graded and failed; 2: refused as not gradable),
  never a pass, and the text of the refusal in what the grader printed;
* nothing leaked: neither the instructor's nor the classmate's token appears in stdout or stderr
  (an attack prints whatever it managed to read);
* no trace: no scratch folder left in the run's TMPDIR, no file carrying the token in /tmp or
  /dev/shm, no process carrying the token still alive.

Each row says which layer stops it now (the ``layer`` column); ``before`` says what it did before
the fix, so a reader knows why the row exists.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import textwrap
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GRADE_SECONDS = 120  # a quick grading takes a few seconds; a hang is a failure, not a stuck suite

#: The instructor's solution: correct for both conventions, so grading it passes.
SOLUTION = """
import numpy as np
SECRET = "INSTRUCTOR-{token}"


def _p(U, v):
    z = U @ v
    e = np.exp(z - z.max())
    return e / e.sum()


def grad_U(U, v_c, o):
    p = _p(U, v_c)
    p[o] -= 1.0
    return np.outer(p, v_c)


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    p = _p(outsideVectors, centerWordVec)
    loss = -np.log(p[outsideWordIdx])
    d = p.copy()
    d[outsideWordIdx] -= 1.0
    return loss, outsideVectors.T @ d, np.outer(d, centerWordVec)
"""

#: A submission that looks for any text the grader read into its process beside its own file and,
#: if one holds a solution, grades as that solution; it prints what it found, so a leak shows.
HARVEST = """
import sys
import numpy as np
FOUND = {}
for finder in sys.meta_path:
    for path, data in dict(getattr(finder, "sources", {})).items():
        if "/sandbox/shims/" not in path and path != __file__:
            FOUND[path] = data
            print("READ", path, data[:300])
STOLEN = {}
for data in FOUND.values():
    if b"def grad_U" in data:
        exec(compile(data, "stolen", "exec"), STOLEN)


def grad_U(U, v_c, o):
    if "grad_U" in STOLEN:
        return STOLEN["grad_U"](U, v_c, o)
    import classmates.alice.word2vec  # what an attacker would reach through the link
    return np.zeros_like(U)


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    if "naiveSoftmaxLossAndGradient" in STOLEN:
        return STOLEN["naiveSoftmaxLossAndGradient"](centerWordVec, outsideWordIdx, outsideVectors, dataset)
    import classmates.alice.word2vec
    return 0.0, np.zeros_like(centerWordVec), np.zeros_like(outsideVectors)
"""

#: Forges one frame on the child's own channel claiming ~254 MiB of payload, at every call.
HUGE_FRAME = """
import json, os, struct, sys
import numpy as np


def forge():
    out = int(sys.argv[sys.argv.index("--out-fd") + 1])
    n = (256 << 20) - (2 << 20)
    spec = {"name": "x", "dtype": "<u1", "shape": [n], "nbytes": n}
    header = json.dumps({"kind": "result", "fields": {"seq": 1, "slots": {}}, "arrays": [spec]}).encode()
    os.write(out, struct.pack(">4sIQ", b"CEG1", len(header), n) + header)
    chunk = bytes(1 << 20)
    for _ in range(n >> 20):
        os.write(out, chunk)


def grad_U(U, v_c, o):
    forge()
    return np.zeros_like(U)


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    forge()
    return 0.0, np.zeros_like(centerWordVec), np.zeros_like(outsideVectors)
"""

#: scipy.io.mmwrite opens its path in C++ (no "open" audit event); where Landlock is missing, the
#: fresh uid may still write to world-writable folders, so only the hook can stop it there.
MMWRITE = """
import numpy as np
{how}


def _write():
    for folder in ("/tmp", "/dev/shm"):
        try:
            mmwrite(folder + "/cegrad-red-@TOKEN@.mtx", np.eye(2))
        except OSError:
            pass


def grad_U(U, v_c, o):
    _write()
    return np.zeros_like(U)


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    _write()
    return 0.0, np.zeros_like(centerWordVec), np.zeros_like(outsideVectors)
"""
MMWRITE_PUBLIC = "from scipy.io import mmwrite"
MMWRITE_CORE = "from scipy.io._fast_matrix_market import _fmm_core\nfrom scipy.io import mmwrite"
RISKY_IMPORT = r"importing 'scipy\.io\._fast_matrix_market\._fmm_core' is not allowed inside the grader's sandbox"

NOT_READ_LINK = r"is a symbolic link to .*outside its own folder; the grader reads only the submission's own files"
UNAVAILABLE = r"No module named '[\w.]+' inside the grader's sandbox"


@dataclass(frozen=True)
class Red:
    id: str
    #: the student's folder: name -> source text, or "@name" for a symbolic link to one of
    #: {solution, solution_dir, alice_dir, class_dir}
    files: dict[str, str]
    refusal: str  # a regex the grader's output must contain
    exit: int = 1
    conventions: tuple[str, ...] = ("grad-u", "cs224n")
    max_rss_mib: int | None = None  # the grader's (and its children's) peak resident memory, if bounded
    layer: str = ""  # what stops it now
    before: str = ""  # what it did before the fix
    extra_args: tuple[str, ...] = field(default=())
    refuse: str = ""  # CEGRAD_SANDBOX_REFUSE: the OS layers made to fail, as a kernel without them would


REDS = [
    Red(
        "submission-file-is-a-link-to-the-instructors-solution",
        {"word2vec.py": "@solution"},
        NOT_READ_LINK,
        exit=2,
        layer="intake (the parent refuses a file whose real path leaves its folder)",
        before="graded the instructor's solution as the student's: exit 0, full marks",
    ),
    Red(
        "helper-file-linked-to-the-instructors-solution",
        {"word2vec.py": HARVEST, "ref.py": "@solution"},
        UNAVAILABLE,
        layer="preload (the root child reads no link that leaves the folder)",
        before="the root child read the 0600 solution into memory; the submission ran it: exit 0, full marks",
    ),
    Red(
        "folder-linked-to-the-class-folder",
        {"word2vec.py": HARVEST, "classmates": "@class_dir"},
        UNAVAILABLE,
        layer="preload (the root child walks no link that leaves the folder)",
        before="the root child read a classmate's file from her 0700 folder; the submission printed it",
    ),
    Red(
        "folder-linked-to-the-instructors-folder",
        {"word2vec.py": HARVEST, "instructor": "@solution_dir"},
        UNAVAILABLE,
        layer="preload (the root child walks no link that leaves the folder)",
        before="the root child read the 0600 solution from the 0700 folder: exit 0, full marks",
    ),
    Red(
        "huge-frame-forged-on-the-childs-channel",
        {"word2vec.py": HUGE_FRAME},
        r"frame of \d+ bytes exceeds the limit of \d+ bytes",
        max_rss_mib=1024,
        layer="parent (a reply may be no bigger than its call's inputs allow: protocol.reply_limit)",
        before="the parent read 254 MiB per call and kept every failing reply: 7 GiB resident, 90 s",
    ),
    Red(
        "mmwrite-opens-its-path-in-cplusplus-without-landlock",
        {"word2vec.py": MMWRITE.format(how=MMWRITE_PUBLIC)},
        RISKY_IMPORT,
        refuse="landlock,mount",
        layer="audit hook (scipy's C++ Matrix Market module is a risky import); with Landlock, Landlock too",
        before="no refusal; /tmp/cegrad-red-*.mtx and /dev/shm/cegrad-red-*.mtx left on the host",
    ),
    Red(
        "fmm-core-named-in-an-import-line-without-landlock",
        {"word2vec.py": MMWRITE.format(how=MMWRITE_CORE)},
        RISKY_IMPORT,
        refuse="landlock,mount",
        layer="preload (a risky dotted name is never preimported) and the audit hook",
        before="the import line made the root child preimport it before the hook, then as above",
    ),
]


@dataclass
class World:
    token: str
    student: Path
    tmpdir: Path
    targets: dict[str, Path]


@pytest.fixture
def world(tmp_path: Path) -> World:
    token = "red" + uuid.uuid4().hex[:16]
    solution_dir = tmp_path / "instructor"
    solution_dir.mkdir(mode=0o700)
    solution = solution_dir / "solution.py"
    solution.write_text(SOLUTION.format(token=token))
    solution.chmod(0o600)
    class_dir = tmp_path / "class"
    alice = class_dir / "alice"
    alice.mkdir(parents=True)
    (alice / "__init__.py").write_text("")
    (alice / "word2vec.py").write_text(f'ALICE = "ALICE-{token}"\n')
    alice.chmod(0o700)
    student = class_dir / "bob"
    student.mkdir()
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    targets = {"solution": solution, "solution_dir": solution_dir, "alice_dir": alice, "class_dir": class_dir}
    return World(token, student, tmpdir, targets)


def _token_processes(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def lay_out(red: Red, w: World) -> Path:
    for name, content in red.files.items():
        path = w.student / name
        if content.startswith("@"):
            path.symlink_to(w.targets[content[1:]])
        else:
            path.write_text(textwrap.dedent(content).replace("@TOKEN@", w.token))
    return w.student / "word2vec.py"


def grade(path: Path, convention: str, w: World, extra: tuple[str, ...], refuse: str = "") -> subprocess.CompletedProcess[str]:
    cegrad = Path(sys.executable).with_name("cegrad")
    argv = [str(cegrad), "grade", str(path), "--convention", convention, "--format", "json", "--profile", "quick", *extra]
    env = {**os.environ, "TMPDIR": str(w.tmpdir), "CEGRAD_RED_TOKEN": w.token, "CEGRAD_SANDBOX_REFUSE": refuse}
    try:
        return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=w.student, timeout=GRADE_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the grader did not finish within {GRADE_SECONDS} s")


def assert_no_trace(w: World) -> None:
    assert sorted(p.name for p in w.tmpdir.iterdir()) == [], "a scratch folder was left behind"
    strays = [str(p) for d in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(d).glob(f"*{w.token}*")]
    assert strays == [], f"files outside scratch: {strays}"
    running = _token_processes(w.token)
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert running == [], "processes outlived the grading"


CASES = [(red, convention) for red in REDS for convention in red.conventions]


@pytest.mark.parametrize(("red", "convention"), CASES, ids=[f"{r.id}-{c}" for r, c in CASES])
def test_the_red_team_finding_stays_fixed(red: Red, convention: str, world: World) -> None:
    done = grade(lay_out(red, world), convention, world, red.extra_args, red.refuse)
    printed = done.stdout + done.stderr
    assert done.returncode == red.exit, f"exit {done.returncode}, expected {red.exit}:\n{printed[-3000:]}"
    if red.exit == 1:
        report = json.loads(done.stdout)
        assert report["passed"] is False and report["score"] < report["max_score"]
    assert f"INSTRUCTOR-{world.token}" not in printed, "the instructor's solution reached the submission"
    assert f"ALICE-{world.token}" not in printed, "a classmate's file reached the submission"
    assert re.search(red.refusal, printed), f"nothing names the refusal /{red.refusal}/:\n{printed[-3000:]}"
    assert_no_trace(world)
    if red.max_rss_mib is not None:  # ru_maxrss: the largest of this worker's children so far, in KiB
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        assert peak < red.max_rss_mib, f"the grader's resident memory reached {peak} MiB"


def test_the_harness_passes_the_same_solution_in_the_students_own_folder(world: World) -> None:
    """The rows fail because of the refusal: the solution itself, submitted as a file, passes."""
    path = world.student / "word2vec.py"
    path.write_text(SOLUTION.format(token="own"))
    done = grade(path, "grad-u", world, ())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads(done.stdout)["passed"] is True
    assert_no_trace(world)


def test_draining_an_output_that_never_runs_dry_returns(tmp_path: Path) -> None:
    """A submission's threads may write to stdout faster than the parent reads (here: /dev/zero,
    which never runs dry); the drain must still return, so the call's deadline is checked again.
    Before: ``_drain_output`` looped until the pipe was empty, past every deadline."""
    import threading

    from properties.grader.sandbox import parent

    impl = parent.SandboxedImplementation(tmp_path / "word2vec.py", "grad-u", "grad_U")
    fd = os.open("/dev/zero", os.O_RDONLY)
    try:
        child = parent._Child(None, -1, -1, fd, str(tmp_path))  # type: ignore[arg-type]  # only .output is read
        drain = threading.Thread(target=impl._drain_output, args=(child,), daemon=True)
        drain.start()
        drain.join(timeout=30)
        assert not drain.is_alive(), "the drain never returned"
        assert len(impl.captured_output()) > 0 and impl._output_truncated
    finally:
        os.close(fd)


def test_the_pytest_plugin_refuses_a_submission_linked_to_the_instructors_solution(world: World) -> None:
    """``pytest --cegrad-submission``: the plugin resolved the path before intake saw it, so a link
    to the solution was graded as the student's (every law passed).  Now a usage error (exit 4)."""
    link = world.student / "word2vec.py"
    link.symlink_to(world.targets["solution"])
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cegrad-submission", str(link),
            "--cegrad-convention", "grad-u", "--cegrad-profile", "quick"]  # fmt: skip
    env = {**os.environ, "TMPDIR": str(world.tmpdir)}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=world.student, timeout=GRADE_SECONDS)
    printed = done.stdout + done.stderr
    assert done.returncode == 4, f"exit {done.returncode}:\n{printed[-3000:]}"
    assert re.search(NOT_READ_LINK, printed), printed[-3000:]
    assert f"INSTRUCTOR-{world.token}" not in printed
    assert_no_trace(world)


def test_grade_all_refuses_a_loose_file_linked_to_the_instructors_solution(world: World) -> None:
    """grade-all grades a loose file from a private copy; the copy followed the link, so a
    class-folder file linked to the instructor's solution got full marks.  Now intake refuses it."""
    (world.student / "mallory.py").symlink_to(world.targets["solution"])
    cegrad = Path(sys.executable).with_name("cegrad")
    argv = [str(cegrad), "grade-all", str(world.student), "--convention", "grad-u", "--profile", "quick",
            "--format", "json"]  # fmt: skip
    env = {**os.environ, "TMPDIR": str(world.tmpdir)}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=world.student, timeout=GRADE_SECONDS)
    printed = done.stdout + done.stderr
    assert "mallory" in printed and re.search(NOT_READ_LINK, printed), printed[-3000:]
    rows = {row["submission"]: row for row in json.loads(done.stdout)["submissions"]}
    assert rows["mallory.py"]["status"] == "not-gradable" and rows["mallory.py"]["passed"] is False
    assert f"INSTRUCTOR-{world.token}" not in printed
    assert_no_trace(world)
