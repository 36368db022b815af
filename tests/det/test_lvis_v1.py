"""LVIS v1 in the detection stack.

mmdet's ``LVISV1Dataset`` on the v1 toy files, the per-category metric on
files of either version against the ``lvis`` API, and every LVIS v1 config
built, checked against its v0.5 twin, trained for a short epoch on v1 toy
data with the difficulty hook measuring, and evaluated (AP/APr/APc/APf).
"""
import copy
import glob
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
from lt_plugins.data.lvis_version import lvis_image_path
from lt_plugins.data.toy_lvis import TOY_CLASSES
from lt_plugins.det.difficulty_hook import cdb_losses
from lt_plugins.det.lvis_per_category_metric import LVISPerCategoryMetric
from .test_lvis_configs import _to_toy
from .test_lvis_per_category_metric import _lvis_reference, _predictions
from .toy_runs import REPO

V1_CONFIGS = [
    f'{det}_r50_fpn_1x_lvis-v1_{method}.py'
    for det in ('faster-rcnn', 'mask-rcnn')
    for method in ('ce', 'ce-cdbsplit', 'cdb', 'cdb-cls', 'cdb-rfs')
]


def _load(path):
    with open(path) as f:
        return json.load(f)


# ------------------------------------------------------------- data set
def test_lvis_v1_dataset_reads_the_images_coco_url_points_to(toy_lvis_v1):
    from mmdet.datasets import LVISV05Dataset, LVISV1Dataset
    root = toy_lvis_v1['root']
    folders = set()
    for split in ('train', 'val'):
        ann_file = f'annotations/lvis_v1_{split}.json'
        ds = LVISV1Dataset(data_root=root, ann_file=ann_file,
                           data_prefix=dict(img=''),
                           metainfo=dict(classes=TOY_CLASSES), pipeline=[],
                           test_mode=True)
        images = _load(toy_lvis_v1[split])['images']
        assert len(ds) == len(images)
        for k, img in enumerate(images):
            info = ds.get_data_info(k)
            assert info['img_id'] == img['id']
            expect = osp.join(root, lvis_image_path(img))
            assert osp.normpath(info['img_path']) == osp.normpath(expect)
            assert osp.isfile(info['img_path'])
            folders.add(osp.basename(osp.dirname(info['img_path'])))
    assert folders == {'train2017', 'val2017'}
    # the v0.5 class cannot read v1 records (they have no file_name): the
    # reason the v1 configs name LVISV1Dataset
    with pytest.raises(KeyError, match='file_name'):
        LVISV05Dataset(data_root=root,
                       ann_file='annotations/lvis_v1_val.json',
                       data_prefix=dict(img='val2017/'),
                       metainfo=dict(classes=TOY_CLASSES), pipeline=[])


# --------------------------------------------------------------- metric
@pytest.mark.parametrize('version', ['v0.5', 'v1'])
def test_per_category_metric_matches_the_lvis_api_on_either_version(
        version, request, tmp_path):
    toy = request.getfixturevalue(
        'toy_lvis' if version == 'v0.5' else 'toy_lvis_v1')
    ann = toy['val']
    samples, flat, cat_ids = _predictions(ann, seed=3)
    metric = LVISPerCategoryMetric(ann_file=ann, metric='bbox')
    metric.dataset_meta = dict(classes=TOY_CLASSES)
    metric.process({}, samples)
    res = metric.compute_metrics(metric.results)
    ref, expect = _lvis_reference(ann, flat, tmp_path, cat_ids)
    np.testing.assert_allclose(res['bbox_per_category_ap'], expect,
                               atol=1e-6)
    for key in ('AP', 'APr', 'APc', 'APf'):
        assert res[f'bbox_{key}'] == pytest.approx(ref[key], abs=1e-6)
    # the v1 file holds the v0.5 file's annotations: the same AP
    other = request.getfixturevalue(
        'toy_lvis_v1' if version == 'v0.5' else 'toy_lvis')['val']
    _, ref_other = _lvis_reference(other, flat, tmp_path, cat_ids)
    np.testing.assert_allclose(ref_other, expect, atol=1e-12)


# -------------------------------------------------------------- configs
def _dataset(node):
    """The LVIS data set config inside dataset wrappers."""
    while node.type == 'ClassBalancedDataset':
        node = node.dataset
    return node


