"""Test-suite set-up: the Hypothesis profile (dev by default, ci under tox) is chosen in one place."""

from __future__ import annotations

import properties.profiles  # noqa: F401  # registers and loads the Hypothesis profiles
