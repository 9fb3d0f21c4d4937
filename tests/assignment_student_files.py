"""Student files in the course's conventions, written from the named mistakes' own source.

Each mistake of :mod:`properties.assignment.mistakes` is a function in math notation; the file
defines it (with the correct pieces it builds on) and wraps it in the course's signature, calling
the course's ``getNegativeSamples`` unchanged, as a student's word2vec.py would.
"""

from __future__ import annotations

from pathlib import Path

from properties.assignment import mistakes
from properties.mistakes import Mistake

NEG_SAMPLING_WRAPPER = {
    "camel": '''
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
    return {name}(outsideVectors, centerWordVec, outsideWordIdx, negSampleWordIndices)
''',
    "snake": '''
def get_negative_samples(outside_word_idx, dataset, K):
    neg_sample_word_indices = [None] * K
    for k in range(K):
        newidx = dataset.sampleTokenIdx()
        while newidx == outside_word_idx:
            newidx = dataset.sampleTokenIdx()
        neg_sample_word_indices[k] = newidx
    return neg_sample_word_indices


def neg_sampling_loss_and_gradient(center_word_vec, outside_word_idx, outside_vectors, dataset, K=10):
    neg_sample_word_indices = get_negative_samples(outside_word_idx, dataset, K)
    return {name}(outside_vectors, center_word_vec, outside_word_idx, neg_sample_word_indices)
''',
}
WINDOW_WRAPPER = {
    "camel": '''
def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind,
             centerWordVectors, outsideVectors, dataset, word2vecLossAndGradient=None):
    def word_loss(v_c, o, U):
        return word2vecLossAndGradient(v_c, o, U, dataset)

    return {name}(centerWordVectors, outsideVectors, word2Ind[currentCenterWord],
                  [word2Ind[w] for w in outsideWords], word_loss)
''',
    "snake": '''
def skipgram(current_center_word, window_size, outside_words, word2ind,
             center_word_vectors, outside_vectors, dataset, word2vec_loss_and_gradient=None):
    def word_loss(v_c, o, U):
        return word2vec_loss_and_gradient(v_c, o, U, dataset)

    return {name}(center_word_vectors, outside_vectors, word2ind[current_center_word],
                  [word2ind[w] for w in outside_words], word_loss)
''',
}


def student_source(mistake: Mistake, style: str = "camel") -> str:
    """The mistake's module (its helpers and itself, ``Mistake.student_source``) and the course's wrapper."""
    wrapper = NEG_SAMPLING_WRAPPER if mistakes.kind_of(mistake) == "neg-sampling" else WINDOW_WRAPPER
    return mistake.student_source() + wrapper[style].format(name="mistake")


def write(directory: Path, mistake: Mistake, style: str = "camel") -> Path:
    path = directory / f"{mistake.name.replace('-', '_')}_{style}.py"
    path.write_text(student_source(mistake, style))
    return path
