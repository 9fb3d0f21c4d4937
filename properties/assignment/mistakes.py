"""Named mistakes in negative sampling and the skip-gram window: real functions, linted and typed.

A negative-sampling mistake is ``mistake(U, v_c, o, negatives) -> (J, dJ/dv_c, dJ/dU)``, built on the
correct pieces below; a window mistake is ``mistake(V, U, c, outside, word_loss) -> (J_sg, dJ/dV,
dJ/dU)``, where ``word_loss(v_c, o, U) -> (J, dJ/dv_c, dJ/dU)`` is the correct word loss the grader
passes (the course's ``word2vecLossAndGradient``).  Each is registered in its
catalogue (:class:`properties.mistakes.Catalogue`, as the naive softmax's mistakes are) and serves as a
mutant (each law of :mod:`properties.assignment.laws` names in ``rejects=`` the mistakes it must
reject), as a student file (``Mistake.student_source``) and as the grader's diagnosis (its output on a
failing case is compared with the submission's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from properties.mistakes import Catalogue, Mistake

Triple = tuple[Any, Any, Any]
WordLoss = Callable[[np.ndarray, int, np.ndarray], tuple[float, np.ndarray, np.ndarray]]


# ---------------------------------------------------------------------------------------------
# The correct pieces the mistakes are built from (the textbook way a student writes them)


def sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-x))


def correct_neg_sampling(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    z_o = U[o] @ v_c
    loss = np.logaddexp(0.0, -z_o)
    grad_v_c = (sigmoid(z_o) - 1.0) * U[o]
    grad_U = np.zeros_like(U)
    grad_U[o] += (sigmoid(z_o) - 1.0) * v_c
    for k in negatives:
        z_k = U[k] @ v_c
        loss += np.logaddexp(0.0, z_k)
        grad_v_c = grad_v_c + sigmoid(z_k) * U[k]
        grad_U[k] += sigmoid(z_k) * v_c
    return float(loss), grad_v_c, grad_U


NEG_SAMPLING = Catalogue([sigmoid, correct_neg_sampling])
WINDOW = Catalogue([])


def kind_of(mistake: Mistake) -> str:
    """"neg-sampling" or "window": which function's catalogue the mistake is in."""
    return "neg-sampling" if any(m is mistake for m in NEG_SAMPLING) else "window"


# ---------------------------------------------------------------------------------------------
# Negative sampling


@NEG_SAMPLING.mistake(
    "fancy-index-drops-repeats",
    "gradOutsideVecs[negatives] += ... with a fancy index adds a negative drawn twice only once: each draw is "
    "its own term of eq. (27), so row k needs m_k σ(z_k) v_c (eq. 31); use np.add.at or a loop")
def fancy_index_drops_repeats(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, _ = correct_neg_sampling(U, v_c, o, negatives)
    idx = np.asarray(negatives, dtype=int)
    grad_U = np.zeros_like(U)
    grad_U[o] += (sigmoid(U[o] @ v_c) - 1.0) * v_c
    grad_U[idx] += sigmoid(U[idx] @ v_c)[:, None] * v_c  # a repeated index is written once
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "negative-term-sign-flipped",
    "the negatives' rows have coefficient -σ(z_k): the term is -log σ(-z_k), whose derivative is +σ(z_k) "
    "(eq. 26, 31), so descent pushes a negative away from v_c")
def negative_term_sign_flipped(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, grad_U = correct_neg_sampling(U, v_c, o, [])
    for k in negatives:
        loss += float(np.logaddexp(0.0, U[k] @ v_c))
        grad_v_c = grad_v_c - sigmoid(U[k] @ v_c) * U[k]
        grad_U[k] -= sigmoid(U[k] @ v_c) * v_c
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "sigmoid-of-z-and-minus-z-swapped",
    "the negatives use σ(-z_k) = 1 - σ(z_k) where eq. (31) has σ(z_k): d/dx log σ(-x) = -σ(x) (eq. 26)")
def sigmoid_swapped(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, grad_U = correct_neg_sampling(U, v_c, o, [])
    for k in negatives:
        loss += float(np.logaddexp(0.0, U[k] @ v_c))
        grad_v_c = grad_v_c + sigmoid(-(U[k] @ v_c)) * U[k]
        grad_U[k] += sigmoid(-(U[k] @ v_c)) * v_c
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "last-negative-only",
    "only the last negative counts: the loop assigns (=) where it must add (+=); eq. (27) sums over all K draws")
def last_negative_only(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss_o, grad_v_c_o, grad_U = correct_neg_sampling(U, v_c, o, [])
    loss, grad_v_c = loss_o, grad_v_c_o
    for k in negatives:
        loss = loss_o + float(np.logaddexp(0.0, U[k] @ v_c))
        grad_v_c = grad_v_c_o + sigmoid(U[k] @ v_c) * U[k]
    if negatives:
        grad_U[negatives[-1]] += sigmoid(U[negatives[-1]] @ v_c) * v_c
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "mean-over-negatives",
    "the negative terms were averaged over K: eq. (27) sums them, one term per draw")
