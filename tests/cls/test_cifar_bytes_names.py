"""A CIFAR archive whose meta file was pickled by Python 3, with the class
names as bytes: the long-tailed readers decode them, and CDBClsHook refuses
names that its JSON history cannot hold before the first epoch."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.datasets import CIFAR10LT, CIFAR100LT
from lt_plugins.data.toy_cifar import (CIFAR10_CLASSES, CIFAR100_CLASSES,
                                       generate_toy_cifar)

from cls_toy_config import toy_config


def _python3_meta(root, variant, bytes_keys):
    """Re-write the meta file as a Python 3 tool does: ``pickle.dump`` of
    the names as ``bytes`` (protocol 4), keys as bytes or str."""
    folder, name, key, names = {
        'cifar10': ('cifar-10-batches-py', 'batches.meta', 'label_names',
                    CIFAR10_CLASSES),
        'cifar100': ('cifar-100-python', 'meta', 'fine_label_names',
                     CIFAR100_CLASSES),
    }[variant]
    meta = {key: [n.encode() for n in names], 'num_vis': 3072}
    if bytes_keys:
        meta = {k.encode(): v for k, v in meta.items()}
    with open(osp.join(root, folder, name), 'wb') as f:
        pickle.dump(meta, f, protocol=4)
    # the names stay bytes whatever the reader's encoding
    with open(osp.join(root, folder, name), 'rb') as f:
        raw = pickle.load(f, encoding='latin1')
    assert isinstance(raw[key.encode() if bytes_keys else key][0], bytes)
    return root


@pytest.fixture(scope='module')
def py3_cifar10(tmp_path_factory):
    root = generate_toy_cifar(str(tmp_path_factory.mktemp('py3_cifar10')),
                              'cifar10', train_per_class=40,
                              test_per_class=2)
    return _python3_meta(root, 'cifar10', bytes_keys=True)


@pytest.mark.parametrize('bytes_keys', [True, False])
@pytest.mark.parametrize('variant, cls', [('cifar10', CIFAR10LT),
                                          ('cifar100', CIFAR100LT)])
def test_reader_decodes_bytes_class_names(tmp_path, variant, cls,
                                          bytes_keys):
    root = generate_toy_cifar(str(tmp_path), variant, train_per_class=2,
                              test_per_class=1)
    _python3_meta(root, variant, bytes_keys)
    ds = cls(data_root=root, split='test', imbalance_ratio=1)
    names = CIFAR10_CLASSES if variant == 'cifar10' else CIFAR100_CLASSES
    assert ds.metainfo['classes'] == tuple(names)
    assert all(type(n) is str for n in ds.metainfo['classes'])
    json.dumps(list(ds.metainfo['classes']))


def test_reader_agrees_with_mmpretrain_cifar10(tmp_path, monkeypatch):
    """mmpretrain's own CIFAR10 reader (its md5 check aside, which only the
    real archive passes) gives the same images and labels and, with its
    built-in class names, the names we decode; reading the names from such
    a meta file itself, it keeps them as bytes."""
    import mmpretrain.datasets.cifar as mmpretrain_cifar
    root = generate_toy_cifar(str(tmp_path), 'cifar10', train_per_class=2,
                              test_per_class=2)
    _python3_meta(root, 'cifar10', bytes_keys=False)
    monkeypatch.setattr(mmpretrain_cifar, 'check_md5', lambda *a, **k: True)
    ref = mmpretrain_cifar.CIFAR10(data_root=root, split='test',
                                   download=False)
    ours = CIFAR10LT(data_root=root, split='test', imbalance_ratio=1)
    assert ours.metainfo['classes'] == tuple(ref.metainfo['classes'])
    assert len(ours) == len(ref) == 20
    for i in range(len(ref)):
        a, b = ours.get_data_info(i), ref.get_data_info(i)
        assert a['gt_label'] == b['gt_label']
        np.testing.assert_array_equal(a['img'], b['img'])

    class MetaFromFile(mmpretrain_cifar.CIFAR10):
        METAINFO = {}  # no built-in names: read them from batches.meta

    raw = MetaFromFile(data_root=root, split='test', download=False)
    assert raw.metainfo['classes'][0] == b'airplane'
    with pytest.raises(TypeError, match='bytes'):
        json.dumps(list(raw.metainfo['classes']))


def test_cdb_hook_refuses_bytes_names_before_training(toy_root, tmp_path):
    bad = tuple(n.encode() for n in CIFAR10_CLASSES)
    cfg = toy_config(
        toy_root, tmp_path,
        **{'custom_hooks.0.dataloader.dataset.metainfo': dict(classes=bad)})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match=r"class name 0 .* b'airplane'"):
        runner.train()
    assert runner.iter == 0
    assert not osp.exists(osp.join(str(tmp_path), 'cdb_history.json'))


def test_cdb_training_on_python3_meta_writes_str_history(py3_cifar10,
                                                         tmp_path):
    cfg = toy_config(py3_cifar10, tmp_path, **{'train_cfg.max_epochs': 1})
    runner = Runner.from_cfg(cfg)
    runner.train()
    with open(osp.join(str(tmp_path), 'cdb_history.json')) as f:
        history = json.load(f)
    assert history['classes'] == list(CIFAR10_CLASSES)
