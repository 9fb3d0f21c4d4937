"""The course's ``utils.gradcheck`` (gradcheck_naive, grad_tests_softmax, grad_tests_negsamp),
supplied by cegrad where the submission's folder lacks it.

The supplied grad_tests_* print skip-gram's results on the course's toy data and assert nothing:
cegrad grades the submission itself, property by property.
"""

from _cegrad_shims import gradcheck_naive, run_skipgram_tests


def grad_tests_softmax(skipgram, dummy_tokens, dummy_vectors, dataset):
    """Print skip-gram with naive softmax on the toy windows (supplied by cegrad; no asserts)."""
    run_skipgram_tests(
        "Skip-Gram with naiveSoftmaxLossAndGradient", skipgram, dummy_tokens, dummy_vectors, dataset
    )


def grad_tests_negsamp(skipgram, dummy_tokens, dummy_vectors, dataset, negSamplingLossAndGradient):
    """Print skip-gram with negative sampling on the toy windows (supplied by cegrad; no asserts)."""
    run_skipgram_tests(
        "Skip-Gram with negSamplingLossAndGradient",
        skipgram,
        dummy_tokens,
        dummy_vectors,
        dataset,
        negSamplingLossAndGradient,
    )


__all__ = ["grad_tests_negsamp", "grad_tests_softmax", "gradcheck_naive"]
