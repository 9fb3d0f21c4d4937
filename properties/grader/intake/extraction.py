"""Reading a student's file, choosing its calling convention, and extracting the graded function.

Real submissions are whole ``word2vec.py`` files: they import course helpers, define negative
sampling and skip-gram beside the function we grade, and sometimes cannot be imported at all
(Python 2 syntax elsewhere in the file, a training loop at module level).  This module never runs
the student's code; it only reads text.  :func:`extract_function` cuts the graded function out of
such a file together with what it needs, so the child can run that instead of the whole module.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import json
import re
import tokenize
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from properties.grader.conventions import AUTO, CONVENTIONS, CUSTOM_FUNCTION_CONVENTION, Convention

__all__ = [
    "Extraction",
    "NotGradable",
    "Submission",
    "choose_convention",
    "defined_functions",
    "extract_function",
    "import_obstacles",
    "read_submission",
]

#: The file a directory submission must hold.
SUBMISSION_FILENAME = "word2vec.py"

# User-facing texts, matched by tests/test_grader_source.py.
MSG_MISSING = "{path}: no such file or directory; check the path you passed to `cegrad grade`."
MSG_DIR_WITHOUT_FILE = (
    "{path} is a directory without a word2vec.py; pass the .py file to grade instead ({found})."
)
MSG_NOT_A_FILE = "{path} is not a regular file; pass the .py file that holds your solution."
# A word2vec.py is tens of kilobytes; parsing megabytes of source in the grader's own process (which
# has no resource limits) would cost minutes and gigabytes before any law runs.
MAX_SUBMISSION_BYTES = 1 << 20
MSG_TOO_LARGE = (
    "{path} is {size} bytes, more than the {limit} bytes a submission may have; submit only your source file."
)
MSG_EMPTY = "{path} is empty; submit the word2vec.py that holds your solution."
MSG_NOTEBOOK = (
    "{path} is a Jupyter notebook, which cegrad does not grade; "
    "export it as a .py file (File > Download as > Python) and grade that."
)
MSG_BYTECODE = "{path} is compiled Python bytecode; submit the .py source file instead."
MSG_BINARY = (
    "{path} is not Python source (it holds binary data); submit the .py file, not an archive, PDF or image."
)
MSG_UNDECODABLE = (
    "{path} is not readable as Python source ({error}); save it as UTF-8 text and submit it again."
)
MSG_NOT_PYTHON = (
    "{path} does not look like Python source (no function definitions found); "
    "submit the .py file that holds your solution."
)
MSG_BAD_CONVENTION = "--convention: expected one of {valid}, got {got!r}"
MSG_FUNCTION_ABSENT = (
    "{path}: convention {convention!r} looks for a top-level function {wanted}, "
    "but the file defines {defined}{suggestion}; rename your function or pass --convention/--function."
)
MSG_NO_CONVENTION = (
    "{path}: no function of a known convention was found (looked for {wanted}); "
    "the file defines {defined}{suggestion}; pass --convention and --function to say which to grade."
)
MSG_SUGGESTION = " (did you mean {name!r}?)"
MSG_TARGET_NOT_PY3 = (
    "{name} is not valid Python 3 ({error} at line {line}), even after rewriting Python 2 print "
    "and except statements; port the function to Python 3 and submit it again."
)
MSG_HELPER_NOT_PY3 = (
    "{name}, which {target} uses, is not valid Python 3 ({error} at line {line}); "
    "port it to Python 3 and submit it again."
)
MSG_TARGET_ABSENT = "no top-level function {name!r} to extract; the file defines {defined}."
SOURCE_LINE_COMMENT = "# (from line {line} of the submitted file)"
NOTE_EXTRACTED = "graded by extraction: the module could not be imported ({reason})"
NOTE_KEPT = "kept {what}: {names}"
NOTE_REWROTE = "rewrote Python 2 syntax in {name}: {changes}"
NOTE_COMPAT = "supplied Python 2 names: {names}"
NOTE_UNRESOLVED = "names {target} uses that are not defined at top level: {names}"

_NOTEBOOK_SUFFIXES = {".ipynb"}
_BYTECODE_SUFFIXES = {".pyc", ".pyo"}
# NUL never occurs in Python source; it marks archives, PDFs, images and bytecode.
_BINARY_MARKER = b"\x00"


class NotGradable(Exception):
    """Nothing gradable can be found; the message says why and what to do (exit status 2)."""


@dataclass(frozen=True)
class Submission:
    """A student's source file: its path, the folder its imports resolve against, and its text."""

    path: Path
    folder: Path
    text: str


