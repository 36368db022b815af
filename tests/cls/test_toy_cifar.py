"""The toy CIFAR generator writes the genuine CIFAR python-pickle format."""
import hashlib
import os.path as osp
import pickle

import numpy as np
import pytest

from lt_plugins.data.toy_cifar import (CIFAR100_COARSE_OF_FINE,
                                       CIFAR100_SUPERCLASSES, CIFAR10_CLASSES,
                                       generate_toy_cifar)


def _load(path, encoding):
    with open(path, 'rb') as f:
        return pickle.load(f, encoding=encoding)


def test_cifar10_layout_and_keys_match_real_files(tmp_path):
    root = generate_toy_cifar(str(tmp_path), 'cifar10', train_per_class=12,
                              test_per_class=3, seed=1)
    folder = osp.join(root, 'cifar-10-batches-py')
    labels = []
    for b in range(1, 6):
        # encoding='bytes' is the official CIFAR recipe: keys come as bytes.
        entry = _load(osp.join(folder, f'data_batch_{b}'), 'bytes')
        assert set(entry) == {b'batch_label', b'labels', b'data',
                              b'filenames'}
        assert entry[b'batch_label'] == f'training batch {b} of 5'.encode()
        assert entry[b'data'].dtype == np.uint8
        assert entry[b'data'].shape == (len(entry[b'labels']), 3072)
        assert all(isinstance(n, bytes) for n in entry[b'filenames'])
        labels += entry[b'labels']
    assert np.bincount(labels).tolist() == [12] * 10
    test = _load(osp.join(folder, 'test_batch'), 'latin1')
    # encoding='latin1' (mmpretrain, torchvision): keys come as str.
    assert set(test) == {'batch_label', 'labels', 'data', 'filenames'}
    assert np.bincount(test['labels']).tolist() == [3] * 10
    meta = _load(osp.join(folder, 'batches.meta'), 'latin1')
    assert meta['label_names'] == list(CIFAR10_CLASSES)
    assert meta['num_vis'] == 3072


def test_cifar100_layout_and_coarse_labels(tmp_path):
    root = generate_toy_cifar(str(tmp_path), 'cifar100', train_per_class=2,
                              test_per_class=1)
    folder = osp.join(root, 'cifar-100-python')
    train = _load(osp.join(folder, 'train'), 'bytes')
    assert set(train) == {b'filenames', b'batch_label', b'fine_labels',
                          b'coarse_labels', b'data'}
    assert train[b'data'].shape == (200, 3072)
    fine = np.asarray(train[b'fine_labels'])
    coarse = np.asarray(train[b'coarse_labels'])
    assert np.bincount(fine).tolist() == [2] * 100
    np.testing.assert_array_equal(
        coarse, np.asarray(CIFAR100_COARSE_OF_FINE)[fine])
    # every superclass holds exactly five fine classes, as in CIFAR-100
    assert np.bincount(CIFAR100_COARSE_OF_FINE).tolist() == [5] * 20
    meta = _load(osp.join(folder, 'meta'), 'latin1')
    assert meta['coarse_label_names'] == list(CIFAR100_SUPERCLASSES)
    assert len(meta['fine_label_names']) == 100


def test_torchvision_reader_loads_the_files(tmp_path, monkeypatch):
    """torchvision's CIFAR100 (an independent reader) decodes the images."""
    import torchvision.datasets.cifar as tv_cifar
    root = generate_toy_cifar(str(tmp_path), 'cifar100', num_classes=5,
                              train_per_class=4, test_per_class=2)
    # only the md5 sums of the real archives differ
    monkeypatch.setattr(tv_cifar, 'check_integrity', lambda *a, **k: True)
    ds = tv_cifar.CIFAR100(root, train=True, download=False)
    assert len(ds) == 20 and ds.classes[:2] == ['apple', 'aquarium_fish']
    raw = _load(osp.join(root, 'cifar-100-python', 'train'), 'bytes')
    img, label = ds[3]
    assert label == raw[b'fine_labels'][3]
    # channel-major row: first 1024 bytes are the red plane
    np.testing.assert_array_equal(
        np.asarray(img)[..., 0].reshape(-1), raw[b'data'][3, :1024])


def test_generation_is_deterministic_per_seed(tmp_path):
    def digest(seed, sub):
        root = generate_toy_cifar(str(tmp_path / sub), 'cifar10',
                                  num_classes=4, train_per_class=5,
                                  test_per_class=2, seed=seed)
        path = osp.join(root, 'cifar-10-batches-py', 'data_batch_1')
        with open(path, 'rb') as f:
            return hashlib.md5(f.read()).hexdigest()

    assert digest(0, 'a') == digest(0, 'b')
    assert digest(0, 'a') != digest(1, 'c')


def test_classes_are_separable_by_nearest_mean(tmp_path):
    """Class structure is learnable: a nearest-class-mean classifier on raw
    pixels is far above the 10% chance level."""
    root = generate_toy_cifar(str(tmp_path), 'cifar10', train_per_class=30,
                              test_per_class=10)
    folder = osp.join(root, 'cifar-10-batches-py')
    xs, ys = [], []
    for b in range(1, 6):
        e = _load(osp.join(folder, f'data_batch_{b}'), 'latin1')
        xs.append(e['data']), ys.extend(e['labels'])
    x, y = np.concatenate(xs).astype(np.float64), np.asarray(ys)
    means = np.stack([x[y == c].mean(0) for c in range(10)])
    t = _load(osp.join(folder, 'test_batch'), 'latin1')
    xt = t['data'].astype(np.float64)
    pred = ((xt[:, None] - means[None])**2).sum(-1).argmin(1)
    assert (pred == np.asarray(t['labels'])).mean() > 0.5


@pytest.mark.parametrize('kwargs, match', [
    (dict(variant='cifar1000'), 'variant'),
    (dict(num_classes=11), 'num_classes'),
    (dict(train_per_class=0), 'train_per_class'),
])
def test_bad_arguments_name_the_value(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_toy_cifar(str(tmp_path), **kwargs)
