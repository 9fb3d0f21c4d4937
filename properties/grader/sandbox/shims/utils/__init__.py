"""The course's ``utils`` package, supplied by cegrad because the submission's folder has none."""