def read_submission(path: str | Path) -> Submission:
    """Read the file to grade; a directory means its ``word2vec.py``.  Raise NotGradable if none."""
    p = Path(path)
    if not p.exists():
        raise NotGradable(MSG_MISSING.format(path=p))
    if p.is_dir():
        candidate = p / SUBMISSION_FILENAME
        if not candidate.is_file() and (p / SUBMISSION_FILENAME).with_suffix(".ipynb").is_file():
            raise NotGradable(MSG_NOTEBOOK.format(path=candidate.with_suffix(".ipynb")))
        if not candidate.is_file():
            found = sorted(q.name for q in p.glob("*.py"))
            listing = "it holds " + ", ".join(found) if found else "it holds no .py files"
            raise NotGradable(MSG_DIR_WITHOUT_FILE.format(path=p, found=listing))
        p = candidate
    if not p.is_file():
        raise NotGradable(MSG_NOT_A_FILE.format(path=p))
    suffix = p.suffix.lower()
    if suffix in _NOTEBOOK_SUFFIXES or _looks_like_notebook(p):
        raise NotGradable(MSG_NOTEBOOK.format(path=p))
    if suffix in _BYTECODE_SUFFIXES:
        raise NotGradable(MSG_BYTECODE.format(path=p))
    if p.stat().st_size > MAX_SUBMISSION_BYTES:
        raise NotGradable(MSG_TOO_LARGE.format(path=p, size=p.stat().st_size, limit=MAX_SUBMISSION_BYTES))
    data = p.read_bytes()
    if not data.strip():
        raise NotGradable(MSG_EMPTY.format(path=p))
    if _BINARY_MARKER in data:
        raise NotGradable(MSG_BINARY.format(path=p))
    text = _decode(p, data)
    if suffix != ".py" and not defined_functions(text):
        raise NotGradable(MSG_NOT_PYTHON.format(path=p))
    return Submission(path=p.resolve(), folder=p.resolve().parent, text=text)


def _looks_like_notebook(p: Path) -> bool:
    """A notebook saved under another name: JSON with a top-level "cells" list."""
    try:
        head = p.read_bytes()[:1]
        if head != b"{":
            return False
        return isinstance(json.loads(p.read_bytes()).get("cells"), list)
    except (ValueError, AttributeError, OSError):
        return False


def _decode(p: Path, data: bytes) -> str:
    """Decode as Python does: a BOM or a PEP 263 coding line, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NotGradable(MSG_UNDECODABLE.format(path=p, error=reason)) from error


# --------------------------------------------------------------------------- conventions


_DEF_LINE = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def _parse(text: str) -> ast.Module:
    """ast.parse, silencing the warnings students' files raise at compile time (a docstring's
    "\\hat{v}" is an invalid escape) so they cannot become errors under -W error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(text)


def defined_functions(text: str) -> list[str]:
    """Names of the top-level functions the file defines, in order (by AST, or by lines for Python 2)."""
    try:
        tree = _parse(text)
    except SyntaxError:
        # Python 2 files do not parse; a top-level def starts at column 0 in any Python.
        return list(dict.fromkeys(_DEF_LINE.findall(text)))
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    return list(dict.fromkeys(names))


