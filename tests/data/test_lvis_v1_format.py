"""LVIS v1 next to v0.5: version detection, toy data and the held-out split.

The v1 toy set (fixture ``toy_lvis_v1``) holds the same images and
annotations as the v0.5 one (``toy_lvis``); only the format differs, so the
split and the counts must come out the same for both, and every number is
checked against the ``lvis`` API's own reading of the written files.
"""
import json
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
from lvis import LVIS

from lt_plugins.data.lvis_split import split_lvis_heldout
from lt_plugins.data.lvis_version import (LVIS_DATASET_TYPES,
                                          lvis_file_version, lvis_image_path,
                                          lvis_version)
from lt_plugins.data.toy_lvis import COCO_URL_PREFIX, generate_toy_lvis

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPLIT_TOOL = osp.join(REPO, 'tools', 'make_lvis_heldout.py')
V1_CATEGORY_FIELDS = ('id', 'name', 'synset', 'synonyms', 'def',
                      'image_count', 'instance_count', 'frequency')


def _toy(request, version):
    return request.getfixturevalue(
        'toy_lvis' if version == 'v0.5' else 'toy_lvis_v1')


def _load(path):
    with open(path) as f:
        return json.load(f)


# ------------------------------------------------------- version detection
def test_version_of_the_toy_files_follows_the_image_records(
        toy_lvis, toy_lvis_v1):
    for split in ('train', 'val'):
        assert lvis_file_version(toy_lvis[split]) == 'v0.5'
        assert lvis_file_version(toy_lvis_v1[split]) == 'v1'
    assert LVIS_DATASET_TYPES == {
        'v0.5': 'LVISV05Dataset',
        'v1': 'LVISV1Dataset'
    }


def _images(*records):
    return dict(info={}, images=list(records), annotations=[],
                categories=[])


V05_IMG = dict(id=1, file_name='COCO_val2014_000000397133.jpg',
               coco_url='http://images.cocodataset.org/val2017/'
               '000000397133.jpg')
V1_IMG = dict(id=2,
              coco_url='http://images.cocodataset.org/train2017/'
              '000000391895.jpg')


def test_version_is_decided_by_image_fields_not_by_category_count():
    # real v0.5 records carry coco_url too: file_name decides
    assert lvis_version(_images(V05_IMG)) == 'v0.5'
    assert lvis_version(_images(V1_IMG)) == 'v1'
    # 1230 categories is the v0.5 count, yet v1 image records say v1
    ann = _images(V1_IMG)
    ann['categories'] = [dict(id=i, frequency='r') for i in range(1230)]
    assert lvis_version(ann) == 'v1'
    # a file without images falls back to info['version']
    assert lvis_version(dict(info=dict(version='1.0'), images=[])) == 'v1'
    assert lvis_version(dict(info=dict(version='0.5'), images=[])) == 'v0.5'


@pytest.mark.parametrize('ann,exc,match', [
    (_images(V05_IMG, V1_IMG), ValueError,
     r'mixed: image 1 is v0\.5, image 2 is v1'),
    (_images(dict(id=7, coco_url='')), ValueError,
     'image 7 has neither file_name .* nor a coco_url'),
    (_images(dict(id=8, width=3)), ValueError, "image 8 .*keys: \\['id', "),
    (dict(info=dict(version='2.0'), images=[]), ValueError,
     "info\\['version'\\] is '2.0'"),
    (dict(images=[]), ValueError, 'without images'),
    ([], TypeError, 'dict, got list'),
    (dict(images='x'), TypeError, "'images' must be a list"),
])
def test_unknown_version_is_a_clear_error(ann, exc, match):
    with pytest.raises(exc, match=match):
        lvis_version(ann)


def test_image_path_is_the_one_mmdet_derives():
    # LVISV1Dataset: coco_url without the host; LVISV05Dataset: the 2014
    # file_name shortened to the 2017 name
    assert lvis_image_path(V1_IMG) == 'train2017/000000391895.jpg'
    assert lvis_image_path(V05_IMG) == '000000397133.jpg'


# ------------------------------------------------------------ toy v1 files
def test_v1_toy_is_genuine_v1_and_loads_with_the_lvis_api(toy_lvis_v1):
    root = toy_lvis_v1['root']
    folders = set()
    for split in ('train', 'val'):
        api = LVIS(toy_lvis_v1[split])
        assert api.dataset['info']['version'] == '1.0'
        for img in api.load_imgs(api.get_img_ids()):
            assert 'file_name' not in img
            for key in ('coco_url', 'neg_category_ids',
                        'not_exhaustive_category_ids', 'height', 'width'):
                assert key in img
            assert re.fullmatch(
                re.escape(COCO_URL_PREFIX) + r'(train|val)2017/'
                rf'{img["id"]:012d}\.jpg', img['coco_url'])
            rel = lvis_image_path(img)
            assert osp.isfile(osp.join(root, rel)), rel
            folders.add((split, rel.split('/')[0]))
        for cat in api.load_cats(api.get_cat_ids()):
            assert set(V1_CATEGORY_FIELDS) <= set(cat)
    # as in LVIS v1, validation images come from both COCO 2017 folders
    assert folders == {('train', 'train2017'), ('val', 'train2017'),
                       ('val', 'val2017')}
    assert len(os.listdir(osp.join(root, 'train2017'))) == 80 + 10
    assert len(os.listdir(osp.join(root, 'val2017'))) == 30


