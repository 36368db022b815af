"""The rotating held-out fold (issue 25, item 3): the sampler's fold
partition and plans by hand, its checks and checkpoint state, and real
training runs in which CDBDifficultyHook measures on the fold the epoch left
out."""
import json
import os.path as osp
import re

import numpy as np
import pytest

import lt_plugins.det  # noqa: F401  (registers the sampler and the hook)
from lt_plugins.data.toy_lvis import TOY_CLASSES
from lt_plugins.det.difficulty_sampler import (DifficultyRepeatFactorSampler,
                                               fold_assignment)
from .test_difficulty_sampler import (HAND_CLASSES, HAND_IMAGES, HAND_W,
                                      _lvis_dataset, _write_lvis)
from .toy_runs import train, write_config


@pytest.fixture(scope='module')
def hand_set(tmp_path_factory):
    """8 images (ids 1..8), 4 categories (see test_difficulty_sampler)."""
    root = str(tmp_path_factory.mktemp('hand_folds'))
    _write_lvis(osp.join(root, 'hand.json'), HAND_IMAGES)
    return _lvis_dataset(root, 'hand.json', HAND_CLASSES)


def _sampler(dataset, weights=None, **kwargs):
    kwargs.setdefault('seed', 0)
    sampler = DifficultyRepeatFactorSampler(dataset, **kwargs)
    sampler.update_weights(
        np.ones(sampler.num_classes) if weights is None else weights)
    return sampler


# ------------------------------------------------------------ partition
def test_fold_assignment_is_an_even_partition_from_the_fold_seed():
    folds = fold_assignment(8, 3, fold_seed=0)
    assert sorted(np.bincount(folds, minlength=3).tolist()) == [2, 3, 3]
    assert folds.dtype == np.int64 and set(folds.tolist()) == {0, 1, 2}
    # by hand: the permutation of fold_seed 0, dealt round-robin
    order = np.random.default_rng([0]).permutation(8)
    for position, image in enumerate(order):
        assert folds[image] == position % 3
    np.testing.assert_array_equal(folds, fold_assignment(8, 3, 0))
    assert not np.array_equal(fold_assignment(100, 4, 0),
                              fold_assignment(100, 4, 1))


def test_the_folds_do_not_depend_on_the_runs_seed(hand_set):
    a = _sampler(hand_set, heldout_folds=2, seed=0)
    b = _sampler(hand_set, heldout_folds=2, seed=7)
    np.testing.assert_array_equal(a.folds, b.folds)
    np.testing.assert_array_equal(a.folds, fold_assignment(8, 2, 0))
    c = _sampler(hand_set, heldout_folds=2, fold_seed=3)
    np.testing.assert_array_equal(c.folds, fold_assignment(8, 2, 3))


def test_each_epoch_leaves_out_its_fold_and_keeps_every_other_image(
        hand_set):
    sampler = _sampler(hand_set, heldout_folds=3)
    for epoch in range(6):
        sampler.set_epoch(epoch)
        left_out = epoch % 3
        assert sampler.heldout_fold() == left_out
        # weights 1, form 'difficulty': every other image exactly once
        expected = np.flatnonzero(sampler.folds != left_out)
        assert sorted(sampler.epoch_plan().tolist()) == expected.tolist()
        assert len(sampler) == len(expected)
        assert sorted(iter(sampler)) == expected.tolist()


def test_the_left_out_fold_has_no_draws_and_the_rest_their_factors(
        hand_set):
    """Weighted factors: over many epochs with the same left-out fold,
    each kept image's mean count is its repeat factor and the fold's is 0
    (2000 draws per image: the standard error of a mean count with
    fractional part 0.5 is 0.011, the tolerance 0.05 is 4.5 of them)."""
    sampler = _sampler(hand_set, HAND_W, heldout_folds=2,
                       form='rfs_x_difficulty', oversample_thr=0.5)
    counts = np.zeros(8)
    epochs = range(0, 4000, 2)  # all leave out fold 0
    for epoch in epochs:
        sampler.set_epoch(epoch)
        counts += np.bincount(sampler.epoch_plan(), minlength=8)
    mean = counts / len(epochs)
    fold0 = sampler.folds == 0
    assert (mean[fold0] == 0).all()
    np.testing.assert_allclose(mean[~fold0], sampler.image_factors[~fold0],
                               atol=0.05)


