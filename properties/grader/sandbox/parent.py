"""The grader's side of the sandbox: a student submission as an :class:`Implementation`.

:class:`SandboxedImplementation` runs the submission in a child process
(:mod:`.child`) and is called like any other implementation, so the laws never
know the difference.  The child gets fresh copies of the inputs and sends raw arrays back over
pipes of its own (:mod:`.protocol`); its stdout and stderr are captured apart,
capped, and only ever shown as the student's output.

What can go wrong, and what the caller sees:

* the submission's function raised -> :class:`SubmissionRaised` (an ordinary ``Exception``:
  the law fails on that input and Hypothesis may shrink it);
* it hung, died (``os._exit``, ``exit()``, a memory or CPU limit), tried something the sandbox
  forbids, or broke the protocol -> a :class:`SandboxFatal` (``CallTimeout``, ``ChildDied``,
  ``Tampering``, ``ProtocolViolation``).  These are ``BaseException`` so Hypothesis stops at once
  rather than re-running the damage while shrinking; the child is killed and the next call
  transparently starts a fresh one;
* the module cannot be imported at all -> :class:`LoadFailed` from :meth:`start` (the caller may
  retry with ``mode="extracted"``).

Every call compares the child's post-call U and v_c with what was sent, bit for bit, and names
the changed ones in ``Outputs.mutated`` (also kept as
:attr:`SandboxedImplementation.last_call_mutated`, set even when the call then raised).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from properties.grader.conventions import CONVENTIONS
from properties.grader.sandbox import oslayers
from properties.grader.sandbox.protocol import (
    FrameReader,
    Message,
    ProtocolViolation,
    SandboxFatal,
    encode,
    reply_limit,
    wait_readable,
    wait_ready,
)
from properties.implementation import OUTPUT_NAMES, LabelForm, Outputs, Unusable, normalise_output

__all__ = [
    "CallTimeout",
    "ChildDied",
    "Limits",
    "LoadFailed",
    "LoadInfo",
    "ProtocolViolation",
    "SandboxFatal",
    "SandboxedImplementation",
    "SubmissionRaised",
    "Tampering",
]

SHIM_DIR = Path(__file__).resolve().parent / "shims"

MSG_BAD_CONVENTION = "convention: expected one of {choices}, got {got!r}"
MSG_BAD_MODE = "mode: expected 'module' or 'extracted', got {got!r}"
MSG_NO_SOURCE = "mode='extracted' needs source_text (see properties.grader.intake)"
MSG_TIMEOUT = "the submission did not return within {seconds:g} s (an infinite loop?)"
MSG_IMPORT_TIMEOUT = (
    "importing the submission took longer than {seconds:g} s (a training loop or other slow code at module level?)"
)
MSG_DIED = "the submission's process ended during the call ({how})"
MSG_DIED_AT_IMPORT = "the submission's process ended while being imported ({how})"
MSG_EXIT_IN_CALL = "the submission called exit({code}) during the call"
MSG_TAMPERING = "the submission tried something the grader forbids: {what}"
MSG_RESTART_FAILED = "could not restart the submission after an earlier failure: {reason}"
MSG_RAISED = "{type}: {message}"
MSG_OUTPUT_TRUNCATED = "\n[... output truncated after {limit} bytes]"
MSG_MISSING_OUTPUT = "the submission's process sent no value for this output"
MSG_BAD_LAYER = f"{oslayers.REFUSE_ENV}: unknown sandbox layer {{got}} (expected some of {{choices}})"

_PIPE_BYTES = 1 << 20
_DRAIN_READS = 64  # reads of 64 KiB per drain of the child's output (a full 1 MiB pipe takes 16)
_ENV_THREADS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's process."""

    call_seconds: float = 10.0  # wall clock per call, including the round trip
    import_seconds: float = 15.0  # wall clock from spawn to loaded (interpreter + numpy ~0.2 s)
    memory_bytes: int = 2 << 30  # RLIMIT_AS; numpy + OpenBLAS with one thread need ~0.5 GiB
    cpu_seconds: int = 300  # RLIMIT_CPU over the child's life; cumulative, hence generous
    file_bytes: int = 16 << 20  # RLIMIT_FSIZE: the largest file the submission may write
    scratch_bytes: int = 64 << 20  # size of the scratch tmpfs (all files together), where it can be mounted
    output_bytes: int = 64 * 1024  # captured stdout + stderr kept for the report


