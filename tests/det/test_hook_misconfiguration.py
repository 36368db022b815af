"""A misconfigured CDB setup fails before the first iteration, clearly."""
import json
import math
import os.path as osp
import shutil
import uuid

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import lt_plugins.det  # noqa: F401
from lt_plugins.data.lvis_split import split_lvis_heldout
from .toy_runs import write_config


@pytest.fixture(scope='module')
def data(toy_lvis, tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy_mis'))
    shutil.copytree(toy_lvis['root'], root, dirs_exist_ok=True)
    ann = osp.join(root, 'annotations')
    train_ann, heldout_ann, _ = split_lvis_heldout(
        json.load(open(osp.join(ann, 'lvis_v0.5_train.json'))),
        images_per_category=2, seed=0)
    json.dump(train_ann, open(osp.join(ann, 'lvis_v0.5_train_cdb.json'), 'w'))
    json.dump(heldout_ann, open(osp.join(ann, 'lvis_v0.5_heldout.json'), 'w'))
    return root


def _runner(tmp_path, data, base, extra='', masks=False):
    path = write_config(str(tmp_path / 'cfg.py'), base, data, extra=extra,
                        masks=masks)
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path / 'work')
    name = uuid.uuid4().hex
    cfg.experiment_name = name
    cfg.visualizer.name = name
    return Runner.from_cfg(cfg)


def _start(tmp_path, data, base, extra=''):
    _runner(tmp_path, data, base, extra).train()


HOOK = """
custom_hooks = [dict(type='CDBDifficultyHook',
                     dataloader=heldout_dataloader)]
"""


def test_hook_without_cdb_loss_is_refused(tmp_path, data):
    with pytest.raises(RuntimeError, match='no CDB loss'):
        _start(tmp_path, data, 'toy/faster-rcnn_toy-lvis_ce.py', HOOK)


def test_loss_class_count_must_match_the_data(tmp_path, data):
    extra = ("model = dict(roi_head=dict(bbox_head=dict(loss_cls=dict("
             "num_classes=19))))\n")
    with pytest.raises(ValueError, match='num_classes=19 but the data set '
                       'has 20 classes'):
        _start(tmp_path, data, 'toy/faster-rcnn_toy-lvis_cdb.py', extra)


def test_missing_heldout_file_is_named(tmp_path, data):
    extra = ("custom_hooks = [dict(type='CDBDifficultyHook', "
             "dataloader=heldout_dataloader, "
             "ann_file='/nonexistent/heldout.json')]\n")
    with pytest.raises(FileNotFoundError, match='/nonexistent/heldout.json'):
        _start(tmp_path, data, 'toy/faster-rcnn_toy-lvis_cdb.py', extra)


def test_heldout_sharing_training_images_is_refused(tmp_path, data):
    # train on the full training file, which contains the held-out images
    # (a second assignment in the same config file replaces the first, so
    # the data root is given again)
    extra = ("train_dataloader = dict(dataset=dict(data_root=data_root, "
             "ann_file='annotations/lvis_v0.5_train.json'))\n")
    with pytest.raises(ValueError, match='shares .* images with the training'):
        _start(tmp_path, data, 'toy/faster-rcnn_toy-lvis_cdb.py', extra)


def test_bad_hook_arguments_are_named():
    from lt_plugins.det import CDBDifficultyHook
    loader = dict(dataset=dict(ann_file='a.json'))
    with pytest.raises(ValueError, match="'mask'"):
        CDBDifficultyHook(loader, metric='mask')
    with pytest.raises(ValueError, match='cubic'):
        CDBDifficultyHook(loader, tau='cubic')
    with pytest.raises(ValueError, match='interval'):
        CDBDifficultyHook(loader, interval=0)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=f'eval_nproc.*{bad!r}'):
            CDBDifficultyHook(loader, eval_nproc=bad)


def test_eval_nproc_reaches_the_metric(tmp_path, data):
    extra = HOOK.replace('dataloader=heldout_dataloader)',
                         'dataloader=heldout_dataloader, eval_nproc=2)')
    runner = _runner(tmp_path, data, 'toy/faster-rcnn_toy-lvis_cdb.py', extra)
    hook = next(h for h in runner.hooks
                if type(h).__name__ == 'CDBDifficultyHook')
    hook.before_train(runner)
    (metric, ) = hook._evaluator.metrics
    assert metric.nproc == 2


# ------------------------------------------------ numeric hook arguments
def _hook_types():
    """Both hooks that share DifficultyHookBase's argument checks."""
    from lt_plugins.det import CDBDifficultyHook
    loader = dict(dataset=dict(ann_file='a.json'))
    types = [('det', lambda **kw: CDBDifficultyHook(loader, **kw))]
    try:
        from lt_plugins.cls.cdb.cdb_cls_hook import CDBClsHook
    except ImportError:  # mmpretrain missing: the detection side still runs
        return types
    return types + [('cls', lambda **kw: CDBClsHook(loader, **kw))]