def test_v1_and_v05_toy_hold_the_same_data(toy_lvis, toy_lvis_v1):
    file_keys = ('file_name', 'coco_url', 'date_captured')
    for split in ('train', 'val'):
        old, new = _load(toy_lvis[split]), _load(toy_lvis_v1[split])
        assert new['annotations'] == old['annotations']
        assert new['categories'] == old['categories']
        assert len(new['images']) == len(old['images'])
        for a, b in zip(old['images'], new['images']):
            assert {k: v for k, v in a.items() if k not in file_keys} == \
                {k: v for k, v in b.items() if k not in file_keys}
            # the same pixels, byte for byte
            with open(osp.join(toy_lvis['root'], f'{split}2017',
                               a['file_name']), 'rb') as f1, \
                    open(osp.join(toy_lvis_v1['root'],
                                  lvis_image_path(b)), 'rb') as f2:
                assert f1.read() == f2.read()


def test_generator_names_a_bad_version(tmp_path):
    with pytest.raises(ValueError, match="'v2'"):
        generate_toy_lvis(str(tmp_path), version='v2')
    assert not os.listdir(tmp_path)


# ---------------------------------------------------------- held-out split
def _distinct_images(api):
    return {c: len(set(api.cat_img_map[c])) for c in api.get_cat_ids()}


@pytest.mark.parametrize('version', ['v0.5', 'v1'])
def test_split_keeps_every_image_field_and_matches_the_lvis_api(
        version, request, tmp_path):
    toy = _toy(request, version)
    ann = _load(toy['train'])
    train, heldout, summary = split_lvis_heldout(ann, images_per_category=2)
    assert summary.lvis_version == version
    assert summary.format_table().startswith(f'LVIS {version}: ')
    # image records are the input's, every field kept, nothing added
    by_id = {img['id']: img for img in ann['images']}
    for part in (train, heldout):
        for img in part['images']:
            assert img == by_id[img['id']]
        assert lvis_version(part) == version
    # the written files, read by the lvis API, give the summary's numbers
    paths = {}
    for name, part in (('train', train), ('heldout', heldout)):
        paths[name] = str(tmp_path / f'{name}.json')
        with open(paths[name], 'w') as f:
            json.dump(part, f)
    held_api, train_api = LVIS(paths['heldout']), LVIS(paths['train'])
    held, kept = _distinct_images(held_api), _distinct_images(train_api)
    for cat_id in held_api.get_cat_ids():
        assert summary.heldout_per_category[cat_id] == held.get(cat_id, 0)
        assert summary.train_per_category[cat_id] == kept.get(cat_id, 0)
    assert summary.heldout_images == len(held_api.get_img_ids())
    assert summary.train_images == len(train_api.get_img_ids())
    freq = {c['id']: c['frequency'] for c in ann['categories']}
    for g, row in summary.groups.items():
        imgs = {i for c, f in freq.items() if f == g
                for i in held_api.cat_img_map[c]}
        assert row.heldout_images == len(imgs)


def test_split_is_the_same_for_both_versions(toy_lvis, toy_lvis_v1):
    out = {}
    for version, toy in (('v0.5', toy_lvis), ('v1', toy_lvis_v1)):
        _, heldout, summary = split_lvis_heldout(
            _load(toy['train']), images_per_category=3, seed=1)
        d = summary.to_dict()
        assert d.pop('lvis_version') == version
        out[version] = ([i['id'] for i in heldout['images']], d)
    assert out['v0.5'] == out['v1']
    assert out['v1'][0]  # something was held out


def _run_tool(*args):
    return subprocess.run([sys.executable, SPLIT_TOOL, *map(str, args)],
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=REPO))


def test_split_tool_says_which_version_a_file_is(toy_lvis_v1, tmp_path):
    outs = ['--out-train', tmp_path / 'a.json', '--out-heldout',
            tmp_path / 'b.json']
    proc = _run_tool(toy_lvis_v1['train'], *outs, '--images-per-category',
                     '2')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('LVIS v1: held-out cap 2 images')
    assert lvis_file_version(str(tmp_path / 'b.json')) == 'v1'
    # an image record of neither format: exit 2, the image named
    ann = _load(toy_lvis_v1['train'])
    ann['images'][3]['coco_url'] = ''
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(ann))
    proc = _run_tool(bad, '--out-train', tmp_path / 'c.json',
                     '--out-heldout', tmp_path / 'd.json')
    assert proc.returncode == 2
    assert f'image {ann["images"][3]["id"]} has neither file_name' in \
        proc.stderr
    assert not (tmp_path / 'c.json').exists()