def choose_convention(sub: Submission, convention: str = AUTO, function: str | None = None) -> Convention:
    """The convention to grade ``sub`` under; ``function`` renames the function looked for."""
    if convention != AUTO and convention not in CONVENTIONS:
        valid = ", ".join([AUTO, *CONVENTIONS])
        raise ValueError(MSG_BAD_CONVENTION.format(valid=valid, got=convention))
    defined = defined_functions(sub.text)
    if convention == AUTO:
        if function is not None:
            by_name = [c for c in CONVENTIONS.values() if c.function_name == function]
            spec = by_name[0] if by_name else CONVENTIONS[CUSTOM_FUNCTION_CONVENTION].renamed(function)
            return _require(sub, spec, defined)
        for spec in CONVENTIONS.values():
            if spec.function_name in defined:
                return spec
        wanted = [spec.function_name for spec in CONVENTIONS.values()]
        raise NotGradable(
            MSG_NO_CONVENTION.format(
                path=sub.path.name,
                wanted=" or ".join(wanted),
                defined=_describe(defined),
                suggestion=_suggest(wanted, defined),
            )
        )
    spec = CONVENTIONS[convention]
    if function is not None:
        spec = spec.renamed(function)
    return _require(sub, spec, defined)


def _require(sub: Submission, spec: Convention, defined: list[str]) -> Convention:
    if spec.function_name in defined:
        return spec
    raise NotGradable(
        MSG_FUNCTION_ABSENT.format(
            path=sub.path.name,
            convention=spec.name,
            wanted=spec.function_name,
            defined=_describe(defined),
            suggestion=_suggest([spec.function_name], defined),
        )
    )


def _describe(defined: list[str]) -> str:
    return ", ".join(defined) if defined else "no top-level functions"


def _suggest(wanted: list[str], defined: list[str]) -> str:
    # Compare case-insensitively so naiveSoftmaxLossAndGradients and naivesoftmax... both match.
    lowered = {name.lower(): name for name in defined}
    best: tuple[float, str] | None = None
    for target in wanted:
        for match in difflib.get_close_matches(target.lower(), list(lowered), n=1, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, target.lower(), match).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, lowered[match])
    return MSG_SUGGESTION.format(name=best[1]) if best else ""


# --------------------------------------------------------------------------- import obstacles

# Module-level calls cheap and harmless enough to run at import (seeding, plotting backends,
# path set-up); anything else at module level (a training loop, run(), sleep) is an obstacle.
_CHEAP_CALL_ROOTS = {"np", "numpy", "math", "random", "matplotlib", "warnings", "sys", "os", "print"}
_CHEAP_BUILTINS = {
    "float",
    "int",
    "bool",
    "str",
    "tuple",
    "frozenset",
    "set",
    "list",
    "dict",
    "range",
    "len",
    "print",
}


def import_obstacles(text: str) -> list[str]:
    """Why importing the whole file may fail or hang: a SyntaxError, module-level loops or calls.

    An empty list means the module can be imported as a whole; otherwise the grader extracts.
    """
    try:
        tree = _parse(text)
    except SyntaxError as error:
        return [f"SyntaxError at line {error.lineno}: {error.msg}"]
    obstacles = []
    for node in tree.body:
        if _is_main_guard(node):
            continue
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            obstacles.append(f"a module-level loop at line {node.lineno}")
        elif isinstance(node, ast.With | ast.AsyncWith):
            obstacles.append(f"a module-level with block at line {node.lineno}")
        elif isinstance(node, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign):
            for call in _calls(node):
                if not _cheap_call(call):
                    obstacles.append(f"a module-level call {ast.unparse(call.func)}() at line {call.lineno}")
                    break
    return obstacles


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _root_name(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Attribute | ast.Call | ast.Subscript):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _cheap_call(call: ast.Call) -> bool:
    if isinstance(call.func, ast.Name):
        return call.func.id in _CHEAP_BUILTINS
    return _root_name(call.func) in _CHEAP_CALL_ROOTS


