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

    def sig(x):
        return np.exp(x) / (1 + np.exp(x))

    u_o = outsideVectors[outsideWordIdx]
    s_o = sig(u_o @ centerWordVec)
    loss = -np.log(s_o)
    gradCenterVec = (s_o - 1) * u_o
    gradOutsideVecs = np.zeros(outsideVectors.shape)
    gradOutsideVecs[outsideWordIdx] += (s_o - 1) * centerWordVec
    for k in negSampleWordIndices:
        z_k = outsideVectors[k] @ centerWordVec
        loss -= np.log(sig(-z_k))
        gradCenterVec += sig(z_k) * outsideVectors[k]
        gradOutsideVecs[k] += sig(z_k) * centerWordVec
    return loss, gradCenterVec, gradOutsideVecs
