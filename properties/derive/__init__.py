"""``cegrad derive``: the seed's derivation of dCE/dU, executed step by step (split by job next)."""

from properties.derive.equations import *  # noqa: F403  # the module moved whole; the next commit splits it by job
