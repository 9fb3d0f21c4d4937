"""``cegrad grade-all DIR``: grade a whole class in parallel, write a gradebook, name the common mistakes.

Every ``.py`` file directly in DIR is one submission, and so is every sub-folder holding a
``word2vec.py`` (graded with the helper modules, e.g. ``utils/``, that the folder supplies).  A
sub-folder with .py files but no ``word2vec.py`` is listed too, as not gradable, so no student is
silently left out.  Hidden entries and ``__pycache__`` are skipped.

Each submission is graded by :func:`properties.grader.grade.grade`, exactly as ``cegrad grade`` does
(same profile, seed, convention and limits, hence the same verdict), in one of ``--jobs`` long-lived
worker processes; the grading itself runs the student's code in its own sandboxed child.  The parent
only schedules, enforces an overall wall-clock limit per submission (SIGTERM, so the worker unwinds
and kills its sandbox, then SIGKILL), caches results and writes the gradebook and the misconception
report.  A worker that dies or overruns costs that submission its row's verdict, never the batch.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from properties import profiles
from properties.grader.conventions import AUTO, CONVENTIONS, choices_text

#: Exit statuses: as ``cegrad grade``, summed over the class.
EXIT_ALL_PASSED, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
FORMATS = ("csv", "json")
CACHE_DIRNAME = ".cegrad-cache"
SUBMISSION_FILENAME = "word2vec.py"
#: The overall limit per submission.  grade() already bounds a hanging submission (10 s per call,
#: two timed-out laws then the rest are skipped: well under a minute); this guards the rest, e.g.
#: a submission just under the per-call limit on every one of a thorough profile's hundreds of calls.
DEFAULT_TIMEOUT_S = 600.0
#: After SIGTERM, how long a worker gets to unwind (close its sandbox) before SIGKILL.
TERMINATE_GRACE_S = 5.0
#: The worker's first message: imports done, the clock of its first submission may start.
READY = "ready"
#: How often the progress bar is redrawn while nothing finishes (its clock keeps moving).
PROGRESS_TICK_S = 0.5

# Row statuses.  passed/failed come from grade(); the rest mean no (complete) report exists.
PASSED, FAILED, NOT_GRADABLE, TIMEOUT, CRASHED, ERROR = "passed", "failed", "not-gradable", "timeout", "crashed", "error"
CSV_COLUMNS = ["submission", "status", "convention", "passed", "score", "max_score", "failed_laws", "diagnosis",
               "message", "elapsed_s", "cached"]

HELP_DESCRIPTION = "Grade every submission in DIR in parallel; write a gradebook and a misconception report."
HELP_EPILOG = (
    "Submissions: every .py file directly in DIR, and every sub-folder of DIR holding a word2vec.py "
    "(with its own utils/ etc.). The gradebook (csv or json) goes to --output or stdout; progress, the "
    "summary and the misconception report go to stderr (the json gradebook holds the report too). "
    f"Cache: results are kept per submission in DIR/{CACHE_DIRNAME}/ and reused when the submission's "
    "files (word2vec.py and every other .py file of a folder), profile, seed, convention, allowed imports "
    "and cegrad version are unchanged; --force regrades. Exit status: 0 every submission passed, "
    "1 any failed or could not be graded, 2 bad command line or no submissions in DIR."
)
HELP_JOBS = "grade N submissions at once (default: the number of CPUs this process may use, {default})"
HELP_FORMAT = "gradebook format (default csv)"
HELP_OUTPUT = "write the gradebook to FILE instead of stdout"
HELP_FORCE = f"regrade every submission, ignoring DIR/{CACHE_DIRNAME}/"
HELP_TIMEOUT = f"overall wall-clock limit per submission, in seconds (default {DEFAULT_TIMEOUT_S:g})"
HELP_CONVENTION = f"calling convention for every submission: {AUTO} (default), {choices_text()}"
HELP_ALLOW = "let submissions import MODULE (as cegrad grade --allow-import); may be repeated"

MSG_NO_DIR = "cegrad grade-all: {path}: no such directory"
MSG_NOT_DIR = "cegrad grade-all: {path} is not a directory; pass the folder holding the submissions " \
              "(cegrad grade grades one file)"
MSG_EMPTY = "cegrad grade-all: {path} holds no submissions (no .py files, no sub-folders with a word2vec.py)"
MSG_JOBS = "--jobs: expected a whole number of at least 1, got {got}"
MSG_TIMEOUT_ARG = "--timeout: expected a positive number of seconds, got {got}"
MSG_BAD_CONVENTION = "--convention: expected one of {valid}, got {got!r}"
MSG_CACHE_UNWRITABLE = "cegrad grade-all: cannot write the cache in {path} ({error}); results are not cached"
MSG_TIMEOUT = "grading took longer than the overall limit of {limit:g} s per submission and was stopped"
MSG_CRASHED = "the grading process died ({how}) before it finished this submission"
MSG_ERROR = "cegrad could not grade this submission because of an internal error: {error}"
MSG_WORKER_START = "cegrad grade-all: a grading process could not start ({how}); is cegrad installed completely?"
MSG_INTERRUPTED = "cegrad grade-all: interrupted; {done} of {total} submissions were graded (and cached)"
PROGRESS_LINE = "[{done}/{total}] {name}: {verdict} ({elapsed:.1f} s{cached})"
SUMMARY = ("Graded {total} submissions in {elapsed:.1f} s (--jobs {jobs}, {cached} from the cache): "
           "{passed} passed, {failed} failed, {other} could not be graded or finished")
MISCONCEPTIONS_HEADING = "Misconceptions (submissions per diagnosis, most frequent first):"
LAWS_HEADING = "Failed laws (submissions per law, most frequent first):"
UNDIAGNOSED = "Failed, but no known mistake matched: {count} ({names})"
NOT_FINISHED = "Not gradable, timed out or crashed: {count} ({names})"
NO_FAILURES = "No failed laws: nothing to report."
SMALLEST = "smallest counterexample: {case}  ({submission}, law {law})"
SEEN_IN = "seen in outputs: {outputs}; laws: {laws}"

#: A counterexample is printed in full up to this many entries of U; larger ones show their size only.
MAX_SHOWN_ENTRIES = 12


# ---------------------------------------------------------------------------------------------
# Finding submissions and their cache keys


@dataclass(frozen=True)
class Entry:
    """One submission: its name in the gradebook (relative to DIR) and the path given to grade()."""

    name: str
    path: Path


def _visible(name: str) -> bool:
    return not name.startswith(".") and name != "__pycache__"


def discover(folder: Path) -> list[Entry]:
    """The submissions in ``folder``, sorted by name (the gradebook's order)."""
    found = []
    for p in sorted(folder.iterdir()):
        if not _visible(p.name):
            continue
        if p.is_file() and p.suffix == ".py":
            found.append(Entry(p.name, p))
        elif p.is_dir() and ((p / SUBMISSION_FILENAME).is_file() or any(q.suffix in (".py", ".ipynb")
                                                                         for q in p.iterdir() if q.is_file())):
            found.append(Entry(p.name + "/", p))
    return found


def _source_files(entry: Entry) -> list[Path]:
    """The files a verdict depends on: the file, or every .py file of the folder (its helpers too)."""
    if entry.path.is_file():
        return [entry.path]
    return sorted(q for q in entry.path.rglob("*") if q.is_file() and q.suffix in (".py", ".ipynb")
                  and all(_visible(part) for part in q.relative_to(entry.path).parts))


def cegrad_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cegrad")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def cache_key(entry: Entry, settings: Settings) -> str:
    """Changes whenever anything that can change the verdict changes."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"cegrad": cegrad_version(), "profile": settings.profile, "seed": settings.seed,
                              "convention": settings.convention,
                              "allow_imports": sorted(settings.allow_imports)}).encode())
    for p in _source_files(entry):
        relative = p.name if entry.path.is_file() else p.relative_to(entry.path).as_posix()
        digest.update(b"\0" + relative.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return digest.hexdigest()


def _cache_file(cache: Path, entry: Entry) -> Path:
    # the name for a human looking in the folder, the hash so "a b.py" and "a_b.py" cannot collide
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", entry.name.rstrip("/"))
    return cache / f"{readable}-{hashlib.sha256(entry.name.encode()).hexdigest()[:10]}.json"


# ---------------------------------------------------------------------------------------------
# The worker side (runs in a spawned process)


@dataclass(frozen=True)
class Settings:
    profile: str = "standard"
    seed: int = 0
    convention: str = AUTO
    allow_imports: tuple[str, ...] = ()


class _Cancelled(BaseException):
    """SIGTERM from the parent: unwind, so grade()'s ``finally`` kills the sandboxed child."""


def _cancel(signum: int, frame: object) -> None:
    raise _Cancelled


def grade_one(path: Path, settings: Settings) -> dict[str, Any]:
    """Grade one submission into a plain (JSON-able) result; never raises for a bad submission."""
    from properties.grader import grade, intake, report

    try:
        outcome = grade.grade(path, convention=settings.convention, profile=settings.profile, seed=settings.seed,
                              allow_imports=settings.allow_imports)
    except intake.NotGradable as reason:
        return {"status": NOT_GRADABLE, "message": str(reason)}
    except Exception as error:  # a cegrad bug must cost one row, not the class
        return {"status": ERROR, "message": MSG_ERROR.format(error=f"{type(error).__name__}: {error}")}
    return {
        "status": PASSED if outcome.passed else FAILED,
        "convention": outcome.convention,
        "passed": outcome.passed,
        "score": outcome.score,
        "max_score": outcome.max_score,
        "elapsed_s": round(outcome.elapsed_s, 3),
        # per law, with the diagnosis as a list (report.as_dict joins it into one string)
        "laws": [{"name": p.name, "status": p.status, "diagnosis": p.diagnosis,
                  "counterexample": p.counterexample} for p in outcome.properties],
        "report": report.as_dict(outcome),
    }


def worker_main(conn: Connection, settings: Settings) -> None:
    """Grade the paths the parent sends, one at a time, until it sends None."""
    signal.signal(signal.SIGTERM, _cancel)
    # Ctrl-C reaches the whole process group; the parent alone handles it (and then SIGTERMs us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(_Cancelled, EOFError, BrokenPipeError):
        # import before saying ready, so the per-submission clock does not count numpy and Hypothesis
        from properties.grader import grade, intake, report  # noqa: F401  (imported for their cost)

        conn.send(READY)
        while (path := conn.recv()) is not None:
            conn.send(grade_one(Path(path), settings))


# ---------------------------------------------------------------------------------------------
# The parent side


@dataclass
class Row:
    submission: str
    status: str
    convention: str = ""
    passed: bool = False
    score: float = 0.0
    max_score: float = 0.0
    failed_laws: list[str] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    message: str = ""
    elapsed_s: float = 0.0
    cached: bool = False


@dataclass
class Graded:
    """A row and what the misconception report needs (the per-law results)."""

    row: Row
    laws: list[dict[str, Any]] = field(default_factory=list)


def to_graded(name: str, result: dict[str, Any], elapsed: float, cached: bool = False) -> Graded:
    laws = result.get("laws", [])
    failed = [law for law in laws if law["status"] != "passed"]
    diagnosis = list(dict.fromkeys(d for law in failed for d in law["diagnosis"]))
    row = Row(submission=name, status=result["status"], convention=result.get("convention", ""),
              passed=bool(result.get("passed", False)), score=float(result.get("score", 0.0)),
              max_score=float(result.get("max_score", 0.0)), failed_laws=[law["name"] for law in failed],
              diagnosis=diagnosis, message=result.get("message", ""),
              elapsed_s=round(float(result.get("elapsed_s", elapsed)), 3), cached=cached)
    return Graded(row, laws)


@dataclass
class _Worker:
    process: Any  # multiprocessing's SpawnProcess (its type is not public)
    conn: Connection
    entry: Entry | None = None
    key: str = ""
    started: float = 0.0


class Progress:
    """A bar redrawn in place on a terminal; one plain line per finished submission otherwise."""

    def __init__(self, total: int, stream: Any, bar: bool) -> None:
        self.total, self.stream, self.bar = total, stream, bar
        self.done = 0
        self.counts: dict[str, int] = {}
        self.started = time.perf_counter()

    def finished(self, graded: Graded) -> None:
        row = graded.row
        self.done += 1
        self.counts[row.status] = self.counts.get(row.status, 0) + 1
        if self.bar:
            self.draw()
            return
        verdict = f"{row.status} {row.score:g}/{row.max_score:g}" if row.status in (PASSED, FAILED) else row.status
        print(PROGRESS_LINE.format(done=self.done, total=self.total, name=row.submission, verdict=verdict,
                                   elapsed=row.elapsed_s, cached=", cached" if row.cached else ""),
              file=self.stream, flush=True)

    def draw(self) -> None:
        if not self.bar:
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        counts = "  ".join(f"{status} {n}" for status, n in sorted(self.counts.items()))
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {counts}  "
              f"{time.perf_counter() - self.started:.0f} s ", end="", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar:
            print(file=self.stream, flush=True)


def _stop(worker: _Worker) -> None:
    """SIGTERM (the worker closes its sandbox), then SIGKILL if it does not end in time."""
    if worker.process.is_alive():
        worker.process.terminate()
        worker.process.join(TERMINATE_GRACE_S)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def run_batch(entries: list[Entry], settings: Settings, jobs: int, timeout: float, cache: Path | None,
              force: bool, progress: Progress) -> list[Graded]:
    """Grade ``entries`` (cached ones from ``cache``); results in the order of ``entries``."""
    results: dict[str, Graded] = {}
    todo: list[tuple[Entry, str]] = []
    for entry in entries:
        key = cache_key(entry, settings)
        stored = None if force or cache is None else _read_cache(cache, entry, key)
        if stored is not None:
            results[entry.name] = to_graded(entry.name, stored, 0.0, cached=True)
            progress.finished(results[entry.name])
        else:
            todo.append((entry, key))
    context = multiprocessing.get_context("spawn")  # no fork of a parent holding pipes and threads
    workers: list[_Worker] = []

    def spawn() -> _Worker:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=worker_main, args=(child_end, settings), daemon=True)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def ready(worker: _Worker) -> _Worker:
        try:  # a worker that cannot even import cegrad means a broken install: stop here, loudly
            if worker.conn.recv() != READY:
                raise RuntimeError(MSG_WORKER_START.format(how="unexpected first message"))
        except EOFError:
            worker.process.join()
            raise RuntimeError(MSG_WORKER_START.format(how=_how_it_ended(worker.process.exitcode))) from None
        return worker

    def finish(worker: _Worker, graded: Graded) -> None:
        assert worker.entry is not None
        results[worker.entry.name] = graded
        progress.finished(graded)
        worker.entry = None

    try:
        workers = [spawn() for _ in range(min(jobs, len(todo)))]  # all import at once, then
        for worker in workers:
            ready(worker)
        while todo or any(w.entry is not None for w in workers):
            for worker in workers:
                if worker.entry is None and todo:
                    worker.entry, worker.key = todo.pop(0)
                    worker.started = time.perf_counter()
                    worker.conn.send(str(worker.entry.path))
            busy = [w for w in workers if w.entry is not None]
            now = time.perf_counter()
            wait_for = min([w.started + timeout - now for w in busy] + [PROGRESS_TICK_S])
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=max(wait_for, 0.0))
            progress.draw()
            for index, worker in enumerate(workers):
                if worker.entry is None:
                    continue
                elapsed = time.perf_counter() - worker.started
                result: dict[str, Any] | None = None
                if worker.conn.poll():
                    with contextlib.suppress(EOFError, OSError):
                        result = worker.conn.recv()
                if result is not None:
                    if cache is not None and result["status"] in (PASSED, FAILED, NOT_GRADABLE):
                        _write_cache(cache, worker.entry, worker.key, result)
                    finish(worker, to_graded(worker.entry.name, result, elapsed))
                    continue
                if worker.process.is_alive() and elapsed < timeout:
                    continue
                # overran or died: this row says so, and a fresh worker takes the next submission
                if worker.process.is_alive():
                    row = {"status": TIMEOUT, "message": MSG_TIMEOUT.format(limit=timeout)}
                else:
                    row = {"status": CRASHED, "message": MSG_CRASHED.format(how=_how_it_ended(worker.process.exitcode))}
                _stop(worker)
                finish(worker, to_graded(worker.entry.name, row, elapsed))
                workers[index] = ready(spawn()) if todo else worker
    finally:
        for worker in workers:
            with contextlib.suppress(OSError, BrokenPipeError):
                if worker.entry is None and worker.process.is_alive():
                    worker.conn.send(None)
        for worker in workers:
            worker.process.join(TERMINATE_GRACE_S if worker.entry is None else 0)
            _stop(worker)
    return [results[e.name] for e in entries if e.name in results]


