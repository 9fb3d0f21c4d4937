"""Hypothesis settings profiles and the grading profiles quick / standard / thorough.

Hypothesis profiles (select with CEGRAD_HYPOTHESIS_PROFILE or pytest's --hypothesis-profile):
  dev     -- the default: few examples, fast feedback while editing
  ci      -- deterministic (derandomize), no example database, more examples
  grading -- deterministic, no database; the grader sets the seed and example count per law

No example database is ever shared between submissions: grading always runs with database=None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings

# Large arrays (W up to 2000) are drawn on purpose and oracles such as finite differences are slow
# by nature; neither is a defect of the test, so these two health checks would only add noise.
_EXPECTED_SLOWNESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=_EXPECTED_SLOWNESS)
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=_EXPECTED_SLOWNESS,
)
settings.register_profile(
    "grading", deadline=None, derandomize=False, database=None, report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
settings.load_profile(os.environ.get("CEGRAD_HYPOTHESIS_PROFILE", "dev"))


@dataclass(frozen=True)
class GradingProfile:
    """How hard the grader looks: examples per law, and whether to climb toward the worst error."""

    name: str
    max_examples: int
    target: bool  # hypothesis.target on the error/tolerance ratio, to climb toward the worst input
    # Shrinking stops after this many further examples once a law has failed, and the smallest
    # failure seen so far is reported: a count, not seconds, so a regrade gives the same report.
    shrink_examples: int


GRADING_PROFILES = {
    "quick": GradingProfile("quick", max_examples=10, target=False, shrink_examples=60),
    "standard": GradingProfile("standard", max_examples=30, target=False, shrink_examples=150),
    "thorough": GradingProfile("thorough", max_examples=200, target=True, shrink_examples=1000),
}
