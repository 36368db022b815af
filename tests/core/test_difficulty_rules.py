"""The core CDB functions refuse meaningless options and pin the authors'
taus (issue 18: which of the authors' codes each ``official_*`` mode is)."""
import math

import numpy as np
import pytest

from lt_plugins.core.difficulty import (OPTION_RANGES, check_cdb_options,
                                        compute_cdb_weights, dynamic_tau,
                                        performance_ratio,
                                        performance_to_difficulty)


def test_negative_t_max_is_refused_not_inverting_the_weights():
    # before: t_max=-5 gave tau < 0, so the harder class got less weight
    with pytest.raises(ValueError, match=r't_max must be a finite number in '
                       r'\[0, inf\), got -5'):
        compute_cdb_weights([0.9, 0.2], t_max=-5)
    with pytest.raises(ValueError, match=r't_max .*got -5'):
        dynamic_tau(1.0, 'sigmoid', t_max=-5)


@pytest.mark.parametrize('name, value, error', [
    ('t_max', math.nan, ValueError),
    ('t_max', math.inf, ValueError),
    ('t_max', '5', TypeError),
    ('t_max', True, TypeError),
    ('eps', 0.0, ValueError),
    # B_M = 1 / eps - 1 must stay positive: eps = 1 divides by 0, eps > 1
    # turns the linear tau negative
    ('eps', 1.0, ValueError),
    ('eps', 2.0, ValueError),
    ('d_min', 0.0, ValueError),
    ('d_min', 1.5, ValueError),
    ('power', 0.0, ValueError),
    ('power', math.nan, ValueError),
    ('normalize', 1, TypeError),
    ('normalize', 'False', TypeError),
    ('tau', math.nan, ValueError),
    ('tau', -1.0, ValueError),
    ('tau', True, TypeError),
    ('tau', 'cubic', ValueError),
    ('tau_max', math.inf, ValueError),
    ('difficulty_momentum', True, TypeError),
    ('weight_floor', math.nan, ValueError),
])
def test_core_option_rules(name, value, error):
    with pytest.raises(error, match=name):
        compute_cdb_weights([0.9, 0.5, 0.2], **{name: value})
    with pytest.raises(error):
        check_cdb_options(**{name: value})


def test_linear_tau_with_eps_above_one_was_negative():
    # the reason eps < 1: with eps = 2, B_M = -0.5 and the linear tau of a
    # positive bias is negative, inverting the weights
    with pytest.raises(ValueError, match=r'eps must be a finite number in '
                       r'\(0, 1\), got 2'):
        dynamic_tau(0.5, 'linear', eps=2.0)


def test_check_cdb_options_returns_floats_and_keeps_modes():
    opts = check_cdb_options(tau='log', t_max=np.float32(4.0), eps=0.05,
                             d_min=1e-3, power=3, tau_max=2)
    assert opts['tau'] == 'log'
    assert type(opts['t_max']) is float and opts['t_max'] == 4.0
    assert type(opts['power']) is float and type(opts['tau_max']) is float
    assert opts['difficulty_momentum'] is None
    assert opts['weight_floor'] is None
    assert check_cdb_options(tau=2)['tau'] == 2.0
    assert set(OPTION_RANGES) >= {'t_max', 'eps', 'd_min', 'power', 'tau'}


def test_helpers_refuse_their_options():
    with pytest.raises(ValueError, match='d_min'):
        performance_to_difficulty(np.array([0.5]), d_min=-0.1)
    with pytest.raises(ValueError, match='eps'):
        performance_ratio(np.array([0.5, 0.1]), eps=-0.01)
    with pytest.raises(ValueError, match='ratio'):
        dynamic_tau(0.5, 'official_sigmoid', ratio=math.nan)
    with pytest.raises(ValueError, match=r'prev_difficulty\[1\]'):
        compute_cdb_weights([0.5, 0.2], prev_difficulty=[0.5, math.nan])
    with pytest.raises(TypeError, match='booleans'):
        compute_cdb_weights(np.array([True, False]))


def test_large_fixed_tau_gives_finite_weights_not_nan():
    # d ** 1000 underflows to 0 for every class here; before, 0 / 0 = NaN
    res = compute_cdb_weights([0.9, 0.8, 0.95], tau=1000.0)
    assert np.isfinite(res.weights).all()
    assert res.weights.mean() == pytest.approx(1.0)
    # the hardest class (A = 0.8) holds all the weight
    np.testing.assert_allclose(res.weights, [0.0, 3.0, 0.0], atol=1e-12)


# The authors' code, for the hand-made accuracy vector A = (0.8, 0.5, 0.4),
# d = 1 - A = (0.2, 0.5, 0.6). Both files compute
#     ratio = (1 - min d) / (1 - max d + 0.01) = 0.8 / 0.41
# and then
#   CIFAR-LT/losses/cdb_loss.py:         tau = sigmoid(ratio)
#   ImageNet-LT/loss/CDBSoftmaxLoss.py:  tau = 2 * sigmoid(ratio - 1)
# with weights d ** tau / sum(d ** tau) * len(d).
_A = [0.8, 0.5, 0.4]
_D = np.array([0.2, 0.5, 0.6])


def _authors_weights(tau):
    w = _D**tau
    return w / w.sum() * len(w)


def test_official_sigmoid_is_the_authors_cifar_lt_tau():
    ratio = (1 - _D.min()) / (1 - _D.max() + 0.01)
    assert ratio == pytest.approx(1.951219512195122)
    tau = 1 / (1 + math.exp(-ratio))
    assert tau == pytest.approx(0.8755795563288461)
    res = compute_cdb_weights(_A, tau='official_sigmoid')
    assert res.tau == pytest.approx(tau, rel=1e-12)
    np.testing.assert_allclose(res.weights, _authors_weights(tau),
                               rtol=1e-12)
    np.testing.assert_allclose(
        res.weights, [0.5130524604020664, 1.1444317841387752,
                      1.3425157554591585], rtol=1e-12)
    assert res.tau < 1  # sigmoid of a positive ratio


def test_official_2sigmoid_is_the_authors_imagenet_lt_tau():
    bias = (1 - _D.min()) / (1 - _D.max() + 0.01) - 1
    tau = 2 / (1 + math.exp(-bias))
    assert tau == pytest.approx(1.4427207312614065)
    res = compute_cdb_weights(_A, tau='official_2sigmoid')
    assert res.tau == pytest.approx(tau, rel=1e-12)
    np.testing.assert_allclose(res.weights, _authors_weights(tau),
                               rtol=1e-12)
    np.testing.assert_allclose(
        res.weights, [0.311527113060687, 1.168455429027027,
                      1.520017457912286], rtol=1e-12)
    assert res.tau < 2
