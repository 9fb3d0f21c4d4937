"""What the child reads and imports while it is still trusted, so the submission never has to.

Once the OS layers are up (:mod:`.oslayers`) the child may run as an unprivileged uid behind
Landlock: it can no longer read the student's folder (other students' files may sit beside it),
the grader's sources, or, where the Python installation lives in an unreadable home (as under
/root), the standard library.  So, before they go up:

* :func:`read_sources` reads the submission's folder's Python files and the shims into memory,
  and :class:`SourcesFinder` serves imports from those texts under their real file names (so
  tracebacks read as before and nothing is read from disk later);
* :func:`preimport` imports the modules a typical submission needs: a small base set always, and
  the standard library's (but :data:`UNSAFE_STDLIB`), numpy's and scipy's modules that the
  submission's sources name.  Never an arbitrary name from the submission, nor one the audit hook
  refuses: this code runs with the grader's privileges, and before the hook;
* :class:`UnavailableFinder`, last on ``sys.meta_path``, turns an import that nothing can serve
  into a ``ModuleNotFoundError`` that says why.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

MSG_UNAVAILABLE = (
    "No module named {name!r} inside the grader's sandbox: it is not installed, or it is not one of "
    "the modules the grader loads before it locks the sandbox (numpy, scipy and the common standard "
    "library modules are; so are the Python files in your own folder)"
)

#: Always imported: what the child itself and nearly every submission use, cheap once numpy is in.
BASE_MODULES = (
    "__future__", "collections", "copy", "functools", "itertools", "linecache", "math", "random", "re",
    "string", "time", "tokenize", "traceback", "typing", "warnings", "encodings.ascii", "encodings.latin_1",
    "mmap",
)  # fmt: skip
#: Standard library modules never imported here even when a submission names them: those that
#: act at import (antigravity opens a browser, this and __hello__ print, lib2to3 may write its
#: grammar cache beside itself, rlcompleter loads readline), GUIs, and the test suite.  Whatever the
#: audit hook refuses to import (see ``forbidden``) is not imported either.
UNSAFE_STDLIB = frozenset(("antigravity", "this", "__hello__", "__phello__", "lib2to3", "rlcompleter", "idlelib",
                           "turtle", "turtledemo", "tkinter", "test", "ensurepip", "venv", "pydoc"))  # fmt: skip
#: numpy's submodules a submission may reach as ``np.<name>`` (numpy imports some lazily);
#: ctypeslib (ctypes), f2py and distutils (compilers) are left out on purpose.
NUMPY_SUBMODULES = frozenset(["fft", "lib", "linalg", "ma", "polynomial", "random", "testing", "char", "rec", "strings", "emath"])
#: Modules another one imports lazily, when first used (a host name is encoded with idna).
COMPANIONS = {"socket": ("encodings.idna",)}
#: Largest folder the child reads into memory: a submission's folder, not a data set.
MAX_SOURCE_FILES = 400
MAX_SOURCE_BYTES = 8 << 20
MAX_DEPTH = 4

_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+([\w., \t()]+)|import[ \t]+([\w., \t]+))", re.M)
_NUMPY_ATTRIBUTE = re.compile(r"\b(?:np|numpy)\.([a-z_]+)")


def beneath(path: str, root: str) -> bool:
    """Whether ``path``, symbolic links resolved, lies beneath the real folder ``root`` (or is it)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip("/") + "/")


def _walk_py(root: str, depth: int = 0, suffixes: tuple[str, ...] = (".py",), top: str = "") -> Iterable[str]:
    """The files under ``root`` with these suffixes that an import could reach (package-like folders only).

    A symbolic link is followed only where it stays beneath the top folder: this runs with the
    grader's privileges, so a link to ``..``, to another student's folder or to the instructor's
    solution would otherwise be read (as root) and served to the submission.
    """
    top = top or os.path.realpath(root)
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_symlink() and not beneath(entry.path, top):
            continue
        if entry.is_file(follow_symlinks=True) and entry.name.endswith(suffixes):
            yield entry.path
        elif entry.is_dir(follow_symlinks=True) and entry.name.isidentifier() and depth < MAX_DEPTH:
            yield from _walk_py(entry.path, depth + 1, suffixes, top)


def read_sources(root: str, extra: Sequence[str] = ()) -> dict[str, bytes]:
    """The bytes of every importable .py file under ``root`` (bounded), keyed by real path."""
    sources: dict[str, bytes] = {}
    total = 0
    for path in [*extra, *_walk_py(root)]:
        if len(sources) >= MAX_SOURCE_FILES or path in sources or not beneath(path, root):
            continue
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            continue
        if total + len(data) > MAX_SOURCE_BYTES:
            continue
        total += len(data)
        sources[os.path.realpath(path)] = data
    return sources


def find_extensions(root: str) -> dict[str, str]:
    """Compiled extension modules under ``root``, as {folder/module name: file}.  They are never
    read here: the finder hands them to the ordinary loader, whose import the audit hook refuses
    with its own message (and Landlock, beneath it, would refuse to open)."""
    found: dict[str, str] = {}
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for path in _walk_py(root, suffixes=suffixes):
        if len(found) >= MAX_SOURCE_FILES:
            break
        real = os.path.realpath(path)
        name = os.path.basename(real)
        suffix = next(x for x in suffixes if name.endswith(x))
        found.setdefault(f"{os.path.dirname(real)}/{name[: -len(suffix)]}", real)
    return found


