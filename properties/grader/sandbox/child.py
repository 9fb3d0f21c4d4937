"""The submission's process: load the untrusted module, then answer the grader's calls.

Run by :mod:`properties.grader.sandbox.parent` as ``python -s -P -m properties.grader.sandbox.child
--in-fd N --out-fd M --scratch DIR ...`` in a scrubbed environment and a new session.  In order, it

1. applies resource limits (address space, CPU seconds, file size, no core dumps, no new
   processes where not root) and moves into the scratch directory;
2. imports numpy with ``ctypes`` hidden, so numpy binds no ctypes module (a submission that
   wants ctypes must import it, and its dlopen/dlsym are blocked), and reads the ``load``
   message (mode, path, function, allowed imports);
3. drops the grader's own modules and the process-spawning ones from ``sys.modules`` and installs
   an audit hook (which cannot be removed) that blocks new processes, signals to other processes,
   sockets, loading C code through ctypes, changing limits, writes outside the scratch directory,
   reads of the grader's and the autodiff libraries' files and of other processes' /proc
   entries, and forbidden imports;
4. loads the submission (a module named after its file, so its ``__main__`` block does not run,
   or an extracted source text) and serves ``call`` messages until the parent closes the channel.

Outputs go back as raw arrays (see :mod:`.protocol`); nothing here is trusted
by the parent, which re-checks every frame.  The audit hook is defence in depth for the machine,
not for the grade: the grade only ever depends on data the parent validates.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
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
MSG_NO_FUNCTION = "no function named {name!r} in the submission"
MSG_NOT_A_TUPLE = "returned {what}, not a tuple (loss, gradCenterVec, gradOutsideVecs)"
MSG_TOO_LARGE = "an array of {nbytes} bytes, far too large to be a gradient of the inputs"
MSG_EXIT_AT_IMPORT = "the submission called exit({code!r}) while being imported"

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
_MAX_TRACEBACK_FRAMES = 8


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m properties.grader.sandbox.child")
    parser.add_argument("--in-fd", type=int, required=True)
    parser.add_argument("--out-fd", type=int, required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--memory-bytes", type=int, default=2 << 30)
    parser.add_argument("--cpu-seconds", type=int, default=300)
    parser.add_argument("--file-bytes", type=int, default=16 << 20)
    return parser.parse_args(argv)


def _apply_limits(args: argparse.Namespace) -> None:
    for limit, value in (
        (resource.RLIMIT_AS, args.memory_bytes),
        (resource.RLIMIT_FSIZE, args.file_bytes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
    # The hard limit a little above the soft one: SIGXCPU first (a clean death), SIGKILL after.
    resource.setrlimit(resource.RLIMIT_CPU, (args.cpu_seconds, args.cpu_seconds + 2))
    if os.geteuid() != 0:
        # RLIMIT_NPROC counts every process of the user; root ignores it, hence the audit hook too.
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _package_dirs(names: tuple[str, ...]) -> list[str]:
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


def _summary(blocked: list[str], limit: int = 20) -> list[str]:
    """The distinct blocked actions, at most ``limit``: a loop of attempts must not bloat a frame."""
    return list(dict.fromkeys(blocked))[:limit]


class _ImportGate:
    """First on ``sys.meta_path``: re-raises the ``import`` audit event for every lookup, because
    ``importlib.import_module`` finds modules without raising it."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        sys.audit("import", name, None, sys.path, sys.meta_path, sys.path_hooks)


class _BuiltinsGuard:
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


def _remove_unaudited_signals() -> None:
    """pidfd_open/pidfd_send_signal raise no audit event, yet can stop or kill the grader: remove them."""
    import posix
    import signal

    for module, name in ((os, "pidfd_open"), (posix, "pidfd_open"), (signal, "pidfd_send_signal")):
        with contextlib.suppress(AttributeError):
            delattr(module, name)


# NumPy 1.24 removed these aliases of the builtins; course code of earlier years still uses them
# (np.float(...)).  They meant exactly the builtins, so supplying them changes no result.
REMOVED_NUMPY_ALIASES = {"float": float, "int": int, "bool": bool, "object": object, "complex": complex, "str": str}


def _supply_removed_numpy_aliases() -> None:
    import numpy

    for name, value in REMOVED_NUMPY_ALIASES.items():
        if name not in numpy.__dict__:
            setattr(numpy, name, value)


