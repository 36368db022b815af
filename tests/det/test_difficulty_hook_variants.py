"""CDBDifficultyHook with CDB's robust variants (off by default) in a real
two-epoch run on the toy LVIS data."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest

import lt_plugins.det  # noqa: F401
from lt_plugins.core.difficulty import compute_cdb_weights
from lt_plugins.data.lvis_split import split_lvis_heldout
from .toy_runs import train, write_config

VARIANTS = """
custom_imports = dict(
    imports=['lt_plugins.det', 'tests.det.probe_hook'],
    allow_failed_imports=False)
custom_hooks = [
    dict(type='CDBDifficultyHook', dataloader=heldout_dataloader,
         metric='bbox', interval=1, tau='sigmoid', tau_max=1.5,
         difficulty_momentum=0.5, weight_floor=0.3),
    dict(type='CDBWeightProbeHook'),
]
"""


@pytest.fixture(scope='module')
def cdb_data(toy_lvis, tmp_path_factory):
    """The toy set plus its held-out split, as the user cuts it."""
    root = str(tmp_path_factory.mktemp('toy_cdb_variants'))
    shutil.copytree(toy_lvis['root'], root, dirs_exist_ok=True)
    ann = osp.join(root, 'annotations')
    with open(osp.join(ann, 'lvis_v0.5_train.json')) as f:
        data = json.load(f)
    train_ann, heldout_ann, _ = split_lvis_heldout(
        data, images_per_category=3, seed=0)
    for name, obj in (('lvis_v0.5_train_cdb.json', train_ann),
                      ('lvis_v0.5_heldout.json', heldout_ann)):
        with open(osp.join(ann, name), 'w') as f:
            json.dump(obj, f)
    return root


def _perf(record):
    return np.array([-1.0 if p is None else p for p in record['performance']])


def test_capped_smoothed_floored_weights_in_a_real_run(cdb_data, tmp_path):
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data, epochs=2,
                       val_interval=10, extra=VARIANTS)
    work = str(tmp_path / 'work')
    proc = train(cfg, work)
    hist = json.load(open(osp.join(work, 'cdb_history.json')))
    assert hist['options']['tau_max'] == 1.5
    assert hist['options']['difficulty_momentum'] == 0.5
    assert hist['options']['weight_floor'] == 0.3
    assert hist['options']['warmup_epochs'] == 0
    first, second = hist['history']
    options = dict(tau_max=1.5, difficulty_momentum=0.5, weight_floor=0.3)
    expect1 = compute_cdb_weights(_perf(first), 'sigmoid', **options)
    np.testing.assert_allclose(first['weights'], expect1.weights, rtol=1e-12)
    # a later measurement smooths with the previous difficulty
    expect2 = compute_cdb_weights(
        _perf(second), 'sigmoid', prev_difficulty=expect1.difficulty,
        prev_known=expect1.known, prev_ratio=expect1.ratio, **options)
    np.testing.assert_allclose(second['difficulty'], expect2.difficulty,
                               rtol=1e-12)
    np.testing.assert_allclose(second['weights'], expect2.weights,
                               rtol=1e-12)
    for rec in (first, second):
        assert rec['tau'] == min(rec['tau_uncapped'], 1.5)
    # the weights the box head trained with in epoch 2
    probe = json.load(open(osp.join(work, 'weights_rank0.json')))
    assert [p['epoch'] for p in probe if p['when'] == 'before_epoch'] == \
        [0, 1]
    np.testing.assert_allclose(probe[0]['weights'][0], np.ones(20))
    np.testing.assert_allclose(probe[2]['weights'][0], first['weights'],
                               rtol=1e-6)
    log = proc.stdout + proc.stderr
    # (on this toy data the second measurement's sigmoid tau is ~5)
    if any(rec['tau_uncapped'] > 1.5 for rec in (first, second)):
        assert 'tau=1.5000 (capped from' in log
    assert 'weights raised to the floor' in log
