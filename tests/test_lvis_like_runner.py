"""Bookkeeping of tools/run_lvis_like_benchmark.py with cheap stand-in
training and test commands (``python -c ...``): pretraining once, the -cls
dependency, skipping finished runs, recording failures, report-only, the
statistics of the report, continuing a grid from its archive."""
import json
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys

import pytest
import torch

from lt_plugins.data.lvis_like import generate_lvis_like
from lt_plugins.engine.run_lock import run_lock

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


from lt_plugins.benchmark import lvis_like as runner  # noqa: E402

# Stand-in for tools/train.py: logs its call, fails for configs whose name
# holds $FAKE_FAIL, else writes a checkpoint and mmengine's last_checkpoint.
FAKE_TRAIN = r'''
import json, os, shutil, sys, time
args = sys.argv[1:]
config, work_dir = args[0], args[args.index('--work-dir') + 1]
with open(os.environ['FAKE_CALLS'], 'a') as f:
    f.write(json.dumps(dict(kind='train', config=os.path.basename(config),
                            work_dir=work_dir, args=args)) + '\n')
time.sleep(float(os.environ.get('FAKE_SLEEP', '0')))
fail = os.environ.get('FAKE_FAIL')
if fail and fail in os.path.basename(config):
    print('simulated training failure: loss is nan')
    sys.exit(3)
os.makedirs(work_dir, exist_ok=True)
name = os.path.basename(config)
if 'cdb-w-ce' in name or 'cdb-s' in name:  # the CDB hook's history
    n = int(os.environ['FAKE_NCAT'])
    records = [dict(epoch=e, tau=1.0 + e, bias=0.5, ratio=1.5,
                    performance=[0.5] * n, difficulty=[0.5] * n,
                    weights=[1.0 + 0.1 * e * k for k in range(n)],
                    never_measured=[])
               for e in (1, 2)]
    if 'cdb-s' in name:  # what the hook records of a difficulty sampler
        for r in records:
            r['sampler'] = dict(form='difficulty', oversample_thr=0.5,
                                heldout_folds=None)
    with open(os.path.join(work_dir, 'cdb_history.json'), 'w') as f:
        json.dump(dict(classes=[f'cat_{k:04d}' for k in range(n)],
                       metric='bbox', tau_mode='sigmoid', history=records),
                  f)
ckpt = os.path.join(work_dir, 'epoch_12.pth')
shutil.copy(os.environ['FAKE_CKPT'], ckpt)
with open(os.path.join(work_dir, 'last_checkpoint'), 'w') as f:
    f.write(ckpt)
'''
# Stand-in for tools/test.py: writes mmengine's metrics dump with
# AP = 0.2 + 0.01 * seed (+ 0.05 for CDB configs) and per-category APs.
FAKE_TEST = r'''
import json, os, re, sys
args = sys.argv[1:]
config, ckpt = args[0], args[1]
work_dir = args[args.index('--work-dir') + 1]
with open(os.environ['FAKE_CALLS'], 'a') as f:
    f.write(json.dumps(dict(kind='test', config=os.path.basename(config),
                            checkpoint=ckpt)) + '\n')
seed = int(re.search(r'seed(\d+)', ckpt).group(1))
ap = 0.2 + 0.01 * seed + (0.05 if 'cdb-w-ce' in config else 0.0)
n = int(os.environ['FAKE_NCAT'])
out = os.path.join(work_dir, '20260101_000000')
os.makedirs(out, exist_ok=True)
metrics = {f'lvis/bbox_{k}': ap + d for k, d in
           (('AP', 0), ('APr', -0.1), ('APc', 0), ('APf', 0.1))}
metrics['lvis/bbox_per_category_ap'] = [ap] * (n - 1) + [-1.0]
with open(os.path.join(out, '20260101_000000.json'), 'w') as f:
    json.dump(metrics, f)
'''


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('lvis_like_tiny')
    generate_lvis_like(str(root), num_categories=6, frequent_max_images=101,
                       categories_per_image=3.0,
                       val_images_per_category=(1, 1, 1),
                       pretrain_images_per_category=1, image_size=32,
                       write_images=False, seed=0)
    ckpt = root / 'fake.pth'
    torch.save(dict(state_dict={
        'backbone.conv1.weight': torch.ones(2, 2),
        'roi_head.bbox_head.fc_cls.weight': torch.ones(7, 4),
        'roi_head.bbox_head.fc_cls.bias': torch.ones(7),
        'roi_head.bbox_head.fc_reg.weight': torch.ones(24, 4),
    }), str(ckpt))
    return dict(root=str(root), ckpt=str(ckpt))


