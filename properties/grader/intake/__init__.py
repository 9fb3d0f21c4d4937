"""Intake: from a path to what the sandbox runs, by reading text only (the student's code never runs here).

In the order data flows:

* :mod:`.reading`: the file, or a folder's ``word2vec.py``, checked to be Python source
  (:func:`read_submission` -> :class:`Submission`, else :class:`NotGradable`);
* :mod:`.choosing`: which calling convention (a row of :mod:`properties.grader.conventions`);
* :mod:`.extraction`: whether the module imports whole, and if not the graded function cut out of it,
  with :mod:`.python2` rewriting the Python 2 statements it meets and :mod:`.lexing` finding the
  top-level blocks of a file that does not parse.
"""

from properties.grader.intake.choosing import choose_convention
from properties.grader.intake.extraction import Extraction, extract_function, import_obstacles
from properties.grader.intake.lexing import defined_functions
from properties.grader.intake.reading import (
    MAX_SUBMISSION_BYTES,
    SUBMISSION_FILENAME,
    NotGradable,
    Submission,
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
