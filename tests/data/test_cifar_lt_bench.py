"""The benchmark data: genuine CIFAR-100 files, the CIFAR-100-LT profile."""
import hashlib
import json
import math
import os.path as osp
import pickle

import numpy as np
import pytest

from lt_plugins.data import cifar_lt_bench
from lt_plugins.data.cifar_lt_bench import (class_structure,
                                            generate_cifar_lt_bench,
                                            read_bench_info)
from lt_plugins.data.toy_cifar import CIFAR100_CLASSES

FOLDER = 'cifar-100-python'


def _load(root, name, encoding='latin1'):
    with open(osp.join(root, FOLDER, name), 'rb') as f:
        return pickle.load(f, encoding=encoding)


@pytest.fixture(scope='module')
def small_root(tmp_path_factory):
    """100 classes, 8 training and 3 test images per class."""
    return generate_cifar_lt_bench(
        str(tmp_path_factory.mktemp('bench')), train_per_class=8,
        test_per_class=3, seed=0)


def test_files_have_the_cifar100_layout(small_root):
    train = _load(small_root, 'train', 'bytes')
    # keys and types of the real archive (Python-2 strings -> bytes)
    assert set(train) == {b'filenames', b'batch_label', b'fine_labels',
                          b'coarse_labels', b'data'}
    assert train[b'data'].dtype == np.uint8
    assert train[b'data'].shape == (800, 3072)
    assert np.bincount(train[b'fine_labels']).tolist() == [8] * 100
    meta = _load(small_root, 'meta')
    assert meta['fine_label_names'] == list(CIFAR100_CLASSES)
    assert len(meta['coarse_label_names']) == 20


def test_test_split_is_balanced(small_root):
    test = _load(small_root, 'test')
    assert np.bincount(test['fine_labels'], minlength=100).tolist() == \
        [3] * 100
    assert test['data'].shape == (300, 3072)


