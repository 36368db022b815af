"""The CIFAR-100-LT / ImageNet-LT configs: CDB = CE + loss (or sampler) +
hook, nothing else; models build."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import lt_plugins.cls  # noqa: F401
import lt_plugins.cls.backbones  # noqa: F401

CFG_DIR = osp.abspath(
    osp.join(osp.dirname(__file__), '..', '..', 'configs', 'cls', 'cdb'))
PAIRS = sorted(
    p for p in glob.glob(osp.join(CFG_DIR, '*_cdb-*.py'))
    if not p.endswith('_cdb-w-fl.py'))


def _strip(cfg, method):
    d = copy.deepcopy(cfg.to_dict())
    d.pop('custom_hooks', None)
    if method == 'cdb-s':
        d['train_dataloader'].pop('sampler')
    else:
        d['model']['head'].pop('loss')
    return d


@pytest.mark.parametrize('path', PAIRS, ids=osp.basename)
def test_cdb_config_differs_from_ce_only_by_method(path):
    method = 'cdb-s' if path.endswith('_cdb-s.py') else 'cdb-w-ce'
    ce = Config.fromfile(path.replace(f'_{method}.py', '_ce.py'))
    cdb = Config.fromfile(path)
    assert _strip(ce, method) == _strip(cdb, method)
    hook, = cdb.custom_hooks
    assert hook.type == 'CDBClsHook'
    # the hook measures on the held-out split, never on the test split
    assert hook.dataloader.dataset.split in ('heldout', 'val')
    if method == 'cdb-s':
        assert cdb.train_dataloader.sampler.type == 'CDBSampler'
    else:
        assert cdb.model.head.loss.type == 'CDBLoss'
        assert cdb.model.head.loss.num_classes == cdb.model.head.num_classes


@pytest.mark.parametrize('ratio', [10, 50, 100, 200])
def test_imbalance_ratio_reaches_training_set_and_metric(ratio):
    for method in ('ce', 'cdb-w-ce', 'cdb-s'):
        cfg = Config.fromfile(
            osp.join(CFG_DIR, f'resnet32_cifar100-lt-r{ratio}_{method}.py'))
        assert cfg.train_dataloader.dataset.imbalance_ratio == ratio
        assert cfg.val_evaluator.train_dataset.imbalance_ratio == ratio
        assert cfg.test_evaluator.train_dataset.imbalance_ratio == ratio
        assert cfg.train_dataloader.dataset.heldout_per_class == 50
        if method != 'ce':
            held = cfg.custom_hooks[0].dataloader.dataset
            assert held.split == 'heldout' and held.heldout_per_class == 50


@pytest.mark.parametrize('name, size, params', [
    ('resnet32_cifar100-lt-r100_ce.py', 32, 472756),
    ('resnet10_imagenet-lt_ce.py', 64, 5418792),
])
def test_paper_backbones_build(name, size, params):
    model = MODELS.build(Config.fromfile(osp.join(CFG_DIR, name)).model)
    assert sum(p.numel() for p in model.parameters()) == params
    out = model(torch.zeros(2, 3, size, size), mode='tensor')
    assert out.shape == (2, model.head.num_classes)


def test_resnet32_has_three_stages_of_five_blocks():
    bb = MODELS.build(dict(type='ResNet_CIFAR_Thin', depth=32))
    assert [len(getattr(bb, n)) for n in bb.res_layers] == [5, 5, 5]
    assert [getattr(bb, n)[-1].out_channels for n in bb.res_layers] == [
        16, 32, 64]
    with pytest.raises(KeyError, match='valid depths'):
        MODELS.build(dict(type='ResNet_CIFAR_Thin', depth=18))
