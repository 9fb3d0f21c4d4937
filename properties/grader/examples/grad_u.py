"""Problem 1(c): the gradient of the naive-softmax loss with respect to U.

grad_U(U, v_c, o) returns dJ/dU = (y_hat - y) v_c^T, with U holding one
outside vector per row.
"""
import numpy as np


def softmax(z):
    z = z - np.max(z)
    e = np.exp(z)
    return e / e.sum()


def grad_U(U, v_c, o):
    y_hat = softmax(U @ v_c)
    y_hat[o] -= 1.0            # y_hat - y with y one-hot at o
    return np.outer(y_hat, v_c)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    U = rng.standard_normal((5, 3))
    v_c = rng.standard_normal(3)
    G = grad_U(U, v_c, 2)
    print(G)
    print("rows sum to zero:", np.allclose(G.sum(axis=0), 0))
