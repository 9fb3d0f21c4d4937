"""The child's first, informative layer: an audit hook and the guards installed with it.

Python raises an audit event for many things a program does (opening a file, importing a module,
starting a process); :func:`make_audit_hook` builds the hook that refuses the forbidden ones with a
message a student can read.  It is not the wall: C code (stdlib modules, numpy, scipy) does not
announce everything it does, so the operating system's layers (see :mod:`.oslayers`) sit beneath
it.  Also here: the import gate that makes every module lookup an audited import, the guard that
keeps the submission's patched builtins away from the child's own code, and the removal of the
grader's and the risky modules from ``sys.modules``.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from typing import Any

#: Top-level modules a submission may not import unless the instructor allows them by name.
AUTODIFF_MODULES = ("autograd", "jax", "jaxlib", "torch", "tensorflow")
GRADER_MODULES = ("reference", "properties", "cegrad")
#: Modules whose C code does, without an audit event, what the hook refuses: fork and exec
#: (_posixsubprocess; Tcl's ``exec`` in _tkinter), run code in a sub-interpreter that has no hook
#: (_xxsubinterpreters, _testcapi.run_in_subinterp), write files anywhere (readline's history,
#: dbm, POSIX shared memory and named semaphores in /dev/shm), or poke at the interpreter's
#: internals (the other _test* modules).  ctypes is not here: scipy needs it at import; its
#: events are refused instead.
RISKY_MODULES = (
    "_posixsubprocess", "_tkinter", "tkinter", "_xxsubinterpreters", "_xxinterpchannels", "readline",
    "_dbm", "_gdbm", "_posixshmem", "_multiprocessing", "cffi", "_cffi_backend",
    "_testcapi", "_testinternalcapi", "_testmultiphase", "_testbuffer", "_testclinic", "_testimportmultiple",
    "_testsinglephase", "_ctypes_test", "_xxtestfuzz",
    # C++ that opens the path it is given (scipy.io.mmread/mmwrite) and raises no "open" event
    "scipy.io._fast_matrix_market._fmm_core",
)  # fmt: skip
#: Always loaded, never to be imported again: a second copy would bring back the functions
#: :func:`refuse_unaudited_calls` replaced.
NEVER_RELOADED = ("posix", "_signal")

MSG_IMPORT_AUTODIFF = (
    "cegrad: importing {name!r} is not allowed: derive the gradient by hand "
    "(an instructor can allow it with --allow-import {name})"
)
MSG_IMPORT_GRADER = "cegrad: importing {name!r} is not allowed: the grader's own code is not part of the exercise"
MSG_IMPORT_RISKY = "cegrad: importing {name!r} is not allowed inside the grader's sandbox"
MSG_BLOCKED = "cegrad: {what} is not allowed inside the grader's sandbox"

_PROCESS_EVENTS = {
    "os.fork": "starting a new process (os.fork)",
    "os.forkpty": "starting a new process (os.forkpty)",
    "os.system": "running a shell command (os.system)",
    "os.exec": "replacing the process (os.exec*)",
    "os.posix_spawn": "starting a new process (os.posix_spawn)",
    "os.spawn": "starting a new process (os.spawn*)",
    "os.startfile": "starting a program (os.startfile)",
    "subprocess.Popen": "starting a new process (subprocess)",
    "pty.spawn": "starting a new process (pty.spawn)",
    "resource.setrlimit": "changing resource limits",
    "resource.prlimit": "changing resource limits",
    "socket.__new__": "opening a network socket",
    "socket.connect": "connecting a network socket",
    "socket.bind": "binding a network socket",
    "gc.get_objects": "walking the garbage collector's objects",
    "gc.get_referrers": "walking the garbage collector's objects",
    "gc.get_referents": "walking the garbage collector's objects",
    # A trace or profile function, or another thread's frames, would see this hook's frame.
    "sys.settrace": "setting a trace function",
    "sys.setprofile": "setting a profile function",
    "sys._current_frames": "reading other threads' frames",
    "sys._current_exceptions": "reading other threads' frames",
    # A sub-interpreter has no audit hook.
    "cpython.PyInterpreterState_New": "starting a sub-interpreter",
    # SQLite opens and creates files itself (connect, ATTACH DATABASE), unseen by the hook.
    "sqlite3.connect": "opening an sqlite3 database",
    "sqlite3.connect/handle": "opening an sqlite3 database",
    "sqlite3.enable_load_extension": "loading an sqlite3 extension",
}
#: File-system events whose listed argument positions are paths that must lie in the scratch dir.
_FS_EVENTS = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.link": (0, 1),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "os.chdir": (0,),  # relative names are resolved against the cwd: it must stay in scratch
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_S_IFMT, _S_IFLNK = 0o170000, 0o120000
#: Devices a program may open (null, zero, full, random, urandom); any other could be a terminal
#: (keystroke injection), a disk or memory.
_HARMLESS_DEVICES = frozenset(os.makedev(1, minor) for minor in (3, 5, 7, 8, 9))
#: Functions that raise no audit event, yet make device or fifo nodes, or act on other processes:
#: replaced by :func:`refuse_unaudited_calls` with ones that are refused by name.
_ON_OTHERS = ("setpriority", "pidfd_open", "sched_setaffinity", "sched_setscheduler", "sched_setparam")
UNAUDITED_CALLS = {
    "os": ("mknod", "mkfifo", "chroot", "setns", "unshare", *_ON_OTHERS),
    "posix": ("mknod", "mkfifo", "chroot", "setns", "unshare", *_ON_OTHERS),
    # A Python signal handler runs between any two bytecodes, the hook's among them: it could
    # read the hook's frame, or raise there and so abort the hook before it records a refusal.
    "signal": ("pidfd_send_signal", "signal", "set_wakeup_fd"),
    "_signal": ("pidfd_send_signal", "signal", "set_wakeup_fd"),
}
#: Audit events the child's own code raises (the end of loading, the start of each call) and the
#: one the stand-ins of unaudited functions raise.
EVENT_LOADED, EVENT_CALL, EVENT_REFUSED = "cegrad.loaded", "cegrad.call", "cegrad.refused"
#: Longest refusal text kept or sent (a path can be long), and how many distinct ones are kept.
_MAX_REFUSAL_CHARS = 1000
_MAX_REFUSALS = 20


def package_dirs(names: tuple[str, ...]) -> list[str]:
    """Directories of importable top-level packages, found without importing them."""
    import importlib.util

    dirs: list[str] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            dirs.extend(os.path.realpath(p) for p in spec.submodule_search_locations)
        elif spec is not None and spec.origin:
            dirs.append(os.path.realpath(spec.origin))
    return dirs


_TRACEBACK_OF = BaseException.__dict__["__traceback__"].__get__


def traceback_entries(exc: BaseException, _traceback_of: Any = _TRACEBACK_OF) -> list[tuple[str, int, str]]:
    """(file, line, function) for each frame in the traceback of ``exc``, outermost first.

    The one reader of traceback frames the audit hook allows (it checks this code object), so it
    returns plain data and never runs the submission's code: no frame ever leaves it.
    """
    entries = []
    tb = _traceback_of(exc)  # not exc.__traceback__, which a subclass could override
    while tb is not None:
        code = tb.tb_frame.f_code
        entries.append((code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    return entries


class LoadingRefusals(Exception):  # not an error: the hook's answer to EVENT_LOADED
    """Raised by the hook at :data:`EVENT_LOADED`; ``args[0]`` is the tuple of refusals so far."""


def end_of_loading() -> list[str]:
    """What the hook refused while the submission loaded; from now on every refusal is fatal.

    The record lives only in the hook's closure, as an immutable tuple it rebinds, so the
    submission cannot clear it through any frame's ``f_locals`` or the garbage collector.
    """
    try:
        sys.audit(EVENT_LOADED)
    except LoadingRefusals as answer:
        return list(answer.args[0])
    return []


def begin_call(seq: int) -> None:
    """Tell the hook which call runs now, so a refusal can answer it at once."""
    sys.audit(EVENT_CALL, seq)


def resolve_path(
    path: str | bytes,
    _getcwd: Any = os.getcwd,
    _lstat: Any = os.lstat,
    _readlink: Any = os.readlink,
    _bytes: type = bytes,
    _reversed: Any = reversed,
    _list: Any = list,
    _oserror: Any = OSError,
    _type: Any = type,
    _s_ifmt: int = _S_IFMT,
    _s_iflnk: int = _S_IFLNK,
) -> str:
    """An absolute path with every symlink and ``..`` resolved, as the kernel would (now).

    Built from C functions bound as defaults and no globals: os.path.realpath is Python code whose
    globals the submission could patch to make a forbidden path look harmless.  ``path`` must be
    an exact str or bytes (the hook checks), so no method of the submission's runs here.
    """
    text: Any = path
    if _type(text) is _bytes:
        text = text.decode("utf-8", "surrogateescape")
    if not text.startswith("/"):
        text = _getcwd() + "/" + text
    todo = _list(_reversed(text.split("/")))
    resolved = ""
    links = 0
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            resolved = resolved.rpartition("/")[0]
            continue
        candidate = resolved + "/" + part
        try:
            mode = _lstat(candidate).st_mode
        except _oserror:
            resolved = candidate
            continue
        if mode & _s_ifmt == _s_iflnk and links < 40:
            links += 1
            target = _readlink(candidate)
            if target.startswith("/"):
                resolved = ""
            todo.extend(_reversed(target.split("/")))
            continue
        resolved = candidate
    return resolved or "/"


def is_under(path: str, dirs: tuple[str, ...], _any: Any = any) -> bool:
    return _any(path == d or path.startswith(d + "/") for d in dirs)


def descriptor_path(fd: int, _readlink: Any = os.readlink, _oserror: Any = OSError, _repr: Any = int.__repr__) -> str:
    """Where an open descriptor points ("pipe:[..]" and the like for what is not a file)."""
    try:
        return _readlink("/proc/self/fd/" + _repr(fd))
    except _oserror:
        return "<a closed descriptor>"


def make_audit_hook(
    scratch: str,
    forbidden_dirs: tuple[str, ...],
    readable_dirs: tuple[str, ...],
    allowed_imports: frozenset[str],
    report_fd: int,
) -> Callable[[str, tuple[Any, ...]], None]:
    """The audit hook.

    It refuses an action by raising PermissionError (ImportError for imports) with a message for
    the student.  While the submission loads, refusals are recorded and survivable (they become
    a note); once :func:`end_of_loading` has run, a refusal is fatal: the hook writes a reply to
    the current call (see :func:`begin_call`) that names it straight onto ``report_fd``, the
    channel to the parent, and ends the process.  Nothing the submission does afterwards can
    take the refusal back.

    Everything it uses is bound now, as immutable values in its closure or defaults, and it reads
    no module globals: patching builtins, ``os`` or this module later cannot change what it
    decides.  Its two pieces of state (the refusals so far, the current call) are immutable
    values it rebinds, held in cells that only this function references; a frame of the hook,
    were the submission ever to get one, would show their values but no way to change them.
    Every check of an argument looks at its exact type before anything else, so no method of the
    submission's (a ``str`` subclass's ``__str__``, a ``__class__`` property, ``__fspath__``) ever
    runs inside the hook.
    """
    imports = {name: MSG_IMPORT_AUTODIFF for name in AUTODIFF_MODULES}
    imports.update({name: MSG_IMPORT_GRADER for name in GRADER_MODULES})
    imports.update({name: MSG_IMPORT_RISKY for name in (*RISKY_MODULES, *NEVER_RELOADED)})
    for name in allowed_imports:
        imports.pop(name, None)
    forbidden_imports = types.MappingProxyType(imports)
    process_events = types.MappingProxyType(dict(_PROCESS_EVENTS))
    fs_events = types.MappingProxyType(dict(_FS_EVENTS))
    write_flags = _WRITE_FLAGS
    harmless_devices = _HARMLESS_DEVICES
    trusted_code = traceback_entries.__code__
    helpers = (resolve_path, is_under, descriptor_path)
    # The frames of this hook and its helpers hold its state; a traceback through them (from a
    # blocked action) must not hand them out.  Frames of the submission's own exceptions may be
    # read, so traceback.print_exc() and logging.exception() in a correct submission still work.
    hook_codes = frozenset(
        [c for c in make_audit_hook.__code__.co_consts if isinstance(c, types.CodeType)]
        + [f.__code__ for f in helpers]
    )
    # Compiled extension modules run C code that no audit hook sees (it could start processes or
    # write anywhere), so they may come only from the Python installation and its site-packages.
    installation = tuple(sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                               sys.base_exec_prefix)}))
    native_suffixes = (".so", ".pyd", ".dylib")
    own_pid = os.getpid()
    own_pid_text = str(own_pid)
    report_channel = os.fstat(report_fd)
    report_identity = (report_channel.st_dev, report_channel.st_ino)
    from _json import encode_basestring_ascii as quote

    from properties.grader.sandbox.protocol import _PREFIX, MAGIC

    loaded_event, call_event, blocked_message, answer = EVENT_LOADED, EVENT_CALL, MSG_BLOCKED, LoadingRefusals
    max_chars, max_refusals = _MAX_REFUSAL_CHARS, _MAX_REFUSALS
    refusals: tuple[str, ...] = ()
    call: int | None = None  # None while loading; then the seq of the current (or last) call

    def hook(
        event: str,
        args: tuple[Any, ...],
        _type: Any = type,
        _str: type = str,
        _int: type = int,
        _bytes: type = bytes,
        _len: Any = len,
        _any: Any = any,
        _getframe: Any = sys._getframe,
        _import_error: type[BaseException] = ImportError,
        _permission_error: type[BaseException] = PermissionError,
        _repr: Any = int.__repr__,
        _oserror: type[OSError] = OSError,
        _stat: Any = os.stat,
        _fstat: Any = os.fstat,
        _write: Any = os.write,
        _exit: Any = os._exit,
        _pack: Any = _PREFIX.pack,
        _quote: Any = quote,
        _resolve: Any = resolve_path,
        _under: Any = is_under,
        _fd_path: Any = descriptor_path,
        _s_ifmt: int = _S_IFMT,
    ) -> None:
        nonlocal refusals, call
        what = ""  # set to the refused action; the one place below that refuses acts on it
        error = _permission_error
        text = ""  # the student's message, when not MSG_BLOCKED
        if event == loaded_event:
            call = 0 if call is None else call
            raise answer(refusals)
        if event == call_event:
            # A wrong number from the submission only makes its next refusal break the protocol.
            call = args[0] if _len(args) == 1 and _type(args[0]) is _int else -1
            return
        try:
            if event == "object.__setattr__" and _len(args) == 3 and (args[0] is _decide or args[0] is answer):
                what, text, error = "changing the grader's own functions", "", _permission_error
            else:
                what, text, error = _decide(event, args)
        except BaseException:  # whatever broke the check (a handler raising in it) is a refusal too
            what, text, error = "interrupting the grader's check of an action", "", _permission_error
        if not what:
            return
        if not text:
            text = blocked_message.format(what=what)
        text = text[:max_chars]
        if call is None:
            if text not in refusals and _len(refusals) < max_refusals:
                refusals = (*refusals, text)
            raise error(text)
        # After loading, a refusal is the end: answer the current call with it, then stop.
        try:
            channel = _fstat(report_fd)
            if (channel.st_dev, channel.st_ino) == report_identity:
                # else the submission replaced the channel: dying unexplained still fails the call
                quoted = _quote(text)
                header = (
                    '{"kind": "raised", "fields": {"seq": ' + _repr(call) + ', "type": "PermissionError", '
                    '"message": ' + quoted + ', "traceback": "", "unsendable": [], '
                    '"blocked": [' + quoted + ']}, "arrays": []}'
                ).encode("ascii")
                frame = _pack(MAGIC, _len(header), 0) + header
                while frame:
                    frame = frame[_write(report_fd, frame):]
        finally:
            while True:  # nothing, not even an exception raised in here, may keep the process alive
                try:  # noqa: SIM105  # contextlib.suppress is Python code whose globals can be patched
                    _exit(70)
                except BaseException:  # retried: the process must end here
                    pass

    def _decide(
        event: str,
        args: tuple[Any, ...],
        _type: Any = type,
        _str: type = str,
        _int: type = int,
        _bytes: type = bytes,
        _len: Any = len,
        _any: Any = any,
        _getframe: Any = sys._getframe,
        _import_error: type[BaseException] = ImportError,
        _permission_error: type[BaseException] = PermissionError,
        _oserror: type[OSError] = OSError,
        _stat: Any = os.stat,
        _resolve: Any = resolve_path,
        _under: Any = is_under,
        _fd_path: Any = descriptor_path,
        _s_ifmt: int = _S_IFMT,
        _refused_event: str = EVENT_REFUSED,
        _scratch: tuple[str] = (scratch,),
        _forbidden_dirs: tuple[str, ...] = forbidden_dirs,
        _readable_dirs: tuple[str, ...] = readable_dirs,
        _forbidden_imports: Any = forbidden_imports,
        _process_events: Any = process_events,
        _fs_events: Any = fs_events,
        _write_flags: int = write_flags,
        _harmless_devices: frozenset[int] = harmless_devices,
        _trusted_code: Any = trusted_code,
        _hook_codes: frozenset[Any] = hook_codes,
        _helpers: tuple[Any, ...] = helpers,
        _installation: tuple[str, ...] = installation,
        _native_suffixes: tuple[str, ...] = native_suffixes,
        _own_pid: int = own_pid,
        _own_pid_text: str = own_pid_text,
    ) -> tuple[str, str, type[BaseException]]:
        """(the refused action or "", the student's message or "", the exception to raise).

        No free variables, so no closure cells: everything is a default, immutable or a builtin,
        and changing the defaults is refused.  A frame of it holds nothing that could be changed.
        """
        what = ""
        error = _permission_error
        text = ""
        if event == "open":
            path, mode, flags = (*args, None, None)[:3]
            if _type(path) is _int:
                return "", "", error  # an open descriptor: what it may do was decided when it was opened
            if _type(path) is not _str and _type(path) is not _bytes:
                # A path object's __fspath__ is the submission's code: it could answer the hook
                # with a harmless path and open() with another one.
                what = "opening a file through a path object (pass str(path) instead)"
            else:
                writing = (_type(mode) is _str and _any(c in mode for c in "wax+")) or (
                    _type(flags) is _int and flags & _write_flags)
                resolved = _resolve(path)
                try:
                    kind = _stat(resolved)
                    file_type, device = kind.st_mode & _s_ifmt, kind.st_rdev
                except _oserror:
                    file_type, device = 0, 0
                proc_pid = resolved[6:].partition("/")[0] if resolved.startswith("/proc/") else ""
                if writing and not _under(resolved, _scratch):
                    what = f"writing to {resolved} (outside the scratch directory)"
                elif file_type == 0o040000:
                    # A directory descriptor would let os.open(name, dir_fd=fd) reach any file:
                    # the "open" event carries no dir_fd, so the relative name could not be checked.
                    what = f"opening the directory {resolved}"
                elif file_type in (0o020000, 0o060000) and device not in _harmless_devices:
                    what = f"opening the device {resolved}"
                elif _under(resolved, _forbidden_dirs) and not _under(resolved, _readable_dirs):
                    what = f"reading the grader's or an autodiff library's file {resolved}"
                elif proc_pid.isdigit() and proc_pid != _own_pid_text:
                    # Another process's environ, memory or open files (the grader's among them).
                    what = f"reading another process's {resolved}"
        elif event == "import":
            name: Any = args[0] if _len(args) > 0 else None
            filename: Any = args[1] if _len(args) > 1 else None
            error = _import_error
            if _type(name) is not _str or (filename is not None and _type(filename) is not _str):
                # A str subclass may answer the hook's questions about itself with lies.
                what = "importing a module by a name that is not a plain str"
            elif filename is not None and filename.endswith(_native_suffixes) and not _under(
                    _resolve(filename), _installation):
                what = f"loading the compiled extension {filename}"
            else:
                key = name if name in _forbidden_imports else name.partition(".")[0]  # a submodule, or a package
                message = _forbidden_imports.get(key)
                if message is not None:
                    what, text = key, message.format(name=key)
        elif event in _process_events:
            what = _process_events[event]
        elif event == "object.__getattr__" and _len(args) == 2 and args[1] == "tb_frame":
            caller = _getframe(2).f_code  # (1 is the hook, which called this)
            if caller is _trusted_code or caller in _hook_codes:
                return "", "", error  # our own reader, or this hook looking at the frame just below
            if args[0].tb_frame.f_code in _hook_codes:
                what = "reading the frames of a traceback"
        elif event == "object.__setattr__" and _len(args) == 3 and _any(args[0] is f for f in _helpers):
            what = "changing the grader's own functions"
        elif event in ("os.kill", "os.killpg"):
            if args[0] not in (_own_pid, 0):
                what = f"sending a signal to process {args[0]}"
        elif event.startswith("ctypes.") and not (event == "ctypes.dlopen" and args[0] is None):
            # dlopen(None) is ctypes' own import (ctypes.pythonapi); symbols from it need dlsym.
            what = f"loading or calling C code through ctypes ({event})"
        elif event == _refused_event:
            what = args[0] if _len(args) == 1 and _type(args[0]) is _str else "an unaudited call"
        elif event in _fs_events:
            for index in _fs_events[event]:
                if index >= _len(args):
                    continue
                target = args[index]
                if _type(target) is _int:
                    # fchmod, fchown, futimens, fchdir of an open descriptor: judge the file it is
                    where = _fd_path(target)
                elif _type(target) is _str or _type(target) is _bytes:
                    where = _resolve(target)
                else:
                    what = "passing a path object to the os module (pass str(path) instead)"
                    break
                if not _under(where, _scratch):
                    what = f"{event} on {where} (outside the scratch directory)"
                    break
        return what, text, error

    return hook


class ImportGate:
    """First on ``sys.meta_path``: re-raises the ``import`` audit event for every lookup, because
    ``importlib.import_module`` finds modules without raising it."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        sys.audit("import", name, None, sys.path, sys.meta_path, sys.path_hooks)


class BuiltinsGuard:
    """Swaps the submission's view of ``builtins`` out while the child's own code runs.

    A submission may patch builtins at import (legitimately, say ``builtins.xrange = range``, or
    not); its patches stay in force during its calls, but json, numpy and this module see the
    originals while they encode the reply.
    """

    def __init__(self) -> None:
        import builtins

        self._namespace = builtins.__dict__
        self._original = dict(self._namespace)
        self._theirs = dict(self._namespace)

    def ours(self) -> None:
        self._theirs = dict(self._namespace)
        self._namespace.update(self._original)

    def theirs(self) -> None:
        for name in [n for n in self._namespace if n not in self._theirs]:
            del self._namespace[name]
        self._namespace.update(self._theirs)


def refuser(qualname: str) -> Callable[..., None]:
    """A stand-in for a function that raises no audit event: calling it is refused by name."""

    def refused(*args: Any, _audit: Any = sys.audit, _what: str = f"calling {qualname}", **kwargs: Any) -> None:
        _audit(EVENT_REFUSED, _what)

    refused.__name__ = refused.__qualname__ = qualname.rpartition(".")[2]
    return refused


def refuse_unaudited_calls() -> None:
    """Replace the functions of :data:`UNAUDITED_CALLS` with refusers (the originals are dropped)."""
    import posix  # noqa: F401  # loaded with os; named so that sys.modules surely holds it
    import signal

    # Ctrl-C's KeyboardInterrupt is raised by a Python handler, at any bytecode: a submission
    # sending itself SIGINT could land it inside the hook.  The default action just ends the child.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    for module_name, names in UNAUDITED_CALLS.items():
        module = sys.modules[module_name]
        for name in names:
            if hasattr(module, name):
                setattr(module, name, refuser(f"{module_name}.{name}"))


def drop_modules(keep_allowed: frozenset[str]) -> None:
    """Forget the grader's and the risky modules, so importing them again is an audited import."""
    doomed = set(AUTODIFF_MODULES) | set(GRADER_MODULES) | set(RISKY_MODULES) | {"ctypes", "_ctypes"}
    stand_ins: dict[int, Any] = {}
    dropped = []  # keeps the originals alive, so their ids stay theirs while aliases are replaced
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if (top in doomed or name in doomed) and top not in keep_allowed:
            module = sys.modules.pop(name)
            dropped.append(module)
            if name in RISKY_MODULES and module is not None:
                stand_in = types.ModuleType(name)
                for attr, value in vars(module).items():
                    if callable(value) and not attr.startswith("__"):
                        setattr(stand_in, attr, refuser(f"{name}.{attr}"))
                        stand_ins[id(value)] = getattr(stand_in, attr)
                stand_ins[id(module)] = stand_in
    # A module loaded earlier may keep its own name for a risky function or module (subprocess
    # binds _posixsubprocess.fork_exec as _fork_exec): every such alias becomes the refuser too.
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is dict:
            for attr, value in list(namespace.items()):
                if id(value) in stand_ins:
                    namespace[attr] = stand_ins[id(value)]
    del dropped
