"""The pytest plugin: ``pytest --cegrad-submission PATH`` collects one test per law against PATH.

The submission runs in the same sandbox as under ``cegrad grade`` and each law is checked by the
same runner, so the verdicts are those of the grader; pytest adds its own reporting, selection
(``-k row-sum``), junit XML and CI integration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from properties.grader.conventions import AUTO, CONVENTIONS, CUSTOM_FUNCTION_CONVENTION
from properties.grader.intake.reading import SUBMISSION_FILENAME

HELP_SUBMISSION = "grade this student file (or folder holding word2vec.py) with cegrad's laws; may be repeated"
HELP_CONVENTION = "calling convention of the submission (default auto)"
HELP_FUNCTION = f"function to grade under the {CUSTOM_FUNCTION_CONVENTION} convention " \
                f"(default {CONVENTIONS[CUSTOM_FUNCTION_CONVENTION].function_name})"
HELP_PROFILE = "cegrad grading profile: quick, standard or thorough (default standard)"
HELP_SEED = "Hypothesis seed for cegrad's laws (default 0)"
MSG_NOT_GRADABLE = "cegrad: cannot grade {path}: {reason}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cegrad", "cegrad: grade a word2vec gradient submission")
    group.addoption("--cegrad-submission", action="append", default=[], metavar="PATH", help=HELP_SUBMISSION)
    group.addoption("--cegrad-convention", default=AUTO, help=HELP_CONVENTION)
    group.addoption("--cegrad-function", default=None, help=HELP_FUNCTION)
    group.addoption("--cegrad-profile", default="standard", choices=("quick", "standard", "thorough"), help=HELP_PROFILE)
    group.addoption("--cegrad-seed", type=int, default=0, help=HELP_SEED)


def _submissions(config: pytest.Config) -> list[Path]:
    """The submitted files; a folder stands for the word2vec.py inside it."""
    from properties.grader.intake.reading import MSG_LINK_OUTSIDE

    files = []
    for given in config.getoption("cegrad_submission"):
        p = Path(given).absolute()
        p = p / SUBMISSION_FILENAME if p.is_dir() else p
        # Checked before resolving: a link to the instructor's solution must not be graded as the student's.
        if p.resolve().parent != p.parent.resolve():
            reason = MSG_LINK_OUTSIDE.format(path=p, target=p.resolve())
            raise pytest.UsageError(MSG_NOT_GRADABLE.format(path=p, reason=reason))
        files.append(p.resolve())
    return files


def pytest_configure(config: pytest.Config) -> None:
    submissions = _submissions(config)
    if submissions:
        # collect the submissions themselves rather than the test paths of the current project
        config.args[:] = [str(p) for p in submissions]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A submission is collected as laws to check, never imported as a test module."""
    if module_path.resolve() in _submissions(parent.config):
        return SubmissionFile.from_parent(parent, path=module_path)
    return None


class SubmissionFile(pytest.File):
    """One submission: a sandboxed child shared by its laws, started at setup, closed at teardown."""

    impl: Any = None
    loaded: Any = None

    sub: Any = None
    spec: Any = None
    recorder: Any = None

    def collect(self) -> Any:
        from properties import laws
        from properties.grader import intake

        config = self.config
        try:  # nothing gradable is one collection error with the grader's sentence, not a traceback
            self.sub = intake.read_submission(self.path)
            self.spec = intake.choose_convention(self.sub, config.getoption("cegrad_convention"),
                                                 config.getoption("cegrad_function"))
        except (intake.NotGradable, ValueError) as reason:
            raise self.CollectError(MSG_NOT_GRADABLE.format(path=self.path, reason=reason)) from None
        for law in laws.LAWS:
            yield LawItem.from_parent(self, name=law.name, law=law)

    def setup(self) -> None:
        from properties.grader import grade

        self.impl, self.loaded, _ = grade.load(self.sub, self.spec, (), grade.Limits())
        self.impl.labels = self.spec.labels
        self.recorder = grade.Recorder(self.impl)

    def teardown(self) -> None:
        if self.impl is not None:
            self.impl.close()


class LawFailed(Exception):
    """A law did not hold; carries the grader's message and diagnosis."""


class LawItem(pytest.Item):
    def __init__(self, *, law: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.law = law

    def runtest(self) -> None:
        from properties import profiles
        from properties.grader import diagnose, grade
        from properties.grader.sandbox.parent import LoadFailed
        from properties.runner import run_law

        parent = self.parent
        assert isinstance(parent, SubmissionFile)
        if isinstance(parent.loaded, LoadFailed):
            raise LawFailed(f"the submission could not be loaded: {parent.loaded.reason}")
        if not self.law.applies_to(parent.impl):
            pytest.skip(f"not graded for this convention (no {', '.join(sorted(self.law.needs))})")
        profile = profiles.GRADING_PROFILES[self.config.getoption("cegrad_profile")]
        recorder = parent.recorder
        recorder.begin()
        result = run_law(self.law, recorder, profile, random_seed=self.config.getoption("cegrad_seed"))
        if result.passed and self.law.name in grade.NEEDS_OUTPUTS and recorder.calls and not recorder.usable_calls:
            raise LawFailed(grade.MSG_NOTHING_TO_CHECK.format(
                reason=diagnose.unreadable_reason(recorder.last if isinstance(recorder.last, grade.Outputs) else None)))
        if not result.passed:
            context = grade._context(parent.impl, parent.sub, parent.spec, "strict")
            why = diagnose.explain(diagnose.Evidence(self.law.name, result.status, result.case,
                                                     recorder.outcome(result.case), result.message), context)
            lines = [f"Root cause: {why.title}", diagnose.without_fixed_hint(result.message)]
            lines += [f"Diagnosis: {d}" for d in why.diagnosis]
            lines += [f"Likely mistake: {why.hint}"] if why.hint else []
            raise LawFailed("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, LawFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.law.name} {self.law.equation_text}"
