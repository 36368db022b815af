"""The Difficulty-Net configs: batch sizes per process, D's optimiser."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join(REPO, 'configs', 'cls', 'difficulty_net')
STAGE1 = sorted(glob.glob(osp.join(CFG_DIR, '*_difficulty-net.py')))
STAGE2 = sorted(glob.glob(osp.join(CFG_DIR, '*_dnet-*.py')))


def _meta_loader(cfg):
    (hook, ) = [h for h in cfg.custom_hooks
                if h['type'] == 'DifficultyNetHook']
    return hook['meta_dataloader']


def test_the_configs_are_found():
    assert len(STAGE1) == 2 and len(STAGE2) == 6


# mmengine batch sizes are per process; (processes the config is written
# for, training images per iteration, meta images per iteration) in total
TOTALS = {
    'resnet32_cifar100-lt-r100_difficulty-net.py': (1, 128, 100),
    'resnet10_imagenet-lt_difficulty-net.py': (4, 128, 128),
}


@pytest.mark.parametrize('path', STAGE1, ids=osp.basename)
def test_stage1_train_and_meta_batches_are_per_process(path):
    cfg = Config.fromfile(path)
    procs, train_total, meta_total = TOTALS[osp.basename(path)]
    train_bs = cfg.train_dataloader.batch_size
    meta_bs = _meta_loader(cfg)['batch_size']
    assert (procs * train_bs, procs * meta_bs) == (train_total, meta_total)
    # --auto-scale-lr compares base_batch_size with world_size * batch_size
    # (tools/train.py needs the 'enable' key to switch it on)
    assert cfg.auto_scale_lr == dict(enable=False,
                                     base_batch_size=train_total)
    # D: Adam lr 1e-3, weight decay 1e-4 (SPEC 2), constant learning rate
    d_optim = cfg.optim_wrapper.difficulty_net.optimizer
    assert (d_optim.type, d_optim.lr, d_optim.weight_decay) == ('Adam', 1e-3,
                                                               1e-4)
    assert set(cfg.param_scheduler) == {'classifier', 'difficulty_net'}
    assert cfg.param_scheduler.difficulty_net == []
    assert cfg.model_wrapper_cfg.type == 'DifficultyNetDDP'


@pytest.mark.parametrize('path', STAGE2, ids=osp.basename)
def test_stage2_batches_follow_the_stage1_convention(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    stage1 = Config.fromfile(osp.join(
        CFG_DIR, name.split('_dnet-')[0] + '_difficulty-net.py'))
    assert cfg.train_dataloader.batch_size == \
        stage1.train_dataloader.batch_size
    assert cfg.auto_scale_lr == stage1.auto_scale_lr
    assert cfg.train_dataloader.sampler.type == 'CDBSampler'
