"""The reference, and correct rewrites of it, obey every law."""

from __future__ import annotations

import pytest

from properties import laws, profiles
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


def test_every_law_cites_an_equation_of_the_seed_or_says_it_is_not_in_it() -> None:
    for law in laws.LAWS:
        assert all(1 <= n <= 24 for n in law.equations)
        assert law.equation_text.startswith("eq. (") or law.equation_text == "not in the seed"


def test_law_weights_are_positive() -> None:
    assert all(law.weight > 0 for law in laws.LAWS)
