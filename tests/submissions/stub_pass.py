#!/usr/bin/env python
"""The starter file with `pass` where the code goes: the function returns None."""
import numpy as np

from utils.utils import softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    """ Naive Softmax loss & gradient function for word2vec models """
    ### YOUR CODE HERE (~6-8 Lines)
    pass
    ### END YOUR CODE
