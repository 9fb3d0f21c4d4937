"""Student files written from the mistake catalogue, one per calling convention."""

from __future__ import annotations

from pathlib import Path

from properties.mistakes import PRELUDE, Mistake

WRAPPERS = {
    "cs224n": '''
def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    return mistake(outsideVectors, centerWordVec, outsideWordIdx)
''',
    "cs224n-snake": '''
def naive_softmax_loss_and_gradient(center_word_vec, outside_word_idx, outside_vectors, dataset):
    return mistake(outside_vectors, center_word_vec, outside_word_idx)
''',
    "cs224n-2017": '''
def softmaxCostAndGradient(predicted, target, outputVectors, dataset):
    cost, gradPred, grad = mistake(outputVectors, predicted, target)
    return cost, gradPred, grad
''',
    "grad-u": '''
def grad_U(U, v_c, o):
    return mistake(U, v_c, o)[2]
''',
}

# laws that only see the loss or dCE/dv_c: such a mistake leaves dCE/dU right, so it "makes no
# sense" in the grad-u convention; soft-labels mutants differ only in a function no convention calls
ONLY_OTHER_OUTPUTS = {"loss-value", "grad-v-c", "soft-labels"}


def makes_sense(mistake: Mistake, convention: str) -> bool:
    law = mistake.caught_by[0]
    if law == "soft-labels":
        return False
    return not (convention == "grad-u" and law in ONLY_OTHER_OUTPUTS)


def write(mistake: Mistake, convention: str, folder: Path) -> Path:
    path = folder / f"{mistake.name}-{convention}.py"
    path.write_text(PRELUDE + mistake.source + mistake.extra + WRAPPERS[convention], encoding="utf-8")
    return path