def _read_cache(cache: Path, entry: Entry, key: str) -> dict[str, Any] | None:
    try:
        stored = json.loads(_cache_file(cache, entry).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    result = stored.get("result")
    return result if isinstance(result, dict) else None


def _write_cache(cache: Path, entry: Entry, key: str, result: dict[str, Any]) -> None:
    target = _cache_file(cache, entry)
    partial = target.with_suffix(".tmp")
    # written then renamed, so an interrupted run never leaves a half file that looks valid
    partial.write_text(json.dumps({"key": key, "submission": entry.name, "result": result}, ensure_ascii=False),
                       encoding="utf-8")
    partial.replace(target)


# ---------------------------------------------------------------------------------------------
# The misconception report


def _output_labels() -> list[str]:
    from properties.laws import LABELS

    names = {output.label for c in CONVENTIONS.values() for output in c.outputs} | set(LABELS.values())
    return sorted(names, key=len, reverse=True)  # longest first: "grad" must not cut "gradPred"


def split_diagnosis(text: str, labels: list[str]) -> tuple[str, str]:
    """("gradOutsideVecs", "the sign is flipped ...") from a diagnosis; the output name differs by convention."""
    for label in labels:
        if text.startswith(label + ": "):
            return label, text[len(label) + 2:]
    return "", text


def _size(case: dict[str, Any] | None) -> tuple[int, int]:
    if not case or "W" not in case or "d" not in case:
        return (sys.maxsize, sys.maxsize)
    return (int(case["W"]) * int(case["d"]), int(case["W"]))


def describe_case(case: dict[str, Any]) -> str:
    text = f"W={case.get('W')}, d={case.get('d')}, o={case.get('o')}"
    if case.get("dtype", "float64") != "float64":
        text += f", dtype={case['dtype']}"
    if "U" in case and _size(case)[0] <= MAX_SHOWN_ENTRIES:
        text += f", v_c={case['v_c']}, U={case['U']}"
    return text


@dataclass
class _Tally:
    submissions: list[str] = field(default_factory=list)
    outputs: set[str] = field(default_factory=set)
    laws: set[str] = field(default_factory=set)
    smallest: dict[str, Any] | None = None

    def see(self, submission: str, law: str, case: dict[str, Any] | None) -> None:
        if submission not in self.submissions:
            self.submissions.append(submission)
        self.laws.add(law)
        if case and (self.smallest is None or _size(case) < _size(self.smallest["counterexample"])):
            self.smallest = {"counterexample": case, "submission": submission, "law": law,
                             "description": describe_case(case)}


def misconceptions(graded: list[Graded]) -> dict[str, Any]:
    """Submissions per diagnosis and per failed law, most frequent first, with the smallest counterexample."""
    labels = _output_labels()
    by_diagnosis: dict[str, _Tally] = {}
    by_law: dict[str, _Tally] = {}
    undiagnosed: list[str] = []
    not_finished: list[str] = []
    for g in graded:
        name = g.row.submission
        if g.row.status not in (PASSED, FAILED):
            not_finished.append(name)
            continue
        diagnosed = False
        for law in g.laws:
            if law["status"] == "passed":
                continue
            by_law.setdefault(law["name"], _Tally()).see(name, law["name"], law.get("counterexample"))
            for text in law["diagnosis"]:
                output, explanation = split_diagnosis(text, labels)
                tally = by_diagnosis.setdefault(explanation, _Tally())
                tally.see(name, law["name"], law.get("counterexample"))
                if output:
                    tally.outputs.add(output)
                diagnosed = True
        if g.row.status == FAILED and not diagnosed:
            undiagnosed.append(name)

    def ordered(tallies: dict[str, _Tally], key: str) -> list[dict[str, Any]]:
        items = sorted(tallies.items(), key=lambda kv: (-len(kv[1].submissions), kv[0]))
        return [{key: k, "count": len(t.submissions), "submissions": t.submissions, "outputs": sorted(t.outputs),
                 "laws": sorted(t.laws), "smallest_counterexample": t.smallest} for k, t in items]

    found: dict[str, Any] = {"by_diagnosis": ordered(by_diagnosis, "diagnosis"), "by_law": ordered(by_law, "law"),
                             "undiagnosed": {"count": len(undiagnosed), "submissions": undiagnosed},
                             "not_finished": {"count": len(not_finished), "submissions": not_finished}}
    for entry in found["by_law"]:
        del entry["laws"], entry["outputs"]  # one law per entry, and outputs belong to diagnoses
    return found


def _names(names: list[str], most: int = 8) -> str:
    return ", ".join(names[:most]) + (f", and {len(names) - most} more" if len(names) > most else "")


def misconception_text(report: dict[str, Any]) -> str:
    lines: list[str] = []
    if report["by_diagnosis"]:
        lines.append(MISCONCEPTIONS_HEADING)
        for item in report["by_diagnosis"]:
            lines.append(f"  {item['count']:>4}  {item['diagnosis']}")
            lines.append("        " + SEEN_IN.format(outputs=", ".join(item["outputs"]) or "-",
                                                    laws=", ".join(item["laws"])))
            if item["smallest_counterexample"]:
                lines.append("        " + _smallest(item["smallest_counterexample"]))
    if report["by_law"]:
        lines.append(LAWS_HEADING)
        for item in report["by_law"]:
            lines.append(f"  {item['count']:>4}  {item['law']}")
            if item["smallest_counterexample"]:
                lines.append("        " + _smallest(item["smallest_counterexample"]))
    else:
        lines.append(NO_FAILURES)
    if report["undiagnosed"]["count"]:
        lines.append(UNDIAGNOSED.format(count=report["undiagnosed"]["count"],
                                        names=_names(report["undiagnosed"]["submissions"])))
    if report["not_finished"]["count"]:
        lines.append(NOT_FINISHED.format(count=report["not_finished"]["count"],
                                         names=_names(report["not_finished"]["submissions"])))
    return "\n".join(lines) + "\n"


def _smallest(found: dict[str, Any]) -> str:
    return SMALLEST.format(case=found["description"], submission=found["submission"], law=found["law"])


# ---------------------------------------------------------------------------------------------
# Gradebook formats and the command line


def gradebook_csv(graded: list[Graded]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for g in graded:
        row = asdict(g.row)
        row["failed_laws"] = "; ".join(g.row.failed_laws)
        row["diagnosis"] = " | ".join(g.row.diagnosis)  # diagnoses may contain ";"
        row["score"], row["max_score"] = f"{g.row.score:g}", f"{g.row.max_score:g}"
        writer.writerow(row)
    return out.getvalue()


def summary_counts(graded: list[Graded]) -> dict[str, int]:
    counts = {status: 0 for status in (PASSED, FAILED, NOT_GRADABLE, TIMEOUT, CRASHED, ERROR)}
    for g in graded:
        counts[g.row.status] = counts.get(g.row.status, 0) + 1
    return {"total": len(graded), **counts, "cached": sum(g.row.cached for g in graded)}


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cegrad grade-all", description=HELP_DESCRIPTION, epilog=HELP_EPILOG)
    parser.add_argument("dir", type=Path, metavar="DIR", help="the folder holding the class's submissions")
    parser.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                        help=HELP_JOBS.format(default=default_jobs()))
    parser.add_argument("--format", choices=FORMATS, default="csv", help=HELP_FORMAT)
    parser.add_argument("--output", type=Path, default=None, metavar="FILE", help=HELP_OUTPUT)
    parser.add_argument("--profile", choices=sorted(profiles.GRADING_PROFILES), default="standard",
                        help="how many cases per law (default standard)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed, as for cegrad grade (default 0)")
    parser.add_argument("--force", action="store_true", help=HELP_FORCE)
    parser.add_argument("--convention", default=AUTO, help=HELP_CONVENTION)
    parser.add_argument("--allow-import", action="append", default=[], metavar="MODULE", help=HELP_ALLOW)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS", help=HELP_TIMEOUT)
    return parser


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(MSG_JOBS.format(got=args.jobs))
    if not args.timeout > 0:
        parser.error(MSG_TIMEOUT_ARG.format(got=args.timeout))
    if args.convention != AUTO and args.convention not in CONVENTIONS:
        parser.error(MSG_BAD_CONVENTION.format(valid=", ".join([AUTO, *CONVENTIONS]), got=args.convention))
    folder: Path = args.dir
    if not folder.exists():
        print(MSG_NO_DIR.format(path=folder), file=sys.stderr)
        return EXIT_USAGE
    if not folder.is_dir():
        print(MSG_NOT_DIR.format(path=folder), file=sys.stderr)
        return EXIT_USAGE
    entries = discover(folder)
    if not entries:
        print(MSG_EMPTY.format(path=folder), file=sys.stderr)
        return EXIT_USAGE

    cache: Path | None = folder / CACHE_DIRNAME
    try:  # a read-only class folder is graded all the same, only without a cache
        (folder / CACHE_DIRNAME).mkdir(exist_ok=True)
        probe = folder / CACHE_DIRNAME / ".writable"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        print(MSG_CACHE_UNWRITABLE.format(path=folder / CACHE_DIRNAME, error=error), file=sys.stderr)
        cache = None

    settings = Settings(profile=args.profile, seed=args.seed, convention=args.convention,
                        allow_imports=tuple(args.allow_import))
    progress = Progress(len(entries), sys.stderr, bar=sys.stderr.isatty())
    started = time.perf_counter()
    try:
        graded = run_batch(entries, settings, args.jobs, args.timeout, cache, args.force, progress)
    except RuntimeError as error:
        progress.close()
        print(error, file=sys.stderr)
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        progress.close()
        print(MSG_INTERRUPTED.format(done=progress.done, total=len(entries)), file=sys.stderr)
        return 130  # the shell's convention for a run ended by SIGINT
    progress.close()
    elapsed = time.perf_counter() - started

    counts = summary_counts(graded)
    report = misconceptions(graded)
    if args.format == "json":
        rendered = json.dumps({
            "cegrad_version": cegrad_version(), "directory": str(folder), "profile": args.profile, "seed": args.seed,
            "convention": args.convention, "jobs": args.jobs, "elapsed_s": round(elapsed, 3),
            "cache": str(cache) if cache else None, "summary": counts,
            "submissions": [asdict(g.row) for g in graded], "misconceptions": report,
        }, indent=2, ensure_ascii=False) + "\n"
    else:
        rendered = gradebook_csv(graded)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    print(SUMMARY.format(total=counts["total"], elapsed=elapsed, jobs=args.jobs, cached=counts["cached"],
                         passed=counts[PASSED], failed=counts[FAILED],
                         other=counts["total"] - counts[PASSED] - counts[FAILED]), file=sys.stderr)
    print(misconception_text(report), end="", file=sys.stderr)
    return EXIT_ALL_PASSED if counts[PASSED] == counts["total"] else EXIT_SOME_FAILED