@dataclass(frozen=True)
class LoadInfo:
    """How the submission was loaded."""

    mode: Literal["module", "extracted"]
    shims: tuple[str, ...]  # course helper modules the grader supplied (imported from shims/)
    output: str  # captured output so far (import-time prints)
    blocked: tuple[str, ...]  # forbidden actions attempted (and survived) at import time
    #: (layer, "active: ..." | "skipped: <reason>") for each OS layer, as the child set them up
    #: before any submission code ran (see :mod:`.oslayers`).
    layers: tuple[tuple[str, str], ...] = ()


class SubmissionRaised(Exception):
    """The submission's function raised; ``type_name``, ``message`` and ``traceback`` say how.

    Raised as a subclass named after the student's exception (see :func:`submission_raised`), so
    ``f"{type(e).__name__}: {e}"`` reads "ZeroDivisionError: division by zero" as it would in
    process, while ``except SubmissionRaised`` still catches it.
    """

    def __init__(self, type_name: str, message: str, traceback: str = "") -> None:
        super().__init__(message)
        self.type_name, self.message, self.traceback = type_name, message, traceback

    def describe(self) -> str:
        """ "Type: message" as Python prints it."""
        return MSG_RAISED.format(type=self.type_name, message=self.message)


_RAISED_CLASSES: dict[str, type[SubmissionRaised]] = {}


def submission_raised(type_name: str, message: str, traceback: str = "") -> SubmissionRaised:
    """A :class:`SubmissionRaised` whose class is named ``type_name`` (when that is an identifier)."""
    if not type_name.replace(".", "_").isidentifier():
        return SubmissionRaised(type_name, message, traceback)
    if type_name not in _RAISED_CLASSES:
        _RAISED_CLASSES[type_name] = type(type_name.rpartition(".")[2], (SubmissionRaised,), {})
    return _RAISED_CLASSES[type_name](type_name, message, traceback)