@pytest.fixture
def bench(tiny_data, tmp_path, monkeypatch):
    calls = tmp_path / 'calls.jsonl'
    monkeypatch.setenv('FAKE_CALLS', str(calls))
    monkeypatch.setenv('FAKE_CKPT', tiny_data['ckpt'])
    monkeypatch.setenv('FAKE_NCAT', '6')
    monkeypatch.delenv('FAKE_FAIL', raising=False)
    monkeypatch.delenv('FAKE_SLEEP', raising=False)
    py = shlex.quote(sys.executable)
    base = ['--data-root', tiny_data['root'], '--work-root',
            str(tmp_path / 'work'), '--out-dir', str(tmp_path / 'out'),
            '--train-cmd', f'{py} -c {shlex.quote(FAKE_TRAIN)}',
            '--test-cmd', f'{py} -c {shlex.quote(FAKE_TEST)}']

    def run(*extra):
        return runner.main(base + list(extra))

    def read_calls():
        if not calls.exists():
            return []
        return [json.loads(line) for line in calls.read_text().splitlines()]

    return dict(run=run, calls=read_calls, work=tmp_path / 'work',
                out=tmp_path / 'out', args=base)


def test_grid_runs_pretraining_once_then_skips_finished_runs(bench):
    assert bench['run']('--methods', 'ce', 'rfs', '--seeds', '0', '1') == 0
    trains = [c for c in bench['calls']() if c['kind'] == 'train']
    configs = [c['config'] for c in trains]
    assert configs.count('faster-rcnn_lvis-like_pretrain.py') == 1
    assert sorted(configs[1:]) == sorted(
        ['faster-rcnn_lvis-like_ce.py', 'faster-rcnn_lvis-like_rfs.py'] * 2)
    # fine-tunings start from the pretrained detector without class layers
    pretrained = bench['work'] / 'pretrain' / 'pretrained_no_cls.pth'
    for call in trains[1:]:
        assert f'load_from={pretrained}' in call['args']
    state = torch.load(str(pretrained), weights_only=False)['state_dict']
    assert list(state) == ['backbone.conv1.weight']
    # the training seed reaches the config
    seeds = sorted(a for c in trains[1:] for a in c['args']
                   if a.startswith('randomness.seed='))
    assert seeds == ['randomness.seed=0'] * 2 + ['randomness.seed=1'] * 2
    # RFS gets LVIS' threshold scaled to the training-set size
    train = json.load(open(osp.join(
        os.environ['FAKE_CKPT'][:-len('fake.pth')], 'annotations',
        'lvis_v0.5_train.json')))
    rfs = [c for c in trains if c['config'].endswith('rfs.py')][0]
    assert (f'train_dataloader.dataset.oversample_thr='
            f'{57 / len(train["images"])!r}') in rfs['args']
    result = json.load(open(bench['work'] / 'ce' / 'seed1' / 'result.json'))
    assert result['AP'] == pytest.approx(0.21)
    assert len(result['per_category_ap']) == 6

    n_calls = len(bench['calls']())
    assert bench['run']('--methods', 'ce', 'rfs', '--seeds', '0', '1') == 0
    assert len(bench['calls']()) == n_calls  # everything was done


def test_a_failed_run_is_reported_and_the_grid_goes_on(bench, monkeypatch):
    monkeypatch.setenv('FAKE_FAIL', 'seesaw')
    assert bench['run']('--methods', 'seesaw', 'ce', '--seeds', '0') == 1
    assert (bench['work'] / 'ce' / 'seed0' / 'result.json').exists()
    failed = json.load(open(bench['work'] / 'seesaw' / 'seed0' /
                            'failed.json'))
    assert failed['stage'] == 'train' and failed['returncode'] == 3
    assert 'loss is nan' in failed['log_tail']
    results = json.load(open(bench['out'] / 'results.json'))
    assert [f['run'] for f in results['failures']] == ['seesaw/seed0']
    assert 'seesaw/seed0: train failed (exit code 3)' in (
        bench['out'] / 'results.md').read_text()

    # the next invocation retries the failed run only
    monkeypatch.delenv('FAKE_FAIL')
    before = len(bench['calls']())
    assert bench['run']('--methods', 'seesaw', 'ce', '--seeds', '0') == 0
    new = bench['calls']()[before:]
    assert {c['config'] for c in new} == {'faster-rcnn_lvis-like_seesaw.py'}
    assert not (bench['work'] / 'seesaw' / 'seed0' / 'failed.json').exists()
    assert json.load(open(bench['out'] / 'results.json'))['failures'] == []


def test_a_failed_pretraining_fails_its_dependents_without_running_them(
        bench, monkeypatch):
    monkeypatch.setenv('FAKE_FAIL', 'pretrain')
    assert bench['run']('--methods', 'ce', '--seeds', '0') == 1
    assert [c['config'] for c in bench['calls']()] == [
        'faster-rcnn_lvis-like_pretrain.py']
    runs = {f['run']: f['stage'] for f in json.load(
        open(bench['out'] / 'results.json'))['failures']}
    assert runs == {'pretrain': 'train', 'ce/seed0': 'dependency'}


