"""The LVIS-like data set: genuine LVIS v0.5, LVIS v0.5's group proportions,
LVIS' group ranges, federated lists, decoupled difficulty, determinism."""
import hashlib
import json
import os
import os.path as osp
from collections import Counter

import numpy as np
import pytest
from lvis import LVIS, LVISEval, LVISResults
from PIL import Image

from lt_plugins import compat
from lt_plugins.data.lvis_like import (GROUP_RANGES, LVIS_V05_GROUP_COUNTS,
                                       DifficultyKnobs, generate_lvis_like,
                                       group_sizes, plan_categories)

compat.patch_lvis_numpy()

#: A small set: 12 categories (4 rare, 5 common, 3 frequent), 48 px images.
SMALL = dict(num_categories=12, frequent_max_images=110,
             categories_per_image=4.0, val_images_per_category=(2, 3, 4),
             pretrain_images_per_category=3, image_size=48,
             neg_categories_per_image=4, not_exhaustive_prob=0.5)


@pytest.fixture(scope='module')
def small_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('lvis_like'))
    paths = generate_lvis_like(root, seed=3, **SMALL)
    return dict(root=root, **paths)


def _load(path):
    with open(path) as f:
        return json.load(f)


def _digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            h.update(name.encode())
            with open(osp.join(dirpath, name), 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def test_lvis_v05_group_counts_are_the_published_ones():
    # 454 rare, 461 common, 315 frequent: counted from the frequency field
    # of detectron2's lvis_v0_5_categories.py (1230 categories)
    assert LVIS_V05_GROUP_COUNTS == {'r': 454, 'c': 461, 'f': 315}
    assert group_sizes(1230) == {'r': 454, 'c': 461, 'f': 315}


@pytest.mark.parametrize('num, expected', [
    # 100 * (454, 461, 315) / 1230 = 36.91, 37.48, 25.61: floors 36, 37, 25,
    # the two largest remainders (.91, .61) get the two left over
    (100, {'r': 37, 'c': 37, 'f': 26}),
    # 12 * ... = 4.43, 4.50, 3.07 -> 4, 4, 3 and one to common (.50)
    (12, {'r': 4, 'c': 5, 'f': 3}),
    (3, {'r': 1, 'c': 1, 'f': 1}),
])
def test_group_sizes_by_largest_remainder(num, expected):
    assert group_sizes(num) == expected
    assert sum(group_sizes(num).values()) == num


@pytest.mark.parametrize('bad', [2, 1231, 100.0, True, '100'])
def test_group_sizes_rejects_bad_category_numbers(bad):
    with pytest.raises(ValueError, match='num_categories'):
        group_sizes(bad)


def test_planned_counts_lie_in_the_lvis_ranges_of_their_group():
    plans = plan_categories(1230, frequent_max_images=150, seed=0)
    assert Counter(p.frequency for p in plans) == Counter(
        r=454, c=461, f=315)
    for p in plans:
        lo, hi = GROUP_RANGES[p.frequency]
        assert lo <= p.train_images <= min(hi, 150)
    counts = {g: [p.train_images for p in plans if p.frequency == g]
              for g in 'rcf'}
    # every value of the rare range occurs, and both ends of the others
    assert set(counts['r']) == set(range(1, 11))
    assert min(counts['c']) == 11 and max(counts['c']) == 100
    assert min(counts['f']) == 101 and max(counts['f']) == 150


def test_confusability_is_decoupled_from_frequency():
    knobs = DifficultyKnobs(confusable_fraction=0.4, cluster_size=3)
    plans = plan_categories(100, knobs=knobs, seed=0)
    by_group = {g: [p for p in plans if p.frequency == g] for g in 'rcf'}
    for g, members in by_group.items():
        confusable = sum(p.cluster >= 0 for p in members)
        # the same fraction of every group: round(0.4 * n)
        assert confusable == round(0.4 * len(members)), g
    # some rare categories are distinct (easy) ...
    assert any(p.cluster < 0 for p in by_group['r'])
    # ... and some frequent ones are confusable with each other
    clusters = {}
    for p in plans:
        if p.cluster >= 0:
            clusters.setdefault(p.cluster, []).append(p)
    assert any(sum(p.frequency == 'f' for p in c) >= 2
               for c in clusters.values())
    for members in clusters.values():
        # a cluster shares shape and pattern and differs in colour only
        assert len({(p.shape, p.pattern) for p in members}) == 1
        assert len({p.rgb for p in members}) == len(members)
    distinct = [(p.shape, p.pattern, p.rgb) for p in plans if p.cluster < 0]
    assert len(set(distinct)) == len(distinct)


def test_the_lvis_api_loads_every_file(small_set):
    for key in ('train', 'val', 'train_cdb', 'heldout', 'pretrain'):
        api = LVIS(small_set[key])
        assert len(api.get_cat_ids()) == 12
        img = api.load_imgs(api.get_img_ids()[:1])[0]
        for field in ('neg_category_ids', 'not_exhaustive_category_ids',
                      'file_name', 'height', 'width'):
            assert field in img
        cat = api.load_cats([1])[0]
        for field in ('synset', 'frequency', 'image_count',
                      'instance_count'):
            assert field in cat


def test_ground_truth_as_detections_scores_ap_one(small_set):
    gt = LVIS(small_set['val'])
    dets = [dict(image_id=a['image_id'], category_id=a['category_id'],
                 bbox=a['bbox'], score=1.0)
            for a in gt.load_anns(gt.get_ann_ids())]
    ev = LVISEval(gt, LVISResults(gt, dets), iou_type='bbox')
    ev.run()
    for key in ('AP', 'APr', 'APc', 'APf'):
        assert ev.results[key] == pytest.approx(1.0), key


def test_training_counts_and_groups_are_the_planned_ones(small_set):
    train = _load(small_set['train'])
    plans = plan_categories(12, SMALL['frequent_max_images'], seed=3)
    assert Counter(c['frequency'] for c in train['categories']) == Counter(
        r=4, c=5, f=3)
    for cat, plan in zip(train['categories'], plans):
        anns = [a for a in train['annotations']
                if a['category_id'] == cat['id']]
        images = {a['image_id'] for a in anns}
        assert cat['image_count'] == len(images) == plan.train_images
        assert cat['instance_count'] == len(anns)
        lo, hi = GROUP_RANGES[cat['frequency']]
        assert lo <= cat['image_count'] <= hi
    # several categories per image: the mean is the requested density
    cats_per_image = {}
    for a in train['annotations']:
        cats_per_image.setdefault(a['image_id'], set()).add(a['category_id'])
    sizes = [len(v) for v in cats_per_image.values()]
    assert max(sizes) >= 3
    total = sum(p.train_images for p in plans)
    assert len(train['images']) == max(int(np.ceil(total / 4.0)),
                                       max(p.train_images for p in plans))
    # the validation file carries the training categories (groups for
    # APr/APc/APf), as LVIS val does
    assert _load(small_set['val'])['categories'] == train['categories']


def test_validation_images_per_category_follow_the_group(small_set):
    val = _load(small_set['val'])
    group = {c['id']: c['frequency'] for c in val['categories']}
    images = {}
    for a in val['annotations']:
        images.setdefault(a['category_id'], set()).add(a['image_id'])
    for cat_id, g in group.items():
        assert len(images[cat_id]) == dict(r=2, c=3, f=4)[g]


def test_pretraining_set_is_balanced(small_set):
    pre = _load(small_set['pretrain'])
    assert {c['image_count'] for c in pre['categories']} == {3}
    train_ids = {i['id'] for i in _load(small_set['train'])['images']}
    assert not train_ids & {i['id'] for i in pre['images']}
    assert all(i['file_name'].startswith('lvislike_pretrain')
               for i in pre['images'])


def test_federated_lists(small_set):
    for key in ('train', 'val', 'pretrain'):
        data = _load(small_set[key])
        present = {}
        for a in data['annotations']:
            present.setdefault(a['image_id'], set()).add(a['category_id'])
        n_not_exhaustive = 0
        for img in data['images']:
            here = present.get(img['id'], set())
            neg = set(img['neg_category_ids'])
            # negatives are verified absent; 4 per image (12 categories)
            assert not neg & here
            assert len(neg) == min(4, 12 - len(here))
            # not-exhaustive categories are present, with one instance
            # left unannotated
            assert set(img['not_exhaustive_category_ids']) <= here
            n_not_exhaustive += len(img['not_exhaustive_category_ids'])
        assert n_not_exhaustive > 0, key


def test_cdb_split_partitions_the_training_images(small_set):
    train = {i['id'] for i in _load(small_set['train'])['images']}
    cdb = {i['id'] for i in _load(small_set['train_cdb'])['images']}
    held = {i['id'] for i in _load(small_set['heldout'])['images']}
    assert held and not cdb & held and cdb | held == train


def test_images_are_written_with_the_recorded_size(small_set):
    val = _load(small_set['val'])
    img = val['images'][0]
    path = osp.join(small_set['root'], 'val2017', img['file_name'])
    with Image.open(path) as im:
        assert im.size == (img['width'], img['height']) == (48, 48)
    for a in val['annotations'][:40]:
        x, y, w, h = a['bbox']
        assert x >= 0 and y >= 0 and x + w <= 48 + 1e-6 and y + h <= 48 + 1e-6
        # box and area are rounded to 2 decimals: allow that much
        assert 0 < a['area'] <= (w + 0.01) * (h + 0.01)


def test_info_records_the_generator_arguments(small_set):
    info = _load(small_set['train'])['info']
    gen = info['generator']
    assert gen['num_categories'] == 12 and gen['seed'] == 3
    assert gen['knobs'] == {k: (list(v) if isinstance(v, tuple) else v)
                            for k, v in DifficultyKnobs().__dict__.items()}
    assert len(info['appearance']) == 12


def test_same_arguments_give_identical_files(small_set, tmp_path):
    again = generate_lvis_like(str(tmp_path), seed=3, **SMALL)
    assert _digest(str(tmp_path)) == _digest(small_set['root'])
    other = generate_lvis_like(str(tmp_path / 'other'), seed=4, **SMALL)
    assert _load(other['train']) != _load(again['train'])


def test_json_only_mode_writes_the_same_annotations(small_set, tmp_path):
    paths = generate_lvis_like(str(tmp_path), seed=3, write_images=False,
                               **SMALL)
    assert not osp.exists(tmp_path / 'train2017')
    for key in ('train', 'val', 'pretrain', 'heldout'):
        assert _load(paths[key]) == _load(small_set[key]), key


def test_lvis_size_json_has_lvis_v05_group_counts(tmp_path):
    paths = generate_lvis_like(str(tmp_path), num_categories=1230,
                               frequent_max_images=101,
                               categories_per_image=8.0, write_images=False,
                               splits=('train', ))
    train = _load(paths['train'])
    assert Counter(c['frequency'] for c in train['categories']) == Counter(
        r=454, c=461, f=315)
    seen = Counter(a['category_id'] for a in train['annotations'])
    assert len(seen) == 1230


@pytest.mark.parametrize('kwargs, match', [
    (dict(frequent_max_images=100), 'frequent_max_images'),
    (dict(categories_per_image=0.5), 'categories_per_image'),
    (dict(val_images_per_category=(1, 2)), 'val_images_per_category'),
    (dict(image_size=16), 'image_size'),
    (dict(splits=('test', )), 'splits'),
    (dict(knobs=DifficultyKnobs(confusable_fraction=1.5)),
     'confusable_fraction'),
    (dict(knobs=DifficultyKnobs(size_range=(0.2, 0.1))), 'size_range'),
])
def test_bad_arguments_are_named(tmp_path, kwargs, match):
    args = dict(SMALL, write_images=False)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        generate_lvis_like(str(tmp_path), **args)


def test_cli_passes_size_overrides_and_knobs(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_lvis_like', osp.join(osp.dirname(osp.dirname(osp.dirname(
            osp.abspath(__file__)))), 'tools', 'make_lvis_like.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = tmp_path / 'cli'
    assert cli.main(['--out', str(out), '--json-only', '--num-categories',
                     '12', '--frequent-max-images', '101',
                     '--categories-per-image', '4', '--image-size', '32',
                     '--val-images-per-category', '1', '2', '3',
                     '--pretrain-images-per-category', '2',
                     '--confusable-fraction', '0.25', '--seed', '5']) == 0
    gen = _load(out / 'annotations' / 'lvis_v0.5_val.json')['info'][
        'generator']
    assert gen['num_categories'] == 12 and gen['seed'] == 5
    assert gen['val_images_per_category'] == [1, 2, 3]
    assert gen['knobs']['confusable_fraction'] == 0.25
    # the defaults of the default size for what was not given
    assert gen['neg_categories_per_image'] == 10
    assert 'r/c/f = 4/5/3' in capsys.readouterr().out
