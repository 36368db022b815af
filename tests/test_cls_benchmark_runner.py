"""tools/run_cls_benchmark.py: grid bookkeeping, report, plots, configs.

The grid tests replace ``python`` by a fake command (``--command-prefix``)
that writes what ``tools/train.py`` and ``--evaluate`` would write, with
accuracies given by a formula, so every number of the table is known.
"""
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lt_plugins.engine.run_lock import run_lock

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BENCH = osp.join(REPO, 'configs', 'cls', 'bench')


from lt_plugins.benchmark import cifar_lt as bench  # noqa: E402

# top-1 of a fake run = OFFSET[method] + SLOPE[method] * seed
OFFSET = {'ce': 40.0, 'iwb-stage1': 41.0, 'iwb-stage2': 45.0, 'crt': 43.0,
          'tau-norm': 42.0, 'cdb-w-ce': 39.0, 'difficulty-net': 44.0,
          'cdb-w-ce-momentum': 41.0, 'tau-norm-heldout': 50.0}
SLOPE = {'ce': 1.0, 'iwb-stage1': 1.0, 'iwb-stage2': 3.0, 'crt': 1.0,
         'tau-norm': 0.0, 'cdb-w-ce': 1.0, 'difficulty-net': 1.0,
         'cdb-w-ce-momentum': 3.0, 'tau-norm-heldout': 1.0}

FAKE = textwrap.dedent('''
    import json, os, os.path as osp, re, sys, time
    argv = sys.argv[1:]
    with open(os.environ['FAKE_CALLS'], 'a') as f:
        f.write(json.dumps(argv) + '\\n')
    time.sleep(float(os.environ.get('FAKE_SLEEP', '0')))
    OFFSET = {offset!r}
    SLOPE = {slope!r}
    counts = [int(500 * 100 ** (-i / 99) + 1e-9) for i in range(100)]
    if argv[0].endswith('train.py'):
        config, wd = argv[1], argv[argv.index('--work-dir') + 1]
        method = osp.basename(config)[:-3]
        if method in os.environ.get('FAKE_FAIL', '').split(','):
            print('fake training failed'); sys.exit(3)
        os.makedirs(wd, exist_ok=True)
        ckpt = osp.join(wd, 'epoch_2.pth')
        open(ckpt, 'w').write('fake')
        open(osp.join(wd, 'last_checkpoint'), 'w').write(ckpt)
        if os.environ.get('FAKE_SELECT'):  # HeldOutSelectionHook's files
            open(osp.join(wd, 'best_heldout.pth'), 'w').write('fake')
            json.dump(dict(selected_epoch=1, selected_accuracy=30.0),
                      open(osp.join(wd, 'heldout_selection.json'), 'w'))
        if method == 'iwb-stage2':
            recs = [dict(epoch=e, iter=e, norms=[1.0 + (e - 1) * i / 100
                         for i in range(100)], spearman_vs_counts=None)
                    for e in (0, 1, 2)]
            json.dump(dict(param='head.fc.weight', class_counts=counts,
                           records=recs),
                      open(osp.join(wd, 'weight_norms.json'), 'w'))
        if method == 'cdb-w-ce':  # the CDB hook's history format
            hist = [dict(epoch=e, tau=1.0, bias=1.0,
                         performance=[0.5] * 100, difficulty=[0.5] * 100,
                         weights=[1.0 + e * (i % 2) for i in range(100)])
                    for e in (1, 2)]
        if method == 'cdb-w-ce-momentum':  # classes 0-9 off at epoch 2
            hist = [dict(epoch=e, tau=2.0 * e, bias=1.0,
                         performance=[0.5] * 100, difficulty=[0.5] * 100,
                         weights=[0.01 if e == 2 and i < 10 else 1.0
                                  for i in range(100)])
                    for e in (1, 2)]
        if method.startswith('cdb-w-ce'):
            json.dump(dict(classes=[str(i) for i in range(100)],
                           metric='accuracy', tau_mode='sigmoid',
                           history=hist),
                      open(osp.join(wd, 'cdb_history.json'), 'w'))
        if method == 'difficulty-net':  # what the runner reads from ckpts
            hist = [dict(epoch=e, accuracy=[i / 100 for i in range(100)],
                         difficulty=[1 - i / 100 for i in range(100)],
                         weights=[1.0] * 100) for e in (1, 2)]
            json.dump(dict(history=hist),
                      open(osp.join(wd, 'difficulty_history.json'), 'w'))
        sys.exit(0)
    assert argv[1] == '--evaluate', argv
    config, ckpt, out = argv[2:5]
    method = osp.basename(config)[:-3]
    seed = int(re.search(r'seed(\\d+)', out).group(1))
    top1 = OFFSET[method] + SLOPE[method] * seed
    if ckpt.endswith('best_heldout.pth'):  # the selected checkpoint
        top1 += 2.0 if method == 'ce' else 3.0
    classwise = [top1 - 1.0 if i % 2 else top1 + 1.0 for i in range(100)]
    extra = {{}}
    if method == 'tau-norm-heldout':  # seed 0 chooses 0.5, seed 1 0.6
        extra['tau_search'] = dict(tau=[0.5, 0.6][seed], taus=[0.0, 0.5, 0.6],
                                   mean_class_accuracy=[40.0, 50.0, 52.0],
                                   num_images=5000)
    json.dump(dict(top1=top1, many=top1 + 20, medium=top1, few=top1 - 20,
                   classwise=classwise, class_counts=counts, device='cpu',
                   **extra),
              open(out, 'w'))
''').format(offset=OFFSET, slope=SLOPE)


@pytest.fixture
def grid(tmp_path, monkeypatch):
    """Fake command, a config dir with empty method configs, and a helper
    that runs the runner in-process and returns the fake's calls."""
    fake = tmp_path / 'fake.py'
    fake.write_text(FAKE)
    configs = tmp_path / 'configs'
    configs.mkdir()
    for name in OFFSET:
        (configs / f'{name}.py').write_text('# fake\n')
    calls = tmp_path / 'calls.jsonl'
    calls.write_text('')
    monkeypatch.setenv('FAKE_CALLS', str(calls))
    monkeypatch.delenv('FAKE_SLEEP', raising=False)
    monkeypatch.delenv('FAKE_SELECT', raising=False)
    work, out = tmp_path / 'work', tmp_path / 'out'

    def args(*extra, methods=('iwb-stage2', 'crt', 'tau-norm'),
             seeds=(0, 1)):
        seed_args = [] if seeds is None else ['--seeds', *map(str, seeds)]
        return [
            '--methods', *methods, *seed_args,
            '--command-prefix', f'{sys.executable} {fake}',
            '--config-dir', str(configs), '--work-root', str(work),
            '--out-dir', str(out), '--data-root', str(tmp_path / 'nodata'),
            *extra
        ]

    def run(*extra, **kwargs):
        before = len(calls.read_text().splitlines())
        rc = bench.main(args(*extra, **kwargs))
        lines = calls.read_text().splitlines()[before:]
        return rc, [json.loads(x) for x in lines]

    return dict(run=run, args=args, work=work, out=out, configs=configs,
                calls=calls)


def _seed(call):
    """Training seed of a fake call (from its work dir or output file)."""
    return int(re.search(r'seed(\d+)', ' '.join(call)).group(1))


def _who(call):
    """(stage, method, seed-dir or ckpt) of a fake call."""
    if call[0].endswith('train.py'):
        return 'train', osp.basename(call[1])[:-3]
    return 'eval', osp.basename(call[2])[:-3]


