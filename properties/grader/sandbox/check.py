"""``cegrad sandbox-check``: which layers hold a submission on this machine, proved from outside.

It starts one sandboxed child on a small probe submission, prints each OS layer's status as the
child set it up (``active: ...`` or ``skipped: <reason>``), then checks from the grader's side what
the kernel says (the child's uid, namespaces and seccomp mode in /proc) and that the probe's
attempts left no trace: no connection reached a listener, no file appeared outside scratch, no
program ran.  The probe runs without the audit hook, so what stops it is the OS alone.
"""

from __future__ import annotations

import os
import platform
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from properties.grader.sandbox import oslayers
from properties.grader.sandbox.parent import LoadFailed, SandboxedImplementation, SandboxFatal, SubmissionRaised

HEADER = "cegrad sandbox-check: {system} {release} ({machine}), grader running as uid {uid}"
LAYER_LINE = "  {label:<32} {status}"
PROOFS_HEADING = "Proved from outside the sandbox (the probe runs without the audit hook):"
PROOF_LINE = "  {verdict:<10} {claim}"
HELD, NOT_HELD, NOT_PROVED = "held", "NOT HELD", "not shown"
FOOTER = "Exit status {code}: {why}"
AUDIT_HOOK_STATUS = "active: always (refuses what Python announces, with a message a student can read)"

PROBE = """\
import os, socket

def grad_U(U, v_c, o):
    attempts = {{
        "connect": lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2),
        "write": lambda: open({target!r}, "w").write("escaped"),
        "spawn": lambda: os.posix_spawn("/bin/sh", ["sh", "-c", "echo ran > " + {marker!r}], {{}}),
    }}
    for name, attempt in attempts.items():
        try:
            attempt()
            print("probe", name, "succeeded")
        except OSError as exc:
            print("probe", name, "refused:", type(exc).__name__)
    import numpy as np
    return np.zeros_like(U)
"""


def _proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def run(print_line: Callable[[str], None] = print) -> int:
    """Run the check, printing as it goes; the exit status."""
    uname = platform.uname()
    print_line(HEADER.format(system=uname.system, release=uname.release, machine=uname.machine, uid=os.geteuid()))
    with tempfile.TemporaryDirectory(prefix="cegrad-sandbox-check-") as work:
        folder = Path(work)
        outside = folder / "open-to-all"
        outside.mkdir()
        outside.chmod(0o777)  # only the sandbox, not file permissions, may stop the probe's write
        target, marker = outside / "escaped.txt", outside / "spawned.txt"
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        probe = folder / "probe" / "sandbox_probe.py"
        probe.parent.mkdir()
        probe.write_text(PROBE.format(port=listener.getsockname()[1], target=str(target), marker=str(marker)))
        impl = SandboxedImplementation(probe, "grad-u", "grad_U", audit_hook=False)
        try:
            info = impl.start()
            pid = impl.pid
            assert pid is not None  # start() succeeded, so a child runs
            status = _proc_status(pid)
            namespaces = {ns: os.readlink(f"/proc/{pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}")
                          for ns in ("net", "mnt", "ipc", "uts")}  # fmt: skip
            impl(np.zeros((2, 1)), np.zeros(1), 0)
        except (LoadFailed, SandboxFatal, SubmissionRaised, OSError) as exc:
            print_line(f"cegrad sandbox-check: the probe could not run: {exc}")
            print_line(FOOTER.format(code=2, why="the check did not run"))
            return 2
        finally:
            impl.close()
        try:
            connected = listener.accept()[0]
            connected.close()
            reached = True
        except BlockingIOError:
            reached = False
        listener.close()
        output = impl.captured_output()
        wrote, spawned = target.exists(), marker.exists()

    layers = dict(info.layers)
    print_line(LAYER_LINE.format(label="audit hook", status=AUDIT_HOOK_STATUS))
    for name in oslayers.LAYERS:
        print_line(LAYER_LINE.format(label=oslayers.LABELS[name], status=layers.get(name, "skipped: not reported")))

    def on(name: str) -> bool:
        return layers.get(name, "").startswith("active")

    uid = status["Uid"].split()[0]
    proofs = [
        (on("no-root"), uid != "0", f"the child runs as uid {uid}, not root (/proc/{pid}/status)"),
        (all(on(n) for n in ("network", "mount", "ipc", "uts")), all(namespaces.values()),
         "its network, mount, IPC and UTS namespaces are not the grader's (/proc/PID/ns)"),
        (on("seccomp"), status.get("Seccomp") == "2" and status.get("NoNewPrivs") == "1",
         "a seccomp filter and no_new_privs are in force (/proc/PID/status)"),
        (on("network") or on("seccomp") or on("landlock"), not reached and "probe connect refused" in output,
         "a connection to a listener on 127.0.0.1 was refused, and nothing reached the listener"),
        (on("landlock"), not wrote and "probe write refused" in output,
         "a write to a world-writable folder outside scratch was refused; no file appeared"),
        (on("seccomp") or on("no-root"), not spawned and "probe spawn refused" in output,
         "starting /bin/sh was refused; the file it would have written is absent"),
    ]  # fmt: skip
    print_line(PROOFS_HEADING)
    failed = False
    for claimed, held, claim in proofs:
        verdict = HELD if held else (NOT_HELD if claimed else NOT_PROVED)
        failed |= claimed and not held
        print_line(PROOF_LINE.format(verdict=verdict, claim=claim))
    if failed:
        print_line(FOOTER.format(code=1, why="a layer reported active did not hold"))
        return 1
    print_line(FOOTER.format(code=0, why="the check ran (skipped layers are reported above, not errors)"))
    return 0