def _v05_twin(name):
    path = osp.join(REPO, 'configs', 'lvis', name.replace('lvis-v1',
                                                          'lvis-v0.5'))
    return Config.fromfile(path) if osp.isfile(path) else None


def _classes_to(node, n):
    """``node`` with every ``num_classes`` set to ``n`` (a copy)."""
    node = copy.deepcopy(node)

    def walk(x):
        if isinstance(x, dict):
            for k in x:
                if k == 'num_classes':
                    x[k] = n
                else:
                    walk(x[k])
        elif isinstance(x, list):
            for item in x:
                walk(item)

    walk(node)
    return node


def _check_v1_settings(cfg, name):
    """What the v1 configs fix: data, classes, hook, sampling, and the rest
    of the v0.5 twin unchanged."""
    train = _dataset(cfg.train_dataloader.dataset)
    assert train.type == 'LVISV1Dataset'
    assert train.data_root == 'data/lvis_v1/'
    assert train.data_prefix == dict(img='')
    split = '_train.json' if name.endswith(('_ce.py', )) else '_train_cdb.json'
    assert train.ann_file == 'annotations/lvis_v1' + split
    val = cfg.val_dataloader.dataset
    assert (val.type, val.ann_file, val.data_prefix) == (
        'LVISV1Dataset', 'annotations/lvis_v1_val.json', dict(img=''))
    assert cfg.val_evaluator.ann_file == \
        'data/lvis_v1/annotations/lvis_v1_val.json'
    roi = cfg.model.roi_head
    assert roi.bbox_head.num_classes == 1203
    # the LVIS protocol: up to 300 detections per image
    assert cfg.model.test_cfg.rcnn.max_per_img == 300
    assert cfg.model.test_cfg.rcnn.score_thr == 0.0001
    if name.startswith('mask-rcnn'):
        assert roi.mask_head.num_classes == 1203
        assert 'segm' in cfg.val_evaluator.metric
    if '_cdb' in name:
        assert roi.bbox_head.loss_cls.type == 'CDBCrossEntropyLoss'
        assert roi.bbox_head.loss_cls.num_classes == 1203
        (hook, ) = [h for h in cfg.custom_hooks
                    if h.type == 'CDBDifficultyHook']
        assert hook.tau == 'sigmoid' and hook.interval == 1
        held = hook.dataloader.dataset
        assert (held.type, held.data_root, held.ann_file,
                held.data_prefix) == ('LVISV1Dataset', 'data/lvis_v1/',
                                      'annotations/lvis_v1_heldout.json',
                                      dict(img=''))
        assert hook.get('measure_before_train', False) == \
            name.endswith('cdb-cls.py')
    else:
        assert roi.bbox_head.loss_cls.type == 'CrossEntropyLoss'
        assert not cfg.get('custom_hooks')
    if name.endswith('cdb-rfs.py'):
        assert cfg.train_dataloader.dataset.type == 'ClassBalancedDataset'
        assert cfg.train_dataloader.dataset.oversample_thr == 1e-3
    if name.endswith('cdb-cls.py'):
        det = name.split('_')[0]
        assert cfg.load_from == (f'work_dirs/{det}_r50_fpn_1x_lvis-v1_'
                                 'ce-cdbsplit/epoch_12.pth')
    # the v0.5 twin: same model (up to the class count), schedule and
    # training pipeline
    twin = _v05_twin(name)
    if twin is not None:
        assert _classes_to(cfg.model, 0) == _classes_to(twin.model, 0)
        for key in ('optim_wrapper', 'param_scheduler', 'train_cfg'):
            assert cfg[key] == twin[key], key
        assert train.pipeline == _dataset(
            twin.train_dataloader.dataset).pipeline


#: v1 configs tested elsewhere: CDB-S (tests/det/test_cdb_s_configs.py).
V1_SAMPLER_CONFIGS = ['faster-rcnn_r50_fpn_1x_lvis-v1_cdb-s.py',
                      'mask-rcnn_r50_fpn_1x_lvis-v1_cdb-s.py']
#: and the -cls controls (tests/det/test_lvis_configs.py: each is its
#: cdb-cls config with plain CE and without the difficulty hook).
V1_CE_CLS_CONFIGS = ['faster-rcnn_r50_fpn_1x_lvis-v1_ce-cls.py',
                     'mask-rcnn_r50_fpn_1x_lvis-v1_ce-cls.py']