def test_grid_runs_first_stages_first_and_passes_their_checkpoints(grid):
    rc, calls = grid['run']()
    assert rc == 0
    # seed-major; ce and iwb-stage1 come along as first stages
    order = [_who(c) for c in calls]
    one_seed = [('train', 'ce'), ('eval', 'ce'), ('train', 'iwb-stage1'),
                ('eval', 'iwb-stage1'), ('train', 'iwb-stage2'),
                ('eval', 'iwb-stage2'), ('train', 'crt'), ('eval', 'crt'),
                ('eval', 'tau-norm')]
    assert order == one_seed * 2
    work = grid['work']
    for call in calls:
        stage, method = _who(call)
        seed = 0 if call in calls[:9] else 1
        if stage == 'train':
            assert f'randomness.seed={seed}' in call
            loads = [a for a in call if a.startswith('load_from=')]
            need = {'iwb-stage2': 'iwb-stage1', 'crt': 'ce'}.get(method)
            assert loads == ([] if need is None else [
                f'load_from={work / need / f"seed{seed}" / "epoch_2.pth"}'])
            assert '--resume' not in call
        elif method == 'tau-norm':  # post-hoc: CE's checkpoint, no training
            assert call[3] == str(work / 'ce' / f'seed{seed}' / 'epoch_2.pth')
    result = json.loads((work / 'iwb-stage2' / 'seed1' /
                         'result.json').read_text())
    assert result['top1'] == 48.0 and result['seed'] == 1
    assert len(result['classwise']) == 100


def test_table_holds_mean_std_and_paired_difference_to_ce(grid):
    grid['run']()
    report = json.loads((grid['out'] / 'results.json').read_text())
    s = report['methods']['iwb-stage2']['summary']
    # top-1 45, 48 -> mean 46.5, sample std 2.121; CE 40, 41 -> paired
    # differences 5, 7 -> 6 +- 1.414
    assert s['top1']['mean'] == pytest.approx(46.5)
    assert s['top1']['std'] == pytest.approx(np.std([45, 48], ddof=1))
    assert s['top1_minus_ce']['mean'] == pytest.approx(6.0)
    assert s['top1_minus_ce']['std'] == pytest.approx(np.sqrt(2))
    assert s['many']['mean'] == pytest.approx(66.5)
    table = (grid['out'] / 'table.md').read_text()
    row = next(x for x in table.splitlines() if x.startswith('| IWB stage 2'))
    assert '| 2/2 | 46.5 ± 2.1 | 66.5 ± 2.1 | 46.5 ± 2.1 | 26.5 ± 2.1 | ' \
        '+6.0 ± 1.4 |' in row
    assert 'post-hoc' in next(x for x in table.splitlines()
                              if x.startswith('| tau-normalisation'))
    for png in ('per_class_accuracy.png', 'iwb_weight_norms.png'):
        assert (grid['out'] / png).stat().st_size > 1000


def test_history_plots_of_cdb_and_difficulty_net(grid):
    rc, _ = grid['run'](methods=('cdb-w-ce', 'difficulty-net'), seeds=(0, ))
    assert rc == 0
    for png in ('cdb-w-ce_weights.png', 'cdb-w-ce_difficulty.png',
                'cdb-w-ce_performance_vs_count.png', 'difficulty_net.png',
                'per_class_accuracy.png'):
        assert (grid['out'] / png).stat().st_size > 1000, png


def test_cdb_stability_by_hand(tmp_path):
    """tau, switched-off share and weight change of a 3-class history."""
    weights = [[2.0, 0.01, 0.99], [0.01, 2.0, 0.99], [1.0, 1.0, 1.0]]
    # class a unmeasured in the third record
    accuracy = [[0.1, 0.9, 0.5], [0.8, 0.0, 1.0], [None, 0.0, 0.3]]
    hist = [dict(epoch=e + 1, tau=t, bias=1.0, performance=a,
                 difficulty=[0.5] * 3, weights=w)
            for e, (t, w, a) in enumerate(zip((5.0, 4.0, 3.0), weights,
                                              accuracy))]
    path = tmp_path / 'cdb_history.json'
    path.write_text(json.dumps(dict(classes=['a', 'b', 'c'], history=hist)))
    s = bench.cdb_stability(str(path))
    assert s['measurements'] == 3
    assert s['tau_mean'] == pytest.approx(4.0)
    # one class of three below 0.05 in the first two records, none in the
    # third; classes a and b were each off once
    assert s['off_share'] == pytest.approx((1 / 3 + 1 / 3 + 0) / 3)
    assert s['off_ever'] == pytest.approx(2 / 3)
    # |diffs|: (1.99, 1.99, 0) then (0.99, 1.0, 0.01)
    assert s['weight_change'] == pytest.approx((3.98 + 2.0) / 6)
    # 8 measured accuracies: two are 0, one is 1
    assert s['zero_share'] == pytest.approx(2 / 8)
    assert s['perfect_share'] == pytest.approx(1 / 8)
    # b was switched off after measuring 0.9, a after measuring 0.8
    assert s['off_accuracy_min'] == pytest.approx(0.8)
    assert s['off_accuracy_median'] == pytest.approx(0.85)


def test_variants_are_reported_next_to_the_paper_default(grid):
    """A variant brings the method it varies (and CE) along; the report
    has its paired differences to it and the weight statistics."""
    rc, calls = grid['run'](methods=('cdb-w-ce-momentum', ), seeds=(0, 1))
    assert rc == 0
    assert {_who(c)[1] for c in calls} == {'ce', 'cdb-w-ce',
                                           'cdb-w-ce-momentum'}
    report = json.loads((grid['out'] / 'results.json').read_text())
    entry = report['methods']['cdb-w-ce-momentum']
    s = entry['summary']
    # top-1 41, 44 against CDB-W-CE's 39, 40: paired differences 2, 4
    assert s['top1_minus_versus']['mean'] == pytest.approx(3.0)
    assert s['top1_minus_versus']['std'] == pytest.approx(np.sqrt(2))
    assert s['few_minus_versus']['mean'] == pytest.approx(3.0)
    assert entry['versus'] == 'cdb-w-ce'
    # fake histories: tau 2 then 4; 10 of 100 classes off in one of two
    # records; those 10 change by 0.99
    assert s['tau_mean']['mean'] == pytest.approx(3.0)
    assert s['off_share']['mean'] == pytest.approx(0.05)
    assert s['weight_change']['mean'] == pytest.approx(0.099)
    # CDB-W-CE's fake weights 1/2 then 1/3 on odd classes: change 0.5
    ref = report['methods']['cdb-w-ce']['summary']
    assert ref['weight_change']['mean'] == pytest.approx(0.5)
    assert ref['off_share']['mean'] == 0.0
    table = (grid['out'] / 'table.md').read_text()
    assert "robust variants next to the paper default" in table
    row = [x for x in table.splitlines()  # the variants table's row
           if x.startswith('| CDB-W-CE, difficulty momentum 0.5')][-1]
    assert '| 2 | 42.5 ± 2.1 | 22.5 ± 2.1 | +3.0 ± 1.4 | ' \
        '+3.0 ± 1.4 / +3.0 ± 1.4 / +3.0 ± 1.4 | 3.00 ± 0.00 | ' \
        '5.0 ± 0.0 % | 0.10 ± 0.00 | 0.0 ± 0.0 % | ' \
        '50.0 ± 0.0 % / 50.0 ± 0.0 % |' in row
    default = [x for x in table.splitlines() if x.startswith('| CDB-W-CE |')]
    assert len(default) == 2  # main table and the variants table
    assert '(paper default)' in default[1]
    for png in ('cdb_stability.png', 'cdb_weight_maps.png'):
        assert (grid['out'] / png).stat().st_size > 1000, png


