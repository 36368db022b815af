"""tools/calibrate_cls_bench.py: the secant search, the report, the archive.

The search is checked against a hand computation and against the rungs the
g1 data's calibration ran (archived in docs/cls_bench/g1/calibration); the
report against the archived per-class accuracies.
"""
import json
import os.path as osp
import shutil

import numpy as np
import pytest

from lt_plugins.benchmark import calibration as cal
from lt_plugins.data.cifar_lt_bench import DEFAULTS, class_structure

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
G1 = osp.join(REPO, 'docs', 'cls_bench', 'g1', 'calibration')
G1_COMMAND = ['pixel_noise', '0.08', '0.16', '--target', '44.5', '--step',
              '0.02', '--bounds', '0.02', '0.9', '--set', 'group_size=1']


def _g1_top1(value):
    with open(cal.result_path(G1, 'pixel_noise', value)) as f:
        return json.load(f)['top1']


def test_the_secant_by_hand():
    # through (0, 10) and (1, 20), 15 is at 0.5
    assert cal.next_value([(0.0, 10.0), (1.0, 20.0)], 15.0, 0.1, 0, 2) == 0.5
    # the two closest to the target, not the last two: (3, 40) is far
    assert cal.next_value([(3.0, 40.0), (0.0, 10.0), (1.0, 20.0)], 15.0,
                          0.1, 0, 5) == 0.5
    # rounded to the step grid and clipped to the range
    assert cal.next_value([(0.0, 10.0), (1.0, 20.0)], 14.0, 0.25, 0, 2) \
        == 0.5  # 0.4 -> 0.5
    assert cal.next_value([(0.0, 10.0), (1.0, 20.0)], 90.0, 0.1, 0, 2) == 2
    # a value already run moves up by a step
    assert cal.next_value([(0.0, 10.0), (1.0, 20.0), (0.5, 30.0)], 15.0,
                          0.1, 0, 2) == 0.6
    # equal top-1s: the midpoint
    assert cal.next_value([(0.2, 10.0), (0.6, 10.0)], 15.0, 0.1, 0, 1) == 0.4
    with pytest.raises(ValueError, match='two rungs'):
        cal.next_value([(0.0, 10.0)], 15.0, 0.1, 0, 1)
    with pytest.raises(ValueError, match='no value left'):
        cal.next_value([(0.9, 10.0), (1.0, 20.0)], 90.0, 0.1, 0, 1)


def test_the_search_reproduces_the_g1_rungs():
    """From 0.08 and 0.16, the rule picks 0.8, then 0.58, then 0.52: the
    order the archived g1 calibration ran (its top-1s as measured)."""
    points = [(v, _g1_top1(v)) for v in (0.08, 0.16)]
    for expected in (0.8, 0.58, 0.52):
        v = cal.next_value(points, 44.5, 0.02, 0.02, 0.9)
        assert v == expected
        points.append((v, _g1_top1(v)))
    assert abs(points[-1][1] - 44.5) <= 2
    assert all(abs(t - 44.5) > 2 for _, t in points[:-1])


def test_calibrate_stops_at_the_first_rung_within_the_tolerance():
    calls = []

    def measure(v):  # top-1 falls linearly with the knob
        calls.append(v)
        return 80.0 - 50.0 * v

    points = cal.calibrate(measure, [0.1, 0.2], target=45.0, tolerance=1.0,
                           step=0.01, low=0.0, high=1.0)
    # secant through (0.1, 75) and (0.2, 70): 0.2 + (45 - 70) / -50 = 0.7
    assert points == [(0.1, 75.0), (0.2, 70.0), (0.7, 45.0)]
    # a starting value within the tolerance ends it there
    assert cal.calibrate(measure, [0.7, 0.1], target=45.0) == [(0.7, 45.0)]
    # without a target: the values in order, all of them
    assert [v for v, _ in cal.calibrate(measure, [0.3, 0.1, 0.7])] == \
        [0.3, 0.1, 0.7]
    # a search that does not arrive stops after max_rungs
    points = cal.calibrate(lambda v: 0.0, [0.1, 0.2], target=45.0,
                           max_rungs=4, step=0.1, low=0.0, high=1.0)
    assert len(points) == 4


