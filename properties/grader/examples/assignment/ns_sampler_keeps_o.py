import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):
    # its own sampler instead of getNegativeSamples: o is not re-drawn
    negSampleWordIndices = [dataset.sampleTokenIdx() for _ in range(K)]
    u_o = outsideVectors[outsideWordIdx]
    s_o = sigmoid(u_o @ centerWordVec)
    loss = -np.log(s_o)
    gradCenterVec = (s_o - 1) * u_o
    gradOutsideVecs = np.zeros(outsideVectors.shape)
    gradOutsideVecs[outsideWordIdx] += (s_o - 1) * centerWordVec
    for k in negSampleWordIndices:
        s_k = sigmoid(-outsideVectors[k] @ centerWordVec)
        loss -= np.log(s_k)
        gradCenterVec += (1 - s_k) * outsideVectors[k]
        gradOutsideVecs[k] += (1 - s_k) * centerWordVec
    return loss, gradCenterVec, gradOutsideVecs
