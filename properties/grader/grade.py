"""Grading one submission: source -> sandboxed implementation -> every law -> a report.

This is the whole data path of ``cegrad grade``; the CLI only parses arguments and prints.
"""

from __future__ import annotations

import hashlib
import re
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

import reference
from properties import compare, laws, profiles, tolerances
from properties.grader import diagnose, findings, intake
from properties.grader.conventions import Convention
from properties.grader.findings import Finding
from properties.grader.sandbox import oslayers
from properties.grader.sandbox.parent import Limits, LoadFailed, LoadInfo, SandboxedImplementation
from properties.implementation import Implementation, ImplementationFatal, Outputs
from properties.runner import LawResult, run_law
from properties.strategies import Case

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
    #: the root cause this law's failure belongs to (a key of :class:`Finding`); "" when it passed
    cause: str = ""
    #: the graded function this law belongs to (one report may grade several functions)
    section: str = ""
    #: the smallest case, for choosing a finding's counterexample: (W·d, W)
    size: tuple[int, int] | None = None


@dataclass
class Report:
    submission: str
    convention: str
    function: str
    profile: str
    seed: int
    properties: list[PropertyResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: One line per sandbox layer, active or skipped with the reason (json notes; text with --verbose).
    sandbox: list[str] = field(default_factory=list)
    your_output: str = ""
    elapsed_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    precision: str = "strict"

    @property
    def score(self) -> float:
        return sum(p.weight for p in self.properties if p.status == "passed")

    @property
    def max_score(self) -> float:
        return sum(p.weight for p in self.properties)

    @property
    def passed(self) -> bool:
        return bool(self.properties) and all(p.status == "passed" for p in self.properties)

    @property
    def sections(self) -> list[str]:
        """The graded functions, in the order their laws ran."""
        return list(dict.fromkeys(p.section or self.function for p in self.properties))


def _counterexample(case: Case | None) -> dict[str, object] | None:
    if case is None:
        return None
    if case.U.size <= 4096:
        return case.to_json()
    return {"W": case.W, "d": case.d, "o": case.o, "description": case.describe()}


def _from_result(result: LawResult, section: str) -> PropertyResult:
    law = result.law
    return PropertyResult(
        name=law.name, title=law.title, equation=law.equation_text, status=result.status,
        weight=law.weight, message=result.message, counterexample=_counterexample(result.case), section=section,
        size=None if result.case is None else (result.case.W * result.case.d, result.case.W),
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


class Recorder:
    """The implementation under test, remembering what it answered: diagnosis reads these answers.

    Each call's outcome (its :class:`Outputs`, or the exception it raised) is kept by the input's
    content, so the outputs that broke a law are the ones diagnosed; the child is never asked
    again for them.  Entries are dropped oldest first beyond ``cap_bytes`` of input and output.
    """

    def __init__(self, impl: Implementation, cap_bytes: int = 64 << 20) -> None:
        self._impl, self._cap = impl, cap_bytes
        self._seen: OrderedDict[bytes, tuple[Outputs | BaseException, int]] = OrderedDict()
        self._bytes = 0
        self.calls = self.usable_calls = 0
        self.last: Outputs | BaseException | None = None  # the latest outcome
        #: how the loss came back where it has no float value (ŷ_o underflows): "inf", "math.log"
        self.unrepresentable_loss: set[str] = set()

    def __getattr__(self, name: str) -> Any:  # name, provides, labels, grad_U_from_label, ...
        return getattr(self._impl, name)

    def begin(self) -> None:
        """Start counting the calls of one law."""
        self.calls = self.usable_calls = 0

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int) -> Outputs:
        key, size = _key(U, v_c, o), U.nbytes + v_c.nbytes
        self.calls += 1
        try:
            outputs = self._impl(U, v_c, o)
        except BaseException as error:
            self._remember(key, error, size)
            if (type(error).__name__, str(error)) == compare.MATH_LOG_OF_ZERO and _loss_ungraded(U, v_c, o):
                self.unrepresentable_loss.add("math.log")
            raise
        self._remember(key, outputs, size + sum(v.nbytes for v in _arrays(outputs)))
        loss = outputs.loss
        if isinstance(loss, np.ndarray) and loss.size == 1 and np.isposinf(loss).all() and _loss_ungraded(U, v_c, o):
            self.unrepresentable_loss.add("inf")
        provided = [outputs.get(name) for name in self._impl.provides]
        self.usable_calls += all(isinstance(v, np.ndarray) for v in provided)
        return outputs

    def _remember(self, key: bytes, outcome: Outputs | BaseException, size: int) -> None:
        if key in self._seen:
            self._bytes -= self._seen.pop(key)[1]
        self._seen[key] = (outcome, size)
        self.last = outcome
        self._bytes += size
        while self._bytes > self._cap and len(self._seen) > 1:
            self._bytes -= self._seen.popitem(last=False)[1][1]

    def outcome(self, case: Case | None) -> Outputs | BaseException | None:
        """What the implementation answered on ``case`` the last time it was asked (None: not kept)."""
        if case is None:
            return None
        entry = self._seen.get(_key(case.U, case.v_c, case.o))
        return None if entry is None else entry[0]


def _key(U: np.ndarray, v_c: np.ndarray, o: int) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for array in (U, v_c):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(str(int(o)).encode())
    return digest.digest()


def _loss_ungraded(U: np.ndarray, v_c: np.ndarray, o: int) -> bool:
    """ŷ_o underflows on this input, so its loss has no float value and is not graded."""
    try:
        with np.errstate(all="ignore"):
            return bool(reference.loss(U, v_c, o) >= tolerances.loss_graded_below(U.dtype))
    except (ValueError, TypeError):  # an input the reference refuses is not a graded one
        return False


def _arrays(outputs: Outputs) -> list[np.ndarray]:
    return [v for v in (outputs.grad_U, outputs.loss, outputs.grad_v_c) if isinstance(v, np.ndarray)]


#: Laws about how the outputs behave (not what they are): credited only when they saw outputs.
NEEDS_OUTPUTS = ("inputs-unchanged", "repeatable")
MSG_NOTHING_TO_CHECK = (
    "Not checked: every call in this law returned nothing the grader could read ({reason}), so there is "
    "nothing to compare between calls or with the inputs; a function that returns nothing cannot earn "
    "these points."
)


def grade(
    path: str | Path,
    convention: str = "auto",
    function: str | None = None,
    profile: str = "standard",
    seed: int = 0,
    allow_imports: tuple[str, ...] = (),
    limits: Limits | None = None,
    progress: Callable[[str, PropertyResult | None], None] | None = None,
    precision: str = "strict",
) -> Report:
    """Grade one submission; raises intake.NotGradable (exit 2) when there is nothing to grade.

    ``precision`` is the policy of :func:`properties.tolerances.working_precision`: "strict"
    (float64 input is computed in float64) or "float32-ok".
    """
    started = time.perf_counter()
    with tolerances.working_precision(precision):  # also checks the name before any work
        pass
    grading = profiles.GRADING_PROFILES[profile]
    sub = intake.read_submission(path)
    spec = intake.choose_convention(sub, convention, function)
    if spec.graded != "naive-softmax":  # negative sampling or skipgram: their own laws, calls and diagnosis
        from properties.grader import assignment

        return assignment.grade_one_function(sub, spec, profile, seed, tuple(allow_imports), limits, progress)
    impl, loaded, notes = load(sub, spec, tuple(allow_imports), limits or Limits())
    report = Report(submission=str(path), convention=spec.name, function=spec.function_name,
                    profile=profile, seed=seed, notes=notes, precision=precision)
    section = spec.function_name
    applicable = [law for law in laws.LAWS if law.applies_to(impl)]
    skipped = [law.name for law in laws.LAWS if not law.applies_to(impl)]
    if skipped:
        report.notes.append(NOTE_NOT_APPLICABLE.format(names=", ".join(skipped)))
    recorder = Recorder(impl)
    evidence: dict[str, diagnose.Evidence] = {}
    report.sandbox = oslayers.describe(loaded.layers)
    try:
        if isinstance(loaded, LoadFailed):
            for law in applicable:
                report.properties.append(PropertyResult(
                    law.name, law.title, law.equation_text, "error", law.weight,
                    MSG_LOAD_FAILED.format(reason=loaded.reason + (f"\n{loaded.traceback}" if loaded.traceback else "")),
                    section=section))
                evidence[law.name] = diagnose.Evidence(law.name, "error", None, None, report.properties[-1].message)
            report.your_output = loaded.output
            report.findings = findings.findings(report.properties, evidence, _context(impl, sub, spec, precision))
            return report
        if loaded.shims:
            report.notes.append(NOTE_SHIMS.format(names=", ".join(s for s in loaded.shims if not s.startswith("_")
                                                                     and not s.rpartition(".")[2].startswith("_"))))
        if loaded.blocked:
            report.notes.append(NOTE_BLOCKED.format(what="; ".join(loaded.blocked)))
        timeouts = 0
        for law in applicable:
            if progress:
                progress(law.name, None)
            if timeouts >= TIMEOUTS_BEFORE_GIVING_UP:
                entry = PropertyResult(law.name, law.title, law.equation_text, "timeout", law.weight,
                                       MSG_SKIPPED_AFTER_TIMEOUTS.format(count=timeouts), section=section)
                evidence[law.name] = diagnose.Evidence(law.name, "timeout", None, None, entry.message)
                report.properties.append(entry)
                if progress:
                    progress(law.name, entry)
                continue
            recorder.begin()
            with tolerances.working_precision(precision):
                result = run_law(law, recorder, grading, random_seed=seed)
            timeouts += result.status == "timeout"
            entry = _from_result(result, section)
            outcome = recorder.outcome(result.case)
            if entry.status == "passed" and law.name in NEEDS_OUTPUTS and recorder.calls \
                    and not recorder.usable_calls:
                outcome = recorder.last  # nothing readable came back: the law is not checked, not passed
                entry.status, entry.message = "failed", MSG_NOTHING_TO_CHECK.format(
                    reason=diagnose.unreadable_reason(outcome if isinstance(outcome, Outputs) else None))
            if entry.status != "passed":
                evidence[law.name] = diagnose.Evidence(law.name, entry.status, result.case,
                                                       outcome, entry.message)
            report.properties.append(entry)
            if progress:
                progress(law.name, entry)
        context = _context(impl, sub, spec, precision)
        if timeouts < TIMEOUTS_BEFORE_GIVING_UP:
            context = replace(context, probe=_probe(recorder))
        report.findings = findings.findings(report.properties, evidence, context)
        precision_note = findings.precision_finding(context, report.properties)
        if precision_note is not None:
            report.findings.append(precision_note)
        for finding in report.findings:
            finding.section = finding.section or section
            for p in report.properties:
                if p.name in finding.laws or p.name in finding.not_checked:
                    p.cause, p.diagnosis = finding.cause, list(finding.diagnosis)
        with tolerances.working_precision(precision):
            graded_below = tolerances.loss_graded_below(np.float64)
        report.notes.extend(findings.loss_policy_notes(recorder.unrepresentable_loss, graded_below))
        report.your_output, hidden = findings.quiet_accepted_warnings(
            impl.captured_output(), accepted="inf" in recorder.unrepresentable_loss)
        if hidden:
            report.notes.append(hidden)
    finally:
        impl.close()
        report.elapsed_s = time.perf_counter() - started
    return report


def _context(impl: Implementation, sub: intake.Submission, spec: Convention,
             precision: str) -> diagnose.Context:
    return diagnose.Context(provides=frozenset(impl.provides), labels=dict(spec.labels),
                            precision=precision, source=diagnose.SourceFacts.of(sub.text, spec.function_name))


def _probe(recorder: Recorder) -> Outputs | None:
    """The implementation's outputs on diagnose.PROBE, asked once after the laws (None if it fails)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return recorder(diagnose.PROBE.U.copy(), diagnose.PROBE.v_c.copy(), diagnose.PROBE.o)
    except (Exception, ImplementationFatal):  # nothing returned, nothing to compare
        return None
