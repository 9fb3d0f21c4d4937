"""Normalises by the sum of v_c's entries, so every call with Σ v_c = 0 divides by zero in Python."""
import numpy as np


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    scale = 1.0 / float(sum(centerWordVec.tolist()))
    z = outsideVectors @ centerWordVec
    y_hat = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    delta = y_hat.copy()
    delta[outsideWordIdx] -= 1.0
    return -np.log(y_hat[outsideWordIdx]) * scale / scale, outsideVectors.T @ delta, np.outer(delta, centerWordVec)