def test_cls_variant_starts_from_the_ce_cdb_split_run_of_its_seed(bench):
    assert bench['run']('--methods', 'cdb-w-ce-cls', '--seeds', '1') == 0
    trains = [c for c in bench['calls']() if c['kind'] == 'train']
    assert [c['config'] for c in trains] == [
        'faster-rcnn_lvis-like_pretrain.py',
        'faster-rcnn_lvis-like_ce-cdb-split.py',
        'faster-rcnn_lvis-like_cdb-w-ce-cls.py']
    start = bench['work'] / 'ce-cdb-split' / 'seed1' / 'epoch_12.pth'
    assert f'load_from={start}' in trains[-1]['args']


def test_report_statistics_and_report_only(bench, monkeypatch):
    assert bench['run']('--methods', 'ce', 'cdb-w-ce', '--seeds', '0',
                        '1') == 0
    results = json.load(open(bench['out'] / 'results.json'))
    ce = results['methods']['ce']['summary']['AP']
    # CE AP is 0.20 and 0.21: mean 0.205, sample std 0.01 / sqrt(2)
    assert ce['mean'] == pytest.approx(0.205)
    assert ce['std'] == pytest.approx(0.01 / 2**0.5)
    diff = results['methods']['cdb-w-ce']['vs_ce']['APr']
    assert diff['mean'] == pytest.approx(0.05) and diff['std'] == \
        pytest.approx(0.0, abs=1e-12)
    assert diff['seeds'] == [0, 1]
    assert results['methods']['cdb-w-ce']['summary']['APf']['mean'] == \
        pytest.approx(0.355)
    md = (bench['out'] / 'results.md').read_text()
    assert '| CE | 0,1 | 20.5 ± 0.7 | 10.5 ± 0.7 | 20.5 ± 0.7 | 30.5 ± ' \
        '0.7 |' in md
    assert '| CDB-W-CE (sigmoid tau) | CE | 0,1 | +5.0 ± 0.0 |' in md
    assert (bench['out'] / 'metrics_by_method.png').stat().st_size > 0
    assert (bench['out'] / 'per_category_ap.png').stat().st_size > 0
    assert (bench['out'] / 'cdb_trajectories.png').stat().st_size > 0
    # tools/plot_cdb_history.py's plots of the first CDB seed
    assert (bench['out'] / 'cdb-w-ce_seed0_weights.png').exists()
    assert results['methods']['cdb-w-ce']['runs']['1']['cdb_history']

    # report-only runs no command and redraws from the finished runs
    for name in ('results.json', 'results.md', 'metrics_by_method.png'):
        (bench['out'] / name).unlink()
    monkeypatch.setenv('FAKE_FAIL', 'lvis-like')  # any training would fail
    before = len(bench['calls']())
    assert bench['run']('--report-only') == 0
    assert len(bench['calls']()) == before
    assert json.load(open(bench['out'] / 'results.json'))['methods'][
        'ce']['summary']['AP']['mean'] == pytest.approx(0.205)
    assert (bench['out'] / 'metrics_by_method.png').exists()


def test_a_run_another_process_holds_is_left_to_it(bench, capsys):
    assert bench['run']('--methods', 'ce', '--seeds', '0') == 0  # pretrain
    held = str(bench['work'] / 'ce' / 'seed1')
    with run_lock(held) as mine:
        assert mine
        assert bench['run']('--methods', 'ce', '--seeds', '1', '2') == 0
    trained = [c['work_dir'] for c in bench['calls']()
               if c['kind'] == 'train']
    assert held not in trained
    assert str(bench['work'] / 'ce' / 'seed2') in trained
    assert '[lvis-like] ce/seed1: skipped, another process runs it' in capsys.readouterr().out
    assert not (bench['work'] / 'ce' / 'seed1' / 'failed.json').exists()
    # released: the next invocation runs it
    assert bench['run']('--methods', 'ce', '--seeds', '1') == 0
    assert (bench['work'] / 'ce' / 'seed1' / 'result.json').exists()


def test_two_invocations_side_by_side_share_the_grid(bench, monkeypatch):
    monkeypatch.setenv('FAKE_SLEEP', '1')
    cmd = [sys.executable, osp.join(REPO, 'tools',
                                    'run_lvis_like_benchmark.py'),
           *bench['args'], '--methods', 'ce', 'cdb-w-ce-cls', '--seeds', '0',
           '1']
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    trains = [c['work_dir'] for c in bench['calls']() if c['kind'] == 'train']
    # pretraining and every run trained exactly once, by one of the two
    expected = [str(bench['work'] / 'pretrain')] + [
        str(bench['work'] / m / f'seed{s}')
        for m in ('ce', 'ce-cdb-split', 'cdb-w-ce-cls') for s in (0, 1)]
    assert sorted(trains) == sorted(expected)
    # both took part, and the -cls runs found their starting run finished
    assert all('[lvis-like] train ' in out for out in outs), outs
    for s in (0, 1):
        assert (bench['work'] / 'cdb-w-ce-cls' / f'seed{s}' /
                'result.json').exists()


