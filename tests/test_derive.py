"""`cegrad derive`: every step of the seed (1)–(24) is executed, the errata are found, and a broken
step is caught."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from properties import derive
from properties.case import Case
from properties.derive import (
    ONE_HOT,
    PINNED_CASES,
    STEPS,
    Step,
    StepResult,
    evaluate,
    premise_holds,
    tolerance,
)
from properties.grader import cli

EXPECTED_ERRATA = {
    2: derive.ERRATUM_2,
    6: derive.ERRATUM_6,
    14: derive.ERRATUM_14,
    18: derive.ERRATUM_18,
    19: derive.ERRATUM_19,
}


@pytest.fixture(scope="module")
def results() -> dict[int, StepResult]:
    return {r.equation: r for r in evaluate()}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "properties.grader.cli", "derive", *args],
                          capture_output=True, text=True, timeout=60, encoding="utf-8")


def _case(name: str) -> Case:
    return next(c for c in PINNED_CASES if c.note == name)


def _replace(steps: tuple[Step, ...], equation: int, **changes: object) -> tuple[Step, ...]:
    return tuple(dataclasses.replace(s, **changes) if s.equation == equation else s for s in steps)  # type: ignore[arg-type]  # changes are Step fields


def test_every_equation_from_1_to_24_is_a_step_exactly_once() -> None:
    assert [s.equation for s in STEPS] == list(range(1, 25))
    assert all(s.statement for s in STEPS)


def test_the_errata_are_the_steps_whose_correction_differs_and_each_has_a_note() -> None:
    errata = {s.equation: s.note for s in STEPS if s.is_erratum}
    assert errata == EXPECTED_ERRATA
    assert all(not s.note for s in STEPS if not s.is_erratum)


def test_every_corrected_step_holds(results: dict[int, StepResult]) -> None:
    failing = [n for n, r in results.items() if not r.holds_corrected]
    assert failing == []


def test_each_erratum_fails_as_written_and_every_other_step_holds(results: dict[int, StepResult]) -> None:
    assert {n for n, r in results.items() if not r.holds_as_written} == set(EXPECTED_ERRATA)


def test_each_erratum_is_exposed_by_a_pinned_case_not_only_by_luck_of_the_draw() -> None:
    pinned = {r.equation: r for r in evaluate(STEPS, PINNED_CASES)}
    assert {n for n, r in pinned.items() if not r.holds_as_written} == set(EXPECTED_ERRATA)


def test_errata_coincide_with_the_truth_on_a_single_word_vocabulary() -> None:
    # W = 1, y = [1]: no i ≠ w, Σy = W, row o = row l -- every erratum hides, so cases must vary
    single = evaluate(STEPS, [_case("W=1")])
    assert all(r.holds_as_written for r in single)


def test_the_misindexed_row_o_of_eq2_hides_behind_one_hot_labels() -> None:
    one_hot_cases = [c for c in PINNED_CASES if premise_holds(ONE_HOT, c)]
    (eq2,) = evaluate([STEPS[1]], one_hot_cases)
    (eq2_soft,) = evaluate([STEPS[1]], [_case("soft labels, Σy≠1")])
    assert eq2.holds_as_written
    assert not eq2_soft.holds_as_written and eq2_soft.holds_corrected


def test_dropping_the_minus_sign_of_eq22_is_reported_as_not_holding() -> None:
    def eq22_without_minus(c: Case) -> np.ndarray:
        return -derive.eq22(c)

    broken = _replace(STEPS, 22, as_written=eq22_without_minus, corrected=eq22_without_minus)
    results = {r.equation: r for r in evaluate(broken, PINNED_CASES)}
    assert not results[22].holds_as_written
    assert not results[22].holds_corrected
    assert all(r.holds_corrected for n, r in results.items() if n != 22)


def test_a_broken_step_makes_the_command_exit_1_and_name_it(capsys: pytest.CaptureFixture[str]) -> None:
    def eq20_without_sum_of_labels(c: Case) -> np.ndarray:
        return derive.eq22(c)  # (ŷ_w − y_w) v_c: Σy dropped, wrong for soft labels with Σy ≠ 1

    broken = _replace(STEPS, 20, as_written=eq20_without_sum_of_labels, corrected=eq20_without_sum_of_labels)
    assert derive.run(steps=broken) is False
    assert derive.VERDICT_FAIL.format(eqs="20") in capsys.readouterr().out


def test_a_step_that_raises_is_reported_as_not_holding() -> None:
    def crashes(c: Case) -> np.ndarray:
        raise ZeroDivisionError("broken on purpose")

    (result,) = evaluate(_replace(STEPS, 12, as_written=crashes, corrected=crashes)[11:12], PINNED_CASES)
    assert not result.holds_as_written and not result.holds_corrected


def test_steps_claimed_for_normalised_or_one_hot_labels_skip_other_labels() -> None:
    soft = _case("soft labels, Σy≠1")
    assert [s.equation for s in STEPS if not premise_holds(s.premise, soft)] == [21, 22, 23, 24]
    assert not np.allclose(derive.eq21(soft), derive.true_gradient(soft))  # why (21) needs Σy = 1
    np.testing.assert_allclose(derive.eq20(soft), derive.true_gradient(soft), rtol=1e-13)


def test_tolerance_is_tiny_next_to_an_erratum_and_positive_at_v_c_zero() -> None:
    case = _case("d=1, one-hot")
    deviation = np.abs(derive.eq14_as_written(case) - derive.eq14_corrected(case)).max()
    assert tolerance(case) < 1e-12 * deviation
    assert 0.0 < tolerance(_case("v_c=0")) < 1e-300


def test_drawn_cases_are_deterministic_and_the_seed_changes_them() -> None:
    first, again = derive.drawn_cases(5), derive.drawn_cases(5)
    seeded = derive.drawn_cases(5, seed=12345)

    def key(cases: tuple[Case, ...]) -> list[tuple[object, ...]]:
        return [(c.U.tolist(), c.v_c.tolist(), c.y.tolist(), c.o) for c in cases]

    assert key(first) == key(again)
    assert key(derive.drawn_cases(5, seed=12345)) == key(seeded)
    assert key(seeded) != key(first)


def test_the_law_map_comes_from_the_real_law_registry() -> None:
    from properties.laws import LAWS

    mapping = derive.law_map()
    for law in LAWS:
        for n in law.equations:
            assert law.name in mapping[n]
    assert {name for names in mapping.values() for name in names} == {
        law.name for law in LAWS if law.equations}


def test_cegrad_derive_prints_every_step_the_errata_and_the_law_map() -> None:
    done = _run()
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for step in STEPS:
        assert f"({step.equation:>2})" in out and step.statement in out
    for note in EXPECTED_ERRATA.values():
        assert derive.ERRATUM_LINE.format(note=note) in out
    assert derive.LAW_MAP_HEADER in out
    assert derive.VERDICT_OK in out


def test_cegrad_derive_json_is_valid_and_reports_every_step_and_erratum() -> None:
    done = _run("--format", "json", "--seed", "7")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    steps = report["steps"]
    assert [s["equation"] for s in steps] == list(range(1, 25))
    assert set(steps[0]) == {"equation", "statement", "holds_as_written", "holds_corrected", "note"}
    assert all(s["holds_corrected"] for s in steps)
    assert {e["equation"]: e["note"] for e in report["errata"]} == EXPECTED_ERRATA
    assert not any(e["holds_as_written"] for e in report["errata"])
    assert "autograd" in report["law_map"]["1"]


@pytest.mark.parametrize("args", [["--format", "xml"], ["--seed", "abc"], ["--verbose"]])
def test_bad_arguments_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["derive", *args])
    assert exit_info.value.code == 2


def test_bad_arguments_exit_2_from_the_console() -> None:
    done = _run("--format", "yaml")
    assert done.returncode == 2
    assert "--format" in done.stderr
