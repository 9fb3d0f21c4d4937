"""The course's ``utils.sanity_checks`` (2023+: dummy, inputs, outputs), supplied by cegrad.

The expected outputs here are computed by cegrad's correct helpers at import, so they agree with
a correct solution on the same toy inputs; they are for printing, not for grading.
"""

import random

import numpy as np
from _cegrad_shims import dummy_dataset, normalize_rows, sigmoid, softmax


def dummy():
    """The course's toy (dataset, dummy_vectors, dummy_tokens), seeded as the handout seeds them."""
    random.seed(31415)
    np.random.seed(9265)
    dataset = dummy_dataset()
    dummy_vectors = normalize_rows(np.random.randn(10, 3))
    dummy_tokens = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
    return dataset, dummy_vectors, dummy_tokens


def _toy_softmax_case():
    rng = np.random.default_rng(9265)
    outside_vectors = normalize_rows(rng.standard_normal((5, 3)))
    center_word_vec = normalize_rows(rng.standard_normal(3))
    o = 2
    y_hat = softmax(outside_vectors @ center_word_vec)
    delta = y_hat.copy()
    delta[o] -= 1.0  # y_hat - y, eq. (22)
    inputs = {"center_word_vec": center_word_vec, "outside_word_idx": o, "outside_vectors": outside_vectors}
    outputs = {
        "loss": -np.log(y_hat[o]),
        "dj_dvc": outside_vectors.T @ delta,
        "dj_du": np.outer(delta, center_word_vec),
    }
    return inputs, outputs


_x = np.array([-1.0, 0.0, 2.0])
_softmax_inputs, _softmax_outputs = _toy_softmax_case()
inputs = {"test_sigmoid": {"x": _x}, "test_naivesoftmax": _softmax_inputs}
outputs = {"test_sigmoid": {"s": sigmoid(_x)}, "test_naivesoftmax": _softmax_outputs}

__all__ = ["dummy", "inputs", "outputs"]
