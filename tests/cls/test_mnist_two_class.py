"""Two-class imbalanced MNIST (CDB paper sec. 4.1) from genuine idx files."""
import gzip
import os
import os.path as osp
import shutil
import uuid

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.datasets import MNIST
from mmpretrain.datasets.mnist import read_sn3_pascalvincent_tensor

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBClsHook
from lt_plugins.cls.datasets import MNISTTwoClassImbalanced
from lt_plugins.core.difficulty import compute_cdb_weights
from lt_plugins.data.toy_mnist import generate_toy_mnist

from cls_toy_config import toy_config


@pytest.fixture(scope='module')
def full_size(tmp_path_factory):
    """Enough images per digit for the paper's numbers (4975 + 500 train,
    800 test), written as the distributed .gz files."""
    return generate_toy_mnist(str(tmp_path_factory.mktemp('mnist_full')),
                              train_per_class=5500, test_per_class=800)


@pytest.fixture(scope='module')
def toy_mnist(tmp_path_factory):
    """What tools/make_toy_mnist.py writes by default."""
    return generate_toy_mnist(str(tmp_path_factory.mktemp('toy_mnist')))


def _raw_labels(root, group):
    return read_sn3_pascalvincent_tensor(
        osp.join(root, f'{group}-labels-idx1-ubyte.gz')).numpy()


@pytest.mark.parametrize('ratio,head,tail', [(0.99, 4950, 50),
                                             (0.995, 4975, 25),
                                             (0.5, 2500, 2500)])
def test_paper_split_sizes(full_size, ratio, head, tail):
    def build(split):
        return MNISTTwoClassImbalanced(full_size, split,
                                       head_class_ratio=ratio)

    train, heldout, test = build('train'), build('heldout'), build('test')
    assert np.bincount(train.get_gt_labels()).tolist() == [head, tail]
    assert train.train_class_counts == [head, tail]
    assert np.bincount(heldout.get_gt_labels()).tolist() == [500, 500]
    assert np.bincount(test.get_gt_labels()).tolist() == [800, 800]
    assert train.metainfo['classes'] == ('4', '9')
    train_ids = {train.get_data_info(i)['source_id']
                 for i in range(len(train))}
    held_ids = {heldout.get_data_info(i)['source_id']
                for i in range(len(heldout))}
    assert len(train_ids) == 5000 and len(held_ids) == 1000
    assert not train_ids & held_ids
    assert all(':test:' in test.get_data_info(i)['source_id']
               for i in range(len(test)))


def test_labels_and_images_are_those_of_the_files(full_size):
    raw = {g: _raw_labels(full_size, g) for g in ('train', 't10k')}
    imgs = read_sn3_pascalvincent_tensor(
        osp.join(full_size, 'train-images-idx3-ubyte.gz')).numpy()
    for split in ('train', 'heldout', 'test'):
        ds = MNISTTwoClassImbalanced(full_size, split, digits=(9, 4))
        group = 't10k' if split == 'test' else 'train'
        for i in range(0, len(ds), 97):
            info = ds.get_data_info(i)
            idx = int(info['source_id'].rsplit(':', 1)[1])
            # digits=(9, 4): 9 is the head class, label 0
            assert raw[group][idx] == (9, 4)[info['gt_label']]
            if group == 'train':
                np.testing.assert_array_equal(info['img'], imgs[idx])


# mmpretrain's MNIST warns once per sample under numpy 2
@pytest.mark.filterwarnings('ignore::DeprecationWarning')
def test_extracted_files_read_as_gz_and_as_mmpretrain_reads_them(
        toy_mnist, tmp_path):
    extracted = str(tmp_path / 'extracted')
    os.makedirs(extracted)
    for name in os.listdir(toy_mnist):
        with gzip.open(osp.join(toy_mnist, name)) as src, open(
                osp.join(extracted, name[:-3]), 'wb') as dst:
            shutil.copyfileobj(src, dst)
    kw = dict(num_train=500, head_class_ratio=0.9, heldout_per_class=50,
              test_per_class=100)
    a = MNISTTwoClassImbalanced(toy_mnist, 'train', **kw)
    b = MNISTTwoClassImbalanced(extracted, 'train', **kw)
    assert len(a) == len(b) == 500
    for i in (0, 123, 499):
        np.testing.assert_array_equal(a.get_data_info(i)['img'],
                                      b.get_data_info(i)['img'])
    # mmpretrain's own MNIST reads the generated files (the real format)
    ref = MNIST(extracted, download=False)
    assert len(ref) == 6000
    idx = int(b.get_data_info(7)['source_id'].rsplit(':', 1)[1])
    np.testing.assert_array_equal(ref.get_data_info(idx)['img'],
                                  b.get_data_info(7)['img'])
    assert int(ref.get_data_info(idx)['gt_label']) == 4