def test_the_selected_checkpoint_is_tested_next_to_the_last(
        grid, monkeypatch):
    """Runs trained with HeldOutSelectionHook (the sweep sizes): the
    runner tests best_heldout.pth too; a post-hoc method tests its start's
    selection. Fake: the selected checkpoint scores 2 (CE) or 3 (others)
    points above the last."""
    monkeypatch.setenv('FAKE_SELECT', '1')
    rc, calls = grid['run'](methods=('crt', 'tau-norm'))
    assert rc == 0
    work = grid['work']
    evals = [c[3] for c in calls if not c[0].endswith('train.py')]
    for seed in (0, 1):
        for method, start in (('ce', 'ce'), ('crt', 'crt'),
                              ('tau-norm', 'ce')):
            assert str(work / start / f'seed{seed}' / 'best_heldout.pth') \
                in evals
            result = json.loads((work / method / f'seed{seed}' /
                                 'result.json').read_text())
            last = OFFSET[method] + SLOPE[method] * seed
            assert result['top1'] == last
            sel = result['selected']
            assert sel['top1'] == last + (2.0 if method == 'ce' else 3.0)
            assert sel['epoch'] == 1 and sel['heldout_accuracy'] == 30.0
            assert sel['few'] == sel['top1'] - 20
    table = (grid['out'] / 'table.md').read_text()
    # cRT: last 43 / 44, selected 46 / 47; CE selected 42 / 43
    assert '| cRT | 2 | 43.5 ± 0.7 | 46.5 ± 0.7 | +3.0 ± 0.0 | ' \
        '+4.0 ± 0.0 | 26.5 ± 0.7 | 1, 1 |' in table
    assert '| CE | 2 | 40.5 ± 0.7 | 42.5 ± 0.7 | +2.0 ± 0.0 | ' \
        '(baseline) |' in table


def test_without_a_selection_no_selected_figures(grid):
    assert grid['run'](methods=('crt', ))[0] == 0
    result = json.loads((grid['work'] / 'crt' / 'seed0' /
                         'result.json').read_text())
    assert 'selected' not in result
    assert 'selected' not in (grid['out'] / 'table.md').read_text()


def test_finished_runs_are_skipped(grid):
    grid['run']()
    rc, calls = grid['run']()
    assert rc == 0 and calls == []


def test_a_failed_run_is_recorded_and_the_grid_goes_on(grid, monkeypatch):
    monkeypatch.setenv('FAKE_FAIL', 'iwb-stage1')
    rc, calls = grid['run']()
    assert rc == 1
    order = [_who(c) for c in calls]
    assert ('train', 'iwb-stage2') not in order  # blocked, not attempted
    assert order.count(('eval', 'tau-norm')) == 2  # the rest went on
    failed = json.loads((grid['work'] / 'iwb-stage1' / 'seed0' /
                         'failed.json').read_text())
    assert failed['stage'] == 'train' and failed['returncode'] == 3
    assert 'fake training failed' in failed['log_tail']
    table = (grid['out'] / 'table.md').read_text()
    assert '| IWB stage 1 | 0/2 (failed: seed 0, 1) |' in table
    assert '| IWB stage 2 | 0/2 |' in table
    # the next invocation retries only what is not finished
    monkeypatch.setenv('FAKE_FAIL', '')
    rc, calls = grid['run']()
    assert rc == 0
    assert sorted({_who(c)[1] for c in calls}) == ['iwb-stage1', 'iwb-stage2']
    assert not (grid['work'] / 'iwb-stage1' / 'seed0' / 'failed.json'
                ).exists()


def test_a_run_another_process_holds_is_left_to_it(grid, capsys):
    with run_lock(str(grid['work'] / 'crt' / 'seed1')) as mine:
        assert mine
        rc, calls = grid['run']()
    assert rc == 0
    assert ('crt', 1) not in {(_who(c)[1], _seed(c)) for c in calls}
    assert '[cls-bench] crt/seed1: skipped, another process runs it' in \
        capsys.readouterr().out
    rc, calls = grid['run']()  # released: now it runs, nothing else
    assert {(_who(c)[1], _seed(c)) for c in calls} == {('crt', 1)}


def test_a_second_stage_waits_at_the_end_while_its_first_stage_trains(
        grid, capsys):
    """While another process trains IWB stage 1 of seed 0, stage 2 of
    seed 0 is put off: the grid trains everything else first, then waits
    for stage 1 and loads its checkpoint."""
    import threading
    import time
    stage1 = grid['work'] / 'iwb-stage1' / 'seed0'
    locked = threading.Event()

    def other_process():
        with run_lock(str(stage1)) as mine:
            assert mine
            locked.set()
            deadline = time.time() + 120
            while 'crt' not in grid['calls'].read_text() and \
                    time.time() < deadline:  # the grid went past stage 2
                time.sleep(0.05)
            ckpt = stage1 / 'epoch_2.pth'  # what its training leaves
            ckpt.write_text('fake')
            (stage1 / 'last_checkpoint').write_text(str(ckpt))
            (stage1 / 'train_done.json').write_text('{}')

    thread = threading.Thread(target=other_process)
    thread.start()
    assert locked.wait(30)
    try:
        rc, calls = grid['run']()
    finally:
        thread.join()
    assert rc == 0
    assert 'iwb-stage2/seed0: later, iwb-stage1/seed0 is training in ' \
        'another process' in capsys.readouterr().out
    order = [(*_who(c), _seed(c)) for c in calls]
    assert ('train', 'iwb-stage1', 0) not in order  # the other one's
    assert order[-2:] == [('train', 'iwb-stage2', 0),
                          ('eval', 'iwb-stage2', 0)]
    assert order.index(('eval', 'tau-norm', 1)) < len(order) - 2
    assert f'load_from={stage1 / "epoch_2.pth"}' in calls[-2]


def test_two_invocations_side_by_side_share_the_grid(grid, monkeypatch):
    monkeypatch.setenv('FAKE_SLEEP', '1')
    cmd = [sys.executable, osp.join(REPO, 'tools', 'run_cls_benchmark.py'),
           *grid['args']()]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    calls = [json.loads(x) for x in grid['calls'].read_text().splitlines()]
    done = sorted((*_who(c), _seed(c)) for c in calls)
    # every step of every run once: second stages found their first stage
    expected = sorted(
        [(stage, m, s) for m in ('ce', 'iwb-stage1', 'iwb-stage2', 'crt')
         for stage in ('train', 'eval') for s in (0, 1)] +
        [('eval', 'tau-norm', s) for s in (0, 1)])
    assert done == expected
    assert all('skipped: another process runs it' in out or 'top-1' in out
               for out in outs)
    assert sum('top-1' in out for out in outs) == 2  # both took part


def test_an_interrupted_training_resumes(grid):
    wd = grid['work'] / 'ce' / 'seed0'
    wd.mkdir(parents=True)
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_1.pth'))
    _, calls = grid['run'](methods=('ce', ), seeds=(0, ))
    assert calls[0][-1] == '--resume'


def test_a_resumed_training_is_recorded_and_left_out_of_the_time(grid):
    """Seed 0 resumes, seed 1 trains from the start: the time column is seed
    1's alone (a resumed run timed only its part after the checkpoint)."""
    wd = grid['work'] / 'ce' / 'seed0'
    wd.mkdir(parents=True)
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_1.pth'))
    grid['run'](methods=('ce', ), seeds=(0, 1))
    runs = [json.loads((grid['work'] / 'ce' / f'seed{k}' /
                        'result.json').read_text()) for k in (0, 1)]
    assert runs[0]['train_resumed'] is True
    assert 'train_resumed' not in runs[1]
    s = json.loads((grid['out'] / 'results.json').read_text())[
        'methods']['ce']['summary']
    assert s['train_seconds']['n'] == 1
    assert s['train_seconds']['mean'] == pytest.approx(
        runs[1]['train_seconds'])
    assert s['top1']['n'] == 2  # the figures of both seeds count


