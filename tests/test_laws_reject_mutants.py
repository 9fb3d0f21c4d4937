"""Every law rejects the mistakes its registry entry names, each with that law's own finding.

This is the test of the checker itself (as autograd's own tests prove ``check_grads`` fails on a
wrong derivative): a law that rejects nothing would be dead weight, and a mistake no law rejects
would be graded as right.  The pairs come from the laws' ``rejects=`` (properties/laws/), so a new
law or mistake is covered by writing it down there; the ids read ``law-name/mistake-name``.
"""

from __future__ import annotations

import re

import pytest

from properties import laws, mistakes, profiles
from properties.mistakes import MISTAKES
from properties.registry import Law, Rejection, pairs
from properties.runner import run_law
from tests.mutants import implementation

PROFILE = profiles.GRADING_PROFILES["standard"]
PAIRS = pairs(laws.LAWS)


@pytest.mark.parametrize(("law", "rejection"), PAIRS, ids=[f"{law.name}/{r.mistake.name}" for law, r in PAIRS])
def test_law_rejects_its_mistake_with_its_own_finding(law: Law, rejection: Rejection) -> None:
    result = run_law(law, implementation(rejection.mistake), PROFILE, random_seed=1)
    assert result.status in ("failed", "error"), f"{law.name} did not reject {rejection.mistake.name}"
    assert result.law is law
    header = f"Law broken: {law.title}   ({law.equation_text})"
    assert result.message.startswith(header + "\n"), result.message
    assert re.search(rejection.finding, result.message, re.MULTILINE), (
        f"expected a line matching {rejection.finding!r} in:\n{result.message}")


def test_every_law_names_a_mistake_it_rejects() -> None:
    assert [law.name for law in laws.LAWS if not law.rejects] == []


def test_every_mistake_is_rejected_by_some_law() -> None:
    unrejected = [m.name for m in MISTAKES if not laws.rejecting_laws(m)]
    assert unrejected == []


def test_every_named_mistake_is_in_the_catalogue() -> None:
    strays = [f"{law.name}/{r.mistake.name}" for law, r in PAIRS if r.mistake not in MISTAKES]
    assert strays == []


def test_a_violation_names_the_law_equation_and_why() -> None:
    result = run_law(laws.get("row-sum"), implementation(mistakes.missing_minus_y), PROFILE)
    first, why = result.message.splitlines()[:2]
    assert first == "Law broken: the rows of dCE/dU sum to zero   (eq. (20)–(21))"
    assert why.startswith("Why: Σ_w ŷ_w = Σ_w y_w = 1")


def test_a_shrunk_counterexample_is_small() -> None:
    result = run_law(laws.get("row-sum"), implementation(mistakes.missing_minus_y), PROFILE)
    assert result.case is not None
    assert result.case.W <= 2 and result.case.d == 1
