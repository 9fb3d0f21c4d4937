"""The OS layers under the audit hook: each is really up on a kernel that allows it, each proved
from outside the child where that is cheap, and each degrades to a "skipped" note, never a crash.

Most probes run with ``audit_hook=False`` so that what stops them is the OS layer under test, not
the audit hook above it (the hook's own messages are tested in test_grader_sandbox.py).  A probe
prints what happened to it; the test then checks, from the trusted process, that nothing happened
outside (no file, no process, no connection) and reads the child's /proc entry for what the kernel
says about it.  Run as root (CI is root), so the privilege drop is exercised; a layer this kernel
lacks is skipped with the reason the child gave.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from properties.grader.sandbox import oslayers
from properties.grader.sandbox.parent import Limits, SandboxedImplementation

REPO = Path(__file__).resolve().parents[1]
FAST = Limits(call_seconds=10.0, import_seconds=15.0)
ROOT = os.geteuid() == 0
CORRECT = """
    z = U @ v_c
    p = np.exp(z - z.max())
    p /= p.sum()
    p[o] -= 1.0
    return np.outer(p, v_c)
"""
#: Layers the child sets up (the PID namespace is documented as not set up; see oslayers).
REAL_LAYERS = tuple(name for name in oslayers.LAYERS if name != "pid")


def student(tmp_path: Path, probe: str = "", prelude: str = "") -> Path:
    """A grad-u submission whose grad_U first runs ``probe`` (printing what happened), then answers."""
    path = tmp_path / "submission" / "grad.py"
    path.parent.mkdir(exist_ok=True)
    body = textwrap.indent(textwrap.dedent(probe), "    ")
    path.write_text(f"import numpy as np\n{textwrap.dedent(prelude)}\ndef grad_U(U, v_c, o):\n{body}\n{CORRECT}")
    return path


def sandbox(path: Path, **kw) -> SandboxedImplementation:
    return SandboxedImplementation(path, "grad-u", "grad_U", limits=kw.pop("limits", FAST), **kw)


def call(impl: SandboxedImplementation) -> np.ndarray:
    U, v_c = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.5, -0.5])
    grad = impl(U, v_c, 1).grad_U
    z = U @ v_c
    p = np.exp(z) / np.exp(z).sum()
    p[1] -= 1.0
    np.testing.assert_allclose(grad, np.outer(p, v_c), rtol=1e-12)  # the layers change no answer
    return grad


def layers_of(impl: SandboxedImplementation) -> dict[str, str]:
    return dict(impl.start().layers)


def require_active(layers: dict[str, str], name: str) -> None:
    """Skip (with the child's reason) where this kernel or this user lacks the layer; the layer
    must then be refused by the kernel, never silently missing."""
    status = layers[name]
    if status.startswith("skipped:"):
        if ROOT and "kernel refused" not in status and "not available" not in status:
            pytest.fail(f"{name} was skipped though the grader runs as root: {status}")
        pytest.skip(f"{name}: {status}")
    assert status.startswith("active:"), status


def proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


# -- every layer is up ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_LAYERS)
def test_each_layer_is_active_on_this_machine(tmp_path, name):
    with sandbox(student(tmp_path)) as impl:
        layers = layers_of(impl)
        assert set(layers) == set(oslayers.LAYERS)
        require_active(layers, name)
        call(impl)


def test_the_pid_namespace_is_reported_as_not_set_up_with_its_reason(tmp_path):
    with sandbox(student(tmp_path)) as impl:
        status = layers_of(impl)["pid"]
    assert status.startswith("skipped: not set up") and "pid 1" in status


# -- no root ----------------------------------------------------------------------------------------


def test_a_root_grader_runs_the_child_as_its_own_unprivileged_uid_with_no_groups(tmp_path):
    probe = """
    try:
        os.setuid(0)
        print("setuid(0): succeeded")
    except PermissionError:
        print("setuid(0): refused")
    """
    with sandbox(student(tmp_path, probe, "import os"), audit_hook=False) as impl:
        require_active(layers_of(impl), "no-root")
        call(impl)
        pid = impl.pid
        assert pid is not None
        status = proc_status(pid)  # the kernel's word, read from outside
    expected = oslayers.UID_BASE + pid
    assert status["Uid"].split() == [str(expected)] * 4
    assert status["Gid"].split() == [str(expected)] * 4
    assert status["Groups"] == ""
    assert status["CapEff"] == status["CapPrm"] == "0000000000000000"
    assert "setuid(0): refused" in impl.captured_output()


def test_rlimit_nproc_bounds_processes_without_seccomp_and_none_outlive_the_child(tmp_path):
    # seccomp refused, so only RLIMIT_NPROC stops a fork bomb; each fork sleeps, in a new session
    probe = """
    started = 0
    try:
        for _ in range(64):
            if os.fork() == 0:
                os.setsid()  # out of the child's process group: only the uid still ties it
                time.sleep(60)
                os._exit(0)
            started += 1
    except OSError as exc:
        print("forks:", started, "then", type(exc).__name__)
    """
    path = student(tmp_path, probe, "import os, time")
    with sandbox(path, audit_hook=False, refuse_layers=("seccomp",)) as impl:
        require_active(layers_of(impl), "no-root")
        call(impl)
        pid = impl.pid
        assert pid is not None
        limits = Path(f"/proc/{pid}/limits").read_text()
    tasks = str(oslayers.NPROC_FRESH)
    assert any(line.startswith("Max processes") and line.split()[2:4] == [tasks, tasks] for line in limits.splitlines())
    out = impl.captured_output()
    assert f"forks: {oslayers.NPROC_FRESH - 1} then BlockingIOError" in out, out  # EAGAIN at the limit
    uid = oslayers.UID_BASE + pid
    deadline = time.monotonic() + 5
    while (left := _living(uid)) and time.monotonic() < deadline:
        time.sleep(0.05)  # killed ones may take a moment to be reaped by init
    assert left == [], f"processes of the sandbox uid outlived it: {left}"


def _living(uid: int) -> list[str]:
    """Processes (not zombies) whose real uid is ``uid``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            status = proc_status(int(proc.name)) if proc.name.isdigit() else {}
        except OSError:
            continue
        if status and int(status["Uid"].split()[0]) == uid and not status["State"].startswith("Z"):
            found.append(f"{proc.name} ({status['State']})")
    return found


# -- namespaces and the scratch quota ---------------------------------------------------------------


def test_the_child_has_its_own_network_ipc_uts_and_mount_namespaces(tmp_path):
    with sandbox(student(tmp_path)) as impl:
        layers = layers_of(impl)
        for name in ("network", "ipc", "uts", "mount"):
            require_active(layers, name)
        for ns in ("net", "ipc", "uts", "mnt"):  # proved from outside: other namespace inodes
            assert os.readlink(f"/proc/{impl.pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}"), ns


def test_the_network_namespace_has_no_way_out_even_without_seccomp_and_landlock(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    probe = f"""
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", {port}))
        print("connect: succeeded")
    except OSError as exc:
        print("connect: refused", exc.errno)
    """
    path = student(tmp_path, probe, "import socket")
    with sandbox(path, audit_hook=False, refuse_layers=("seccomp", "landlock")) as impl:
        require_active(layers_of(impl), "network")
        call(impl)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody knocked
    listener.close()
    assert "connect: refused" in impl.captured_output()


def test_the_scratch_quota_holds_and_nothing_reaches_the_host_disk(tmp_path):
    # 5 files of 15 MiB each: every one is under RLIMIT_FSIZE (16 MiB), together past the 64 MiB tmpfs
    probe = """
    written = 0
    try:
        for i in range(5):
            with open(f"big{i}", "wb") as f:
                for _ in range(15):
                    f.write(b"x" * (1 << 20))
                    written += 1 << 20
        print("quota: none")
    except OSError as exc:
        print("quota: stopped at", written >> 20, "MiB", exc.errno)
    """
    with sandbox(student(tmp_path, probe)) as impl:
        require_active(layers_of(impl), "mount")
        call(impl)
        scratch = impl.scratch
        assert scratch is not None and os.listdir(scratch) == []  # the tmpfs lives in the child's namespace
    out = impl.captured_output()
    assert "quota: stopped at" in out
    mib = int(out.split("quota: stopped at")[1].split()[0])
    assert 48 <= mib <= 64, out


# -- Landlock ---------------------------------------------------------------------------------------


def test_landlock_refuses_writes_outside_scratch_and_reads_of_the_graders_sources(tmp_path):
    outside = tmp_path / "open-to-all"
    outside.mkdir()
    outside.chmod(0o777)  # so no uid check stops the write: only Landlock can
    target = outside / "escaped.txt"
    secret = REPO / "reference" / "__init__.py"  # world-readable on disk
    probe = f"""
    for what, attempt in (("write", lambda: open({str(target)!r}, "w").write("x")),
                          ("read", lambda: open({str(secret)!r}).read()),
                          ("scratch", lambda: open("mine.txt", "w").write("fine"))):
        try:
            attempt()
            print(what, "allowed")
        except OSError as exc:
            print(what, "refused", type(exc).__name__)
    """
    with sandbox(student(tmp_path, probe), audit_hook=False) as impl:
        require_active(layers_of(impl), "landlock")
        call(impl)
    out = impl.captured_output()
    assert not target.exists()
    assert "write refused PermissionError" in out and "read refused PermissionError" in out
    assert "scratch allowed" in out


def test_without_landlock_the_same_read_succeeds_so_landlock_is_what_refused_it(tmp_path):
    secret = REPO / "reference" / "__init__.py"
    probe = f"""
    try:
        open({str(secret)!r}).read()
        print("read allowed")
    except OSError:
        print("read refused")
    """
    with sandbox(student(tmp_path, probe), audit_hook=False, refuse_layers=("landlock",)) as impl:
        call(impl)
    assert "read allowed" in impl.captured_output()


# -- seccomp ----------------------------------------------------------------------------------------


def test_seccomp_refuses_exec_fork_sockets_and_nodes_with_eperm(tmp_path):
    marker = tmp_path / "exec-ran"
    probe = f"""
    attempts = {{
        "fork": os.fork,
        "exec": lambda: os.execv("/bin/sh", ["sh", "-c", "touch {marker}"]),
        "posix_spawn": lambda: os.posix_spawn("/bin/sh", ["sh", "-c", "touch {marker}"], {{}}),
        "socket": lambda: socket.socket(socket.AF_UNIX),
        "mkfifo": lambda: os.mkfifo("fifo"),
    }}
    for what, attempt in attempts.items():
        try:
            attempt()
            print(what, "allowed")
        except OSError as exc:
            print(what, "refused", exc.errno)
    """
    with sandbox(student(tmp_path, probe, "import os, socket"), audit_hook=False) as impl:
        layers = layers_of(impl)
        require_active(layers, "seccomp")
        call(impl)
        status = proc_status(impl.pid)
    assert status["Seccomp"] == "2" and status["NoNewPrivs"] == "1"  # filter mode, from outside
    out = impl.captured_output()
    for what in ("fork", "exec", "posix_spawn", "socket", "mkfifo"):
        assert f"{what} refused 1" in out, out  # 1 = EPERM: a readable refusal, not a killed child
    assert not marker.exists()


def test_threads_still_work_under_every_layer(tmp_path):
    # seccomp lets clone with CLONE_THREAD through (and makes clone3 fall back to it); RLIMIT_NPROC
    # leaves room for a few tasks
    probe = """
    box = []
    t = threading.Thread(target=lambda: box.append(1))
    t.start()
    t.join()
    print("thread ran", box)
    """
    with sandbox(student(tmp_path, probe, "import threading")) as impl:
        layers = layers_of(impl)
        require_active(layers, "seccomp")
        require_active(layers, "no-root")
        call(impl)
    assert "thread ran [1]" in impl.captured_output()


def test_the_seccomp_program_checks_the_architecture_first_and_every_jump_lands_inside():
    for machine in ("x86_64", "aarch64"):
        program = oslayers.seccomp_program(machine, 1234)
        assert program[0] == (0x20, 0, 0, 4)  # load seccomp_data.arch
        assert program[1][0] == 0x15 and program[1][3] == oslayers._SYSCALLS[machine][0]
        for index, (code, jt, jf, _k) in enumerate(program):
            if code & 0x07 == 0x05:  # a jump
                assert index + 1 + max(jt, jf) < len(program)
        assert program[-1][0] == program[-2][0] == program[-3][0] == 0x06  # allow, EPERM, ENOSYS


# -- every layer degrades ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_LAYERS)
def test_a_refused_layer_is_skipped_with_a_note_and_grading_goes_on(tmp_path, name):
    with sandbox(student(tmp_path), refuse_layers=(name,)) as impl:
        layers = layers_of(impl)
        call(impl)
    assert layers[name].startswith("skipped:") and "simulated" in layers[name], layers[name]
    others = [n for n in REAL_LAYERS if n != name]
    if ROOT:
        assert all(layers[n].startswith("active:") for n in others), layers


def test_every_layer_refused_at_once_still_grades(tmp_path):
    with sandbox(student(tmp_path), refuse_layers=REAL_LAYERS) as impl:
        layers = layers_of(impl)
        call(impl)
    assert all(layers[n].startswith("skipped:") for n in oslayers.LAYERS)


def test_refusals_come_from_the_environment_variable_too(tmp_path, monkeypatch):
    monkeypatch.setenv(oslayers.REFUSE_ENV, "landlock,seccomp")
    with sandbox(student(tmp_path)) as impl:
        layers = layers_of(impl)
    assert layers["landlock"].startswith("skipped:") and layers["seccomp"].startswith("skipped:")


def test_an_unknown_layer_name_in_the_environment_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(oslayers.REFUSE_ENV, "landlok")
    with pytest.raises(ValueError, match=r"CEGRAD_SANDBOX_REFUSE: unknown sandbox layer landlok \(expected some of network"):
        sandbox(student(tmp_path))


def test_without_the_tmpfs_the_scratch_folder_still_belongs_to_the_sandbox_uid(tmp_path):
    probe = """
    open("mine.txt", "w").write("fine")
    print("wrote", os.stat("mine.txt").st_uid == os.getuid())
    """
    with sandbox(student(tmp_path, probe, "import os"), refuse_layers=("mount",)) as impl:
        require_active(layers_of(impl), "no-root")
        call(impl)
        scratch = impl.scratch
        assert scratch is not None
        assert os.stat(scratch).st_uid == oslayers.UID_BASE + (impl.pid or 0)
    assert "wrote True" in impl.captured_output()


# -- what the user sees -----------------------------------------------------------------------------


def cegrad(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("cegrad")
    return subprocess.run([str(executable), *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, check=False)


def test_sandbox_check_prints_every_layer_and_proves_them_from_outside():
    run = cegrad("sandbox-check")
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for label in ("audit hook", *oslayers.LABELS.values()):
        row = next((line for line in lines if line.startswith(f"  {label} ")), None)
        assert row is not None and re.search(r"\s(active|skipped): ", row), label
    proofs = [line for line in lines if line.startswith(("  held", "  NOT HELD", "  not shown"))]
    assert len(proofs) == 6
    if ROOT:  # every layer is up on this machine, so every proof must hold
        assert all(line.startswith("  held") for line in proofs), run.stdout
    assert lines[-1].startswith("Exit status 0: the check ran")


def test_sandbox_check_still_exits_0_when_layers_are_refused():
    run = cegrad("sandbox-check", env={oslayers.REFUSE_ENV: ",".join(REAL_LAYERS)})
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("skipped: refused (simulated") == len(REAL_LAYERS)
    assert "NOT HELD" not in run.stdout  # a skipped layer is not shown, never claimed


def test_sandbox_check_help_says_what_its_exit_status_means():
    run = cegrad("sandbox-check", "--help")
    assert run.returncode == 0
    assert "Exit status: 0 when the check ran, even with skipped layers" in " ".join(run.stdout.split())


def test_grade_lists_each_layer_in_the_json_notes_and_in_text_only_when_verbose():
    as_json = cegrad("grade", "--example", "correct", "--format", "json", "--profile", "quick")
    assert as_json.returncode == 0, as_json.stderr
    notes = [n for n in json.loads(as_json.stdout)["notes"] if n.startswith("sandbox layer ")]
    assert [n.split(":")[0] for n in notes] == [f"sandbox layer {oslayers.LABELS[name]}" for name in oslayers.LAYERS]
    plain = cegrad("grade", "--example", "correct", "--profile", "quick")
    verbose = cegrad("grade", "--example", "correct", "--profile", "quick", "--verbose")
    assert plain.returncode == verbose.returncode == 0
    assert "sandbox layer" not in plain.stdout
    assert all(f"  - {n}" in verbose.stdout for n in notes)


def test_a_refused_layer_shows_in_the_json_notes_and_grading_is_unchanged():
    run = cegrad("grade", "--example", "correct", "--format", "json", "--profile", "quick",
                 env={oslayers.REFUSE_ENV: "seccomp"})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["passed"] is True
    assert "sandbox layer seccomp: skipped: refused (simulated through CEGRAD_SANDBOX_REFUSE)" in report["notes"]
