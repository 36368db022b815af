"""Labels and class counts through mmengine's data set wrappers."""
import numpy as np
import pytest
from mmengine.dataset import (ClassBalancedDataset, ConcatDataset,
                              RepeatDataset)

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.class_counts import dataset_class_counts
from lt_plugins.cls.dataset_labels import image_labels, index_labels
from lt_plugins.cls.datasets import CIFAR10LT
from lt_plugins.data.toy_cifar import generate_toy_cifar

# long_tail_counts(40, 10, 10): the toy training split below
TRAIN_COUNTS = [40, 30, 23, 18, 14, 11, 8, 6, 5, 4]


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return generate_toy_cifar(str(tmp_path_factory.mktemp('toy')), 'cifar10',
                              train_per_class=40, test_per_class=3)


@pytest.fixture(scope='module')
def train(root):
    return CIFAR10LT(root, split='train', imbalance_ratio=10)


def _labels_by_indexing(dataset):
    """What ``dataset[i]`` would carry, read without the pipeline."""
    return [dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))]


def test_plain_dataset_counts(train):
    assert dataset_class_counts(train).tolist() == TRAIN_COUNTS


def test_repeat_dataset_indices_and_counts(train):
    wrapped = RepeatDataset(train, times=3)
    labels = index_labels(wrapped)
    assert len(labels) == 3 * sum(TRAIN_COUNTS)
    assert labels.tolist() == _labels_by_indexing(wrapped)
    # repeating images adds no training image per class
    assert dataset_class_counts(wrapped).tolist() == TRAIN_COUNTS


def test_class_balanced_dataset_indices_and_counts(train):
    # mmengine's rule by hand: f(c) = n_c / 159, an image of class c is
    # repeated ceil(max(1, sqrt(0.2 / f(c)))) = ceil(sqrt(31.8 / n_c)) times
    # (1 for n_c >= 31.8; 2 for 8 <= n_c <= 30; 3 for 4, 5, 6 images)
    wrapped = ClassBalancedDataset(train, oversample_thr=0.2)
    labels = index_labels(wrapped)
    repeats = [1, 2, 2, 2, 2, 2, 2, 3, 3, 3]
    expected = [n * r for n, r in zip(TRAIN_COUNTS, repeats)]
    assert np.bincount(labels, minlength=10).tolist() == expected
    assert labels.tolist() == _labels_by_indexing(wrapped)
    assert dataset_class_counts(wrapped).tolist() == TRAIN_COUNTS
    # the old unwrapping read the labels of the wrapped set: index i of the
    # wrapper is a different image, so the label sequences differ
    assert labels.tolist() != train.get_gt_labels()[:len(labels)].tolist()


def test_concat_dataset_indices_and_counts(root, train):
    test = CIFAR10LT(root, split='test')
    wrapped = ConcatDataset([train, test])
    labels = index_labels(wrapped)
    assert labels.tolist() == _labels_by_indexing(wrapped)
    assert len(labels) == sum(TRAIN_COUNTS) + 30
    # the training images plus 3 test images per class
    assert dataset_class_counts(wrapped).tolist() == [
        n + 3 for n in TRAIN_COUNTS
    ]


def test_nested_wrappers_built_from_config(root):
    part = dict(type='CIFAR10LT', data_root=root, imbalance_ratio=10)
    wrapped = RepeatDataset(
        dict(type='ConcatDataset',
             datasets=[part, dict(part, split='test')]), times=2)
    labels = index_labels(wrapped)
    assert len(labels) == 2 * (sum(TRAIN_COUNTS) + 30)
    assert labels.tolist() == _labels_by_indexing(wrapped)
    assert len(image_labels(wrapped)) == sum(TRAIN_COUNTS) + 30


def test_unknown_wrapper_is_a_type_error_naming_it(train):

    class MyWrapper:
        def __init__(self, dataset):
            self.dataset = dataset

        def __len__(self):
            return len(self.dataset)

    with pytest.raises(TypeError, match='MyWrapper.*RepeatDataset'):
        index_labels(MyWrapper(train))
    with pytest.raises(TypeError, match='MyWrapper'):
        dataset_class_counts(MyWrapper(train))


def test_wrapper_whose_labels_do_not_match_its_length_is_an_error(train):

    class FoldOf:
        """Like mmpretrain's KFoldDataset: a subset of the wrapped set whose
        get_gt_labels() returns the labels of the whole wrapped set."""

        def __init__(self, dataset):
            self.dataset = dataset

        def __len__(self):
            return len(self.dataset) // 5

        def get_gt_labels(self):
            return self.dataset.get_gt_labels()

    with pytest.raises(ValueError, match='FoldOf.*159 labels for 31'):
        index_labels(FoldOf(train))
