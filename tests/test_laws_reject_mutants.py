"""Every law rejects at least one named mutant, and every mutant is rejected, matched on the message.

This is the test of the checker itself (as autograd's own tests prove ``check_grads`` fails on a
wrong derivative): a law that rejects nothing would be dead weight.
"""

from __future__ import annotations

import pytest

from properties import laws, profiles
from properties.mistakes import BY_NAME, MISTAKES
from properties.runner import run_law
from tests.mutants import implementation

# (mutant, law, fragment of the failure message) beyond each mistake's own `caught_by`, so that the
# two oracles are shown to bite as well
EXTRA_REJECTIONS = [
    ("mean-over-vocabulary", "autograd", "against autograd"),
    ("sign-flip", "finite-differences", "against finite differences"),
    ("missing-minus-y", "matches-eq-23", "entries differ"),
    ("large-vocabulary-shortcut", "matches-eq-23", "entries differ"),
]
REJECTIONS = [(m.name, *m.caught_by) for m in MISTAKES] + EXTRA_REJECTIONS

PROFILE = profiles.GRADING_PROFILES["standard"]


@pytest.mark.parametrize(("mutant", "law_name", "fragment"), REJECTIONS)
def test_law_rejects_mutant_with_a_teaching_message(mutant: str, law_name: str, fragment: str) -> None:
    result = run_law(laws.get(law_name), implementation(BY_NAME[mutant]), PROFILE, random_seed=1)
    assert result.status in ("failed", "error"), f"{law_name} did not reject {mutant}"
    assert fragment in result.message
    assert result.message.startswith("Law broken: ")
    assert "Smallest case: W=" in result.message


def test_every_law_rejects_some_mutant() -> None:
    rejecting = {law_name for _, law_name, _ in REJECTIONS}
    assert rejecting == {law.name for law in laws.LAWS}


def test_every_mutant_is_in_the_rejection_table() -> None:
    assert {mutant for mutant, _, _ in REJECTIONS} == set(BY_NAME)
    assert len(MISTAKES) >= 20


def test_a_violation_names_the_law_equation_and_why() -> None:
    result = run_law(laws.get("row-sum"), implementation(BY_NAME["missing-minus-y"]), PROFILE)
    first, why = result.message.splitlines()[:2]
    assert first == "Law broken: the rows of dCE/dU sum to zero   (eq. (20)–(21))"
    assert why.startswith("Why: Σ_w ŷ_w = Σ_w y_w = 1")


def test_a_shrunk_counterexample_is_small() -> None:
    result = run_law(laws.get("row-sum"), implementation(BY_NAME["missing-minus-y"]), PROFILE)
    assert result.case is not None
    assert result.case.W <= 2 and result.case.d == 1
