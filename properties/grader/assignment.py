"""Grading the whole word2vec assignment: every one of its functions a file defines, in one report.

``cegrad grade --convention assignment PATH`` finds which of the three functions the file defines
(the naive softmax, negative sampling, skipgram; camelCase or snake_case), grades each in a child of
its own against its own laws, and returns one :class:`~properties.grader.grade.Report` whose
properties carry the function they belong to (``section``): one score over all of them, a section
per function in every format.  The naive softmax is graded exactly as ``--convention auto`` grades
it (:func:`properties.grader.grade.grade`); negative sampling and skipgram by the laws of
:mod:`properties.assignment.laws`, with the diagnosis below.

Diagnosis is a pure function of what the submission answered on the failing case (kept by
:class:`Recorder`, never asked again) and of our own code: a mistake of
:mod:`properties.assignment.mistakes` explains a failure when its output equals the submission's on
that case in every slot the submission got wrong; where several do, the one that explains the most
failed laws of the function, then the one the law names first, wins.
"""

from __future__ import annotations

import ast
import hashlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from properties import profiles, tolerances
from properties.assignment import laws as assignment_laws
from properties.assignment import mistakes
from properties.assignment.implementation import WindowOutputs, word_losses
from properties.assignment.sandboxed import SandboxedNegSampling, SandboxedWindow
from properties.assignment.strategies import NegSamplingCase, WindowCase
from properties.grader import grade, intake
from properties.grader.conventions import ASSIGNMENT, CONVENTIONS, Convention
from properties.grader.findings import Finding
from properties.grader.intake import lexing
from properties.grader.sandbox.parent import Limits, LoadFailed
from properties.implementation import Outputs, normalise_output
from properties.mistakes import Mistake
from properties.runner import LawResult, run_law

#: The assignment's functions in the order they are graded and reported, each with its rows
#: (camelCase first); a row is chosen by the function name, skipgram's by its first parameter.
FUNCTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("naive-softmax", ("cs224n", "cs224n-snake")),
    ("neg-sampling", ("cs224n-negsamp", "cs224n-snake-negsamp")),
    ("skipgram", ("cs224n-skipgram", "cs224n-snake-skipgram")),
)
MSG_NONE_DEFINED = (
    "{path}: --convention assignment grades the word2vec assignment's functions, but the file defines none "
    "of {wanted}; it defines {defined}."
)
NOTE_FUNCTIONS = "graded the assignment's functions this file defines: {names}"
NOTE_MISSING = "not graded (the file does not define it): {names}"
NOTE_EQUATIONS = ("equations (25)-(39), cited by the laws of negative sampling and skipgram: the derivation in "
                  "docs/negative-sampling.md")
MSG_DRAWS = ("dataset: {function} took {drawn} draws from dataset.sampleTokenIdx() on this case, where the "
             "course's getNegativeSamples takes {expected} (K = {K} negatives, re-drawing o = {o} whenever it comes "
             "up), so its negatives are not the ones the grader drew: keep getNegativeSamples(outsideWordIdx, "
             "dataset, K) unchanged")


def _first_parameter(text: str, name: str) -> str | None:
    try:
        tree = lexing.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name and node.args.args:
            return node.args.args[0].arg
    return None


def assignment_conventions(sub: intake.Submission) -> list[Convention]:
    """The rows to grade ``sub`` under: one per function of the assignment it defines."""
    defined = intake.defined_functions(sub.text)
    chosen = []
    for kind, rows in FUNCTIONS:
        present = [CONVENTIONS[r] for r in rows if CONVENTIONS[r].function_name in defined]
        if kind == "skipgram" and present:
            snake = _first_parameter(sub.text, "skipgram") == "current_center_word"
            present = [CONVENTIONS[rows[1 if snake else 0]]]
        if present:
            chosen.append(present[0])
    if not chosen:
        wanted = list(dict.fromkeys(CONVENTIONS[r].function_name for _, rows in FUNCTIONS for r in rows))
        raise intake.NotGradable(MSG_NONE_DEFINED.format(path=sub.path.name, wanted=", ".join(wanted),
                                                         defined=", ".join(defined) or "no functions"))
    return chosen


# ---------------------------------------------------------------------------------------------
# Remembering what the submission answered


def _key(arrays: tuple[np.ndarray, ...], rest: object) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr(rest).encode())
    return digest.digest()