@pytest.mark.parametrize('kwargs,match', [
    (dict(t_max=-1.0), r't_max .*got -1\.0'),
    (dict(t_max=math.inf), r't_max .*got inf'),
    (dict(t_max=math.nan), r't_max .*got nan'),
    (dict(eps=0.0), r'eps .*\(0, inf\).*got 0\.0'),
    (dict(eps=-0.01), r'eps .*got -0\.01'),
    (dict(eps=math.inf), r'eps .*got inf'),
    (dict(tau=math.inf), r'fixed tau .*got inf'),
    (dict(tau=math.nan), r'fixed tau .*got nan'),
    (dict(tau=-0.5), r'fixed tau .*got -0\.5'),
    (dict(d_min=0.0), r'd_min .*\(0, 1\].*got 0\.0'),
    (dict(d_min=-1e-3), r'd_min .*got -0\.001'),
    (dict(d_min=1.5), r'd_min .*got 1\.5'),
    (dict(d_min=math.nan), r'd_min .*got nan'),
    (dict(power=0.0), r'power .*got 0\.0'),
    (dict(power=-2.0), r'power .*got -2\.0'),
    (dict(power=math.inf), r'power .*got inf'),
])
def test_bad_numeric_hook_arguments_are_refused_when_built(kwargs, match):
    """Each would otherwise pass unnoticed until the first measurement
    (eps <= 0: ZeroDivisionError after epoch 1) or silently skew the
    weights (t_max < 0 inverts them, d_min = 0 gives a perfect class weight
    0)."""
    for kind, build in _hook_types():
        with pytest.raises(ValueError, match=match):
            build(**kwargs)


@pytest.mark.parametrize('kwargs', [
    dict(t_max='5'), dict(eps=None), dict(tau=True),
    dict(measure_before_train='yes')])
def test_non_numeric_hook_arguments_are_refused(kwargs):
    (name, value), = kwargs.items()
    for kind, build in _hook_types():
        with pytest.raises(TypeError, match=f'{name}.*{value!r}'):
            build(**kwargs)


def test_valid_edge_values_are_accepted():
    for kind, build in _hook_types():
        hook = build(t_max=0, eps=1e-6, d_min=1.0, power=0.5, tau=0)
        assert (hook.t_max, hook.d_min, hook.tau) == (0.0, 1.0, 0.0)


# ------------------------------------------------ checks in before_train
def test_segm_metric_on_a_model_without_mask_head_is_refused(tmp_path, data):
    extra = ("custom_hooks = [dict(type='CDBDifficultyHook', "
             "dataloader=heldout_dataloader, metric='segm')]\n")
    runner = _runner(tmp_path, data, 'toy/faster-rcnn_toy-lvis_cdb.py', extra)
    with pytest.raises(ValueError, match="metric='segm'.*FasterRCNN"):
        runner.train()
    assert runner.iter == 0  # refused before the first iteration


def _write_heldout_variant(data, tmp_path, how):
    """The held-out json with its categories reordered or an id changed."""
    with open(osp.join(data, 'annotations', 'lvis_v0.5_heldout.json')) as f:
        ann = json.load(f)
    if how == 'permuted':
        # same categories, other order: two neighbours swapped
        cats = ann['categories']
        cats[3], cats[4] = cats[4], cats[3]
        first = (3, ann['categories'][4]['id'], ann['categories'][3]['id'])
    else:  # one category under another id (annotations follow it)
        old = ann['categories'][5]['id']
        new = max(c['id'] for c in ann['categories']) + 100
        ann['categories'][5]['id'] = new
        for a in ann['annotations']:
            if a['category_id'] == old:
                a['category_id'] = new
        first = (5, old, new)
    path = str(tmp_path / f'heldout_{how}.json')
    with open(path, 'w') as f:
        json.dump(ann, f)
    return path, first


@pytest.mark.parametrize('how', ['permuted', 'other_id'])
def test_heldout_categories_must_follow_the_training_label_order(
        tmp_path, data, how):
    path, (label, train_id, heldout_id) = _write_heldout_variant(
        data, tmp_path, how)
    extra = ("custom_hooks = [dict(type='CDBDifficultyHook', "
             f"dataloader=heldout_dataloader, ann_file={path!r})]\n")
    runner = _runner(tmp_path, data, 'toy/faster-rcnn_toy-lvis_cdb.py', extra)
    with pytest.raises(ValueError, match=(
            f'label {label} is category id {train_id} in training and '
            f'{heldout_id} in the held-out file')):
        runner.train()
    assert runner.iter == 0
