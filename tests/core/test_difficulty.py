"""CDB difficulty, bias, tau and weights against hand computations (SPEC 1)."""
import math

import numpy as np
import pytest

from lt_plugins.core.difficulty import (compute_cdb_weights, dynamic_tau,
                                        performance_bias, performance_ratio,
                                        performance_to_difficulty)


def test_difficulty_is_one_minus_accuracy_clamped_eq3():
    d = performance_to_difficulty(np.array([0.0, 0.25, 1.0]))
    np.testing.assert_allclose(d, [1.0, 0.75, 1e-3])


def test_bias_matches_paper_eq5():
    # max/min+eps - 1 = 0.8 / 0.21 - 1
    assert performance_bias(np.array([0.2, 0.5, 0.8])) == pytest.approx(
        0.8 / 0.21 - 1)
    assert performance_bias(np.array([0.5, 0.5])) == 0.0
    # a class at 0 gives the upper bound 1/eps - 1 when another is at 1
    assert performance_bias(np.array([0.0, 1.0])) == pytest.approx(99.0)


@pytest.mark.parametrize('bias', [0.0, 0.3, 2.0, 99.0])
def test_each_tau_mode_matches_its_formula_eqs_7_to_10(bias):
    bm = 99.0
    sig = 1 / (1 + math.exp(-bias))
    assert dynamic_tau(bias, 'linear') == pytest.approx(5 * bias / bm)
    assert dynamic_tau(bias, 'poly') == pytest.approx(5 * (bias / bm)**2)
    assert dynamic_tau(bias, 'poly', power=3) == pytest.approx(
        5 * (bias / bm)**3)
    assert dynamic_tau(bias, 'log') == pytest.approx(
        5 * math.log(1 + bias) / math.log(1 + bm))
    assert dynamic_tau(bias, 'sigmoid') == pytest.approx(5 * (2 * sig - 1))
    assert dynamic_tau(bias, 'official_sigmoid') == pytest.approx(
        1 / (1 + math.exp(-(bias + 1))))
    assert dynamic_tau(bias, 'official_2sigmoid') == pytest.approx(2 * sig)


def test_tau_is_never_negative_and_log_has_no_minus_sign():
    for mode in ('linear', 'poly', 'log', 'sigmoid'):
        assert dynamic_tau(0.0, mode) == pytest.approx(0.0)
        assert dynamic_tau(99.0, mode) == pytest.approx(5.0)


def test_unknown_tau_mode_and_bad_bias_are_rejected():
    with pytest.raises(ValueError, match='cubic'):
        dynamic_tau(1.0, 'cubic')
    with pytest.raises(ValueError, match='nan'):
        dynamic_tau(float('nan'))


def test_weights_are_difficulty_to_the_tau_normalised_to_mean_one_eq11():
    perf = np.array([0.9, 0.5, 0.1])
    res = compute_cdb_weights(perf, tau='sigmoid')
    bias = 0.9 / 0.11 - 1
    tau = 5 * (2 / (1 + math.exp(-bias)) - 1)
    w = np.array([0.1, 0.5, 0.9])**tau
    np.testing.assert_allclose(res.weights, w / w.mean())
    assert res.tau == pytest.approx(tau)
    assert res.bias == pytest.approx(bias)
    assert res.weights.mean() == pytest.approx(1.0)
    # harder class, larger weight
    assert res.weights[2] > res.weights[1] > res.weights[0]


def test_fixed_tau_and_unnormalised_weights():
    res = compute_cdb_weights([0.5, 0.75], tau=2.0, normalize=False)
    np.testing.assert_allclose(res.weights, [0.25, 0.0625])
    with pytest.raises(ValueError, match='-1'):
        compute_cdb_weights([0.5, 0.75], tau=-1.0)


def test_all_classes_equal_gives_uniform_weights():
    res = compute_cdb_weights([0.4, 0.4, 0.4])
    assert res.bias == 0.0 and res.tau == 0.0
    np.testing.assert_allclose(res.weights, 1.0)


def test_class_at_ap_one_keeps_a_positive_weight():
    res = compute_cdb_weights([1.0, 0.0], tau=1.0, normalize=False)
    np.testing.assert_allclose(res.weights, [1e-3, 1.0])


def test_class_at_zero_gives_maximal_tau():
    res = compute_cdb_weights([0.0, 1.0], tau='sigmoid')
    assert res.bias == pytest.approx(99.0)
    assert res.tau == pytest.approx(5 * (2 / (1 + math.exp(-99.0)) - 1))


def test_missing_classes_take_mean_difficulty_without_history():
    # -1 (LVIS "no AP") and NaN are both "not measured"
    res = compute_cdb_weights([0.2, -1.0, 0.6, float('nan')], tau=1.0,
                              normalize=False)
    np.testing.assert_array_equal(res.measured, [True, False, True, False])
    np.testing.assert_allclose(res.difficulty, [0.8, 0.6, 0.4, 0.6])
    assert res.num_missing == 2
    # the bias ignores the missing classes
    assert res.bias == pytest.approx(0.6 / 0.21 - 1)


