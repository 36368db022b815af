"""The full LVIS v0.5 configs build and train one short epoch on toy data.

A user with the real data runs them unchanged; here only what cannot exist on
this machine is overridden: the data root (toy data, 20 classes instead of
1230), the ImageNet/COCO checkpoints (not downloadable) and the image size.
"""
import copy
import json
import os.path as osp
import shutil
import uuid

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
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
    'mask-rcnn_r50_fpn_1x_lvis-v0.5_ce-cdbsplit.py',
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


def _to_toy(node, data_root, num_classes=len(TOY_CLASSES)):
    """Point every part of a config at the toy data, recursively.

    ``num_classes=None`` keeps the config's class count (the toy labels are
    valid labels of the 1230-class LVIS heads).
    """
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == 'num_classes':
                if num_classes is not None:
                    node[key] = num_classes
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
                _to_toy(value, data_root, num_classes)
    elif isinstance(node, list):
        for item in node:
            _to_toy(item, data_root, num_classes)


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
        # the decoupled stage starts from a trained detector and measures
        # before its first epoch; the others follow the paper's schedule
        assert hook.get('measure_before_train', False) == ('cdb-cls' in name)
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
            history = json.load(f)['history']
        assert [r['epoch'] for r in history] == (
            [0, 1] if 'cdb-cls' in name else [1])
        record = history[-1]
        losses = cdb_losses(runner.model)
        # Cascade R-CNN: one CDB loss per stage, all get the weights
        assert len(losses) == (3 if name.startswith('cascade') else 1)
        for loss in losses:
            np.testing.assert_allclose(loss.foreground_weights.numpy(),
                                       record['weights'], rtol=1e-6)


# ------------------------------------------------ the paper's COCO start
# mmdet's model-zoo COCO checkpoints of the same detectors (the Weights
# of faster-rcnn_r50_fpn_1x_coco / mask-rcnn_r50_fpn_1x_coco in mmdet 3.3's
# configs/{faster,mask}_rcnn/metafile.yml)
COCO_FASTER = ('https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/'
               'faster_rcnn_r50_fpn_1x_coco/'
               'faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth')
COCO_MASK = ('https://download.openmmlab.com/mmdetection/v2.0/mask_rcnn/'
             'mask_rcnn_r50_fpn_1x_coco/'
             'mask_rcnn_r50_fpn_1x_coco_20200205-d4b0c5d6.pth')
COCO_INIT = {
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_ce_coco-init.py': (
        'faster-rcnn_r50_fpn_1x_lvis-v0.5_ce.py', COCO_FASTER),
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb_coco-init.py': (
        'faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py', COCO_FASTER),
    'mask-rcnn_r50_fpn_1x_lvis-v0.5_ce_coco-init.py': (
        'mask-rcnn_r50_fpn_1x_lvis-v0.5_ce.py', COCO_MASK),
    'mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb_coco-init.py': (
        'mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py', COCO_MASK),
}


@pytest.mark.parametrize('name', sorted(COCO_INIT))
def test_coco_init_config_is_its_base_plus_the_coco_checkpoint(name):
    base_name, url = COCO_INIT[name]
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lvis', name))
    base = Config.fromfile(osp.join(REPO, 'configs', 'lvis', base_name))
    assert cfg.load_from == url
    assert cfg.model.backbone.init_cfg is None
    assert base.model.backbone.init_cfg.type == 'Pretrained'
    # nothing else differs from the ImageNet-initialised config
    variant, reference = cfg.to_dict(), base.to_dict()
    for d in (variant, reference):
        d.pop('load_from', None)
        d['model']['backbone'].pop('init_cfg')
    assert variant == reference


CE_CLS = ['faster-rcnn_r50_fpn_1x_lvis-v0.5_ce-cls.py',
          'faster-rcnn_r50_fpn_1x_lvis-v1_ce-cls.py',
          'mask-rcnn_r50_fpn_1x_lvis-v1_ce-cls.py']


@pytest.mark.parametrize('name', CE_CLS)
def test_ce_cls_config_is_the_cdb_cls_stage_2_with_plain_ce(name):
    """The control of a -cls run differs from it by the loss and the
    difficulty hook alone: same start, frozen layers, data and schedule."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lvis', name))
    pair = Config.fromfile(osp.join(
        REPO, 'configs', 'lvis', name.replace('ce-cls', 'cdb-cls')))
    control, cdb = cfg.to_dict(), pair.to_dict()
    assert control['load_from'].endswith('_ce-cdbsplit/epoch_12.pth')
    assert control['train_dataloader']['dataset']['ann_file'].endswith(
        '_train_cdb.json')
    loss = control['model']['roi_head']['bbox_head'].pop('loss_cls')
    cdb_loss = cdb['model']['roi_head']['bbox_head'].pop('loss_cls')
    assert (loss['type'], cdb_loss['type']) == (
        'CrossEntropyLoss', 'CDBCrossEntropyLoss')
    assert loss['use_sigmoid'] is False
    hooks = cdb.pop('custom_hooks')
    assert [h['type'] for h in hooks] == ['FreezeAllButHook',
                                          'CDBDifficultyHook']
    assert control.pop('custom_hooks') == hooks[:1]
    assert control == cdb


class _SnapshotHook(Hook):
    """Copies the model's state when training starts (after load_from)."""

    def before_train(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') \
            else runner.model
        self.state = {k: v.detach().clone()
                      for k, v in model.state_dict().items()}


def _coco_checkpoint(cfg, path):
    """An 80-class (COCO-sized) detector of the config's architecture, its
    weights moved away from any fresh initialisation, saved like a
    model-zoo checkpoint."""
    from mmdet.registry import MODELS
    coco = copy.deepcopy(cfg.model)
    _to_toy(coco, '', num_classes=80)
    coco.backbone.init_cfg = None
    for head in ('bbox_head', 'mask_head'):
        if head in coco.roi_head:
            coco.roi_head[head].pop('loss_cls', None)  # plain CE for COCO
    model = MODELS.build(coco)
    model.init_weights()
    state = {k: (v + 0.25 if v.is_floating_point() else v)
             for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict()), path)
    return state


