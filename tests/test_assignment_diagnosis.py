"""Diagnosis of negative sampling and skip-gram, in-process: a pure function of the failing outputs.

For every named mistake, its law's failing case and the outputs that failed it (kept by the
Recorder, never asked for again) are explained by that mistake and by no mistake for a correct
answer.  The same path runs sandboxed in tests/test_grader_assignment.py (slow).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from properties import profiles
from properties.assignment import implementation, laws, mistakes
from properties.assignment import strategies as s
from properties.grader import assignment, intake
from properties.registry import pairs
from properties.runner import run_law

PROFILE = profiles.GRADING_PROFILES["standard"]
FIRST_LAW = {}
for law, rejection in pairs(laws.all_laws()):
    FIRST_LAW.setdefault(rejection.mistake.name, law.name)


def _implementation(mistake: mistakes.Mistake) -> Any:
    if mistakes.kind_of(mistake) == "neg-sampling":
        return implementation.from_neg_sampling(mistake.function(), mistake.name)
    return implementation.from_window(mistake.function(), mistake.name)


@pytest.mark.parametrize("mistake_name", sorted(FIRST_LAW))
def test_the_failing_outputs_of_a_mistake_are_explained_by_it(mistake_name: str) -> None:
    mistake = mistakes.BY_NAME[mistake_name]
    recorder = assignment.Recorder(_implementation(mistake))
    result = run_law(laws.get(FIRST_LAW[mistake_name]), cast(Any, recorder), PROFILE, random_seed=1)
    assert result.status == "failed" and result.case is not None
    answer = recorder.answer_on(result.case)
    assert answer is not None, "the outputs that failed were not kept"
    found = assignment.explaining_mistakes(answer, cast(Any, result.case))
    assert mistake in found, [m.name for m in found]


@pytest.mark.parametrize("case", [*s.PINNED_NS, *s.PINNED_WINDOWS], ids=lambda c: c.note)
def test_a_correct_answer_is_explained_by_no_mistake(case: Any) -> None:
    if isinstance(case, s.NegSamplingCase):
        answer = implementation.reference_neg_sampling()(case.U, case.v_c, case.o, case.draws, case.K)
    else:
        answer = implementation.reference_window()(case.V, case.U, case.c, case.outside, case.negatives)
    assert assignment.explaining_mistakes(answer, case) == []


def test_the_diagnosis_picks_the_mistake_that_explains_most_failed_laws() -> None:
    mistake = mistakes.BY_NAME["fancy-index-drops-repeats"]
    recorder = assignment.Recorder(_implementation(mistake))
    results = [run_law(law, cast(Any, recorder), PROFILE, random_seed=0) for law in laws.NEG_SAMPLING_LAWS]
    diagnosis = assignment._diagnose(results, recorder)
    assert diagnosis["ns-repeated-draws"] == [f"dJ/dU: {mistake.explanation}"]
    assert all([line.partition(": ")[2] for line in lines] == [mistake.explanation] for lines in diagnosis.values())


def test_the_functions_a_file_defines_choose_the_rows_camel_or_snake(tmp_path: Path) -> None:
    path = tmp_path / "word2vec.py"
    path.write_text("def negSamplingLossAndGradient(a, b, c, d, K=10):\n    pass\n\n"
                    "def skipgram(current_center_word, window_size, outside_words, word2ind, V, U, dataset, f=None):\n"
                    "    pass\n")
    chosen = assignment.assignment_conventions(intake.read_submission(path))
    assert [c.name for c in chosen] == ["cs224n-negsamp", "cs224n-snake-skipgram"]


def test_the_fast_loop_grades_negative_sampling_and_skipgram_in_the_sandbox() -> None:
    # the one sandboxed grading of these two the fast loop keeps (quick profile; the naive softmax's own
    # fast test covers its section); tests/test_grader_assignment.py grades whole files (slow)
    complete = Path(assignment.__file__).resolve().parent / "examples" / "assignment" / "word2vec_complete.py"
    for convention, laws_of in (("cs224n-negsamp", laws.NEG_SAMPLING_LAWS), ("cs224n-skipgram", laws.WINDOW_LAWS)):
        section = assignment.grade_section(complete, convention, "quick", 0, (), None)
        assert [(p.name, p.status) for p in section.properties] == [(law.name, "passed") for law in laws_of]
