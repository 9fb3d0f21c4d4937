"""The ``cegrad`` command line: one argparse parser, one sub-command per job.

Every sub-command is a row of :data:`COMMANDS`: its usage line, what it does, a function adding its
options and one running it.  The sub-commands' jobs live in their own modules (``grade``,
``batch``/``gradebook``, ``bundle``, ``properties.derive``); this module only parses, prints and
chooses the exit status, defined once here for all of them:

0 every graded law holds (every submission passed, every derivation step holds); 1 at least one
fails (a timeout, crash or tampering is a failure); 2 nothing gradable was found, or the command
line is wrong (argparse's own status for a bad option).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from properties import profiles
from properties.grader.conventions import ASSIGNMENT, AUTO, CONVENTIONS, CUSTOM_FUNCTION_CONVENTION, choices_text
from properties.grader.intake.reading import SUBMISSION_FILENAME

EXIT_PASSED, EXIT_FAILED, EXIT_NOT_GRADABLE = 0, 1, 2
#: A wrong command line exits as argparse does, with the status of "nothing gradable".
EXIT_USAGE = EXIT_NOT_GRADABLE
#: A run ended by Ctrl-C (the shell's convention for SIGINT).
EXIT_INTERRUPTED = 130

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
FORMATS = ("text", "json", "gradescope")
DEFAULT_GRADESCOPE_OUTPUT = Path("results") / "results.json"
HELP_PROFILE = "how many cases per law (default standard)"
PRECISIONS = ("strict", "float32-ok")
HELP_PRECISION = "strict (default): float64 input must be computed in float64; float32-ok: computing in " \
                 "float32 is accepted, within float32's rounding bound (properties/tolerances.py)"
COLORS = ("auto", "always", "never")
HELP_COLOR = "colour the text report: auto (default: on a terminal, unless NO_COLOR is set), always, never"

HELP_CONVENTION = f"calling convention: {AUTO} (default: chosen by the function names in the file), " \
                  f"{ASSIGNMENT} (every function of the word2vec assignment the file defines, one report), " \
                  f"{choices_text()}"
HELP_FUNCTION = f"name of the function to grade ({CUSTOM_FUNCTION_CONVENTION} convention; " \
                f"default {CONVENTIONS[CUSTOM_FUNCTION_CONVENTION].function_name})"
HELP_EXAMPLE = "grade a bundled example submission instead of PATH: {names}"
HELP_ALLOW = "let the submission import MODULE (autograd, jax, torch, tensorflow and cegrad's own " \
             "packages are refused by default); may be repeated"
HELP_VERBOSE = "text format: also list each sandbox layer, active or skipped with the reason (json always has them in notes)"
MSG_PATH_OR_EXAMPLE = "grade: expected a PATH or --example NAME, got neither"
MSG_NOT_GRADABLE = "cegrad: cannot grade {path}: {reason}"
MSG_UNKNOWN_COMMAND = "cegrad: unknown command {command!r}\n\n{usage}"
MSG_UNRECOGNISED = "unrecognized arguments: {arguments}"  # argparse's own words


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.py"))


# --------------------------------------------------------------------------- cegrad grade


def _grade_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help=f"the student's .py file, or a folder holding {SUBMISSION_FILENAME}")
    parser.add_argument("--example", choices=example_names(), metavar="NAME",
                        help=HELP_EXAMPLE.format(names=", ".join(example_names())))
    parser.add_argument("--convention", default=AUTO, help=HELP_CONVENTION)
    parser.add_argument("--function", default=None, help=HELP_FUNCTION)
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", type=Path, default=None,
                        help="write the report to FILE (gradescope default: results/results.json)")
    parser.add_argument("--profile", choices=sorted(profiles.GRADING_PROFILES), default="standard",
                        help=HELP_PROFILE)
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed; same file + seed + profile = same report")
    parser.add_argument("--allow-import", action="append", default=[], metavar="MODULE", help=HELP_ALLOW)
    parser.add_argument("--precision", choices=PRECISIONS, default="strict", help=HELP_PRECISION)
    parser.add_argument("--color", "--colour", choices=COLORS, default="auto", dest="color", help=HELP_COLOR)
    parser.add_argument("--verbose", action="store_true", help=HELP_VERBOSE)


def version() -> str:
    """The installed distribution's version (what `cegrad --version` prints)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("cegrad")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


