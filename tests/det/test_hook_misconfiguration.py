"""A misconfigured CDB setup fails before the first iteration, clearly."""
import json
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


def _start(tmp_path, data, base, extra=''):
    path = write_config(str(tmp_path / 'cfg.py'), base, data, extra=extra)
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path / 'work')
    name = uuid.uuid4().hex
    cfg.experiment_name = name
    cfg.visualizer.name = name
    runner = Runner.from_cfg(cfg)
    runner.train()


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
