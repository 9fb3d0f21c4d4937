import numpy as np


def naive_softmax_loss_and_gradient(center_word_vec, outside_word_idx, outside_vectors, dataset):
    scores = outside_vectors.dot(center_word_vec)
    e = np.exp(scores - np.max(scores))
    y_hat = e / np.sum(e)
    loss = -np.log(y_hat[outside_word_idx])
    delta = y_hat.copy()
    delta[outside_word_idx] -= 1
    return loss, outside_vectors.T.dot(delta), np.outer(delta, center_word_vec)


def skipgram(current_center_word, window_size, outside_words, word2ind,
             center_word_vectors, outside_vectors, dataset,
             word2vec_loss_and_gradient=naive_softmax_loss_and_gradient):
    loss = 0.0
    grad_center_vecs = np.zeros(center_word_vectors.shape)
    grad_outside_vectors = np.zeros(outside_vectors.shape)
    center_idx = word2ind[current_center_word]
    for word in outside_words:
        # always the naive softmax, whatever loss was asked for
        l, g_center, g_outside = naive_softmax_loss_and_gradient(
            center_word_vectors[center_idx], word2ind[word], outside_vectors, dataset)
        loss += l
        grad_center_vecs[center_idx] += g_center
        grad_outside_vectors += g_outside
    return loss, grad_center_vecs, grad_outside_vectors
