"""Grading the whole assignment as a user would: sandboxed, every function, one report.

* a complete correct word2vec.py (camelCase and snake_case) scores full marks over all three functions;
* each of the named mistakes, written into a student file, is refused by the law that names it, with
  that law's own finding, and diagnosed with the mistake's explanation;
* the naive-softmax part of the report is the one ``--convention auto`` gives;
* the CLI's ``--convention assignment`` exits 0 / 1 / 2 like ``grade``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from properties.assignment import laws, mistakes
from properties.grader import assignment, grade, intake
from properties.grader.conventions import CONVENTIONS
from properties.grader.sandbox.parent import Limits
from properties.registry import pairs
from tests import assignment_student_files

EXAMPLES = Path(assignment.__file__).resolve().parent / "examples" / "assignment"
COMPLETE = EXAMPLES / "word2vec_complete.py"

pytestmark = pytest.mark.slow


def test_a_complete_correct_assignment_scores_full_marks_in_one_report() -> None:
    report = assignment.grade_assignment(COMPLETE)
    assert report.passed and report.score == report.max_score > 0
    sections = list(dict.fromkeys(p.section for p in report.properties))
    assert sections == ["naiveSoftmaxLossAndGradient", "negSamplingLossAndGradient", "skipgram"]
    assert {p.name for p in report.properties if p.section == "skipgram"} == {law.name for law in laws.WINDOW_LAWS}


def test_the_snake_case_assignment_is_graded_under_its_snake_case_rows() -> None:
    report = assignment.grade_assignment(EXAMPLES / "word2vec_snake_case.py")
    assert report.passed, [p.message for p in report.properties if p.status != "passed"]
    chosen = assignment.assignment_conventions(intake.read_submission(EXAMPLES / "word2vec_snake_case.py"))
    assert [c.name for c in chosen] == ["cs224n-snake", "cs224n-snake-negsamp", "cs224n-snake-skipgram"]


def test_the_naive_softmax_section_is_what_auto_grading_gives() -> None:
    whole = assignment.grade_assignment(COMPLETE)
    alone = grade.grade(COMPLETE)
    assert [(p.name, p.status, p.weight) for p in whole.properties if p.section == "naiveSoftmaxLossAndGradient"] \
        == [(p.name, p.status, p.weight) for p in alone.properties]


DECLARED = [pytest.param(law.name, r.mistake.name, r.finding, id=f"{law.name}/{r.mistake.name}")
            for law, r in pairs(laws.all_laws())]
_SEEN: set[str] = set()
ONE_LAW_PER_MISTAKE = [p for p in DECLARED if not (p.values[1] in _SEEN or _SEEN.add(p.values[1]))]  # type: ignore[func-returns-value]  # set.add in a filter


@pytest.mark.parametrize(("law_name", "mistake_name", "finding"), ONE_LAW_PER_MISTAKE)
def test_a_named_mistake_is_refused_by_its_law_and_diagnosed(tmp_path: Path, law_name: str, mistake_name: str,
                                                              finding: str) -> None:
    mistake = mistakes.BY_NAME[mistake_name]
    style = "snake" if len(mistake_name) % 2 else "camel"  # both conventions, spread over the mistakes
    path = assignment_student_files.write(tmp_path, mistake, style)
    sub = intake.read_submission(path)
    (spec,) = assignment.assignment_conventions(sub)
    section = assignment.grade_function(sub, spec, "standard", 0, (), Limits())
    by_name = {p.name: p for p in section.properties}
    refused = by_name[law_name]
    assert refused.status == "failed", refused.message
    assert re.search(finding, refused.message, re.MULTILINE), refused.message
    assert [line.partition(": ")[2] for line in refused.diagnosis] == [mistake.explanation], refused.diagnosis


def test_every_mistake_has_a_diagnosis_test() -> None:
    assert {p.values[1] for p in ONE_LAW_PER_MISTAKE} == set(mistakes.BY_NAME)
    assert len(mistakes.BY_NAME) >= 12


def test_a_file_with_none_of_the_functions_is_not_gradable(tmp_path: Path) -> None:
    path = tmp_path / "word2vec.py"
    path.write_text("def sigmoid(x):\n    return x\n")
    with pytest.raises(intake.NotGradable, match=r"defines none of naiveSoftmaxLossAndGradient, .*skipgram"):
        assignment.grade_assignment(path)


def test_the_cli_grades_the_assignment_and_keeps_the_exit_codes(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "properties.grader.cli", "grade", "--convention", "assignment", "--format", "json"]
    done = subprocess.run([*run, str(COMPLETE)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["convention"] == "assignment" and body["passed"] and body["score"] == body["max_score"]
    wrong = subprocess.run([*run, str(EXAMPLES / "skipgram_centre_every_row.py")], capture_output=True, text=True,
                           timeout=600)
    assert wrong.returncode == 1
    none = tmp_path / "empty.py"
    none.write_text("x = 1\n")
    assert subprocess.run([*run, str(none)], capture_output=True, text=True, timeout=600).returncode == 2


def test_the_new_rows_are_in_the_table_after_the_naive_softmax_ones() -> None:
    names = list(CONVENTIONS)
    assert names.index("cs224n-negsamp") > names.index("grad-u")
    assert CONVENTIONS["cs224n-negsamp"].signature == (
        "negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K)")
    assert CONVENTIONS["cs224n-snake-skipgram"].returns == "(loss, grad_center_vecs, grad_outside_vectors)"
    assert {CONVENTIONS[n].graded for n in names} == {"naive-softmax", "neg-sampling", "skipgram"}


def test_a_sampler_that_keeps_o_is_diagnosed_by_its_draw_count() -> None:
    report = assignment.grade_assignment(EXAMPLES / "ns_sampler_keeps_o.py")
    failed = [p for p in report.properties if p.status == "failed"]
    assert failed and all(p.section == "negSamplingLossAndGradient" for p in failed)
    assert all(re.fullmatch(r"dataset: negSamplingLossAndGradient took (\d+) draws .* getNegativeSamples takes (\d+) .*",
                            p.diagnosis[0]) for p in failed), [p.diagnosis for p in failed]
    assert assignment.NOTE_EQUATIONS in report.notes


def test_grade_all_grades_a_class_for_the_whole_assignment(tmp_path: Path) -> None:
    import csv
    import shutil

    shutil.copy(COMPLETE, tmp_path / "alice.py")
    shutil.copy(EXAMPLES / "skipgram_centre_every_row.py", tmp_path / "bob.py")
    done = subprocess.run([sys.executable, "-m", "properties.grader.cli", "grade-all", str(tmp_path), "--convention",
                           "assignment", "--jobs", "1", "--format", "csv"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stderr  # one submission failed
    rows = {r["submission"]: r for r in csv.DictReader(done.stdout.splitlines()[:3])}
    assert (rows["alice.py"]["status"], rows["alice.py"]["score"], rows["alice.py"]["max_score"]) == ("passed", "225", "225")
    assert rows["bob.py"]["status"] == "failed" and "sg-centre-row-only" in rows["bob.py"]["failed_laws"]
    assert "only row c = word2Ind[currentCenterWord]" in rows["bob.py"]["diagnosis"]


def test_grade_with_one_new_row_grades_that_function_alone_by_its_own_laws() -> None:
    auto = grade.grade(EXAMPLES / "ns_fancy_index.py")  # the file defines negative sampling only
    assert (auto.convention, auto.function) == ("cs224n-negsamp", "negSamplingLossAndGradient")
    assert [p.name for p in auto.properties] == [law.name for law in laws.NEG_SAMPLING_LAWS]
    assert {p.name for p in auto.properties if p.status == "failed"} >= {"ns-repeated-draws"}
    snake = grade.grade(EXAMPLES / "word2vec_snake_case.py", convention="cs224n-snake-skipgram")
    assert snake.passed and [p.name for p in snake.properties] == [law.name for law in laws.WINDOW_LAWS]


def test_json_and_gradescope_have_a_section_per_function(tmp_path: Path) -> None:
    from properties.grader import report as formats

    wrong = tmp_path / "word2vec.py"
    wrong.write_text(COMPLETE.read_text().replace("gradCenterVecs[centerIdx] += gradCenter", "gradCenterVecs += gradCenter"))
    outcome = assignment.grade_assignment(wrong)
    body = formats.as_dict(outcome)
    assert [(f["name"], f["passed"]) for f in body["functions"]] == [
        ("naiveSoftmaxLossAndGradient", True), ("negSamplingLossAndGradient", True), ("skipgram", False)]
    assert sum(f["score"] for f in body["functions"]) == body["score"] < body["max_score"]
    assert {p["function"] for p in body["properties"] if p["status"] == "failed"} == {"skipgram"}
    (finding,) = body["findings"]
    assert finding["function"] == "skipgram" and "sg-centre-row-only" in finding["laws"]
    tests = formats.gradescope(outcome)["tests"]
    assert [t["number"] for t in tests][:2] == ["1.1", "1.2"] and tests[-1]["number"] == "3.5"
    assert tests[-1]["name"].startswith("skipgram / sg-finite-difference: ")
    text = formats.text(outcome)
    assert [line for line in text.splitlines() if line.startswith("══")] == [
        "══ naiveSoftmaxLossAndGradient ══", "══ negSamplingLossAndGradient ══", "══ skipgram ══"]


def test_unfinished_stubs_score_nothing_and_are_one_root_cause_each(tmp_path: Path) -> None:
    from properties.grader import report as formats

    text = COMPLETE.read_text()
    start = text.index("    ### YOUR CODE HERE (~10 Lines)")
    text = text[:start] + "    ### YOUR CODE HERE (~10 Lines)\n    raise NotImplementedError\n" + text[
        text.index("    ### END YOUR CODE", start):]
    start = text.index("    ### YOUR CODE HERE (~8 Lines)")
    text = text[:start] + "    ### YOUR CODE HERE (~8 Lines)\n    pass\n" + text[text.index("    ### END YOUR CODE", start):]
    path = tmp_path / "word2vec.py"
    path.write_text(text)
    outcome = assignment.grade_assignment(path)
    scores = {f["name"]: f["score"] for f in formats.functions_of(outcome)}
    assert scores == {"naiveSoftmaxLossAndGradient": 100, "negSamplingLossAndGradient": 0, "skipgram": 0}
    titles = [f["title"] for f in formats.as_dict(outcome)["findings"]]
    assert titles == [assignment.MSG_STUB, mistakes.BY_NAME["window-stub-returns-zeros"].explanation]
