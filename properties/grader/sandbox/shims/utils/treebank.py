"""A stand-in for the course's ``utils.treebank``, supplied by cegrad.

The real module reads the Stanford Sentiment Treebank from disk, which grading never needs; this
stub lets ``from utils.treebank import StanfordSentiment`` succeed and explains itself if used.
"""

MSG_NO_TREEBANK = (
    "StanfordSentiment is not available while cegrad grades your submission: grading calls your "
    "softmax gradient directly and never loads the treebank; move dataset code under "
    "`if __name__ == '__main__':`."
)


class StanfordSentiment:
    """Raises on construction: the dataset is not available in the grading sandbox."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError(MSG_NO_TREEBANK)