def test_missing_classes_keep_their_previous_difficulty():
    prev = np.array([0.3, 0.9, 0.5])
    res = compute_cdb_weights([0.5, -1.0, 0.5], tau=1.0, normalize=False,
                              prev_difficulty=prev)
    np.testing.assert_allclose(res.difficulty, [0.5, 0.9, 0.5])


def test_nothing_measured_falls_back_to_previous_or_ones():
    res = compute_cdb_weights([-1.0, -1.0])
    np.testing.assert_allclose(res.weights, [1.0, 1.0])
    assert res.tau == 0.0
    assert not res.known.any()
    res = compute_cdb_weights([-1.0, -1.0], tau=1.0,
                              prev_difficulty=np.array([0.2, 0.6]))
    np.testing.assert_allclose(res.weights, np.array([0.2, 0.6]) / 0.4)


@pytest.mark.parametrize('mode', ['sigmoid', 'linear', 'log', 'poly',
                                  'official_sigmoid', 'official_2sigmoid'])
def test_nothing_measured_keeps_the_previous_tau_and_weights(mode):
    first = compute_cdb_weights([0.9, 0.3, 0.05, -1.0], tau=mode)
    again = compute_cdb_weights([-1.0] * 4, tau=mode,
                                prev_difficulty=first.difficulty,
                                prev_known=first.known,
                                prev_ratio=first.ratio)
    assert again.tau == pytest.approx(first.tau) and first.tau > 0
    np.testing.assert_allclose(again.weights, first.weights)
    np.testing.assert_array_equal(again.known, first.known)


def test_never_measured_class_takes_the_current_mean_not_a_stale_one():
    # class 2 has never had a value: first it takes mean(0.8, 0.6) = 0.7,
    # then mean(0.2, 0.4) = 0.3 of the second measurement; class 1, measured
    # once, keeps its own 0.6 when it is missing
    first = compute_cdb_weights([0.2, 0.4, -1.0], tau=1.0, normalize=False)
    np.testing.assert_allclose(first.difficulty, [0.8, 0.6, 0.7])
    np.testing.assert_array_equal(first.known, [True, True, False])
    second = compute_cdb_weights([0.8, -1.0, float('nan')], tau=1.0,
                                 normalize=False,
                                 prev_difficulty=first.difficulty,
                                 prev_known=first.known,
                                 prev_ratio=first.ratio)
    np.testing.assert_allclose(second.difficulty, [0.2, 0.6, 0.2])
    np.testing.assert_array_equal(second.known, [True, True, False])
    third = compute_cdb_weights([0.8, 0.6, -1.0], tau=1.0, normalize=False,
                                prev_difficulty=second.difficulty,
                                prev_known=second.known)
    np.testing.assert_allclose(third.difficulty, [0.2, 0.4, 0.3])


def test_official_tau_uses_the_unclamped_ratio():
    # every class at AP 0: ratio = 0 / 0.01 = 0, bias = max(-1, 0) = 0;
    # the authors' code gives sigmoid(0) = 0.5 and 2 sigmoid(-1)
    perf = [0.0, 0.0, 0.0]
    assert performance_ratio(np.array(perf)) == 0.0
    assert compute_cdb_weights(perf, 'official_sigmoid').tau == \
        pytest.approx(0.5)
    assert compute_cdb_weights(perf, 'official_2sigmoid').tau == \
        pytest.approx(2 / (1 + math.exp(1)))
    # close but unequal classes: ratio 0.5 / 0.505 < 1
    res = compute_cdb_weights([0.5, 0.495], 'official_sigmoid')
    assert res.ratio == pytest.approx(0.5 / 0.505)
    assert res.tau == pytest.approx(1 / (1 + math.exp(-0.5 / 0.505)))
    assert res.bias == 0.0


def test_out_of_range_performance_names_the_class():
    with pytest.raises(ValueError, match='class 1 is 1.5'):
        compute_cdb_weights([0.2, 1.5])
    # only -1 and NaN mean "not measured"; another negative value is an error
    with pytest.raises(ValueError, match='class 0 is -0.5'):
        compute_cdb_weights([-0.5, 0.3])
    with pytest.raises(ValueError, match='class 1 is -inf'):
        compute_cdb_weights([0.5, float('-inf')])
    with pytest.raises(ValueError, match='class 1 is inf'):
        compute_cdb_weights([0.5, float('inf')])
    with pytest.raises(ValueError, match='empty'):
        compute_cdb_weights([])
    with pytest.raises(ValueError, match='shape'):
        compute_cdb_weights([0.2, 0.3], prev_difficulty=np.ones(3))
