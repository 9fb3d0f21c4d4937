"""The reference, and correct rewrites of it, obey every law."""

from __future__ import annotations

import numpy as np
import pytest

from properties import laws, profiles, runner, strategies
from properties.case import Case
from properties.implementation import from_grad_U
from properties.runner import run_law
from tests.implementations import CORRECT

PROFILE = profiles.GRADING_PROFILES["standard"]


@pytest.mark.parametrize("law_name", [law.name for law in laws.LAWS])
@pytest.mark.parametrize("impl_name", sorted(CORRECT))
def test_correct_implementation_obeys_law(impl_name: str, law_name: str) -> None:
    impl = CORRECT[impl_name]()
    result = run_law(laws.get(law_name), impl, PROFILE, random_seed=0)
    assert result.status in ("passed", "skipped"), result.message
    assert result.status == "passed" or not laws.get(law_name).applies_to(impl)


def test_every_law_cites_equations_of_the_seed() -> None:
    # the naive-softmax derivation is eqs. (1)-(24); a law outside it cites none and says so
    assert [law.name for law in laws.LAWS if not all(1 <= n <= 24 for n in law.equations)] == []


def test_equation_text_reads_as_the_seed_numbers_them() -> None:
    assert laws.get("row-sum").equation_text == "eq. (20)–(21)"
    assert laws.get("autograd").equation_text == "eq. (1)"
    # a law outside the derivation cites what it rests on
    assert laws.get("inputs-unchanged").equation_text == "API contract"
    assert all(law.equation_text == law.basis != "" for law in laws.LAWS if not law.equations)


def test_law_weights_are_positive() -> None:
    assert all(law.weight > 0 for law in laws.LAWS)


def _half_a_tolerance_off(U: np.ndarray, v_c: np.ndarray, o: int) -> np.ndarray:
    """The true gradient with entry [0, 0] moved by half its tolerance: right, at half the margin."""
    t = laws.truth(Case(U, v_c, o))
    G = t.grad_U.copy()
    G[0, 0] += 0.5 * t.bounds.grad_U[0, 0]
    return G


def test_a_law_returns_its_worst_error_as_a_multiple_of_the_tolerance() -> None:
    impl = from_grad_U(_half_a_tolerance_off)
    ratio = laws.get("matches-eq-23").check(impl, strategies.PINNED[4])
    # 0.5 up to the rounding of G[0, 0] + 0.5·tol: at most u/2·|G[0, 0]|, and tol ≥ 4u·|G[0, 0]|
    # (tolerances.bounds), so within tol/8 of half the tolerance
    assert 0.37 < ratio < 0.63


def test_the_runner_targets_the_ratio_each_law_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    targeted: list[float] = []
    monkeypatch.setattr(runner, "hypothesis_target", lambda value, label: targeted.append(value))
    climbing = profiles.GradingProfile("test", max_examples=5, target=True, shrink_examples=10)
    result = runner.run_law(laws.get("matches-eq-23"), from_grad_U(_half_a_tolerance_off), climbing, random_seed=0)
    assert result.status == "passed", result.message
    assert targeted and all(0.37 < value < 0.63 for value in targeted), targeted
