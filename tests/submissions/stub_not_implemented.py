#!/usr/bin/env python
"""The handout's starter file, submitted before the exercise was done."""
import numpy as np

from utils.utils import softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    """ Naive Softmax loss & gradient function for word2vec models

    Return:
    loss -- naive softmax loss
    gradCenterVec -- the gradient with respect to the center word vector
    gradOutsideVecs -- the gradient with respect to all the outside word vectors
    """
    ### YOUR CODE HERE (~6-8 Lines)
    raise NotImplementedError
    ### END YOUR CODE


if __name__ == "__main__":
    print(naiveSoftmaxLossAndGradient(np.ones(3), 0, np.eye(3), None))