def _drop_modules(keep_allowed: frozenset[str]) -> None:
    """Forget the grader's and the risky modules, so importing them again is an audited import."""
    doomed = set(AUTODIFF_MODULES) | set(GRADER_MODULES) | set(RISKY_MODULES) | {"ctypes", "_ctypes"}
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top in doomed and top not in keep_allowed:
            del sys.modules[name]


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    _apply_limits(args)
    scratch = os.path.realpath(args.scratch)
    os.chdir(scratch)

    # Hidden while numpy imports, numpy keeps ctypes=None instead of a module the submission
    # could reach through numpy._core._internal and use past the audit hook.
    sys.modules["ctypes"] = None  # type: ignore[assignment]  # None in sys.modules = "cannot import"
    sys.modules["_ctypes"] = None  # type: ignore[assignment]  # as above
    import importlib.util
    import linecache

    import numpy as np

    from properties import implementation
    from properties.grader.sandbox import protocol

    del sys.modules["ctypes"], sys.modules["_ctypes"]
    # subprocess is loaded now so its own import of _posixsubprocess (not audited when it forks)
    # happens here; the submission gets subprocess.Popen, which is audited, and nothing else.
    import subprocess

    subprocess._posixsubprocess = None  # type: ignore[attr-defined]  # see the comment above

    in_fd, out_fd = args.in_fd, args.out_fd
    read_message, write_message = protocol.read_message, protocol.write_message
    array_dtypes, max_text = protocol.ARRAY_DTYPES, protocol.MAX_TEXT_CHARS
    max_array_bytes = protocol.MAX_MESSAGE_BYTES // 4  # three outputs and two inputs share a frame
    normalise_output, dataset = implementation.normalise_output, implementation._Dataset()
    positional_count = implementation._positional_count

    load = read_message(in_fd)
    if load is None or load.kind != "load":
        sys.exit(3)
    mode, path, function = load.fields["mode"], load.fields["path"], load.fields["function"]
    convention, shim_dir = load.fields["convention"], os.path.realpath(load.fields["shim_dir"])
    allowed = frozenset(load.fields.get("allow_imports", ()))
    source_text = load.fields.get("source")

    # An allowed module must really import, so its files become readable too.
    properties_dir = os.path.dirname(os.path.realpath(implementation.__file__))
    forbidden_dirs = tuple(
        [properties_dir] * ("properties" not in allowed)
        + _package_dirs(tuple(n for n in (*AUTODIFF_MODULES, "reference", "cegrad") if n not in allowed))
    )
    blocked: list[str] = []
    # the submission's own folder stays readable even where it lies under a protected folder (the
    # bundled examples live inside the package)
    hook = make_audit_hook(scratch, forbidden_dirs, (shim_dir, os.path.dirname(os.path.realpath(path))), allowed, blocked)

    def flush() -> None:
        for stream in (sys.stdout, sys.stderr):
            # The submission may have replaced the stream with anything.
            with contextlib.suppress(BaseException):
                stream.flush()

    def send(kind: str, fields: dict[str, Any], arrays: dict[str, Any] | None = None) -> None:
        flush()
        write_message(out_fd, kind, fields, arrays)

    folder = os.path.dirname(os.path.realpath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    extracted_name = f"<extracted from {os.path.basename(path)}>"

    def submission_frames(exc: BaseException) -> str:
        try:
            entries = [
                (file, line, function)
                for file, line, function in traceback_entries(exc)
                if file == extracted_name or file.startswith(folder + "/")
            ][-_MAX_TRACEBACK_FRAMES:]
            text = "".join(
                f'  File "{file}", line {line}, in {function}\n    {linecache.getline(file, line).strip()}\n'
                for file, line, function in entries
            )
        except BaseException:  # a hostile exception must not kill the reply
            text = ""
        return text[-max_text:]

    def describe(exc: BaseException) -> dict[str, str]:
        try:
            message = str(exc)
        except BaseException:  # str() of a hostile exception may raise anything
            message = "<the exception's message could not be shown>"
        return {
            "type": type(exc).__qualname__,
            "message": message[:max_text],
            "traceback": submission_frames(exc),
        }

    # A file named json.py or numpy.py must not replace a module the child itself relies on.
    clashes = stem in sys.modules or stem in sys.stdlib_module_names
    module_name = stem if stem.isidentifier() and not clashes else "submission"
    _drop_modules(allowed)
    sys.modules["__main__"] = types.ModuleType("__main__")
    sys.path.insert(0, folder)
    sys.path.append(shim_dir)
    _remove_unaudited_signals()
    _supply_removed_numpy_aliases()
    guard = _BuiltinsGuard()
    sys.addaudithook(hook)
    del hook  # main's frame is reachable through sys._getframe; the hook must not be
    sys.meta_path.insert(0, _ImportGate)  # removable, unlike the hook: one more layer, not the wall

    try:
        if mode == "extracted":
            module = types.ModuleType(module_name)
            module.__file__ = path
            sys.modules[module_name] = module
            lines = str(source_text).splitlines(keepends=True)
            linecache.cache[extracted_name] = (len(str(source_text)), None, lines, extracted_name)
            exec(compile(str(source_text), extracted_name, "exec"), module.__dict__)
        else:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path} as a Python module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        guard.ours()
        fn = getattr(module, function, None)
        if not callable(fn):
            raise LookupError(MSG_NO_FUNCTION.format(name=function))
        takes_dataset = positional_count(fn) >= 4
    except SystemExit as exc:
        guard.ours()
        send(
            "load_failed",
            {
                "type": "SystemExit",
                "message": MSG_EXIT_AT_IMPORT.format(code=exc.code),
                "traceback": submission_frames(exc),
                "blocked": _summary(blocked),
            },
        )
        os._exit(0)
    except BaseException as exc:  # anything at import time is the submission's failure
        guard.ours()
        send("load_failed", {**describe(exc), "blocked": _summary(blocked)})
        os._exit(0)

    def shims_in_use() -> list[str]:
        files = {name: getattr(mod, "__file__", None) for name, mod in list(sys.modules.items())}
        return sorted(n for n, f in files.items() if isinstance(f, str) and f.startswith(shim_dir + "/"))

    send("loaded", {"shims": shims_in_use(), "blocked": _summary(blocked)})

    while True:
        request = read_message(in_fd)
        if request is None or request.kind != "call":
            os._exit(0)
        seq, o = request.fields["seq"], request.fields["o"]
        U, v_c = request.arrays["U"], request.arrays["v_c"]
        blocked_before = len(blocked)
        raised: BaseException | None = None
        call_args: tuple[Any, ...] = (v_c, o, U, dataset) if takes_dataset else (v_c, o, U)
        if convention == "grad-u":
            call_args = (U, v_c, o)
        guard.theirs()
        try:
            result = fn(*call_args)
        except SystemExit as exc:
            guard.ours()
            send("exited", {"seq": seq, "code": str(exc.code)[:max_text]})
            os._exit(0)
        except BaseException as exc:  # reported to the parent as the submission's error
            raised = exc
        guard.ours()

        arrays: dict[str, Any] = {}
        unsendable = []
        for name, value in (("U_after", U), ("v_c_after", v_c)):
            # The submission may have swapped dtype or shape in place; what cannot cross is mutated.
            if type(value) is np.ndarray and value.dtype.str in array_dtypes:
                arrays[name] = value
            else:
                unsendable.append(name)
        fields: dict[str, Any] = {
            "seq": seq,
            "unsendable": unsendable,
            "blocked": _summary(blocked[blocked_before:]),
        }
        if raised is not None:
            send("raised", {**fields, **describe(raised)}, arrays)
            continue
        slots: dict[str, Any] = {}
        if convention == "grad-u":
            values = {"grad_U": result}
        elif type(result) in (tuple, list) and len(result) == 3:
            values = {"loss": result[0], "grad_v_c": result[1], "grad_U": result[2]}
        else:
            what = f"a {type(result).__module__}.{type(result).__qualname__}"
            if type(result) in (tuple, list):
                what = f"a {type(result).__name__} of length {len(result)}"
            values = {}
            slots = {n: {"unusable": MSG_NOT_A_TUPLE.format(what=what)} for n in ("loss", "grad_v_c", "grad_U")}
        for name, value in values.items():
            try:
                out = normalise_output(value)
            except BaseException as exc:  # a patched numpy may break the check itself
                slots[name] = {"unusable": f"could not be read ({type(exc).__name__})"}
                continue
            if type(out) is np.ndarray and out.nbytes > max_array_bytes:
                slots[name] = {"unusable": MSG_TOO_LARGE.format(nbytes=out.nbytes)}
            elif type(out) is np.ndarray and out.dtype.str in array_dtypes:
                arrays[name] = out
                slots[name] = {"array": name}
            else:
                slots[name] = {"unusable": str(getattr(out, "reason", "not a real floating array"))[:max_text]}
        send("result", {**fields, "slots": slots}, arrays)


if __name__ == "__main__":
    main()
