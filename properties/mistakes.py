"""The catalogue of known mistakes: wrong implementations that students actually write.

Each mistake is a real function ``mistake(U, v_c, o) -> (loss, dCE/dv_c, dCE/dU)`` (numpy only,
built on the two correct helpers below), registered with ``@CATALOGUE.mistake(name, explanation)``.
One definition serves three purposes:

* the mutant catalogue of the test suite: every law names, in its registry entry
  (``properties.laws``, ``rejects=``), the mistakes it must reject, and
  tests/test_laws_reject_mutants.py runs each pair;
* student files in every calling convention, written from :meth:`Mistake.student_source` (the
  helpers' and the mistake's own source text), for the grader's tests;
* the grader's diagnosis: a failing submission's output is compared with every *diagnosable*
  mistake's output on the failing case, and the match is named with its explanation.

A stateful mistake (``stateful=True``) is written as a factory that returns the mistake with fresh
state, so every implementation built from it starts from nothing.

To add a mistake: write the function below with its decorator, then name it in the ``rejects=`` of
each law that must reject it.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A mistake's signature: (U, v_c, o) -> (loss, dCE/dv_c, dCE/dU), as the cs224n convention returns.
MistakeFunction = Callable[[np.ndarray, np.ndarray, int], tuple[Any, Any, Any]]
#: A mistake's optional label-vector form, ``grad_U_from_label(U, v_c, y)``.
LabelFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], Any]


def _source_of(fn: Callable[..., Any]) -> str:
    """The source text of ``fn`` from its ``def`` line on (decorators left out), dedented."""
    text = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(text).body[0]
    assert isinstance(node, ast.FunctionDef), f"{fn.__qualname__} is not a plain function"
    return "\n".join(text.splitlines()[node.lineno - 1:]) + "\n"


@dataclass(frozen=True)
class Mistake:
    name: str
    explanation: str  # the diagnosis shown to the student, citing the equation
    defined_by: Callable[..., Any]  # the mistake itself, or (stateful) a factory returning it
    helpers: tuple[Callable[..., Any], ...]  # the correct helpers its source uses
    diagnosable: bool = True  # False where one output cannot show the mistake (state, mutation)
    stateful: bool = False
    grad_U_from_label: LabelFunction | None = None  # its soft-label form, where it has one

    def function(self) -> MistakeFunction:
        """The mistake as a function of (U, v_c, o); with fresh state for a stateful one."""
        fn: MistakeFunction = self.defined_by() if self.stateful else self.defined_by
        return fn

    def student_source(self) -> str:
        """A module defining ``mistake(U, v_c, o)`` (and ``grad_U_from_label`` where it has one).

        Written from the functions' own source, for student files in any calling convention.
        """
        parts = ["from __future__ import annotations\n\nimport numpy as np\n"]
        parts += [_source_of(helper) for helper in self.helpers]
        parts.append(_source_of(self.defined_by))
        call = "()" if self.stateful else ""
        aliases = f"mistake = {self.defined_by.__name__}{call}\n"
        if self.grad_U_from_label is not None:
            parts.append(_source_of(self.grad_U_from_label))
            aliases += f"grad_U_from_label = {self.grad_U_from_label.__name__}\n"
        return "\n\n".join(parts) + "\n\n" + aliases


class Catalogue:
    """The mistakes of one function under test, in the order they were written."""

    def __init__(self, helpers: Sequence[Callable[..., Any]]) -> None:
        self.helpers = tuple(helpers)
        self._by_name: dict[str, Mistake] = {}

    def mistake(self, name: str, explanation: str, *, diagnosable: bool = True, stateful: bool = False,
                grad_U_from_label: LabelFunction | None = None) -> Callable[[Callable[..., Any]], Mistake]:
        """Register the decorated function as the mistake ``name``; the decorator returns the Mistake."""

        def register(defined_by: Callable[..., Any]) -> Mistake:
            if name in self._by_name:
                raise ValueError(f"mistake {name!r} is defined twice")
            entry = Mistake(name, explanation, defined_by, self.helpers, diagnosable, stateful, grad_U_from_label)
            self._by_name[name] = entry
            return entry

        return register

    def __iter__(self) -> Iterator[Mistake]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> Mistake:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no mistake named {name!r}; the mistakes are {', '.join(self._by_name)}") from None


# ---------------------------------------------------------------------------------------------
# The correct pieces the mistakes are built from (written into every student file)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def _correct(U: np.ndarray, v_c: np.ndarray, o: int) -> tuple[float, np.ndarray, np.ndarray]:
    z = U @ v_c
    y_hat = _softmax(z)
    loss = float(np.log(np.sum(np.exp(z - np.max(z)))) + np.max(z) - z[o])
    delta = y_hat.copy()
    delta[o] -= 1.0
    return loss, U.T @ delta, np.outer(delta, v_c)


CATALOGUE = Catalogue(helpers=(_softmax, _correct))
mistake = CATALOGUE.mistake

Result = tuple[Any, Any, Any]


# ---------------------------------------------------------------------------------------------
# dCE/dU


@mistake("missing-minus-y",
         "dCE/dU equals ŷ v_cᵀ: the one-hot y was not subtracted from ŷ (eq. 22: row o is (ŷ_o - 1) v_c)")
def missing_minus_y(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, _ = _correct(U, v_c, o)
    return loss, g_v, np.outer(_softmax(U @ v_c), v_c)


@mistake("sign-flip",
         "dCE/dU equals (y - ŷ) v_cᵀ: the sign is flipped; the gradient of CE is (ŷ - y) v_cᵀ (eq. 22)")
def sign_flip(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return loss, -g_v, -g


@mistake("transposed",
         "dCE/dU came back as v_c (ŷ - y)ᵀ, shape (d, W): the transpose of eq. (23); one row per word")
def transposed(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, _ = _correct(U, v_c, o)
    return loss, g_v, np.outer(v_c, _softmax(U @ v_c) - np.eye(len(U))[o])


@mistake("u-o-instead-of-v-c",
         "the rows of dCE/dU are multiples of u_o, not of v_c: ∂(u_wᵀv_c)/∂u_w = v_c (eq. 11)")
def u_o_instead_of_v_c(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, _ = _correct(U, v_c, o)
    delta = _softmax(U @ v_c)
    delta[o] -= 1.0
    return loss, g_v, np.outer(delta, U[o])


@mistake("u-w-instead-of-v-c",
         "row w of dCE/dU is (ŷ_w - y_w) u_w: the derivative of u_wᵀv_c with respect to u_w is v_c (eq. 11)")
def u_w_instead_of_v_c(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, _ = _correct(U, v_c, o)
    delta = _softmax(U @ v_c)
    delta[o] -= 1.0
    return loss, g_v, delta[:, None] * U


@mistake("no-max-shift",
         "the softmax overflows for large logits: subtract max(z) before exp (softmax is shift-invariant, eq. 11)")
def no_max_shift(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    z = U @ v_c
    e = np.exp(z)
    y_hat = e / np.sum(e)
    delta = y_hat.copy()
    delta[o] -= 1.0
    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)


@mistake("off-by-one-target",
         "the -1 of the one-hot y landed on row o - 1 (a 1-based index?): the target's row is o itself (eq. 24)")
def off_by_one_target(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, _, _ = _correct(U, v_c, o)
    delta = _softmax(U @ v_c)
    delta[o - 1] -= 1.0
    return loss, U.T @ delta, np.outer(delta, v_c)


@mistake("off-by-one-target-above",
         "the -1 of the one-hot y landed on row o + 1: the target's row is o itself (eq. 24)")
def off_by_one_target_above(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, _, _ = _correct(U, v_c, o)
    delta = _softmax(U @ v_c)
    delta[(o + 1) % len(U)] -= 1.0
    return loss, U.T @ delta, np.outer(delta, v_c)


@mistake("target-row-fixed-at-0",
         "the -1 always lands on row 0 whatever the target o: y must be one-hot at o (eq. 24)")
def target_row_fixed_at_0(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, _, _ = _correct(U, v_c, o)
    delta = _softmax(U @ v_c)
    delta[0] -= 1.0
    return loss, U.T @ delta, np.outer(delta, v_c)


@mistake("only-row-o",
         "only row o of dCE/dU was filled in: every other row is ŷ_w v_c, not 0 (eq. 24, 'otherwise')")
def only_row_o(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    out = np.zeros_like(g)
    out[o] = g[o]
    return loss, g_v, out


@mistake("mean-over-vocabulary",
         "dCE/dU was divided by W (a mean over the vocabulary where eq. 23 has none)")
def mean_over_vocabulary(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return loss, g_v, g / len(U)


@mistake("sigmoid-instead-of-softmax",
         "ŷ was computed with a sigmoid of each logit, not the softmax over the vocabulary (eq. 3)")
def sigmoid_instead_of_softmax(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    z = U @ v_c
    y_hat = 1.0 / (1.0 + np.exp(-z))
    delta = y_hat.copy()
    delta[o] -= 1.0
    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)


@mistake("large-vocabulary-shortcut",
         "rows beyond the first 1000 words are left at 0: every row w of eq. (24) is needed, whatever W is")
def large_vocabulary_shortcut(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    g = g.copy()
    g[1000:] = 0.0
    return loss, g_v, g


@mistake("float32-downcast",
         "the gradient was returned as float32 for float64 inputs, losing half the digits")
def float32_downcast(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return loss, g_v, g.astype(np.float32)


@mistake("list-output",
         "dCE/dU was returned as a Python list; return a numpy array")
def list_output(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return loss, g_v, g.tolist()


# ---------------------------------------------------------------------------------------------
# The loss and dCE/dv_c


@mistake("loss-missing-minus",
         "the loss is log ŷ_o, not -log ŷ_o: cross-entropy is -Σ y_w log ŷ_w (eq. 1)")
def loss_missing_minus(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return -loss, g_v, g


@mistake("grad-v-c-sign-flip",
         "dCE/dv_c equals Uᵀ(y - ŷ): the sign is flipped; it is Uᵀ(ŷ - y)")
def grad_v_c_sign_flip(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return loss, -g_v, g


@mistake("grad-v-c-only-target",
         "dCE/dv_c equals -u_o: the Σ_w ŷ_w u_w term of Uᵀ(ŷ - y) is missing")
def grad_v_c_only_target(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, _, g = _correct(U, v_c, o)
    return loss, -U[o].copy(), g


@mistake("grad-v-c-mean-over-vocabulary",
         "dCE/dv_c was averaged over the vocabulary: it is the sum Σ_w (ŷ_w - y_w) u_w = Uᵀ(ŷ - y), not a mean")
def grad_v_c_mean_over_vocabulary(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    return loss, g_v / len(U), g


# ---------------------------------------------------------------------------------------------
# Large logits


@mistake("mean-shift-softmax",
         "the softmax subtracts the mean logit, not the maximum: exp still overflows for large spreads")
def mean_shift_softmax(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    z = U @ v_c
    e = np.exp(z - np.mean(z))
    y_hat = e / np.sum(e)
    delta = y_hat.copy()
    delta[o] -= 1.0
    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)


@mistake("clipped-logits",
         "the logits were clipped to ±50 to avoid overflow; clipping changes ŷ: subtract the max instead")
def clipped_logits(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    z = np.clip(U @ v_c, -50.0, 50.0)
    y_hat = _softmax(z)
    delta = y_hat.copy()
    delta[o] -= 1.0
    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)


# ---------------------------------------------------------------------------------------------
# Shortcuts that are right only sometimes


@mistake("normalised-v-c",
         "v_c was normalised to unit length inside the gradient (and divides by zero when v_c = 0)")
def normalised_v_c(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, _ = _correct(U, v_c, o)
    delta = _softmax(U @ v_c)
    delta[o] -= 1.0
    return loss, g_v, np.outer(delta, v_c / np.linalg.norm(v_c))


@mistake("finite-difference-gradient",
         "dCE/dU was estimated by finite differences, accurate to ~1e-7 only: the exercise is eq. (24) exactly")
def finite_difference_gradient(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, _ = _correct(U, v_c, o)
    h = 1e-5
    # U[i, j] ± h moves z_i alone, by ± h v_c[j]: every central difference at once, in O(W d), where a
    # double loop of full losses costs O(W² d²) (minutes per grading at W = 2000, d = 64)
    z = U @ v_c
    top = np.max(z)
    e = np.exp(z - top)
    is_target = (np.arange(z.shape[0]) == o)[:, None]

    def moved_loss(step: np.ndarray) -> np.ndarray:
        moved = z[:, None] + step[None, :]  # z_i after U[i, j] moved
        logsumexp = top + np.log(np.sum(e) - e[:, None] + np.exp(moved - top))
        return logsumexp - np.where(is_target, moved, z[o])

    return loss, g_v, (moved_loss(h * v_c) - moved_loss(-h * v_c)) / (2 * h)


@mistake("hard-coded-sanity-check",
         "the answer is only right for the course's 5 x 3 sanity-check data")
def hard_coded_sanity_check(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    if U.shape == (5, 3):
        return loss, g_v, g
    return loss, g_v, np.zeros_like(U)


def soft_label_gradient_without_sum(U: np.ndarray, v_c: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.outer(_softmax(U @ v_c) - y, v_c)


@mistake("soft-labels-without-sum",
         "for a soft label vector the factor Σy of eq. (20) was dropped: (ŷ - y) v_cᵀ holds only when Σy = 1",
         grad_U_from_label=soft_label_gradient_without_sum)
def soft_labels_without_sum(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    return _correct(U, v_c, o)  # right for one-hot y: only the label-vector form is wrong


@mistake("crashes-for-one-word",
         "the function fails when the vocabulary has one word (W = 1)")
def crashes_for_one_word(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    if len(U) == 1:
        raise IndexError("index 1 is out of bounds for axis 0 with size 1")
    return _correct(U, v_c, o)


# ---------------------------------------------------------------------------------------------
# Side effects and state: one output cannot show these, so diagnosis leaves them out


@mistake("mutates-U",
         "U was updated in place (an SGD step inside the gradient function): never modify the inputs",
         diagnosable=False)
def mutates_U(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    loss, g_v, g = _correct(U, v_c, o)
    U -= 0.1 * g
    return loss, g_v, g


@mistake("reshapes-v-c-in-place",
         "v_c.shape was assigned in place, which changes the caller's array: use v_c.reshape(-1, 1)",
         diagnosable=False)
def reshapes_v_c_in_place(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
    v_c.shape = (v_c.size, 1)
    delta = _softmax((U @ v_c).ravel())
    loss = -np.log(delta[o])
    delta[o] -= 1.0
    return loss, U.T @ delta, delta[:, None] * v_c.T


@mistake("accumulating-state",
         "the gradient accumulates into a buffer kept between calls; each call must start from zero",
         diagnosable=False, stateful=True)
def accumulating_state() -> MistakeFunction:
    buffers: dict[tuple[int, ...], np.ndarray] = {}

    def accumulate(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
        loss, g_v, g = _correct(U, v_c, o)
        if g.shape not in buffers:
            buffers[g.shape] = np.zeros(g.shape)
        buffers[g.shape] += g
        return loss, g_v, buffers[g.shape].copy()

    return accumulate


@mistake("stale-softmax-cache",
         "ŷ is computed once and reused on later calls: it depends on U and v_c and must be recomputed",
         diagnosable=False, stateful=True)
def stale_softmax_cache() -> MistakeFunction:
    cache: dict[str, np.ndarray] = {}

    def cached(U: np.ndarray, v_c: np.ndarray, o: int) -> Result:
        if "y_hat" not in cache or len(cache["y_hat"]) != len(U):
            cache["y_hat"] = _softmax(U @ v_c)
        delta = cache["y_hat"].copy()
        delta[o] -= 1.0
        return -np.log(cache["y_hat"][o]), U.T @ delta, np.outer(delta, v_c)

    return cached


MISTAKES: tuple[Mistake, ...] = tuple(CATALOGUE)
BY_NAME = {m.name: m for m in MISTAKES}
