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


# ------------------------------------------------ robust variants (off: paper)
# Three chained measurements (with unmeasured classes) per tau mode, as the
# code before the robust variants computed them (tau, weights, difficulty),
# written with repr so that the floats are exact.
_SEQ = [[0.9, 0.3, -1.0, 0.05], [0.7, float('nan'), 0.2, 0.5],
        [0.95, 0.4, 0.6, -1.0]]
_D = [[0.09999999999999998, 0.7, 0.5833333333333334, 0.95],
      [0.30000000000000004, 0.7, 0.8, 0.5],
      [0.050000000000000044, 0.6, 0.4, 0.5]]
_PAPER_RESULTS = {
    'sigmoid': [
        (4.999991684719722, [3.9628039102511655e-05, 0.6660176764177098,
                             0.26765797250265283, 3.0662847230405346]),
        (4.116003227929415, [0.04058765407552282, 1.3273565166993346,
                             2.2997605895468998, 0.3322952396782429]),
        (2.8869434625663972, [0.0016120510443850882, 2.103362043315154,
                              0.6524519348222911, 1.2425739708181696])],
    'log': [
        (2.940228147639203, [0.0032404313908297503, 0.9894272687291573,
                             0.5788592092465336, 2.4284730906334793]),
        (1.3071968632008435, [0.41748346361888056, 1.2637389679760367,
                              1.5047497108663386, 0.8140278575387438]),
        (0.9123493714227805, [0.15691908965537318, 1.5144889585872223,
                              1.0461871030704595, 1.282404848686945])],
    'official_sigmoid': [
        (0.999999694097773, [0.17142867322941233, 1.1999999982957772,
                             1.0000000543523864, 1.6285712741224243]),
        (0.9655548043337887, [0.5346239644271443, 1.21157464169886,
                              1.3783026081781422, 0.8754987856958539]),
        (0.9102811953108857, [0.15764209327754625, 1.5136678534748196,
                              1.046497092136019, 1.282192961111615])],
    2.0: [
        (2.0, [0.02295186483901816, 1.1246413771118902, 0.7810009563277018,
               2.0714058017213897]),
        (2.0, [0.2448979591836735, 1.333333333333333, 1.741496598639456,
               0.6802721088435373]),
        (2.0, [0.01294498381877025, 1.8640776699029127, 0.8284789644012946,
               1.2944983818770228])],
}


def _chain(tau, **options):
    prev, out = None, []
    for perf in _SEQ:
        kw = {} if prev is None else dict(
            prev_difficulty=prev.difficulty, prev_known=prev.known,
            prev_ratio=prev.ratio)
        prev = compute_cdb_weights(perf, tau=tau, **kw, **options)
        out.append(prev)
    return out


@pytest.mark.parametrize('tau', list(_PAPER_RESULTS))
def test_options_off_give_the_paper_results_bit_for_bit(tau):
    """Every robust option at its default (None) reproduces, exactly, what
    the paper-only code computed."""
    for res, (t, w), d in zip(_chain(tau), _PAPER_RESULTS[tau], _D):
        assert res.tau == t and res.tau_uncapped == t
        assert res.weights.tolist() == w
        assert res.difficulty.tolist() == d
        assert res.num_floored == 0


def test_tau_max_caps_the_dynamic_tau():
    # [0.9, 0.1]: bias = 0.9 / 0.11 - 1, sigmoid tau ~5, capped at 2
    perf = [0.9, 0.1]
    bias = 0.9 / 0.11 - 1
    tau = 5 * (2 / (1 + math.exp(-bias)) - 1)
    res = compute_cdb_weights(perf, tau='sigmoid', tau_max=2.0)
    assert res.tau == 2.0 and res.tau_uncapped == pytest.approx(tau)
    w = np.array([0.1**2, 0.9**2])
    np.testing.assert_allclose(res.weights, w / w.mean(), rtol=1e-12)
    # a cap above tau changes nothing
    low = compute_cdb_weights([0.5, 0.45], tau='sigmoid', tau_max=4.0)
    paper = compute_cdb_weights([0.5, 0.45], tau='sigmoid')
    assert low.tau == paper.tau < 4.0
    assert low.weights.tolist() == paper.weights.tolist()
    # nothing measured: the previous ratio's tau, capped again
    again = compute_cdb_weights([-1.0, -1.0], tau='sigmoid', tau_max=2.0,
                                prev_difficulty=res.difficulty,
                                prev_known=res.known, prev_ratio=res.ratio)
    assert again.tau == 2.0
    np.testing.assert_allclose(again.weights, res.weights)


def test_tau_max_with_a_fixed_tau_is_refused():
    with pytest.raises(ValueError, match=r'tau_max=1\.0 .*fixed tau=2\.0'):
        compute_cdb_weights([0.5, 0.2], tau=2.0, tau_max=1.0)


