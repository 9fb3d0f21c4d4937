"""What a law is run against: an implementation under test and the outputs it returns.

Every law takes an :class:`Implementation` -- a callable ``impl(U, v_c, o) -> Outputs`` -- so the
same laws check the in-process reference, a user's own function (through the adapters below or the
pytest plugin) and a sandboxed student submission (``properties.grader.sandbox.parent``), which returns
outputs that have crossed a process boundary as raw data.

An output slot holds what the implementation returned, after :func:`normalise_output`: an exact
``numpy.ndarray`` of a real floating dtype, or an :class:`Unusable` saying why it is not one.
Nothing returned by code under test is ever compared through its own methods.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

#: The outputs an implementation may provide; ``grad_U`` is always required.
OUTPUT_NAMES = ("loss", "grad_v_c", "grad_U")
#: How the laws name each output in their messages, unless an implementation says otherwise.
LABELS: Mapping[str, str] = {"grad_U": "dCE/dU", "grad_v_c": "dCE/dv_c", "loss": "loss"}

#: The optional label-vector form of an implementation: ``grad_U_from_label(U, v_c, y) -> dCE/dU``.
LabelForm = Callable[[np.ndarray, np.ndarray, np.ndarray], Any]


@dataclass(frozen=True)
class Unusable:
    """An output the laws refuse to look inside, with the reason shown to the student."""

    reason: str


@dataclass(frozen=True)
class Outputs:
    """What one call returned, slot by slot; ``None`` where the implementation has no such output."""

    grad_U: np.ndarray | Unusable
    loss: np.ndarray | Unusable | None = None
    grad_v_c: np.ndarray | Unusable | None = None
    #: names of the inputs ("U", "v_c") whose contents the call changed
    mutated: tuple[str, ...] = ()

    def get(self, name: str) -> np.ndarray | Unusable | None:
        return getattr(self, name)


class ImplementationFatal(BaseException):
    """The implementation could not answer at all: it hung, died, or tampered with the grader.

    A ``BaseException`` on purpose: Hypothesis lets it through at once instead of shrinking, since
    every further call would cost a timeout or a fresh process.  ``status`` is "timeout" or "error".
    """

    status = "error"


class Implementation(Protocol):
    """An implementation under test: called with fresh copies of (U, v_c, o) for every call.

    ``provides`` names the output slots it fills (always ``grad_U``).  Two optional slots, None or
    a default where the implementation has nothing to say: ``labels`` maps a slot to the name the
    messages use for it (a student's own names, e.g. ``gradOutsideVecs``; :data:`LABELS` by
    default), and ``grad_U_from_label`` is its label-vector form, which the soft-labels law calls
    directly where it exists (otherwise it combines index-form calls).
    """

    name: str
    provides: frozenset[str]
    labels: Mapping[str, str]
    grad_U_from_label: LabelForm | None

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int) -> Outputs: ...


_REAL_FLOAT_KINDS = "f"


def normalise_output(value: Any) -> np.ndarray | Unusable:
    """Turn one returned value into an exact ndarray of real floats, or say why it cannot be one.

    Accepted: ``numpy.ndarray`` itself (not a subclass) of a real floating dtype, and Python or
    NumPy real floating scalars (a loss returned as a float).  Everything else -- lists, ndarray
    subclasses such as ``np.matrix`` or masked arrays, integer, complex or object arrays, objects
    with their own ``__eq__`` or ``__array__`` -- is :class:`Unusable`.  Only exact types are
    inspected, so a hostile object's methods are never invoked.
    """
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.kind not in _REAL_FLOAT_KINDS or value.dtype.hasobject:
            return Unusable(f"an ndarray of dtype {value.dtype}, not a real floating dtype")
        return value
    if kind is float or (isinstance(value, np.floating) and kind.__module__ == "numpy"):
        return np.asarray(value, dtype=np.float64 if kind is float else value.dtype)
    if kind is int or (isinstance(value, numbers.Integral) and kind.__module__ == "numpy"):
        return Unusable(f"an integer ({kind.__name__}), not a floating-point number")
    if isinstance(value, np.ndarray):
        return Unusable(f"an ndarray subclass ({kind.__module__}.{kind.__qualname__}), not a plain ndarray")
    return Unusable(f"a {kind.__module__}.{kind.__qualname__} object, not a numpy.ndarray")


@dataclass
class FunctionImplementation:
    """An in-process implementation built from plain functions (see the ``from_*`` helpers)."""

    name: str
    call: Callable[[np.ndarray, np.ndarray, int], tuple[Any, Any, Any]]
    provides: frozenset[str] = field(default_factory=lambda: frozenset({"grad_U"}))
    labels: Mapping[str, str] = field(default_factory=lambda: LABELS)
    grad_U_from_label: LabelForm | None = None

    def __call__(self, U: np.ndarray, v_c: np.ndarray, o: int) -> Outputs:
        U_before, v_c_before = U.copy(), v_c.copy()
        loss, grad_v_c, grad_U = self.call(U, v_c, o)
        mutated = tuple(
            name
            for name, before, after in (("U", U_before, U), ("v_c", v_c_before, v_c))
            if not np.array_equal(before, after, equal_nan=True)
        )
        return Outputs(
            mutated=mutated,
            grad_U=normalise_output(grad_U),
            loss=None if "loss" not in self.provides else normalise_output(loss),
            grad_v_c=None if "grad_v_c" not in self.provides else normalise_output(grad_v_c),
        )


def from_grad_U(fn: Callable[..., Any], name: str | None = None) -> FunctionImplementation:
    """Test ``fn(U, v_c, o) -> dCE/dU`` (the ``grad-u`` convention)."""
    return FunctionImplementation(name or _name_of(fn), lambda U, v_c, o: (None, None, fn(U, v_c, o)))


def from_functions(
    grad_U: Callable[..., Any],
    loss: Callable[..., Any] | None = None,
    grad_v_c: Callable[..., Any] | None = None,
    name: str | None = None,
    grad_U_from_label: LabelForm | None = None,
) -> FunctionImplementation:
    """Test separate functions of (U, v_c, o), as the reference API provides them (and, where
    given, its label-vector form ``grad_U_from_label(U, v_c, y)``)."""
    provides = {"grad_U"} | ({"loss"} if loss else set()) | ({"grad_v_c"} if grad_v_c else set())

    def call(U: np.ndarray, v_c: np.ndarray, o: int) -> tuple[Any, Any, Any]:
        return (
            loss(U, v_c, o) if loss else None,
            grad_v_c(U, v_c, o) if grad_v_c else None,
            grad_U(U, v_c, o),
        )

    return FunctionImplementation(name or _name_of(grad_U), call, frozenset(provides),
                                  grad_U_from_label=grad_U_from_label)


def from_cs224n(fn: Callable[..., Any], name: str | None = None) -> FunctionImplementation:
    """Test ``fn(centerWordVec, outsideWordIdx, outsideVectors, dataset) -> (loss, gradCenter, gradOutside)``.

    Also fits the snake-case form and, with its arguments in the same order, the 2017 form
    ``softmaxCostAndGradient(predicted, target, outputVectors, dataset)``.  A function without
    the ``dataset`` parameter is called without it (the rules are the ``cs224n`` row of
    :data:`properties.grader.conventions.CONVENTIONS`).
    """
    # the table of conventions is a leaf module of plain data: importing it runs no grader code
    from properties.grader.conventions import CONVENTIONS, UnusedDataset, positional_count

    convention = CONVENTIONS["cs224n"]
    accepts = positional_count(fn)

    def call(U: np.ndarray, v_c: np.ndarray, o: int) -> tuple[Any, Any, Any]:
        result = convention.unpack(fn(*convention.arguments({"U": U, "v_c": v_c, "o": o, "dataset": UnusedDataset()},
                                                            accepts)))
        if isinstance(result, str):
            raise TypeError(f"{_name_of(fn)} {result}")
        return result["loss"], result["grad_v_c"], result["grad_U"]

    return FunctionImplementation(name or _name_of(fn), call, convention.provides)


def _name_of(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