# Calls allowed on the right side of a kept module-level constant: scalar constructors and
# constants of numpy and math.  np.random.randn(10**5, 10**5) is numpy too, so numpy calls are
# allowed by their final attribute only.
_CONSTANT_NUMPY_CALLS = {
    "float16",
    "float32",
    "float64",
    "float_",
    "longdouble",
    "int32",
    "int64",
    "array",
    "asarray",
    "finfo",
    "iinfo",
    "log",
    "exp",
    "sqrt",
    "spacing",
    "nextafter",
    "dtype",
}
_CONSTANT_BUILTIN_CALLS = {"float", "int", "bool", "str", "tuple", "frozenset"}


def _cheap_constant(value: ast.expr) -> bool:
    for call in _calls(value):
        func = call.func
        if isinstance(func, ast.Name):
            if func.id not in _CONSTANT_BUILTIN_CALLS:
                return False
        elif isinstance(func, ast.Attribute):
            root = _root_name(func)
            if root == "math":
                continue
            if root not in {"np", "numpy"} or func.attr not in _CONSTANT_NUMPY_CALLS:
                return False
        else:
            return False
    return True


# --------------------------------------------------------------------------- blocks


@dataclass
class _Block:
    """One top-level statement of the file with everything indented under it."""

    first_line: int  # 1-based
    lines: list[str] = field(default_factory=list)
    awaiting_def: bool = False  # a decorator line seen, its def/class not yet

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def head(self) -> str:
        for line in self.lines:
            if line.strip() and not line.lstrip().startswith(("#", "@")):
                return line.strip()
        return ""


# Clauses at column 0 that continue the compound statement above them.
_CLAUSE = re.compile(r"(else|elif|except|finally)\b")
_DEF_OR_CLASS = re.compile(r"(async\s+def|def|class)\b")


def _scan(line: str, in_string: str | None, depth: int) -> tuple[str | None, int, bool, int]:
    """Lex one physical line: the open string delimiter and bracket depth after it, whether a
    backslash continues it, and where its comment starts (len(line) if none)."""
    i, n = 0, len(line)
    comment_at = n
    while i < n:
        c = line[i]
        if in_string is not None:
            if c == "\\":
                i += 2
                continue
            if line.startswith(in_string, i):
                i += len(in_string)
                in_string = None
                continue
            i += 1
            continue
        if c == "#":
            comment_at = i
            break
        if c in "'\"":
            in_string = c * 3 if line.startswith(c * 3, i) else c
            i += len(in_string)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        i += 1
    body = line[:comment_at].rstrip("\r\n")
    if in_string in ("'", '"') and not body.endswith("\\"):
        in_string = None  # an unterminated one-line string: recover at the next line
    continued = in_string is None and comment_at == n and body.rstrip(" \t").endswith("\\")
    return in_string, depth, continued, comment_at


def _split_blocks(text: str) -> list[_Block]:
    """Split the file into top-level blocks by indentation, robust to decorators, comments,
    multi-line strings, brackets and backslash continuations, without parsing it."""
    blocks: list[_Block] = []
    current: _Block | None = None
    in_string: str | None = None
    depth = 0
    continued = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        statement_start = in_string is None and depth == 0 and not continued
        stripped = line.strip()
        starts_block = (
            statement_start and bool(stripped) and not stripped.startswith("#") and not line[0].isspace()
        )
        if starts_block and current is not None and (current.awaiting_def or _CLAUSE.match(line)):
            starts_block = False  # a decorated def, or else/except/finally of the block above
        if starts_block or current is None:
            current = _Block(first_line=number)
            blocks.append(current)
        current.lines.append(line)
        if statement_start and stripped.startswith("@") and not line[0].isspace():
            current.awaiting_def = True
        elif statement_start and _DEF_OR_CLASS.match(stripped):
            current.awaiting_def = False
        in_string, depth, continued, _ = _scan(line, in_string, depth)
    return blocks


# --------------------------------------------------------------------------- Python 2 rewrites

