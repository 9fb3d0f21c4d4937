"""The skip-gram loss of one window: the sum of a word loss over the outside words (eqs. (35)-(39)).

Notation (docs/negative-sampling.md):

    V    (W, d)  centre vectors, row w is v_w;  U (W, d) outside vectors, row w is u_w
    c    int     the centre word;  o_1..o_m the outside words of its window (repeats allowed)
    J_sg = Σ_j J(v_c, o_j, U)                                                       eq. (35)
    dJ_sg/dU = Σ_j dJ(v_c, o_j, U)/dU                                               eq. (36)
    dJ_sg/dV: row c is Σ_j dJ(v_c, o_j, U)/dv_c, every other row is 0                eq. (37)-(38)

J is the naive-softmax cross-entropy (``reference.loss``, eq. (1)) or, given one list of negatives
per outside word, the negative-sampling loss (``reference.negative_sampling``, eq. (27)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import reference
from reference import _validate, _validate_window
from reference import negative_sampling as ns

__all__ = ["skipgram"]


def _word_terms(U: np.ndarray, v_c: np.ndarray, o: int, negatives: np.ndarray | None
                ) -> tuple[float, np.ndarray, np.ndarray]:
    """(J, dJ/dv_c, dJ/dU) of one outside word o."""
    if negatives is None:
        return reference.loss(U, v_c, o), reference.grad_v_c(U, v_c, o), reference.grad_U(U, v_c, o)
    return ns.neg_sampling(U, v_c, o, negatives)


def skipgram(V: np.ndarray, U: np.ndarray, c: int, outside: Sequence[int] | np.ndarray,
             negatives: Sequence[Sequence[int]] | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """(J_sg, dJ_sg/dV, dJ_sg/dU) for centre word c and its outside words (eq. 35-38).

    ``negatives`` is None for the naive-softmax loss, else ``negatives[j]`` are the negatives drawn
    for ``outside[j]``.  An empty window has loss 0 and zero gradients.
    """
    V, U = _validate_window.centre_and_outside_matrices(V, U)
    W = V.shape[0]
    c = _validate.word_index(c, W)
    outside = _validate_window.index_list("outside", outside, W)
    per_word = _validate_window.negatives_per_word(negatives, len(outside), W)
    v_c = V[c]
    loss = 0.0
    grad_V = np.zeros_like(V)
    grad_U = np.zeros_like(U)
    for j, o in enumerate(outside):
        word_loss, word_grad_v_c, word_grad_U = _word_terms(U, v_c, int(o), None if per_word is None else per_word[j])
        loss += word_loss  # a sum over the window, not a mean (eq. 35)
        grad_V[c] += word_grad_v_c  # only the centre word's vector enters J_sg (eq. 38)
        grad_U += word_grad_U
    return loss, grad_V, grad_U
