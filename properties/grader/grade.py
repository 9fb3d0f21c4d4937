"""Grading one submission: source -> sandboxed implementation -> every law -> a report.

This is the whole data path of ``cegrad grade``; the CLI only parses arguments and prints.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from properties import laws, profiles
from properties.grader import intake
from properties.grader.conventions import Convention
from properties.grader.diagnose import Diagnoser
from properties.grader.sandbox.parent import Limits, LoadFailed, LoadInfo, SandboxedImplementation
from properties.runner import LawResult, run_law

NOTE_MODULE = "graded by importing the whole module (its __main__ block was not run)"
NOTE_SHIMS = "cegrad supplied these course helpers, which your folder does not have: {names}"
NOTE_BLOCKED = "at import time your code tried something the grader forbids, and it was blocked: {what}"
NOTE_NOT_APPLICABLE = "not graded for this convention (no such output): {names}"
MSG_LOAD_FAILED = "Your file could not be loaded, so this law could not be checked.\n{reason}"
MSG_SKIPPED_AFTER_TIMEOUTS = (
    "Not checked: your function already ran past the time limit in {count} laws, so the rest are "
    "counted as timeouts rather than each waiting for the limit again."
)
#: After this many laws end in a timeout, the remaining laws are not run (each would cost the limit).
TIMEOUTS_BEFORE_GIVING_UP = 2


@dataclass
class PropertyResult:
    name: str
    title: str
    equation: str
    status: str
    weight: float
    message: str = ""
    counterexample: dict[str, object] | None = None
    diagnosis: list[str] = field(default_factory=list)
    #: the graded function this law belongs to (one report may grade several functions)
    section: str = ""


@dataclass
class Report:
    submission: str
    convention: str
    function: str
    profile: str
    seed: int
    properties: list[PropertyResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    your_output: str = ""
    elapsed_s: float = 0.0

    @property
    def score(self) -> float:
        return sum(p.weight for p in self.properties if p.status == "passed")

    @property
    def max_score(self) -> float:
        return sum(p.weight for p in self.properties)

    @property
    def passed(self) -> bool:
        return bool(self.properties) and all(p.status == "passed" for p in self.properties)


def _from_result(result: LawResult, diagnosis: list[str]) -> PropertyResult:
    law = result.law
    return PropertyResult(
        name=law.name, title=law.title, equation=law.equation_text, status=result.status,
        weight=law.weight, message=result.message,
        counterexample=result.case.to_json() if result.case is not None and result.case.U.size <= 4096 else (
            {"W": result.case.W, "d": result.case.d, "o": result.case.o, "description": result.case.describe()}
            if result.case is not None else None),
        diagnosis=diagnosis,
    )


#: Import timeout where the file has module-level loops or calls (a training loop, say): long enough
#: for real helper set-up, short enough that a file needing extraction does not wait 15 s for it.
SUSPECT_IMPORT_SECONDS = 5.0
MSG_REBOUND = (
    "{reason}; and it cannot be graded by extraction either, because {name!r} is reassigned at "
    "module level after its def (line {line}), so the def alone is not what your module exports"
)


def _rebinding_line(text: str, name: str) -> int | None:
    """The line of a module-level ``name = ...`` (a wrapper or alias that replaces the def), if any."""
    match = re.search(rf"^{re.escape(name)}\s*(?::[^=]*)?=(?!=)", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load(sub: intake.Submission, spec: Convention, allow_imports: tuple[str, ...],
         limits: Limits) -> tuple[SandboxedImplementation, LoadInfo | LoadFailed, list[str]]:
    """Start the submission as a module; only where that fails, by extracting the function.

    The whole module is what a student's code really exports (decorators, aliases, module-level
    set-up), so it is always tried first, except for a file that does not even parse.
    """
    notes: list[str] = []
    obstacles = intake.import_obstacles(sub.text)
    unparsable = any(o.startswith("SyntaxError") for o in obstacles)
    if not unparsable:
        import_limits = replace(limits, import_seconds=min(limits.import_seconds, SUSPECT_IMPORT_SECONDS)) \
            if obstacles else limits
        impl = SandboxedImplementation(sub.path, spec.name, spec.function_name,
                                       allow_imports=allow_imports, limits=import_limits)
        try:
            info = impl.start()
            impl.limits = limits
            notes.append(NOTE_MODULE)
            return impl, info, notes
        except LoadFailed as failure:
            impl.close()
            obstacles = [failure.reason]
    line = _rebinding_line(sub.text, spec.function_name)
    if line is not None:
        impl = SandboxedImplementation(sub.path, spec.name, spec.function_name, allow_imports=allow_imports,
                                       limits=limits)
        reason = MSG_REBOUND.format(reason="; ".join(obstacles), name=spec.function_name, line=line)
        return impl, LoadFailed(reason), notes
    extraction = intake.extract_function(sub.text, spec.function_name, reason="; ".join(obstacles))
    notes.extend(extraction.notes)
    impl = SandboxedImplementation(sub.path, spec.name, spec.function_name, mode="extracted",
                                   source_text=extraction.source, allow_imports=allow_imports, limits=limits)
    try:
        return impl, impl.start(), notes
    except LoadFailed as failure:
        return impl, failure, notes


def grade(
    path: str | Path,
    convention: str = "auto",
    function: str | None = None,
    profile: str = "standard",
    seed: int = 0,
    allow_imports: tuple[str, ...] = (),
    limits: Limits | None = None,
    progress: Callable[[str, PropertyResult | None], None] | None = None,
) -> Report:
    """Grade one submission; raises intake.NotGradable (exit 2) when there is nothing to grade."""
    started = time.perf_counter()
    grading = profiles.GRADING_PROFILES[profile]
    sub = intake.read_submission(path)
    spec = intake.choose_convention(sub, convention, function)
    if spec.graded != "naive-softmax":  # negative sampling or skipgram: their own laws, calls and diagnosis
        from properties.grader import assignment

        return assignment.grade_one_function(sub, spec, profile, seed, tuple(allow_imports), limits, progress)
    impl, loaded, notes = load(sub, spec, tuple(allow_imports), limits or Limits())
    report = Report(submission=str(path), convention=spec.name, function=spec.function_name,
                    profile=profile, seed=seed, notes=notes)
    applicable = [law for law in laws.LAWS if law.applies_to(impl)]
    skipped = [law.name for law in laws.LAWS if not law.applies_to(impl)]
    if skipped:
        report.notes.append(NOTE_NOT_APPLICABLE.format(names=", ".join(skipped)))
    try:
        if isinstance(loaded, LoadFailed):
            for law in applicable:
                report.properties.append(PropertyResult(
                    law.name, law.title, law.equation_text, "error", law.weight,
                    MSG_LOAD_FAILED.format(reason=loaded.reason + (f"\n{loaded.traceback}" if loaded.traceback else ""))))
            report.your_output = loaded.output
            return report
        if loaded.shims:
            report.notes.append(NOTE_SHIMS.format(names=", ".join(s for s in loaded.shims if not s.startswith("_")
                                                                     and not s.rpartition(".")[2].startswith("_"))))
        if loaded.blocked:
            report.notes.append(NOTE_BLOCKED.format(what="; ".join(loaded.blocked)))
        diagnose = Diagnoser(impl)
        timeouts = 0
        for law in applicable:
            if progress:
                progress(law.name, None)
            if timeouts >= TIMEOUTS_BEFORE_GIVING_UP:
                entry = PropertyResult(law.name, law.title, law.equation_text, "timeout", law.weight,
                                       MSG_SKIPPED_AFTER_TIMEOUTS.format(count=timeouts))
                report.properties.append(entry)
                if progress:
                    progress(law.name, entry)
                continue
            result = run_law(law, impl, grading, random_seed=seed)
            timeouts += result.status == "timeout"
            diagnosis = diagnose(result.case) if result.status == "failed" and result.case is not None else []
            entry = _from_result(result, diagnosis)
            report.properties.append(entry)
            if progress:
                progress(law.name, entry)
        report.your_output = impl.captured_output()
    finally:
        impl.close()
        report.elapsed_s = time.perf_counter() - started
    return report
