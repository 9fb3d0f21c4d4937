"""Reading source text without running it: parsing, and top-level blocks even where it does not parse.

A Python 2 file does not parse under Python 3, yet its functions must still be found and cut out;
:func:`split_blocks` splits a file into top-level statements by indentation alone, tracking strings,
brackets and continuations, so each block can be parsed (or rewritten) on its own.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

_DEF_LINE = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


MSG_TOO_DEEP = "the file nests an expression too deeply for Python's parser ({error})"


def parse(text: str) -> ast.Module:
    """ast.parse, silencing the warnings students' files raise at compile time (a docstring's
    "\\hat{v}" is an invalid escape) so they cannot become errors under -W error.

    A file nested beyond the parser's recursion limit (``a.a.a…`` thirty thousand deep) raises
    SyntaxError like any other file that does not parse, so every caller meets one exception type
    and the grader never shows a RecursionError traceback.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return ast.parse(text)
        except (RecursionError, MemoryError) as exc:
            raise SyntaxError(MSG_TOO_DEEP.format(error=exc)) from None


def defined_functions(text: str) -> list[str]:
    """Names of the top-level functions the file defines, in order (by AST, or by lines for Python 2)."""
    try:
        tree = parse(text)
    except SyntaxError:
        # Python 2 files do not parse; a top-level def starts at column 0 in any Python.
        return list(dict.fromkeys(_DEF_LINE.findall(text)))
    return list(dict.fromkeys(name for node in tree.body for name in _bound_names(node)))


def _bound_names(node: ast.stmt) -> list[str]:
    """The module-level names a statement binds to something that may be a function: a def, a name
    assigned anything but a literal (``naiveSoftmaxLossAndGradient = _mine``, a lambda, a partial),
    or a name imported from a module (the submission's folder may hold the function's file)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [node.name]
    if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Constant):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and node.value is not None and not isinstance(node.value, ast.Constant):
        return [node.target.id] if isinstance(node.target, ast.Name) else []
    if isinstance(node, ast.ImportFrom):
        return [alias.asname or alias.name for alias in node.names if alias.name != "*"]
    return []



@dataclass
class Block:
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


def scan(line: str, in_string: str | None, depth: int) -> tuple[str | None, int, bool, int]:
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


def split_blocks(text: str) -> list[Block]:
    """Split the file into top-level blocks by indentation, robust to decorators, comments,
    multi-line strings, brackets and backslash continuations, without parsing it."""
    blocks: list[Block] = []
    current: Block | None = None
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
            current = Block(first_line=number)
            blocks.append(current)
        current.lines.append(line)
        if statement_start and stripped.startswith("@") and not line[0].isspace():
            current.awaiting_def = True
        elif statement_start and _DEF_OR_CLASS.match(stripped):
            current.awaiting_def = False
        in_string, depth, continued, _ = scan(line, in_string, depth)
    return blocks

