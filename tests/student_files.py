"""Student files: the tabled ones (tests/submissions and the bundled examples) and those written from the
mistake catalogue, one per calling convention."""

from __future__ import annotations

from pathlib import Path

from properties import laws
from properties.grader.cli import EXAMPLES_DIR
from properties.mistakes import Mistake
from properties.registry import Law

SUBMISSIONS = Path(__file__).parent / "submissions"
#: The bundled examples (``cegrad grade --example NAME``), tabled in tests/submissions/README.md as
#: ``examples/NAME.py``: each is kept once, in the package, and the tests read it there.
EXAMPLES = Path(EXAMPLES_DIR)
EXAMPLE_PREFIX = "examples/"


def student_file(name: str) -> Path:
    """A tabled student file: ``examples/NAME.py`` is a bundled example, any other name is in tests/submissions."""
    if name.startswith(EXAMPLE_PREFIX):
        return EXAMPLES / name.removeprefix(EXAMPLE_PREFIX)
    return SUBMISSIONS / name


def tabled_files() -> set[str]:
    """Every name the README table must have a row for."""
    return {p.name for p in SUBMISSIONS.glob("*.py")} | {EXAMPLE_PREFIX + p.name for p in EXAMPLES.glob("*.py")}


WRAPPERS = {
    "cs224n": '''
def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    return mistake(outsideVectors, centerWordVec, outsideWordIdx)
''',
    "cs224n-snake": '''
def naive_softmax_loss_and_gradient(center_word_vec, outside_word_idx, outside_vectors, dataset):
    return mistake(outside_vectors, center_word_vec, outside_word_idx)
''',
    "cs224n-2017": '''
def softmaxCostAndGradient(predicted, target, outputVectors, dataset):
    cost, gradPred, grad = mistake(outputVectors, predicted, target)
    return cost, gradPred, grad
''',
    "grad-u": '''
def grad_U(U, v_c, o):
    return mistake(U, v_c, o)[2]
''',
}

# laws that only see the loss or dCE/dv_c: a mistake they reject leaves dCE/dU right, so it cannot
# show in the grad-u convention; soft-labels sees grad_U_from_label, which no convention calls
ONLY_OTHER_OUTPUTS = {"loss-value", "grad-v-c", "soft-labels"}


def laws_that_see_it(mistake: Mistake, convention: str) -> tuple[Law, ...]:
    """The laws that must reject ``mistake`` and can, graded through ``convention``."""
    hidden = ONLY_OTHER_OUTPUTS if convention == "grad-u" else {"soft-labels"}
    return tuple(law for law in laws.rejecting_laws(mistake) if law.name not in hidden)


def makes_sense(mistake: Mistake, convention: str) -> bool:
    return bool(laws_that_see_it(mistake, convention))


def write(mistake: Mistake, convention: str, folder: Path) -> Path:
    path = folder / f"{mistake.name}-{convention}.py"
    path.write_text(mistake.student_source() + WRAPPERS[convention], encoding="utf-8")
    return path
