"""CIFAR-LT (python pickles) and ImageNet-LT / Places-LT (list files)."""
import math
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import lt_plugins.cls  # noqa: F401  (registers the data sets)
from lt_plugins.cls.class_counts import dataset_class_counts
from lt_plugins.cls.datasets import (CIFAR10LT, CIFAR100LT, ImageNetLT,
                                     PlacesLT, long_tail_counts)
from lt_plugins.data.toy_cifar import generate_toy_cifar


@pytest.fixture(scope='module')
def toy100(tmp_path_factory):
    # 10 classes of the CIFAR-100 layout, 60 training images each
    return generate_toy_cifar(
        str(tmp_path_factory.mktemp('c100')), 'cifar100', num_classes=10,
        train_per_class=60, test_per_class=7, seed=3)


@pytest.fixture(scope='module')
def toy10(tmp_path_factory):
    return generate_toy_cifar(
        str(tmp_path_factory.mktemp('c10')), 'cifar10', train_per_class=40,
        test_per_class=5, seed=4)


@pytest.mark.parametrize('n_max, num_classes, sizes', [
    # published CIFAR-LT training-set sizes (LDAM / CB-loss papers)
    (5000, 10, {10: 20431, 50: 13996, 100: 12406, 200: 11203}),
    (500, 100, {10: 19573, 50: 12608, 100: 10847, 200: 9502}),
])
def test_long_tail_counts_give_published_cifar_lt_sizes(
        n_max, num_classes, sizes):
    for ratio, total in sizes.items():
        counts = long_tail_counts(n_max, num_classes, ratio)
        assert sum(counts) == total
        assert counts[0] == n_max and counts[-1] == n_max // ratio


@pytest.mark.parametrize('ratio', [1, 10, 20, 50])
def test_cifar100lt_train_counts_follow_exponential_profile(toy100, ratio):
    ds = CIFAR100LT(toy100, split='train', imbalance_ratio=ratio,
                    heldout_per_class=10)
    n_max, mu = 50, 1.0 / ratio  # 60 images minus 10 held out
    # n_c = floor(n_max * mu^((c-1)/(N-1))), c = 1..N (docstring's rule)
    expected = [math.floor(n_max * mu**((c - 1) / 9) + 1e-6)
                for c in range(1, 11)]
    counts = dataset_class_counts(ds)
    assert counts.tolist() == expected
    assert len(ds) == sum(expected)
    assert ds.train_class_counts == expected


def test_cifar100lt_exact_counts_for_ratio_10(toy100):
    ds = CIFAR100LT(toy100, split='train', imbalance_ratio=10,
                    heldout_per_class=10)
    # 50 * 10^(-k/9), floored, computed by hand
    assert dataset_class_counts(ds).tolist() == [
        50, 38, 29, 23, 17, 13, 10, 8, 6, 5]


def _img_keys(ds):
    return [ds.get_data_info(i)['img'].tobytes() for i in range(len(ds))]


def test_heldout_is_balanced_and_disjoint_from_train(toy100):
    kw = dict(imbalance_ratio=10, heldout_per_class=10, seed=5)
    train = CIFAR100LT(toy100, split='train', **kw)
    held = CIFAR100LT(toy100, split='heldout', **kw)
    assert dataset_class_counts(held).tolist() == [10] * 10
    train_keys, held_keys = set(_img_keys(train)), set(_img_keys(held))
    assert len(train_keys) == len(train) and len(held_keys) == len(held)
    assert not train_keys & held_keys
    # the held-out split does not depend on the imbalance ratio
    held50 = CIFAR100LT(toy100, split='heldout', imbalance_ratio=50,
                        heldout_per_class=10, seed=5)
    assert _img_keys(held50) == _img_keys(held)
    assert held.test_mode and not train.test_mode


def test_selection_is_deterministic_per_seed(toy100):
    a = CIFAR100LT(toy100, imbalance_ratio=10, seed=1)
    b = CIFAR100LT(toy100, imbalance_ratio=10, seed=1)
    c = CIFAR100LT(toy100, imbalance_ratio=10, seed=2)
    assert _img_keys(a) == _img_keys(b)
    assert _img_keys(a) != _img_keys(c)
    assert len(a) == len(c)


def test_test_split_is_the_whole_balanced_test_set(toy100):
    ds = CIFAR100LT(toy100, split='test', imbalance_ratio=100)
    assert dataset_class_counts(ds).tolist() == [7] * 10
    info = ds.get_data_info(0)
    assert info['img'].shape == (32, 32, 3) and info['img'].dtype == np.uint8
    assert ds.metainfo['classes'][:2] == ('apple', 'aquarium_fish')


