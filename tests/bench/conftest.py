"""The benchmark suite of the gradient path (pytest-benchmark), run by ``tox -e bench``.

Collected only when benchmarking is asked for (``--benchmark-only`` or ``--benchmark-enable``, or
``--benchmark-disable`` for one untimed, checked call of each), so a plain ``pytest`` over tests/
neither imports nor runs it: timing belongs in its own run on a quiet machine, and the largest inputs
here take a few hundred MB.

Every group holds one input (kind, W, d, dtype) and several ways to compute one thing, tagged in
``extra_info["role"]``: ``subject`` (the fast path), ``floor`` (the memory traffic no implementation
can avoid, done by the fastest kernel found), ``materialise`` (the obvious numpy code),
``reference`` (the minimal reference), ``autograd`` (HIPS autograd) and ``loop`` (the literal
eq. (23) row loop, small sizes only).  tests/bench/ratios.py reads a saved run and checks the targets.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from properties import laws, tolerances
from properties.case import Case

#: (W, d) of issue 5, each in float64 and float32.
SIZES = [(W, d) for W in (1_000, 10_000, 100_000) for d in (50, 300)]
DTYPES = [np.float64, np.float32]


def _benchmarking(config: pytest.Config) -> bool:
    """Asked for by --benchmark-only or --benchmark-enable, or --benchmark-disable: each benchmark then
    runs its function once, untimed, and still checks the answer (a quick correctness pass)."""
    return bool(config.getoption("benchmark_only", default=False)
                or config.getoption("benchmark_enable", default=False)
                or config.getoption("benchmark_disable", default=False))


def pytest_ignore_collect(collection_path: Any, config: pytest.Config) -> bool | None:
    """Skip the benchmark modules unless benchmarking was asked for (None: let pytest decide)."""
    if collection_path.name.startswith("test_") and not _benchmarking(config):
        return True
    return None


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    """Record which BLAS kernels ran, on how many threads: OPENBLAS_CORETYPE, if set, pins an older kernel."""
    machine_info["openblas_env"] = {
        k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # threadpoolctl only reports; the benchmarks run without it
        return
    machine_info["blas"] = [
        {k: lib.get(k) for k in ("internal_api", "prefix", "version", "architecture", "num_threads")}
        for lib in threadpool_info()
    ]


# ---------------------------------------------------------------------------------------------
# Inputs and their checked answers


@dataclass(frozen=True)
class Problem:
    """One input of the suite (a :class:`Case`) with its float64 truth (reference values, tolerances)."""

    case: Case
    truth: laws.Truth

    # the benchmarks call fn(problem.U, problem.v_c, problem.o): the case's fields, read through
    @property
    def U(self) -> np.ndarray:
        return self.case.U

    @property
    def v_c(self) -> np.ndarray:
        return self.case.v_c

    @property
    def o(self) -> int:
        return self.case.o

    @property
    def W(self) -> int:
        return self.case.W

    @property
    def d(self) -> int:
        return self.case.d

    @property
    def dtype(self) -> np.dtype:
        return self.case.dtype

    def label(self) -> str:
        return f"W={self.W} d={self.d} {self.dtype}"

    def check(self, name: str, received: Any, same_dtype: bool = True) -> None:
        """Assert an output against the reference within tolerances.bounds (the laws' tolerances).

        Those bounds come from forward-error analysis of the logits (dot products of length d), the
        softmax over W entries and the final product, scaled by this input's magnitudes and dtype,
        with a safety factor of 4 (properties/tolerances.py derives them); a wrong gradient misses
        them by orders of magnitude.  ``same_dtype``: the output keeps the input's precision (autograd
        may promote float32, which the DESIGN accepts).
        """
        expected = np.asarray(getattr(self.truth, name))
        tol = getattr(self.truth.bounds, name)
        received = np.asarray(received)
        if same_dtype and name != "loss":
            assert received.dtype == self.dtype, f"{name}: {received.dtype} for {self.dtype} input"
        found = laws.mismatch(name, expected, received, tol)
        assert not found.failed, found.detail

    def check_step(self, U_after: np.ndarray, lr: float) -> None:
        """U_after = U - lr dCE/dU within tolerances.sgd_step_bounds (derived there)."""
        tol = tolerances.sgd_step_bounds(self.U, self.truth.grad_U, self.truth.bounds.grad_U, lr)
        assert U_after.dtype == self.dtype
        found = laws.mismatch("U after sgd_step", self.U.astype(np.float64) - lr * self.truth.grad_U, U_after, tol)
        assert not found.failed, found.detail


def make_problem(W: int, d: int, dtype: type) -> Problem:
    """A reproducible input whose logits spread over a few units, as trained embeddings do."""
    rng = np.random.default_rng(W + d)
    U: np.ndarray = (rng.standard_normal((W, d)) / np.sqrt(d)).astype(dtype)
    v_c: np.ndarray = rng.standard_normal(d).astype(dtype)
    case = Case(U, v_c, int(rng.integers(W)))
    return Problem(case, laws.truth(case))


@pytest.fixture(scope="module", params=[(W, d, t) for W, d in SIZES for t in DTYPES],
                ids=[f"W{W}-d{d}-{np.dtype(t)}" for W, d in SIZES for t in DTYPES])
def problem(request: pytest.FixtureRequest) -> Problem:
    """Module-scoped, so pytest runs every benchmark of one input before making the next."""
    W, d, dtype = request.param
    return make_problem(W, d, dtype)


@pytest.fixture
def timed(benchmark: Any) -> Callable[..., Any]:
    """``timed(kind, problem, role, fn, *args, rounds=0)``: benchmark fn(*args) in that input's group.

    The group is ``"<kind> <problem.label()>"``; kind and role also go to ``extra_info`` for ratios.py.
    """

    def run(kind: str, problem: Any, role: str, fn: Callable[..., Any], *args: Any, rounds: int = 0) -> Any:
        benchmark.group = f"{kind} {problem.label()}"
        benchmark.extra_info.update(kind=kind, role=role)
        if rounds:  # a fixed, small number of rounds for a baseline that takes seconds per call
            return benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1)
        return benchmark(fn, *args)

    return run
