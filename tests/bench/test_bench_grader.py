"""How long grading takes (issue 3 targets) and what the sandbox costs per call.

Targets, standard profile on this 2-core machine: a correct submission graded in ≤ 5 s and a wrong
one, shrinking included, in ≤ 15 s.  Each grading spawns a fresh child, so a round is a whole
`cegrad grade`; few rounds, since one round is seconds long.

The per-call overhead of the sandbox is measured against calling the same function in-process on
the same input (group "sandbox-overhead"): its difference is the round trip (pipes, raw-array
encoding, the child's checks), its ratio what a law pays per example.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from properties.grader.grade import grade
from properties.grader.sandbox.parent import SandboxedImplementation
from properties.implementation import from_cs224n

EXAMPLES = Path(__file__).resolve().parents[2] / "properties" / "grader" / "examples"
SHIMS = Path(__file__).resolve().parents[2] / "properties" / "grader" / "sandbox" / "shims"

pytestmark = pytest.mark.bench


@pytest.mark.parametrize(("example", "passes", "target_s"), [("correct", True, 5.0), ("missing_minus_y", False, 15.0)])
def test_bench_grading_a_submission_with_the_standard_profile(benchmark: Any, example: str, passes: bool,
                                                              target_s: float) -> None:
    benchmark.group = "grading (standard profile)"
    benchmark.extra_info.update(role="subject", target_s=target_s)
    report = benchmark.pedantic(grade, args=(EXAMPLES / f"{example}.py",), kwargs={"profile": "standard"},
                                rounds=3, iterations=1)
    assert report.passed is passes
    assert report.convention == "cs224n"


def _in_process(path: Path) -> Any:
    sys.path.append(str(SHIMS))  # the course helpers the example imports, as the sandbox supplies them
    try:
        spec = importlib.util.spec_from_file_location("bench_submission", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SHIMS))
    return module.naiveSoftmaxLossAndGradient


@pytest.mark.parametrize(("W", "d"), [(5, 3), (100, 50), (2000, 64)])
@pytest.mark.parametrize("where", ["in-process", "sandbox"])
def test_bench_one_call(benchmark: Any, where: str, W: int, d: int) -> None:
    benchmark.group = f"sandbox-overhead W={W} d={d}"
    benchmark.extra_info.update(role="subject" if where == "sandbox" else "floor")
    rng = np.random.default_rng(0)  # benchmark data, not a property: fixed inputs for both sides
    U, v_c = rng.standard_normal((W, d)) * 0.1, rng.standard_normal(d)
    path = EXAMPLES / "correct.py"
    if where == "sandbox":
        with SandboxedImplementation(path, "cs224n", "naiveSoftmaxLossAndGradient") as impl:
            impl.start()
            outputs = benchmark(impl, U, v_c, 1)
    else:
        outputs = benchmark(from_cs224n(_in_process(path)), U, v_c, 1)
    y_hat = np.exp(U @ v_c - (U @ v_c).max())
    y_hat /= y_hat.sum()
    y_hat[1] -= 1.0
    assert np.allclose(outputs.grad_U, np.outer(y_hat, v_c), rtol=1e-12, atol=1e-15)
