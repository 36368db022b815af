"""Count-aware performance (empirical-Bayes shrinkage towards the group
mean), checked against hand computations."""
import math

import numpy as np
import pytest

from lt_plugins.core.performance_shrinkage import shrink_performance


def test_shrinkage_by_hand():
    perf = [0.0, 1.0, 0.5, 0.9, float('nan')]
    counts = [1, 3, 10, 2, 0]
    groups = ['r', 'r', 'f', 'f', 'r']
    got = shrink_performance(perf, counts, groups, k=2)
    rare_mean = (0.0 + 1.0) / 2      # measured rare classes only
    freq_mean = (0.5 + 0.9) / 2
    assert got[0] == pytest.approx((1 * 0.0 + 2 * rare_mean) / 3)
    assert got[1] == pytest.approx((3 * 1.0 + 2 * rare_mean) / 5)
    assert got[2] == pytest.approx((10 * 0.5 + 2 * freq_mean) / 12)
    assert got[3] == pytest.approx((2 * 0.9 + 2 * freq_mean) / 4)
    assert math.isnan(got[4])  # unmeasured stays unmeasured


def test_a_group_without_measurements_uses_the_overall_mean():
    got = shrink_performance([0.2, 0.6, float('nan')], [1, 1, 4],
                             ['c', 'f', 'r'], k=1)
    assert got[0] == pytest.approx((0.2 + 0.2) / 2)
    assert math.isnan(got[2])
    # a lone measured class in its group shrinks towards itself
    assert got[1] == pytest.approx(0.6)


def test_more_evidence_moves_less():
    perf = [0.0, 0.0, 1.0]
    few = shrink_performance(perf, [1, 50, 1], ['r'] * 3, k=5)
    assert abs(few[1] - 0.0) < abs(few[0] - 0.0)
    # large k: everything at the group mean; tiny k: the measurement
    assert np.allclose(shrink_performance(perf, [1, 1, 1], ['r'] * 3,
                                          k=1e9), 1 / 3)
    assert np.allclose(shrink_performance(perf, [1, 1, 1], ['r'] * 3,
                                          k=1e-9), perf)


@pytest.mark.parametrize('kwargs, match', [
    (dict(k=0), 'k must be'), (dict(k=float('nan')), 'k must be'),
    (dict(k=-1), 'k must be'),
    (dict(counts=[1, -1, 1]), r'counts\[1\]'),
    (dict(performance=[0.5, 1.5, 0.1]), 'performance'),
    (dict(groups=['r']), '1 group labels for 3 classes'),
])
def test_bad_input_is_refused(kwargs, match):
    args = dict(performance=[0.5, 0.5, 0.1], counts=[1, 1, 1],
                groups=['r', 'c', 'f'], k=5)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        shrink_performance(**args)
