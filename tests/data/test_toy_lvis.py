"""The toy data set is genuine LVIS v0.5, long-tailed and deterministic."""
import hashlib
import json
import os.path as osp

import numpy as np
import pytest
from lvis import LVIS
from PIL import Image

from lt_plugins.data.toy_lvis import (TOY_CATEGORIES, frequency_group,
                                      generate_toy_lvis)


def _digest(root):
    h = hashlib.sha256()
    for split in ('train', 'val'):
        with open(osp.join(root, 'annotations',
                           f'lvis_v0.5_{split}.json'), 'rb') as f:
            h.update(f.read())
    return h.hexdigest()


def test_lvis_api_loads_both_splits_with_v05_fields(toy_lvis):
    for split in ('train', 'val'):
        api = LVIS(toy_lvis[split])
        assert len(api.get_cat_ids()) == len(TOY_CATEGORIES)
        img = api.load_imgs(api.get_img_ids()[:1])[0]
        for key in ('neg_category_ids', 'not_exhaustive_category_ids',
                    'file_name', 'height', 'width'):
            assert key in img
        cat = api.load_cats([1])[0]
        for key in ('synset', 'frequency', 'image_count', 'instance_count'):
            assert key in cat
        ann = api.load_anns(api.get_ann_ids()[:1])[0]
        assert len(ann['segmentation'][0]) >= 6  # a polygon
        assert len(ann['bbox']) == 4


def test_category_counts_and_frequency_match_the_training_annotations(
        toy_lvis):
    data = json.load(open(toy_lvis['train']))
    for cat in data['categories']:
        anns = [a for a in data['annotations']
                if a['category_id'] == cat['id']]
        assert cat['instance_count'] == len(anns)
        assert cat['image_count'] == len({a['image_id'] for a in anns})
        assert cat['frequency'] == frequency_group(cat['image_count'])
    # the val file carries the training counts, as LVIS does
    val = json.load(open(toy_lvis['val']))
    assert val['categories'] == data['categories']


def test_negative_lists_never_contain_a_present_category(toy_lvis):
    for split in ('train', 'val'):
        data = json.load(open(toy_lvis[split]))
        present = {}
        for a in data['annotations']:
            present.setdefault(a['image_id'], set()).add(a['category_id'])
        for img in data['images']:
            neg = set(img['neg_category_ids'])
            assert not neg & present.get(img['id'], set())
            assert set(img['not_exhaustive_category_ids']) <= present.get(
                img['id'], set())


def test_boxes_lie_inside_images_and_mask_area_is_the_polygon_area(
        toy_lvis):
    data = json.load(open(toy_lvis['train']))
    imgs = {i['id']: i for i in data['images']}
    for a in data['annotations'][:50]:
        x, y, w, h = a['bbox']
        img = imgs[a['image_id']]
        assert 0 <= x and 0 <= y and x + w <= img['width'] + 1e-6
        assert y + h <= img['height'] + 1e-6
        assert 0 < a['area'] <= w * h + 1e-3
    first = data['images'][0]
    path = osp.join(toy_lvis['root'], 'train2017', first['file_name'])
    assert Image.open(path).size == (first['width'], first['height'])


def test_full_default_set_spans_rare_common_frequent(tmp_path):
    # the defaults, as the main job uses them (images kept tiny here)
    paths = generate_toy_lvis(str(tmp_path), num_train_images=900,
                              num_val_images=40, image_size=48, seed=0)
    cats = json.load(open(paths['train']))['categories']
    groups = {g: sum(c['frequency'] == g for c in cats) for g in 'rcf'}
    assert groups == {'r': 7, 'c': 7, 'f': 6}
    # difficulty does not follow frequency: a frequent pair shares a shape
    shapes = {c[0]: c[1] for c in TOY_CATEGORIES}
    assert shapes['red_square'] == shapes['crimson_square']
    freq = {c['name']: c['frequency'] for c in cats}
    assert freq['red_square'] == freq['crimson_square'] == 'f'
    assert freq['purple_star'] == 'r'


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    kw = dict(num_train_images=60, num_val_images=20, image_size=32,
              count_scale=0.1)
    generate_toy_lvis(str(tmp_path / 'a'), seed=3, **kw)
    generate_toy_lvis(str(tmp_path / 'b'), seed=3, **kw)
    generate_toy_lvis(str(tmp_path / 'c'), seed=4, **kw)
    assert _digest(tmp_path / 'a') == _digest(tmp_path / 'b')
    assert _digest(tmp_path / 'a') != _digest(tmp_path / 'c')
    img_a = np.asarray(Image.open(tmp_path / 'a' / 'train2017' /
                                  'toy_train_000000000001.jpg'))
    img_b = np.asarray(Image.open(tmp_path / 'b' / 'train2017' /
                                  'toy_train_000000000001.jpg'))
    np.testing.assert_array_equal(img_a, img_b)


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match='num_train_images=10'):
        generate_toy_lvis(str(tmp_path), num_train_images=10)
    with pytest.raises(ValueError, match='count_scale'):
        generate_toy_lvis(str(tmp_path), count_scale=0)
