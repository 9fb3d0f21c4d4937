"""The bundled example files of negative sampling and skip-gram, graded in-process by the laws.

Correct files obey every law in each convention (camelCase and snake_case); each wrong file breaks
the law that names its mistake.  (The sandboxed grader's tests run the same files as a user would.)
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from properties import profiles
from properties.assignment import implementation, laws
from properties.runner import run_law

EXAMPLES = Path(implementation.__file__).resolve().parents[1] / "grader" / "examples" / "assignment"
SHIMS = Path(implementation.__file__).resolve().parents[1] / "grader" / "sandbox" / "shims"
PROFILE = profiles.GRADING_PROFILES["standard"]

NS_NAMES = ("negSamplingLossAndGradient", "neg_sampling_loss_and_gradient")


def load(name: str) -> ModuleType:
    path = EXAMPLES / name
    sys.path.insert(0, str(SHIMS))  # the course helpers a whole word2vec.py imports
    try:
        spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SHIMS))
    return module


def neg_sampling_of(module: ModuleType) -> implementation.NegSamplingFunction:
    fn = next(getattr(module, n) for n in NS_NAMES if hasattr(module, n))
    return implementation.from_course_neg_sampling(fn)


@pytest.mark.slow  # 28 law runs; the fast loop grades the complete file once (tests/test_assignment_diagnosis.py)
@pytest.mark.parametrize("name", ["word2vec_complete.py", "word2vec_snake_case.py"])
@pytest.mark.parametrize("law_name", [law.name for law in laws.all_laws()])
def test_a_correct_file_obeys_every_law(name: str, law_name: str) -> None:
    module = load(name)
    law = laws.get(law_name)
    impl = (neg_sampling_of(module) if law in laws.NEG_SAMPLING_LAWS
            else implementation.from_course_skipgram(module.skipgram))
    result = run_law(law, impl, PROFILE, random_seed=0)
    assert result.status == "passed", result.message


WRONG = [
    ("ns_fancy_index.py", "ns-repeated-draws", r"a negative drawn \d+ times"),
    ("ns_negative_sign_flipped.py", "ns-signs", r"its coefficient should be > 0"),
    ("ns_sigmoid_overflows.py", "ns-robustness", r"received nan"),
    ("ns_whole_vocabulary.py", "ns-untouched-rows", r"not zero, although"),
    ("snake_ns_missing_minus_one.py", "ns-signs", r"its coefficient should be < 0"),
    ("skipgram_mean_over_window.py", "sg-sum-of-word-terms", r"summed over the window"),
    ("skipgram_centre_every_row.py", "sg-centre-row-only", r"only row c = \d+ may be"),
    ("skipgram_overwrites.py", "sg-sum-of-word-terms", r"summed over the window"),
    ("snake_skipgram_ignores_loss_argument.py", "sg-sum-of-word-terms", r"summed over the window"),
]


@pytest.mark.parametrize(("name", "law_name", "finding"), WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_file_breaks_the_law_of_its_mistake(name: str, law_name: str, finding: str) -> None:
    module = load(name)
    law = laws.get(law_name)
    impl = (neg_sampling_of(module) if law in laws.NEG_SAMPLING_LAWS
            else implementation.from_course_skipgram(module.skipgram))
    result = run_law(law, impl, PROFILE, random_seed=0)
    assert result.status == "failed"
    assert re.search(finding, result.message), result.message