class LoadFailed(Exception):
    """The submission could not be loaded; ``reason`` is shown to the student."""

    def __init__(self, reason: str, traceback: str = "", output: str = "",
                 layers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(reason)
        self.reason, self.traceback, self.output = reason, traceback, output
        self.layers = layers  # as in LoadInfo, when the child got as far as setting them up


class CallTimeout(SandboxFatal):
    """A call ran past :attr:`Limits.call_seconds`."""

    status = "timeout"


class ChildDied(SandboxFatal):
    """The child ended during a call: ``exit()``, ``os._exit``, a signal, a resource limit."""

    how = ""  # "exit status 3", "signal SIGKILL: ...", where the process's end was observed


class Tampering(SandboxFatal):
    """The submission tried something forbidden (new processes, writes outside scratch, ...)."""


@dataclass
class _Child:
    """One running child process and the parent's ends of its pipes."""

    proc: subprocess.Popen[bytes]
    to_child: int
    from_child: int
    output: int
    scratch: str
    reader: FrameReader = field(default_factory=FrameReader)
    output_open: bool = True
    uid: int | None = None  # the child's own unprivileged uid, when it dropped to a fresh one

    def kill(self) -> None:
        # The whole session: whatever the submission managed to start dies with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.uid is not None:
            # And anything that left the session (setsid) where seccomp could not stop new
            # processes: the fresh uid is the child's alone, so every process of it is the child's.
            _kill_uid(self.uid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for fd in (self.to_child, self.from_child, self.output):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def how_it_ended(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it closed its channel but kept running"
        if code < 0:
            name = signal.Signals(-code).name
            hint = {
                "SIGXCPU": ": CPU time limit",
                "SIGKILL": ": killed, often the memory limit",
                "SIGSEGV": ": crashed, often memory exhaustion",
                "SIGXFSZ": ": file size limit",
            }
            return f"signal {name}{hint.get(name, '')}"
        return f"exit status {code}"


class SandboxedImplementation:
    """A submission's function run in a sandboxed child process; an :class:`Implementation`.

    ``convention_name`` names a row of :data:`~properties.grader.conventions.CONVENTIONS`;
    ``function_name`` the function to call.
    ``mode="module"`` imports ``path`` as a module (its ``__main__`` block does not run);
    ``mode="extracted"`` executes ``source_text`` instead (from ``properties.grader.intake``),
    with the submission's folder and the shims on the path as in module mode.
    """

    #: the Implementation protocol's optional slot: no convention has a label-vector form
    grad_U_from_label: LabelForm | None = None

    def __init__(
        self,
        path: str | os.PathLike[str],
        convention_name: str,
        function_name: str,
        *,
        mode: Literal["module", "extracted"] = "module",
        source_text: str | None = None,
        allow_imports: tuple[str, ...] = (),
        limits: Limits = Limits(),  # frozen, so one shared default is safe
        refuse_layers: tuple[str, ...] | None = None,
        audit_hook: bool = True,
    ) -> None:
        if convention_name not in CONVENTIONS:
            raise ValueError(MSG_BAD_CONVENTION.format(choices=", ".join(CONVENTIONS), got=convention_name))
        if mode not in ("module", "extracted"):
            raise ValueError(MSG_BAD_MODE.format(got=mode))
        if mode == "extracted" and source_text is None:
            raise ValueError(MSG_NO_SOURCE)
        self.path = Path(path).resolve()
        self.convention_name = convention_name
        self.function_name = function_name
        self.mode = mode
        self.source_text = source_text
        self.allow_imports = tuple(allow_imports)
        self.limits = limits
        #: OS layers whose set-up is made to fail as a refusing kernel would (tests; default: the
        #: names in $CEGRAD_SANDBOX_REFUSE); audit_hook=False leaves only the OS layers (sandbox-check).
        if refuse_layers is None:
            refuse_layers = tuple(filter(None, os.environ.get(oslayers.REFUSE_ENV, "").split(",")))
        unknown = sorted(set(refuse_layers) - set(oslayers.LAYERS))
        if unknown:
            raise ValueError(MSG_BAD_LAYER.format(got=", ".join(unknown), choices=", ".join(oslayers.LAYERS)))
        self.refuse_layers = tuple(refuse_layers)
        self.audit_hook = audit_hook
        self.name = f"{self.path.name}:{function_name}"
        self.provides = CONVENTIONS[convention_name].provides
        #: the Implementation's ``labels``: the convention's names for the outputs, as the student wrote them
        self.labels: Mapping[str, str] = CONVENTIONS[convention_name].labels
        #: Calls answered (including those that raised) and their total wall-clock seconds.
        self.calls = 0
        self.total_seconds = 0.0
        #: Names of the inputs ("U", "v_c") the last call changed in place; () when none.
        self.last_call_mutated: tuple[str, ...] = ()
        self._child: _Child | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._load_info: LoadInfo | None = None
        self._seq = 0
        self._output = bytearray()
        self._output_truncated = False

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> LoadInfo:
        """Start the child and load the submission, unless already running; raises LoadFailed."""
        if self._child is not None and self._load_info is not None:
            return self._load_info
        child = self._spawn()
        deadline = time.monotonic() + self.limits.import_seconds
        layers: tuple[tuple[str, str], ...] = ()
        try:
            self._send(
                child,
                "load",
                {
                    "mode": self.mode,
                    "path": str(self.path),
                    "function": self.function_name,
                    "convention": self.convention_name,
                    "shim_dir": str(SHIM_DIR),
                    "allow_imports": list(self.allow_imports),
                    "source": self.source_text,
                },
                deadline,
            )
            reply = self._receive(child, deadline)
            if reply.kind == "layers":  # sent before the submission's code ran, so trusted
                layers = _layers(reply.fields.get("layers"))
                uid = reply.fields.get("uid")
                child.uid = uid if type(uid) is int and uid >= oslayers.UID_BASE else None
                reply = self._receive(child, deadline)
        except CallTimeout:
            self._discard()
            raise LoadFailed(
                MSG_IMPORT_TIMEOUT.format(seconds=self.limits.import_seconds), output=self.captured_output()
            ) from None
        except ChildDied as exc:
            self._discard()
            raise LoadFailed(MSG_DIED_AT_IMPORT.format(how=exc.how), output=self.captured_output()) from None
        except ProtocolViolation as exc:
            self._discard()
            raise LoadFailed(str(exc), output=self.captured_output()) from None
        if reply.kind == "load_failed":
            self._discard()
            f = reply.fields
            raise LoadFailed(
                MSG_RAISED.format(type=_text(f.get("type")), message=_text(f.get("message"))),
                traceback=_text(f.get("traceback")),
                output=self.captured_output(),
                layers=layers,
            )
        if reply.kind != "loaded":
            self._discard()
            raise LoadFailed(f"unexpected first message {reply.kind!r} from the submission's process")
        self._load_info = LoadInfo(
            mode=self.mode,
            shims=_texts(reply.fields.get("shims")),
            output=self.captured_output(),
            blocked=_texts(reply.fields.get("blocked")),
            layers=layers,
        )
        return self._load_info

    def close(self) -> None:
        """Kill the child (and anything in its session) and remove its scratch directory."""
        self._discard()

    def __enter__(self) -> SandboxedImplementation:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The running child's process id, or None when no child runs."""
        return self._child.proc.pid if self._child is not None else None

    @property
    def scratch(self) -> str | None:
        """The running child's scratch folder as the grader sees it, or None when no child runs."""
        return self._child.scratch if self._child is not None else None

    def captured_output(self) -> str:
        """Everything the submission printed so far, over all its children (restarts included),
        capped at :attr:`Limits.output_bytes`; still readable after :meth:`close`."""
        if self._child is not None:
            self._drain_output(self._child)
        text = visible(self._output.decode("utf-8", "replace").replace("\r\n", "\n"))
        if self._output_truncated:
            text += MSG_OUTPUT_TRUNCATED.format(limit=self.limits.output_bytes)
        return text

    # -- the Implementation protocol -------------------------------------------------------------

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int) -> Outputs:
        """Run the submission on copies of (U, v_c, o); starts a (fresh) child when none is running.

        Raises :class:`SubmissionRaised` when the function raised, a :class:`SandboxFatal` when the
        child could not answer (a failed restart is a :class:`ChildDied`).
        """
        reply, mutated = self.exchange({"o": int(o)}, {"U": U, "v_c": v_c})
        return self._outputs(reply, mutated)

    def exchange(self, fields: dict[str, Any], arrays: dict[str, np.ndarray]) -> tuple[Message, tuple[str, ...]]:
        """One call of the submission with these request fields and input arrays (copied): the reply
        and the names of the inputs the call changed.  Raises as :meth:`__call__` does.

        The conventions beyond (U, v_c, o) -- negative sampling's draws and K, skip-gram's window --
        send their own fields (:mod:`properties.assignment.sandboxed`); :meth:`slots` reads the reply.
        """
        if self._child is None:
            try:
                self.start()
            except LoadFailed as exc:
                raise ChildDied(MSG_RESTART_FAILED.format(reason=exc.reason)) from None
        child = self._child
        assert child is not None  # start() either set it or raised
        sent = {name: np.array(array, order="C", copy=True) for name, array in arrays.items()}
        child.reader.limit = reply_limit(sum(array.nbytes for array in sent.values()))
        self._seq += 1
        self.last_call_mutated = ()
        began = time.monotonic()
        deadline = began + self.limits.call_seconds
        try:
            self._send(child, "call", {**fields, "seq": self._seq}, deadline, sent)
            reply = self._receive(child, deadline)
            self._check_reply(reply)
        except SandboxFatal:
            self._discard()
            raise
        finally:
            self.calls += 1
            self.total_seconds += time.monotonic() - began
        reply_fields = reply.fields
        if reply.kind == "exited":
            self._discard()
            raise ChildDied(MSG_EXIT_IN_CALL.format(code=_text(reply_fields.get("code"))))
        self.last_call_mutated = mutated = self._mutated(sent, reply)
        blocked = _texts(reply_fields.get("blocked"))
        if blocked:
            self._discard()
            raise Tampering(MSG_TAMPERING.format(what="; ".join(dict.fromkeys(blocked))))
        if reply.kind == "raised":
            raise submission_raised(_text(reply_fields.get("type")), _text(reply_fields.get("message")),
                                    _text(reply_fields.get("traceback")))
        return reply, mutated

    # -- internals -------------------------------------------------------------------------------

    def _spawn(self) -> _Child:
        scratch = tempfile.mkdtemp(prefix="cegrad-scratch-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        output_r, output_w = os.pipe()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": scratch,
            "TMPDIR": scratch,  # tempfile's first choice; /tmp is not writable to the child
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
            **dict.fromkeys(_ENV_THREADS, "1"),
        }
        # -s -P is -I without -E: the environment is ours alone, and -E would drop PYTHONHASHSEED.
        argv = [
            sys.executable, "-s", "-P", "-m", "properties.grader.sandbox.child",
            "--in-fd", str(to_child_r), "--out-fd", str(from_child_w), "--scratch", scratch,
            "--memory-bytes", str(self.limits.memory_bytes),
            "--cpu-seconds", str(self.limits.cpu_seconds),
            "--file-bytes", str(self.limits.file_bytes),
            "--scratch-bytes", str(self.limits.scratch_bytes),
            "--refuse", ",".join(self.refuse_layers),
            *(["--no-audit-hook"] if not self.audit_hook else []),
        ]  # fmt: skip
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output_w,
                stderr=output_w,
                pass_fds=(to_child_r, from_child_w),
                env=env,
                cwd=scratch,
                start_new_session=True,
            )
        finally:
            for fd in (to_child_r, from_child_w, output_w):
                os.close(fd)
        for fd in (to_child_w, from_child_r, output_r):
            os.set_blocking(fd, False)
            # Bigger pipes, fewer round trips for a large U; best effort (Linux only, capped by
            # /proc/sys/fs/pipe-max-size).
            with contextlib.suppress(OSError, AttributeError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        child = _Child(proc, to_child_w, from_child_r, output_r, scratch)
        self._child = child
        self._finalizer = weakref.finalize(self, child.kill)
        return child

    def _discard(self) -> None:
        child, self._child, self._load_info = self._child, None, None
        if child is not None:
            self._drain_output(child)
            child.kill()
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None

    def _send(
        self,
        child: _Child,
        kind: str,
        fields: dict[str, Any],
        deadline: float,
        arrays: dict[str, np.ndarray] | None = None,
    ) -> None:
        view = memoryview(encode(kind, fields, arrays))
        while view:
            try:
                view = view[os.write(child.to_child, view) :]
                continue
            except BlockingIOError:
                pass
            except BrokenPipeError:
                raise _died(child) from None
            # The pipe is full: wait until the child reads, draining its output meanwhile so it
            # cannot block on a full stdout; a child that never reads is stuck, hence the deadline.
            ready = wait_ready(child.to_child, [child.output] if child.output_open else [], deadline)
            if not ready:
                raise CallTimeout(MSG_TIMEOUT.format(seconds=self.limits.call_seconds))
            self._drain_output(child)

    def _receive(self, child: _Child, deadline: float) -> Message:
        while True:
            message = child.reader.next_message()
            if message is not None:
                return message
            fds = [child.from_child, child.output] if child.output_open else [child.from_child]
            ready = wait_readable(fds, deadline)
            if not ready:
                raise CallTimeout(MSG_TIMEOUT.format(seconds=self.limits.call_seconds))
            if child.output in ready:
                self._drain_output(child)
            if child.from_child in ready:
                try:
                    data = os.read(child.from_child, 1 << 20)
                except BlockingIOError:
                    continue
                if not data:
                    raise _died(child)
                child.reader.feed(data)

    def _drain_output(self, child: _Child) -> None:
        # Bounded: a child whose threads write faster than this loop reads would otherwise keep it
        # here forever, past every deadline; what is left is read at the next poll.
        for _ in range(_DRAIN_READS):
            try:
                data = os.read(child.output, 1 << 16)
            except (BlockingIOError, OSError):
                return
            if not data:
                child.output_open = False  # else poll reports the closed pipe ready forever
                return
            room = self.limits.output_bytes - len(self._output)
            if len(data) > room:
                self._output_truncated = True
            self._output += data[: max(room, 0)]

    def _check_reply(self, reply: Message) -> None:
        fields = reply.fields
        if reply.kind not in ("result", "raised", "exited") or fields.get("seq") != self._seq:
            raise ProtocolViolation(f"expected the reply to call {self._seq}, got {reply.kind!r} for {fields.get('seq')!r}")

    def _mutated(self, sent: dict[str, np.ndarray], reply: Message) -> tuple[str, ...]:
        unsendable = _texts(reply.fields.get("unsendable"))
        mutated = []
        for name, before in sent.items():
            after = reply.arrays.get(f"{name}_after")
            # Bit for bit: writing -0.0 over 0.0, or a different NaN, is still a change.
            same = (
                f"{name}_after" not in unsendable
                and after is not None
                and (after.dtype, after.shape) == (before.dtype, before.shape)
                and after.tobytes() == before.tobytes()
            )
            if not same:
                mutated.append(name)
        return tuple(mutated)

    def _outputs(self, reply: Message, mutated: tuple[str, ...]) -> Outputs:
        values = self.slots(reply, [name for name in OUTPUT_NAMES if name in self.provides])
        grad_U = values["grad_U"]
        return Outputs(grad_U=grad_U, loss=values.get("loss"), grad_v_c=values.get("grad_v_c"), mutated=mutated)

    @staticmethod
    def slots(reply: Message, names: list[str]) -> dict[str, np.ndarray | Unusable]:
        """The named output slots of a reply: exact ndarrays rebuilt from raw bytes, or Unusable."""
        slots = reply.fields.get("slots")
        if type(slots) is not dict:
            raise ProtocolViolation("the reply has no slots")
        values: dict[str, np.ndarray | Unusable] = {}
        for name in names:
            slot = slots.get(name)
            if type(slot) is dict and "unusable" in slot:
                values[name] = Unusable(_text(slot["unusable"]))
            elif type(slot) is dict and slot.get("array") == name and name in reply.arrays:
                # Rebuilt here from raw bytes, so an exact ndarray; integers become Unusable.
                values[name] = normalise_output(reply.arrays[name])
            else:
                values[name] = Unusable(MSG_MISSING_OUTPUT)
        return values


def _died(child: _Child) -> ChildDied:
    how = child.how_it_ended()
    error = ChildDied(MSG_DIED.format(how=how))
    error.how = how
    return error


#: What a terminal acts on rather than shows: C0 and C1 controls but newline and tab, DEL, and the
#: Unicode bidirectional overrides and isolates.  From the child, they could clear an instructor's
#: screen and paint a fake report over the real one, or reorder the text around them.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` with each terminal control character written out as an escape (``\\x1b``)."""
    return _TERMINAL_CONTROLS.sub(lambda m: ascii(m.group())[1:-1], text)


def _kill_uid(uid: int) -> None:
    """SIGKILL every process whose real uid is ``uid`` (Linux: read from /proc)."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return
    needle = f"Uid:\t{uid}\t"
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                status = f.read()
        except OSError:
            continue
        if needle in status:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(pid), signal.SIGKILL)


def _layers(value: Any) -> tuple[tuple[str, str], ...]:
    if type(value) is not list:
        return ()
    return tuple((v[0], v[1]) for v in value if type(v) is list and len(v) == 2 and all(type(x) is str for x in v))


def _text(value: Any) -> str:
    """A text field from the child: a str (else empty), shown rather than obeyed by a terminal."""
    return visible(value) if type(value) is str else ""


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(visible(v) for v in value if type(v) is str) if type(value) is list else ()
