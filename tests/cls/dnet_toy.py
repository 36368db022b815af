"""Shared helpers of the Difficulty-Net tests: toy configs, models, batches."""
import copy
import os.path as osp
import uuid

import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.difficulty_net import DifficultyNetOptimWrapperConstructor

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_CONFIGS = osp.join(REPO, 'configs', 'cls', 'toy')
HELDOUT_PER_CLASS = 10


def _point_at(node, data_root):
    if isinstance(node, dict):
        for key in list(node.keys()):
            if key == 'data_root':
                node[key] = data_root
            elif key == 'heldout_per_class':
                node[key] = HELDOUT_PER_CLASS
            else:
                _point_at(node[key], data_root)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _point_at(value, data_root)


def toy_cfg(name: str, data_root: str, work_dir: str, **options) -> Config:
    """A toy config pointed at generated data (10 held-out images per
    class) and a temporary work dir."""
    cfg = Config.fromfile(osp.join(TOY_CONFIGS, name))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'val_evaluator', 'test_evaluator', 'custom_hooks'):
        if key in cfg:
            _point_at(cfg[key], data_root)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    cfg.experiment_name = f'{osp.splitext(name)[0]}_{uuid.uuid4().hex[:8]}'
    cfg.default_hooks.logger.interval = 1
    cfg.merge_from_dict(options)
    return cfg


def build_model(**overrides):
    """The toy Difficulty-Net classifier (ResNet-20, 8 channels, 10
    classes), seeded."""
    cfg = Config.fromfile(osp.join(TOY_CONFIGS, 'toy_difficulty_net.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['data_preprocessor'] = cfg.data_preprocessor
    model_cfg.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


def build_optim(model, cls_optim=None, d_optim=None):
    """Both optimiser wrappers through the project's constructor."""
    cls_optim = cls_optim or dict(type='SGD', lr=0.1)
    d_optim = d_optim or dict(type='Adam', lr=1e-3, weight_decay=1e-4)
    return DifficultyNetOptimWrapperConstructor(
        dict(classifier=dict(optimizer=cls_optim),
             difficulty_net=dict(optimizer=d_optim)))(model)


def raw_batch(labels, seed):
    """A data-loader batch (uint8 images + DataSamples) for ``labels``."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, 32, 32), generator=g,
                            dtype=torch.uint8) for _ in labels]
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=inputs, data_samples=samples)
