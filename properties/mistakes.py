"""The catalogue of known mistakes: wrong implementations that students actually write.

Each mistake is source text defining ``mistake(U, v_c, o) -> (loss, grad_v_c, grad_U)`` (numpy only,
after a shared prelude), so one definition serves three purposes:

* the mutant catalogue of the test suite (``tests/mutants.py``): every law must reject one;
* student files in every calling convention, written from the same source, for the grader's tests;
* the grader's diagnosis: a failing submission's output is compared with every *diagnosable*
  mistake's output on the failing case, and the match is named with its explanation.

``caught_by`` names the law that must reject the mistake and a fragment of that law's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PRELUDE = '''
import numpy as np

def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)

def _correct(U, v_c, o):
    z = U @ v_c
    y_hat = _softmax(z)
    loss = np.log(np.sum(np.exp(z - np.max(z)))) + np.max(z) - z[o]
    delta = y_hat.copy()
    delta[o] -= 1.0
    return loss, U.T @ delta, np.outer(delta, v_c)
'''


@dataclass(frozen=True)
class Mistake:
    name: str
    explanation: str  # the diagnosis shown to the student, citing the equation
    source: str  # defines mistake(U, v_c, o) after PRELUDE
    caught_by: tuple[str, str]  # (law name, fragment of its failure message)
    diagnosable: bool = True  # False for stateful mistakes: one output cannot show them
    extra: str = ""  # extra source, e.g. a mistake's grad_U_from_label

    def function(self) -> Callable[[np.ndarray, np.ndarray, int], tuple[Any, Any, Any]]:
        fn: Callable[[np.ndarray, np.ndarray, int], tuple[Any, Any, Any]] = self.namespace()["mistake"]
        return fn

    def namespace(self) -> dict[str, Any]:
        """A fresh module namespace of the mistake (fresh state for the stateful ones)."""
        namespace: dict[str, Any] = {}
        exec(compile(PRELUDE + self.source + self.extra, f"<mistake {self.name}>", "exec"), namespace)
        return namespace


def _m(name: str, explanation: str, body: str, caught_by: tuple[str, str], **kw: Any) -> Mistake:
    return Mistake(name, explanation, "\ndef mistake(U, v_c, o):\n" + body, caught_by, **kw)


MISTAKES: tuple[Mistake, ...] = (
    _m("missing-minus-y",
       "dCE/dU equals ŷ v_cᵀ: the one-hot y was not subtracted from ŷ (eq. 22: row o is (ŷ_o - 1) v_c)",
       "    loss, g_v, _ = _correct(U, v_c, o)\n    return loss, g_v, np.outer(_softmax(U @ v_c), v_c)\n",
       ("row-sum", "Row sum")),
    _m("sign-flip",
       "dCE/dU equals (y - ŷ) v_cᵀ: the sign is flipped; the gradient of CE is (ŷ - y) v_cᵀ (eq. 22)",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, -g_v, -g\n",
       ("row-structure", "its coefficient should be")),
    _m("transposed",
       "dCE/dU came back as v_c (ŷ - y)ᵀ, shape (d, W): the transpose of eq. (23); one row per word",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, g_v, np.outer(v_c, _softmax(U @ v_c) - np.eye(len(U))[o])\n",
       ("shape-and-dtype", "you returned the transpose")),
    _m("u-o-instead-of-v-c",
       "the rows of dCE/dU are multiples of u_o, not of v_c: ∂(u_wᵀv_c)/∂u_w = v_c (eq. 11)",
       "    loss, g_v, _ = _correct(U, v_c, o)\n    delta = _softmax(U @ v_c)\n    delta[o] -= 1.0\n"
       "    return loss, g_v, np.outer(delta, U[o])\n",
       ("row-structure", "every row c_w v_c is 0")),
    _m("u-w-instead-of-v-c",
       "row w of dCE/dU is (ŷ_w - y_w) u_w: the derivative of u_wᵀv_c with respect to u_w is v_c (eq. 11)",
       "    loss, g_v, _ = _correct(U, v_c, o)\n    delta = _softmax(U @ v_c)\n    delta[o] -= 1.0\n"
       "    return loss, g_v, delta[:, None] * U\n",
       ("shift-invariance", "after adding a=")),
    _m("no-max-shift",
       "the softmax overflows for large logits: subtract max(z) before exp (softmax is shift-invariant, eq. 11)",
       "    z = U @ v_c\n    e = np.exp(z)\n    y_hat = e / np.sum(e)\n    delta = y_hat.copy()\n    delta[o] -= 1.0\n"
       "    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)\n",
       ("robustness", "received nan")),
    _m("off-by-one-target",
       "the -1 of the one-hot y landed on row o - 1 (a 1-based index?): the target's row is o itself (eq. 24)",
       "    loss, _, _ = _correct(U, v_c, o)\n    delta = _softmax(U @ v_c)\n    delta[o - 1] -= 1.0\n"
       "    return loss, U.T @ delta, np.outer(delta, v_c)\n",
       ("matches-eq-23", "entries differ")),
    _m("off-by-one-target-above",
       "the -1 of the one-hot y landed on row o + 1: the target's row is o itself (eq. 24)",
       "    loss, _, _ = _correct(U, v_c, o)\n    delta = _softmax(U @ v_c)\n    delta[(o + 1) % len(U)] -= 1.0\n"
       "    return loss, U.T @ delta, np.outer(delta, v_c)\n",
       ("matches-eq-23", "entries differ")),
    _m("target-row-fixed-at-0",
       "the -1 always lands on row 0 whatever the target o: y must be one-hot at o (eq. 24)",
       "    loss, _, _ = _correct(U, v_c, o)\n    delta = _softmax(U @ v_c)\n    delta[0] -= 1.0\n"
       "    return loss, U.T @ delta, np.outer(delta, v_c)\n",
       ("relabelling", "renumbered vocabulary")),
    _m("only-row-o",
       "only row o of dCE/dU was filled in: every other row is ŷ_w v_c, not 0 (eq. 24, 'otherwise')",
       "    loss, g_v, g = _correct(U, v_c, o)\n    out = np.zeros_like(g)\n    out[o] = g[o]\n"
       "    return loss, g_v, out\n",
       ("row-sum", "Row sum")),
    _m("mean-over-vocabulary",
       "dCE/dU was divided by W (a mean over the vocabulary where eq. 23 has none)",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, g_v, g / len(U)\n",
       ("matches-eq-23", "entries differ")),
    _m("sigmoid-instead-of-softmax",
       "ŷ was computed with a sigmoid of each logit, not the softmax over the vocabulary (eq. 3)",
       "    z = U @ v_c\n    y_hat = 1.0 / (1.0 + np.exp(-z))\n    delta = y_hat.copy()\n    delta[o] -= 1.0\n"
       "    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)\n",
       ("row-sum", "Row sum")),
    _m("large-vocabulary-shortcut",
       "rows beyond the first 1000 words are left at 0: every row w of eq. (24) is needed, whatever W is",
       "    loss, g_v, g = _correct(U, v_c, o)\n    g = g.copy()\n    g[1000:] = 0.0\n    return loss, g_v, g\n",
       ("row-sum", "Row sum")),
    _m("float32-downcast",
       "the gradient was returned as float32 for float64 inputs, losing half the digits",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, g_v, g.astype(np.float32)\n",
       ("shape-and-dtype", "expected dtype float64, got float32")),
    _m("list-output",
       "dCE/dU was returned as a Python list; return a numpy array",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, g_v, g.tolist()\n",
       ("shape-and-dtype", "expected a numpy.ndarray of floats")),
    _m("loss-missing-minus",
       "the loss is log ŷ_o, not -log ŷ_o: cross-entropy is -Σ y_w log ŷ_w (eq. 1)",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return -loss, g_v, g\n",
       ("loss-value", "loss: value")),
    _m("grad-v-c-sign-flip",
       "dCE/dv_c equals Uᵀ(y - ŷ): the sign is flipped; it is Uᵀ(ŷ - y)",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, -g_v, g\n",
       ("grad-v-c", "entries differ")),
    _m("grad-v-c-only-target",
       "dCE/dv_c equals -u_o: the Σ_w ŷ_w u_w term of Uᵀ(ŷ - y) is missing",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, -U[o].copy(), g\n",
       ("grad-v-c", "entries differ")),
    _m("grad-v-c-mean-over-vocabulary",
       "dCE/dv_c was averaged over the vocabulary: it is the sum Σ_w (ŷ_w - y_w) u_w = Uᵀ(ŷ - y), not a mean",
       "    loss, g_v, g = _correct(U, v_c, o)\n    return loss, g_v / len(U), g\n",
       ("grad-v-c", "entries differ")),
    _m("mean-shift-softmax",
       "the softmax subtracts the mean logit, not the maximum: exp still overflows for large spreads",
       "    z = U @ v_c\n    e = np.exp(z - np.mean(z))\n    y_hat = e / np.sum(e)\n    delta = y_hat.copy()\n"
       "    delta[o] -= 1.0\n    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)\n",
       ("robustness", "received nan")),
    _m("clipped-logits",
       "the logits were clipped to ±50 to avoid overflow; clipping changes ŷ: subtract the max instead",
       "    z = np.clip(U @ v_c, -50.0, 50.0)\n    y_hat = _softmax(z)\n    delta = y_hat.copy()\n"
       "    delta[o] -= 1.0\n    return -np.log(y_hat[o]), U.T @ delta, np.outer(delta, v_c)\n",
       ("robustness", "rel err")),
    _m("normalised-v-c",
       "v_c was normalised to unit length inside the gradient (and divides by zero when v_c = 0)",
       "    loss, g_v, _ = _correct(U, v_c, o)\n    delta = _softmax(U @ v_c)\n    delta[o] -= 1.0\n"
       "    return loss, g_v, np.outer(delta, v_c / np.linalg.norm(v_c))\n",
       ("row-structure", "v_c = 0")),
    _m("finite-difference-gradient",
       "dCE/dU was estimated by finite differences, accurate to ~1e-7 only: the exercise is eq. (24) exactly",
       "    loss, g_v, _ = _correct(U, v_c, o)\n    g = np.zeros_like(U)\n    h = 1e-5\n"
       "    for i in range(U.shape[0]):\n        for j in range(U.shape[1]):\n"
       "            Up = U.copy(); Up[i, j] += h\n            Um = U.copy(); Um[i, j] -= h\n"
       "            g[i, j] = (_correct(Up, v_c, o)[0] - _correct(Um, v_c, o)[0]) / (2 * h)\n"
       "    return loss, g_v, g\n",
       ("matches-eq-23", "entries differ")),
    _m("hard-coded-sanity-check",
       "the answer is only right for the course's 5 x 3 sanity-check data",
       "    loss, g_v, g = _correct(U, v_c, o)\n    if U.shape == (5, 3):\n        return loss, g_v, g\n"
       "    return loss, g_v, np.zeros_like(U)\n",
       ("matches-eq-23", "entries differ")),
    _m("soft-labels-without-sum",
       "for a soft label vector the factor Σy of eq. (20) was dropped: (ŷ - y) v_cᵀ holds only when Σy = 1",
       "    return _correct(U, v_c, o)\n",
       ("soft-labels", "grad_U_from_label"),
       extra="\ndef grad_U_from_label(U, v_c, y):\n    return np.outer(_softmax(U @ v_c) - y, v_c)\n"),
    _m("mutates-U",
       "U was updated in place (an SGD step inside the gradient function): never modify the inputs",
       "    loss, g_v, g = _correct(U, v_c, o)\n    U -= 0.1 * g\n    return loss, g_v, g\n",
       ("inputs-unchanged", "Modified after the call: U"), diagnosable=False),
    _m("reshapes-v-c-in-place",
       "v_c.shape was assigned in place, which changes the caller's array: use v_c.reshape(-1, 1)",
       "    v_c.shape = (v_c.size, 1)\n    delta = _softmax((U @ v_c).ravel())\n    loss = -np.log(delta[o])\n"
       "    delta[o] -= 1.0\n    return loss, U.T @ delta, delta[:, None] * v_c.T\n",
       ("inputs-unchanged", "Modified after the call: v_c"), diagnosable=False),
    _m("accumulating-state",
       "the gradient accumulates into a buffer kept between calls; each call must start from zero",
       "    loss, g_v, g = _correct(U, v_c, o)\n    key = g.shape\n    if key not in _BUFFER:\n"
       "        _BUFFER[key] = np.zeros(key)\n    _BUFFER[key] += g\n    return loss, g_v, _BUFFER[key].copy()\n",
       ("repeatable", "on the second call"), diagnosable=False, extra="\n_BUFFER = {}\n"),
    _m("stale-softmax-cache",
       "ŷ is computed once and reused on later calls: it depends on U and v_c and must be recomputed",
       "    if 'y_hat' not in _CACHE or len(_CACHE['y_hat']) != len(U):\n        _CACHE['y_hat'] = _softmax(U @ v_c)\n"
       "    delta = _CACHE['y_hat'].copy()\n    delta[o] -= 1.0\n"
       "    return -np.log(_CACHE['y_hat'][o]), U.T @ delta, np.outer(delta, v_c)\n",
       ("repeatable", "on the second call"), diagnosable=False, extra="\n_CACHE = {}\n"),
    _m("crashes-for-one-word",
       "the function fails when the vocabulary has one word (W = 1)",
       "    if len(U) == 1:\n        raise IndexError('index 1 is out of bounds for axis 0 with size 1')\n"
       "    return _correct(U, v_c, o)\n",
       ("shape-and-dtype", "Your function raised IndexError")),
)

BY_NAME = {mistake.name: mistake for mistake in MISTAKES}