# the layers whose size is the number of classes: not loadable from COCO
CLASS_SPECIFIC = ('roi_head.bbox_head.fc_cls.', 'roi_head.bbox_head.fc_reg.',
                  'roi_head.mask_head.conv_logits.',
                  'roi_head.bbox_head.loss_cls.')


# (the two cover both checkpoints, the 1230-class and the toy-sized head,
# the mask head and the CDB loss; the other two configs differ from these
# only as the test above checks)
@pytest.mark.parametrize('name', [
    'faster-rcnn_r50_fpn_1x_lvis-v0.5_ce_coco-init.py',
    'mask-rcnn_r50_fpn_1x_lvis-v0.5_cdb_coco-init.py',
])
def test_coco_checkpoint_loads_all_but_the_class_specific_layers(
        name, data, tmp_path):
    """load_from an 80-class COCO detector: every shared weight comes from
    the checkpoint, the class-specific layers keep their 1230-class shapes
    and a fresh initialisation, and training runs."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lvis', name))
    cdb = '_cdb' in name
    # the CE heads keep their 1230 LVIS classes (the 20 toy labels are
    # valid labels of them); the CDB hook needs the toy's 20
    n_cls = len(TOY_CLASSES) if cdb else 1230
    _to_toy(cfg._cfg_dict, data, num_classes=len(TOY_CLASSES) if cdb
            else None)
    ckpt = str(tmp_path / 'coco.pth')
    coco = _coco_checkpoint(cfg, ckpt)
    assert coco['roi_head.bbox_head.fc_cls.weight'].shape[0] == 81
    cfg.load_from = ckpt
    cfg.val_evaluator.ann_file = data + 'annotations/lvis_v0.5_val.json'
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    for hook in cfg.get('custom_hooks', []):
        if hook.type == 'CDBDifficultyHook':
            hook.dataloader.num_workers = 0
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1,
                         val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = uuid.uuid4().hex
    cfg.visualizer.name = cfg.experiment_name
    runner = Runner.from_cfg(cfg)
    snap = _SnapshotHook()
    runner.register_hook(snap, priority='LOWEST')
    runner.train()
    assert runner.iter == 2 and runner.epoch == 1  # training ran

    state = snap.state
    shared = [k for k in coco if not k.startswith(CLASS_SPECIFIC)]
    assert any(k.startswith('backbone.') for k in shared)
    assert any(k.startswith('neck.') for k in shared)
    assert any(k.startswith('rpn_head.') for k in shared)
    assert 'roi_head.bbox_head.shared_fcs.0.weight' in shared
    for k in shared:
        assert torch.equal(state[k], coco[k]), k
    # the class-specific layers: LVIS-sized, freshly initialised (mmdet's
    # Shared2FCBBoxHead init: normal std 0.01 / 0.001, bias 0)
    fc_cls = state['roi_head.bbox_head.fc_cls.weight']
    assert fc_cls.shape == (n_cls + 1, 1024)
    assert state['roi_head.bbox_head.fc_reg.weight'].shape == (4 * n_cls,
                                                              1024)
    assert float(fc_cls.std()) == pytest.approx(0.01, rel=0.1)
    assert float(state['roi_head.bbox_head.fc_reg.weight'].std()) == \
        pytest.approx(0.001, rel=0.1)
    for k in ('fc_cls.bias', 'fc_reg.bias'):
        assert not state[f'roi_head.bbox_head.{k}'].any(), k
    if name.startswith('mask'):
        logits = state['roi_head.mask_head.conv_logits.weight']
        assert logits.shape[0] == n_cls
        assert not state['roi_head.mask_head.conv_logits.bias'].any()
        assert abs(float(logits.mean())) < 0.05  # not the +0.25 of COCO
        assert 'roi_head.mask_head.convs.0.conv.weight' in shared
    if cdb:  # the hook, not the checkpoint, set the loss weights
        assert 'roi_head.bbox_head.loss_cls.class_weight' not in coco
        np.testing.assert_array_equal(
            state['roi_head.bbox_head.loss_cls.class_weight'].numpy(),
            np.ones(n_cls + 1))


@pytest.mark.parametrize('name', sorted(
    osp.basename(p) for p in __import__('glob').glob(
        osp.join(REPO, 'configs', 'lvis', '*.py'))))
def test_lvis_configs_evaluate_with_the_fast_metric_and_a_long_timeout(name):
    # rank 0 evaluates while the other ranks wait: NCCL's default 10-minute
    # timeout would end a run whose LVIS evaluation takes longer
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lvis', name))
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key].type == 'FastLVISMetric', (key, cfg[key])
        assert cfg[key].get('backend', 'auto') == 'auto'
    assert cfg.env_cfg.dist_cfg.timeout >= 3600