def test_dry_run_prints_the_plan_and_runs_nothing(bench, capsys):
    assert bench['run']('--dry-run', '--methods', 'cdb-w-ce-cls',
                        '--seeds', '0') == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        'pretrain: faster-rcnn_lvis-like_pretrain.py -> '
        f'{bench["work"]}/pretrain/pretrained_no_cls.pth',
        'run ce-cdb-split seed 0: faster-rcnn_lvis-like_ce-cdb-split.py, '
        'from pretrained detector',
        'run cdb-w-ce-cls seed 0: faster-rcnn_lvis-like_cdb-w-ce-cls.py, '
        'from ce-cdb-split seed 0']
    assert bench['calls']() == []


def test_unknown_method_is_refused(bench, capsys):
    with pytest.raises(SystemExit):
        bench['run']('--methods', 'focal')
    assert "unknown method(s) ['focal']" in capsys.readouterr().err


def test_strip_class_layers_refuses_a_checkpoint_without_them(tmp_path):
    src = tmp_path / 'plain.pth'
    torch.save(dict(state_dict={'backbone.w': torch.ones(1)}), str(src))
    with pytest.raises(ValueError, match='no parameter under'):
        runner.strip_class_layers(str(src), str(tmp_path / 'out.pth'))


def test_group_trajectories_average_by_frequency_group():
    history = dict(classes=['a', 'b', 'c'], history=[
        dict(epoch=1, tau=2.0, weights=[1.0, 3.0, 5.0],
             difficulty=[0.1, 0.3, 0.5]),
        dict(epoch=2, tau=4.0, weights=[2.0, 2.0, 2.0],
             difficulty=[0.2, 0.2, 0.2])])
    traj = runner.group_trajectories(history, {'a': 'r', 'b': 'r', 'c': 'f'})
    assert traj['epochs'] == [1, 2] and traj['tau'] == [2.0, 4.0]
    assert traj['weights']['r'] == [2.0, 2.0]
    assert traj['weights']['f'] == [5.0, 2.0]
    assert traj['difficulty']['r'] == pytest.approx([0.2, 0.2])
    assert all(v != v for v in traj['weights']['c'])  # nan: no class


# ------------------------------------------------------------------ archive
def _archive_files(out):
    """``{'<method>/seed<k>': sorted file names}`` of the archive."""
    runs = out / 'runs'
    return {f'{m.name}/{s.name}': sorted(p.name for p in s.iterdir())
            for m in sorted(runs.iterdir()) for s in sorted(m.iterdir())}


def test_a_grid_continues_from_its_archive_after_losing_the_work_root(
        bench, tiny_data, capsys):
    grid = ('--methods', 'ce', 'cdb-w-ce', '--seeds', '0', '1')
    assert bench['run'](*grid) == 0
    md = (bench['out'] / 'results.md').read_text()
    methods = json.load(open(bench['out'] / 'results.json'))['methods']
    # result.json and the CDB history the plots read; no checkpoint, no log
    assert _archive_files(bench['out']) == {
        'cdb-w-ce/seed0': ['cdb_history.json', 'result.json'],
        'cdb-w-ce/seed1': ['cdb_history.json', 'result.json'],
        'ce/seed0': ['result.json'], 'ce/seed1': ['result.json']}
    # the data's generator arguments are recorded with the result
    generator = json.load(open(osp.join(
        tiny_data['root'], 'annotations',
        'lvis_v0.5_train.json')))['info']['generator']
    archived = json.load(open(bench['out'] / 'runs' / 'ce' / 'seed1' /
                              'result.json'))
    assert archived['data_args'] == generator
    assert archived['AP'] == pytest.approx(0.21)

    shutil.rmtree(bench['work'])  # a fresh clone: only docs/ is left
    for png in bench['out'].glob('*.png'):
        png.unlink()
    calls = len(bench['calls']())
    capsys.readouterr()
    assert bench['run']('--dry-run', *grid) == 0
    assert capsys.readouterr().out.splitlines() == [
        f'restore (archived) {m} seed {s}: faster-rcnn_lvis-like_{m}.py, '
        'from pretrained detector' for s in (0, 1) for m in ('ce', 'cdb-w-ce')]
    assert not bench['work'].exists()
    assert bench['run'](*grid) == 0
    assert len(bench['calls']()) == calls  # no pretraining, no run
    out = capsys.readouterr().out
    for run in ('ce/seed0', 'ce/seed1', 'cdb-w-ce/seed0', 'cdb-w-ce/seed1'):
        assert f'{run}: restored from' in out
        assert f'{run}: skipped, done' in out
    assert (bench['out'] / 'results.md').read_text() == md
    assert json.load(open(bench['out'] / 'results.json'))['methods'] == \
        methods
    # the restored CDB history is where result.json says: the plots find it
    result = json.load(open(bench['work'] / 'cdb-w-ce' / 'seed0' /
                            'result.json'))
    assert osp.isfile(runner.absolute(result['cdb_history']))
    assert (bench['out'] / 'cdb_trajectories.png').exists()
    assert (bench['out'] / 'cdb-w-ce_seed0_weights.png').exists()

    # --report-only restores too
    shutil.rmtree(bench['work'])
    (bench['out'] / 'results.md').unlink()
    assert bench['run']('--report-only') == 0
    assert (bench['out'] / 'results.md').read_text() == md
    assert len(bench['calls']()) == calls


