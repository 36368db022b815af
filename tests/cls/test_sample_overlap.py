"""Shared images of a training set and a held-out split."""
import os

import pytest
from mmengine.dataset import RepeatDataset

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.datasets import CIFAR10LT, ImageNetLT
from lt_plugins.cls.sample_overlap import shared_samples


def _list_file(root, name, lines):
    with open(os.path.join(root, name), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def test_cifar_splits_built_alike_are_disjoint(toy_root):
    common = dict(imbalance_ratio=20, heldout_per_class=10, seed=0)
    train = CIFAR10LT(toy_root, split='train', **common)
    heldout = CIFAR10LT(toy_root, split='heldout', **common)
    test = CIFAR10LT(toy_root, split='test', **common)
    assert shared_samples(train, heldout) == []
    # test index i and train index i are different images
    assert shared_samples(train, test) == []


def test_cifar_train_without_holdout_shares_the_heldout_images(toy_root):
    # 40 images per class; train n_max = 40 -> 40 28 20 14 10 7 5 3 2 2,
    # the first 10 of each class's permutation are the held-out images
    train = CIFAR10LT(toy_root, split='train', imbalance_ratio=20,
                      heldout_per_class=0)
    heldout = CIFAR10LT(toy_root, split='heldout', imbalance_ratio=20,
                        heldout_per_class=10)
    shared = shared_samples(train, heldout)
    assert len(shared) == 5 * 10 + 7 + 5 + 3 + 2 + 2
    # counted once even when a wrapper repeats the training images
    assert shared_samples(RepeatDataset(train, times=2), heldout) == shared


def test_list_files_compare_normalised_image_paths(tmp_path):
    root = str(tmp_path)
    _list_file(root, 'ImageNet_LT_train.txt',
               ['train/a.JPEG 0', 'train/b.JPEG 1', 'train/c.JPEG 1'])
    # same file written differently, plus one genuinely held-out image
    _list_file(root, 'ImageNet_LT_val.txt',
               ['train/./b.JPEG 1', 'val/x/../d.JPEG 0', 'val/e.JPEG 1'])
    train = ImageNetLT(root, split='train', num_classes=2)
    val = ImageNetLT(root, split='val', num_classes=2)
    assert shared_samples(train, val) == [
        os.path.join(root, 'train', 'b.JPEG')
    ]


def test_unidentifiable_samples_give_none(toy_root):

    class NoKeys:
        def __len__(self):
            return 2

        def get_data_info(self, i):
            return dict(gt_label=0)

    heldout = CIFAR10LT(toy_root, split='heldout', heldout_per_class=10)
    assert shared_samples(NoKeys(), heldout) is None
    assert shared_samples(heldout, NoKeys()) is None
    assert shared_samples(object(), heldout) is None


@pytest.mark.parametrize('split', ['train', 'heldout', 'test'])
def test_cifar_source_id_names_file_group_and_index(toy_root, split):
    ds = CIFAR10LT(toy_root, split=split, heldout_per_class=10)
    ids = [ds.get_data_info(i)['source_id'] for i in range(len(ds))]
    group = 'test' if split == 'test' else 'train'
    folder = os.path.realpath(os.path.join(toy_root, 'cifar-10-batches-py'))
    assert all(s.startswith(f'{folder}:{group}:') for s in ids)
    assert len(set(ids)) == len(ids)
