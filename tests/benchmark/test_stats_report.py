"""Statistics and formatting shared by the benchmark reports."""
import math

import pytest

from lt_plugins.benchmark.report import (fmt, machines_text, markdown_table,
                                         seeds_text)
from lt_plugins.benchmark.stats import mean_std, paired_difference


def test_mean_std_is_the_sample_standard_deviation():
    got = mean_std([1.0, 2.0, 4.0])
    mean = 7 / 3
    std = math.sqrt(((1 - mean)**2 + (2 - mean)**2 + (4 - mean)**2) / 2)
    assert got['mean'] == pytest.approx(mean)
    assert got['std'] == pytest.approx(std)
    assert got['n'] == 3


def test_mean_std_leaves_out_missing_values():
    assert mean_std([None, 3.0, float('nan'), 5.0]) == dict(
        mean=4.0, std=pytest.approx(math.sqrt(2)), n=2)
    assert mean_std([2.5]) == dict(mean=2.5, std=None, n=1)
    assert mean_std([]) == dict(mean=None, std=None, n=0)
    assert mean_std([None]) == dict(mean=None, std=None, n=0)


def test_paired_difference_uses_the_seeds_both_have_in_seed_order():
    runs = {'0': dict(a=5.0), '2': dict(a=9.0), '10': dict(a=1.0),
            '3': dict(a=None)}
    ref = {'0': dict(a=4.0), '2': dict(a=6.0), '10': dict(a=2.0),
           '3': dict(a=1.0), '7': dict(a=0.0)}
    got = paired_difference(runs, ref, 'a')
    # seed 3 has no figure, seed 7 no run: left out; '10' after '2'
    assert got['seeds'] == ['0', '2', '10']
    diffs = [1.0, 3.0, -1.0]
    assert got['mean'] == pytest.approx(sum(diffs) / 3)
    assert got['std'] == pytest.approx(2.0)
    assert got['n'] == 3


def test_fmt_scales_signs_and_names_missing_values():
    assert fmt(dict(mean=0.4567, std=0.0123), scale=100) == '45.7 ± 1.2'
    assert fmt(dict(mean=2.0, std=None), signed=True) == '+2.0'
    assert fmt(dict(mean=-0.25, std=0.5), digits=2, signed=True) == \
        '-0.25 ± 0.50'
    assert fmt(dict(mean=None, std=None)) == '-'
    assert fmt(None, missing='n/a') == 'n/a'


def test_markdown_table_layout():
    assert markdown_table(['a', 'b'], [['1', '2']]) == [
        '| a | b |', '|---|---|', '| 1 | 2 |']
    assert seeds_text([0, 1, 2]) == '0,1,2'


def test_machines_text_counts_the_runs_of_each_recorded_machine():
    new = dict(machine='Linux x86_64, 2 CPU cores, Python 3.11.7',
               device='cpu')
    old = dict(machine='x86_64 Linux, 2 CPU cores', device='cpu')
    text = machines_text([new, old, new, dict(top1=1.0)])
    assert text == ('Linux x86_64, 2 CPU cores, Python 3.11.7, cpu (2 runs); '
                    'not recorded (1 run); '
                    'x86_64 Linux, 2 CPU cores, cpu (1 run)')
    assert machines_text([]) == '-'


def test_average_ranks_share_ties():
    from lt_plugins.benchmark.stats import average_ranks
    # 0.1 -> 1, the two 0.5 -> (2 + 3) / 2, 0.9 -> 4
    assert average_ranks([0.5, 0.1, 0.9, 0.5]).tolist() == [2.5, 1, 4, 2.5]


def test_spearman_by_hand_and_against_scipy():
    from scipy.stats import spearmanr

    from lt_plugins.benchmark.stats import spearman
    # no ties: 1 - 6 sum d^2 / (n (n^2 - 1)); ranks (1,2,3,4) and
    # (2,1,4,3): sum d^2 = 4, so 1 - 24 / 60 = 0.6
    assert spearman([1, 2, 3, 4], [20, 10, 40, 30]) == pytest.approx(0.6)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    x = [0.0, 0.2, 0.2, 0.5, 0.9, 0.1, 0.0]
    y = [0.1, 0.3, 0.0, 0.6, 0.8, 0.1, 0.2]
    assert spearman(x, y) == pytest.approx(spearmanr(x, y)[0], abs=1e-12)
    assert spearman([1, 2], [1, 2]) is None  # too few pairs
    assert spearman([1, 1, 1], [1, 2, 3]) is None  # nothing to rank
    with pytest.raises(ValueError, match='3 and 2'):
        spearman([1, 2, 3], [1, 2])
