"""A detection CDB run without a working difficulty hook refuses to start,
on a real mmengine runner with the toy Faster R-CNN config.

Each case used to train to the end as another method under the CDB name (a
CDB loss without ``CDBDifficultyHook`` trained plain CE, an ``interval``
beyond ``max_epochs`` never measured) or to fail inside mmengine without
naming the held-out file (an empty held-out split).
"""
import json
import os.path as osp
import shutil
import uuid

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import lt_plugins.det  # noqa: F401
from lt_plugins.data.lvis_split import split_lvis_heldout
from lt_plugins.det import CDBDifficultyHook
from lt_plugins.det.difficulty_hook import cdb_losses
from lt_plugins.engine.difficulty_consumer import MissingDifficultyHookError
from .toy_runs import write_config

CDB = 'toy/faster-rcnn_toy-lvis_cdb.py'


@pytest.fixture(scope='module')
def data(toy_lvis, tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy_hook_required'))
    shutil.copytree(toy_lvis['root'], root, dirs_exist_ok=True)
    ann = osp.join(root, 'annotations')
    with open(osp.join(ann, 'lvis_v0.5_train.json')) as f:
        train_ann, heldout_ann, _ = split_lvis_heldout(
            json.load(f), images_per_category=2, seed=0)
    for name, content in (('lvis_v0.5_train_cdb.json', train_ann),
                          ('lvis_v0.5_heldout.json', heldout_ann)):
        with open(osp.join(ann, name), 'w') as f:
            json.dump(content, f)
    return root


def _runner(tmp_path, data, extra='', small=False):
    path = write_config(str(tmp_path / 'cfg.py'), CDB, data, extra=extra)
    cfg = Config.fromfile(path)
    if small:  # a few training images keep a run that trains short
        cfg.train_dataloader.dataset.indices = 8
    cfg.work_dir = str(tmp_path / 'work')
    name = uuid.uuid4().hex
    cfg.experiment_name = name
    cfg.visualizer.name = name
    return Runner.from_cfg(cfg)


def test_cdb_loss_without_hook_refuses_before_the_first_step(tmp_path, data):
    runner = _runner(tmp_path, data, 'custom_hooks = []\n')
    with pytest.raises(MissingDifficultyHookError) as e:
        runner.train()
    msg = str(e.value)
    assert 'CDBCrossEntropyLoss(num_classes=20)' in msg
    assert 'CDBDifficultyHook' in msg and 'docs/detection.md' in msg
    assert 'fixed_weights=True' in msg
    # no optimizer step: SGD with momentum keeps a buffer from its first step
    assert runner.iter == 0
    assert runner.optim_wrapper.optimizer.defaults['momentum'] > 0
    assert not runner.optim_wrapper.optimizer.state


def test_a_base_merge_that_replaces_custom_hooks_is_caught(tmp_path, data):
    # a config adding its own hook list drops the _base_'s CDB hook
    extra = "custom_hooks = [dict(type='EmptyCacheHook')]\n"
    runner = _runner(tmp_path, data, extra)
    with pytest.raises(MissingDifficultyHookError, match='CDBDifficultyHook'):
        runner.train()


def test_fixed_weights_trains_without_hook(tmp_path, data):
    extra = ('custom_hooks = []\n'
             'model = dict(roi_head=dict(bbox_head=dict(loss_cls=dict('
             'fixed_weights=True))))\n')
    runner = _runner(tmp_path, data, extra, small=True)
    runner.train()
    assert runner.iter > 0
    (loss, ) = cdb_losses(runner.model)
    assert loss.fixed_weights and loss.difficulty_hooks == ()


def test_the_hook_serves_the_loss(tmp_path, data):
    runner = _runner(tmp_path, data)
    hook = next(h for h in runner.hooks if isinstance(h, CDBDifficultyHook))
    hook.before_train(runner)
    (loss, ) = cdb_losses(runner.model)
    assert loss.difficulty_hooks == ('CDBDifficultyHook', )


def test_interval_beyond_max_epochs_is_refused(tmp_path, data):
    extra = ("custom_hooks = [dict(type='CDBDifficultyHook', interval=3, "
             "dataloader=heldout_dataloader)]\n")
    runner = _runner(tmp_path, data, extra)
    with pytest.raises(ValueError, match=r'CDBDifficultyHook\(interval=3\) '
                       r'never measures in this run: max_epochs=1'):
        runner.train()
    assert runner.iter == 0


def test_iteration_based_loop_is_refused(tmp_path, data):
    extra = ("train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', "
             "max_iters=2, val_interval=100)\n")
    runner = _runner(tmp_path, data, extra)
    with pytest.raises(ValueError, match=r'iteration-based loop '
                       r'\(IterBasedTrainLoop, max_iters=2\).*'
                       'measure_before_train=True'):
        runner.train()
    assert runner.iter == 0


def test_empty_heldout_split_names_the_file(tmp_path, data):
    with open(osp.join(data, 'annotations', 'lvis_v0.5_heldout.json')) as f:
        ann = json.load(f)
    ann['images'], ann['annotations'] = [], []
    with open(tmp_path / 'empty_heldout.json', 'w') as f:
        json.dump(ann, f)
    extra = ("custom_hooks = [dict(type='CDBDifficultyHook', dataloader=dict("
             "heldout_dataloader, dataset=dict(heldout_dataloader['dataset'],"
             f" ann_file={str(tmp_path / 'empty_heldout.json')!r})))]\n")
    runner = _runner(tmp_path, data, extra)
    with pytest.raises(ValueError, match=r'held-out split LVISV05Dataset\(.*'
                       r"ann_file='.*empty_heldout\.json'.*\) has no images"):
        runner.train()
    assert runner.iter == 0