def test_same_seed_same_split_other_seed_other_split(toy_mnist):
    kw = dict(num_train=500, head_class_ratio=0.9, heldout_per_class=50)

    def ids(seed):
        ds = MNISTTwoClassImbalanced(toy_mnist, 'heldout', seed=seed, **kw)
        return [ds.get_data_info(i)['source_id'] for i in range(len(ds))]

    assert ids(0) == ids(0)
    assert ids(0) != ids(1)


@pytest.mark.parametrize('kwargs,match', [
    (dict(split='val'), "'val'"),
    (dict(digits=(4, 4)), r'\(4, 4\)'),
    (dict(digits=(4, 10)), r'\(4, 10\)'),
    (dict(head_class_ratio=0.4), '0.4'),
    (dict(head_class_ratio=1.0), '1.0'),
    (dict(num_train=0), 'num_train'),
    (dict(heldout_per_class=-3), '-3'),
    (dict(num_train=10, head_class_ratio=0.99), '0 tail images'),
])
def test_bad_arguments_are_named(toy_mnist, kwargs, match):
    with pytest.raises(ValueError, match=match):
        MNISTTwoClassImbalanced(toy_mnist, **kwargs)


def test_too_few_images_and_missing_files_are_reported(toy_mnist, tmp_path):
    # the default 5000 training images at 0.99 need 500 + 4950 images of 4
    with pytest.raises(ValueError, match='600 images of digit 4.*5450'):
        MNISTTwoClassImbalanced(toy_mnist, 'train')
    with pytest.raises(FileNotFoundError, match='train-images-idx3-ubyte'):
        MNISTTwoClassImbalanced(str(tmp_path), 'train', num_train=10,
                                head_class_ratio=0.9)


def test_toy_ce_learns_both_digits(toy_mnist, tmp_path):
    cfg = toy_config(toy_mnist, tmp_path, 'toy_mnist-2cls_ce.py',
                     heldout=50, shot_thr=None)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    # 450 images of 4 and 50 of 9; chance is 50 %
    assert metrics['shot/top1'] > 85.0
    assert min(metrics['shot/classwise']) > 70.0


def test_toy_cdb_weights_follow_the_heldout_accuracy(toy_mnist, tmp_path):
    cfg = toy_config(toy_mnist, tmp_path, 'toy_mnist-2cls_cdb-w-ce.py',
                     heldout=50, shot_thr=None)
    cfg.train_cfg.max_epochs = 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    assert [r['epoch'] for r in hook.history] == [1, 2]
    prev = None
    for rec in hook.history:
        acc = np.asarray(rec['performance'])
        assert acc.shape == (2, ) and ((acc >= 0) & (acc <= 1)).all()
        want = compute_cdb_weights(acc, tau='sigmoid', prev_difficulty=prev)
        np.testing.assert_allclose(rec['weights'], want.weights)
        prev = want.difficulty
    loss = runner.model.head.loss_module
    assert torch.allclose(loss.class_weight.double(),
                          torch.as_tensor(hook.weights))


def test_paper_config_trains_an_epoch_with_the_hook(full_size, tmp_path):
    """configs/cls/cdb/lenet5_mnist-2cls-hr0.995_cdb-s.py on data of the
    paper's size: 4975 + 25 training images, 500 held out per digit."""
    cfg = Config.fromfile(osp.join(
        osp.dirname(__file__), '..', '..', 'configs', 'cls', 'cdb',
        'lenet5_mnist-2cls-hr0.995_cdb-s.py'))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': full_size,
        'val_dataloader.dataset.data_root': full_size,
        'val_evaluator.train_dataset.data_root': full_size,
        'custom_hooks.0.dataloader.dataset.data_root': full_size,
        'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
    })
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = uuid.uuid4().hex
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.train_dataloader.dataset.train_class_counts == [4975, 25]
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    assert len(hook.history) == 1
    # the sampler draws with the measured weights
    np.testing.assert_allclose(runner.train_dataloader.sampler.weights,
                               hook.weights)
    metrics = runner.val_loop.run()
    assert len(metrics['shot/classwise']) == 2
