"""Intake: from a path to what the sandbox runs, by reading text only (the student's code never runs here)."""

from properties.grader.intake.extraction import (
    MAX_SUBMISSION_BYTES,
    SUBMISSION_FILENAME,
    Extraction,
    NotGradable,
    Submission,
    choose_convention,
    defined_functions,
    extract_function,
    import_obstacles,
    read_submission,
)

__all__ = [
    "MAX_SUBMISSION_BYTES",
    "SUBMISSION_FILENAME",
    "Extraction",
    "NotGradable",
    "Submission",
    "choose_convention",
    "defined_functions",
    "extract_function",
    "import_obstacles",
    "read_submission",
]
