import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def naive_softmax_loss_and_gradient(center_word_vec, outside_word_idx, outside_vectors, dataset):
    scores = outside_vectors.dot(center_word_vec)
    y_hat = softmax(scores)
    loss = np.log(np.sum(np.exp(scores - np.max(scores)))) + np.max(scores) - scores[outside_word_idx]
    delta = y_hat.copy()
    delta[outside_word_idx] -= 1
    grad_center_vec = outside_vectors.T.dot(delta)
    grad_outside_vecs = np.outer(delta, center_word_vec)
    return loss, grad_center_vec, grad_outside_vecs


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
    indices = [outside_word_idx] + neg_sample_word_indices

    grad_center_vec = np.zeros(center_word_vec.shape)
    grad_outside_vecs = np.zeros(outside_vectors.shape)

    u_o = outside_vectors[outside_word_idx]
    s_o = sigmoid(u_o.dot(center_word_vec))
    loss = -np.log(s_o)
    grad_center_vec += (s_o - 1) * u_o
    grad_outside_vecs[outside_word_idx] += (s_o - 1) * center_word_vec

    neg = np.array(neg_sample_word_indices)
    u_k = outside_vectors[neg]
    s_k = sigmoid(-u_k.dot(center_word_vec))
    loss -= np.sum(np.log(s_k))
    grad_center_vec += (1 - s_k).dot(u_k)
    np.add.at(grad_outside_vecs, neg, np.outer(1 - s_k, center_word_vec))
    return loss, grad_center_vec, grad_outside_vecs


def skipgram(current_center_word, window_size, outside_words, word2ind,
             center_word_vectors, outside_vectors, dataset,
             word2vec_loss_and_gradient=naive_softmax_loss_and_gradient):
    loss = 0.0
    grad_center_vecs = np.zeros(center_word_vectors.shape)
    grad_outside_vectors = np.zeros(outside_vectors.shape)

    center_idx = word2ind[current_center_word]
    center_word_vec = center_word_vectors[center_idx]
    for word in outside_words:
        l, g_center, g_outside = word2vec_loss_and_gradient(center_word_vec, word2ind[word], outside_vectors, dataset)
        loss += l
        grad_center_vecs[center_idx] += g_center
        grad_outside_vectors += g_outside
    return loss, grad_center_vecs, grad_outside_vectors
