"""The full LVIS v0.5 configs build and train one short epoch on toy data.

A user with the real data runs them unchanged; here only what cannot exist on
this machine is overridden: the data root (toy data, 20 classes instead of
1230), the ImageNet/COCO checkpoints (not downloadable) and the image size.
"""
import json
import os.path as osp
import shutil
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import lt_plugins.det  # noqa: F401
from lt_plugins.data.lvis_split import split_lvis_heldout
from lt_plugins.data.toy_lvis import TOY_CLASSES
from lt_plugins.det.difficulty_hook import cdb_losses
from .toy_runs import REPO

LVIS_CONFIGS = [
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py',
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_ce-cdbsplit.py',
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py',
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb-rfs.py',
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb-cls.py',
    'mask-rcnn_r50_fpn_1x_lvis-v0.5_ce.py',
    'mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py',
    'retinanet_r50_fpn_1x_lvis-v0.5_ce.py',
    'retinanet_r50_fpn_1x_lvis-v0.5_cdb.py',
    'cascade-rcnn_r50_fpn_1x_lvis-v0.5_ce.py',
    'cascade-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py',
]


@pytest.fixture(scope='module')
def data(toy_lvis, tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy_cfgs'))
    shutil.copytree(toy_lvis['root'], root, dirs_exist_ok=True)
    ann = osp.join(root, 'annotations')
    train_ann, heldout_ann, _ = split_lvis_heldout(
        json.load(open(osp.join(ann, 'lvis_v0.5_train.json'))),
        images_per_category=1, seed=0)
    json.dump(train_ann, open(osp.join(ann, 'lvis_v0.5_train_cdb.json'), 'w'))
    json.dump(heldout_ann, open(osp.join(ann, 'lvis_v0.5_heldout.json'), 'w'))
    return root + '/'


def _to_toy(node, data_root):
    """Point every part of a config at the toy data, recursively."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == 'num_classes':
                node[key] = len(TOY_CLASSES)
            elif key == 'data_root':
                node[key] = data_root
            elif key == 'scale' and isinstance(value, tuple):
                node[key] = (64, 64)
            elif key == 'init_cfg' and isinstance(value, dict) and \
                    value.get('type') == 'Pretrained':
                node[key] = None
            elif key == 'type' and value in ('LVISV05Dataset', ):
                node['metainfo'] = dict(classes=TOY_CLASSES)
                node['indices'] = 4
            else:
                _to_toy(value, data_root)
    elif isinstance(node, list):
        for item in node:
            _to_toy(item, data_root)


@pytest.mark.parametrize('name', LVIS_CONFIGS)
def test_lvis_config_trains_one_epoch_on_toy_data(name, data, tmp_path):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lvis', name))
    # what the paper fixes is in the config as the paper says
    assert cfg.train_cfg.max_epochs == 12
    opt = cfg.optim_wrapper
    if 'cdb-cls' not in name:
        assert opt.optimizer.lr == 0.01 and opt.optimizer.momentum == 0.9
        assert opt.optimizer.weight_decay == 0.0001 and opt.clip_grad
        assert [s for s in cfg.param_scheduler
                if s.type == 'MultiStepLR'][0].milestones == [8, 11]
    if '_cdb' in name:
        hook = [h for h in cfg.custom_hooks
                if h.type == 'CDBDifficultyHook'][0]
        assert hook.tau == 'sigmoid' and hook.interval == 1
    _to_toy(cfg._cfg_dict, data)
    cfg.val_evaluator.ann_file = data + 'annotations/lvis_v0.5_val.json'
    cfg.test_evaluator = cfg.val_evaluator
    cfg.load_from = None
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    for hook in cfg.get('custom_hooks', []):
        if hook.type == 'CDBDifficultyHook':
            hook.dataloader.num_workers = 0
            if name.startswith('mask-rcnn'):
                hook.metric = 'segm'  # the mask AP path of the hook
    # 4 training images, batch 2: two iterations, then the hook measures
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1,
                         val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = uuid.uuid4().hex
    cfg.visualizer.name = cfg.experiment_name
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2 and runner.epoch == 1
    if '_cdb' in name:
        with open(osp.join(runner.work_dir, 'cdb_history.json')) as f:
            (record, ) = json.load(f)['history']
        assert record['epoch'] == 1
        losses = cdb_losses(runner.model)
        # Cascade R-CNN: one CDB loss per stage, all get the weights
        assert len(losses) == (3 if name.startswith('cascade') else 1)
        for loss in losses:
            np.testing.assert_allclose(loss.foreground_weights.numpy(),
                                       record['weights'], rtol=1e-6)
