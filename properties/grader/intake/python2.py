"""Rewriting Python 2 statements that have one safe Python 3 spelling (print, except E, e, raise E, msg, backticks).

Applied only to a block of the submission that does not parse as it is, and said in the report.
"""

from __future__ import annotations

import re

from properties.grader.intake.lexing import scan

_PRINT_STMT = re.compile(r"^(?P<indent>[ \t]*)print(?P<rest>(?:[ \t]+[^\s=(.,;)\]].*)?)$")
_PRINT_TO = re.compile(r"^>>\s*(?P<file>[^,]+),\s*(?P<args>.*)$")
_EXCEPT_COMMA = re.compile(
    r"^(?P<indent>[ \t]*)except[ \t]+(?P<exc>\([^)]*\)|[\w.]+)[ \t]*,[ \t]*(?P<name>[A-Za-z_]\w*)[ \t]*:"
)
_RAISE_COMMA = re.compile(r"^(?P<indent>[ \t]*)raise[ \t]+(?P<exc>[\w.]+)[ \t]*,[ \t]*(?P<arg>.+)$")
_BACKTICKS = re.compile(r"`([^`\n]+)`")


def rewrite_python2(block_text: str) -> tuple[str, list[str]]:
    """Rewrite the Python 2 statements that have one safe Python 3 spelling; return what changed."""
    out: list[str] = []
    changes: list[str] = []
    in_string: str | None = None
    depth = 0
    continued = False
    for line in block_text.splitlines(keepends=True):
        statement_start = in_string is None and depth == 0 and not continued
        new_state = scan(line, in_string, depth)
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


# Python 2 builtins a function may use, with their Python 3 spelling.
PYTHON2_NAMES = {
    "xrange": "xrange = range",
    "reduce": "from functools import reduce",
    "unicode": "unicode = str",
    "basestring": "basestring = str",
    "long": "long = int",
    "raw_input": "raw_input = input",
}