def test_the_v1_configs_are_the_tested_ones_named_after_v05():
    found = sorted(
        osp.basename(p)
        for p in glob.glob(osp.join(REPO, 'configs', 'lvis', '*lvis-v1*')))
    assert found == sorted(
        V1_CONFIGS + V1_SAMPLER_CONFIGS + V1_CE_CLS_CONFIGS)
    # each Faster R-CNN v1 config is named after its v0.5 twin
    for name in V1_CONFIGS:
        if name.startswith('faster-rcnn'):
            assert _v05_twin(name) is not None, name


@pytest.fixture(scope='module')
def v1_data(toy_lvis_v1, tmp_path_factory):
    """The v1 toy set with its held-out split under the v1 file names."""
    root = str(tmp_path_factory.mktemp('toy_v1_cfgs'))
    shutil.copytree(toy_lvis_v1['root'], root, dirs_exist_ok=True)
    ann = osp.join(root, 'annotations')
    train_ann, heldout_ann, summary = split_lvis_heldout(
        _load(osp.join(ann, 'lvis_v1_train.json')), images_per_category=1,
        seed=0)
    assert summary.lvis_version == 'v1'
    for name, obj in (('lvis_v1_train_cdb.json', train_ann),
                      ('lvis_v1_heldout.json', heldout_ann)):
        with open(osp.join(ann, name), 'w') as f:
            json.dump(obj, f)
    return root + '/'


def _v1_to_toy(node):
    """Toy classes and 2 images for every LVISV1Dataset (``_to_toy`` does
    this for LVISV05Dataset only)."""
    if isinstance(node, dict):
        if node.get('type') == 'LVISV1Dataset':
            node['metainfo'] = dict(classes=TOY_CLASSES)
            node['indices'] = 2
        for value in node.values():
            _v1_to_toy(value)
    elif isinstance(node, list):
        for item in node:
            _v1_to_toy(item)


@pytest.mark.parametrize('name', V1_CONFIGS)
def test_lvis_v1_config_trains_measures_and_evaluates_on_toy_data(
        name, v1_data, tmp_path):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lvis', name))
    _check_v1_settings(cfg, name)
    _to_toy(cfg._cfg_dict, v1_data)
    _v1_to_toy(cfg._cfg_dict)
    cfg.val_evaluator.ann_file = v1_data + 'annotations/lvis_v1_val.json'
    cfg.test_evaluator = cfg.val_evaluator
    cfg.load_from = None
    # a toy image holds a few objects; 300 boxes per image would make the
    # Mask R-CNN mask head the slowest part of the test
    cfg.model.test_cfg.rcnn.max_per_img = 20
    cfg.train_dataloader.batch_size = 2
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.num_workers = 0
        loader.persistent_workers = False
    mask = name.startswith('mask-rcnn')
    for hook in cfg.get('custom_hooks', []):
        if hook.type == 'CDBDifficultyHook':
            hook.dataloader.num_workers = 0
            if mask:
                hook.metric = 'segm'  # the mask AP path of the hook
    # 2 training images, batch 2: one iteration, then the hook measures on
    # 2 held-out images
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
    assert runner.iter == 1 and runner.epoch == 1
    if '_cdb' in name:
        with open(osp.join(runner.work_dir, 'cdb_history.json')) as f:
            history = json.load(f)['history']
        # -cls starts from a trained detector and measures before epoch 1
        epochs = [0, 1] if name.endswith('cdb-cls.py') else [1]
        assert [r['epoch'] for r in history] == epochs
        (loss, ) = cdb_losses(runner.model)
        np.testing.assert_allclose(loss.foreground_weights.numpy(),
                                   history[-1]['weights'], rtol=1e-6)
    # the final LVIS v1 evaluation reports AP and the frequency groups
    metrics = runner.val()
    for iou_type in (('bbox', 'segm') if mask else ('bbox', )):
        for key in ('AP', 'APr', 'APc', 'APf'):
            value = metrics[f'lvis/{iou_type}_{key}']
            assert -1.0 <= value <= 1.0, (key, value)
    (log, ) = glob.glob(osp.join(runner.log_dir, '*.log'))
    with open(log) as f:
        text = f.read()
    assert 'lvis/bbox_APr' in text and 'lvis/bbox_APf' in text
