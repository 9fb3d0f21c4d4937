"""Every negative-sampling and skip-gram law rejects the mistakes it names, with its own finding.

The test of the checker itself: each (law, mistake) pair declared in
the laws' ``rejects=`` (properties/assignment/laws.py) runs the law against the mistake, which must fail with a
message matching the law's specific finding (not just "Law broken").
"""

from __future__ import annotations

import re

import pytest

from properties import profiles
from properties.assignment import implementation, laws, mistakes
from properties.mistakes import Mistake
from properties.registry import pairs
from properties.runner import run_law

PROFILE = profiles.GRADING_PROFILES["standard"]
PAIRS = [pytest.param(law.name, r.mistake.name, r.finding, id=f"{law.name}/{r.mistake.name}")
         for law, r in pairs(laws.all_laws())]


def as_implementation(mistake: Mistake) -> implementation.NegSamplingFunction | implementation.WindowFunction:
    if mistakes.kind_of(mistake) == "neg-sampling":
        return implementation.from_neg_sampling(mistake.function(), mistake.name)
    return implementation.from_window(mistake.function(), mistake.name)


@pytest.mark.parametrize(("law_name", "mistake_name", "finding"), PAIRS)
def test_law_rejects_its_mistake_with_its_own_finding(law_name: str, mistake_name: str, finding: str) -> None:
    result = run_law(laws.get(law_name), as_implementation(mistakes.BY_NAME[mistake_name]), PROFILE, random_seed=1)
    assert result.status == "failed", f"{law_name} did not reject {mistake_name}: {result.status}"
    assert result.message.startswith(f"Law broken: {laws.get(law_name).title}")
    assert re.search(finding, result.message, re.MULTILINE), result.message


def test_every_law_names_a_mistake_and_every_mistake_is_named_by_a_law() -> None:
    assert [law.name for law in laws.all_laws() if not law.rejects] == []
    assert [m.name for m in mistakes.BY_NAME.values() if not laws.rejecting_laws(m)] == []


def test_there_are_at_least_twelve_named_mistakes_across_the_two_functions() -> None:
    assert len(mistakes.NEG_SAMPLING) >= 8 and len(mistakes.WINDOW) >= 6
    assert len(mistakes.BY_NAME) >= 12


def test_the_correct_textbook_pieces_pass_the_laws_their_mistakes_break() -> None:
    # the mistakes are built from correct_neg_sampling: it must itself obey every negative-sampling law,
    # or a "rejection" could be the helper's fault
    impl = implementation.from_neg_sampling(mistakes.correct_neg_sampling, "textbook")  # a plain function
    for law in laws.NEG_SAMPLING_LAWS:
        result = run_law(law, impl, PROFILE, random_seed=0)
        assert result.status == "passed", result.message


def test_fancy_index_message_says_how_many_draws_landed() -> None:
    impl = as_implementation(mistakes.BY_NAME["fancy-index-drops-repeats"])
    result = run_law(laws.get("ns-repeated-draws"), impl, PROFILE, random_seed=1)
    match = re.search(r"a negative drawn (\d+) times.*that is ([\d.]+) × one draw's", result.message)
    assert match is not None, result.message
    assert float(match.group(2)) == pytest.approx(1.0, abs=1e-6)  # one draw's worth, not m
    assert int(match.group(1)) >= 2
