"""The laws of dCE/dU: plain functions that take an implementation under test and a case.

Each law calls the implementation (with fresh copies of the inputs), compares what came back with
what the seed derivation proves, and raises :class:`LawViolation` with a teaching message, or
returns its worst error as a multiple of the tolerance (``properties.registry`` says how).  Its
registry entry carries its equations, weight, the Hypothesis strategy that feeds it, and the
mistakes it must reject (``rejects=``, each with a regex of the finding it reports);
``properties.runner`` runs one against an implementation.

The laws live in three modules, registered in this order (the order of every report):

* ``contract``  -- how the function must behave as a function: shapes and dtypes, inputs left
  alone, the same answer again;
* ``gradient``  -- the values of dCE/dU: row structure, row sums, eq. (23), invariances, soft labels,
  the two independent oracles;
* ``outputs``   -- dCE/dv_c, the loss, and every output on logits beyond exp's range.

To add a law: write the function under ``@law(...)`` (``properties.laws._common``) with its
``rejects=`` in the module it belongs to; the mistakes it names are functions in
``properties/mistakes.py``.
"""

from __future__ import annotations

from properties.compare import Truth, expected_shape, loss_acceptable, mismatch, reshaped, truth
from properties.implementation import LABELS
from properties.laws import contract, gradient, outputs
from properties.laws._common import REGISTRY
from properties.registry import FatalOnCase, Law, LawViolation, SubmissionCrashed, call, output

LAWS: tuple[Law, ...] = REGISTRY.laws
get = REGISTRY.get
rejecting_laws = REGISTRY.rejecting

__all__ = [
    "LABELS", "LAWS", "REGISTRY", "FatalOnCase", "Law", "LawViolation", "SubmissionCrashed", "Truth", "call",
    "contract", "expected_shape", "get", "gradient", "loss_acceptable", "mismatch", "output", "outputs",
    "rejecting_laws", "reshaped", "truth",
]