def test_a_run_archived_on_other_data_is_trained_again(bench, capsys):
    grid = ('--methods', 'ce', '--seeds', '0', '1')
    assert bench['run'](*grid) == 0
    path = bench['out'] / 'runs' / 'ce' / 'seed0' / 'result.json'
    result = json.load(open(path))
    result['data_args'] = dict(result['data_args'], seed=7)
    path.write_text(json.dumps(result))
    shutil.rmtree(bench['work'])
    before = len(bench['calls']())
    capsys.readouterr()
    assert bench['run'](*grid) == 0
    new = bench['calls']()[before:]
    assert [(c['kind'], c['config']) for c in new] == [
        ('train', 'faster-rcnn_lvis-like_pretrain.py'),
        ('train', 'faster-rcnn_lvis-like_ce.py'),
        ('test', 'faster-rcnn_lvis-like_ce.py')]
    assert new[1]['work_dir'] == str(bench['work'] / 'ce' / 'seed0')
    out = capsys.readouterr().out
    assert 'ce/seed0: not restored, archived on data generated with ' \
        'other arguments' in out
    assert 'ce/seed1: restored from' in out
    # the archive now holds the run on the current data
    assert json.load(open(path))['data_args']['seed'] == 0


def test_a_cls_run_from_a_restored_run_fails_naming_its_checkpoint(bench):
    assert bench['run']('--methods', 'ce-cdb-split', '--seeds', '0') == 0
    shutil.rmtree(bench['work'])
    before = len(bench['calls']())
    assert bench['run']('--methods', 'cdb-w-ce-cls', '--seeds', '0') == 1
    assert len(bench['calls']()) == before  # nothing trained from nothing
    failed = json.load(open(bench['work'] / 'cdb-w-ce-cls' / 'seed0' /
                            'failed.json'))
    assert failed['stage'] == 'dependency'
    start = bench['work'] / 'ce-cdb-split' / 'seed0'
    archive = bench['out'] / 'runs' / 'ce-cdb-split' / 'seed0'
    assert str(start / 'epoch_12.pth') in failed['message']
    assert f'delete {archive} and {start}' in failed['message']
    assert failed['message'] in (bench['out'] / 'results.md').read_text()

    # what the message says to do trains the starting run again
    shutil.rmtree(archive)
    shutil.rmtree(start)
    assert bench['run']('--methods', 'cdb-w-ce-cls', '--seeds', '0') == 0
    trained = [c['config'] for c in bench['calls']()[before:]
               if c['kind'] == 'train']
    assert trained == ['faster-rcnn_lvis-like_pretrain.py',
                       'faster-rcnn_lvis-like_ce-cdb-split.py',
                       'faster-rcnn_lvis-like_cdb-w-ce-cls.py']


def test_cdb_effect_pairs_categories_with_ce_on_the_same_split(bench):
    assert bench['run']('--methods', 'ce-cdb-split', 'cdb-w-ce', '--seeds',
                        '0', '1') == 0
    results = json.load(open(bench['out'] / 'results.json'))
    effect = results['cdb_effect']['cdb-w-ce']
    assert effect['seeds'] == [0, 1] and effect['base'] == 'ce-cdb-split'
    # fake history: weights 1 + 0.1 * epoch * k at epochs 1 and 2
    assert effect['mean_weight'] == pytest.approx(
        [1 + 0.15 * k for k in range(6)])
    # fake AP: CDB 0.05 above CE for the same seed; the last category has
    # no validation ground truth (-1)
    assert effect['delta_ap'][:5] == pytest.approx([0.05] * 5)
    assert effect['delta_ap'][5] is None
    assert effect['heldout_ap'] == pytest.approx([0.5] * 6)
    freq = [c['frequency'] for c in results['categories']]
    for g, v in effect['groups'].items():
        ks = [k for k, f in enumerate(freq) if f == g]
        assert v['mean_weight'] == pytest.approx(
            sum(1 + 0.15 * k for k in ks) / len(ks))
        assert v['below_half'] == 0.0
    md = (bench['out'] / 'results.md').read_text()
    g = freq[0]
    row = effect['groups'][g]
    assert (f'| CDB-W-CE (sigmoid tau) | 0,1 | '
            f'{runner.GROUP_NAMES[g]} | {row["mean_weight"]:.2f} | 0% |') \
        in md
    assert (bench['out'] / 'cdb_effect.png').stat().st_size > 0
    # without CE on the same split there is nothing to pair with
    assert runner.cdb_effect({'cdb-w-ce': {}}, results['categories']) is None