_PRINT_STMT = re.compile(r"^(?P<indent>[ \t]*)print(?P<rest>(?:[ \t]+[^\s=(.,;)\]].*)?)$")
_PRINT_TO = re.compile(r"^>>\s*(?P<file>[^,]+),\s*(?P<args>.*)$")
_EXCEPT_COMMA = re.compile(
    r"^(?P<indent>[ \t]*)except[ \t]+(?P<exc>\([^)]*\)|[\w.]+)[ \t]*,[ \t]*(?P<name>[A-Za-z_]\w*)[ \t]*:"
)
_RAISE_COMMA = re.compile(r"^(?P<indent>[ \t]*)raise[ \t]+(?P<exc>[\w.]+)[ \t]*,[ \t]*(?P<arg>.+)$")
_BACKTICKS = re.compile(r"`([^`\n]+)`")


def _rewrite_python2(block_text: str) -> tuple[str, list[str]]:
    """Rewrite the Python 2 statements that have one safe Python 3 spelling; return what changed."""
    out: list[str] = []
    changes: list[str] = []
    in_string: str | None = None
    depth = 0
    continued = False
    for line in block_text.splitlines(keepends=True):
        statement_start = in_string is None and depth == 0 and not continued
        new_state = _scan(line, in_string, depth)
        if statement_start and not continued:
            rewritten, what = _rewrite_line(line, comment_at=new_state[3])
            if what:
                changes.append(what)
                line = rewritten
        out.append(line)
        in_string, depth, continued, _ = new_state
    return "".join(out), changes


def _rewrite_line(line: str, comment_at: int) -> tuple[str, str | None]:
    newline = line[len(line.rstrip("\r\n")) :]
    code = line[:comment_at].rstrip("\r\n").rstrip()
    comment = line[comment_at:].rstrip("\r\n")
    suffix = ("  " + comment if comment else "") + newline
    if match := _PRINT_STMT.match(code):
        indent, args = match["indent"], match["rest"].strip()
        extra = ""
        if to := _PRINT_TO.match(args):
            args, extra = to["args"].strip(), f"file={to['file'].strip()}"
        if args.endswith(","):
            args = args[:-1].rstrip()
            extra = ", ".join(filter(None, ['end=" "', extra]))
        inner = ", ".join(filter(None, [args, extra]))
        return f"{indent}print({inner}){suffix}", "print statement"
    if match := _EXCEPT_COMMA.match(code):
        rest = code[match.end() :]
        return (
            f"{match['indent']}except {match['exc']} as {match['name']}:{rest}{suffix}",
            "except E, e",
        )
    if match := _RAISE_COMMA.match(code):
        return f"{match['indent']}raise {match['exc']}({match['arg']}){suffix}", "raise E, msg"
    if _BACKTICKS.search(code):
        return _BACKTICKS.sub(r"repr(\1)", code) + suffix, "backticks"
    return line, None


# --------------------------------------------------------------------------- extraction

# Python 2 builtins a function may use, with their Python 3 spelling.
_COMPAT = {
    "xrange": "xrange = range",
    "reduce": "from functools import reduce",
    "unicode": "unicode = str",
    "basestring": "basestring = str",
    "long": "long = int",
    "raw_input": "raw_input = input",
}
_BUILTINS = set(dir(builtins))


@dataclass(frozen=True)
class Extraction:
    """The graded function cut out of its file, with what it needs, as Python 3 source."""

    source: str
    helpers: list[str]
    constants: list[str]
    notes: list[str]


@dataclass
class _Parsed:
    block: _Block
    tree: ast.Module | None
    error: SyntaxError | None
    changes: list[str]

    @property
    def node(self) -> ast.stmt | None:
        return self.tree.body[0] if self.tree is not None and self.tree.body else None


def _parse_block(block: _Block) -> _Parsed:
    try:
        return _Parsed(block, _parse(block.text), None, [])
    except SyntaxError as error:
        rewritten, changes = _rewrite_python2(block.text)
        try:
            tree = _parse(rewritten)
        except SyntaxError:
            return _Parsed(block, None, error, [])
        kept = _Block(first_line=block.first_line, lines=rewritten.splitlines(keepends=True))
        return _Parsed(kept, tree, None, changes)