def test_an_unfinished_run_kept_resumes_on_a_fresh_clone(grid, capsys):
    """--keep-partial keeps an interrupted run's latest checkpoint, its
    held-out selection and CDB history under the report folder; on a fresh
    clone the run resumes from them, and its archive replaces them."""
    wd = grid['work'] / 'cdb-w-ce' / 'seed0'
    wd.mkdir(parents=True)
    for name in ('epoch_5.pth', 'epoch_10.pth', 'best_heldout.pth'):
        (wd / name).write_text(name)
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_10.pth'))
    (wd / 'heldout_selection.json').write_text(json.dumps(dict(
        selected_epoch=5, selected_accuracy=30.0)))
    (wd / 'cdb_history.json').write_text('{"history": []}')
    methods = dict(methods=('cdb-w-ce', ), seeds=(0, ))
    rc, calls = grid['run']('--keep-partial', **methods)
    assert rc == 0 and calls == []
    kept = grid['out'] / 'partial' / 'cdb-w-ce' / 'seed0'
    assert sorted(os.listdir(kept)) == [
        'best_heldout.pth', 'cdb_history.json', 'epoch_10.pth',
        'heldout_selection.json', 'partial.json']
    assert 'kept 1 unfinished run(s)' in capsys.readouterr().out

    shutil.rmtree(grid['work'])  # a fresh clone
    rc, calls = grid['run']('--dry-run', **methods)
    assert rc == 0 and calls == []
    assert 'cdb-w-ce/seed0: resume (--resume) from the checkpoint kept in' \
        in capsys.readouterr().out
    rc, calls = grid['run'](**methods)
    assert rc == 0
    train = [c for c in calls if _who(c) == ('train', 'cdb-w-ce')]
    assert len(train) == 1 and train[0][-1] == '--resume'
    assert 'cdb-w-ce/seed0: resumes from the checkpoint kept in' in \
        capsys.readouterr().out
    result = json.loads((grid['work'] / 'cdb-w-ce' / 'seed0' /
                         'result.json').read_text())
    assert result['train_resumed'] is True
    assert not kept.exists()  # archived as finished
    assert (grid['out'] / 'runs' / 'cdb-w-ce' / 'seed0' /
            'result.json').exists()


def test_report_only_and_dry_run_run_nothing(grid):
    rc, calls = grid['run']('--dry-run')
    assert rc == 0 and calls == [] and not grid['work'].exists()
    rc, calls = grid['run']('--report-only')
    assert rc == 0 and calls == []
    table = (grid['out'] / 'table.md').read_text()
    assert '| CE | 0/2 | - | - | - | - | (baseline) | - / - |' in table
    grid['run']()
    os.remove(grid['out'] / 'table.md')
    rc, calls = grid['run']('--report-only')
    assert calls == [] and 'IWB stage 2 | 2/2' in (
        grid['out'] / 'table.md').read_text()


def test_taus_chosen_on_the_held_out_split_are_reported(grid):
    rc, calls = grid['run'](methods=('tau-norm-heldout', ))
    # post-hoc: CE's checkpoint of each seed, nothing trained
    assert rc == 0 and [_who(c) for c in calls if 'tau-norm' in c[-1]] == \
        [('eval', 'tau-norm-heldout')] * 2
    table = (grid['out'] / 'table.md').read_text()
    assert '- tau-normalisation, tau chosen on held-out: seed 0: tau 0.5 ' \
        '(held-out 50.0); seed 1: tau 0.6 (held-out 52.0).' in table
    report = json.loads((grid['out'] / 'results.json').read_text())
    runs = report['methods']['tau-norm-heldout']['runs']
    assert runs['1']['tau_search']['tau'] == 0.6


def test_methods_without_config_are_reported_unavailable(grid):
    rc, calls = grid['run'](methods=('ldam-drw', ), seeds=(0, ))
    # CE, the baseline, always comes along
    assert rc == 0 and [_who(c) for c in calls] == [('train', 'ce'),
                                                    ('eval', 'ce')]
    assert '| LDAM-DRW | no config |' in (grid['out'] / 'table.md'
                                         ).read_text()


def _archive_files(out):
    """``{'<method>/seed<k>': sorted file names}`` of the archive."""
    runs = out / 'runs'
    return {f'{m.name}/{s.name}': sorted(p.name for p in s.iterdir())
            for m in sorted(runs.iterdir()) for s in sorted(m.iterdir())}


def test_a_grid_continues_from_its_archive_after_losing_the_work_root(
        grid, capsys):
    methods = ('iwb-stage2', 'tau-norm', 'cdb-w-ce', 'difficulty-net')
    rc, calls = grid['run'](methods=methods, seeds=(0, 1))
    assert rc == 0 and len(calls) == 22
    table = (grid['out'] / 'table.md').read_text()
    report = json.loads((grid['out'] / 'results.json').read_text())
    # result.json and the files the plots read; no checkpoint, no log
    files = _archive_files(grid['out'])
    for seed in ('seed0', 'seed1'):
        assert files[f'ce/{seed}'] == files[f'iwb-stage1/{seed}'] == \
            files[f'tau-norm/{seed}'] == ['result.json']
        assert files[f'iwb-stage2/{seed}'] == ['result.json',
                                               'weight_norms.json']
        assert files[f'cdb-w-ce/{seed}'] == ['cdb_history.json',
                                             'result.json']
        assert files[f'difficulty-net/{seed}'] == [
            'difficulty_history.json', 'result.json']
    assert len(files) == 12
    archived = json.loads((grid['out'] / 'runs' / 'iwb-stage2' / 'seed1' /
                           'result.json').read_text())
    assert archived['top1'] == 48.0

    shutil.rmtree(grid['work'])  # a fresh clone: only docs/ is left
    for png in grid['out'].glob('*.png'):
        png.unlink()
    capsys.readouterr()
    rc, calls = grid['run']('--dry-run', methods=methods, seeds=(0, 1))
    assert rc == 0 and calls == [] and not grid['work'].exists()
    assert capsys.readouterr().out.count(' restore from ') == 12
    rc, calls = grid['run'](methods=methods, seeds=(0, 1))
    assert rc == 0 and calls == []
    assert 'iwb-stage2/seed1: restored from' in capsys.readouterr().out
    assert (grid['out'] / 'table.md').read_text() == table
    assert json.loads((grid['out'] / 'results.json').read_text()) == report
    for png in ('iwb_weight_norms.png', 'difficulty_net.png',
                'cdb-w-ce_weights.png', 'per_class_accuracy.png'):
        assert (grid['out'] / png).exists(), png

    # --report-only restores too
    shutil.rmtree(grid['work'])
    (grid['out'] / 'table.md').unlink()
    rc, calls = grid['run']('--report-only', methods=methods, seeds=(0, 1))
    assert rc == 0 and calls == []
    assert (grid['out'] / 'table.md').read_text() == table


@pytest.mark.parametrize('size, planned', [('default', [0, 1, 2]),
                                           ('e60', [0, 1]), ('e200', [0, 1]),
                                           ('g1', [0, 1])])
def test_without_seeds_a_size_plans_its_default_seeds(grid, capsys, size,
                                                      planned):
    rc, calls = grid['run']('--dry-run', '--size', size, methods=('ce', ),
                            seeds=None)
    assert rc == 0 and calls == []
    out = capsys.readouterr().out
    assert [s for s in range(4) if f'ce/seed{s}' in out] == planned


def test_a_run_archived_on_other_data_is_trained_again(grid, capsys):
    rc, _ = grid['run'](methods=('ce', ), seeds=(0, 1))
    assert rc == 0
    path = grid['out'] / 'runs' / 'ce' / 'seed0' / 'result.json'
    result = json.loads(path.read_text())
    assert result['data_args'] is None  # the fixture's data has no record
    result['data_args'] = dict(seed=7)
    path.write_text(json.dumps(result))
    shutil.rmtree(grid['work'])
    capsys.readouterr()
    rc, calls = grid['run'](methods=('ce', ), seeds=(0, 1))
    assert rc == 0
    assert [(*_who(c), _seed(c)) for c in calls] == [('train', 'ce', 0),
                                                     ('eval', 'ce', 0)]
    out = capsys.readouterr().out
    assert 'ce/seed0: not restored' in out and 'other arguments' in out
    assert 'ce/seed1: restored from' in out
    assert json.loads(path.read_text())['data_args'] is None