def test_cifar10lt_reads_five_batches_and_packs_images(toy10):
    ds = CIFAR10LT(
        toy10, split='train', imbalance_ratio=4, heldout_per_class=0,
        pipeline=[dict(type='PackInputs')])
    assert dataset_class_counts(ds).tolist() == long_tail_counts(40, 10, 4)
    assert ds.metainfo['classes'][0] == 'airplane'
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 32, 32)
    assert int(item['data_samples'].gt_label) == ds.get_gt_labels()[0]


def test_cifar_lt_registered_and_buildable_from_config(toy10):
    from mmpretrain.registry import DATASETS
    ds = DATASETS.build(dict(type='CIFAR10LT', data_root=toy10,
                             split='heldout', heldout_per_class=3))
    assert isinstance(ds, CIFAR10LT) and len(ds) == 30


@pytest.mark.parametrize('kwargs, match', [
    (dict(split='val'), 'split'),
    (dict(split='heldout'), 'heldout_per_class'),
    (dict(imbalance_ratio=0.5), 'imbalance_ratio'),
    (dict(heldout_per_class=40), 'heldout_per_class=40'),
    (dict(max_per_class=41), 'max_per_class=41'),
])
def test_cifar_lt_bad_arguments_are_named(toy10, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CIFAR10LT(toy10, **kwargs)


def test_cifar_lt_missing_files_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='cifar-100-python'):
        CIFAR100LT(str(tmp_path))


def _write_list_dataset(root, prefix, labels_per_split, num_classes):
    rng = np.random.default_rng(0)
    for split, per_class in labels_per_split.items():
        lines = []
        for c in range(num_classes):
            for k in range(per_class[c]):
                rel = f'{split}/n{c:08d}/n{c:08d}_{k}.JPEG'
                os.makedirs(osp.join(root, osp.dirname(rel)), exist_ok=True)
                arr = (rng.random((20, 24, 3)) * 255).astype(np.uint8)
                Image.fromarray(arr).save(osp.join(root, rel), 'JPEG')
                lines.append(f'{rel} {c}')
        with open(osp.join(root, f'{prefix}_{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


def test_imagenet_lt_list_files_with_generated_images(tmp_path):
    root = str(tmp_path)
    train_counts = [9, 5, 2, 1]
    _write_list_dataset(root, 'ImageNet_LT', {
        'train': train_counts, 'val': [2] * 4, 'test': [3] * 4}, 4)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    train = ImageNetLT(root, split='train', num_classes=4, pipeline=pipeline)
    val = ImageNetLT(root, split='val', num_classes=4)
    test = ImageNetLT(root, split='test', num_classes=4)
    assert dataset_class_counts(train).tolist() == train_counts
    assert dataset_class_counts(val).tolist() == [2] * 4
    assert dataset_class_counts(test).tolist() == [3] * 4
    assert val.test_mode and not train.test_mode
    item = train[len(train) - 1]
    assert tuple(item['inputs'].shape) == (3, 20, 24)
    assert int(item['data_samples'].gt_label) == 3
    assert train.get_data_info(0)['img_path'] == osp.join(
        root, 'train/n00000000/n00000000_0.JPEG')


def test_imagenet_lt_defaults_to_1000_imagenet_classes(tmp_path):
    with open(tmp_path / 'ImageNet_LT_test.txt', 'w') as f:
        f.write('val/a.JPEG 999\n')
    ds = ImageNetLT(str(tmp_path), split='test')
    assert len(ds.metainfo['classes']) == 1000
    assert ds.get_gt_labels().tolist() == [999]


def test_places_lt_list_file_and_label_range_error(tmp_path):
    with open(tmp_path / 'Places_LT_val.txt', 'w') as f:
        f.write('val/a.jpg 3\nval/b.jpg 364\n')
    ds = PlacesLT(str(tmp_path), split='val')
    assert len(ds.metainfo['classes']) == 365 and len(ds) == 2
    with pytest.raises(ValueError, match='label 364 outside'):
        PlacesLT(str(tmp_path), split='val', num_classes=10)


def test_list_file_malformed_line_is_reported(tmp_path):
    with open(tmp_path / 'ImageNet_LT_train.txt', 'w') as f:
        f.write('a.JPEG 0\nb.JPEG\n')
    with pytest.raises(ValueError, match=r'ImageNet_LT_train.txt:2'):
        ImageNetLT(str(tmp_path), num_classes=2)
