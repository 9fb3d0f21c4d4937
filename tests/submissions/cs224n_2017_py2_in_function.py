#!/usr/bin/env python

import numpy as np
import random

from q1_softmax import softmax
from q2_gradcheck import gradcheck_naive
from q2_sigmoid import sigmoid, sigmoid_grad

DEBUG = False
TINY = np.float64(1e-300)


def normalizeRows(x):
    """ Row normalization function """
    ### YOUR CODE HERE
    N = x.shape[0]
    x /= np.sqrt(np.sum(x**2, axis=1)).reshape((N,1)) + 1e-30
    ### END YOUR CODE
    return x


def outer(a, b):
    """ my own outer product, np.outer confused me """
    out = np.zeros((a.shape[0], b.shape[0]))
    for i in xrange(a.shape[0]):
        out[i, :] = a[i] * b
    return out


def softmaxCostAndGradient(predicted, target, outputVectors, dataset):
    """ Softmax cost function for word2vec models """

    ### YOUR CODE HERE
    probs = softmax(outputVectors.dot(predicted))
    if DEBUG:
        print "probs", probs
    cost = -np.log(probs[target] + TINY)

    try:
        probs[target] -= 1.
    except IndexError, e:
        print "bad target", target
        raise

    gradPred = outputVectors.T.dot(probs)
    grad = outer(probs, predicted)
    ### END YOUR CODE

    return cost, gradPred, grad


def test_word2vec():
    random.seed(31415)
    np.random.seed(9265)
    dummy_vectors = normalizeRows(np.random.randn(10,3))
    print "==== Sanity check for softmaxCostAndGradient ===="
    print softmaxCostAndGradient(dummy_vectors[0], 2, dummy_vectors[5:], None)


if __name__ == "__main__":
    test_word2vec()