def test_fold_image_ids_in_data_set_order(hand_set):
    sampler = _sampler(hand_set, heldout_folds=2)
    for fold in (0, 1):
        # the hand set's images are ids 1..8 in this order
        assert sampler.fold_image_ids(fold) == [
            int(i) + 1 for i in np.flatnonzero(sampler.folds == fold)]
    with pytest.raises(ValueError, match='fold'):
        sampler.fold_image_ids(2)
    with pytest.raises(ValueError, match='heldout_folds=None'):
        _sampler(hand_set).fold_image_ids(0)
    assert _sampler(hand_set).heldout_fold() is None


@pytest.mark.parametrize('kwargs, match', [
    (dict(heldout_folds=1), 'heldout_folds'),
    (dict(heldout_folds=0), 'heldout_folds'),
    (dict(heldout_folds=True), 'heldout_folds'),
    (dict(heldout_folds=2.0), 'heldout_folds'),
    (dict(heldout_folds=9), 'heldout_folds=9 is more folds than the 8'),
    (dict(heldout_folds=2, fold_seed=-1), 'fold_seed'),
])
def test_bad_folds_are_refused_naming_the_value(hand_set, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        DifficultyRepeatFactorSampler(hand_set, seed=0, **kwargs)


def test_the_folds_are_in_the_state_and_must_match_on_resume(hand_set):
    state = _sampler(hand_set, heldout_folds=2, fold_seed=1).state_dict()
    assert state['heldout_folds'] == 2 and state['fold_seed'] == 1
    same = DifficultyRepeatFactorSampler(hand_set, seed=5, heldout_folds=2,
                                         fold_seed=1)
    same.load_state_dict(state)
    assert same.seed == 0
    for other in (dict(heldout_folds=3, fold_seed=1),
                  dict(heldout_folds=2, fold_seed=0), dict()):
        sampler = DifficultyRepeatFactorSampler(hand_set, seed=5, **other)
        with pytest.raises(ValueError, match='heldout_folds=2, fold_seed=1'):
            sampler.load_state_dict(state)
    # a checkpoint of a sampler without folds (no fold keys) still loads
    plain = _sampler(hand_set).state_dict()
    for key in ('heldout_folds', 'fold_seed'):
        plain.pop(key)
    DifficultyRepeatFactorSampler(hand_set, seed=5).load_state_dict(plain)
    with pytest.raises(ValueError, match='heldout_folds=None'):
        DifficultyRepeatFactorSampler(
            hand_set, seed=5, heldout_folds=2).load_state_dict(plain)


# ------------------------------------------------------ training runs
#: The toy CE detector on the whole training set with the rotating fold:
#: the sampler leaves out one of 2 folds per epoch, the hook measures on
#: it, with the training annotation file in test mode.
FOLD_RUN = """
custom_imports = dict(
    imports=['lt_plugins.det', 'tests.det.sampler_probe_hook'],
    allow_failed_imports=False)
train_dataloader['sampler'] = dict(
    _delete_=True, type='DifficultyRepeatFactorSampler', form='difficulty',
    heldout_folds={folds})
fold_dataloader = dict(
    heldout_dataloader,
    dataset=dict(heldout_dataloader['dataset'],
                 ann_file='annotations/lvis_v0.5_train.json'))
custom_hooks = [
    dict(type='CDBDifficultyHook', dataloader=fold_dataloader,
         metric='bbox', interval=1, tau='sigmoid',
         rotating_fold={rotating}),
    dict(type='SamplerProbeHook'),
]
randomness = dict(seed=0)
"""


def _config(path, root, epochs, folds=2, rotating=True):
    return write_config(path, 'toy/faster-rcnn_toy-lvis_ce.py', root,
                        epochs=epochs, val_interval=10,
                        extra=FOLD_RUN.format(folds=folds,
                                              rotating=rotating))


@pytest.fixture(scope='module')
def fold_run(toy_lvis, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('fold_run')
    work = str(tmp / 'work')
    proc = train(_config(str(tmp / 'cfg.py'), toy_lvis['root'], 2), work)
    with open(osp.join(work, 'sampler_probe_rank0.jsonl')) as f:
        probe = [json.loads(line) for line in f]
    with open(osp.join(work, 'cdb_history.json')) as f:
        history = json.load(f)['history']
    return dict(probe=probe, history=history, log=proc.stdout + proc.stderr,
                root=toy_lvis['root'])


def _fold_facts(root, probe):
    """The training set's folds (as the sampler draws them) and the
    categories each fold's images hold, from the json by hand."""
    with open(osp.join(root, 'annotations', 'lvis_v0.5_train.json')) as f:
        data = json.load(f)
    start = probe[0]
    n = len(start['image_factors'])
    folds = fold_assignment(n, 2, 0)
    # the sampler's data set: the toy config filters empty images, so the
    # image order is that of the images with annotations
    with_anns = {a['image_id'] for a in data['annotations']}
    img_ids = [i['id'] for i in data['images'] if i['id'] in with_anns]
    assert len(img_ids) == n
    names = {c['id']: c['name'] for c in data['categories']}
    cats = []
    for fold in (0, 1):
        ids = {img_ids[i] for i in np.flatnonzero(folds == fold)}
        cats.append({names[a['category_id']] for a in data['annotations']
                     if a['image_id'] in ids})
    return folds, img_ids, cats


def test_each_epoch_trains_without_the_fold_it_then_measures(fold_run):
    probe = fold_run['probe']
    folds, _, _ = _fold_facts(fold_run['root'], probe)
    epochs = [r for r in probe if r['event'] == 'before_train_epoch']
    assert [r['runner_epoch'] for r in epochs] == [0, 1]
    for rec in epochs:
        left_out = rec['runner_epoch'] % 2
        plan = np.array(rec['plan'])
        assert not (folds[plan] == left_out).any()
        # weight 1 before the first measurement: each kept image once
        if rec['runner_epoch'] == 0:
            assert sorted(plan.tolist()) == \
                np.flatnonzero(folds != left_out).tolist()
    hist = fold_run['history']
    assert [r['epoch'] for r in hist] == [1, 2]
    assert [r['heldout_fold'] for r in hist] == [0, 1]
    assert all(r['sampler'] == dict(form='difficulty', oversample_thr=1e-3,
                                    heldout_folds=2) for r in hist)
    assert all(r['measure_seconds'] > 0 for r in hist)  # the hook's cost
    assert [r['heldout_images'] for r in hist] == [
        int((folds == 0).sum()), int((folds == 1).sum())]
    assert re.search(r'measuring on held-out fold 0 of 2 \(\d+ training '
                     r'images left out of epoch 1\)', fold_run['log'])


def test_the_measurement_covers_exactly_the_folds_categories(fold_run):
    _, _, cats = _fold_facts(fold_run['root'], fold_run['probe'])
    for record, fold_cats in zip(fold_run['history'], cats):
        measured = {n for n, p in zip(TOY_CLASSES, record['performance'])
                    if p is not None}
        assert measured == fold_cats
        assert set(record['missing']) == set(TOY_CLASSES) - fold_cats
    # the second fold measures categories the first missed
    first_never = set(fold_run['history'][0]['never_measured'])
    second_never = set(fold_run['history'][1]['never_measured'])
    assert second_never == first_never - cats[1]


@pytest.mark.parametrize('folds, rotating, match', [
    (None, True, 'without heldout_folds'),
    (2, False, 'set rotating_fold=True'),
])
def test_a_hook_and_sampler_that_disagree_are_refused_before_training(
        toy_lvis, tmp_path, folds, rotating, match):
    cfg = _config(str(tmp_path / 'cfg.py'), toy_lvis['root'], 1, folds,
                  rotating)
    with pytest.raises(AssertionError, match=match) as err:
        train(cfg, str(tmp_path / 'work'))
    assert 'Epoch(train) [1][' not in str(err.value)
