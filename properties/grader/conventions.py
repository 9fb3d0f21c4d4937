"""The calling conventions a submission may use: the one table of names, signatures and outputs.

A convention says how the grader calls a student's function and reads what it returns: the
function's name, its parameters in order (each bound to a value the grader passes: ``U``, ``v_c``,
``o`` or ``dataset``), and its outputs in the order returned (each an :class:`Outputs` slot and the
name the assignment gives it, so messages use the student's words).  Everything else -- detection
by function name (``intake``), what the child passes and unpacks (``sandbox``), the labels in
reports, the in-process adapters (``properties.implementation``) and the command line's help --
looks it up here.  A new convention is a new row of :data:`CONVENTIONS`, not new code.

This module imports nothing of cegrad: the sandboxed child reads it before the submission loads.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

__all__ = [
    "ASSIGNMENT",
    "AUTO",
    "CONVENTIONS",
    "CUSTOM_FUNCTION_CONVENTION",
    "Convention",
    "Output",
    "Parameter",
    "UnusedDataset",
    "choices_text",
    "positional_count",
]

#: ``--convention auto``: choose by the function names the file defines (first row first).
AUTO = "auto"
#: ``--convention assignment``: grade every function of the word2vec assignment the file defines
#: (its naive-softmax, neg-sampling and skipgram rows), in one report (properties.grader.assignment).
ASSIGNMENT = "assignment"

MSG_NOT_A_TUPLE = "returned {what}, not a tuple {returns}"


@dataclass(frozen=True)
class Parameter:
    """One parameter of the graded function, as the assignment's signature spells it."""

    name: str
    #: what the grader passes: "U", "v_c", "o" or "dataset"
    value: str
    #: a submission whose function has no room for it is called without it (the unused ``dataset``)
    optional: bool = False


@dataclass(frozen=True)
class Output:
    """One returned value: the :class:`~properties.implementation.Outputs` slot it fills and its name."""

    slot: str
    label: str


@dataclass(frozen=True)
class Convention:
    """How to call a submission and read its result (one row of :data:`CONVENTIONS`)."""

    name: str
    #: the function looked for; ``--function`` renames it (:meth:`renamed`)
    function_name: str
    parameters: tuple[Parameter, ...]
    #: in the order returned; one output means the function returns it bare, several a tuple
    outputs: tuple[Output, ...]
    #: where the signature comes from, for ``--help`` and the docs
    origin: str
    #: which function of the word2vec assignment the row grades: "naive-softmax", "neg-sampling" or
    #: "skipgram" (each has its own laws and its own call in the sandbox)
    graded: str = "naive-softmax"

    @property
    def provides(self) -> frozenset[str]:
        """The output slots this convention fills."""
        return frozenset(output.slot for output in self.outputs)

    @property
    def labels(self) -> dict[str, str]:
        """slot -> the name the assignment gives that output ("grad_U" -> "gradOutsideVecs")."""
        return {output.slot: output.label for output in self.outputs}

    @property
    def returns(self) -> str:
        """What the function returns, as the assignment writes it: "(loss, gradCenterVec, gradOutsideVecs)"."""
        labels = [output.label for output in self.outputs]
        return labels[0] if len(labels) == 1 else "(" + ", ".join(labels) + ")"

    @property
    def signature(self) -> str:
        """``naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset)``."""
        return f"{self.function_name}({', '.join(p.name for p in self.parameters)})"

    def renamed(self, function_name: str) -> Convention:
        """The same convention looking for another function name (``--function``)."""
        return replace(self, function_name=function_name)

    def arguments(self, values: Mapping[str, Any], positional: int) -> tuple[Any, ...]:
        """The positional arguments for a function that takes ``positional`` of them.

        ``values`` maps each parameter's value name ("U", "v_c", "o", "dataset") to what to pass.
        A function with fewer positional parameters than the signature is called without the
        optional ones (a naive softmax written without ``dataset``).
        """
        params = self.parameters
        if positional < len(params):
            params = tuple(p for p in params if not p.optional)
        return tuple(values[p.value] for p in params)

    def unpack(self, result: Any) -> dict[str, Any] | str:
        """slot -> returned value, or (for a result of the wrong shape) the message saying so.

        Only the exact types ``tuple`` and ``list`` are taken apart: a returned object's own
        ``__len__`` or ``__getitem__`` is never called.
        """
        if len(self.outputs) == 1:
            return {self.outputs[0].slot: result}
        if type(result) in (tuple, list) and len(result) == len(self.outputs):
            return {output.slot: value for output, value in zip(self.outputs, result, strict=True)}
        what = "None" if result is None else f"a {type(result).__module__}.{type(result).__qualname__}"
        if type(result) in (tuple, list):
            what = f"a {type(result).__name__} of length {len(result)}"
        return MSG_NOT_A_TUPLE.format(what=what, returns=self.returns)


