"""CDBDifficultyHook with CDB's robust variants (off by default) in a real
two-epoch run on the toy LVIS data."""
import json
import os.path as osp

import numpy as np
import pytest

import lt_plugins.det  # noqa: F401
from lt_plugins.core.difficulty import compute_cdb_weights
from .toy_runs import train, with_heldout_split, write_config

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
    return with_heldout_split(toy_lvis['root'], str(
        tmp_path_factory.mktemp('toy_cdb_variants')))


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


COUNT_AWARE = """
custom_imports = dict(imports=['lt_plugins.det'], allow_failed_imports=False)
custom_hooks = [
    dict(type='CDBDifficultyHook', dataloader=heldout_dataloader,
         metric='bbox', interval=1, tau='sigmoid', count_shrinkage=5),
]
"""


def test_count_aware_difficulty_in_a_real_run(cdb_data, tmp_path):
    """count_shrinkage=k: each measured category's held-out AP moves towards
    its frequency group's mean by k / (n_c + k), n_c its held-out
    annotations, and the weights follow from the shrunk AP."""
    from lt_plugins.core.performance_shrinkage import shrink_performance
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       'toy/faster-rcnn_toy-lvis_cdb.py', cdb_data, epochs=1,
                       val_interval=10, extra=COUNT_AWARE)
    work = str(tmp_path / 'work')
    train(cfg, work)
    hist = json.load(open(osp.join(work, 'cdb_history.json')))
    assert hist['options']['count_shrinkage'] == 5
    (rec, ) = hist['history']
    held = json.load(open(osp.join(cdb_data, 'annotations',
                                   'lvis_v0.5_heldout.json')))
    cats = sorted(held['categories'], key=lambda c: c['id'])
    counts = [sum(a['category_id'] == c['id'] for a in held['annotations'])
              for c in cats]
    raw = np.array([np.nan if p is None else p for p in rec['performance']])
    expected = shrink_performance(raw, counts,
                                  [c['frequency'] for c in cats], 5)
    shrunk = np.array([np.nan if p is None else p
                       for p in rec['shrunk_performance']])
    np.testing.assert_allclose(shrunk, expected, rtol=1e-12)
    # a category measured on few annotations moved, and the weights are
    # those of the shrunk performance
    assert not np.allclose(shrunk[~np.isnan(raw)], raw[~np.isnan(raw)])
    weights = compute_cdb_weights(
        np.where(np.isnan(shrunk), -1.0, shrunk), 'sigmoid').weights
    np.testing.assert_allclose(rec['weights'], weights, rtol=1e-12)


def test_count_shrinkage_is_checked_at_construction():
    from lt_plugins.det.difficulty_hook import CDBDifficultyHook
    for bad in (0, -1, float('nan'), 'five'):
        with pytest.raises((TypeError, ValueError), match='count_shrinkage'):
            CDBDifficultyHook(dataloader=dict(dataset=dict(
                ann_file='h.json')), count_shrinkage=bad)
