"""The ``helpers`` package some copies of the course use, supplied by cegrad."""
