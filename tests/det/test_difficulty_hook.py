"""The CDB difficulty hook in real mmengine runs on the toy LVIS data."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

import lt_plugins.det  # noqa: F401  (also lets torch.load read checkpoints)
from lt_plugins.core.difficulty import compute_cdb_weights
from .toy_runs import (REPO, scalars, train, with_heldout_split,
                       write_config)

PROBE = """
custom_imports = dict(
    imports=['lt_plugins.det', 'tests.det.probe_hook'],
    allow_failed_imports=False)
custom_hooks = [
    dict(type='CDBDifficultyHook', dataloader=heldout_dataloader,
         metric='bbox', interval=1, tau='sigmoid'),
    dict(type='CDBWeightProbeHook'),
]
"""


@pytest.fixture(scope='module')
def cdb_data(toy_lvis, tmp_path_factory):
    """The toy set plus its held-out split, as the user cuts it."""
    return with_heldout_split(toy_lvis['root'], str(
        tmp_path_factory.mktemp('toy_cdb')))


@pytest.fixture(scope='module')
def first_run(cdb_data, tmp_path_factory):
    """One epoch of the toy CDB detector; the run the other tests inspect."""
    tmp = tmp_path_factory.mktemp('cdb_run')
    cfg = write_config(str(tmp / 'cfg.py'), 'toy/faster-rcnn_toy-lvis_cdb.py',
                       cdb_data, epochs=1, extra=PROBE)
    work = str(tmp / 'work')
    proc = train(cfg, work)
    return dict(cfg=cfg, work=work, log=proc.stdout + proc.stderr)


def test_hook_updates_weights_from_heldout_ap_each_epoch(first_run):
    hist = json.load(open(osp.join(first_run['work'], 'cdb_history.json')))
    assert len(hist['classes']) == 20 and hist['tau_mode'] == 'sigmoid'
    (rec, ) = hist['history']
    assert rec['epoch'] == 1
    perf = np.array([-1.0 if p is None else p for p in rec['performance']])
    expect = compute_cdb_weights(perf, 'sigmoid')
    np.testing.assert_allclose(rec['weights'], expect.weights, rtol=1e-6)
    assert rec['tau'] == pytest.approx(expect.tau)
    # the loss trained with ones in epoch 1 and holds the new weights after
    probe = json.load(open(osp.join(first_run['work'], 'weights_rank0.json')))
    np.testing.assert_allclose(probe[0]['weights'][0], np.ones(20))
    np.testing.assert_allclose(probe[-1]['weights'][0], rec['weights'],
                               rtol=1e-6)
    # and the checkpoint carries both the buffer and the hook state
    ckpt = torch.load(osp.join(first_run['work'], 'epoch_1.pth'),
                      map_location='cpu')
    buf = ckpt['state_dict']['roi_head.bbox_head.loss_cls.class_weight']
    np.testing.assert_allclose(buf[:20].numpy(), rec['weights'], rtol=1e-6)
    assert ckpt['cdb_difficulty']['history'][0]['epoch'] == 1


def test_hook_logs_tau_bias_and_missing_categories(first_run):
    assert 'CDB after epoch 1: tau=' in first_run['log']
    hist = json.load(open(osp.join(first_run['work'], 'cdb_history.json')))
    missing = hist['history'][0]['num_missing']
    assert f'{missing} of 20 classes without AP' in first_run['log']
    recs = [r for r in scalars(first_run['work']) if 'cdb/tau' in r]
    assert len(recs) == 1
    for key in ('cdb/bias', 'cdb/weight_min', 'cdb/weight_max',
                'cdb/num_missing'):
        assert key in recs[0]


def test_hook_measures_what_the_lvis_api_gives_for_the_checkpoint(
        first_run, cdb_data, tmp_path):
    """Evaluate epoch_1.pth on the held-out split with tools/test.py."""
    import subprocess
    import sys
    hist = json.load(open(osp.join(first_run['work'], 'cdb_history.json')))
    perf = [p for p in hist['history'][0]['performance'] if p is not None]
    cfg = tmp_path / 'test_cfg.py'
    cfg.write_text(
        f"_base_ = {first_run['cfg']!r}\n"
        "test_dataloader = {{_base_.heldout_dataloader}}\n"
        "test_evaluator = dict(type='LVISPerCategoryMetric', "
        f"ann_file={cdb_data + '/annotations/lvis_v0.5_heldout.json'!r})\n")
    out = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools/test.py'), str(cfg),
         osp.join(first_run['work'], 'epoch_1.pth'), '--work-dir',
         str(tmp_path / 'test')], cwd=REPO, capture_output=True, text=True,
        env=dict(__import__('os').environ, PYTHONPATH=REPO))
    assert out.returncode == 0, out.stderr[-3000:]
    test_recs = scalars(str(tmp_path / 'test'))
    if test_recs:
        ap = test_recs[-1]['lvis/bbox_AP']
    else:  # tools/test.py logs metrics to the log only
        line = [ln for ln in (out.stdout + out.stderr).splitlines()
                if 'lvis/bbox_AP:' in ln][-1]
        ap = float(line.split('lvis/bbox_AP:')[1].split()[0])
    assert np.mean(perf) == pytest.approx(ap, abs=1e-3)


def test_same_seed_repeats_the_run_exactly(first_run, cdb_data, tmp_path):
    """With one OpenMP thread (as the tests and the demo run) a CPU run is
    reproducible: the toy figures in docs/detection.md rely on it."""
    work = str(tmp_path / 'work')
    train(first_run['cfg'], work)

    def record(work_dir):
        keep = ('loss', 'acc', 'grad_norm', 'lr', 'lvis/')
        return [{k: v for k, v in r.items() if k.startswith(keep)}
                for r in scalars(work_dir)]

    again, first = record(work), record(first_run['work'])
    assert any('loss_cls' in r for r in first)
    assert again == first
    hist = [json.load(open(osp.join(d, 'cdb_history.json')))
            for d in (first_run['work'], work)]
    for h in hist:  # everything but the measurements' wall time
        for r in h['history']:
            assert r.pop('measure_seconds') > 0
    assert hist[1] == hist[0]


def test_resume_continues_with_the_interrupted_runs_weights(
        first_run, cdb_data, tmp_path):
    work = str(tmp_path / 'work')
    shutil.copytree(first_run['work'], work)
    cfg = write_config(str(tmp_path / 'cfg2.py'),
                       'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data, epochs=2,
                       val_interval=10, extra=PROBE)
    proc = train(cfg, work, ['--resume'])
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    first = json.load(open(osp.join(first_run['work'],
                                    'cdb_history.json')))['history'][0]
    probe = json.load(open(osp.join(work, 'weights_rank0.json')))
    # epoch 2 trains with exactly the weights measured after epoch 1 (the
    # hook sets ones when it has no state, so a lost state would show here)
    assert probe[0]['when'] == 'before_epoch' and probe[0]['epoch'] == 1
    # (the loss buffer is float32)
    np.testing.assert_array_equal(np.float32(probe[0]['weights'][0]),
                                  np.float32(first['weights']))
    hist = json.load(open(osp.join(work, 'cdb_history.json')))['history']
    assert [r['epoch'] for r in hist] == [1, 2]
    assert hist[0] == first


def test_load_from_starts_a_new_run_with_unit_weights(first_run, cdb_data,
                                                     tmp_path):
    """``load_from`` is not a resume: the CDB state is not carried over."""
    ckpt = osp.join(first_run['work'], 'epoch_1.pth')
    measured = json.load(open(osp.join(first_run['work'],
                                       'cdb_history.json')))['history'][0]
    assert not np.allclose(measured['weights'], 1.0)
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data, epochs=1,
                       val_interval=10,
                       extra=PROBE + f'load_from = {ckpt!r}\n')
    work = str(tmp_path / 'work')
    proc = train(cfg, work)
    assert 'CDB difficulty state of the loaded checkpoint is not restored' \
        in proc.stdout + proc.stderr
    probe = json.load(open(osp.join(work, 'weights_rank0.json')))
    # the loaded class_weight buffer was reset to ones before training
    assert probe[0]['when'] == 'before_epoch' and probe[0]['epoch'] == 0
    np.testing.assert_allclose(probe[0]['weights'][0], np.ones(20))
    hist = json.load(open(osp.join(work, 'cdb_history.json')))['history']
    assert [r['epoch'] for r in hist] == [1]


def test_no_detections_early_in_training_scores_ap_zero_without_crashing(
        cdb_data, tmp_path):
    # a score threshold above 1 leaves the held-out split without detections
    cfg = write_config(
        str(tmp_path / 'cfg.py'), 'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data,
        epochs=1, val_interval=10,
        extra=PROBE + 'model = dict(test_cfg=dict(rcnn=dict(score_thr=1.1)))\n')
    proc = train(cfg, str(tmp_path / 'work'))
    heldout = json.load(
        open(osp.join(cdb_data, 'annotations', 'lvis_v0.5_heldout.json')))
    with_gt = {a['category_id'] for a in heldout['annotations']}
    cat_ids = sorted(c['id'] for c in heldout['categories'])
    rec = json.load(open(tmp_path / 'work' / 'cdb_history.json'))['history'][0]
    # the LVIS protocol: AP 0 with ground truth, no AP without
    assert rec['performance'] == [0.0 if c in with_gt else None
                                  for c in cat_ids]
    missing = 20 - len(with_gt)
    assert rec['num_missing'] == missing and rec['tau'] == 0.0
    np.testing.assert_allclose(rec['weights'], np.ones(20))
    assert f'{missing} of 20 classes without AP' in proc.stdout + proc.stderr


def test_two_process_ddp_run_ends_with_identical_weights_on_every_rank(
        cdb_data, tmp_path):
    """torchrun --nproc_per_node=2 with gloo on the CPU."""
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data, epochs=1,
                       val_interval=10, extra=PROBE)
    work = tmp_path / 'work'
    proc = train(cfg, str(work), ['--launcher', 'pytorch'], nproc=2)
    log = proc.stdout + proc.stderr
    # (mmengine reports the world size as 'GPU number')
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    ranks = [json.load(open(work / f'weights_rank{r}.json')) for r in (0, 1)]
    hist = json.load(open(work / 'cdb_history.json'))['history']
    assert len(hist) == 1 and hist[0]['num_missing'] < 20
    for rank in ranks:
        assert rank[-1]['when'] == 'after_epoch'
        np.testing.assert_array_equal(np.float32(rank[-1]['weights'][0]),
                                      np.float32(hist[0]['weights']))
    assert ranks[0][-1]['weights'] == ranks[1][-1]['weights']


PROBE_BEFORE = PROBE.replace("tau='sigmoid'),",
                             "tau='sigmoid', measure_before_train=True),")


def test_measure_before_train_weights_the_first_epoch_and_resume_keeps_it(
        first_run, cdb_data, tmp_path):
    """The decoupled stage's option: a run that starts from a trained
    detector measures once before epoch 1 (history epoch 0), so epoch 1
    already trains with difficulty weights; a resume does not measure
    again."""
    assert PROBE_BEFORE != PROBE
    ckpt = osp.join(first_run['work'], 'epoch_1.pth')
    trained = json.load(open(osp.join(first_run['work'],
                                      'cdb_history.json')))['history'][0]
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data, epochs=1,
                       val_interval=10,
                       extra=PROBE_BEFORE + f'load_from = {ckpt!r}\n')
    work = str(tmp_path / 'work')
    proc = train(cfg, work)
    assert 'CDB after epoch 0: tau=' in proc.stdout + proc.stderr
    hist = json.load(open(osp.join(work, 'cdb_history.json')))['history']
    assert [r['epoch'] for r in hist] == [0, 1]
    # the loaded detector is the one the first run measured after its
    # epoch 1, on the same held-out split: the same AP, the same weights
    assert hist[0]['performance'] == pytest.approx(trained['performance'])
    np.testing.assert_allclose(hist[0]['weights'], trained['weights'],
                               rtol=1e-6)
    assert not np.allclose(hist[0]['weights'], 1.0)
    # epoch 1 trained with them, not with ones
    probe = json.load(open(osp.join(work, 'weights_rank0.json')))
    assert probe[0]['when'] == 'before_epoch' and probe[0]['epoch'] == 0
    np.testing.assert_allclose(probe[0]['weights'][0], hist[0]['weights'],
                               rtol=1e-6)

    # resume for a second epoch: the state comes from epoch_1.pth, nothing
    # is measured before training
    cfg2 = write_config(str(tmp_path / 'cfg2.py'),
                        'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data,
                        epochs=2, val_interval=10,
                        extra=PROBE_BEFORE + f'load_from = {ckpt!r}\n')
    proc = train(cfg2, work, ['--resume'])
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log
    assert 'CDB after epoch 0' not in log and 'CDB after epoch 1' not in log
    hist2 = json.load(open(osp.join(work, 'cdb_history.json')))['history']
    assert [r['epoch'] for r in hist2] == [0, 1, 2]
    assert hist2[:2] == hist
    probe = json.load(open(osp.join(work, 'weights_rank0.json')))
    assert probe[0]['when'] == 'before_epoch' and probe[0]['epoch'] == 1
    np.testing.assert_array_equal(np.float32(probe[0]['weights'][0]),
                                  np.float32(hist[1]['weights']))
