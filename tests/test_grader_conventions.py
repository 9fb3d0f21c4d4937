"""The table of calling conventions: the signatures DESIGN.md lists, and how a row calls and unpacks."""

from __future__ import annotations

import pytest

from properties.grader.conventions import (
    AUTO,
    CONVENTIONS,
    CUSTOM_FUNCTION_CONVENTION,
    UnusedDataset,
    choices_text,
    positional_count,
)

# DESIGN.md, "Calling conventions a submission may use": signature and what it returns.
DESIGN_TABLE = {
    "cs224n": ("naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset)",
               "(loss, gradCenterVec, gradOutsideVecs)"),
    "cs224n-snake": ("naive_softmax_loss_and_gradient(center_word_vec, outside_word_idx, outside_vectors, dataset)",
                     "(loss, grad_center_vec, grad_outside_vecs)"),
    "cs224n-2017": ("softmaxCostAndGradient(predicted, target, outputVectors, dataset)", "(cost, gradPred, grad)"),
    "grad-u": ("grad_U(U, v_c, o)", "dCE/dU"),
}


@pytest.mark.parametrize("name", sorted(DESIGN_TABLE))
def test_each_row_spells_the_signature_of_the_design_table(name: str) -> None:
    convention = CONVENTIONS[name]
    assert (convention.signature, convention.returns) == DESIGN_TABLE[name]


# The rest of the assignment (issue 10: negative sampling, skip-gram) comes after DESIGN.md's rows, so a
# whole word2vec.py under auto is still graded for its naive softmax (tests/test_grader_assignment.py).
ASSIGNMENT_ROWS = ["cs224n-negsamp", "cs224n-snake-negsamp", "cs224n-skipgram", "cs224n-snake-skipgram"]


def test_the_table_holds_exactly_the_design_conventions_in_auto_order() -> None:
    assert list(CONVENTIONS) == ["cs224n", "cs224n-snake", "cs224n-2017", "grad-u", *ASSIGNMENT_ROWS]
    assert AUTO not in CONVENTIONS and CUSTOM_FUNCTION_CONVENTION in CONVENTIONS
    assert choices_text() == ("cs224n, cs224n-snake, cs224n-2017, grad-u, cs224n-negsamp, cs224n-snake-negsamp, "
                              "cs224n-skipgram or cs224n-snake-skipgram")


def test_cs224n_rows_pass_v_c_o_U_and_the_dataset_only_where_the_function_has_room() -> None:
    values = {"U": "U", "v_c": "v", "o": 3, "dataset": "D"}
    for name in ("cs224n", "cs224n-snake", "cs224n-2017"):
        assert CONVENTIONS[name].arguments(values, 4) == ("v", 3, "U", "D")
        assert CONVENTIONS[name].arguments(values, 3) == ("v", 3, "U")
        assert CONVENTIONS[name].provides == {"loss", "grad_v_c", "grad_U"}
    assert CONVENTIONS["grad-u"].arguments(values, 3) == ("U", "v", 3)
    assert CONVENTIONS["grad-u"].provides == {"grad_U"}


def test_positional_count_reads_the_signature_and_treats_star_args_as_room_for_all() -> None:
    def three(a, b, c, *, k=1):  # type: ignore[no-untyped-def]  # a shape, not a function to call
        return a

    def star(*args):  # type: ignore[no-untyped-def]  # as above
        return args

    assert positional_count(three) == 3
    assert positional_count(star) >= len(CONVENTIONS["cs224n"].parameters)


def test_unpack_maps_a_tuple_to_slots_and_names_a_wrong_shape_in_the_conventions_words() -> None:
    cs224n, old = CONVENTIONS["cs224n"], CONVENTIONS["cs224n-2017"]
    assert cs224n.unpack((1, 2, 3)) == {"loss": 1, "grad_v_c": 2, "grad_U": 3}
    assert cs224n.unpack([1, 2]) == "returned a list of length 2, not a tuple (loss, gradCenterVec, gradOutsideVecs)"
    assert old.unpack(None) == "returned None, not a tuple (cost, gradPred, grad)"
    assert CONVENTIONS["grad-u"].unpack((1, 2)) == {"grad_U": (1, 2)}


def test_renamed_keeps_the_layout() -> None:
    renamed = CONVENTIONS["cs224n"].renamed("mySoftmax")
    assert renamed.function_name == "mySoftmax"
    assert (renamed.parameters, renamed.outputs) == (CONVENTIONS["cs224n"].parameters, CONVENTIONS["cs224n"].outputs)


def test_the_unused_dataset_says_it_is_unused_when_touched() -> None:
    with pytest.raises(AttributeError, match=r"does not use the dataset.*'sampleTokenIdx'"):
        UnusedDataset().sampleTokenIdx()
