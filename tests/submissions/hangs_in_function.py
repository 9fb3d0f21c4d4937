"""Imports fine; the function never returns (a loop whose condition never changes)."""
import numpy as np


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    converged = False
    while not converged:
        z = outsideVectors @ centerWordVec
    return 0.0, np.zeros_like(centerWordVec), np.zeros_like(outsideVectors) + z[0]