def mean_over_negatives(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    K = max(len(negatives), 1)
    loss_o, g_v_o, g_U_o = correct_neg_sampling(U, v_c, o, [])
    loss, g_v, g_U = correct_neg_sampling(U, v_c, o, negatives)
    return loss_o + (loss - loss_o) / K, g_v_o + (g_v - g_v_o) / K, g_U_o + (g_U - g_U_o) / K


@NEG_SAMPLING.mistake(
    "target-coefficient-missing-minus-one",
    "the target's row is σ(z_o) v_c: its coefficient is σ(z_o) - 1 = -σ(-z_o) (eq. 30), the -1 is missing")
def target_missing_minus_one(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, grad_U = correct_neg_sampling(U, v_c, o, negatives)
    grad_U[o] += v_c  # (σ - 1) v_c + v_c
    return loss, grad_v_c + U[o], grad_U


@NEG_SAMPLING.mistake(
    "grad-v-c-u-o-for-negatives",
    "gradCenterVec adds σ(z_k) u_o for each negative: each negative's term is σ(z_k) u_k, its own row (eq. 29)")
def grad_v_c_u_o_for_negatives(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, _, grad_U = correct_neg_sampling(U, v_c, o, negatives)
    grad_v_c = (sigmoid(U[o] @ v_c) - 1.0) * U[o]
    for k in negatives:
        grad_v_c = grad_v_c + sigmoid(U[k] @ v_c) * U[o]
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "grad-v-c-missing-target-term",
    "gradCenterVec lacks the target's term -σ(-z_o) u_o = (σ(z_o) - 1) u_o (eq. 29)")
def grad_v_c_missing_target(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, grad_U = correct_neg_sampling(U, v_c, o, negatives)
    return loss, grad_v_c - (sigmoid(U[o] @ v_c) - 1.0) * U[o], grad_U


@NEG_SAMPLING.mistake(
    "gradient-over-whole-vocabulary",
    "every row of gradOutsideVecs got σ(z_w) v_c, as if every word were a negative: only o and the drawn words "
    "appear in eq. (27), every other row is 0 (eq. 32)")
def gradient_over_whole_vocabulary(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, _ = correct_neg_sampling(U, v_c, o, negatives)
    grad_U = np.outer(sigmoid(U @ v_c), v_c)
    grad_U[o] -= v_c
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "log-sigmoid-overflows",
    "σ(x) was computed as eˣ/(1 + eˣ), which is inf/inf = NaN for x > 709.8: use 1/(1 + e^{-x}) for x ≥ 0 "
    "(or scipy.special.expit) and -log σ(x) = np.logaddexp(0, -x) (eq. 28)")
def log_sigmoid_overflows(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    def sigma(x: Any) -> Any:
        return np.exp(x) / (1.0 + np.exp(x))

    z_o = U[o] @ v_c
    loss = -np.log(sigma(z_o))
    grad_v_c = (sigma(z_o) - 1.0) * U[o]
    grad_U = np.zeros_like(U)
    grad_U[o] += (sigma(z_o) - 1.0) * v_c
    for k in negatives:
        z_k = U[k] @ v_c
        loss -= np.log(sigma(-z_k))
        grad_v_c = grad_v_c + sigma(z_k) * U[k]
        grad_U[k] += sigma(z_k) * v_c
    return float(loss), grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "loss-sign-flipped",
    "the loss is log σ(z_o) + Σ_k log σ(-z_k): J is minus that (eq. 27), a sum of non-negative terms")
def loss_sign_flipped(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, grad_U = correct_neg_sampling(U, v_c, o, negatives)
    return -loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "loss-last-negative-only",
    "the loss keeps only the target's and the last negative's terms: the loop assigns (=) where eq. (27) adds")
def loss_last_negative_only(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    _, grad_v_c, grad_U = correct_neg_sampling(U, v_c, o, negatives)
    loss = float(np.logaddexp(0.0, -(U[o] @ v_c)))
    for k in negatives:
        loss = float(np.logaddexp(0.0, -(U[o] @ v_c))) + float(np.logaddexp(0.0, U[k] @ v_c))
    return loss, grad_v_c, grad_U


@NEG_SAMPLING.mistake(
    "outside-gradient-left-at-zero",
    "gradOutsideVecs came back as the starter code's np.zeros: rows o and every drawn k must be filled in "
    "(eqs. 30-31)")
def outside_gradient_left_at_zero(U: np.ndarray, v_c: np.ndarray, o: int, negatives: Sequence[int]) -> Triple:
    loss, grad_v_c, _ = correct_neg_sampling(U, v_c, o, negatives)
    return loss, grad_v_c, np.zeros(U.shape)


# ---------------------------------------------------------------------------------------------
# The skip-gram window


@WINDOW.mistake(
    "mean-over-window",
    "the window's outputs were divided by the number of outside words: J_sg is their sum (eq. 35)")
def mean_over_window(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for o in outside:
        j, g_v, g_U = word_loss(V[c], o, U)
        loss += j
        grad_V[c] += g_v
        grad_U += g_U
    m = max(len(outside), 1)
    return loss / m, grad_V / m, grad_U / m


@WINDOW.mistake(
    "outside-gradient-overwritten",
    "gradOutsideVectors = ... inside the loop keeps only the last outside word's term: eq. (36) sums them (+=)")
def outside_gradient_overwritten(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for o in outside:
        j, g_v, g_U = word_loss(V[c], o, U)
        loss += j
        grad_V[c] += g_v
        grad_U = g_U
    return loss, grad_V, grad_U


@WINDOW.mistake(
    "loss-of-last-word-only",
    "loss = ... inside the loop keeps only the last outside word's loss: J_sg sums them (eq. 35)")
def loss_of_last_word_only(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for o in outside:
        loss, g_v, g_U = word_loss(V[c], o, U)
        grad_V[c] += g_v
        grad_U += g_U
    return loss, grad_V, grad_U


@WINDOW.mistake(
    "ignores-word-loss-argument",
    "skipgram computed the naive-softmax loss itself instead of calling the word2vecLossAndGradient it was given, "
    "so negative sampling is never used (eq. 35 sums whichever word loss is passed)")
def ignores_word_loss_argument(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    v_c = V[c]
    for o in outside:
        z = U @ v_c
        y_hat = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        loss += float(np.log(np.exp(z - z.max()).sum()) + z.max() - z[o])
        delta = y_hat.copy()
        delta[o] -= 1.0
        grad_V[c] += U.T @ delta
        grad_U += np.outer(delta, v_c)
    return loss, grad_V, grad_U


@WINDOW.mistake(
    "centre-gradient-every-row",
    "gradCenterVecs += gradCenterVec adds the centre word's gradient to every row: only row c = "
    "word2Ind[currentCenterWord] is in J_sg (eq. 38)")
def centre_gradient_every_row(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for o in outside:
        j, g_v, g_U = word_loss(V[c], o, U)
        loss += j
        grad_V += g_v  # broadcast over every row
        grad_U += g_U
    return loss, grad_V, grad_U


@WINDOW.mistake(
    "centre-gradient-on-outside-row",
    "each gradCenterVec was added to the outside word's row of gradCenterVecs: it belongs to row c, the centre "
    "word's (eq. 37-38)")
def centre_gradient_on_outside_row(V: np.ndarray, U: np.ndarray, c: int, outside: list[int],
                                   word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for o in outside:
        j, g_v, g_U = word_loss(V[c], o, U)
        loss += j
        grad_V[o] += g_v
        grad_U += g_U
    return loss, grad_V, grad_U


@WINDOW.mistake(
    "skips-first-outside-word",
    "the loop over outsideWords starts at index 1 and skips the first outside word: eq. (35) sums all of them")
def skips_first_outside_word(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for j in range(len(outside)):
        term = word_loss(V[c], outside[j], U)  # every word is asked for: the sampler stays in step
        if j == 0:
            continue
        loss += term[0]
        grad_V[c] += term[1]
        grad_U += term[2]
    return loss, grad_V, grad_U


@WINDOW.mistake(
    "centre-vector-from-outside-matrix",
    "v_c was taken from outsideVectors (U[c]) instead of centerWordVectors (V[c]): the centre word's vector is its "
    "row of V (eq. 35)")
def centre_vector_from_outside_matrix(V: np.ndarray, U: np.ndarray, c: int, outside: list[int],
                                      word_loss: WordLoss) -> Triple:
    loss, grad_V, grad_U = 0.0, np.zeros_like(V), np.zeros_like(U)
    for o in outside:
        j, g_v, g_U = word_loss(U[c].copy(), o, U)
        loss += j
        grad_V[c] += g_v
        grad_U += g_U
    return loss, grad_V, grad_U



@WINDOW.mistake(
    "window-stub-returns-zeros",
    "skipgram returns the starter code's loss = 0.0 and zero gradients: its ### YOUR CODE HERE part is empty "
    "(eq. 35 sums the word losses)")
def window_stub_returns_zeros(V: np.ndarray, U: np.ndarray, c: int, outside: list[int], word_loss: WordLoss) -> Triple:
    return 0.0, np.zeros(V.shape), np.zeros(U.shape)


BY_NAME: dict[str, Mistake] = {m.name: m for m in (*NEG_SAMPLING, *WINDOW)}