def _bound_names(node: ast.stmt) -> tuple[set[str], str]:
    """Names a top-level statement binds and whether it is safe to keep: 'function', 'class',
    'import', 'constant', or 'unsafe' (loops, calls that do work, main guards)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {node.name}, "function"
    if isinstance(node, ast.ClassDef):
        return {node.name}, "class"
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}, "import"
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        simple = all(isinstance(t, ast.Name | ast.Tuple) for t in targets)
        if simple and node.value is not None and _cheap_constant(node.value):
            return names, "constant"
        return names, "unsafe"
    if isinstance(node, ast.Try) and all(
        isinstance(s, ast.Import | ast.ImportFrom | ast.Assign | ast.Pass)
        for s in [*node.body, *(s for h in node.handlers for s in h.body)]
    ):
        # try: import X / except ImportError: X = None -- a guarded import.
        names = set()
        for s in [*node.body, *(s for h in node.handlers for s in h.body)]:
            names |= _bound_names(s)[0]
        return names, "import"
    return set(), "unsafe"


def _free_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement reads that it does not bind itself."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        outer: set[str] = set()
        for expr in [*node.decorator_list, *_defaults(node)]:
            outer |= {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
        loads: set[str] = set()
        stores: set[str] = set()
        declared_global: set[str] = set()
        for body_stmt in node.body:
            for n in ast.walk(body_stmt):
                if isinstance(n, ast.Name):
                    (loads if isinstance(n.ctx, ast.Load) else stores).add(n.id)
                elif isinstance(n, ast.Global):
                    declared_global.update(n.names)
                elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    stores.add(n.name)
                elif isinstance(n, ast.arg):
                    stores.add(n.arg)
                elif isinstance(n, ast.alias):
                    stores.add((n.asname or n.name).split(".")[0])
        params = (
            {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            if not isinstance(node, ast.ClassDef)
            else set()
        )
        return outer | (loads - ((stores | params) - declared_global))
    if isinstance(node, ast.Import | ast.ImportFrom):
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _defaults(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[ast.expr]:
    if isinstance(node, ast.ClassDef):
        return [*node.bases, *(k.value for k in node.keywords)]
    return [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]


def _trim_import(node: ast.Import | ast.ImportFrom, needed: set[str]) -> str:
    """The import statement reduced to the names that are needed."""
    aliases = [a for a in node.names if (a.asname or a.name).split(".")[0] in needed]
    trimmed = (
        ast.ImportFrom(module=node.module, names=aliases, level=node.level)
        if isinstance(node, ast.ImportFrom)
        else ast.Import(names=aliases)
    )
    return ast.unparse(trimmed)


def extract_function(text: str, function_name: str, reason: str | None = None) -> Extraction:
    """Cut ``function_name`` out of ``text`` with the same-file functions it calls (transitively),
    the simple module-level constants and the imports it reads, as source that parses under
    Python 3.  ``reason`` says why the whole module could not be imported (for the notes).
    """
    blocks = [_parse_block(b) for b in _split_blocks(text)]
    targets = [
        p
        for p in blocks
        if (
            p.node is not None
            and isinstance(p.node, ast.FunctionDef | ast.AsyncFunctionDef)
            and p.node.name == function_name
        )
        or (p.node is None and re.match(rf"(async\s+)?def\s+{re.escape(function_name)}\s*\(", p.block.head))
    ]
    if not targets:
        defined = _describe(defined_functions(text))
        raise NotGradable(MSG_TARGET_ABSENT.format(name=function_name, defined=defined))
    target = targets[-1]  # Python keeps the last definition of a name
    if target.tree is None:
        error = target.error
        assert error is not None  # a block without a tree failed to parse
        raise NotGradable(
            MSG_TARGET_NOT_PY3.format(
                name=function_name,
                error=error.msg,
                line=target.block.first_line + (error.lineno or 1) - 1,
            )
        )

    # Which safe block provides each name (the last one wins, as at import).
    providers: dict[str, tuple[_Parsed, str]] = {}
    unparsed_defs: dict[str, _Parsed] = {}
    for parsed in blocks:
        node = parsed.node
        if node is None:
            if m := re.match(r"(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", parsed.block.head):
                unparsed_defs[m[1]] = parsed
            continue
        names, kind = _bound_names(node)
        for name in names:
            if kind != "unsafe":
                providers[name] = (parsed, kind)
    star_imports = [
        p for p in blocks if isinstance(p.node, ast.ImportFrom) and any(a.name == "*" for a in p.node.names)
    ]

    kept: dict[int, _Parsed] = {id(target): target}
    import_names: dict[int, set[str]] = {}
    helpers: list[str] = []
    constants: list[str] = []
    unresolved: set[str] = set()
    assert target.node is not None
    pending = sorted(_free_names(target.node))
    seen: set[str] = {function_name}
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in providers:
            parsed, kind = providers[name]
            assert parsed.node is not None
            if kind == "import":
                import_names.setdefault(id(parsed), set()).add(name)
            elif kind in ("function", "class"):
                helpers.append(name)
            else:
                constants.append(name)
            if id(parsed) not in kept:
                kept[id(parsed)] = parsed
                pending.extend(sorted(_free_names(parsed.node) - seen))
        elif name in unparsed_defs:
            parsed = unparsed_defs[name]
            error = parsed.error
            assert error is not None
            raise NotGradable(
                MSG_HELPER_NOT_PY3.format(
                    name=name,
                    target=function_name,
                    error=error.msg,
                    line=parsed.block.first_line + (error.lineno or 1) - 1,
                )
            )
        elif name not in _BUILTINS:
            unresolved.add(name)

    compat = sorted(name for name in unresolved if name in _COMPAT)
    unresolved -= set(compat)
    if unresolved:
        for parsed in star_imports:
            kept[id(parsed)] = parsed

    header = [_COMPAT[name] for name in compat]
    bodies = []
    for parsed in blocks:
        if id(parsed) not in kept:
            continue
        node = parsed.node
        if isinstance(node, ast.Import | ast.ImportFrom):
            kept_names = import_names.get(id(parsed))
            header.append(_trim_import(node, kept_names) if kept_names else parsed.block.text.rstrip())
        else:
            # Say where each block came from: tracebacks count lines of the extracted source.
            origin = SOURCE_LINE_COMMENT.format(line=parsed.block.first_line)
            bodies.append(f"{origin}\n{parsed.block.text.rstrip()}")
    source = "\n".join(header) + "\n\n\n" + "\n\n\n".join(bodies) + "\n"
    _parse(source)  # every kept block parsed on its own; together they must too

    notes = [NOTE_EXTRACTED.format(reason=reason or _import_reason(text))]
    if helpers:
        notes.append(NOTE_KEPT.format(what="helpers", names=", ".join(helpers)))
    if constants:
        notes.append(NOTE_KEPT.format(what="constants", names=", ".join(constants)))
    imported = sorted({n for names in import_names.values() for n in names})
    if imported:
        notes.append(NOTE_KEPT.format(what="imports", names=", ".join(imported)))
    for parsed in blocks:
        if id(parsed) in kept and parsed.changes and parsed.node is not None:
            name = getattr(parsed.node, "name", f"line {parsed.block.first_line}")
            notes.append(NOTE_REWROTE.format(name=name, changes=", ".join(dict.fromkeys(parsed.changes))))
    if compat:
        notes.append(NOTE_COMPAT.format(names=", ".join(compat)))
    if unresolved:
        notes.append(NOTE_UNRESOLVED.format(target=function_name, names=", ".join(sorted(unresolved))))
    return Extraction(source=source, helpers=helpers, constants=constants, notes=notes)


#: How many import obstacles a note names before summarising the rest.
_OBSTACLES_SHOWN = 2


def _import_reason(text: str) -> str:
    obstacles = import_obstacles(text)
    if not obstacles:
        return "importing it failed"
    shown = "; ".join(obstacles[:_OBSTACLES_SHOWN])
    more = len(obstacles) - _OBSTACLES_SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown
