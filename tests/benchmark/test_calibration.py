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
    # a value already run gives way to its neighbour nearest the secant:
    # through (0.5, 30) and (1, 20), 15 is at 1.25 -> 1.2 (run) -> 1.3
    assert cal.next_value([(0.5, 30.0), (1.0, 20.0), (1.2, 40.0)], 15.0,
                          0.1, 0, 2) == 1.3
    # equal top-1s: the midpoint
    assert cal.next_value([(0.2, 10.0), (0.6, 10.0)], 15.0, 0.1, 0, 1) == 0.4
    with pytest.raises(ValueError, match='two rungs'):
        cal.next_value([(0.0, 10.0)], 15.0, 0.1, 0, 1)
    # past a bound that has run: nothing to try
    with pytest.raises(cal.SearchStopped, match='past the bound 1'):
        cal.next_value([(0.9, 10.0), (1.0, 20.0)], 90.0, 0.1, 0, 1)
    # the target between two neighbouring grid values that have run
    with pytest.raises(cal.SearchStopped, match='between two neighbouring'):
        cal.next_value([(0.5, 47.0), (0.52, 46.0), (0.54, 45.0)], 46.5,
                       0.02, 0, 1)


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

    points, stopped = cal.calibrate(measure, [0.1, 0.2], target=45.0,
                                    tolerance=1.0, step=0.01, low=0.0,
                                    high=1.0)
    # secant through (0.1, 75) and (0.2, 70): 0.2 + (45 - 70) / -50 = 0.7
    assert points == [(0.1, 75.0), (0.2, 70.0), (0.7, 45.0)]
    assert stopped == ''
    # a starting value within the tolerance ends it there
    assert cal.calibrate(measure, [0.7, 0.1], target=45.0) == \
        ([(0.7, 45.0)], '')
    # without a target: the values in order, all of them, max_rungs or not
    points, _ = cal.calibrate(measure, [0.3, 0.1, 0.7, 0.2], max_rungs=2)
    assert [v for v, _ in points] == [0.3, 0.1, 0.7, 0.2]
    # a search that does not arrive stops after max_rungs, saying so
    points, stopped = cal.calibrate(lambda v: 10.0 * v * v, [0.1, 0.2],
                                    target=45.0, max_rungs=3, step=0.01,
                                    low=0.0, high=100.0)
    assert len(points) == 3 and '3 rungs' in stopped
    # one that cannot go on stops with the reason, its rungs kept
    points, stopped = cal.calibrate(lambda v: 80.0 - 50.0 * v, [0.9, 1.0],
                                    target=0.0, step=0.1, low=0.0, high=1.0)
    assert [v for v, _ in points] == [0.9, 1.0] and 'past the bound' in \
        stopped


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
                     'false', '--data-dir', str(tmp_path / 'data'),
                     '--work-dir', str(tmp_path / 'work')]) == 0
    text = (out / cal.REPORT_FILE).read_text()
    rows = [line.split(' | ')[0].lstrip('| ') for line in text.splitlines()
            if line.startswith('| 0.')]
    assert rows == ['0.08', '0.16', '0.8', '0.58', '0.52']
    assert f'| 0.52 | {_g1_top1(0.52):.1f} |' in text
    assert text.count('| yes |') == 1 and text.count('| no |') == 4
    assert ('calibrate_cls_bench.py pixel_noise 0.08 0.16 --target 44.5'
            in text) and '--command-prefix' not in text
    assert not (tmp_path / 'data').exists()
    assert not (tmp_path / 'work').exists()
    assert (out / cal.PLOT_FILE).stat().st_size > 0
    assert f'![CE against pixel_noise]({cal.PLOT_FILE})' in text
    # the committed report is what the command writes
    with open(osp.join(G1, cal.REPORT_FILE)) as f:
        assert f.read() == text.replace(str(out), 'docs/cls_bench/g1/'
                                        'calibration')


def test_an_archive_of_other_data_is_refused(tmp_path):
    out = tmp_path / 'cal'
    shutil.copytree(G1, out)
    folders = ['--out-dir', str(out), '--command-prefix', 'false',
               '--data-dir', str(tmp_path / 'data'), '--work-dir',
               str(tmp_path / 'work')]
    with pytest.raises(SystemExit, match=r"'group_size': 1"):
        # the same values without --set group_size=1: other data
        cal.main(['pixel_noise', '0.08', *folders])
    with pytest.raises(SystemExit, match="size 'default'"):
        # the same data at another size (schedule)
        cal.main(['pixel_noise', '0.08', '--set', 'group_size=1', '--size',
                  'e60', *folders])
    assert not (tmp_path / 'data').exists()


@pytest.mark.parametrize('argv, message', [
    (['pixel_noise', '0.1', '--target', '40'], 'two starting values'),
    (['pixel_noise', '0.1', '--set', 'group_size'], 'KEY=VALUE'),
    (['pixel_noise', '0.1', '--set', 'pixel_noise=0.2'], 'the knob'),
    (['pixel_nois', '0.1'], "'pixel_nois' is not a generator argument"),
    (['pixel_noise', '0.1', '--size', 'huge'], "'huge' is not a size"),
    (['pixel_noise', '0.1', '0.2', '--target', '40', '--bounds', '0.5',
      '0.1'], 'LOW < HIGH'),
    (['pixel_noise', '0.1', '0.2', '--target', '40'], 'needs --bounds'),
    (['num_distractors', '2.5'], 'num_distractors takes whole numbers'),
    (['num_distractors', '1', '3', '--target', '40', '--bounds', '0', '6'],
     '--step must be one too'),
    (['pixel_noise', '0.1', '--size', 'g1'], 'calibrated on its own data'),
    (['pixel_noise', '0.1', '--step', '0'], '--step must be > 0'),
])
def test_bad_arguments_are_refused_naming_them(argv, message, tmp_path,
                                               capsys):
    with pytest.raises(SystemExit) as e:
        cal.main([*argv, '--out-dir', str(tmp_path / 'o')])
    assert message in str(e.value) + capsys.readouterr().err
    assert not (tmp_path / 'o').exists()


FAKE = """
import json, os, os.path as osp, re, sys
argv = sys.argv[1:]
if argv[0].endswith('train.py'):
    wd = argv[argv.index('--work-dir') + 1]
    os.makedirs(wd, exist_ok=True)
    open(osp.join(wd, 'epoch_15.pth'), 'w').write('fake')
    open(osp.join(wd, 'last_checkpoint'), 'w').write(
        osp.join(wd, 'epoch_15.pth'))
    sys.exit(0)
config, ckpt, out = argv[2:5]
# the data root the config trains on, from the size base it was written on
base = open(osp.join(osp.dirname(osp.dirname(config)), '_size_base.py')).read()
gap = float(re.search(r"class_gap([0-9.]+)", base).group(1))
top1 = 80.0 - 20.0 * gap
counts = [int(500 * 100 ** (-i / 99) + 1e-9) for i in range(100)]
json.dump(dict(top1=top1, many=top1 + 10, medium=top1, few=top1 - 10,
               classwise=[top1] * 100, class_counts=counts, device='cpu'),
          open(out, 'w'))
"""


def test_a_calibration_trains_each_rung_on_its_data_and_resumes(tmp_path):
    """Each rung's data are generated (tiny pools), CE trains on them
    (a fake trainer whose top-1 follows the class gap its config's data
    root names: 80 - 20 * gap), the result is archived under the rung's
    name, and a second invocation trains nothing."""
    import sys
    fake = tmp_path / 'fake.py'
    fake.write_text(FAKE)
    out, data, work = tmp_path / 'cal', tmp_path / 'data', tmp_path / 'work'
    argv = ['class_gap', '1.0', '0.5', '--target', '45', '--tolerance',
            '0.5', '--step', '0.05', '--bounds', '0.1', '3', '--set',
            'train_per_class=2', 'test_per_class=1', '--out-dir', str(out),
            '--data-dir', str(data), '--work-dir', str(work),
            '--command-prefix', f'{sys.executable} {fake}']
    assert cal.main(argv) == 0
    # 60 at gap 1, 70 at 0.5: the secant gives 45 at gap 1.75
    text = (out / cal.REPORT_FILE).read_text()
    assert [line.split(' | ')[0].lstrip('| ') for line in text.splitlines()
            if line[:3] in ('| 1', '| 0')] == ['1', '0.5', '1.75']
    tag = 'class_gap1.75-test_per_class1-train_per_class2'
    assert (data / tag / 'cifar-100-python' / 'meta').is_file()
    assert (work / 'default' / tag / 'ce' / 'seed0' / 'result.json').is_file()
    result = json.loads((out / 'ce_seed0_class_gap1.75.json').read_text())
    assert result['top1'] == pytest.approx(45.0)
    assert result['data_args']['class_gap'] == 1.75
    assert result['calibration'] == dict(size='default', knob='class_gap',
                                         value=1.75)
    # resumed from the archive: the work and data folders are not needed
    shutil.rmtree(work)
    shutil.rmtree(data)
    assert cal.main(argv) == 0
    assert not work.exists() and not data.exists()
    assert (out / cal.REPORT_FILE).read_text() == text


def test_the_benchmark_page_states_the_archived_class_gap_calibration():
    """docs/cls_bench/README.md's calibration figures are the archive's
    (docs/cls_bench/calibration), and its 1.25 rung is the grid's CE seed
    0 (same configuration and data: the same per-class accuracies)."""
    import re
    folder = osp.join(REPO, 'docs', 'cls_bench', 'calibration')
    got = {v: json.load(open(cal.result_path(folder, 'class_gap', v)))
           for v in (2.5, 1.75, 1.25)}
    with open(osp.join(REPO, 'docs', 'cls_bench', 'README.md')) as f:
        page = ' '.join(f.read().split())
    m = re.search(r'CE top-1 ([\d.]+) at `class_gap` 2\.5, ([\d.]+) at '
                  r'1\.75 and ([\d.]+) at 1\.25 \(many / medium / few '
                  r'([\d.]+) / ([\d.]+) / ([\d.]+); classes with a look of '
                  r'their own ([\d.]+) / ([\d.]+) / ([\d.]+), confusable '
                  r'ones ([\d.]+) / ([\d.]+) / ([\d.]+)\)', page)
    assert m, 'the calibration sentence changed'
    low = got[1.25]
    ks = cal.kind_shot_accuracy(low)
    expected = [got[2.5]['top1'], got[1.75]['top1'], low['top1'],
                low['many'], low['medium'], low['few'], *ks['distinct'],
                *ks['confusable']]
    assert [float(x) for x in m.groups()] == [round(x, 1) for x in expected]
    with open(osp.join(REPO, 'docs', 'cls_bench', 'runs', 'ce', 'seed0',
                       'result.json')) as f:
        assert json.load(f)['classwise'] == low['classwise']


def test_the_class_gap_archive_rewrites_its_committed_report(tmp_path):
    folder = osp.join(REPO, 'docs', 'cls_bench', 'calibration')
    out = tmp_path / 'cal'
    shutil.copytree(folder, out)
    (out / cal.REPORT_FILE).unlink()
    assert cal.main(['class_gap', '2.5', '1.75', '1.25', '--out-dir',
                     str(out), '--command-prefix', 'false', '--data-dir',
                     str(tmp_path / 'data'), '--work-dir',
                     str(tmp_path / 'work')]) == 0
    text = (out / cal.REPORT_FILE).read_text()
    with open(osp.join(folder, cal.REPORT_FILE)) as f:
        assert f.read() == text.replace(str(out),
                                        'docs/cls_bench/calibration')
    assert not (tmp_path / 'work').exists()
