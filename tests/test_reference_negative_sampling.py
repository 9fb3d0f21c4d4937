"""The negative-sampling and skip-gram reference: every law, the two oracles, edge cases, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import reference
from properties import profiles
from properties.assignment import implementation, laws, oracles
from properties.assignment import strategies as s
from properties.runner import run_law

PROFILE = profiles.GRADING_PROFILES["standard"]
U4 = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0], [1.0, 1.0]])
V2 = np.array([0.3, -0.2])


@pytest.mark.parametrize("law_name", [law.name for law in laws.all_laws()])
def test_reference_obeys_law(law_name: str) -> None:
    law = laws.get(law_name)
    impl = implementation.reference_neg_sampling() if law in laws.NEG_SAMPLING_LAWS else implementation.reference_window()
    result = run_law(law, impl, PROFILE, random_seed=0)
    assert result.status == "passed", result.message


def test_every_law_cites_an_equation_of_the_negative_sampling_derivation() -> None:
    assert all(law.equations and all(25 <= n <= 39 for n in law.equations) for law in laws.all_laws())


# -- the formulas, entry by entry ---------------------------------------------------------------


def test_neg_sampling_matches_eqs_29_to_31_written_out() -> None:
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731  # the textbook σ, for this check only
    z = U4 @ V2
    loss, g_v, G = reference.neg_sampling(U4, V2, 1, [0, 2, 2])
    assert loss == pytest.approx(-np.log(sig(z[1])) - np.log(sig(-z[0])) - 2 * np.log(sig(-z[2])), rel=1e-14)
    assert np.allclose(g_v, (sig(z[1]) - 1) * U4[1] + sig(z[0]) * U4[0] + 2 * sig(z[2]) * U4[2], rtol=1e-14, atol=0)
    assert np.allclose(G[1], (sig(z[1]) - 1) * V2, rtol=1e-14, atol=0)
    assert np.allclose(G[2], 2 * sig(z[2]) * V2, rtol=1e-14, atol=0)  # drawn twice: twice the term
    assert np.array_equal(G[3], np.zeros(2))  # never drawn (eq. 32)


def test_an_o_among_the_negatives_gets_both_terms_eq_33() -> None:
    sig = reference.sigmoid
    z_o = U4[1] @ V2
    G = reference.neg_sampling_grad_U(U4, V2, 1, [1, 0])
    assert np.allclose(G[1], (-sig(-z_o) + sig(z_o)) * V2, rtol=1e-14, atol=1e-17)


@given(s.neg_sampling_cases(dtypes=st.just(np.dtype(np.float64)), max_vocab=30, max_dim=6),
       st.lists(st.integers(0, 29), max_size=4))
@example(s.PINNED_NS[2], [1, 1])
def test_reference_agrees_with_autograd_even_with_o_among_the_negatives(case: s.NegSamplingCase,
                                                                         extra: list[int]) -> None:
    negatives = list(case.negatives) + [case.o] * len(extra)  # a sampler that allows o (eq. 33)
    t = laws.ns_truth(case)
    auto_v, auto_U = oracles.autograd_neg_sampling(case.U, case.v_c, case.o, negatives)
    _, g_v, G = reference.neg_sampling(case.U, case.v_c, case.o, negatives)
    scale = 1.0 + len(extra)  # every extra draw of o adds one more term of the same size to the bound
    assert np.all(np.abs(G - auto_U) <= scale * t.bounds.grad_U)
    assert np.all(np.abs(g_v - auto_v) <= scale * t.bounds.grad_v_c + np.abs(case.U[case.o]) * 8 * len(extra) * 2**-52)


@given(s.fd_neg_sampling_cases())
def test_reference_agrees_with_finite_differences(case: s.NegSamplingCase) -> None:
    from properties import tolerances

    fd_v, fd_U = oracles.finite_difference_neg_sampling(case.U, case.v_c, case.o, case.negatives)
    _, g_v, G = reference.neg_sampling(case.U, case.v_c, case.o, case.negatives)
    assert np.all(np.abs(G - fd_U) <= tolerances.NS_FD_ATOL)
    assert np.all(np.abs(g_v - fd_v) <= tolerances.NS_FD_ATOL)


def test_skipgram_is_the_sum_of_its_word_terms_and_touches_only_row_c() -> None:
    V = U4[::-1].copy()
    loss, gV, gU = reference.skipgram(V, U4, 2, [1, 3, 1], [[0], [2, 2], [3]])
    terms = [reference.neg_sampling(U4, V[2], o, n) for o, n in ((1, [0]), (3, [2, 2]), (1, [3]))]
    assert loss == pytest.approx(sum(t[0] for t in terms), rel=1e-15)
    assert np.allclose(gV[2], sum(t[1] for t in terms), rtol=1e-15, atol=0)
    assert np.array_equal(np.delete(gV, 2, axis=0), np.zeros((3, 2)))
    assert np.allclose(gU, sum(t[2] for t in terms), rtol=1e-15, atol=0)


def test_skipgram_with_the_naive_softmax_sums_reference_loss_and_gradients() -> None:
    loss, gV, gU = reference.skipgram(U4 * 0.5, U4, 0, [2, 2])
    assert loss == pytest.approx(2 * reference.loss(U4, U4[0] * 0.5, 2), rel=1e-15)
    assert np.allclose(gU, 2 * reference.grad_U(U4, U4[0] * 0.5, 2), rtol=1e-15, atol=0)
    assert np.allclose(gV[0], 2 * reference.grad_v_c(U4, U4[0] * 0.5, 2), rtol=1e-15, atol=0)


# -- edge cases -----------------------------------------------------------------------------------


def test_log_sigmoid_and_sigmoid_are_exact_far_beyond_exps_range() -> None:
    x = np.array([-1000.0, -800.0, 0.0, 800.0, 1000.0])
    assert np.array_equal(reference.log_sigmoid(x)[:2], [-1000.0, -800.0])
    assert reference.log_sigmoid(np.array(0.0)) == pytest.approx(-np.log(2.0), rel=1e-15)
    assert np.array_equal(reference.sigmoid(x), [0.0, 0.0, 0.5, 1.0, 1.0])
    assert reference.sigmoid(np.array(-700.0)) == pytest.approx(np.exp(-700.0), rel=1e-13)  # not flushed to 0


def test_loss_and_gradients_are_finite_and_exact_at_logits_of_a_thousand() -> None:
    U = np.array([[1000.0], [-1000.0], [900.0]])
    loss, g_v, G = reference.neg_sampling(U, np.array([1.0]), 1, [0, 2])
    assert loss == 1000.0 + 1000.0 + 900.0  # every term -log σ(∓z) is |z| here, exactly
    # -σ(-z_o)·u_o + σ(z_0)·u_0 + σ(z_2)·u_2 with σ(1000) = σ(1000) = σ(900) = 1 exactly
    assert np.array_equal(g_v, [1000.0 + 1000.0 + 900.0])
    assert np.array_equal(G, [[1.0], [-1.0], [1.0]])


def test_the_target_coefficient_keeps_its_digits_where_sigma_is_near_one() -> None:
    # σ(z_o) - 1 rounds to 0 at z_o = 40; -σ(-z_o) = -e^{-40}(1 + ...) does not
    G = reference.neg_sampling_grad_U(np.array([[40.0], [0.0]]), np.array([1.0]), 0, [1])
    assert G[0, 0] == pytest.approx(-np.exp(-40.0), rel=1e-15)


def test_float32_stays_float32() -> None:
    U, v = U4.astype(np.float32), V2.astype(np.float32)
    _, g_v, G = reference.neg_sampling(U, v, 0, [1, 1])
    assert g_v.dtype == G.dtype == np.float32
    _, gV, gU = reference.skipgram(U, U, 0, [1], [[2]])
    assert gV.dtype == gU.dtype == np.float32


def test_no_negatives_and_an_empty_window() -> None:
    loss, _, G = reference.neg_sampling(U4, V2, 3, [])
    assert loss == pytest.approx(float(np.logaddexp(0.0, -(U4[3] @ V2))), rel=1e-15)
    assert np.count_nonzero(G.any(axis=1)) == 1
    loss, gV, gU = reference.skipgram(U4, U4, 1, [])
    assert loss == 0.0 and not gV.any() and not gU.any()


def test_negative_samples_re_draws_o_like_the_course_sampler() -> None:
    assert reference.negative_samples(2, [2, 0, 2, 2, 1, 0, 3], 3) == [0, 1, 0]
    with pytest.raises(ValueError, match=r"draws: expected at least K = 3 draws other than o = 2, got 1"):
        reference.negative_samples(2, [2, 1, 2], 3)


# -- bad arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "error", "message"), [
    ((U4, V2, 0, [4]), ValueError, r"negatives: expected indices 0 <= i < W = 4, got 4"),
    ((U4, V2, 0, [1.0]), TypeError, r"negatives: expected integer word indices, got a float among them"),
    ((U4, V2, 0, 3), TypeError, r"negatives: expected a list of integer word indices, got a int"),
    ((U4, V2, 0, np.array([[1]])), TypeError, r"negatives: expected a 1-D array of integer word indices"),
    ((U4, V2, 0, [True]), TypeError, r"negatives: expected integer word indices, got a bool"),
    ((U4, V2, 5, [1]), ValueError, r"o: expected 0 <= o < W = 4, got 5"),
    ((U4, np.zeros(3), 0, [1]), ValueError, r"v_c: expected shape \(2,\) to match U of shape \(4, 2\)"),
    ((U4.tolist(), V2, 0, [1]), TypeError, r"U: expected a numpy float array with 2 axes, got a list"),
])
def test_neg_sampling_names_the_bad_argument(args: tuple, error: type, message: str) -> None:
    for fn in (reference.neg_sampling, reference.neg_sampling_loss, reference.neg_sampling_grad_U,
               reference.neg_sampling_grad_v_c):
        with pytest.raises(error, match=message):
            fn(*args)


@pytest.mark.parametrize(("args", "error", "message"), [
    ((U4, U4[:3], 0, [1]), ValueError, r"U: expected shape \(4, 2\) to match V .*got \(3, 2\)"),
    ((U4, U4.astype(np.float32), 0, [1]), TypeError, r"U: expected dtype float64 to match V, got float32"),
    ((U4, U4, 4, [1]), ValueError, r"o: expected 0 <= o < W = 4, got 4"),
    ((U4, U4, 0, [1, 9]), ValueError, r"outside: expected indices 0 <= i < W = 4, got 9"),
    ((U4, U4, 0, [1, 2], [[0]]), ValueError, r"negatives: expected one list of negatives per outside word \(2\), got 1"),
    ((U4, U4, 0, [1], [[7]]), ValueError, r"negatives\[0\]: expected indices 0 <= i < W = 4, got 7"),
    ((U4, U4, 0, [1], "abc"), TypeError, r"negatives: expected None or a list of 1 lists of word indices, got a str"),
    ((np.full((4, 2), np.nan), U4, 0, [1]), ValueError, r"V: expected finite values, got nan at index \(0, 0\)"),
])
def test_skipgram_names_the_bad_argument(args: tuple, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        reference.skipgram(*args)


def test_every_equation_a_law_or_a_diagnosis_cites_is_in_the_derivation() -> None:
    import re
    from pathlib import Path

    from properties.assignment import mistakes

    text = (Path(laws.__file__).resolve().parents[2] / "docs" / "negative-sampling.md").read_text()
    derived = {int(n) for n in re.findall(r"\((\d+)\)\s*$", text, re.MULTILINE)}
    assert derived == set(range(25, 40))
    cited = {n for law in laws.all_laws() for n in law.equations}
    for mistake in mistakes.BY_NAME.values():
        cited |= {int(n) for n in re.findall(r"eqs?\. \(?(\d+)", mistake.explanation)}
    assert cited - {1} <= derived  # eq. (1) is the seed's naive softmax, which skipgram may sum
