"""The ``cegrad`` command line: one entry point, one sub-command per job.

Exit status of ``grade``: 0 every graded law holds; 1 at least one fails (a timeout, crash or
tampering is a failure); 2 nothing gradable was found, or the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from properties import profiles
from properties.grader.conventions import AUTO, CONVENTIONS, CUSTOM_FUNCTION_CONVENTION, choices_text

USAGE = """usage: cegrad {grade,derive,grade-all,gradescope-bundle} ...

  grade PATH          grade a student's word2vec.py against the laws of dCE/dU
  derive              execute the seed derivation (eqs. 1-24) step by step, with its errata
  grade-all DIR       grade a whole class
  gradescope-bundle   write a ready Gradescope autograder

Run 'cegrad COMMAND --help' for the options of one command."""

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
EXIT_PASSED, EXIT_FAILED, EXIT_NOT_GRADABLE = 0, 1, 2
FORMATS = ("text", "json", "gradescope")
DEFAULT_GRADESCOPE_OUTPUT = Path("results") / "results.json"

HELP_CONVENTION = f"calling convention: {AUTO} (default: chosen by the function names in the file), " \
                  f"{choices_text()}"
HELP_FUNCTION = f"name of the function to grade ({CUSTOM_FUNCTION_CONVENTION} convention; " \
                f"default {CONVENTIONS[CUSTOM_FUNCTION_CONVENTION].function_name})"
HELP_EXAMPLE = "grade a bundled example submission instead of PATH: {names}"
HELP_ALLOW = "let the submission import MODULE (autograd, jax, torch, tensorflow and cegrad's own " \
             "packages are refused by default); may be repeated"
MSG_PATH_OR_EXAMPLE = "grade: expected a PATH or --example NAME, got neither"
MSG_NOT_GRADABLE = "cegrad: cannot grade {path}: {reason}"


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.py"))


def _grade_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cegrad grade", description="Grade a word2vec.py against the laws of dCE/dU.")
    parser.add_argument("path", nargs="?", help="the student's .py file, or a folder holding word2vec.py")
    parser.add_argument("--example", choices=example_names(), metavar="NAME",
                        help=HELP_EXAMPLE.format(names=", ".join(example_names())))
    parser.add_argument("--convention", default=AUTO, help=HELP_CONVENTION)
    parser.add_argument("--function", default=None, help=HELP_FUNCTION)
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", type=Path, default=None,
                        help="write the report to FILE (gradescope default: results/results.json)")
    parser.add_argument("--profile", choices=sorted(profiles.GRADING_PROFILES), default="standard",
                        help="how many cases per law (default standard)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed; same file + seed + profile = same report")
    parser.add_argument("--allow-import", action="append", default=[], metavar="MODULE", help=HELP_ALLOW)
    return parser


def grade_main(argv: Sequence[str]) -> int:
    parser = _grade_parser()
    args = parser.parse_args(argv)
    if args.path is None and args.example is None:
        parser.error(MSG_PATH_OR_EXAMPLE)
    path = str(EXAMPLES_DIR / f"{args.example}.py") if args.example else args.path

    from properties.grader import grade, intake, report

    on_terminal = sys.stderr.isatty() and args.format == "text" and args.output is None

    def progress(name: str, result: grade.PropertyResult | None) -> None:
        if result is None:
            print(f"  checking {name} ...", end="\r", file=sys.stderr, flush=True)
        else:
            print(report.status_line(result, colour=True) + " " * 10, file=sys.stderr, flush=True)

    try:
        outcome = grade.grade(path, convention=args.convention, function=args.function, profile=args.profile,
                              seed=args.seed, allow_imports=tuple(args.allow_import),
                              progress=progress if on_terminal else None)
    except intake.NotGradable as reason:
        print(MSG_NOT_GRADABLE.format(path=path, reason=reason), file=sys.stderr)
        return EXIT_NOT_GRADABLE
    except ValueError as error:  # a bad --convention, named by the message
        print(f"cegrad grade: {error}", file=sys.stderr)
        return EXIT_NOT_GRADABLE
    if on_terminal:
        print(file=sys.stderr)
    if args.format == "gradescope":
        destination = args.output or DEFAULT_GRADESCOPE_OUTPUT
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(json.dumps(report.gradescope(outcome), indent=2, ensure_ascii=False) + "\n")
        print(report.text(outcome).splitlines()[-1] if not outcome.your_output else
              f"Score: {outcome.score:g}/{outcome.max_score:g}", file=sys.stderr)
    else:
        rendered = report.as_json(outcome) + "\n" if args.format == "json" else report.text(
            outcome, colour=sys.stdout.isatty() and args.output is None)
        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(rendered)
        else:
            sys.stdout.write(rendered)
    return EXIT_PASSED if outcome.passed else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else EXIT_NOT_GRADABLE
    command, rest = args[0], args[1:]
    if command == "grade":
        return grade_main(rest)
    if command == "derive":
        from properties.derive import main as derive_main

        return derive_main(rest)
    if command == "grade-all":
        from properties.grader import batch

        return batch.main(rest)
    if command == "gradescope-bundle":
        from properties.grader import bundle

        return bundle.main(rest)
    print(f"cegrad: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return EXIT_NOT_GRADABLE


if __name__ == "__main__":
    sys.exit(main())
