"""Naming the mistake behind a failing output.

The submission's output on the failing case is compared, slot by slot, with the output of every
diagnosable mistake in ``properties.mistakes`` on the same case (computed here, in the grader's
process, by our own code).  A slot that is wrong and equals a mistake's wrong slot is explained
by that mistake.
"""

from __future__ import annotations

import warnings

import numpy as np

from properties import tolerances
from properties.implementation import Implementation, ImplementationFatal, Outputs, normalise_output
from properties.laws import LABELS, expected_shape, loss_acceptable, reshaped, truth
from properties.mistakes import MISTAKES, Mistake
from properties.strategies import Case

MATCH_RTOL = tolerances.DIAGNOSIS_MATCH_RTOL  # one mistake rendered twice, not two mistakes (derived there)


def _as_float(value: object, shape: tuple[int, ...]) -> np.ndarray | None:
    """The value as float64 of ``shape`` where only unit axes differ; None otherwise."""
    array = value if isinstance(value, np.ndarray) else normalise_output(value)
    if not isinstance(array, np.ndarray):
        return None
    shaped = reshaped(array, shape)
    return None if shaped is None else shaped.astype(np.float64)


def _raw(value: object) -> np.ndarray | None:
    array = value if isinstance(value, np.ndarray) else normalise_output(value)
    return array.astype(np.float64) if isinstance(array, np.ndarray) else None


def _same_raw(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Same entries in the same layout (up to unit axes): a transposed output matches only a transpose."""
    if a is None or b is None or a.size != b.size:
        return False
    if [n for n in a.shape if n != 1] != [n for n in b.shape if n != 1]:
        return False
    scale = float(np.abs(b).max(initial=0.0)) if b.size and np.isfinite(b).all() else 1.0
    return _same(a.reshape(-1), b.reshape(-1), scale or 1.0)


def _same(a: np.ndarray, b: np.ndarray, scale: float) -> bool:
    return bool(np.allclose(a, b, rtol=MATCH_RTOL, atol=MATCH_RTOL * scale, equal_nan=True))


def _mistake_outputs(mistake: Mistake, case: Case) -> dict[str, object] | None:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            loss, grad_v_c, grad_U = mistake.function()(case.U.copy(), case.v_c.copy(), case.o)
    except Exception:  # a mistake that crashes on this case cannot explain a returned value
        return None
    return {"loss": loss, "grad_v_c": grad_v_c, "grad_U": grad_U}


# A generic case on which no two mistakes coincide: on a shrunk counterexample (W = 1, v_c = [1.0])
# several mistakes can produce the same numbers, so a match must also hold here.
PROBE = Case(
    np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7], [-0.6, 0.9, 0.2], [0.8, -0.3, 1.4]]),
    np.array([0.7, -0.4, 1.3]),
    2,
)


def diagnose_outputs(outputs: Outputs, case: Case, provides: frozenset[str], labels: dict[str, str],
                     probe: Outputs | None = None) -> list[str]:
    """One sentence per wrong output slot that a known mistake explains.

    A mistake explains a slot when it is wrong there, the received slot equals it on ``case``, and
    (where ``probe`` holds the implementation's outputs on :data:`PROBE`) it equals it on the probe.
    """
    t = truth(case)
    right = {"grad_U": t.grad_U, "grad_v_c": t.grad_v_c, "loss": np.asarray(t.loss)}
    tolerance = {"grad_U": t.bounds.grad_U, "grad_v_c": t.bounds.grad_v_c, "loss": t.bounds.loss}
    found: list[str] = []
    diagnosable = [m for m in MISTAKES if m.diagnosable]
    candidates = [(m, _mistake_outputs(m, case)) for m in diagnosable]
    on_probe = {m.name: _mistake_outputs(m, PROBE) for m in diagnosable} if probe is not None else {}
    for slot in ("grad_U", "grad_v_c", "loss"):
        if slot not in provides:
            continue
        shape = expected_shape(slot, case)
        received = _as_float(outputs.get(slot), shape)
        if received is not None:
            if slot == "loss" and loss_acceptable(float(received), t):
                continue
            with np.errstate(invalid="ignore"):
                if np.all(np.abs(received - right[slot]) <= tolerance[slot]):
                    continue  # this slot is right
        raw = _raw(outputs.get(slot))
        for mistake, produced in candidates:
            if produced is None:
                continue
            theirs = _raw(produced[slot])
            theirs_shaped = _as_float(produced[slot], shape)
            scale = float(np.abs(right[slot]).max(initial=0.0)) or 1.0
            if theirs_shaped is not None and _same(theirs_shaped, right[slot], scale):
                continue  # the mistake does not change this slot
            if _same_raw(raw, theirs) and _agrees_on_probe(probe, on_probe.get(mistake.name), slot):
                found.append(f"{labels.get(slot, LABELS[slot])}: {mistake.explanation}")
                break
    return found


def _agrees_on_probe(probe: Outputs | None, theirs: dict[str, object] | None, slot: str) -> bool:
    if probe is None:
        return True
    if theirs is None:
        return False
    return _same_raw(_raw(probe.get(slot)), _raw(theirs[slot]))


def _outputs_on(impl: Implementation, case: Case) -> Outputs | None:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return impl(case.U.copy(), case.v_c.copy(), case.o)
    except (Exception, ImplementationFatal):  # nothing returned, nothing to compare
        return None


class Diagnoser:
    """Diagnoses failures of one implementation; its outputs on :data:`PROBE` are asked for once."""

    def __init__(self, impl: Implementation) -> None:
        self.impl = impl
        self._probe: Outputs | None = None
        self._asked = False

    def __call__(self, case: Case) -> list[str]:
        outputs = _outputs_on(self.impl, case)
        if outputs is None:
            return []
        if not self._asked:
            self._probe, self._asked = _outputs_on(self.impl, PROBE), True
        if self._probe is None:
            return []
        labels = dict(self.impl.labels)  # an Implementation slot (LABELS unless the convention names them)
        return diagnose_outputs(outputs, case, frozenset(self.impl.provides), labels, self._probe)
