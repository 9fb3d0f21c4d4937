"""A sandboxed submission's negSamplingLossAndGradient or skipgram, as the laws call them.

The child (``properties.grader.sandbox.child``) binds each parameter of the convention's row through
:func:`properties.assignment.course.call_values`: the request carries o, the sampler's draws and K
for negative sampling, or the window (c, outside words, negatives per word) for skipgram.  Only
numbers cross: the parent chose the draws, so it knows which negatives ``getNegativeSamples`` picks
and computes the truth itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from properties.assignment.implementation import WindowOutputs
from properties.grader.conventions import CONVENTIONS
from properties.grader.sandbox.parent import SandboxedImplementation
from properties.implementation import Outputs

NS_SLOTS = ["loss", "grad_v_c", "grad_U"]
WINDOW_SLOTS = ["loss", "grad_V", "grad_U"]


class SandboxedNegSampling:
    """negSamplingLossAndGradient in the sandbox: ``impl(U, v_c, o, draws, K) -> Outputs``."""

    def __init__(self, sandboxed: SandboxedImplementation) -> None:
        self.sandboxed = sandboxed
        self.name = sandboxed.name
        self.provides = sandboxed.provides
        self.labels = CONVENTIONS[sandboxed.convention_name].labels
        #: draws taken from the dataset in the last call (None if the child did not say)
        self.last_drawn: int | None = None

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int, draws: tuple[int, ...], K: int) -> Outputs:
        reply, mutated = self.sandboxed.exchange({"o": int(o), "draws": [int(i) for i in draws], "K": int(K)},
                                                 {"U": U, "v_c": v_c})
        drawn = reply.fields.get("drawn")
        self.last_drawn = drawn if type(drawn) is int else None
        values = self.sandboxed.slots(reply, NS_SLOTS)
        return Outputs(grad_U=values["grad_U"], loss=values["loss"], grad_v_c=values["grad_v_c"], mutated=mutated)


class SandboxedWindow:
    """skipgram in the sandbox: ``impl(V, U, c, outside, negatives) -> WindowOutputs``."""

    def __init__(self, sandboxed: SandboxedImplementation) -> None:
        self.sandboxed = sandboxed
        self.name = sandboxed.name
        self.provides = sandboxed.provides
        self.labels = CONVENTIONS[sandboxed.convention_name].labels

    def __call__(self, V: np.ndarray, U: np.ndarray, c: int, outside: tuple[int, ...],
                 negatives: tuple[tuple[int, ...], ...] | None) -> WindowOutputs:
        fields: dict[str, Any] = {"c": int(c), "outside": [int(o) for o in outside]}
        if negatives is not None:
            fields["negatives"] = [[int(i) for i in row] for row in negatives]
            fields["draws"] = [int(i) for row in negatives for i in row]  # in window order
        reply, mutated = self.sandboxed.exchange(fields, {"V": V, "U": U})
        values = self.sandboxed.slots(reply, WINDOW_SLOTS)
        return WindowOutputs(loss=values["loss"], grad_V=values["grad_V"], grad_U=values["grad_U"], mutated=mutated)
