"""Reports that teach, read as a student and an instructor read them: `cegrad grade` in a subprocess.

Each wrong file has one root cause, so its report has one section (≤ 25 lines) that names it and
does not send the student the wrong way; JSON keeps every law and adds the findings; Gradescope's
tests stay per law and follow the grouping.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from properties.grader import diagnose, report
from properties.grader.cli import EXAMPLES_DIR

SUBMISSIONS = Path(__file__).parent / "submissions"
QUICK = ("--profile", "quick")
MAX_LINES_ONE_CAUSE = 25


def cegrad(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "properties.grader.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, check=False, env=env)


def sections(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("── ")]


# (file, the one root cause's words, laws it must list as broken, words that would mislead)
ONE_CAUSE = [
    (EXAMPLES_DIR / "missing_minus_y.py", "the one-hot y was not subtracted", ["row-sum", "row-structure"],
     ["should be < 0"]),
    (EXAMPLES_DIR / "transposed.py", "is the transpose of dCE/dU", ["shape-and-dtype"], ["forgot"]),
    (EXAMPLES_DIR / "sign_flip.py", "the sign is flipped", ["row-structure", "matches-eq-23"], ["forgot"]),
    (EXAMPLES_DIR / "no_max_shift.py", "subtract max(z) before exp", ["robustness"], []),
    (SUBMISSIONS / "cs224n_float32_inside.py", diagnose.TITLE_FLOAT32, ["matches-eq-23", "autograd"],
     ["forgot to subtract", "subtract the one-hot"]),
    (SUBMISSIONS / "wrong_epsilon_in_log.py", "an epsilon inside the log", ["loss-value", "robustness"],
     ["check the index o", "subtract max(z)"]),
    (SUBMISSIONS / "stub_not_implemented.py", diagnose.TITLE_STUB, ["shape-and-dtype"], ["Law broken: every row"]),
    (SUBMISSIONS / "stub_pass.py", diagnose.TITLE_NONE_STUB, ["shape-and-dtype"], ["NoneType", "numpy.ndarray"]),
    (SUBMISSIONS / "wrong_no_return.py", diagnose.TITLE_NONE_NO_RETURN, ["shape-and-dtype"], []),
    (SUBMISSIONS / "wrong_divides_by_zero.py", "raised ZeroDivisionError", [], []),
    (SUBMISSIONS / "wrong_unshifted_logsumexp.py", "loss is inf where a logit exceeds exp's range", ["robustness"],
     ["in the softmax"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "cause", "broken", "misleading"), ONE_CAUSE, ids=[c[0].stem for c in ONE_CAUSE])
def test_one_root_cause_is_one_short_section(path: Path, cause: str, broken: list[str], misleading: list[str]) -> None:
    run = cegrad("grade", str(path), *QUICK)
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert len(sections(out)) == 1, out
    assert cause in sections(out)[0], out
    assert len(out.splitlines()) <= MAX_LINES_ONE_CAUSE, out
    assert "1 root cause" in out
    breaks = next(line for line in out.splitlines() if line.startswith("Breaks: "))
    for law in broken:
        assert f"{law} 0/" in breaks, out
    for words in misleading:
        assert words not in out, out


@pytest.mark.slow
def test_a_stub_is_one_finding_and_the_other_laws_say_not_checked_in_one_line() -> None:
    out = cegrad("grade", str(SUBMISSIONS / "stub_not_implemented.py"), *QUICK).stdout
    assert "Score: 0/100" in out
    not_checked = [line for line in out.splitlines() if line.startswith("Not checked: ")]
    assert len(not_checked) == 1 and "robustness" in not_checked[0] and "row-sum" in not_checked[0], out
    assert out.count("Law broken:") == 1


@pytest.mark.slow
def test_a_function_that_returns_none_scores_zero_even_on_the_laws_none_cannot_break() -> None:
    """inputs-unchanged and repeatable hold vacuously for None: they are not checked, not credited."""
    run = cegrad("grade", str(SUBMISSIONS / "stub_pass.py"), "--format", "json", *QUICK)
    result = json.loads(run.stdout)
    assert result["score"] == 0
    by_name = {p["name"]: p for p in result["properties"]}
    for name in ("inputs-unchanged", "repeatable"):
        assert by_name[name]["status"] == "failed"
        assert by_name[name]["message"].startswith("Not checked: every call in this law returned nothing")
        assert by_name[name]["cause"] == "returned:None"
    [finding] = result["findings"]
    assert finding["title"] == diagnose.TITLE_NONE_STUB and "inputs-unchanged" in finding["not_checked"]


@pytest.mark.slow
def test_json_keeps_every_law_and_adds_the_findings() -> None:
    run = cegrad("grade", str(EXAMPLES_DIR / "missing_minus_y.py"), "--format", "json", *QUICK)
    result = json.loads(run.stdout)
    assert len(result["properties"]) == 14 and result["precision"] == "strict"
    assert result["score"] == sum(p["weight"] for p in result["properties"] if p["status"] == "passed")
    [finding] = result["findings"]
    assert {"cause", "title", "laws", "not_checked", "counterexample", "diagnosis", "law", "message"} <= set(finding)
    assert finding["cause"] == "mistake:missing-minus-y"
    assert isinstance(finding["diagnosis"], list) and finding["diagnosis"]
    failed = [p["name"] for p in result["properties"] if p["status"] != "passed"]
    assert sorted(finding["laws"]) == sorted(failed)
    # the single smallest counterexample among the laws it explains
    sizes = [p["counterexample"]["W"] * p["counterexample"]["d"] for p in result["properties"]
             if p["name"] in finding["laws"]]
    assert finding["counterexample"]["W"] * finding["counterexample"]["d"] == min(sizes)


@pytest.mark.slow
def test_gradescope_tests_stay_per_law_and_their_text_follows_the_grouping(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cegrad("grade", str(EXAMPLES_DIR / "sign_flip.py"), "--format", "gradescope", "--output", str(out), *QUICK)
    results = json.loads(out.read_text())
    assert len(results["tests"]) == 14
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert len(failed) >= 2
    for test in failed:
        assert test["output"].startswith("Root cause (finding 1 of 1): dCE/dU equals (y - ŷ) v_cᵀ"), test["output"]
    assert "1 root cause" in results["output"]


@pytest.mark.slow
def test_float32_computation_is_one_finding_and_full_marks_under_float32_ok() -> None:
    path = str(SUBMISSIONS / "cs224n_float32_inside.py")
    strict = cegrad("grade", path, *QUICK)
    assert strict.returncode == 1 and "precision strict" in strict.stdout.splitlines()[0]
    assert "--precision float32-ok" in strict.stdout  # the instructor's way out is named
    relaxed = cegrad("grade", path, "--precision", "float32-ok", *QUICK)
    assert relaxed.returncode == 0, relaxed.stdout
    assert "precision float32-ok" in relaxed.stdout.splitlines()[0]
    assert "Score: 100/100" in relaxed.stdout
    assert sections(relaxed.stdout) == [f"── 1. {diagnose.TITLE_FLOAT32} ──"]


@pytest.mark.slow
def test_a_correct_file_stays_full_marks_under_float32_ok() -> None:
    run = cegrad("grade", str(EXAMPLES_DIR / "correct.py"), "--precision", "float32-ok", *QUICK)
    assert run.returncode == 0 and "Score: 100/100" in run.stdout and not sections(run.stdout), run.stdout


@pytest.mark.slow
def test_math_log_and_np_log_follow_one_policy_where_the_loss_has_no_float_value() -> None:
    math_log = cegrad("grade", str(SUBMISSIONS / "cs224n_math_log.py"), *QUICK)
    np_log = cegrad("grade", str(SUBMISSIONS / "cs224n_vectorised.py"), *QUICK)
    for run, how in ((math_log, "raised ValueError: math domain error"), (np_log, "returned +inf")):
        assert run.returncode == 0, run.stdout
        assert "whichever way your code says so" in run.stdout and f"Yours {how}: accepted" in run.stdout
    # the divide-by-zero RuntimeWarning of the accepted +inf is not shown as an alarm
    shown = np_log.stdout.partition(report.YOUR_OUTPUT_HEADING)[2]
    assert "RuntimeWarning" not in shown, np_log.stdout
    assert "numpy warned 'divide by zero encountered in log'" in np_log.stdout  # ... but named in a note


@pytest.mark.slow
def test_row_structure_at_one_word_says_the_coefficient_is_exactly_zero() -> None:
    out = cegrad("grade", str(EXAMPLES_DIR / "missing_minus_y.py"), *QUICK).stdout
    assert "W=1" in out and "should be 0 (ŷ_o - 1 = 0, since with W = 1 ŷ_o = 1)" in out, out


@pytest.mark.slow
def test_laws_outside_the_derivation_cite_what_they_rest_on_and_the_report_says_where_equations_are() -> None:
    result = json.loads(cegrad("grade", str(EXAMPLES_DIR / "correct.py"), "--format", "json", *QUICK).stdout)
    equations = {p["name"]: p["equation"] for p in result["properties"]}
    assert equations["inputs-unchanged"] == "API contract"
    assert equations["grad-v-c"] == "chain rule, z = U v_c"
    assert not any("seed" in e for e in equations.values())
    assert "docs/derivation.md" in result["equations"]


def test_docs_derivation_is_what_cegrad_derive_renders() -> None:
    rendered = cegrad("derive", "--format", "markdown").stdout
    shipped = (Path(__file__).parent.parent / "docs" / "derivation.md").read_text(encoding="utf-8")
    assert rendered == shipped, "regenerate: cegrad derive --format markdown > docs/derivation.md"
    for n in (1, 20, 22, 23, 24):
        assert f"| ({n}) |" in shipped


def test_gradescope_on_exit_2_writes_a_results_json_with_score_0_and_the_reason(tmp_path: Path) -> None:
    out = tmp_path / "results" / "results.json"
    run = cegrad("grade", str(SUBMISSIONS / "README.md"), "--format", "gradescope", "--output", str(out))
    assert run.returncode == 2
    results = json.loads(out.read_text())
    assert results["score"] == 0 and "cannot grade" in results["output"]
    assert all(t["score"] == 0 for t in results["tests"])


def test_version() -> None:
    run = cegrad("--version")
    assert run.returncode == 0 and run.stdout.startswith("cegrad ")


@pytest.mark.slow
@pytest.mark.parametrize(("args", "env", "coloured"), [
    (["--color", "always"], {}, True),
    (["--color", "always"], {"NO_COLOR": "1"}, True),  # an explicit choice wins
    (["--color", "never"], {}, False),
    ([], {"NO_COLOR": "1"}, False),
    ([], {}, False),  # auto: stdout is a pipe here
])
def test_colour_follows_color_and_no_color(args: list[str], env: dict[str, str], coloured: bool) -> None:
    run = cegrad("grade", str(EXAMPLES_DIR / "grad_u.py"), *QUICK, *args, env={**os.environ, **env})
    assert ("\033[" in run.stdout) == coloured


@pytest.mark.slow
def test_grade_all_rows_say_timed_out_and_raised_in_the_message(tmp_path: Path) -> None:
    for name in ("hangs_in_function.py", "stub_not_implemented.py"):
        (tmp_path / name).write_text((SUBMISSIONS / name).read_text())
    run = cegrad("grade-all", str(tmp_path), "--jobs", "2", *QUICK, "--timeout", "120", timeout=300)
    rows = {r["submission"]: r for r in csv.DictReader(io.StringIO(run.stdout))}
    assert "timed out" in rows["hangs_in_function.py"]["message"], rows
    assert "raises NotImplementedError" in rows["stub_not_implemented.py"]["message"], rows


@pytest.mark.slow
def test_the_plugin_turns_an_ungradable_file_into_one_collection_error(tmp_path: Path) -> None:
    odd = tmp_path / "notes.py"
    odd.write_text("def something_else(x):\n    return x\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--cegrad-submission",
                          str(odd)], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert run.returncode != 0
    assert "cegrad: cannot grade" in run.stdout and "no function of a known convention" in run.stdout
    assert "1 error" in run.stdout
    assert len(run.stdout.splitlines()) < 30, run.stdout


@pytest.mark.slow
def test_the_readme_sample_report_is_what_the_tool_prints() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- sample-report:start -->\n")[1].split("<!-- sample-report:end -->")[0]
    command, *shown = block.splitlines()
    assert command.strip() == "$ cd properties/grader/examples && cegrad grade missing_minus_y.py --profile quick"
    printed = cegrad("grade", "missing_minus_y.py", *QUICK, cwd=EXAMPLES_DIR).stdout
    assert [line.removeprefix("    ") for line in shown] == printed.splitlines(), \
        "regenerate the README's sample report from the tool"
    assert len(printed.splitlines()) <= MAX_LINES_ONE_CAUSE


@pytest.mark.slow
@pytest.mark.parametrize("name", ["snake_case.py", "snake_case_public.py", "cs224n_math_log.py"])
def test_correct_files_the_issue_saw_refused_get_full_marks(name: str) -> None:
    run = cegrad("grade", str(SUBMISSIONS / name), *QUICK)
    assert run.returncode == 0 and "Score: 100/100" in run.stdout, run.stdout


@pytest.mark.slow
def test_each_robustness_failure_gets_the_hint_of_its_own_cause() -> None:
    def finding(path: Path) -> str:
        out = cegrad("grade", str(path), *QUICK).stdout
        return out[out.index("── "):].split("\n\n")[0]

    softmax = finding(EXAMPLES_DIR / "no_max_shift.py")
    loss = finding(SUBMISSIONS / "wrong_unshifted_logsumexp.py")
    epsilon = finding(SUBMISSIONS / "wrong_epsilon_in_log.py")
    assert "subtract max(z) before exp" in softmax
    assert diagnose.HINT_OVERFLOW_LOSS in loss and "in the softmax" not in loss
    assert "caps it at -log ε ≈ 27.63" in epsilon and "max(z)" not in epsilon


@pytest.mark.slow
def test_the_instructor_sets_the_precision_policy_for_a_class_and_for_gradescope(tmp_path: Path) -> None:
    classroom = tmp_path / "class"
    classroom.mkdir()
    (classroom / "float32.py").write_text((SUBMISSIONS / "cs224n_float32_inside.py").read_text())
    books = {}
    for policy in ("strict", "float32-ok"):
        run = cegrad("grade-all", str(classroom), "--precision", policy, "--format", "json", *QUICK, timeout=300)
        books[policy] = json.loads(run.stdout)["submissions"][0]
    assert books["strict"]["score"] < 100 and diagnose.TITLE_FLOAT32 in books["strict"]["message"]
    assert books["float32-ok"]["score"] == 100  # and not taken from the strict run's cache
    bundle = tmp_path / "autograder.zip"
    assert cegrad("gradescope-bundle", "--output", str(bundle), "--precision", "float32-ok").returncode == 0
    with zipfile.ZipFile(bundle) as archive:
        script = archive.read("run_autograder").decode()
    assert "PRECISION = os.environ.get(\"CEGRAD_PRECISION\", 'float32-ok')" in script
    assert '"--precision", PRECISION' in script
