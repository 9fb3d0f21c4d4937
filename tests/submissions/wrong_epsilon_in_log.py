"""word2vec.py (naive softmax part): a stable softmax, and a guard against log(0) in the loss."""
import numpy as np


def softmax(x):
    e = np.exp(x - np.max(x))  # shifted: no overflow
    return e / np.sum(e)


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    ### YOUR CODE HERE
    y_hat = softmax(outsideVectors @ centerWordVec)
    loss = -np.log(y_hat[outsideWordIdx] + 1e-12)  # avoid log(0)
    y = np.zeros_like(y_hat)
    y[outsideWordIdx] = 1.0
    gradCenterVec = outsideVectors.T @ (y_hat - y)
    gradOutsideVecs = np.outer(y_hat - y, centerWordVec)
    ### END YOUR CODE
    return loss, gradCenterVec, gradOutsideVecs