def test_a_second_stage_from_a_restored_run_fails_naming_its_checkpoint(
        grid):
    rc, _ = grid['run'](methods=('crt', 'tau-norm'), seeds=(0, ))
    assert rc == 0
    shutil.rmtree(grid['work'])
    for name in ('crt', 'tau-norm'):
        shutil.rmtree(grid['out'] / 'runs' / name)
    rc, calls = grid['run'](methods=('crt', 'tau-norm'), seeds=(0, ))
    assert rc == 1 and calls == []  # nothing trained from nothing
    start = grid['work'] / 'ce' / 'seed0'
    archive = grid['out'] / 'runs' / 'ce' / 'seed0'
    for name in ('crt', 'tau-norm'):
        failed = json.loads((grid['work'] / name / 'seed0' /
                             'failed.json').read_text())
        assert failed['stage'] == 'dependency'
        assert str(start / 'epoch_2.pth') in failed['message']
        assert f'delete {archive} and {start}' in failed['message']
    table = (grid['out'] / 'table.md').read_text()
    assert '| cRT | 0/1 (failed: seed 0) |' in table

    # what the message says to do trains CE again
    shutil.rmtree(archive)
    shutil.rmtree(start)
    rc, calls = grid['run'](methods=('crt', 'tau-norm'), seeds=(0, ))
    assert rc == 0
    assert [_who(c) for c in calls] == [('train', 'ce'), ('eval', 'ce'),
                                        ('train', 'crt'), ('eval', 'crt'),
                                        ('eval', 'tau-norm')]


def test_unknown_method_is_an_error_naming_it():
    with pytest.raises(ValueError, match='nonsense'):
        bench.resolve_methods(['ce', 'nonsense'])


# ------------------------------------------------------------ real parts


def test_difficulty_history_matches_difficulty_net(tmp_path):
    """D(A) read back from checkpoints equals DifficultyNet's output."""
    import torch

    from lt_plugins.cls.difficulty_net.difficulty_mlp import DifficultyNet
    torch.manual_seed(0)
    expected = {}
    for epoch in (1, 2, 10):
        net = DifficultyNet(5, 3)
        acc = torch.rand(5)
        state = {f'difficulty_net.{k}': v for k, v in
                 net.state_dict().items()}
        state['class_accuracy'] = acc
        state['backbone.x'] = torch.zeros(1)
        torch.save(dict(state_dict=state), tmp_path / f'epoch_{epoch}.pth')
        expected[epoch] = (acc, net(acc).detach())
    hist = bench.difficulty_history(str(tmp_path))
    assert [r['epoch'] for r in hist['history']] == [1, 2, 10]
    for r in hist['history']:
        acc, d = expected[r['epoch']]
        np.testing.assert_allclose(r['accuracy'], acc.numpy(), rtol=1e-6)
        np.testing.assert_allclose(r['difficulty'], d.numpy(), rtol=1e-6)
        np.testing.assert_allclose(r['weights'],
                                   (5 * d / d.sum()).numpy(), rtol=1e-5)
    out = bench.plot_difficulty_net(hist, [500, 200, 50, 10, 5],
                                    str(tmp_path / 'd.png'))
    assert osp.getsize(out) > 1000