class _SourceLoader(importlib.abc.SourceLoader):
    """Loads one module from a text read earlier; no bytecode is read or written."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path, self.data = path, data

    def get_filename(self, fullname: str) -> str:
        return self.path

    def get_data(self, path: str) -> bytes:
        if path != self.path:
            raise OSError(f"{path} was not read before the sandbox was locked")
        return self.data

    def exec_module(self, module: Any) -> None:
        # Tracebacks read the lines from linecache; the file itself is no longer readable.
        text = importlib.util.decode_source(self.data)
        linecache.cache[self.path] = (len(text), None, text.splitlines(keepends=True), self.path)
        super().exec_module(module)


class SourcesFinder(importlib.abc.MetaPathFinder):
    """Finds modules among texts read into memory, as a path entry ``root`` would find them on disk."""

    def __init__(self, root: str, sources: dict[str, bytes], extensions: dict[str, str] | None = None) -> None:
        self.root, self.sources, self.extensions = os.path.realpath(root), sources, extensions or {}
        self.dirs = {os.path.dirname(p) for p in [*sources, *self.extensions]}
        for p in list(self.dirs):  # a package's ancestors are folders too, even without .py files
            while p.startswith(self.root + "/"):
                p = os.path.dirname(p)
                self.dirs.add(p)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        parents = [self.root] if path is None else [os.path.realpath(str(p)) for p in path]
        leaf = fullname.rpartition(".")[2]
        for parent in parents:
            if parent not in self.dirs:
                continue
            folder = f"{parent}/{leaf}"
            init = f"{folder}/__init__.py"
            if init in self.sources:
                return self._spec(fullname, init, [folder])
            module = f"{folder}.py"
            if module in self.sources:
                return self._spec(fullname, module, None)
            if folder in self.extensions:
                file = self.extensions[folder]
                return importlib.util.spec_from_file_location(
                    fullname, file, loader=importlib.machinery.ExtensionFileLoader(fullname, file)
                )
            if folder in self.dirs:  # a folder without __init__.py: a namespace package
                spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
                spec.submodule_search_locations = [folder]
                return spec
        return None

    def spec_for_file(self, name: str, path: str) -> importlib.machinery.ModuleSpec | None:
        """The spec of the submission's own file, imported as ``name``; None if it was not read."""
        real = os.path.realpath(path)
        return self._spec(name, real, None) if real in self.sources else None

    def _spec(self, fullname: str, path: str, locations: list[str] | None) -> importlib.machinery.ModuleSpec:
        spec = importlib.machinery.ModuleSpec(
            fullname, _SourceLoader(path, self.sources[path]), origin=path, is_package=locations is not None
        )
        spec.has_location = True
        if locations is not None:
            spec.submodule_search_locations = locations
        return spec


class UnavailableFinder(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: nothing else could serve the import, so say why."""

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> None:
        if path is None:  # a top-level name; a missing submodule keeps Python's own message
            raise ModuleNotFoundError(MSG_UNAVAILABLE.format(name=fullname), name=fullname)


def named_modules(texts: Iterable[bytes]) -> set[str]:
    """Dotted module names the texts import (``import a.b``, ``from a.b import c``), and numpy
    submodules they reach as ``np.<name>``; a cheap scan, not a parse (Python 2 files included)."""
    names: set[str] = set()
    for data in texts:
        text = data.decode("utf-8", "replace")
        for source, imported, plain in _IMPORT_LINE.findall(text):
            if source:
                names.add(source)
                names.update(f"{source}.{n.strip()}" for n in imported.strip("() \t").split(",") if n.strip())
            else:
                names.update(part.split()[0] for part in plain.split(",") if part.split())
        names.update(f"numpy.{attr}" for attr in _NUMPY_ATTRIBUTE.findall(text) if attr in NUMPY_SUBMODULES)
    return names


def imported_by(texts: Sequence[bytes], sources: dict[str, bytes], root: str) -> set[str]:
    """:func:`named_modules` of ``texts`` and of those ``sources`` (files beneath ``root``) that
    they, or sources found so, import: what a submission may import, without the rest of a folder."""
    names = named_modules(texts)
    root = os.path.realpath(root)
    by_top: dict[str, list[bytes]] = {}
    for path, data in sources.items():
        top = os.path.relpath(path, root).split(os.sep)[0].removesuffix(".py")
        by_top.setdefault(top, []).append(data)
    seen: set[str] = set()
    while True:
        new = {n.partition(".")[0] for n in names} & set(by_top) - seen
        if not new:
            return names
        seen |= new
        names |= named_modules([data for top in new for data in by_top[top]])


def _safe(name: str, allowed: frozenset[str]) -> bool:
    top, _, rest = name.partition(".")
    if top in allowed:  # the instructor allowed it (--allow-import), so it is trusted like numpy
        return True
    if top == "numpy":
        return not rest or rest.partition(".")[0] in NUMPY_SUBMODULES
    if top == "scipy":
        return True
    return top in sys.stdlib_module_names and top not in UNSAFE_STDLIB


def preimport(names: Iterable[str], forbidden: Iterable[str] = (), allowed: frozenset[str] = frozenset()) -> list[str]:
    """Import the base modules and those of ``names`` that are safe to import here; returns the
    names imported.  ``forbidden`` top-level names are never imported (their import must stay an
    audited event), whatever the lists say."""
    refused = set(forbidden)
    done = []
    wanted = {*BASE_MODULES, *(n for n in names if _safe(n, allowed))}
    wanted.update(c for n in list(wanted) for c in COMPANIONS.get(n, ()))
    for name in sorted(wanted):
        if name.partition(".")[0] in refused or any(name == r or name.startswith(r + ".") for r in refused):
            continue
        # A name may not be a module at all (``from numpy import array``) or not be installed:
        # the submission then meets the same error at its own import, where it belongs.
        with contextlib.suppress(Exception):
            if name in sys.modules or importlib.util.find_spec(name.partition(".")[0]) is not None:
                importlib.import_module(name)
                done.append(name)
    return done