def test_a_stage_2_from_seesaw_starts_without_its_classifier(bench):
    """Seesaw's fc_cls has two more outputs than a softmax classifier: the
    stage 2 from it loads the Seesaw detector without fc_cls (and only
    fc_cls: fc_reg and the rest come from the detector)."""
    assert bench['run']('--methods', 'seesaw_ce-cls', '--seeds', '0') == 0
    trains = [c for c in bench['calls']() if c['kind'] == 'train']
    assert [c['config'] for c in trains] == [
        'faster-rcnn_lvis-like_pretrain.py',
        'faster-rcnn_lvis-like_seesaw-cdb-split.py',
        'faster-rcnn_lvis-like_seesaw_ce-cls.py']
    stripped = bench['work'] / 'seesaw_ce-cls' / 'seed0' / \
        'start_without_fc_cls.pth'
    assert f'load_from={stripped}' in trains[-1]['args']
    state = torch.load(str(stripped), weights_only=False)['state_dict']
    assert sorted(state) == ['backbone.conv1.weight',
                             'roi_head.bbox_head.fc_reg.weight']
    result = json.load(open(bench['work'] / 'seesaw_ce-cls' / 'seed0' /
                            'result.json'))
    assert result['start_from'].endswith('seesaw-cdb-split/seed0/epoch_12.pth')


def test_latest_measured_takes_each_categorys_last_fold():
    history = [dict(performance=[0.1, None, 0.3]),
               dict(performance=[None, 0.5, None]),
               dict(performance=[0.4, None, None])]
    assert runner.latest_measured(history) == [0.4, 0.5, 0.3]
    assert runner.latest_measured(history[1:2]) == [None, 0.5, None]


def test_heldout_signal_ranks_held_out_against_validation_ap(tmp_path):
    # held-out (latest) AP (0.4, 0.5, 0.3, 0.2, -) against validation AP
    # (0.3, 0.6, 0.4, 0.1, 0.2) over the 4 categories with both: ranks
    # (3,4,2,1) and (2,4,3,1), sum d^2 = 2, rho = 1 - 12 / 60 = 0.8
    hist = tmp_path / 'h0.json'
    hist.write_text(json.dumps(dict(history=[
        dict(performance=[0.1, 0.5, 0.3, 0.2, None]),
        dict(performance=[0.4, None, None, None, None])])))
    # a second seed ranking them exactly as validation does; the last
    # category has no validation ground truth (-1) there
    hist1 = tmp_path / 'h1.json'
    hist1.write_text(json.dumps(dict(history=[
        dict(performance=[0.2, 0.5, 0.3, 0.1, 0.9])])))
    runs = {
        'cdb-s-rotating-fold': {
            0: dict(cdb_history=str(hist),
                    per_category_ap=[0.3, 0.6, 0.4, 0.1, 0.2]),
            1: dict(cdb_history=str(hist1),
                    per_category_ap=[0.3, 0.6, 0.4, 0.1, -1])},
        'ce': {0: dict(per_category_ap=[0.1] * 5)},  # no hook, not listed
    }
    signal = runner.heldout_signal(runs)
    assert list(signal) == ['cdb-s-rotating-fold']
    entry = signal['cdb-s-rotating-fold']
    assert entry['seeds'] == [0, 1] and entry['categories'] == [4, 4]
    assert entry['rho'] == pytest.approx([0.8, 1.0])
    assert entry['summary']['mean'] == pytest.approx(0.9)
    md = runner.markdown_report(dict(
        size='default', data_root='d', work_root='w', machine='m',
        methods={}, failures=[], heldout_signal=signal))
    assert ('| CDB-S (RFS x difficulty), rotating held-out fold (K = 4) | '
            '0,1 | 0.90 ± 0.14 '
            '| 4 |') in md


