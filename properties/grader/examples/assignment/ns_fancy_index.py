import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def getNegativeSamples(outsideWordIdx, dataset, K):
    negSampleWordIndices = [None] * K
    for k in range(K):
        newidx = dataset.sampleTokenIdx()
        while newidx == outsideWordIdx:
            newidx = dataset.sampleTokenIdx()
        negSampleWordIndices[k] = newidx
    return negSampleWordIndices


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):
    negSampleWordIndices = getNegativeSamples(outsideWordIdx, dataset, K)
    indices = [outsideWordIdx] + negSampleWordIndices

    # "vectorised": one fancy-indexed update for all the negatives
    u_o = outsideVectors[outsideWordIdx]
    s_o = sigmoid(u_o @ centerWordVec)
    neg = np.array(negSampleWordIndices)
    s_k = sigmoid(-outsideVectors[neg] @ centerWordVec)
    loss = -np.log(s_o) - np.sum(np.log(s_k))
    gradCenterVec = (s_o - 1) * u_o + (1 - s_k) @ outsideVectors[neg]
    gradOutsideVecs = np.zeros(outsideVectors.shape)
    gradOutsideVecs[outsideWordIdx] += (s_o - 1) * centerWordVec
    gradOutsideVecs[neg] += np.outer(1 - s_k, centerWordVec)
    return loss, gradCenterVec, gradOutsideVecs