def test_mmpretrain_cifar100_reads_the_same_images(small_root, monkeypatch):
    """mmpretrain's own CIFAR100 (md5 check of the real archive switched
    off) yields exactly the images and labels of the files."""
    import mmpretrain.datasets.cifar as mmp_cifar
    monkeypatch.setattr(mmp_cifar, 'check_md5', lambda *a, **k: True)
    raw = _load(small_root, 'test')
    ds = mmp_cifar.CIFAR100(data_root=small_root, split='test',
                            download=False, pipeline=[])
    assert len(ds) == 300
    imgs = np.stack([ds.get_data_info(i)['img'] for i in range(len(ds))])
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert labels == raw['fine_labels']
    np.testing.assert_array_equal(
        imgs, raw['data'].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def test_project_cifar100lt_reads_the_same_images(small_root):
    from lt_plugins.cls.datasets import CIFAR100LT
    raw = _load(small_root, 'train')
    ds = CIFAR100LT(data_root=small_root, split='train', imbalance_ratio=1,
                    heldout_per_class=2, seed=0)
    assert len(ds) == 600  # 8 - 2 held out, balanced at ratio 1
    for i in (0, 17, 599):
        info = ds.get_data_info(i)
        index = int(info['source_id'].rsplit(':', 1)[1])
        assert info['gt_label'] == raw['fine_labels'][index]
        np.testing.assert_array_equal(
            info['img'],
            raw['data'][index].reshape(3, 32, 32).transpose(1, 2, 0))
    assert ds.metainfo['classes'] == tuple(CIFAR100_CLASSES)


def test_full_size_pool_gives_the_cifar100_lt_profile(tmp_path, monkeypatch):
    """550 per class, 50 held out, imbalance 100: class i keeps
    floor(500 * 100 ** (-i / 99)) images (LDAM's int(), 10847 in all);
    the 50 held out per class are disjoint from them (CIFAR100LT's own
    tests check the held-out split).
    The images are left blank here (rendering 65k takes ~15 s); the pool
    layout is the generator's own."""
    from lt_plugins.cls.datasets import CIFAR100LT

    def blank(structure, c, n, *args, **kwargs):
        return np.zeros((n, 3072), np.uint8)

    monkeypatch.setattr(cifar_lt_bench, 'render_class', blank)
    root = generate_cifar_lt_bench(str(tmp_path))
    common = dict(data_root=root, imbalance_ratio=100, heldout_per_class=50,
                  seed=0)
    train = CIFAR100LT(split='train', **common)
    expected = [int(500 * 100**(-i / 99) + 1e-9) for i in range(100)]
    counts = np.bincount(train.get_gt_labels(), minlength=100).tolist()
    assert counts == expected
    assert counts[0] == 500 and counts[-1] == 5 and sum(counts) == 10847
    # the default test split: 100 per class, as CIFAR-100's
    test = _load(root, 'test')
    assert np.bincount(test['fine_labels']).tolist() == [100] * 100


def test_same_arguments_give_identical_files(tmp_path):
    def digests(sub, **kwargs):
        root = generate_cifar_lt_bench(str(tmp_path / sub), train_per_class=2,
                                       test_per_class=1, **kwargs)
        out = []
        for name in ('train', 'test', 'meta'):
            with open(osp.join(root, FOLDER, name), 'rb') as f:
                out.append(hashlib.md5(f.read()).hexdigest())
        return out

    assert digests('a', seed=3) == digests('b', seed=3)
    other = digests('c', seed=4)
    assert other[0] != digests('a', seed=3)[0]


def test_meta_records_the_generator_arguments(small_root):
    info = read_bench_info(small_root)
    assert info['generator'] == 'lt_plugins.data.cifar_lt_bench'
    assert info['args']['train_per_class'] == 8
    assert info['args']['test_per_class'] == 3
    assert info['args']['class_gap'] == cifar_lt_bench.DEFAULTS['class_gap']
    assert info['classes'] == class_structure(seed=0)


def test_difficulty_is_decoupled_from_class_size():
    """Distinct (easy) classes in every block of 5 labels, so among the
    few-shot tail too; several confusable groups hold two or more many-shot
    classes; group members share shape and background and are
    class_gap * hue_jitter apart in hue."""
    st = class_structure(num_distinct=20, group_size=4, class_gap=2.0,
                         hue_jitter=0.03, seed=0)
    distinct = np.asarray(st['distinct'])
    assert distinct.sum() == 20
    assert distinct.reshape(20, 5).sum(1).tolist() == [1] * 20
    counts = np.asarray([int(500 * 100**(-i / 99) + 1e-9)
                         for i in range(100)])
    group = np.asarray(st['group'])
    many_per_group = [int((counts[group == g] > 100).sum())
                      for g in np.unique(group[~distinct])]
    assert len(many_per_group) == 20
    assert sum(k >= 2 for k in many_per_group) >= 3
    g0 = np.flatnonzero(group == group[~distinct][0])
    assert len({st['shape'][c] for c in g0}) == 1
    assert len({st['bg_orientation'][c] for c in g0}) == 1
    hues = np.sort(np.asarray(st['hue'])[g0])
    gaps = np.diff(hues)
    # a group may wrap around hue 1.0 -> 0.0
    gaps = gaps[gaps < 0.5]
    np.testing.assert_allclose(gaps, 2.0 * 0.03, atol=1e-12)
    # looks (shape, orientation, tint) are unique per group / distinct class
    looks = {(st['shape'][c], st['bg_orientation'][c], st['bg_tint'][c])
             for c in range(100)}
    assert len(looks) == len(np.unique(group)) == 40


def test_group_size_one_gives_every_class_a_look_of_its_own():
    """The data-sensitivity variant: no hue-only group; 100 looks need the
    extra tint, which a structure fitting the base grid never gets."""
    st = class_structure(num_distinct=20, group_size=1, seed=0)
    assert all(st['distinct'])
    assert len(set(st['group'])) == 100
    looks = {(st['shape'][c], st['bg_orientation'][c], st['bg_tint'][c])
             for c in range(100)}
    assert len(looks) == 100
    assert cifar_lt_bench.BG_TINT_EXTRA in st['bg_tint']
    default = class_structure(seed=0)
    assert set(default['bg_tint']) <= set(cifar_lt_bench.BG_TINTS)
    # the 20 classes of a look of their own stay where they are
    assert [c for c in range(100) if default['distinct'][c]] == [
        c for c in range(100)
        if class_structure(num_distinct=20, group_size=2)['distinct'][c]]


def test_default_class_structure_is_pinned():
    """The committed benchmark results were trained on this structure: a
    change to the generator that moves any look or hue changes the data."""
    st = class_structure(seed=0)
    digest = hashlib.md5(json.dumps(st, sort_keys=True).encode()).hexdigest()
    assert digest == 'dc479f863d21cf98ac46992bf7738b7f'
    assert (st['shape'][0], st['bg_tint'][0]) == ('half_disc', 0.42)


def test_group_members_differ_in_hue_only(small_root):
    """Mean images: a class is closer to its group mates than to a class of
    another look (the confusability the knobs control)."""
    train = _load(small_root, 'train')
    x = train['data'].astype(np.float64)
    y = np.asarray(train['fine_labels'])
    means = np.stack([x[y == c].mean(0) for c in range(100)])
    st = read_bench_info(small_root)['classes']
    group = np.asarray(st['group'])
    distinct = np.asarray(st['distinct'])
    within, across = [], []
    for c in np.flatnonzero(~distinct):
        d = ((means - means[c])**2).sum(1)
        within.append(d[(group == group[c]) & (np.arange(100) != c)].mean())
        across.append(d[group != group[c]].mean())
    assert np.mean(within) < 0.7 * np.mean(across)


@pytest.mark.parametrize('kwargs, match', [
    (dict(train_per_class=0), 'train_per_class'),
    (dict(num_distinct=21), 'num_distinct'),
    (dict(group_size=0), 'group_size'),
    (dict(group_size=3), 'groups of 3'),
    (dict(class_gap=0.0), 'class_gap'),
    (dict(hue_jitter=0.7), 'hue_jitter'),
    (dict(pixel_noise=-0.1), 'pixel_noise'),
    (dict(num_distractors=-1), 'num_distractors'),
])
def test_bad_arguments_name_the_value(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_cifar_lt_bench(str(tmp_path), **kwargs)


def test_profile_formula_matches_long_tail_counts():
    """The project's long_tail_counts is the formula the test above uses."""
    from lt_plugins.cls.datasets.long_tail_profile import long_tail_counts
    assert long_tail_counts(500, 100, 100) == [
        math.floor(500 * 0.01**(i / 99) + 1e-9) for i in range(100)]
