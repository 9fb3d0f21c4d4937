"""word2vec.py (naive softmax part): right formulas, but U is cast to float32 "to save memory"."""
import numpy as np

from utils.utils import softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    """Loss and gradients of the naive softmax for one (centre, outside) pair."""
    ### YOUR CODE HERE
    U = outsideVectors.astype(np.float32)  # half the memory for a big vocabulary
    y_hat = softmax(U @ centerWordVec)
    loss = -np.log(y_hat[outsideWordIdx])
    delta = y_hat.copy()
    delta[outsideWordIdx] -= 1
    gradCenterVec = U.T @ delta
    gradOutsideVecs = np.outer(delta, centerWordVec)
    ### END YOUR CODE
    return loss, gradCenterVec, gradOutsideVecs
