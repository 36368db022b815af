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
        # (LeNet-5's classifier is in the backbone, its ClsHead has none)
        num_classes = cdb.model.head.get('num_classes',
                                         cdb.model.backbone.get('num_classes'))
        assert cdb.model.head.loss.num_classes == num_classes


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


@pytest.mark.parametrize('ratio', [0.99, 0.995])
def test_head_class_ratio_reaches_mnist_training_set_and_metric(ratio):
    for method in ('ce', 'cdb-w-ce', 'cdb-s'):
        cfg = Config.fromfile(
            osp.join(CFG_DIR, f'lenet5_mnist-2cls-hr{ratio}_{method}.py'))
        for ds in (cfg.train_dataloader.dataset,
                   cfg.val_evaluator.train_dataset,
                   cfg.test_evaluator.train_dataset):
            assert ds.head_class_ratio == ratio and ds.split == 'train'
        assert cfg.val_dataloader.dataset.split == 'test'
        if method != 'ce':
            held = cfg.custom_hooks[0].dataloader.dataset
            assert held.split == 'heldout' and held.heldout_per_class == 500


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
    with pytest.raises(ValueError, match='valid depths'):
        MODELS.build(dict(type='ResNet_CIFAR_Thin', depth=18))


def _train_tool():
    import importlib.util
    path = osp.join(CFG_DIR, '..', '..', '..', 'tools', 'train.py')
    spec = importlib.util.spec_from_file_location('lt_train_tool', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('name, base_batch', [
    ('resnet32_cifar100-lt-r100_cdb-s.py', 128),
    ('resnet50_imagenet-lt_cdb-w-ce.py', 512),
])
def test_auto_scale_lr_flag_works_with_the_configs(name, base_batch):
    """docs/classification.md tells multi-GPU users to pass --auto-scale-lr:
    the batch size in the configs is per process."""
    tool = _train_tool()
    path = osp.join(CFG_DIR, name)
    cfg = tool.build_cfg(tool.parse_args([path]))
    assert cfg.auto_scale_lr.enable is False
    cfg = tool.build_cfg(tool.parse_args([path, '--auto-scale-lr']))
    assert cfg.auto_scale_lr.enable is True
    assert cfg.auto_scale_lr.base_batch_size == base_batch


@pytest.mark.parametrize('ratio, tail, real_ratio, total', [
    (10, 45, 10.0, 17614),
    (50, 9, 50.0, 11349),
    (100, 4, 112.5, 9754),
    (200, 2, 225.0, 8548),
])
def test_real_head_tail_ratio_of_the_cifar_configs(ratio, tail, real_ratio,
                                                   total):
    """n_max = 500 - 50 held out = 450 and the floor rule: the r100 and r200
    configs train at a head/tail ratio of 112.5 and 225 (documented)."""
    from lt_plugins.cls.datasets import long_tail_counts
    cfg = Config.fromfile(
        osp.join(CFG_DIR, f'resnet32_cifar100-lt-r{ratio}_cdb-s.py'))
    ds = cfg.train_dataloader.dataset
    counts = long_tail_counts(500 - ds.heldout_per_class, 100,
                              ds.imbalance_ratio)
    assert counts[0] == 450 and counts[-1] == tail
    assert counts[0] / counts[-1] == real_ratio
    assert sum(counts) == total