def test_evaluate_writes_per_class_accuracy_and_counts(tmp_path):
    """--evaluate on the real CE config (data root moved to a small
    generated set) reports what ShotGroupAccuracy computes."""
    import torch
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import lt_plugins.cls  # noqa: F401
    import lt_plugins.cls.backbones  # noqa: F401
    from lt_plugins.data.cifar_lt_bench import generate_cifar_lt_bench
    root = generate_cifar_lt_bench(str(tmp_path / 'data'),
                                   train_per_class=12, test_per_class=2)
    cfg_file = tmp_path / 'ce.py'
    ds = f"dict(data_root='{root}', heldout_per_class=2)"
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = ['{osp.join(BENCH, 'ce.py')}']
        train_dataloader = dict(num_workers=0, dataset={ds})
        val_dataloader = dict(num_workers=0, dataset={ds})
        test_dataloader = val_dataloader
        val_evaluator = dict(train_dataset={ds})
        test_evaluator = dict(train_dataset={ds})
    '''))
    cfg = Config.fromfile(str(cfg_file))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'init.pth')
    out = bench.evaluate_checkpoint(str(cfg_file), str(tmp_path / 'init.pth'),
                                    str(tmp_path / 'eval.json'))
    assert out == json.loads((tmp_path / 'eval.json').read_text())
    # the profile of a 10-image pool at imbalance 100
    assert out['class_counts'][0] == 10 and out['class_counts'][-1] == 1
    assert len(out['classwise']) == 100
    # balanced test split: top-1 is the mean per-class accuracy
    assert out['top1'] == pytest.approx(np.mean(out['classwise']))
    assert set(np.round(np.asarray(out['classwise']) / 50)) <= {0, 1, 2}


def test_evaluate_records_the_tau_chosen_on_the_held_out_split(tmp_path):
    """--evaluate with the benchmark's tau-norm-heldout config (data root
    moved to a small generated set) records the hook's choice: the first
    candidate with the best held-out accuracy, over the whole held-out
    split, and tests with it."""
    import torch
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import lt_plugins.cls  # noqa: F401
    from lt_plugins.data.cifar_lt_bench import generate_cifar_lt_bench
    root = generate_cifar_lt_bench(str(tmp_path / 'data'),
                                   train_per_class=12, test_per_class=2)
    ds = f"dict(data_root='{root}', heldout_per_class=2)"
    for name in ('tau-norm-heldout', 'tau-norm'):
        (tmp_path / f'{name}.py').write_text(textwrap.dedent(f'''
            _base_ = ['{osp.join(BENCH, name + '.py')}']
            train_dataloader = dict(num_workers=0, dataset={ds})
            test_dataloader = dict(num_workers=0, dataset={ds})
            test_evaluator = dict(train_dataset={ds})
        '''))
    with open(tmp_path / 'tau-norm-heldout.py', 'a') as f:
        f.write(f"custom_hooks = [dict(type='PostHocTauSearchHook', "
                f"taus=[0.0, 1.0, 2.0], dataloader=dict(batch_size=64, "
                f"num_workers=0, dataset=dict({ds}, split='heldout', "
                f"type='CIFAR100LT', imbalance_ratio=100, seed=0, "
                f"pipeline=[dict(type='PackInputs')])))]\n")
    cfg = Config.fromfile(str(tmp_path / 'tau-norm.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'init.pth')
    out = bench.evaluate_checkpoint(str(tmp_path / 'tau-norm-heldout.py'),
                                    str(tmp_path / 'init.pth'),
                                    str(tmp_path / 'heldout.json'))
    search = out['tau_search']
    assert search['num_images'] == 200  # 2 held out of each of 100 classes
    acc = search['mean_class_accuracy']
    assert search['taus'] == [0.0, 1.0, 2.0]
    assert search['tau'] == search['taus'][int(np.argmax(acc))]
    # the test ran with the chosen tau: as tau-norm with it fixed
    (tmp_path / 'fixed.py').write_text(
        f"_base_ = ['./tau-norm.py']\n"
        f"model = dict(head=dict(tau={search['tau']!r}))\n")
    fixed = bench.evaluate_checkpoint(
        str(tmp_path / 'fixed.py'), str(tmp_path / 'init.pth'),
        str(tmp_path / 'fixed.json'))
    assert out['classwise'] == fixed['classwise']
    assert 'tau_search' not in fixed


# ---------------------------------------------------------------- configs


def _method_configs(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith('.py'))


def test_large_configs_are_the_default_ones_on_the_large_base(tmp_path):
    """The large size writes every method config of the default size on
    its own size base, so the sizes cannot drift apart."""
    assert 'config_dir' not in bench.SIZES['large']
    out = bench.size_configs(bench.SIZES['large']['size_base'],
                             str(tmp_path / 'large'))
    names = _method_configs(BENCH)
    assert _method_configs(out) == names
    for name in names:
        small = open(osp.join(BENCH, name)).read()
        large = open(osp.join(out, name)).read()
        header, body = large.split('\n', 1)
        assert header.startswith(f'# {name} of configs/cls/bench on ')
        assert body == small.replace(
            repr(bench.DEFAULT_SIZE_BASE),
            repr(osp.join(bench.REPO, 'configs/cls/bench/_base_/'
                          'size_large.py'))), name


def _large_configs(tmp_path):
    return bench.size_configs(bench.SIZES['large']['size_base'],
                              str(tmp_path / 'large'))


def test_every_grid_method_with_a_config_builds(tmp_path):
    """The runner's methods have configs (or are reported unavailable), and
    each config builds its model at both sizes."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import lt_plugins.cls  # noqa: F401
    import lt_plugins.cls.backbones  # noqa: F401
    names = {f[:-3] for f in _method_configs(BENCH)}
    core = {'ce', 'cdb-w-ce', 'cdb-s', 'ala', 'iwb-stage1', 'iwb-stage2',
            'difficulty-net', 'dnet-las', 'crt'}
    assert core <= names <= set(bench.METHODS_BY_NAME)
    for size, folder, width in (('default', BENCH, 32),
                                ('large', _large_configs(tmp_path), 64)):
        for name in sorted(names):
            cfg = Config.fromfile(osp.join(folder, f'{name}.py'))
            assert cfg.train_dataloader.dataset.data_root == \
                'data/cifar_lt_bench'
            assert cfg.train_dataloader.dataset.heldout_per_class == 50
            model = MODELS.build(cfg.model)
            w = dict(model.named_parameters()).get(
                'head.fc.weight', dict(model.named_parameters()).get(
                    'head.weight'))
            assert w.shape == (100, width), (size, name)


@pytest.mark.parametrize('size', ['', 'large'])
def test_cdb_variants_change_one_hook_option(size, tmp_path):
    """Each robust-variant config is CDB-W-CE with one hook option changed
    (the value named in its comment), and the hook accepts it."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import lt_plugins.cls  # noqa: F401
    from lt_plugins.cls.cdb.cdb_cls_hook import CDBClsHook
    folder = _large_configs(tmp_path) if size else BENCH
    paper = Config.fromfile(osp.join(folder, 'cdb-w-ce.py'))
    max_epochs = paper.train_cfg.max_epochs
    expected = {'cdb-w-ce-official': {'tau': 'official_2sigmoid'},
                'cdb-w-ce-official-cifar': {'tau': 'official_sigmoid'},
                'cdb-w-ce-warmup': {'warmup_epochs': max_epochs // 3},
                'cdb-w-ce-momentum': {'difficulty_momentum': 0.5},
                'cdb-w-ce-floor': {'weight_floor': 0.1}}
    base_hook = dict(paper.custom_hooks[0])
    for name, change in expected.items():
        cfg = Config.fromfile(osp.join(folder, f'{name}.py'))
        hook = dict(cfg.custom_hooks[0])
        assert hook == {**base_hook, **change}, name
        assert cfg.model == paper.model, name
        assert cfg.train_cfg == paper.train_cfg, name
        args = {k: v for k, v in hook.items() if k not in ('type',
                                                           'dataloader')}
        CDBClsHook(dataloader=dict(hook['dataloader']), **args)
    # the loss-normalisation variant changes the loss, not the hook
    weight_sum = Config.fromfile(osp.join(folder, 'cdb-w-ce-weight-sum.py'))
    assert dict(weight_sum.custom_hooks[0]) == base_hook
    assert weight_sum.train_cfg == paper.train_cfg
    loss = weight_sum.model.head.loss
    assert loss == {**paper.model.head.loss, 'normalize_by_weight_sum': True}
    MODELS.build(weight_sum.model)
    assert {m.name for m in bench.METHODS if m.versus == 'cdb-w-ce'} == \
        set(expected) | {'cdb-w-ce-weight-sum'}


@pytest.mark.parametrize('size, epochs, steps, drw', [('e60', 60, [48, 54],
                                                        48),
                                                       ('e200', 200,
                                                        [160, 180], 160)])
def test_sweep_sizes_are_the_default_configs_on_a_longer_schedule(
        tmp_path, size, epochs, steps, drw):
    from mmengine.config import Config
    out = bench.size_configs(bench.SIZES[size]['size_base'],
                             str(tmp_path / 'configs'))
    names = sorted(os.listdir(out))
    assert names == sorted(f for f in os.listdir(BENCH) if f.endswith('.py'))
    for name in ('ce.py', 'cdb-w-ce-warmup.py', 'ldam-drw.py', 'crt.py'):
        cfg = Config.fromfile(osp.join(out, name))
        default = Config.fromfile(osp.join(BENCH, name))
        assert cfg.max_epochs == epochs and cfg.lr_steps == steps
        if name != 'crt.py':  # cRT's stage 2 keeps its own schedule
            milestones = [s for s in cfg.param_scheduler
                          if s['type'] == 'MultiStepLR'][0]['milestones']
            assert milestones == steps
            assert cfg.train_cfg.max_epochs == epochs
        else:
            assert cfg.param_scheduler == default.param_scheduler
        # nothing but the schedule differs from the default size (LDAM's
        # deferred re-weighting starts with the first step)
        if name == 'ldam-drw.py':
            default.model.head.loss.drw_epoch = drw
        assert cfg.model == default.model
        assert cfg.train_dataloader == default.train_dataloader
    # every sweep run keeps its best held-out checkpoint (the default size
    # does not)
    for name in ('ce.py', 'cdb-w-ce.py', 'crt.py'):
        cfg = Config.fromfile(osp.join(out, name))
        sel = cfg.default_hooks.heldout_selection
        assert sel.type == 'HeldOutSelectionHook' and sel.interval == 1
        assert sel.test_selected is False
        assert sel.dataloader.dataset == \
            Config.fromfile(osp.join(BENCH, name)).heldout_dataset
        assert 'heldout_selection' not in Config.fromfile(
            osp.join(BENCH, name)).default_hooks
    warmup = Config.fromfile(osp.join(out, 'cdb-w-ce-warmup.py'))
    assert warmup.custom_hooks[0]['warmup_epochs'] == epochs // 3
    ldam = Config.fromfile(osp.join(out, 'ldam-drw.py'))
    assert ldam.model.head.loss.drw_epoch == drw


def _data_roots(node, path=''):
    """Every ``data_root`` of a config dict, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root':
                yield path + '.' + key, value
            else:
                yield from _data_roots(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _data_roots(value, f'{path}[{i}]')


def test_the_g1_size_is_the_default_size_on_the_g1_data(tmp_path):
    """Every data set of every method config reads data/cifar_lt_bench_g1,
    and nothing else differs from the default size."""
    from mmengine.config import Config
    out = bench.size_configs(bench.SIZES['g1']['size_base'],
                             str(tmp_path / 'configs'))
    for name in ('ce.py', 'cdb-w-ce.py', 'cdb-s.py', 'crt.py', 'ala.py',
                 'difficulty-net.py'):
        cfg = Config.fromfile(osp.join(out, name))
        roots = dict(_data_roots(cfg._cfg_dict.to_dict()))
        assert roots and set(roots.values()) == {'data/cifar_lt_bench_g1'}
        default = Config.fromfile(osp.join(BENCH, name))
        for key in ('model', 'optim_wrapper', 'param_scheduler',
                    'train_cfg'):
            assert cfg[key] == default[key], (name, key)
        # the same paths with the default root (besides the base's own
        # helper variable): only the root differs
        assert set(dict(_data_roots(default._cfg_dict.to_dict()))) == \
            set(roots) - {'._data.data_root'}
    assert bench.SIZES['g1']['data_root'] == 'data/cifar_lt_bench_g1'


def test_size_configs_refuse_a_config_without_a_size_base(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'odd.py').write_text("_base_ = ['../elsewhere.py']\n")
    with pytest.raises(ValueError, match='odd.py names neither'):
        bench.size_configs(bench.SIZES['e60']['size_base'],
                           str(tmp_path / 'out'), str(src))


def _sweep_report(runs, selected=None):
    """A results.json of one size: ``runs`` is ``{method: {seed: (top1,
    few)}}``; ``selected`` the same for the held-out selected checkpoint."""
    methods = {}
    for name, by_seed in runs.items():
        entry = dict(label=name.upper(), runs={})
        for seed, (top1, few) in by_seed.items():
            run = dict(top1=top1, few=few)
            if selected and seed in selected.get(name, {}):
                run['selected'] = dict(top1=selected[name][seed], epoch=3)
            entry['runs'][str(seed)] = run
        methods[name] = entry
    return dict(schedule='some schedule', methods=methods)


def test_the_schedule_sweep_pairs_each_length_with_ce(tmp_path):
    reports = {
        15: _sweep_report({'ce': {0: (44.0, 10.0), 1: (46.0, 12.0)},
                           'cdb-w-ce': {0: (30.0, 20.0), 1: (31.0, 19.0)},
                           'la-loss': {0: (40.0, 20.0), 1: (41.0, 21.0)}}),
        # at 60 epochs CDB has only seed 1, the LA loss only seed 0 and cRT
        # appears; CE has a selected checkpoint
        60: _sweep_report({'ce': {0: (60.0, 30.0), 1: (62.0, 33.0)},
                           'cdb-w-ce': {1: (58.0, 40.0)},
                           'la-loss': {0: (50.0, 30.0)},
                           'crt': {0: (61.0, 40.0), 1: (63.0, 41.0)}},
                          selected={'ce': {0: 61.0, 1: 64.0},
                                    'cdb-w-ce': {1: 59.5}}),
    }
    sweep = bench.schedule_sweep(reports)
    ce, cdb = sweep['ce']['by_epochs'], sweep['cdb-w-ce']['by_epochs']
    assert ce[15]['top1']['mean'] == 45.0
    assert ce[15]['top1']['std'] == pytest.approx(np.sqrt(2.0))
    # paired by seed: (30 - 44, 31 - 46) = (-14, -15)
    assert cdb[15]['top1_minus_ce']['mean'] == -14.5
    assert cdb[15]['top1_minus_ce']['std'] == pytest.approx(np.sqrt(0.5))
    assert cdb[15]['few_minus_ce']['mean'] == 8.5  # (10, 7)
    # one seed: only seed 1's difference, no spread
    assert cdb[60]['top1_minus_ce'] == dict(mean=-4.0, std=None, n=1)
    assert cdb[60]['few_minus_ce']['mean'] == 7.0
    assert cdb[60]['top1_selected_minus_ce']['mean'] == pytest.approx(-4.5)
    assert 'top1_selected' not in cdb[15]
    # the gap moved on seed 1 only: (58 - 62) - (31 - 46) = +11
    change = sweep['cdb-w-ce']['gap_change'][60]
    assert (change['mean'], change['std'], change['seeds']) == (
        11.0, None, ['1'])
    assert sweep['ce']['gap_change'][60]['mean'] == 0.0
    # seed 0 only: (50 - 60) - (40 - 44) = -6
    assert sweep['la-loss']['gap_change'][60]['seeds'] == ['0']
    assert sweep['la-loss']['gap_change'][60]['mean'] == -6.0
    assert sweep['crt']['gap_change'] == {}  # not run at 15 epochs

    out = {e: str(tmp_path / f'e{e}') for e in reports}
    for e, report in reports.items():
        os.makedirs(out[e])
        with open(osp.join(out[e], 'results.json'), 'w') as f:
            json.dump(report, f)
    result = bench.write_sweep_report(out, str(tmp_path / 'sweep'),
                                      log=lambda *a: None)
    assert result['epochs'] == [15, 60]
    table = open(tmp_path / 'sweep' / 'schedule_sweep.md').read()
    row = next(line for line in table.splitlines()
               if line.startswith('| CDB-W-CE |'))
    assert row.split(' | ')[1:] == [
        '30.5 ± 0.7 (2)', '58.0 (1)', '-14.5 ± 0.7', '-4.0', '+8.5 ± 2.1',
        '+7.0', '+11.0 (1) |']
    rows = {line.split(' | ')[0]: line.split(' | ')
            for line in table.splitlines()}
    assert rows['| LA-LOSS'][-1] == '-6.0 (0) |'  # the seed, not a count
    assert rows['| CRT'][-1] == '- |'
    assert (tmp_path / 'sweep' / 'schedule_sweep.png').stat().st_size > 0


def test_the_schedule_sweep_needs_two_reported_lengths(tmp_path):
    os.makedirs(tmp_path / 'a')
    with open(tmp_path / 'a' / 'results.json', 'w') as f:
        json.dump(_sweep_report({'ce': {0: (44.0, 10.0)}}), f)
    assert bench.write_sweep_report(
        {15: str(tmp_path / 'a'), 60: str(tmp_path / 'missing')},
        str(tmp_path / 'out'), log=lambda *a: None) is None
    assert not (tmp_path / 'out').exists()


def test_the_schedule_sweep_refuses_lengths_on_other_data(tmp_path):
    out = {}
    for e, noise in ((15, 0.08), (60, 0.16)):
        report = _sweep_report({'ce': {0: (44.0, 10.0)}})
        report['data'] = dict(pixel_noise=noise, seed=0)
        out[e] = str(tmp_path / f'e{e}')
        os.makedirs(out[e])
        with open(osp.join(out[e], 'results.json'), 'w') as f:
            json.dump(report, f)
    with pytest.raises(ValueError, match='different data'):
        bench.write_sweep_report(out, str(tmp_path / 'o'),
                                 log=lambda *a: None)


def test_the_schedule_sweep_leaves_out_runs_named_stale(tmp_path):
    reports = {
        15: _sweep_report({'ce': {0: (44.0, 10.0), 1: (46.0, 12.0)}}),
        60: _sweep_report({'ce': {0: (60.0, 30.0), 1: (99.0, 99.0)}}),
    }
    reports[60]['stale_runs'] = ['ce/seed1']
    out = {}
    for e, report in reports.items():
        out[e] = str(tmp_path / f'e{e}')
        os.makedirs(out[e])
        with open(osp.join(out[e], 'results.json'), 'w') as f:
            json.dump(report, f)
    sweep = bench.write_sweep_report(out, str(tmp_path / 'o'),
                                     log=lambda *a: None)
    assert sweep['methods']['ce']['by_epochs'][60]['top1'] == dict(
        mean=60.0, std=None, n=1)


def test_the_g1_size_refuses_missing_or_other_data_naming_the_command(
        tmp_path):
    root = str(tmp_path / 'g1')
    with pytest.raises(SystemExit, match=re.escape(
            'make_cifar_lt_bench.py --group-size 1 --pixel-noise 0.52 '
            f'--out {root}')):
        bench.check_size_data('g1', root, None, training=True)
    bench.check_size_data('g1', root, None, training=False)  # report only
    info = dict(args=dict(bench.SIZES['g1']['data_args']))
    bench.check_size_data('g1', root, info, training=True)
    info['args']['pixel_noise'] = 0.08
    with pytest.raises(SystemExit, match="'pixel_noise': 0.08"):
        bench.check_size_data('g1', root, info, training=True)
    # the default size names no arguments of its own: nothing to check
    bench.check_size_data('default', root, None, training=True)


def test_the_gap_change_pairs_seeds_with_the_shortest_length():
    reports = {
        15: _sweep_report({'ce': {0: (44.0, 10.0), 1: (46.0, 12.0)},
                           'cdb-w-ce': {0: (30.0, 20.0), 1: (31.0, 19.0)}}),
        # CE's seed 1 is missing at 60 epochs: only seed 0 pairs there
        60: _sweep_report({'ce': {0: (60.0, 30.0)},
                           'cdb-w-ce': {0: (50.0, 40.0), 1: (52.0, 40.0)}}),
        200: _sweep_report({'ce': {0: (70.0, 40.0), 1: (71.0, 41.0)},
                            'cdb-w-ce': {0: (69.0, 40.0), 1: (68.0, 40.0)}}),
    }
    change = bench.schedule_sweep(reports)['cdb-w-ce']['gap_change']
    assert sorted(change) == [60, 200]
    # (50 - 60) - (30 - 44) = +4 on seed 0
    assert (change[60]['mean'], change[60]['seeds']) == (4.0, ['0'])
    # (69 - 70) - (30 - 44) = +13, (68 - 71) - (31 - 46) = +12
    assert change[200]['mean'] == 12.5
    assert change[200]['std'] == pytest.approx(np.sqrt(0.5))
    assert change[200]['seeds'] == ['0', '1']
    table = bench.sweep_table(bench.schedule_sweep(reports), [15, 60, 200])
    assert 'gap change, 15 → 200 ep. (paired seeds)' in table


def _without_data_root(node):
    """A config dict with every ``data_root`` entry left out."""
    if isinstance(node, dict):
        return {k: _without_data_root(v) for k, v in node.items()
                if k != 'data_root'}
    if isinstance(node, (list, tuple)):
        return [_without_data_root(v) for v in node]
    return node


@pytest.mark.parametrize('size', sorted(bench.SIZES))
def test_data_root_is_what_the_runs_train_on(size, tmp_path, capsys):
    """--data-root moves every data set of every method config (not only
    the report's record) and changes nothing else of the size's configs;
    the size's own data root keeps its configs as they are."""
    from mmengine.config import Config
    data = str(tmp_path / 'other data')
    work = tmp_path / 'work'
    rc = bench.main(['--size', size, '--seeds', '0', '--methods', 'ce',
                     'cdb-w-ce', 'crt', '--dry-run', '--data-root', data,
                     '--work-root', str(work), '--out-dir',
                     str(tmp_path / 'out')])
    assert rc == 0
    out = capsys.readouterr().out
    assert str(work / '_configs' / 'cdb-w-ce.py') in out  # what trains
    if 'size_base' in bench.SIZES[size]:
        own = bench.size_configs(bench.SIZES[size]['size_base'],
                                 str(tmp_path / 'own'))
    else:
        own = BENCH
    names = sorted(osp.basename(p) for p in
                   glob.glob(osp.join(BENCH, '*.py')))
    assert len(names) > 20
    for name in names:
        cfg = Config.fromfile(str(work / '_configs' / name))
        roots = dict(_data_roots(cfg._cfg_dict.to_dict()))
        assert set(roots.values()) == {data}, (name, roots)
        ref = Config.fromfile(osp.join(own, name))
        # the same config but for the data root wherever it appears
        # (the datasets, the CDB hook's held-out loader, the evaluators)
        mine, theirs = (_without_data_root(c._cfg_dict.to_dict())
                        for c in (cfg, ref))
        assert mine == theirs, name
        assert set(dict(_data_roots(ref._cfg_dict.to_dict()))) == set(roots)
    # the size's own data: the configs the size always trains
    work2 = tmp_path / 'work2'
    own_root = bench.SIZES[size].get('data_root', bench.DATA_ROOT)
    assert bench.main(['--size', size, '--seeds', '0', '--methods', 'ce',
                       '--dry-run', '--data-root', own_root,
                       '--work-root', str(work2), '--out-dir',
                       str(tmp_path / 'out2')]) == 0
    assert not (work2 / '_size_base.py').exists()
    # other data in the size's own folders: refused before anything is
    # written, naming the flag
    with pytest.raises(SystemExit, match='--work-root and an --out-dir'):
        bench.main(['--size', size, '--methods', 'ce', '--dry-run',
                    '--data-root', data, '--out-dir', str(tmp_path / 'o3')])
    assert not (tmp_path / 'o3').exists()


def test_data_sensitivity_pairs_each_gap_with_the_benchmark_datas(tmp_path):
    """The g1 report's data_sensitivity: a method's gap to CE on the g1
    data and on the benchmark data, each paired by seed, and the change
    of the gap paired by seed over the seeds both data have."""
    reference = _sweep_report({
        'ce': {0: (44.0, 10.0), 1: (46.0, 12.0), 2: (45.0, 11.0)},
        'cdb-w-ce': {0: (26.0, 9.0), 1: (32.0, 9.0), 2: (30.0, 9.0)},
        'la-loss': {0: (50.0, 20.0)}})
    reference['methods']['cdb-w-ce']['cdb_stability'] = {
        '0': dict(off_share=0.2), '1': dict(off_share=0.3),
        '2': dict(off_share=0.9)}
    g1 = _sweep_report({'ce': {0: (46.0, 12.0), 1: (45.0, 10.0)},
                        'cdb-w-ce': {0: (36.0, 20.0), 1: (40.0, 19.0)},
                        'la-loss': {1: (48.0, 30.0)}})
    g1['methods']['cdb-w-ce']['cdb_stability'] = {
        '0': dict(off_share=0.05), '1': dict(off_share=0.15)}
    rows = bench.data_sensitivity(reference, g1)
    cdb = rows['cdb-w-ce']
    # g1: (36 - 46, 40 - 45) = (-10, -5); benchmark data on those seeds:
    # (26 - 44, 32 - 46) = (-18, -14), seed 2 left out
    assert (cdb['gap']['mean'], cdb['gap']['n']) == (-7.5, 2)
    assert (cdb['reference_gap']['mean'], cdb['reference_gap']['n']) == (
        -16.0, 2)
    # change per seed: (-10 + 18, -5 + 14) = (8, 9)
    assert cdb['change']['mean'] == 8.5 and cdb['change']['seeds'] == [
        '0', '1']
    assert cdb['change']['std'] == pytest.approx(np.sqrt(0.5))
    assert cdb['off_share']['mean'] == pytest.approx(0.1)
    assert cdb['reference_off_share']['mean'] == pytest.approx(0.25)
    # the LA loss: seed 1 on g1, seed 0 on the benchmark data: no pair
    la = rows['la-loss']
    assert la['gap']['mean'] == 3.0 and la['reference_gap']['n'] == 0
    assert la['change']['n'] == 0 and 'off_share' not in la

    for name, report in (('ref', reference), ('g1', g1)):
        os.makedirs(tmp_path / name)
        with open(tmp_path / name / 'results.json', 'w') as f:
            json.dump(report, f)
    bench.write_sensitivity_report(str(tmp_path / 'ref'),
                                   str(tmp_path / 'g1'),
                                   ('benchmark data', 'g1 data'),
                                   log=lambda *a: None)
    table = (tmp_path / 'g1' / 'data_sensitivity.md').read_text()
    row = next(line for line in table.splitlines()
               if line.startswith('| CDB-W-CE |'))
    assert row.split(' | ')[1:] == ['-16.0 ± 2.8 (2)', '-7.5 ± 3.5 (2)',
                                    '+8.5 ± 0.7', '25.0 ± 7.1 %',
                                    '10.0 ± 7.1 % |']
    la_row = next(line for line in table.splitlines()
                  if line.startswith('| LA-LOSS |'))
    assert la_row.split(' | ')[1:] == ['-', '+3.0 (1)', '-', '-', '- |']
    assert '| CE |' not in table
    assert (tmp_path / 'g1' / 'data_sensitivity.png').stat().st_size > 0


def test_the_g1_report_sets_its_gaps_next_to_the_benchmark_datas(grid):
    """Reporting the g1 size writes data_sensitivity.md against the
    committed report of the default size (docs/cls_bench/results.json)."""
    rc, _ = grid['run'](methods=('cdb-w-ce', ), seeds=(0, 1))
    assert rc == 0
    rc, calls = grid['run']('--size', 'g1', '--report-only',
                            methods=('cdb-w-ce', ), seeds=(0, 1))
    assert rc == 0 and calls == []
    committed = json.load(open(osp.join(REPO, 'docs', 'cls_bench',
                                        'results.json')))['methods']
    ref = [committed['cdb-w-ce']['runs'][s]['top1'] -
           committed['ce']['runs'][s]['top1'] for s in ('0', '1')]
    table = (grid['out'] / 'data_sensitivity.md').read_text()
    row = next(line for line in table.splitlines()
               if line.startswith('| CDB-W-CE |'))
    # the fake CDB-W-CE is 1 point below the fake CE on both seeds
    assert row.split(' | ')[1:3] == [
        f'{np.mean(ref):+.1f} ± {np.std(ref, ddof=1):.1f} (2)',
        '-1.0 ± 0.0 (2)']
    assert (grid['out'] / 'data_sensitivity.png').exists()
