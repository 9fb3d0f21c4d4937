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

import contextlib
import os
import stat
import sys
import types
from collections.abc import Callable
from typing import Any

#: Top-level modules a submission may not import unless the instructor allows them by name.
AUTODIFF_MODULES = ("autograd", "jax", "jaxlib", "torch", "tensorflow")
GRADER_MODULES = ("reference", "properties", "cegrad")
#: Forks without an audit event (subprocess keeps working: it is loaded first and audited).
#: ctypes is not here: scipy needs it at import; its dlopen/dlsym events are blocked instead.
RISKY_MODULES = ("_posixsubprocess",)

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
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


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


def make_audit_hook(
    scratch: str,
    forbidden_dirs: tuple[str, ...],
    readable_dirs: tuple[str, ...],
    allowed_imports: frozenset[str],
    blocked_log: list[str],
) -> Callable[[str, tuple[Any, ...]], None]:
    """The audit hook.

    Everything it uses is bound now, as immutable values in its closure or defaults, and it reads
    no module globals: patching builtins, ``os`` or this module later cannot change what it
    decides.  Its state is reachable only through its own frame, which appears in the traceback of
    each exception it raises; reading a traceback's frames is therefore refused to everyone but
    :func:`traceback_entries`, which returns plain data.
    """
    imports = {name: MSG_IMPORT_AUTODIFF for name in AUTODIFF_MODULES}
    imports.update({name: MSG_IMPORT_GRADER for name in GRADER_MODULES})
    imports.update({name: MSG_IMPORT_RISKY for name in RISKY_MODULES})
    for name in allowed_imports:
        imports.pop(name, None)
    forbidden_imports = types.MappingProxyType(imports)
    process_events = types.MappingProxyType(dict(_PROCESS_EVENTS))
    fs_events = types.MappingProxyType(dict(_FS_EVENTS))
    write_flags, s_ifmt, s_iflnk = _WRITE_FLAGS, _S_IFMT, _S_IFLNK
    trusted_code = traceback_entries.__code__
    # The frames of this hook and its helpers hold its state; a traceback through them (from a
    # blocked action) must not hand them out.  Frames of the submission's own exceptions may be
    # read, so traceback.print_exc() and logging.exception() in a correct submission still work.
    hook_codes = frozenset(c for c in make_audit_hook.__code__.co_consts if isinstance(c, types.CodeType))
    # Compiled extension modules run C code that no audit hook sees (it could start processes or
    # write anywhere), so they may come only from the Python installation and its site-packages.
    installation = tuple(sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                               sys.base_exec_prefix)}))
    native_suffixes = (".so", ".pyd", ".dylib")
    is_dir, stat_of = stat.S_ISDIR, os.stat
    own_pid = os.getpid()
    own_pid_text = str(own_pid)

    def resolve(
        path: Any,
        _getcwd: Any = os.getcwd,
        _lstat: Any = os.lstat,
        _readlink: Any = os.readlink,
        _bytes: type = bytes,
        _reversed: Any = reversed,
        _isinstance: Any = isinstance,
        _list: Any = list,
        _oserror: Any = OSError,
        _type: Any = type,
        _str: type = str,
    ) -> str:
        # A realpath built from C functions bound above: os.path.realpath is Python code whose
        # globals the submission could patch to make a forbidden path look harmless.
        if _type(path) is not _str and _type(path) is not _bytes:
            # A path object's __fspath__ is the submission's code: it could answer the hook with
            # a harmless path and open() with another one.
            block("opening a file through a path object (pass str(path) instead)")
        text = path
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
            if mode & s_ifmt == s_iflnk and links < 40:
                links += 1
                target = _readlink(candidate)
                if target.startswith("/"):
                    resolved = ""
                todo.extend(_reversed(target.split("/")))
                continue
            resolved = candidate
        return resolved or "/"

    def under(path: str, dirs: tuple[str, ...], _any: Any = any) -> bool:
        return _any(path == d or path.startswith(d + "/") for d in dirs)

    def block(what: str, error: type[BaseException] = PermissionError, message: str = MSG_BLOCKED) -> None:
        text = message.format(what=what, name=what)
        blocked_log.append(text)
        raise error(text)

    def check_path_in_scratch(event: str, path: Any, _isinstance: Any = isinstance, _int: type = int) -> None:
        if _isinstance(path, _int):
            return  # an already-open descriptor: what it may do was decided when it was opened
        resolved = resolve(path)
        if not under(resolved, (scratch,)):
            block(f"{event} on {resolved} (outside the scratch directory)")

    def hook(
        event: str,
        args: tuple[Any, ...],
        _isinstance: Any = isinstance,
        _str: type = str,
        _int: type = int,
        _len: Any = len,
        _any: Any = any,
        _getframe: Any = sys._getframe,
        _import_error: type = ImportError,
    ) -> None:
        if event == "open":
            path, mode, flags = (*args, None, None)[:3]
            if _isinstance(path, _int):
                return
            writing = (_isinstance(mode, _str) and _any(c in mode for c in "wax+")) or (
                _isinstance(flags, _int) and flags & write_flags
            )
            resolved = resolve(path)
            if writing and not under(resolved, (scratch,)):
                block(f"writing to {resolved} (outside the scratch directory)")
            if not under(resolved, (scratch,)):
                # a directory descriptor would let os.open(name, dir_fd=fd) reach any file: the
                # "open" event carries no dir_fd, so the relative name could not be checked
                try:
                    directory = is_dir(stat_of(resolved).st_mode)
                except OSError:
                    directory = False
                if directory:
                    block(f"opening the directory {resolved}")
            if under(resolved, forbidden_dirs) and not under(resolved, readable_dirs):
                block(f"reading the grader's or an autodiff library's file {resolved}")
            proc_pid = resolved[6:].partition("/")[0] if resolved.startswith("/proc/") else ""
            if proc_pid.isdigit() and proc_pid != own_pid_text:
                # Another process's environ, memory or open files (the grader's among them).
                block(f"reading another process's {resolved}")
        elif event == "import":
            filename: Any = args[1] if _len(args) > 1 else None
            if _isinstance(filename, _str) and filename.endswith(native_suffixes) and not under(
                    resolve(filename), installation):
                block(f"loading the compiled extension {filename}", _import_error)
            top = _str(args[0]).partition(".")[0]
            message = forbidden_imports.get(top)
            if message is not None:
                block(top, _import_error, message)
        elif event in process_events:
            block(process_events[event])
        elif event == "object.__getattr__" and args[1] == "tb_frame":
            caller = _getframe(1).f_code
            if caller is trusted_code or caller in hook_codes:
                return  # our own reader, or this hook looking at the frame just below
            if args[0].tb_frame.f_code in hook_codes:
                block("reading the frames of a traceback")
        elif event in ("os.kill", "os.killpg"):
            if args[0] not in (own_pid, 0):
                block(f"sending a signal to process {args[0]}")
        elif event.startswith("ctypes.") and not (event == "ctypes.dlopen" and args[0] is None):
            # dlopen(None) is ctypes' own import (ctypes.pythonapi); symbols from it need dlsym.
            block(f"loading or calling C code through ctypes ({event})")
        elif event in fs_events:
            for index in fs_events[event]:
                if index < _len(args):
                    check_path_in_scratch(event, args[index])

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


def remove_unaudited_signals() -> None:
    """pidfd_open/pidfd_send_signal raise no audit event, yet can stop or kill the grader: remove them."""
    import posix
    import signal

    for module, name in ((os, "pidfd_open"), (posix, "pidfd_open"), (signal, "pidfd_send_signal")):
        with contextlib.suppress(AttributeError):
            delattr(module, name)


# NumPy 1.24 removed these aliases of the builtins; course code of earlier years still uses them
# (np.float(...)).  They meant exactly the builtins, so supplying them changes no result.
def drop_modules(keep_allowed: frozenset[str]) -> None:
    """Forget the grader's and the risky modules, so importing them again is an audited import."""
    doomed = set(AUTODIFF_MODULES) | set(GRADER_MODULES) | set(RISKY_MODULES) | {"ctypes", "_ctypes"}
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top in doomed and top not in keep_allowed:
            del sys.modules[name]
