"""The submission's process: load the untrusted module, then answer the grader's calls.

Run by :mod:`properties.grader.sandbox.parent` as ``python -s -P -m properties.grader.sandbox.child
--in-fd N --out-fd M --scratch DIR ...`` in a scrubbed environment and a new session.  In order, it

1. applies resource limits (address space, CPU seconds, file size, no core dumps, no new
   processes where not root) and moves into the scratch directory;
2. imports numpy with ``ctypes`` hidden, so numpy binds no ctypes module (a submission that
   wants ctypes must import it, and its dlopen/dlsym are blocked), and reads the ``load``
   message (mode, path, function, allowed imports);
3. drops the grader's own modules and the process-spawning ones from ``sys.modules`` and installs
   the audit hook of :mod:`.audit` (which cannot be removed) that blocks new processes, signals to other processes,
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
import sys
import types
from typing import Any

from properties.grader.sandbox.audit import (
    AUTODIFF_MODULES,
    GRADER_MODULES,
    NEVER_RELOADED,
    RISKY_MODULES,
    BuiltinsGuard,
    ImportGate,
    begin_call,
    drop_modules,
    end_of_loading,
    make_audit_hook,
    package_dirs,
    refuse_unaudited_calls,
    traceback_entries,
)

MSG_NO_FUNCTION = "no function named {name!r} in the submission"
MSG_TOO_LARGE = "an array of {nbytes} bytes, far too large to be a gradient of the inputs"
MSG_EXIT_AT_IMPORT = "the submission called exit({code!r}) while being imported"

_MAX_TRACEBACK_FRAMES = 8


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m properties.grader.sandbox.child")
    parser.add_argument("--in-fd", type=int, required=True)
    parser.add_argument("--out-fd", type=int, required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--memory-bytes", type=int, default=2 << 30)
    parser.add_argument("--cpu-seconds", type=int, default=300)
    parser.add_argument("--file-bytes", type=int, default=16 << 20)
    parser.add_argument("--scratch-bytes", type=int, default=64 << 20)
    parser.add_argument("--refuse", default="", help="layers whose set-up fails as if refused (tests)")
    parser.add_argument("--no-audit-hook", action="store_true", help="prove the OS layers alone (sandbox-check)")
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
        # RLIMIT_NPROC counts every process of the user; root ignores it, so a root child sets it
        # once it has dropped to its own uid (see oslayers.drop_root).
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


REMOVED_NUMPY_ALIASES = {"float": float, "int": int, "bool": bool, "object": object, "complex": complex, "str": str}


def _supply_removed_numpy_aliases() -> None:
    import numpy

    for name, value in REMOVED_NUMPY_ALIASES.items():
        if name not in numpy.__dict__:
            setattr(numpy, name, value)


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
    from properties.assignment import course  # numpy only: the dataset a submission is given (no correct loss)
    from properties.grader import conventions
    from properties.grader.sandbox import oslayers, preload, protocol

    del sys.modules["ctypes"], sys.modules["_ctypes"]
    # subprocess is loaded now so its own import of _posixsubprocess (not audited when it forks)
    # happens here; the submission gets subprocess.Popen, which is audited, and nothing else.
    import subprocess

    subprocess._posixsubprocess = None  # type: ignore[attr-defined]  # see the comment above

    in_fd, out_fd = args.in_fd, args.out_fd
    read_message, write_message = protocol.read_message, protocol.write_message
    array_dtypes, max_text, output_limit = protocol.ARRAY_DTYPES, protocol.MAX_TEXT_CHARS, protocol.output_limit
    max_array_bytes = protocol.MAX_MESSAGE_BYTES // 4  # three outputs and two inputs share a frame
    normalise_output, dataset = implementation.normalise_output, conventions.UnusedDataset()

    load = read_message(in_fd)
    if load is None or load.kind != "load":
        sys.exit(3)
    mode, path, function = load.fields["mode"], load.fields["path"], load.fields["function"]
    convention = conventions.CONVENTIONS[load.fields["convention"]]
    # The correct word losses a skipgram is given, imported for a skipgram only: this frame is
    # reachable from the submission (sys._getframe), so grading anything else must leave no correct
    # naive softmax or negative sampling in it to copy.
    word_loss: Any = None
    if convention.graded == "skipgram":
        from properties.assignment.word_losses import word_loss
    shim_dir = os.path.realpath(load.fields["shim_dir"])
    allowed = frozenset(load.fields.get("allow_imports", ()))
    source_text = load.fields.get("source")

    # An allowed module must really import, so its files become readable too.
    properties_dir = os.path.dirname(os.path.realpath(implementation.__file__))
    forbidden_dirs = tuple(
        [properties_dir] * ("properties" not in allowed)
        + package_dirs(tuple(n for n in (*AUTODIFF_MODULES, "reference", "cegrad") if n not in allowed))
    )
    folder = os.path.dirname(os.path.realpath(path))

    # Everything the submission may import from its folder or the shims is read now, as are the
    # modules it names, while the child can still read them; then the OS layers go up.
    own_sources = preload.read_sources(folder, extra=[path] if mode == "module" else [])
    shim_sources = preload.read_sources(shim_dir)
    texts = [*own_sources.values(), str(source_text or "").encode("utf-8", "replace")]
    never = {*AUTODIFF_MODULES, *GRADER_MODULES, *RISKY_MODULES, *NEVER_RELOADED, "ctypes", "_ctypes"} - allowed
    named = preload.imported_by(texts, shim_sources, shim_dir)
    preload.preimport(named, forbidden=never, allowed=allowed)
    own_finder = preload.SourcesFinder(folder, own_sources, preload.find_extensions(folder))
    # the submission's own folder stays readable even where it lies under a protected folder (the
    # bundled examples live inside the package); the hook keeps its own record of refusals and,
    # after loading, answers the current call itself on out_fd when it refuses something
    hook = make_audit_hook(scratch, forbidden_dirs, (shim_dir, os.path.dirname(os.path.realpath(path))), allowed, out_fd)
    plan = oslayers.Plan(scratch, args.scratch_bytes, oslayers.read_dirs(shim_dir),
                         refuse=frozenset(filter(None, args.refuse.split(","))))  # fmt: skip
    statuses = oslayers.setup(plan)
    # Sent before any of the submission's code runs, so the parent may trust it.
    write_message(out_fd, "layers", {"layers": [list(s) for s in statuses], "uid": plan.uid})
    # oslayers imported ctypes (after numpy, which therefore holds none); a submission that names
    # it gets that module back, as an import would have given it: its dlopen/dlsym stay refused.
    keep_ctypes: dict[str, types.ModuleType] = {}
    if {"ctypes", "_ctypes"} & {n.partition(".")[0] for n in named}:
        keep_ctypes = {n: sys.modules[n] for n in ("ctypes", "_ctypes") if n in sys.modules}

    def flush() -> None:
        for stream in (sys.stdout, sys.stderr):
            # The submission may have replaced the stream with anything.
            with contextlib.suppress(BaseException):
                stream.flush()

    def send(kind: str, fields: dict[str, Any], arrays: dict[str, Any] | None = None) -> None:
        flush()
        write_message(out_fd, kind, fields, arrays)

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
    drop_modules(allowed)
    sys.modules.update(keep_ctypes)
    del keep_ctypes
    sys.modules["__main__"] = types.ModuleType("__main__")
    sys.path.insert(0, folder)
    sys.path.append(shim_dir)
    # The folder first and the shims last, as their places on sys.path say, served from memory.
    sys.meta_path[:] = [own_finder, *sys.meta_path, preload.SourcesFinder(shim_dir, shim_sources),
                        preload.UnavailableFinder]  # fmt: skip
    if not args.no_audit_hook:  # (sandbox-check and the layer tests prove the OS layers alone)
        refuse_unaudited_calls()
    _supply_removed_numpy_aliases()
    guard = BuiltinsGuard()
    if not args.no_audit_hook:
        sys.addaudithook(hook)
    del hook  # main's frame is reachable through sys._getframe; the hook must not be
    sys.meta_path.insert(0, ImportGate)  # removable, unlike the hook: one more layer, not the wall

    try:
        if mode == "extracted":
            module = types.ModuleType(module_name)
            module.__file__ = path
            sys.modules[module_name] = module
            lines = str(source_text).splitlines(keepends=True)
            linecache.cache[extracted_name] = (len(str(source_text)), None, lines, extracted_name)
            exec(compile(str(source_text), extracted_name, "exec"), module.__dict__)
        else:
            spec = own_finder.spec_for_file(module_name, path) or importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path} as a Python module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        guard.ours()
        fn = getattr(module, function, None)
        if not callable(fn):
            raise LookupError(MSG_NO_FUNCTION.format(name=function))
        accepts = conventions.positional_count(fn)
    except SystemExit as exc:
        guard.ours()
        send(
            "load_failed",
            {
                "type": "SystemExit",
                "message": MSG_EXIT_AT_IMPORT.format(code=exc.code),
                "traceback": submission_frames(exc),
                "blocked": end_of_loading(),
            },
        )
        os._exit(0)
    except BaseException as exc:  # anything at import time is the submission's failure
        guard.ours()
        send("load_failed", {**describe(exc), "blocked": end_of_loading()})
        os._exit(0)

    def shims_in_use() -> list[str]:
        files = {name: getattr(mod, "__file__", None) for name, mod in list(sys.modules.items())}
        return sorted(n for n, f in files.items() if isinstance(f, str) and f.startswith(shim_dir + "/"))

    refused_while_loading = end_of_loading()
    send("loaded", {"shims": shims_in_use(), "blocked": refused_while_loading})

    def in_place(previous: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The new inputs, written into the last call's arrays wherever their shape and dtype allow.

        A training loop updates U in place and calls again with the same object: an answer cached by
        id() (or kept by reference) must meet that here, not only in the student's own training.
        """
        for name, fresh in arrays.items():
            old = previous.get(name)
            if (type(old) is np.ndarray and old.dtype == fresh.dtype and old.shape == fresh.shape
                    and old.flags.writeable):
                with contextlib.suppress(BaseException):  # the submission may have changed its flags
                    np.copyto(old, fresh, casting="no")
                    arrays[name] = old
        return arrays

    inputs: dict[str, np.ndarray] = {}
    while True:
        request = read_message(in_fd)
        if request is None or request.kind != "call":
            os._exit(0)
        seq = request.fields["seq"]
        inputs = in_place(inputs, dict(request.arrays))  # U and v_c; V and U for a skip-gram window
        sizes = {name: array.nbytes for name, array in inputs.items()}
        largest = min(max_array_bytes, output_limit(sum(sizes.values())))  # the parent reads no more
        raised: BaseException | None = None
        values_of = course.call_values(request.fields, inputs, dataset, word_loss)
        call_args = convention.arguments(values_of, accepts)
        begin_call(seq)
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
        for name, value in ((f"{input_name}_after", array) for input_name, array in inputs.items()):
            # The submission may have swapped dtype or shape in place; what cannot cross is mutated.
            if type(value) is np.ndarray and value.dtype.str in array_dtypes and value.nbytes == sizes[name[:-6]]:
                arrays[name] = value
            else:
                unsendable.append(name)
        fields: dict[str, Any] = {"seq": seq, "unsendable": unsendable}
        drawn = None
        if type(values_of["dataset"]) is course.GraderDataset:  # its own __dict__ only, never its methods
            state = object.__getattribute__(values_of["dataset"], "__dict__")
            drawn = dict.get(state, "drawn") if type(state) is dict else None
        if type(drawn) is int:
            fields["drawn"] = drawn  # how often sampleTokenIdx was called: told to the student, never graded
        if raised is not None:
            send("raised", {**fields, **describe(raised)}, arrays)
            continue
        slots: dict[str, Any] = {}
        unpacked = convention.unpack(result)
        values = unpacked if isinstance(unpacked, dict) else {}
        if isinstance(unpacked, str):  # not the tuple the convention returns: every output says so
            slots = {n: {"unusable": unpacked} for n in convention.provides}
        for name, value in values.items():
            try:
                out = normalise_output(value)
            except BaseException as exc:  # a patched numpy may break the check itself
                slots[name] = {"unusable": f"could not be read ({type(exc).__name__})"}
                continue
            if type(out) is np.ndarray and out.nbytes > largest:
                slots[name] = {"unusable": MSG_TOO_LARGE.format(nbytes=out.nbytes)}
            elif type(out) is np.ndarray and out.dtype.str in array_dtypes:
                arrays[name] = out
                slots[name] = {"array": name}
            else:
                slots[name] = {"unusable": str(getattr(out, "reason", "not a real floating array"))[:max_text]}
        send("result", {**fields, "slots": slots}, arrays)


if __name__ == "__main__":
    main()
