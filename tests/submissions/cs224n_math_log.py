"""Correct, with the loss from math.log: it raises ValueError where ŷ_o underflows to 0."""
import math

import numpy as np

from utils.utils import softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    ### YOUR CODE HERE
    y_hat = softmax(outsideVectors.dot(centerWordVec))
    loss = -math.log(y_hat[outsideWordIdx])
    delta = y_hat.copy()
    delta[outsideWordIdx] -= 1.0
    gradCenterVec = outsideVectors.T.dot(delta)
    gradOutsideVecs = np.outer(delta, centerWordVec)
    ### END YOUR CODE
    return loss, gradCenterVec, gradOutsideVecs
