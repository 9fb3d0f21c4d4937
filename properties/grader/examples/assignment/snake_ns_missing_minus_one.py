import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


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
    u_o = outside_vectors[outside_word_idx]
    s_o = sigmoid(u_o.dot(center_word_vec))
    loss = -np.log(s_o)
    grad_center_vec = s_o * u_o  # forgot the -1
    grad_outside_vecs = np.zeros(outside_vectors.shape)
    grad_outside_vecs[outside_word_idx] += s_o * center_word_vec
    for k in neg_sample_word_indices:
        s_k = sigmoid(-outside_vectors[k].dot(center_word_vec))
        loss -= np.log(s_k)
        grad_center_vec += (1 - s_k) * outside_vectors[k]
        grad_outside_vecs[k] += (1 - s_k) * center_word_vec
    return loss, grad_center_vec, grad_outside_vecs
