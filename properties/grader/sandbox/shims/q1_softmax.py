"""The course's ``q1_softmax`` (softmax), supplied by cegrad where the submission's folder lacks it."""

from _cegrad_shims import softmax

__all__ = ["softmax"]
