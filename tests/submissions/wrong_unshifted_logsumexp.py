"""A shifted softmax for ŷ, but the loss as log Σ exp(z) - z_o without the shift: inf for large logits."""
import numpy as np


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    z = outsideVectors @ centerWordVec
    e = np.exp(z - np.max(z))
    y_hat = e / np.sum(e)
    loss = np.log(np.sum(np.exp(z))) - z[outsideWordIdx]
    delta = y_hat.copy()
    delta[outsideWordIdx] -= 1
    return loss, outsideVectors.T @ delta, np.outer(delta, centerWordVec)
