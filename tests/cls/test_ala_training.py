"""ALA toy training with a real mmengine Runner (cosine head + ALA loss)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.ala import quantity_factor
from lt_plugins.cls.class_counts import dataset_class_counts
from toy_cfg_plain import toy_cfg


def test_toy_ala_training_gets_counts_and_saves_them(toy_root, tmp_path):
    cfg = toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    start = runner.model.head.weight.detach().clone()
    runner.train()

    counts = dataset_class_counts(runner.train_dataloader.dataset)
    assert counts.min() < counts.max()  # long-tailed
    loss_module = runner.model.head.loss_module
    assert loss_module.class_counts.tolist() == counts.tolist()
    assert torch.allclose(loss_module.quantity_factor(),
                          quantity_factor(counts))
    # epoch 1 (0-based) is the last one and DRW starts there
    assert runner.message_hub.get_info('epoch') == 1
    assert loss_module.drw_active()
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert np.isfinite(loss)
    assert not torch.equal(runner.model.head.weight.detach(), start)

    # the counts are saved with the checkpoint (a buffer of the loss)
    ckpt = torch.load(osp.join(str(tmp_path), 'epoch_2.pth'),
                      map_location='cpu',
                      weights_only=False)
    assert ckpt['state_dict']['head.loss_module.class_counts'].tolist() == \
        counts.tolist()


class _RecordDRW(Hook):
    """Whether the ALA loss re-weights, at every training iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.active = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.active.append(runner.model.head.loss_module.drw_active())


def _iter_based(cfg, max_iters=4):
    cfg.train_cfg = dict(by_epoch=False, max_iters=max_iters,
                         val_interval=1000)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        by_epoch=False, interval=1000)
    return cfg


def test_drw_epoch_under_iteration_loop_fails_before_training(
        toy_root, tmp_path):
    # IterBasedTrainLoop stays at epoch 0: drw_epoch=1 would silently never
    # re-weight
    cfg = _iter_based(
        toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path)))
    runner = Runner.from_cfg(cfg)
    start = runner.model.head.weight.detach().clone()
    with pytest.raises(ValueError,
                       match=r'ALALoss\(drw_epoch=1\).*IterBasedTrainLoop'):
        runner.train()
    assert runner.iter == 0
    assert torch.equal(runner.model.head.weight.detach(), start)


def test_drw_epoch_without_counts_hook_fails_on_first_step(
        toy_root, tmp_path):
    # counts in the config, no ClassCountsHook: the loss itself checks the
    # loop length from the message hub before its first step
    cfg = _iter_based(
        toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path)))
    cfg.custom_hooks = []
    cfg.model.head.loss.class_counts = [1] * 10
    runner = Runner.from_cfg(cfg)
    start = runner.model.head.weight.detach().clone()
    with pytest.raises(ValueError, match=r'drw_epoch=1.*drw_iter'):
        runner.train()
    assert torch.equal(runner.model.head.weight.detach(), start)


def test_drw_iter_reweights_from_that_iteration_in_iteration_loop(
        toy_root, tmp_path):
    cfg = _iter_based(
        toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path)))
    cfg.model.head.loss.drw_epoch = None
    cfg.model.head.loss.drw_iter = 2
    runner = Runner.from_cfg(cfg)
    rec = _RecordDRW()
    runner.register_hook(rec)
    runner.train()
    assert runner.iter == 4
    assert rec.active == [False, False, True, True]


def test_drw_epoch_beyond_max_epochs_fails_before_training(
        toy_root, tmp_path):
    cfg = toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path))
    cfg.model.head.loss.drw_epoch = 2  # epochs are 0 and 1
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'EpochBasedTrainLoop runs 2 epoch'):
        runner.train()
    assert runner.iter == 0