def use_colour(choice: str, stream: object) -> bool:
    """--color: always/never as said; auto colours a terminal unless NO_COLOR is set (no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return not os.environ.get("NO_COLOR") and bool(getattr(stream, "isatty", lambda: False)())


def grade_main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.path is None and args.example is None:
        parser.error(MSG_PATH_OR_EXAMPLE)
    path = str(EXAMPLES_DIR / f"{args.example}.py") if args.example else args.path

    from properties.grader import grade, intake, report

    on_terminal = sys.stderr.isatty() and args.format == "text" and args.output is None
    progress_colour = use_colour(args.color, sys.stderr)

    def progress(name: str, result: grade.PropertyResult | None) -> None:
        if result is None:
            print(f"  checking {name} ...", end="\r", file=sys.stderr, flush=True)
        else:
            print(report.status_line(result, colour=progress_colour) + " " * 10, file=sys.stderr, flush=True)

    def refuse(message: str) -> int:
        print(message, file=sys.stderr)
        if args.format == "gradescope":  # Gradescope shows results.json, not stderr: say it there too
            destination = args.output or DEFAULT_GRADESCOPE_OUTPUT
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(json.dumps(report.not_gradable(message), indent=2, ensure_ascii=False) + "\n")
        return EXIT_NOT_GRADABLE

    try:
        if args.convention == ASSIGNMENT:
            from properties.grader import assignment

            outcome = assignment.grade_assignment(path, profile=args.profile, seed=args.seed,
                                                  allow_imports=tuple(args.allow_import),
                                                  progress=progress if on_terminal else None, precision=args.precision)
        else:
            outcome = grade.grade(path, convention=args.convention, function=args.function, profile=args.profile,
                                  seed=args.seed, allow_imports=tuple(args.allow_import),
                                  progress=progress if on_terminal else None, precision=args.precision)
    except intake.NotGradable as reason:
        return refuse(MSG_NOT_GRADABLE.format(path=path, reason=reason))
    except ValueError as error:  # a bad --convention, named by the message
        return refuse(f"cegrad grade: {error}")
    if on_terminal:
        print(file=sys.stderr)
    if args.format == "gradescope":
        destination = args.output or DEFAULT_GRADESCOPE_OUTPUT
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(json.dumps(report.gradescope(outcome), indent=2, ensure_ascii=False) + "\n")
        print(f"Score: {outcome.score:g}/{outcome.max_score:g}", file=sys.stderr)
    else:
        rendered = report.as_json(outcome) + "\n" if args.format == "json" else report.text(
            outcome, colour=use_colour(args.color, sys.stdout) if args.output is None else args.color == "always",
            verbose=args.verbose)
        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(rendered)
        else:
            sys.stdout.write(rendered)
    return EXIT_PASSED if outcome.passed else EXIT_FAILED



# --------------------------------------------------------------------------- cegrad grade-all

HELP_GRADE_ALL = "Grade every submission in DIR in parallel; write a gradebook and a misconception report."
HELP_GRADE_ALL_EPILOG = (
    f"Submissions: every .py file directly in DIR, and every sub-folder of DIR holding a {SUBMISSION_FILENAME} "
    "(with its own utils/ etc.). The gradebook (csv or json) goes to --output or stdout; progress, the "
    "summary and the misconception report go to stderr (the json gradebook holds the report too). "
    "Cache: results are kept per submission in DIR/{cache}/ and reused when the submission's "
    f"files ({SUBMISSION_FILENAME} and every other .py file of a folder), profile, seed, convention, allowed imports "
    "and cegrad version are unchanged; --force regrades. Exit status: 0 every submission passed, "
    "1 any failed or could not be graded, 2 bad command line or no submissions in DIR."
)
HELP_JOBS = "grade N submissions at once (default: the number of CPUs this process may use, {default})"
HELP_GRADEBOOK_FORMAT = "gradebook format (default csv)"
HELP_GRADEBOOK_OUTPUT = "write the gradebook to FILE instead of stdout"
HELP_FORCE = "regrade every submission, ignoring DIR/{cache}/"
HELP_TIMEOUT = "overall wall-clock limit per submission, in seconds (default {default:g})"
HELP_CONVENTION_ALL = f"calling convention for every submission: {AUTO} (default), {ASSIGNMENT} (every function " \
                      f"of the word2vec assignment each file defines), {choices_text()}"
HELP_ALLOW_ALL = "let submissions import MODULE (as cegrad grade --allow-import); may be repeated"

MSG_NO_DIR = "cegrad grade-all: {path}: no such directory"
MSG_NOT_DIR = "cegrad grade-all: {path} is not a directory; pass the folder holding the submissions " \
              "(cegrad grade grades one file)"
MSG_EMPTY = f"cegrad grade-all: {{path}} holds no submissions (no .py files, no sub-folders with a {SUBMISSION_FILENAME})"
MSG_JOBS = "--jobs: expected a whole number of at least 1, got {got}"
MSG_TIMEOUT_ARG = "--timeout: expected a positive number of seconds, got {got}"
MSG_BAD_CONVENTION = "--convention: expected one of {valid}, got {got!r}"
MSG_CACHE_UNWRITABLE = "cegrad grade-all: cannot write the cache in {path} ({error}); results are not cached"
MSG_INTERRUPTED = "cegrad grade-all: interrupted; {done} of {total} submissions were graded (and cached)"
SUMMARY = ("Graded {total} submissions in {elapsed:.1f} s (--jobs {jobs}, {cached} from the cache): "
           "{passed} passed, {failed} failed, {other} could not be graded or finished")


def _grade_all_parser(parser: argparse.ArgumentParser) -> None:
    from properties.grader import batch, gradebook

    parser.epilog = HELP_GRADE_ALL_EPILOG.format(cache=batch.CACHE_DIRNAME)
    jobs = batch.default_jobs()
    parser.add_argument("dir", type=Path, metavar="DIR", help="the folder holding the class's submissions")
    parser.add_argument("--jobs", type=int, default=jobs, metavar="N", help=HELP_JOBS.format(default=jobs))
    parser.add_argument("--format", choices=gradebook.FORMATS, default="csv", help=HELP_GRADEBOOK_FORMAT)
    parser.add_argument("--output", type=Path, default=None, metavar="FILE", help=HELP_GRADEBOOK_OUTPUT)
    parser.add_argument("--profile", choices=sorted(profiles.GRADING_PROFILES), default="standard", help=HELP_PROFILE)
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed, as for cegrad grade (default 0)")
    parser.add_argument("--force", action="store_true", help=HELP_FORCE.format(cache=batch.CACHE_DIRNAME))
    parser.add_argument("--convention", default=AUTO, help=HELP_CONVENTION_ALL)
    parser.add_argument("--precision", choices=PRECISIONS, default="strict", help=HELP_PRECISION)
    parser.add_argument("--allow-import", action="append", default=[], metavar="MODULE", help=HELP_ALLOW_ALL)
    parser.add_argument("--timeout", type=float, default=batch.DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=HELP_TIMEOUT.format(default=batch.DEFAULT_TIMEOUT_S))


def grade_all_main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from properties.grader import batch, gradebook

    if args.jobs < 1:
        parser.error(MSG_JOBS.format(got=args.jobs))
    if not args.timeout > 0:
        parser.error(MSG_TIMEOUT_ARG.format(got=args.timeout))
    if args.convention not in (AUTO, ASSIGNMENT, *CONVENTIONS):
        parser.error(MSG_BAD_CONVENTION.format(valid=", ".join([AUTO, ASSIGNMENT, *CONVENTIONS]), got=args.convention))
    folder: Path = args.dir
    if not folder.exists():
        print(MSG_NO_DIR.format(path=folder), file=sys.stderr)
        return EXIT_USAGE
    if not folder.is_dir():
        print(MSG_NOT_DIR.format(path=folder), file=sys.stderr)
        return EXIT_USAGE
    entries = batch.discover(folder)
    if not entries:
        print(MSG_EMPTY.format(path=folder), file=sys.stderr)
        return EXIT_USAGE

    cache: Path | None = folder / batch.CACHE_DIRNAME
    try:  # a read-only class folder is graded all the same, only without a cache
        (folder / batch.CACHE_DIRNAME).mkdir(exist_ok=True)
        probe = folder / batch.CACHE_DIRNAME / ".writable"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        print(MSG_CACHE_UNWRITABLE.format(path=folder / batch.CACHE_DIRNAME, error=error), file=sys.stderr)
        cache = None

    settings = batch.Settings(profile=args.profile, seed=args.seed, convention=args.convention,
                              allow_imports=tuple(args.allow_import), precision=args.precision)
    progress = batch.Progress(len(entries), sys.stderr, bar=sys.stderr.isatty())
    started = time.perf_counter()
    try:
        graded = batch.run_batch(entries, settings, args.jobs, args.timeout, cache, args.force, progress)
    except RuntimeError as error:
        progress.close()
        print(error, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        progress.close()
        print(MSG_INTERRUPTED.format(done=progress.done, total=len(entries)), file=sys.stderr)
        return EXIT_INTERRUPTED
    progress.close()
    elapsed = time.perf_counter() - started

    counts = gradebook.summary_counts(graded)
    report = gradebook.misconceptions(graded)
    if args.format == "json":
        rendered = gradebook.gradebook_json(graded, {
            "cegrad_version": batch.cegrad_version(), "directory": str(folder), "profile": args.profile,
            "seed": args.seed, "convention": args.convention, "jobs": args.jobs, "elapsed_s": round(elapsed, 3),
            "cache": str(cache) if cache else None}, counts, report)
    else:
        rendered = gradebook.gradebook_csv(graded)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    print(SUMMARY.format(total=counts["total"], elapsed=elapsed, jobs=args.jobs, cached=counts["cached"],
                         passed=counts[gradebook.PASSED], failed=counts[gradebook.FAILED],
                         other=counts["total"] - counts[gradebook.PASSED] - counts[gradebook.FAILED]), file=sys.stderr)
    print(gradebook.misconception_text(report), end="", file=sys.stderr)
    return EXIT_PASSED if counts[gradebook.PASSED] == counts["total"] else EXIT_FAILED


# --------------------------------------------------------------------------- cegrad gradescope-bundle

HELP_BUNDLE = "Write a Gradescope autograder zip (setup.sh, run_autograder and cegrad's own source)."
HELP_BUNDLE_EPILOG = (
    "Upload the zip as the assignment's autograder (its total points: 100, or 85 for the grad-u convention). "
    f"Students submit {SUBMISSION_FILENAME} (with their utils/ if they like), or a single .py file. run_autograder "
    "honours CEGRAD_AUTOGRADER_ROOT (default /autograder), CEGRAD_PROFILE and CEGRAD_TIMEOUT, so it can be "
    "tried in any folder laid out as Gradescope does (submission/, results/, source/)."
)
HELP_BUNDLE_OUTPUT = "where to write the zip (default {default})"
HELP_BUNDLE_PROFILE = "grading profile the autograder uses (default standard)"
MSG_WRITTEN = "wrote {path}: Gradescope autograder grading with profile {profile} (cegrad {version})"
MSG_NO_SOURCE = "cegrad gradescope-bundle: cannot find cegrad's installed source ({missing})"


def _bundle_parser(parser: argparse.ArgumentParser) -> None:
    from properties.grader import bundle

    parser.add_argument("--output", type=Path, default=bundle.DEFAULT_OUTPUT, metavar="FILE",
                        help=HELP_BUNDLE_OUTPUT.format(default=bundle.DEFAULT_OUTPUT))
    parser.add_argument("--profile", choices=sorted(profiles.GRADING_PROFILES), default="standard",
                        help=HELP_BUNDLE_PROFILE)
    parser.add_argument("--precision", choices=PRECISIONS, default="strict", help=HELP_PRECISION)


def bundle_main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from properties.grader import bundle

    try:
        version = bundle.write_bundle(args.output, args.profile, args.precision)
    except FileNotFoundError as missing:
        print(MSG_NO_SOURCE.format(missing=missing), file=sys.stderr)
        return EXIT_FAILED
    print(MSG_WRITTEN.format(path=args.output, profile=args.profile, version=version), file=sys.stderr)
    return EXIT_PASSED


# --------------------------------------------------------------------------- cegrad derive

HELP_DERIVE = "Execute the seed derivation of dCE/dU, eqs. (1)-(24), step by step, and report its errata."
HELP_DERIVE_FORMAT = "text (default), json, or markdown (the text of docs/derivation.md, which reports cite)"
HELP_DERIVE_SEED = "replay the Hypothesis-drawn cases from this seed (default: derandomized)"


def _derive_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text", help=HELP_DERIVE_FORMAT)
    parser.add_argument("--seed", type=int, default=None, help=HELP_DERIVE_SEED)


def derive_main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """0 when every corrected step holds, else 1."""
    from properties import derive

    return EXIT_PASSED if derive.run(args.format, args.seed) else EXIT_FAILED


# --------------------------------------------------------------------------- cegrad sandbox-check

HELP_SANDBOX_CHECK = (
    "Show which sandbox layers protect a graded submission on this machine (the audit hook, namespaces, "
    "no root, Landlock, seccomp), each active or skipped with the reason, and prove the important ones "
    "from outside the sandbox with a probe submission."
)
HELP_SANDBOX_CHECK_EXIT = (
    "Exit status: 0 when the check ran, even with skipped layers (a kernel or container that refuses a "
    "layer is reported, not an error); 1 when a layer reported active failed its proof; 2 when the "
    "probe could not run."
)


def _sandbox_check_parser(parser: argparse.ArgumentParser) -> None:
    pass  # no options: it checks this machine


def sandbox_check_main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """0 when the check ran (skipped layers included), 1 when an active layer failed its proof, 2 when it could not run."""
    from properties.grader.sandbox import check

    return check.run()


# --------------------------------------------------------------------------- the sub-commands


@dataclass(frozen=True)
class Command:
    """One sub-command: ``cegrad NAME ...``."""

    name: str
    usage: str  # its line in the overview, e.g. "grade PATH"
    summary: str  # what it does, in the overview
    description: str  # the first line of its --help
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, argparse.ArgumentParser], int]


#: Every sub-command, in the overview's order.  A new one is a new row.
COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("grade", "grade PATH", "grade a student's word2vec.py against the laws of dCE/dU",
            "Grade a word2vec.py against the laws of dCE/dU.", _grade_parser, grade_main),
    Command("derive", "derive", "execute the seed derivation (eqs. 1-24) step by step, with its errata",
            HELP_DERIVE, _derive_parser, derive_main),
    Command("grade-all", "grade-all DIR", "grade a whole class", HELP_GRADE_ALL, _grade_all_parser, grade_all_main),
    Command("gradescope-bundle", "gradescope-bundle", "write a ready Gradescope autograder", HELP_BUNDLE,
            _bundle_parser, bundle_main),
    Command("sandbox-check", "sandbox-check", "show which sandbox layers protect a submission on this machine",
            f"{HELP_SANDBOX_CHECK} {HELP_SANDBOX_CHECK_EXIT}", _sandbox_check_parser, sandbox_check_main),
)}

USAGE = "\n".join([
    "usage: cegrad {" + ",".join(COMMANDS) + "} ...",
    "",
    *(f"  {c.usage:<20}{c.summary}" for c in COMMANDS.values()),
    "",
    "Run 'cegrad COMMAND --help' for the options of one command; 'cegrad --version' for the version.",
])


def build_parser() -> argparse.ArgumentParser:
    """The one ``cegrad`` parser, with a sub-parser per row of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="cegrad", usage=USAGE.splitlines()[0].removeprefix("usage: "),
                                     add_help=False)
    commands = parser.add_subparsers(dest="command", required=True)
    for row in COMMANDS.values():
        sub = commands.add_parser(row.name, prog=f"cegrad {row.name}", description=row.description,
                                  help=row.summary)
        row.add_arguments(sub)
        sub.set_defaults(run=row.run, parser=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return EXIT_PASSED if args else EXIT_USAGE
    # options of cegrad itself (not of a sub-command) are answered here, before the sub-command
    if args[0] in ("-V", "--version"):
        print(f"cegrad {version()}")
        return EXIT_PASSED
    command = args[0]
    if command not in COMMANDS:
        print(MSG_UNKNOWN_COMMAND.format(command=command, usage=USAGE), file=sys.stderr)
        return EXIT_USAGE
    parsed, unknown = build_parser().parse_known_args(args)  # exits 2 (EXIT_USAGE) on a bad option
    if unknown:  # said by the sub-command, with its own usage line
        parsed.parser.error(MSG_UNRECOGNISED.format(arguments=" ".join(unknown)))
    status: int = parsed.run(parsed, parsed.parser)
    return status


if __name__ == "__main__":
    sys.exit(main())