class Recorder:
    """The implementation under test, keeping its latest answers by input (a bounded number of them)."""

    def __init__(self, impl: Any, keep: int = 4096) -> None:
        self._impl, self._keep = impl, keep
        self._seen: dict[bytes, tuple[Any, int | None]] = {}
        self.name, self.provides, self.labels = impl.name, impl.provides, impl.labels

    def __call__(self, *args: Any) -> Any:
        arrays = tuple(a for a in args if isinstance(a, np.ndarray))
        key = _key(arrays, [a for a in args if not isinstance(a, np.ndarray)])
        try:
            answer = self._impl(*args)
        except Exception as error:
            self._remember(key, error)
            raise
        self._remember(key, answer)
        return answer

    def _remember(self, key: bytes, answer: Any) -> None:
        self._seen.pop(key, None)
        # with the number of sampler draws the call took (negative sampling in the sandbox says it)
        self._seen[key] = (answer, getattr(self._impl, "last_drawn", None))
        while len(self._seen) > self._keep:
            self._seen.pop(next(iter(self._seen)))

    def _entry(self, case: Any) -> tuple[Any, int | None]:
        if isinstance(case, NegSamplingCase):
            return self._seen.get(_key((case.U, case.v_c), [case.o, case.draws, case.K]), (None, None))
        if isinstance(case, WindowCase):
            return self._seen.get(_key((case.V, case.U), [case.c, case.outside, case.negatives]), (None, None))
        return None, None

    def answer_on(self, case: Any) -> Any:
        """What the implementation returned (or raised) on ``case`` the last time; None if not kept."""
        return self._entry(case)[0]

    def drawn_on(self, case: Any) -> int | None:
        """How many sampler draws that call took, where the implementation said."""
        return self._entry(case)[1]


# ---------------------------------------------------------------------------------------------
# Diagnosis: which named mistake gives the outputs that failed

MATCH_RTOL = tolerances.DIAGNOSIS_MATCH_RTOL  # as properties.grader.diagnose (derived in tolerances.py)


