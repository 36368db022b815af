"""Real mmengine Runner training of the toy configs, resume, and a
two-process (torchrun, gloo) run."""
import json
import math
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBClsHook, CDBLoss
from lt_plugins.data.toy_cifar import generate_toy_cifar

from cls_toy_config import toy_config
from tests.ddp_launch import free_port

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


class _RecordWeights(Hook):
    """Records the weights in use at the start of every training epoch."""

    priority = 'LOWEST'

    def __init__(self):
        self.seen = {}

    def before_train_epoch(self, runner):
        model = runner.model.module if hasattr(runner.model,
                                               'module') else runner.model
        sampler = runner.train_dataloader.sampler
        loss = model.head.loss_module
        self.seen[runner.epoch] = dict(
            loss=loss.class_weight.tolist()
            if isinstance(loss, CDBLoss) else None,
            sampler=sampler.weights.tolist()
            if hasattr(sampler, 'weights') else None)


def _train(cfg, resume_from=None):
    if resume_from:
        cfg.load_from, cfg.resume = resume_from, True
    runner = Runner.from_cfg(cfg)
    rec = _RecordWeights()
    runner.register_hook(rec)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    return runner, hook, rec


@pytest.mark.parametrize('config, target', [
    ('toy_cifar10-lt_cdb-w-ce.py', 'loss'),
    ('toy_cifar10-lt_cdb-s.py', 'sampler'),
])
def test_toy_training_and_resume_keep_weights(toy_root, tmp_path, config,
                                              target):
    cfg = toy_config(toy_root, tmp_path / 'a', config)
    runner, hook, rec = _train(cfg)
    # the evaluation reports overall and many/medium/few accuracy
    hub = runner.message_hub
    for key in ('top1', 'many', 'medium', 'few'):
        assert math.isfinite(hub.get_scalar(f'val/shot/{key}').current())
    # schedule: weights 1 in epoch 0, the epoch-1 measurement in epoch 1
    assert len(hook.history) == 2
    assert rec.seen[0][target] == [1.0] * 10
    w1 = hook.history[0]['weights']
    np.testing.assert_allclose(rec.seen[1][target], w1, rtol=1e-6)
    ckpt = torch.load(str(tmp_path / 'a' / 'epoch_1.pth'),
                      map_location='cpu', weights_only=False)
    assert ckpt['cdb_difficulty']['weights'] == w1
    history = json.load(open(tmp_path / 'a' / 'cdb_history.json'))
    assert [r['epoch'] for r in history['history']] == [1, 2]

    # resume from epoch 1: epoch 1 trains with exactly the same weights
    cfg_b = toy_config(toy_root, tmp_path / 'b', config)
    _, hook_b, rec_b = _train(cfg_b, str(tmp_path / 'a' / 'epoch_1.pth'))
    assert 0 not in rec_b.seen
    assert rec_b.seen[1][target] == pytest.approx(w1, rel=1e-6)
    if target == 'sampler':  # restored by the hook, bit for bit
        assert rec_b.seen[1][target] == w1
    assert hook_b.history[0] == hook.history[0]
    assert len(hook_b.history) == 2


def test_toy_ce_learns_and_reports_shot_groups(tmp_path):
    # the toy data at the size tools/make_toy_cifar.py writes by default
    root = generate_toy_cifar(str(tmp_path / 'data'))
    cfg = toy_config(root, tmp_path / 'work', 'toy_cifar10-lt_ce.py',
                     heldout=20, shot_thr=None)
    assert cfg.train_cfg.max_epochs == 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert set(metrics) >= {'shot/top1', 'shot/many', 'shot/medium',
                            'shot/few', 'shot/classwise'}
    assert len(metrics['shot/classwise']) == 10
    assert metrics['shot/top1'] > 30.0  # chance is 10%
    # plain CE on a long tail: head classes far better than tail classes
    assert metrics['shot/many'] > metrics['shot/few'] + 30.0


def test_two_process_run_gives_identical_weights(toy_root, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}',
        osp.join(osp.dirname(__file__), 'ddp_cdb_cls_run.py'), toy_root,
        str(tmp_path)
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r0 = json.load(open(tmp_path / 'rank0.json'))
    r1 = json.load(open(tmp_path / 'rank1.json'))
    assert r0['world_size'] == r1['world_size'] == 2
    for key in ('loss_weights', 'sampler_weights', 'hook_weights',
                'history', 'val_metrics'):
        assert r0[key] == r1[key], key
    assert len(r0['history']) == 2
    np.testing.assert_allclose(r0['loss_weights'],
                               r0['history'][-1]['weights'], rtol=1e-6)
    assert r0['sampler_weights'] == r0['history'][-1]['weights']
    # every epoch the two ranks drew disjoint halves of one plan
    for epoch in ('0', '1'):
        plan = r0['plans'][epoch]
        assert plan == r1['plans'][epoch]
        assert r0['shares'][epoch] == plan[0::2]
        assert r1['shares'][epoch] == plan[1::2]
    # the held-out split was measured once per image, not twice
    assert r0['heldout_total'] == 100
