"""Correct course helpers, supplied by cegrad where a submission's folder does not have them.

This module is not a course module: it is the one place the shims' arithmetic lives, so that
``utils/utils.py``, ``q1_softmax.py`` and the rest agree.  It needs only numpy.
"""

import numpy as np


def _floats(x):
    """x as an array of its own float dtype (float32 stays float32), or float64 for ints."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(float)


def softmax(x):
    """Softmax over the last axis (row-wise for a matrix), for any finite logits; x is not modified."""
    x = _floats(x)
    # exp overflows above ~709; softmax is shift-invariant, so subtract each row's max first.
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def normalize_rows(x):
    """Each row divided by its L2 norm (a 1-D vector is one row); zero rows stay zero."""
    x = _floats(x)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms == 0.0, 1.0, norms)


def sigmoid(x):
    """1 / (1 + e^-x), without overflow warnings for large |x|."""
    x = _floats(x)
    # For x < 0, e^-x overflows; e^x / (1 + e^x) is the same value computed from e^x < 1.
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s if s.ndim else float(s)


def sigmoid_grad(s):
    """The derivative of the sigmoid, given its value s = sigmoid(x)."""
    return s * (1.0 - s)


def gradcheck_naive(f, x, gradientText="", h=1e-4, tolerance=1e-5):
    """Compare f's analytic gradient with central differences; print the verdict, return None.

    f(x) returns (value, gradient).  Python's and numpy's random states are restored before each
    call, as the course's checker does, so functions that sample negatives stay comparable.
    """
    import random

    x = np.asarray(x, dtype=float)
    rndstate = random.getstate()
    npstate = np.random.get_state()
    _, grad = f(x)
    grad = np.asarray(grad, dtype=float)
    for ix in np.ndindex(*x.shape):
        saved = x[ix]
        x[ix] = saved + h
        random.setstate(rndstate)
        np.random.set_state(npstate)
        fplus = float(np.sum(f(x)[0]))
        x[ix] = saved - h
        random.setstate(rndstate)
        np.random.set_state(npstate)
        fminus = float(np.sum(f(x)[0]))
        x[ix] = saved
        numgrad = (fplus - fminus) / (2 * h)
        reldiff = abs(numgrad - grad[ix]) / max(1.0, abs(numgrad), abs(grad[ix]))
        if reldiff > tolerance:
            print(f"Gradient check failed for {gradientText}.")
            print(f"First gradient error found at index {ix}")
            print(f"Your gradient: {grad[ix]:f} \t Numerical gradient: {numgrad:f}")
            return
    print("Gradient check passed! (gradcheck_naive supplied by cegrad)")


def dummy_dataset():
    """The course's toy dataset: five tokens, random contexts, seeded as the handout seeds them."""
    import random

    dataset = type("dummy", (), {})()
    tokens = ["a", "b", "c", "d", "e"]

    def sample_token_idx():
        return random.randint(0, 4)

    def get_random_context(C):
        return tokens[random.randint(0, 4)], [tokens[random.randint(0, 4)] for _ in range(2 * C)]

    dataset.sampleTokenIdx = sample_token_idx
    dataset.sample_token_idx = sample_token_idx
    dataset.getRandomContext = get_random_context
    dataset.get_random_context = get_random_context
    return dataset


def run_skipgram_tests(title, skipgram, dummy_tokens, dummy_vectors, dataset, loss_and_gradient=None):
    """Run skip-gram on the course's example windows and print the results, asserting nothing."""
    print(f"====== {title} (test cases supplied by cegrad; printed, not checked) ======")
    extra = () if loss_and_gradient is None else (loss_and_gradient,)
    for center, window, outside in (("c", 3, ["a", "b", "e", "d", "b", "c"]), ("b", 3, ["a", "b"])):
        loss, grad_center, grad_outside = skipgram(
            center,
            window,
            outside,
            dummy_tokens,
            dummy_vectors[:5, :],
            dummy_vectors[5:, :],
            dataset,
            *extra,
        )
        print(
            f"Loss: {loss}\nGradient wrt center vectors:\n{grad_center}\n"
            f"Gradient wrt outside vectors:\n{grad_outside}\n"
        )