def test_repeat_factor_trajectory_by_hand(tmp_path):
    """Images 1: A, 2: A B, 3: A, 4: C, 5: none (left out, as the training
    set filters it): f = (3/4, 1/4, 1/4); t = 0.5 gives r^RFS = max(1,
    sqrt(t / f)) = (1, sqrt 2, sqrt 2)."""
    import math
    cats = [dict(id=1, name='A', frequency='f'),
            dict(id=2, name='B', frequency='c'),
            dict(id=3, name='C', frequency='r')]
    anns = [dict(id=k, image_id=i, category_id=c) for k, (i, c) in
            enumerate([(1, 1), (2, 1), (2, 2), (3, 1), (4, 3)], start=1)]
    ann = tmp_path / 'train.json'
    ann.write_text(json.dumps(dict(
        images=[dict(id=i) for i in range(1, 6)], annotations=anns,
        categories=cats)))
    sampler = dict(form='difficulty', oversample_thr=0.5, heldout_folds=None)
    hist = tmp_path / 'cdb_history.json'
    hist.write_text(json.dumps(dict(classes=['A', 'B', 'C'], history=[
        dict(epoch=1, weights=[0.5, 2.0, 0.5], never_measured=['C'],
             sampler=sampler),
        dict(epoch=2, weights=[0.4, 1.2, 1.4], never_measured=[],
             sampler=sampler)])))
    out = runner.repeat_factor_trajectory(str(hist), str(ann))
    assert out['form'] == 'difficulty' and out['epochs'] == [1, 2, 3]
    # 'difficulty': r_c = max(1, w_c); C unmeasured after epoch 1 keeps 1
    assert out['group_mean']['f'] == pytest.approx([1, 1, 1])
    assert out['group_mean']['c'] == pytest.approx([1, 2, 1.2])
    assert out['group_mean']['r'] == pytest.approx([1, 1, 1.4])
    # per image the largest factor: (1,1,1,1), (1,2,1,1), (1,1.2,1,1.4)
    assert out['epoch_images'] == pytest.approx([1.0, 5 / 4, 4.6 / 4])
    s2 = math.sqrt(2.0)
    assert out['rfs_group_mean'] == pytest.approx(
        dict(f=1.0, c=s2, r=s2))
    # ClassBalancedDataset repeats ceil(r): 1 + 2 + 1 + 2 of 4 images
    assert out['rfs_epoch_images'] == pytest.approx(1.5)
    # a history without a sampler (a CDB loss run) has no trajectory
    hist.write_text(json.dumps(dict(classes=['A', 'B', 'C'], history=[
        dict(epoch=1, weights=[1, 1, 1], never_measured=[])])))
    with pytest.raises(ValueError, match='records no difficulty sampler'):
        runner.repeat_factor_trajectory(str(hist), str(ann))


def test_repeat_factor_plot_of_a_cdb_s_run(bench):
    assert bench['run']('--methods', 'cdb-s', '--seeds', '0') == 0
    assert (bench['out'] / 'repeat_factors.png').stat().st_size > 0


def test_no_repeat_factor_plot_without_a_cdb_s_run(bench):
    assert bench['run']('--methods', 'cdb-w-ce', '--seeds', '0') == 0
    assert (bench['out'] / 'results.md').exists()
    assert not (bench['out'] / 'repeat_factors.png').exists()


def test_run_cost_reads_training_time_and_the_hooks_measurements(tmp_path):
    hist = tmp_path / 'h.json'
    hist.write_text(json.dumps(dict(history=[
        dict(epoch=1, measure_seconds=30.0),
        dict(epoch=2, measure_seconds=60.0)])))
    assert runner.run_cost(dict(train_seconds=600.0,
                                cdb_history=str(hist))) == (10.0, 1.5)
    # no hook, or a history from before the hook timed its measurements
    assert runner.run_cost(dict(train_seconds=120.0)) == (2.0, None)
    hist.write_text(json.dumps(dict(history=[dict(epoch=1)])))
    assert runner.run_cost(dict(train_seconds=120.0,
                                cdb_history=str(hist))) == (2.0, None)
    assert runner.run_cost({}) == (None, None)
    # a resumed training timed only its last part: not a cost
    assert runner.run_cost(dict(train_seconds=60.0, train_resumed=True)) \
        == (None, None)
    assert runner._cost(dict(train_minutes=dict(mean=10.2),
                             hook_minutes=dict(mean=1.54))) == '10 (1.5)'
    assert runner._cost(dict(train_minutes=dict(mean=10.2),
                             hook_minutes=dict(mean=None))) == '10'
    assert runner._cost(None) == '-'


def test_cpu_minutes_leave_out_resumed_and_unrecorded_runs():
    assert runner.run_cpu_minutes(dict(train_cpu_seconds=90.0)) == 1.5
    assert runner.run_cpu_minutes(dict(train_seconds=90.0)) is None
    assert runner.run_cpu_minutes(dict(train_cpu_seconds=90.0,
                                       train_resumed=True)) is None
    entry = runner.summarise({'ce': {
        0: dict(train_cpu_seconds=600.0, **{m: 0.1 for m in runner.METRICS}),
        1: dict(train_cpu_seconds=1200.0, **{m: 0.2 for m in runner.METRICS}),
        2: dict(train_cpu_seconds=None, **{m: 0.3 for m in runner.METRICS}),
    }})['ce']
    # mean over the two seeds that recorded it: (10 + 20) / 2
    assert entry['cost']['cpu_minutes']['mean'] == 15.0
    assert runner._cpu(entry['cost']) == '15'
    assert runner._cpu(dict(cpu_minutes=dict(mean=None))) == '-'
    assert runner._cpu(None) == '-'