def test_accuracy_by_kind_of_class_by_hand():
    args = dict(DEFAULTS)
    distinct = np.asarray(class_structure(
        args['num_distinct'], args['group_size'], args['class_gap'],
        args['hue_jitter'], args['seed'])['distinct'])
    counts = [int(500 * 100 ** (-i / 99) + 1e-9) for i in range(100)]
    # accuracy: the label for classes of their own, 0 for confusable ones
    classwise = [float(i) if d else 0.0 for i, d in enumerate(distinct)]
    out = cal.kind_shot_accuracy(dict(data_args=args, classwise=classwise,
                                      class_counts=counts))
    labels = np.arange(100)
    c = np.asarray(counts)
    for j, shot in enumerate((c > 100, (c <= 100) & (c >= 20), c < 20)):
        assert out['distinct'][j] == pytest.approx(
            labels[distinct & shot].mean())
        assert out['confusable'][j] == 0.0
    assert distinct.sum() == 20


def test_the_g1_archive_reports_without_training(tmp_path, capsys):
    """Run again on a complete archive, the command trains nothing (the
    command prefix would fail) and lists the rungs in the order run."""
    out = tmp_path / 'cal'
    shutil.copytree(G1, out)
    (out / cal.REPORT_FILE).unlink()
    assert cal.main([*G1_COMMAND, '--out-dir', str(out), '--command-prefix',
                     'false', '--data-dir', str(tmp_path / 'data')]) == 0
    text = (out / cal.REPORT_FILE).read_text()
    rows = [line.split(' | ')[0].lstrip('| ') for line in text.splitlines()
            if line.startswith('| 0.')]
    assert rows == ['0.08', '0.16', '0.8', '0.58', '0.52']
    assert f'| 0.52 | {_g1_top1(0.52):.1f} |' in text
    assert text.count('| yes |') == 1 and text.count('| no |') == 4
    assert ('calibrate_cls_bench.py pixel_noise 0.08 0.16 --target 44.5'
            in text) and '--command-prefix' not in text
    assert not (tmp_path / 'data').exists()
    assert (out / cal.PLOT_FILE).stat().st_size > 0
    assert f'![CE against pixel_noise]({cal.PLOT_FILE})' in text
    # the committed report is what the command writes
    with open(osp.join(G1, cal.REPORT_FILE)) as f:
        assert f.read() == text.replace(str(out), 'docs/cls_bench/g1/'
                                        'calibration')


def test_an_archive_of_other_data_is_refused(tmp_path):
    out = tmp_path / 'cal'
    shutil.copytree(G1, out)
    with pytest.raises(SystemExit, match=r"'group_size': 1"):
        # the same values without --set group_size=1: other data
        cal.main(['pixel_noise', '0.08', '--out-dir', str(out),
                  '--command-prefix', 'false'])


@pytest.mark.parametrize('argv, message', [
    (['pixel_noise', '0.1', '--target', '40'], 'two starting values'),
    (['pixel_noise', '0.1', '--set', 'group_size'], 'KEY=VALUE'),
    (['pixel_noise', '0.1', '--set', 'pixel_noise=0.2'], 'the knob'),
    (['pixel_nois', '0.1'], "'pixel_nois' is not a generator argument"),
    (['pixel_noise', '0.1', '--size', 'huge'], "'huge' is not a size"),
    (['pixel_noise', '0.1', '0.2', '--target', '40', '--bounds', '0.5',
      '0.1'], 'LOW < HIGH'),
    (['pixel_noise', '0.1', '--step', '0'], '--step must be > 0'),
])
def test_bad_arguments_are_refused_naming_them(argv, message, tmp_path,
                                               capsys):
    with pytest.raises(SystemExit) as e:
        cal.main([*argv, '--out-dir', str(tmp_path / 'o')])
    assert message in str(e.value) + capsys.readouterr().err
    assert not (tmp_path / 'o').exists()
