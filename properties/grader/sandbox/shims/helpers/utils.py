"""``helpers.utils`` (normalize_rows, sigmoid, get_negative_samples) as some copies of the course
ship it, supplied by cegrad where the submission's folder lacks it."""

from _cegrad_shims import normalize_rows, sigmoid, softmax


def get_negative_samples(outside_word_idx, dataset, K):
    """K token indices drawn from the dataset, none equal to the outside word."""
    sample = getattr(dataset, "sample_token_idx", None) or dataset.sampleTokenIdx
    indices = []
    for _ in range(K):
        idx = sample()
        while idx == outside_word_idx:
            idx = sample()
        indices.append(idx)
    return indices


normalizeRows = normalize_rows
getNegativeSamples = get_negative_samples

__all__ = [
    "getNegativeSamples",
    "get_negative_samples",
    "normalizeRows",
    "normalize_rows",
    "sigmoid",
    "softmax",
]
