"""CDBSampler: class frequencies follow w_c / sum(w); disjoint DDP shares.

The samplers are built with ``fixed_weights=True``: these tests push the
weights themselves, as a hook would (see test_cdb_hook_required.py)."""
import math
from collections import Counter

import numpy as np
import pytest

import lt_plugins.cls  # noqa: F401
import lt_plugins.cls.cdb.cdb_sampler as sampler_mod
from lt_plugins.cls.cdb import CDBSampler
from lt_plugins.cls.datasets import CIFAR10LT
from lt_plugins.data.toy_cifar import generate_toy_cifar


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = generate_toy_cifar(str(tmp_path_factory.mktemp('toy')), 'cifar10',
                              train_per_class=60, test_per_class=1)
    # counts 60 ... 6 (ratio 10): frequency and weight are unrelated
    return CIFAR10LT(root, split='train', imbalance_ratio=10)


def test_class_frequencies_follow_weights(dataset):
    sampler = CDBSampler(dataset, fixed_weights=True, seed=7)
    weights = np.array([0.2, 0.5, 1.0, 3.0, 0.1, 2.0, 1.0, 0.7, 0.5, 1.0])
    sampler.update_weights(weights)
    labels = dataset.get_gt_labels()
    drawn = []
    for epoch in range(40):
        sampler.set_epoch(epoch)
        drawn.extend(labels[list(iter(sampler))])
    n = len(drawn)
    assert n == 40 * len(dataset)
    freq = np.bincount(drawn, minlength=10) / n
    p = weights / weights.sum()
    # 5 standard deviations of a binomial proportion per class
    tol = 5 * np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < tol), (freq, p)


def test_uniform_inside_a_class(dataset):
    sampler = CDBSampler(dataset, fixed_weights=True, seed=3)
    labels = dataset.get_gt_labels()
    w = np.zeros(10)
    w[9] = 1.0  # only the rarest class (6 images)
    sampler.update_weights(w)
    idx = []
    for epoch in range(10):
        sampler.set_epoch(epoch)
        idx.extend(iter(sampler))
    members = np.flatnonzero(labels == 9)
    counts = Counter(idx)
    assert set(counts) == set(members.tolist())
    n, k = len(idx), len(members)
    # chi-square against uniform, 5 degrees of freedom: 20.5 is p = 0.001
    chi2 = sum((counts[i] - n / k)**2 / (n / k) for i in members)
    assert chi2 < 20.5


def test_weights_start_at_one_class_balanced(dataset):
    sampler = CDBSampler(dataset, fixed_weights=True, seed=0)
    assert sampler.weights.tolist() == [1.0] * 10
    assert len(sampler) == len(dataset)


def test_plan_is_deterministic_per_seed_and_epoch(dataset):
    a = CDBSampler(dataset, fixed_weights=True, seed=11)
    b = CDBSampler(dataset, fixed_weights=True, seed=11)
    a.set_epoch(2), b.set_epoch(2)
    assert list(a) == list(b)
    b.set_epoch(3)
    assert list(a) != list(b)
    c = CDBSampler(dataset, fixed_weights=True, seed=12)
    c.set_epoch(2)
    assert list(a) != list(c)


def test_ddp_shares_are_disjoint_slices_of_one_plan(dataset, monkeypatch):
    shares = []
    for rank in range(3):
        monkeypatch.setattr(sampler_mod, 'get_dist_info',
                            lambda r=rank: (r, 3))
        s = CDBSampler(dataset, fixed_weights=True, seed=5)
        s.update_weights(np.arange(1, 11, dtype=float))
        s.set_epoch(4)
        shares.append(list(s))
        plan = s.epoch_plan()
    per_rank = math.ceil(len(dataset) / 3)
    assert all(len(sh) == per_rank for sh in shares)
    assert len(plan) == 3 * per_rank
    # position-disjoint: rank r gets plan[r::3]; together they are the plan
    for r, sh in enumerate(shares):
        assert sh == plan[r::3].tolist()
    interleaved = [shares[i % 3][i // 3] for i in range(len(plan))]
    assert interleaved == plan.tolist()


@pytest.mark.parametrize('weights, match', [
    (np.ones(9), r'10 classes but got weights of shape \(9,\)'),
    (np.r_[np.ones(9), -1.0], 'finite and >= 0'),
    (np.zeros(10), 'weight 0'),
])
def test_update_weights_rejects_bad_input(dataset, weights, match):
    with pytest.raises(ValueError, match=match):
        CDBSampler(dataset, seed=0).update_weights(weights)


def test_built_from_registry_by_mmengine(dataset):
    from mmengine.registry import DATA_SAMPLERS
    s = DATA_SAMPLERS.build(dict(type='CDBSampler', dataset=dataset,
                                 seed=1))
    assert isinstance(s, CDBSampler)


def _label_at(dataset, i):
    return dataset.get_data_info(i)['gt_label']


def test_repeat_dataset_epoch_has_times_as_many_draws(dataset):
    from mmengine.dataset import RepeatDataset
    wrapped = RepeatDataset(dataset, times=3)
    sampler = CDBSampler(wrapped, fixed_weights=True, seed=0)
    assert len(sampler) == len(wrapped) == 3 * len(dataset)
    plan = list(sampler)
    assert len(plan) == 3 * len(dataset) and max(plan) < len(wrapped)
    # every class of the wrapped set can still be drawn, and only there
    assert sampler.class_sizes.tolist() == [
        3 * n for n in np.bincount(dataset.get_gt_labels())
    ]


def test_class_balanced_dataset_draws_the_class_asked_for(dataset):
    """Indices refer to the wrapper: index i is repeat_indices[i]."""
    from mmengine.dataset import ClassBalancedDataset
    wrapped = ClassBalancedDataset(dataset, oversample_thr=0.2)
    assert len(wrapped) != len(dataset)
    sampler = CDBSampler(wrapped, fixed_weights=True, seed=0)
    assert len(sampler) == len(wrapped)
    for c in (0, 9):
        w = np.zeros(10)
        w[c] = 1.0
        sampler.update_weights(w)
        drawn = set()
        for epoch in range(5):
            sampler.set_epoch(epoch)
            drawn.update(sampler)
        # the images the data loader gets through the wrapper are class c
        assert {_label_at(wrapped, i) for i in drawn} == {c}
        # and every index of the wrapper that holds class c is drawn
        members = {i for i in range(len(wrapped))
                   if _label_at(wrapped, i) == c}
        assert drawn == members


def test_concat_dataset_draws_the_class_asked_for(dataset, tmp_path):
    from mmengine.dataset import ConcatDataset
    root = generate_toy_cifar(str(tmp_path), 'cifar10', train_per_class=20,
                              test_per_class=1, seed=1)
    other = CIFAR10LT(root, split='train', imbalance_ratio=1)
    wrapped = ConcatDataset([dataset, other])
    sampler = CDBSampler(wrapped, fixed_weights=True, seed=0)
    assert len(sampler) == len(dataset) + 200
    w = np.zeros(10)
    w[9] = 1.0  # 6 images in `dataset`, 20 in `other`
    sampler.update_weights(w)
    drawn = set(sampler)
    assert {_label_at(wrapped, i) for i in drawn} == {9}
    assert any(i >= len(dataset) for i in drawn)


def test_unknown_wrapper_is_a_clear_error(dataset):

    class MyWrapper:
        def __init__(self, dataset):
            self.dataset = dataset

        def __len__(self):
            return 2 * len(self.dataset)

    with pytest.raises(TypeError, match='MyWrapper.*supported'):
        CDBSampler(MyWrapper(dataset), seed=0)
