"""Whether the module can be imported whole, and if not, the graded function cut out of it.

Real submissions are whole ``word2vec.py`` files: they import course helpers, define negative
sampling and skip-gram beside the function we grade, and sometimes cannot be imported at all
(Python 2 syntax elsewhere in the file, a training loop at module level).  :func:`import_obstacles`
says why importing may fail or hang; :func:`extract_function` cuts the graded function out of such
a file together with the same-file helpers, constants and imports it needs, as Python 3 source
the child can run instead of the whole module.  Only text is read here, never run.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from properties.grader.intake.choosing import describe_defined
from properties.grader.intake.lexing import Block, defined_functions, parse, split_blocks
from properties.grader.intake.python2 import PYTHON2_NAMES, rewrite_python2
from properties.grader.intake.reading import NotGradable

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
        tree = parse(text)
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



# --------------------------------------------------------------------------- extraction

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
    block: Block
    tree: ast.Module | None
    error: SyntaxError | None
    changes: list[str]

    @property
    def node(self) -> ast.stmt | None:
        return self.tree.body[0] if self.tree is not None and self.tree.body else None


def _parse_block(block: Block) -> _Parsed:
    try:
        return _Parsed(block, parse(block.text), None, [])
    except SyntaxError as error:
        rewritten, changes = rewrite_python2(block.text)
        try:
            tree = parse(rewritten)
        except SyntaxError:
            return _Parsed(block, None, error, [])
        kept = Block(first_line=block.first_line, lines=rewritten.splitlines(keepends=True))
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
    blocks = [_parse_block(b) for b in split_blocks(text)]
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
        defined = describe_defined(defined_functions(text))
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

    compat = sorted(name for name in unresolved if name in PYTHON2_NAMES)
    unresolved -= set(compat)
    if unresolved:
        for parsed in star_imports:
            kept[id(parsed)] = parsed

    header = [PYTHON2_NAMES[name] for name in compat]
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
    parse(source)  # every kept block parsed on its own; together they must too

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