def _as_array(value: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    array = value if isinstance(value, np.ndarray) else normalise_output(value)
    if not isinstance(array, np.ndarray) or array.size != int(np.prod(shape)):
        return None
    return array.astype(np.float64).reshape(shape)


def _same(a: np.ndarray | None, b: np.ndarray | None, scale: float) -> bool:
    return a is not None and b is not None and bool(
        np.allclose(a, b, rtol=MATCH_RTOL, atol=MATCH_RTOL * (scale or 1.0), equal_nan=True))


def _truth_and_tolerance(case: NegSamplingCase | WindowCase) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if isinstance(case, NegSamplingCase):
        t = assignment_laws.ns_truth(case)
        return ({"loss": np.asarray(t.loss), "grad_v_c": t.grad_v_c, "grad_U": t.grad_U},
                {"loss": t.bounds.loss, "grad_v_c": t.bounds.grad_v_c, "grad_U": t.bounds.grad_U})
    w = assignment_laws.window_truth(case)
    grad_V_tol = np.broadcast_to(w.bounds.grad_v_c, w.grad_V.shape)
    return ({"loss": np.asarray(w.loss), "grad_V": w.grad_V, "grad_U": w.grad_U},
            {"loss": w.bounds.loss, "grad_V": grad_V_tol, "grad_U": w.bounds.grad_U})


def _mistake_outputs(mistake: Mistake, case: NegSamplingCase | WindowCase) -> dict[str, Any] | None:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            # the catalogue types a mistake as a function of (U, v_c, o); these take more arguments
            fn: Callable[..., Any] = mistake.function()
            if isinstance(case, NegSamplingCase):
                loss, g_v, g_U = fn(case.U.copy(), case.v_c.copy(), case.o, list(case.negatives))
                return {"loss": loss, "grad_v_c": g_v, "grad_U": g_U}
            loss, g_V, g_U = fn(case.V.copy(), case.U.copy(), case.c, list(case.outside), word_losses(case.negatives))
            return {"loss": loss, "grad_V": g_V, "grad_U": g_U}
    except Exception:  # a mistake that crashes here cannot explain a returned value
        return None


#: The order a student's attention goes: the outside vectors' gradient first (as for the naive softmax).
SLOT_ORDER = ("grad_U", "grad_v_c", "grad_V", "loss")


def wrong_slots(answer: Outputs | WindowOutputs, case: NegSamplingCase | WindowCase) -> dict[str, np.ndarray | None]:
    """slot -> what was received (None if unreadable), for each slot outside its tolerance, in SLOT_ORDER."""
    truth, tolerance = _truth_and_tolerance(case)
    wrong = {}
    for name in sorted(truth, key=SLOT_ORDER.index):
        received = _as_array(answer.get(name), np.shape(truth[name]))
        with np.errstate(invalid="ignore"):
            if received is None or not np.all(np.abs(received - truth[name]) <= tolerance[name]):
                wrong[name] = received
    return wrong


def explaining_by_slot(answer: Outputs | WindowOutputs, case: NegSamplingCase | WindowCase
                       ) -> dict[str, list[Mistake]]:
    """For each wrong slot (in SLOT_ORDER), the diagnosable mistakes that give exactly what was received
    there and are wrong there themselves (as the naive softmax's diagnosis: slot by slot, so a
    submission with two mistakes in two outputs has both named)."""
    catalogue = mistakes.NEG_SAMPLING if isinstance(case, NegSamplingCase) else mistakes.WINDOW
    truth, tolerance = _truth_and_tolerance(case)
    shapes = {name: np.shape(value) for name, value in truth.items()}
    wrong = wrong_slots(answer, case)
    found: dict[str, list[Mistake]] = {name: [] for name in wrong}
    if not wrong:
        return found
    for mistake in catalogue:
        if not mistake.diagnosable:
            continue
        produced = _mistake_outputs(mistake, case)
        if produced is None:
            continue
        for name, received in wrong.items():
            theirs = _as_array(produced[name], shapes[name])
            scale = float(np.abs(truth[name]).max(initial=0.0))
            with np.errstate(invalid="ignore"):
                changes_it = theirs is None or not bool(np.all(np.abs(theirs - truth[name]) <= tolerance[name]))
            if changes_it and _same(received, theirs, scale):
                found[name].append(mistake)
    return found


def explaining_mistakes(answer: Outputs | WindowOutputs, case: NegSamplingCase | WindowCase) -> list[Mistake]:
    """The mistakes that explain the first wrong slot (SLOT_ORDER) of the answer; [] for a right answer."""
    by_slot = explaining_by_slot(answer, case)
    return next(iter(by_slot.values()), [])


# ---------------------------------------------------------------------------------------------
# Grading one function


@dataclass
class Section:
    """What grading one function gave: its properties, notes and captured output."""

    function: str
    convention: str
    properties: list[grade.PropertyResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    your_output: str = ""
    findings: list[Finding] = field(default_factory=list)  # root causes, where grouped


def _counterexample(case: Any) -> dict[str, object] | None:
    if case is None:
        return None
    if case.U.size <= 4096:
        return {**case.to_json(), "description": case.describe()}
    return {"W": case.W, "d": case.d, "description": case.describe()}


def _entry(result: LawResult, section: str, diagnosis: list[str]) -> grade.PropertyResult:
    law = result.law
    entry = grade.PropertyResult(name=law.name, title=law.title, equation=law.equation_text, status=result.status,
                                 weight=law.weight, message=result.message,
                                 counterexample=_counterexample(result.case), diagnosis=diagnosis)
    entry.section = section
    return entry


def grade_function(sub: intake.Submission, spec: Convention, profile: str, seed: int,
                   allow_imports: tuple[str, ...], limits: Limits,
                   progress: Callable[[str, grade.PropertyResult | None], None] | None = None) -> Section:
    """Grade negative sampling or skipgram (``spec.graded``) in a child of its own."""
    section = Section(spec.function_name, spec.name)
    law_set = assignment_laws.NEG_SAMPLING_LAWS if spec.graded == "neg-sampling" else assignment_laws.WINDOW_LAWS
    sandboxed, loaded, notes = grade.load(sub, spec, allow_imports, limits)
    section.notes += notes
    adapter = SandboxedNegSampling(sandboxed) if spec.graded == "neg-sampling" else SandboxedWindow(sandboxed)
    recorder = Recorder(adapter)
    grading = profiles.GRADING_PROFILES[profile]
    try:
        if isinstance(loaded, LoadFailed):
            reason = loaded.reason + (f"\n{loaded.traceback}" if loaded.traceback else "")
            for law in law_set:
                entry = grade.PropertyResult(law.name, law.title, law.equation_text, "error", law.weight,
                                             grade.MSG_LOAD_FAILED.format(reason=reason))
                entry.section = spec.function_name
                section.properties.append(entry)
            section.your_output = loaded.output
            return section
        if loaded.shims:
            section.notes.append(grade.NOTE_SHIMS.format(names=", ".join(
                s for s in loaded.shims if not s.startswith("_") and not s.rpartition(".")[2].startswith("_"))))
        if loaded.blocked:
            section.notes.append(grade.NOTE_BLOCKED.format(what="; ".join(loaded.blocked)))
        results: list[LawResult] = []
        timeouts = 0
        for law in law_set:
            if progress:
                progress(law.name, None)
            if timeouts >= grade.TIMEOUTS_BEFORE_GIVING_UP:
                results.append(LawResult(law, "timeout", grade.MSG_SKIPPED_AFTER_TIMEOUTS.format(count=timeouts)))
            else:
                results.append(run_law(law, cast(Any, recorder), grading, random_seed=seed))
            timeouts += results[-1].status == "timeout"
            if progress:
                progress(law.name, None)
        explained = _diagnose(results, recorder)
        for result in results:
            sampler = _sampler_mismatch(result, recorder, spec)
            diagnosis = [sampler] if sampler else explained.get(result.law.name, []) or _structural(result, recorder)
            section.properties.append(_entry(result, spec.function_name, diagnosis))
        section.your_output = sandboxed.captured_output()
    finally:
        sandboxed.close()
    return section


def _diagnose(results: list[LawResult], recorder: Recorder) -> dict[str, list[str]]:
    """law name -> diagnosis lines, from the outputs that failed (never a new call)."""
    candidates: dict[str, list[Mistake]] = {}
    first_wrong: dict[str, str] = {}
    for result in results:
        if result.status != "failed" or result.case is None:
            continue
        case: Any = result.case
        answer = recorder.answer_on(case)
        if isinstance(answer, Outputs | WindowOutputs):
            by_slot = explaining_by_slot(answer, case)
            if by_slot:  # the first wrong slot, as the student reads the outputs
                first_wrong[result.law.name], candidates[result.law.name] = next(iter(by_slot.items()))
    votes: dict[str, int] = {}
    for found in candidates.values():
        for mistake in found:
            votes[mistake.name] = votes.get(mistake.name, 0) + 1
    diagnosis = {}
    for law_name, found in candidates.items():
        if not found:
            continue
        declared = [r.mistake.name for r in assignment_laws.get(law_name).rejects]
        best = max(found, key=lambda m: (votes[m.name], m.name in declared,
                                         -declared.index(m.name) if m.name in declared else 0))
        # "gradOutsideVecs: <explanation>", the form of the naive softmax's diagnosis lines
        diagnosis[law_name] = [f"{recorder.labels.get(first_wrong[law_name], first_wrong[law_name])}: {best.explanation}"]
    return diagnosis


MSG_STUB = "your function still raises NotImplementedError: it is the unfinished stub; write its ### YOUR CODE HERE part"
MSG_RAISED = "your function raised {type}: {message}"
MSG_ALL_ZERO = ("every output is 0 where the true ones are not: the starter code's zeros come back unchanged (is its "
                "### YOUR CODE HERE part still empty?)")


def _structural(result: LawResult, recorder: Recorder) -> list[str]:
    """Where no mistake explains a failure, what the answer itself shows: it raised, it is not an array, or
    it is the starter code's zeros.  Said in the same words for every law it breaks, so they group."""
    if result.status not in ("failed", "error") or result.case is None:
        return []
    case: Any = result.case
    answer = recorder.answer_on(case)
    function = recorder.name.rpartition(":")[2] or recorder.name
    if isinstance(answer, Exception):
        kind = str(getattr(answer, "type_name", "") or type(answer).__name__)
        if kind.rpartition(".")[2] == "NotImplementedError":
            return [f"{function}: {MSG_STUB}"]
        return [f"{function}: {MSG_RAISED.format(type=kind, message=str(answer)[:200])}"]
    if not isinstance(answer, Outputs | WindowOutputs):
        return []
    slots = [n for n in SLOT_ORDER if n in recorder.provides]
    values = {n: answer.get(n) for n in slots}
    unusable = [(n, v) for n, v in values.items() if not isinstance(v, np.ndarray)]
    if unusable:
        name, value = unusable[0]
        reason = getattr(value, "reason", "nothing")
        return [f"{recorder.labels.get(name, name)}: {reason}"]
    truth, _ = _truth_and_tolerance(case)
    arrays = [v for v in values.values() if isinstance(v, np.ndarray)]
    if all(not np.any(a) for a in arrays) and any(np.any(truth[n]) for n in slots):
        return [f"{function}: {MSG_ALL_ZERO}"]
    return []


def _sampler_mismatch(result: LawResult, recorder: Recorder, spec: Convention) -> str | None:
    """The diagnosis where negative sampling took another number of draws than getNegativeSamples
    would on the failing case: then its negatives are not the grader's, and that explains the law."""
    case = result.case
    if spec.graded != "neg-sampling" or result.status != "failed" or not isinstance(case, NegSamplingCase):
        return None
    taken, expected = 0, 0
    for index, draw in enumerate(case.draws):  # up to and including the K-th draw that is not o
        taken += draw != case.o
        if taken == case.K:
            expected = index + 1
            break
    drawn = recorder.drawn_on(case)
    if drawn is None or drawn == expected:
        return None
    return MSG_DRAWS.format(function=spec.function_name, drawn=drawn, expected=expected, K=case.K, o=case.o)


def grade_section(path: str | Path, convention: str, profile: str, seed: int, allow_imports: tuple[str, ...],
                  limits: Limits | None,
                  progress: Callable[[str, grade.PropertyResult | None], None] | None = None,
                  precision: str = "strict") -> Section:
    """Grade one function of the assignment (the row ``convention``); the naive softmax exactly as
    ``grade.grade`` grades it alone."""
    spec = CONVENTIONS[convention]
    if spec.graded == "naive-softmax":
        part = grade.grade(path, convention=spec.name, profile=profile, seed=seed, allow_imports=allow_imports,
                           limits=limits, progress=progress, precision=precision)
        for p in part.properties:
            p.section = spec.function_name
        for f in part.findings:
            f.section = spec.function_name
        return Section(spec.function_name, spec.name, part.properties, part.notes, part.your_output, part.findings)
    return grade_function(intake.read_submission(path), spec, profile, seed, allow_imports, limits or Limits(), progress)


def grade_assignment(
    path: str | Path,
    profile: str = "standard",
    seed: int = 0,
    allow_imports: tuple[str, ...] = (),
    limits: Limits | None = None,
    progress: Callable[[str, grade.PropertyResult | None], None] | None = None,
    precision: str = "strict",
) -> grade.Report:
    """One report for every function of the assignment the file defines; NotGradable if none.

    ``precision`` (--precision) applies to the naive softmax's laws, whose bounds follow it."""
    started = time.perf_counter()
    sub = intake.read_submission(path)
    specs = assignment_conventions(sub)
    names = [spec.function_name for spec in specs]
    report = grade.Report(submission=str(path), convention=ASSIGNMENT, function=", ".join(names),
                          profile=profile, seed=seed, precision=precision)
    report.notes.append(NOTE_FUNCTIONS.format(names=", ".join(f"{s.function_name} ({s.name})" for s in specs)))
    missing = [kind for kind, rows in FUNCTIONS if not any(spec.name in rows for spec in specs)]
    if missing:
        report.notes.append(NOTE_MISSING.format(names=", ".join(missing)))
    if any(spec.graded != "naive-softmax" for spec in specs):
        report.notes.append(NOTE_EQUATIONS)
    # one after the other: in parallel processes (tried) the sections took as long on the shared 2 cores
    sections = [grade_section(path, spec.name, profile, seed, tuple(allow_imports), limits, progress, precision)
                for spec in specs]
    for section in sections:
        report.properties += section.properties
        report.findings += section.findings
    # a note every function got (the module imported whole, say) is said once; the others name their function
    common = [n for n in sections[0].notes if all(n in s.notes for s in sections)]
    report.notes += common
    report.notes += [f"{s.function}: {n}" for s in sections for n in s.notes if n not in common]
    report.your_output = "".join(f"[{s.function}]\n{s.your_output}" for s in sections if s.your_output.strip())
    report.elapsed_s = time.perf_counter() - started
    return report


def grade_one_function(sub: intake.Submission, spec: Convention, profile: str = "standard", seed: int = 0,
                       allow_imports: tuple[str, ...] = (), limits: Limits | None = None,
                       progress: Callable[[str, grade.PropertyResult | None], None] | None = None) -> grade.Report:
    """The report of ``cegrad grade --convention cs224n-negsamp`` (or a skipgram row, or auto choosing one):
    that function alone, by its own laws (``grade.grade`` hands such rows here)."""
    started = time.perf_counter()
    section = grade_function(sub, spec, profile, seed, allow_imports, limits or Limits(), progress)
    report = grade.Report(submission=str(sub.path), convention=spec.name, function=spec.function_name,
                          profile=profile, seed=seed, properties=section.properties,
                          notes=[*section.notes, NOTE_EQUATIONS], your_output=section.your_output)
    report.elapsed_s = time.perf_counter() - started
    return report