def test_momentum_smooths_difficulty_across_measurements():
    m = 0.75
    first = compute_cdb_weights([0.2, 0.4, -1.0], tau=1.0, normalize=False,
                                difficulty_momentum=m)
    # first measurement: the measured difficulty itself; class 2 the mean
    np.testing.assert_allclose(first.difficulty, [0.8, 0.6, 0.7])
    second = compute_cdb_weights([0.6, -1.0, 0.9], tau=1.0, normalize=False,
                                 difficulty_momentum=m,
                                 prev_difficulty=first.difficulty,
                                 prev_known=first.known,
                                 prev_ratio=first.ratio)
    # class 0: 0.75 * 0.8 + 0.25 * 0.4 = 0.7; class 1 unmeasured keeps 0.6;
    # class 2 measured for the first time (its 0.7 was only the mean fill)
    np.testing.assert_allclose(second.difficulty, [0.7, 0.6, 0.1])
    np.testing.assert_allclose(second.measured_difficulty,
                               [0.4, np.nan, 0.1])
    np.testing.assert_allclose(second.weights, second.difficulty)
    # the bias comes from the raw performance (paper eq. 5)
    assert second.bias == pytest.approx(0.9 / 0.61 - 1)
    third = compute_cdb_weights([0.0, 0.0, 1.0], tau=2.0, normalize=False,
                                difficulty_momentum=m,
                                prev_difficulty=second.difficulty,
                                prev_known=second.known)
    # 0.75 * 0.7 + 0.25 * 1; 0.75 * 0.6 + 0.25 * 1; 0.75 * 0.1 + 0.25 * 1e-3
    d = np.array([0.775, 0.7, 0.07525])
    np.testing.assert_allclose(third.difficulty, d)
    np.testing.assert_allclose(third.weights, d**2)


def test_momentum_never_measured_class_takes_the_smoothed_mean():
    first = compute_cdb_weights([0.2, 0.4, -1.0], tau=1.0,
                                difficulty_momentum=0.5)
    second = compute_cdb_weights([0.6, 0.8, -1.0], tau=1.0,
                                 difficulty_momentum=0.5,
                                 prev_difficulty=first.difficulty,
                                 prev_known=first.known)
    # smoothed: 0.5 * 0.8 + 0.5 * 0.4 = 0.6, 0.5 * 0.6 + 0.5 * 0.2 = 0.4;
    # class 2 (never measured) their mean 0.5
    np.testing.assert_allclose(second.difficulty, [0.6, 0.4, 0.5])


def test_momentum_zero_is_the_raw_difficulty():
    for res, d in zip(_chain('sigmoid', difficulty_momentum=0.0), _D):
        assert res.difficulty.tolist() == d


def test_weight_floor_bounds_the_normalised_weights():
    # fixed tau 5: w = [0.1^5, 0.5^5, 0.9^5] normalised to mean 1, then
    # raised to at least 0.2 and normalised again
    res = compute_cdb_weights([0.9, 0.5, 0.1], tau=5.0, weight_floor=0.2)
    w = np.array([0.1, 0.5, 0.9])**5
    w = w / w.mean()
    assert w[0] < 0.2 and w[1] < 0.2 < w[2]
    w2 = np.maximum(w, 0.2)
    np.testing.assert_allclose(res.weights, w2 / w2.mean(), rtol=1e-12)
    assert res.num_floored == 2
    assert res.weights.mean() == pytest.approx(1.0)
    # the two floored classes share one weight, f / mean(w'')
    assert res.weights[0] == res.weights[1] == pytest.approx(
        0.2 / w2.mean())
    # without normalisation the floor is f times the mean weight
    raw = compute_cdb_weights([0.9, 0.5, 0.1], tau=5.0, normalize=False,
                              weight_floor=0.1)
    w = np.array([0.1, 0.5, 0.9])**5
    np.testing.assert_allclose(raw.weights, np.maximum(w, 0.1 * w.mean()))
    # a floor below every weight changes nothing
    none = compute_cdb_weights([0.9, 0.5, 0.1], tau=0.5, weight_floor=0.01)
    assert none.num_floored == 0
    np.testing.assert_allclose(
        none.weights, compute_cdb_weights([0.9, 0.5, 0.1], tau=0.5).weights)


def test_all_options_together():
    """Cap, smoothing and floor at once, written out."""
    first = compute_cdb_weights([0.8, 0.0], tau='sigmoid', tau_max=3.0,
                                difficulty_momentum=0.5, weight_floor=0.2)
    # bias 0.8 / 0.01 - 1 = 79: tau ~5 capped at 3; d = [0.2, 1]
    w = np.array([0.2, 1.0])**3
    w = np.maximum(w / w.mean(), 0.2)
    np.testing.assert_allclose(first.weights, w / w.mean())
    second = compute_cdb_weights([0.4, 0.2], tau='sigmoid', tau_max=3.0,
                                 difficulty_momentum=0.5, weight_floor=0.2,
                                 prev_difficulty=first.difficulty,
                                 prev_known=first.known)
    bias = 0.4 / 0.21 - 1
    tau = min(5 * (2 / (1 + math.exp(-bias)) - 1), 3.0)
    d = np.array([0.5 * 0.2 + 0.5 * 0.6, 0.5 * 1.0 + 0.5 * 0.8])
    w = d**tau
    w = np.maximum(w / w.mean(), 0.2)
    np.testing.assert_allclose(second.difficulty, d)
    assert second.tau == pytest.approx(tau)
    np.testing.assert_allclose(second.weights, w / w.mean(), rtol=1e-12)


@pytest.mark.parametrize('name, value, match', [
    ('tau_max', -1.0, r'tau_max must be .*\[0, inf\), got -1\.0'),
    ('tau_max', float('nan'), 'tau_max .*got nan'),
    ('difficulty_momentum', 1.0, r'difficulty_momentum .*\[0, 1\), got 1\.0'),
    ('difficulty_momentum', -0.1, 'difficulty_momentum .*got -0.1'),
    ('weight_floor', 0.0, r'weight_floor .*\(0, 1\], got 0\.0'),
    ('weight_floor', 1.5, 'weight_floor .*got 1.5'),
])
def test_option_out_of_range_is_refused_by_name(name, value, match):
    with pytest.raises(ValueError, match=match):
        compute_cdb_weights([0.5, 0.2], **{name: value})
