"""The course's ``q2a_softmax`` (softmax), supplied by cegrad where the submission's folder lacks it."""

from _cegrad_shims import softmax

__all__ = ["softmax"]
