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

The gradebook and the misconception report are formatted by :mod:`properties.grader.gradebook`;
the command line (``cegrad grade-all``) is in :mod:`properties.grader.cli`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from properties.grader.conventions import ASSIGNMENT, AUTO
from properties.grader.gradebook import CRASHED, ERROR, FAILED, NOT_GRADABLE, PASSED, TIMEOUT, Graded, to_graded
from properties.grader.intake import SUBMISSION_FILENAME

CACHE_DIRNAME = ".cegrad-cache"
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

MSG_TIMEOUT = "grading took longer than the overall limit of {limit:g} s per submission and was stopped"
MSG_CRASHED = "the grading process died ({how}) before it finished this submission"
MSG_ERROR = "cegrad could not grade this submission because of an internal error: {error}"
MSG_WORKER_START = "cegrad grade-all: a grading process could not start ({how}); is cegrad installed completely?"
PROGRESS_LINE = "[{done}/{total}] {name}: {verdict} ({elapsed:.1f} s{cached})"


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
                              "allow_imports": sorted(settings.allow_imports), "precision": settings.precision}).encode())
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
    precision: str = "strict"  # cegrad grade --precision


class _Cancelled(BaseException):
    """SIGTERM from the parent: unwind, so grade()'s ``finally`` kills the sandboxed child."""


def _cancel(signum: int, frame: object) -> None:
    raise _Cancelled


@contextlib.contextmanager
def _alone(path: Path) -> Iterator[Path]:
    """A loose file's folder is the class folder: the sandbox serves a submission the Python files
    beside it (its helpers), which here are the other students' submissions, so one could import
    another's work.  A loose file is graded from a private copy, alone in its folder."""
    if not path.is_file() or path.resolve().parent != path.parent.resolve():
        yield path  # a link out of the class folder is not copied: intake refuses it, as grade does
        return
    with tempfile.TemporaryDirectory(prefix="cegrad-alone-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        yield copy


def grade_one(path: Path, settings: Settings) -> dict[str, Any]:
    """Grade one submission into a plain (JSON-able) result; never raises for a bad submission."""
    from properties.grader import grade, intake, report

    try:
        with _alone(path) as graded:
            if settings.convention == ASSIGNMENT:  # every function of the assignment, one row per submission
                from properties.grader import assignment

                outcome = assignment.grade_assignment(graded, profile=settings.profile, seed=settings.seed,
                                                      allow_imports=settings.allow_imports, precision=settings.precision)
            else:
                outcome = grade.grade(graded, convention=settings.convention, profile=settings.profile,
                                      seed=settings.seed, allow_imports=settings.allow_imports, precision=settings.precision)
        if graded != path and hasattr(outcome, "submission"):
            outcome.submission = str(path)
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
        # the root causes in a few words ("your function timed out ...", "... raised ZeroDivisionError: ...")
        "message": "; ".join(f.title for f in outcome.findings if f.laws or f.not_checked),
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



def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1

