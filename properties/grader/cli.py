"""The ``cegrad`` command line: one entry point, one sub-command per job."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: cegrad {grade,derive,grade-all,gradescope-bundle} ...

  grade PATH          grade a student's word2vec.py against the laws of dCE/dU
  derive              execute the seed derivation (eqs. 1-24) step by step, with its errata
  grade-all DIR       grade a whole class
  gradescope-bundle   write a ready Gradescope autograder

Run 'cegrad COMMAND --help' for the options of one command."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "derive":
        from properties.derive import main as derive_main

        return derive_main(rest)
    print(f"cegrad: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
