"""D's optimiser: the SPEC default, and its learning rate kept from what
mmengine's runner does to every optimiser of an OptimWrapperDict
(--auto-scale-lr, a shared param_scheduler list)."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from lt_plugins.cls.difficulty_net import DifficultyNetOptimWrapperConstructor

sys.path.insert(0, osp.dirname(__file__))
from dnet_toy import build_model, toy_cfg  # noqa: E402

D_LR = 1e-3  # SPEC 2, and the toy config's
CLS_LR = 0.05  # the toy config's classifier lr


def test_d_optimiser_defaults_to_spec_adam():
    model = build_model()
    ow = DifficultyNetOptimWrapperConstructor(
        dict(classifier=dict(optimizer=dict(type='SGD', lr=0.1))))(model)
    d_optim = ow['difficulty_net'].optimizer
    assert isinstance(d_optim, torch.optim.Adam)
    (group, ) = d_optim.param_groups
    assert (group['lr'], group['weight_decay']) == (1e-3, 1e-4)
    assert {id(p) for p in group['params']} == {
        id(p) for p in model.difficulty_net.parameters()}
    # an explicit config still wins
    ow = DifficultyNetOptimWrapperConstructor(dict(
        classifier=dict(optimizer=dict(type='SGD', lr=0.1)),
        difficulty_net=dict(optimizer=dict(type='SGD', lr=0.5))))(model)
    assert isinstance(ow['difficulty_net'].optimizer, torch.optim.SGD)
    with pytest.raises(ValueError, match="unknown \\['extra'\\]"):
        DifficultyNetOptimWrapperConstructor(dict(
            classifier=dict(optimizer=dict(type='SGD', lr=0.1)),
            extra=dict()))
    with pytest.raises(ValueError, match="missing \\['classifier'\\]"):
        DifficultyNetOptimWrapperConstructor(dict())


class _Lrs(Hook):
    """Learning rates of both optimisers: right after the runner built and
    scaled them (before_run), after the hooks' before_train, and after
    every iteration."""
    priority = 'LOWEST'  # before_train after DifficultyNetHook's

    def __init__(self):
        self.before_run_lrs = None
        self.start = None
        self.iters = []

    @staticmethod
    def _lrs(runner):
        return {k: [g['lr'] for g in w.optimizer.param_groups]
                for k, w in runner.optim_wrapper.items()}

    def before_run(self, runner):
        self.before_run_lrs = self._lrs(runner)

    def before_train(self, runner):
        self.start = self._lrs(runner)
        self.d_schedulers = list(runner.param_schedulers['difficulty_net'])

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.iters.append(self._lrs(runner))


def _train(cfg):
    runner = Runner.from_cfg(cfg)
    lrs = _Lrs()
    runner.register_hook(lrs)
    runner.train()
    return runner, lrs


def test_auto_scale_lr_scales_the_classifier_lr_only(toy_root, tmp_path):
    # the toy batch is 32: base 64 halves the learning rates
    cfg = toy_cfg('toy_difficulty_net.py', toy_root, str(tmp_path), **{
        'train_cfg.max_epochs': 1,
        'auto_scale_lr': dict(base_batch_size=64, enable=True)})
    runner, lrs = _train(cfg)
    # mmengine's Runner.scale_lr scales every wrapper of the dict ...
    assert lrs.before_run_lrs == dict(classifier=[CLS_LR / 2],
                                      difficulty_net=[D_LR / 2])
    # ... DifficultyNetHook gives D its configured lr back
    assert lrs.start == dict(classifier=[CLS_LR / 2],
                             difficulty_net=[D_LR])
    assert lrs.iters and all(i['difficulty_net'] == [D_LR]
                             for i in lrs.iters)
    ckpt = torch.load(osp.join(str(tmp_path), 'epoch_1.pth'),
                      map_location='cpu', weights_only=False)
    assert ckpt['optimizer']['difficulty_net']['param_groups'][0]['lr'] == \
        D_LR


def test_a_shared_scheduler_list_does_not_schedule_d(toy_root, tmp_path):
    cfg = toy_cfg('toy_difficulty_net.py', toy_root, str(tmp_path),
                  **{'train_cfg.max_epochs': 1})
    # one list for both optimisers: mmengine builds it for each of them
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=3),
        dict(type='LinearMomentum', start_factor=0.5, by_epoch=False,
             begin=0, end=3),
    ]
    runner, lrs = _train(cfg)
    # the schedule's first value reached D's Adam (lr, and beta_1 through
    # the momentum scheduler) ...
    assert lrs.before_run_lrs['difficulty_net'] == pytest.approx(
        [D_LR * 0.1])
    # ... and is undone; D keeps no scheduler, the classifier keeps both
    assert lrs.start['difficulty_net'] == [D_LR]
    assert lrs.d_schedulers == []
    assert len(runner.param_schedulers['classifier']) == 2
    (group, ) = runner.optim_wrapper['difficulty_net'].optimizer.param_groups
    assert group['betas'] == (0.9, 0.999)
    assert 'initial_lr' not in group and 'momentum' not in group
    cls_lrs = [i['classifier'][0] for i in lrs.iters]
    assert cls_lrs[0] < cls_lrs[2] == pytest.approx(CLS_LR)
    assert all(i['difficulty_net'] == [D_LR] for i in lrs.iters)

    # resume: the checkpoint holds no scheduler for D; D stays constant
    cfg.resume = True
    cfg.train_cfg.max_epochs = 2
    runner, lrs = _train(cfg)
    assert runner.epoch == 2
    assert lrs.start['difficulty_net'] == [D_LR]
    assert lrs.iters and all(i['difficulty_net'] == [D_LR]
                             for i in lrs.iters)


def test_d_schedule_of_its_own_starts_from_the_configured_lr(
        toy_root, tmp_path):
    cfg = toy_cfg('toy_difficulty_net.py', toy_root, str(tmp_path), **{
        'train_cfg.max_epochs': 1,
        'auto_scale_lr': dict(base_batch_size=64, enable=True)})
    cfg.param_scheduler = dict(
        classifier=[],
        difficulty_net=[dict(type='MultiStepLR', milestones=[1], gamma=0.5,
                             by_epoch=True, begin=0, end=2)])
    runner, lrs = _train(cfg)
    assert lrs.start['difficulty_net'] == [D_LR]
    (sched, ) = runner.param_schedulers['difficulty_net']
    assert sched.base_values == [D_LR]
    # the milestone at the end of epoch 1 halves the configured lr
    d_lr = runner.optim_wrapper['difficulty_net'].optimizer.param_groups[0][
        'lr']
    assert d_lr == pytest.approx(D_LR / 2)