def _row(name: str, function_name: str, parameters: str, outputs: str, origin: str,
         graded: str = "naive-softmax") -> Convention:
    """A row from the signature as written: parameters "name=value" (``?`` marks optional), outputs
    "slot=label"."""
    params = []
    for item in parameters.split():
        param, _, value = item.partition("=")
        params.append(Parameter(param, value.rstrip("?"), optional=value.endswith("?")))
    outs = [Output(*item.split("=")) for item in outputs.split()]
    return Convention(name, function_name, tuple(params), tuple(outs), origin, graded)


#: Every convention, in the order ``--convention auto`` prefers them when a file defines several.
CONVENTIONS: Mapping[str, Convention] = MappingProxyType({
    row.name: row
    for row in (
        _row("cs224n", "naiveSoftmaxLossAndGradient",
             "centerWordVec=v_c outsideWordIdx=o outsideVectors=U dataset=dataset?",
             "loss=loss grad_v_c=gradCenterVec grad_U=gradOutsideVecs",
             "CS224n word2vec assignment, 2019 onwards"),
        _row("cs224n-snake", "naive_softmax_loss_and_gradient",
             "center_word_vec=v_c outside_word_idx=o outside_vectors=U dataset=dataset?",
             "loss=loss grad_v_c=grad_center_vec grad_U=grad_outside_vecs",
             "the same in snake_case"),
        _row("cs224n-2017", "softmaxCostAndGradient",
             "predicted=v_c target=o outputVectors=U dataset=dataset?",
             "loss=cost grad_v_c=gradPred grad_U=grad",
             "CS224n assignment 1, 2017"),
        _row("grad-u", "grad_U",
             "U=U v_c=v_c o=o",
             "grad_U=dCE/dU",
             "any f(U, v_c, o) returning dCE/dU; name it with --function"),
        # The rest of the word2vec assignment (docs/negative-sampling.md).  The dataset is the grader's:
        # its sampleTokenIdx yields draws the grader chose, so it knows the negatives; skipgram gets a
        # correct word2vecLossAndGradient (properties.assignment.course).  After the rows above, so a
        # whole word2vec.py under auto is still graded for its naive softmax.
        _row("cs224n-negsamp", "negSamplingLossAndGradient",
             "centerWordVec=v_c outsideWordIdx=o outsideVectors=U dataset=dataset K=K?",
             "loss=loss grad_v_c=gradCenterVec grad_U=gradOutsideVecs",
             "CS224n word2vec assignment, 2019 onwards: negative sampling", "neg-sampling"),
        _row("cs224n-snake-negsamp", "neg_sampling_loss_and_gradient",
             "center_word_vec=v_c outside_word_idx=o outside_vectors=U dataset=dataset K=K?",
             "loss=loss grad_v_c=grad_center_vec grad_U=grad_outside_vecs",
             "the same in snake_case", "neg-sampling"),
        _row("cs224n-skipgram", "skipgram",
             "currentCenterWord=centre_word windowSize=window_size outsideWords=outside_words word2Ind=word2ind "
             "centerWordVectors=V outsideVectors=U dataset=dataset word2vecLossAndGradient=word_loss?",
             "loss=loss grad_V=gradCenterVecs grad_U=gradOutsideVectors",
             "CS224n word2vec assignment, 2019 onwards: the skip-gram window", "skipgram"),
        _row("cs224n-snake-skipgram", "skipgram",
             "current_center_word=centre_word window_size=window_size outside_words=outside_words word2ind=word2ind "
             "center_word_vectors=V outside_vectors=U dataset=dataset word2vec_loss_and_gradient=word_loss?",
             "loss=loss grad_V=grad_center_vecs grad_U=grad_outside_vectors",
             "the same in snake_case", "skipgram"),
    )
})  # fmt: skip

#: The convention of a ``--function NAME`` under auto when NAME is no row's function.
CUSTOM_FUNCTION_CONVENTION = "grad-u"


def choices_text(last: str = "or") -> str:
    """ "cs224n, cs224n-snake, cs224n-2017 or grad-u" (for help texts)."""
    names = list(CONVENTIONS)
    return ", ".join(names[:-1]) + f" {last} " + names[-1]


class UnusedDataset:
    """The ``dataset`` argument of the course's signatures, unused by the naive softmax: harmless if touched."""

    def __getattr__(self, attr: str) -> Any:
        raise AttributeError(f"the naive softmax loss does not use the dataset (asked for {attr!r})")


#: A function whose signature cannot be read is assumed to take every parameter.
_UNREADABLE_SIGNATURE = 1 << 16


def positional_count(fn: Callable[..., Any]) -> int:
    """How many positional arguments ``fn`` accepts (a large number for ``*args`` or no signature)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return _UNREADABLE_SIGNATURE
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return _UNREADABLE_SIGNATURE
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
