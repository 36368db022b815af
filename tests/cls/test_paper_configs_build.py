"""Every paper-scale classification config builds in a real mmengine Runner:
model, hooks, optimiser wrapper(s), parameter schedulers, and the learning
rate scaling of ``--auto-scale-lr`` (its data sets are not built: CIFAR-100,
ImageNet-LT and MNIST cannot be downloaded here)."""
import glob
import os.path as osp
import uuid

import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from torch.utils.data import DataLoader

import lt_plugins.cls  # noqa: F401

CFG_ROOT = osp.abspath(
    osp.join(osp.dirname(__file__), '..', '..', 'configs', 'cls'))
CONFIGS = sorted(
    p for d in ('cdb', 'ala', 'iwb', 'difficulty_net', 'baselines')
    for p in glob.glob(osp.join(CFG_ROOT, d, '*.py')))


def _lrs(optim_wrapper):
    wrappers = optim_wrapper.values() if hasattr(optim_wrapper, 'items') \
        else [optim_wrapper]
    return [g['lr'] for w in wrappers for g in w.optimizer.param_groups]


@pytest.mark.parametrize('path', CONFIGS,
                         ids=lambda p: osp.relpath(p, CFG_ROOT))
def test_paper_config_builds_and_scales_its_lr(path, tmp_path):
    cfg = Config.fromfile(path)
    assert cfg.auto_scale_lr.enable is False  # --auto-scale-lr turns it on
    base = cfg.auto_scale_lr.base_batch_size
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = uuid.uuid4().hex
    cfg.visualizer.name = cfg.experiment_name
    cfg.load_from = None
    runner = Runner.from_cfg(cfg)
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    lrs = _lrs(optim_wrapper)
    assert lrs and all(lr > 0 for lr in lrs)
    # --auto-scale-lr: the classifier's lr follows the total batch size
    runner.scale_lr(optim_wrapper, dict(enable=True, base_batch_size=base))
    assert _lrs(optim_wrapper)[0] == pytest.approx(
        lrs[0] * cfg.train_dataloader.batch_size / base)
    runner.optim_wrapper = optim_wrapper
    # per-epoch schedulers are converted to iterations with the epoch length
    runner._train_dataloader = DataLoader(list(range(10)))
    schedulers = runner.build_param_scheduler(cfg.param_scheduler)
    # every configured scheduler is built (the CDB paper's MNIST schedule
    # has none: no lr decay)
    assert bool(schedulers) == bool(cfg.param_scheduler)