def test_stage2_effect_pairs_seeds_and_skips_categories_without_ap():
    runs = {
        'ce-cls': {0: dict(per_category_ap=[0.10, 0.50, -1.0, 0.20]),
                   1: dict(per_category_ap=[0.20, 0.40, -1.0, -1.0]),
                   2: dict(per_category_ap=[0.00, 0.00, 0.00, 0.00])},
        'cdb-w-ce-cls': {0: dict(per_category_ap=[0.15, 0.45, -1.0, 0.30]),
                         1: dict(per_category_ap=[0.30, 0.40, 0.30, 0.10])},
    }
    effect = runner.stage2_effect(runs, 'ce-cls', 'cdb-w-ce-cls')
    assert effect['seeds'] == [0, 1]  # seed 2 has no CDB-cls run
    # category 0: (+5, +10) points; 1: (-5, 0); 2: no AP in CE-cls either
    # seed; 3: +10 on seed 0 only (CE-cls has no AP on seed 1)
    assert effect['delta_ap'] == pytest.approx([7.5, -2.5, None, 10.0])
    assert runner.stage2_effect(runs, 'ce-cls', 'seesaw_ce-cls') is None
    assert runner.stage2_effect({'ce-cls': runs['ce-cls'],
                                 'cdb-w-ce-cls': {}},
                                'ce-cls', 'cdb-w-ce-cls') is None


def test_every_cdb_stage_2_is_paired_with_its_ce_cls_control():
    pairs = dict((m, c) for c, m in runner.stage2_pairs())
    assert pairs == {
        'cdb-w-ce-cls': 'ce-cls',
        'cdb-w-ce-cls-momentum': 'ce-cls',
        'cdb-w-ce-cls-floor': 'ce-cls',
        'cdb-w-ce-cls-count': 'ce-cls',
        'rfs_cdb-w-ce-cls': 'rfs_ce-cls',
        'rfs_cdb-w-ce-cls_rfs-stage2': 'rfs_ce-cls_rfs-stage2',
        'seesaw_cdb-w-ce-cls': 'seesaw_ce-cls',
    }
    for control, method in runner.stage2_pairs():  # same start
        assert runner.METHODS[control].needs == runner.METHODS[method].needs


def test_stage2_effect_plot_has_a_panel_per_pair_with_runs(tmp_path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cats = [dict(frequency=g, train_images=n)
            for g, n in (('r', 3), ('c', 30), ('f', 300))]
    results = dict(categories=cats)
    run = {0: dict(per_category_ap=[0.1, 0.2, 0.3])}
    assert runner._plot_stage2_effect(plt, results, {'ce-cls': run},
                                      str(tmp_path)) is None
    path = runner._plot_stage2_effect(
        plt, results, {'ce-cls': run, 'cdb-w-ce-cls': run,
                       'seesaw_ce-cls': run}, str(tmp_path))
    assert path == str(tmp_path / 'stage2_effect.png')
    assert osp.getsize(path) > 0


def test_an_unfinished_run_kept_resumes_on_a_fresh_clone(bench, tiny_data,
                                                         capsys):
    """--keep-partial keeps an interrupted run's latest checkpoint under
    the report folder; on a fresh clone the run resumes from it (train.py
    --resume), and the finished run's archive replaces it."""
    wd = bench['work'] / 'ce' / 'seed0'
    wd.mkdir(parents=True)
    for epoch in (5, 6):
        shutil.copy(tiny_data['ckpt'], wd / f'epoch_{epoch}.pth')
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_6.pth'))
    grid = ('--methods', 'ce', '--seeds', '0')
    assert bench['run']('--keep-partial', *grid) == 0
    kept = bench['out'] / 'partial' / 'ce' / 'seed0'
    assert sorted(os.listdir(kept)) == ['epoch_6.pth', 'partial.json']
    assert bench['calls']() == []  # nothing trained
    shutil.rmtree(bench['work'])  # a fresh clone
    assert bench['run'](*grid) == 0
    train = [c for c in bench['calls']() if c['kind'] == 'train' and
             c['config'] == 'faster-rcnn_lvis-like_ce.py']
    assert len(train) == 1 and '--resume' in train[0]['args']
    assert 'ce/seed0: resumes from the checkpoint kept in' in \
        capsys.readouterr().out
    assert not kept.exists()
    assert (bench['out'] / 'runs' / 'ce' / 'seed0' / 'result.json').exists()
