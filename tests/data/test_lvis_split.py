"""Tests of the LVIS held-out split (lt_plugins/data/lvis_split.py) and its
command line tool (tools/make_lvis_heldout.py)."""
import copy
import glob
import importlib.util
import inspect
import json
import math
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from collections import Counter, defaultdict

import numpy as np
import pytest
from lvis import LVIS, LVISEval, LVISResults

from lt_plugins.compat import patch_lvis_numpy
from lt_plugins.data.lvis_split import (check_lvis_annotations,
                                        split_lvis_heldout, write_lvis_subset)
from lt_plugins.data.lvis_split import frequency_group
from lt_plugins.data.toy_lvis import generate_toy_lvis

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'make_lvis_heldout.py')


# ---------------------------------------------------------------- helpers
def make_lvis(image_cats, frequencies=None):
    """Hand-built LVIS v0.5 dict: ``image_cats`` maps an image id to the
    category ids annotated in it (one annotation each)."""
    cat_ids = sorted({c for cats in image_cats.values() for c in cats})
    images, anns = [], []
    for img_id, cats in image_cats.items():
        images.append(
            dict(id=img_id, file_name=f'{img_id:012d}.jpg', width=10,
                 height=10, neg_category_ids=[999 + img_id],
                 not_exhaustive_category_ids=list(cats[:1])))
        for c in cats:
            anns.append(dict(id=len(anns) + 1, image_id=img_id,
                             category_id=c, bbox=[1, 1, 4, 4], area=16,
                             segmentation=[[1, 1, 5, 1, 5, 5, 1, 5]]))
    cats = [
        dict(id=c, name=f'cat{c}', synset=f'cat{c}.n.01',
             frequency=(frequencies or {}).get(c, 'r'), image_count=0,
             instance_count=0) for c in cat_ids
    ]
    return dict(info=dict(version='0.5'), licenses=[dict(id=1, name='x')],
                images=images, annotations=anns, categories=cats)


def per_category_images(ann):
    out = defaultdict(set)
    for a in ann['annotations']:
        out[a['category_id']].add(a['image_id'])
    return out


def held_ids(heldout):
    return {img['id'] for img in heldout['images']}


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    """Toy LVIS train json (20 categories, LVIS-like r/c/f groups)."""
    root = tmp_path_factory.mktemp('toy_lvis')
    paths = generate_toy_lvis(str(root), num_train_images=400,
                              num_val_images=20, image_size=32, seed=0)
    with open(paths['train']) as f:
        ann = json.load(f)
    return paths['train'], ann


# ---------------------------------------------------------------- partition
def test_split_partitions_images_and_annotations_exactly(toy):
    _, ann = toy
    before = copy.deepcopy(ann)
    train, heldout, summary = split_lvis_heldout(ann, images_per_category=10)
    assert ann == before  # the input is not modified

    tr_ids = [img['id'] for img in train['images']]
    ho_ids = [img['id'] for img in heldout['images']]
    assert set(tr_ids).isdisjoint(ho_ids)
    assert sorted(tr_ids + ho_ids) == sorted(img['id']
                                             for img in ann['images'])
    assert len(ho_ids) > 0 and len(tr_ids) > len(ho_ids)

    # every annotation lands in exactly one split, the split of its image
    tr_anns = {a['id'] for a in train['annotations']}
    ho_anns = {a['id'] for a in heldout['annotations']}
    assert tr_anns.isdisjoint(ho_anns)
    assert tr_anns | ho_anns == {a['id'] for a in ann['annotations']}
    assert all(a['image_id'] in set(ho_ids) for a in heldout['annotations'])
    assert all(a['image_id'] in set(tr_ids) for a in train['annotations'])

    # image records (neg / not-exhaustive lists included) are unchanged
    by_id = {img['id']: img for img in ann['images']}
    for split in (train, heldout):
        for img in split['images']:
            assert img == by_id[img['id']]
    assert any(img['not_exhaustive_category_ids']
               for img in ann['images'])  # the check is not vacuous
    for key in ('info', 'licenses'):
        assert train[key] == ann[key] and heldout[key] == ann[key]

    assert summary.train_images == len(tr_ids)
    assert summary.heldout_images == len(ho_ids)
    assert summary.heldout_annotations == len(ho_anns)


def test_outputs_load_with_lvis_api_and_keep_federated_lists(toy, tmp_path):
    path, ann = toy
    out_tr, out_ho = tmp_path / 'train.json', tmp_path / 'heldout.json'
    proc = subprocess.run(
        [sys.executable, TOOL, path, '--out-train', str(out_tr),
         '--out-heldout', str(out_ho), '--images-per-category', '10',
         '--seed', '0'], capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr
    tr, ho = LVIS(str(out_tr)), LVIS(str(out_ho))
    train, heldout, _ = split_lvis_heldout(ann, images_per_category=10,
                                           seed=0)
    assert set(tr.get_img_ids()) == {i['id'] for i in train['images']}
    assert set(ho.get_img_ids()) == held_ids(heldout)
    assert set(tr.get_ann_ids()) | set(ho.get_ann_ids()) == {
        a['id'] for a in ann['annotations']}
    by_id = {img['id']: img for img in ann['images']}
    for api in (tr, ho):
        for img in api.load_imgs(api.get_img_ids()):
            for key in ('neg_category_ids', 'not_exhaustive_category_ids'):
                assert img[key] == by_id[img['id']][key]
    # the held-out file keeps the input's frequency groups
    assert {c['id']: c['frequency'] for c in ho.load_cats(None)} == {
        c['id']: c['frequency'] for c in ann['categories']}
    # the summary table has one row per frequency group
    rows = [line.split()[0] for line in proc.stdout.splitlines()]
    assert {'rare', 'common', 'frequent'} <= set(rows)


def test_heldout_json_evaluates_with_lvis_eval_using_input_groups(toy,
                                                                   tmp_path):
    """The held-out file is what the CDB hook scores: LVISEval must run on
    it and group APr/APc/APf by the input's frequency."""
    assert patch_lvis_numpy()
    _, ann = toy
    _, heldout, _ = split_lvis_heldout(ann, images_per_category=10)
    path = str(tmp_path / 'heldout.json')
    write_lvis_subset(heldout, held_ids(heldout), path)
    gt = LVIS(path)
    # ground truth as detections: every category present scores AP 1
    dets = [dict(image_id=a['image_id'], category_id=a['category_id'],
                 bbox=a['bbox'], score=1.0) for a in heldout['annotations']]
    ev = LVISEval(gt, LVISResults(gt, dets), iou_type='bbox')
    ev.run()
    for key in ('AP', 'APr', 'APc', 'APf'):
        assert ev.results[key] == pytest.approx(1.0), key
    groups = {g: sorted(c['id'] for c in ann['categories']
                        if c['frequency'] == g) for g in 'rcf'}
    cat_ids = ev.params.cat_ids
    for g_idx, g in enumerate('rcf'):
        assert sorted(cat_ids[k] for k in ev.freq_groups[g_idx]) == groups[g]


# ---------------------------------------------------------------- selection
@pytest.mark.parametrize('cap,min_train,seed,frac', [(10, 1, 0, 0.5),
                                                     (10, 1, 1, 0.5),
                                                     (5, 3, 2, 0.5),
                                                     (30, 2, 0, 0.5),
                                                     (10, 1, 0, 1.0),
                                                     (5, 3, 2, 1.0)])
def test_cap_and_training_floor_respected_and_cap_reached_where_possible(
        toy, cap, min_train, seed, frac):
    _, ann = toy
    train, heldout, summary = split_lvis_heldout(
        ann, images_per_category=cap, seed=seed, min_train_images=min_train,
        max_heldout_fraction=frac)
    orig = per_category_images(ann)
    tr = per_category_images(train)
    ho = per_category_images(heldout)
    img_cats = defaultdict(set)
    for a in train['annotations']:
        img_cats[a['image_id']].add(a['category_id'])
    # the fewest training images each category must keep
    floor = {c: max(min_train, len(v) - math.floor(frac * len(v)))
             for c, v in orig.items()}
    for c in orig:
        n_tr, n_ho = len(tr[c]), len(ho[c])
        assert n_tr + n_ho == len(orig[c])
        assert n_tr >= min(floor[c], len(orig[c])), c
        assert summary.heldout_per_category[c] == n_ho
        assert summary.train_per_category[c] == n_tr
        if n_ho < cap:
            # greedy: below the cap only when no remaining training image of
            # c could go without taking a category below its floor
            for img in tr[c]:
                assert any(len(tr[j]) <= floor[j] for j in img_cats[img]), (
                    c, img)


def test_rarest_category_picks_first():
    # R (2 images) must pick i1: i2 holds G's only image. F (3 images)
    # visited later is then already at the cap of 1, so only i1 goes,
    # whatever the seed. Visiting F first could hold out i3 or i4 as well.
    ann = make_lvis({1: [1, 3], 2: [1, 2], 3: [3], 4: [3]})
    for seed in range(6):
        _, heldout, summary = split_lvis_heldout(ann, images_per_category=1,
                                                 seed=seed)
        assert held_ids(heldout) == {1}, seed
        assert summary.heldout_per_category == {1: 1, 2: 0, 3: 1}
        assert summary.train_per_category == {1: 1, 2: 1, 3: 2}


def test_images_with_categories_at_cap_are_avoided():
    # B (2 images) goes first and can only take b1 (b2 holds G's only
    # image), which puts F at its cap. A (3 images) then prefers a2/a3 over
    # a1, which contains F; the seed decides between a2 and a3.
    B, A, F, G = 1, 2, 3, 4
    ann = make_lvis({11: [B, F], 12: [B, G], 21: [A, F], 22: [A], 23: [A],
                     31: [F], 32: [F], 33: [F]})
    picked = set()
    for seed in range(10):
        _, heldout, _ = split_lvis_heldout(ann, images_per_category=1,
                                           seed=seed)
        ids = held_ids(heldout)
        assert 11 in ids and 21 not in ids and len(ids) == 2, (seed, ids)
        picked |= ids - {11}
    assert picked == {22, 23}


def test_min_train_images_never_removes_last_images():
    # category 1 has 3 images; min_train_images=2 lets only one go
    ann = make_lvis({1: [1], 2: [1], 3: [1], 4: [2], 5: [2]})
    _, heldout, s = split_lvis_heldout(ann, images_per_category=10,
                                       min_train_images=2)
    assert s.heldout_per_category == {1: 1, 2: 0}
    assert s.train_per_category == {1: 2, 2: 2}
    assert s.groups['r'].categories_without_heldout == 1
    # a single-image category is never held out with the default floor
    _, heldout, s = split_lvis_heldout(make_lvis({7: [5]}))
    assert heldout['images'] == [] and s.train_per_category == {5: 1}


def test_max_heldout_fraction_limits_each_category():
    # category 1: 5 images -> at most floor(0.5 * 5) = 2 held out;
    # category 2: 4 images -> at most 2
    ann = make_lvis({i: [1] for i in range(1, 6)} |
                    {i: [2] for i in range(6, 10)})
    _, _, s = split_lvis_heldout(ann, images_per_category=10,
                                 max_heldout_fraction=0.5)
    assert s.heldout_per_category == {1: 2, 2: 2}
    _, _, s = split_lvis_heldout(ann, images_per_category=10,
                                 max_heldout_fraction=1.0)
    assert s.heldout_per_category == {1: 4, 2: 3}


def _one_category_per_size(sizes):
    """Category n has n images of its own (no co-occurrence)."""
    image_cats, next_id = {}, 1
    for n in sizes:
        for _ in range(n):
            image_cats[next_id] = [n]
            next_id += 1
    return make_lvis(image_cats)


def test_default_holds_out_at_most_half_of_every_rare_category(tmp_path):
    """LVIS's rare group (1-10 images): by default a category with n images
    gives floor(n / 2) and keeps ceil(n / 2); n = 1 gives none."""
    sizes = range(1, 13)
    ann = _one_category_per_size(sizes)
    _, _, s = split_lvis_heldout(ann)
    expect_held = {n: min(10, n // 2) for n in sizes}
    assert s.heldout_per_category == expect_held
    assert s.train_per_category == {n: n - expect_held[n] for n in sizes}
    assert s.heldout_per_category[1] == 0 and s.heldout_per_category[2] == 1
    assert s.max_heldout_fraction == 0.5
    # the command line tool has the same default
    path = tmp_path / 'in.json'
    path.write_text(json.dumps(ann))
    proc = _run_tool(path, '--out-train', tmp_path / 'tr.json',
                     '--out-heldout', tmp_path / 'ho.json', '--summary-json',
                     tmp_path / 'summary.json')
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert summary['max_heldout_fraction'] == 0.5
    assert {int(k): v for k, v in summary['heldout_per_category'].items()
            } == expect_held


def test_same_seed_same_split_other_seed_other_split(toy, tmp_path):
    _, ann = toy
    a = split_lvis_heldout(ann, images_per_category=10, seed=3)
    b = split_lvis_heldout(copy.deepcopy(ann), images_per_category=10,
                           seed=3)
    c = split_lvis_heldout(ann, images_per_category=10, seed=4)
    assert json.dumps(a[:2]) == json.dumps(b[:2])
    assert a[2] == b[2]
    assert held_ids(a[1]) != held_ids(c[1])


# ---------------------------------------------------------------- counts
def test_training_counts_recomputed_by_default(toy):
    _, ann = toy
    train, heldout, summary = split_lvis_heldout(ann, images_per_category=10)
    imgs = per_category_images(train)
    inst = Counter(a['category_id'] for a in train['annotations'])
    moved = Counter()
    orig = {c['id']: c for c in ann['categories']}
    for cat in train['categories']:
        n = len(imgs[cat['id']])
        assert cat['image_count'] == n
        assert cat['instance_count'] == inst[cat['id']]
        assert cat['frequency'] == frequency_group(n)
        if cat['frequency'] != orig[cat['id']]['frequency']:
            moved[orig[cat['id']]['frequency']] += 1
    # the toy's common categories with 12 and 18 images drop to <= 10
    assert moved['c'] > 0
    assert {g: summary.groups[g].categories_changing_group
            for g in 'rcf'} == {g: moved[g] for g in 'rcf'}
    # the held-out file always keeps the input's category records
    assert heldout['categories'] == ann['categories']


def test_training_counts_kept_on_request(toy):
    _, ann = toy
    train, heldout, summary = split_lvis_heldout(
        ann, images_per_category=10, recompute_frequency=False)
    assert train['categories'] == ann['categories']
    assert heldout['categories'] == ann['categories']
    assert all(summary.groups[g].categories_changing_group == 0
               for g in 'rcf')


def test_summary_per_frequency_group(toy):
    _, ann = toy
    _, heldout, s = split_lvis_heldout(ann, images_per_category=10)
    freq = {c['id']: c['frequency'] for c in ann['categories']}
    ho = per_category_images(heldout)
    for g in 'rcf':
        ids = [c for c in freq if freq[c] == g]
        counts = np.array([len(ho[c]) for c in ids])
        row = s.groups[g]
        assert row.categories == len(ids)
        assert row.heldout_images == len(set().union(*(ho[c] for c in ids)))
        assert row.heldout_per_category_mean == pytest.approx(counts.mean())
        assert row.categories_without_heldout == int((counts == 0).sum())
        assert row.categories_at_cap == int((counts >= 10).sum())
    table = s.format_table()
    assert 'rare' in table and 'frequent' in table
    json.dumps(s.to_dict())  # serialisable for --summary-json


def test_write_lvis_subset_keeps_lists_and_frequency(toy, tmp_path):
    _, ann = toy
    ids = [img['id'] for img in ann['images'][:7]]
    path = str(tmp_path / 'sub' / 'subset.json')
    sub = write_lvis_subset(ann, ids, path)
    api = LVIS(path)
    assert sorted(api.get_img_ids()) == sorted(ids)
    assert sorted(api.get_ann_ids()) == sorted(
        a['id'] for a in ann['annotations'] if a['image_id'] in set(ids))
    assert api.load_cats(None) == ann['categories']
    assert sub['images'] == ann['images'][:7]
    with pytest.raises(ValueError, match='123456789'):
        write_lvis_subset(ann, [123456789], path)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize('kwargs,exc,match', [
    (dict(images_per_category=0), ValueError, 'images_per_category.*0'),
    (dict(images_per_category=2.5), TypeError, 'images_per_category.*2.5'),
    (dict(min_train_images=0), ValueError, 'min_train_images.*0'),
    (dict(seed=-1), ValueError, 'seed.*-1'),
    (dict(seed=2**32), ValueError, 'seed'),
    (dict(recompute_frequency='yes'), TypeError, 'recompute_frequency'),
    (dict(max_heldout_fraction=0.0), ValueError, 'max_heldout_fraction'),
    (dict(max_heldout_fraction=1.5), ValueError, 'max_heldout_fraction'),
])
def test_bad_arguments_are_named(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        split_lvis_heldout(make_lvis({1: [1], 2: [1]}), **kwargs)


def _broken(what):
    ann = make_lvis({1: [1], 2: [1, 2]}, frequencies={2: 'c'})
    if what == 'no_images':
        del ann['images']
    elif what == 'no_neg':
        del ann['images'][1]['neg_category_ids']
    elif what == 'dup_image':
        ann['images'][1]['id'] = 1
    elif what == 'bad_frequency':
        ann['categories'][0]['frequency'] = 'rare'
    elif what == 'unknown_image':
        ann['annotations'][0]['image_id'] = 77
    elif what == 'unknown_category':
        ann['annotations'][0]['category_id'] = 55
    return ann


@pytest.mark.parametrize('what,match', [
    ('no_images', "'images'"), ('no_neg', "image 2 .*neg_category_ids"),
    ('dup_image', 'duplicate image id 1'), ('bad_frequency', "'rare'"),
    ('unknown_image', 'image id 77'), ('unknown_category', 'category id 55')
])
def test_malformed_annotations_are_named(what, match):
    with pytest.raises(ValueError, match=match):
        split_lvis_heldout(_broken(what))
    with pytest.raises(TypeError, match='list'):
        check_lvis_annotations([])


def _run_tool(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)],
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=REPO))


def test_cli_errors_name_the_bad_input(tmp_path):
    good = tmp_path / 'in.json'
    good.write_text(json.dumps(make_lvis({1: [1], 2: [1]})))
    outs = ['--out-train', tmp_path / 'a.json', '--out-heldout',
            tmp_path / 'b.json']
    cases = [
        ((tmp_path / 'missing.json', *outs), 'not found: .*missing.json'),
        ((good, *outs, '--images-per-category', '0'),
         '--images-per-category must be >= 1, got 0'),
        ((good, *outs, '--min-train-images', '0'), '--min-train-images'),
        ((good, *outs, '--max-heldout-fraction', '2'),
         '--max-heldout-fraction'),
        ((good, '--out-train', good, '--out-heldout', tmp_path / 'b.json'),
         '--out-train would overwrite the input'),
        ((good, '--out-train', tmp_path / 'a.json', '--out-heldout',
          tmp_path / 'a.json'), 'the same file'),
    ]
    bad_json = tmp_path / 'bad.json'
    bad_json.write_text('{"images": [')
    cases.append(((bad_json, *outs), 'bad.json is not valid json'))
    not_lvis = tmp_path / 'coco.json'
    ann = make_lvis({1: [1]})
    del ann['images'][0]['not_exhaustive_category_ids']
    not_lvis.write_text(json.dumps(ann))
    cases.append(((not_lvis, *outs), 'not_exhaustive_category_ids'))
    for args, match in cases:
        proc = _run_tool(*args)
        assert proc.returncode == 2, (args, proc.stdout)
        assert re.search(match, proc.stderr), (match, proc.stderr)
    assert not (tmp_path / 'a.json').exists()
    assert not (tmp_path / 'b.json').exists()


# ------------------------------------------------- documented commands
def _tool_module():
    spec = importlib.util.spec_from_file_location('make_lvis_heldout', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COMMAND_START = re.compile(
    r'^\s*(?:#\s*)?(?:\$PY|python)\s+tools/make_lvis_heldout\.py\b')


def documented_split_commands():
    """Every shell command of tools/make_lvis_heldout.py written in the
    repository's README, docs, configs, tools and package (comments and
    docstrings included), as ``(file, argv)`` with ``argv`` the arguments
    after the script."""
    files = [osp.join(REPO, 'README.md')]
    for pattern in ('docs/**/*.md', 'configs/**/*.py', 'tools/*.py',
                    'lt_plugins/**/*.py'):
        files += glob.glob(osp.join(REPO, pattern), recursive=True)
    commands = []
    for path in sorted(files):
        lines = open(path).read().splitlines()
        for i, line in enumerate(lines):
            if not _COMMAND_START.match(line):
                continue
            parts = []
            while True:
                text = re.sub(r'^\s*#', '', lines[i]).strip()
                more = text.endswith('\\')
                parts.append(text.rstrip('\\').strip())
                if not more:
                    break
                i += 1
            argv = shlex.split(' '.join(parts))[2:]
            commands.append((osp.relpath(path, REPO), argv))
    return commands


def _options_only(argv):
    """The arguments without the input and output paths."""
    out, skip = [], False
    for k, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg in ('--out-train', '--out-heldout'):
            skip = True
        elif k > 0:
            out.append(arg)
    return out


def test_every_documented_split_command_is_the_same_and_the_default():
    commands = documented_split_commands()
    where = sorted({f for f, _ in commands})
    # README, the two docs, the CDB config headers, the tool's docstring
    for expected in ('README.md', 'docs/lvis_heldout_split.md',
                     'docs/detection.md',
                     'configs/lvis/faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb.py',
                     'configs/toy/faster-rcnn_toy-lvis_cdb.py',
                     'tools/make_lvis_heldout.py'):
        assert expected in where, where
    parser = _tool_module().build_parser()
    canonical = ['--images-per-category', '10', '--seed', '0',
                 '--max-heldout-fraction', '0.5']
    for path, argv in commands:
        assert _options_only(argv) == canonical, (path, argv)
        args = parser.parse_args(argv)
        # <name>_train.json -> <name>_train_cdb.json and <name>_heldout.json
        # next to it, the names the configs read
        stem = osp.basename(args.annotations)[:-len('_train.json')]
        assert osp.basename(args.annotations) == f'{stem}_train.json'
        assert osp.basename(args.out_train) == f'{stem}_train_cdb.json'
        assert osp.basename(args.out_heldout) == f'{stem}_heldout.json'
        assert osp.dirname(args.out_train) == osp.dirname(args.annotations)
        assert osp.dirname(args.out_heldout) == osp.dirname(args.annotations)
    # tools/demo.py passes the same options
    spec = importlib.util.spec_from_file_location(
        'demo', osp.join(REPO, 'tools', 'demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert list(demo.HELDOUT_OPTIONS) == canonical
    # and the documented options are the defaults of the tool and of the
    # function, so a command without them cuts the same split
    defaults = parser.parse_args(['in.json', '--out-train', 'a.json',
                                  '--out-heldout', 'b.json'])
    documented = parser.parse_args(['in.json', '--out-train', 'a.json',
                                    '--out-heldout', 'b.json', *canonical])
    assert vars(defaults) == vars(documented)
    signature = inspect.signature(split_lvis_heldout).parameters
    assert {k: signature[k].default for k in (
        'images_per_category', 'seed', 'min_train_images',
        'max_heldout_fraction')} == dict(
            images_per_category=10, seed=0, min_train_images=1,
            max_heldout_fraction=0.5)


def _dataset_ann_file(dataset_cfg):
    while 'ann_file' not in dataset_cfg:  # ClassBalancedDataset & co
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg['ann_file']


def test_help_example_writes_the_files_the_cdb_configs_read():
    from mmengine.config import Config
    proc = _run_tool('--help')
    assert proc.returncode == 0, proc.stderr
    example = proc.stdout[proc.stdout.index('Example'):]
    (line, ) = [ln for ln in example.splitlines() if 'make_lvis_heldout' in ln]
    start = example.index(line)
    argv = shlex.split(example[start:].replace('\\\n', ' '))[2:]
    args = _tool_module().build_parser().parse_args(argv)
    names = {osp.basename(args.out_train), osp.basename(args.out_heldout)}
    assert names == {'lvis_v0.5_train_cdb.json', 'lvis_v0.5_heldout.json'}
    configs = sorted(
        glob.glob(osp.join(REPO, 'configs', 'lvis', '*lvis-v0.5_cdb*.py')) +
        glob.glob(osp.join(REPO, 'configs', 'toy', '*_cdb.py')))
    assert len(configs) >= 6
    for path in configs:
        cfg = Config.fromfile(path)
        (hook, ) = [h for h in cfg.custom_hooks
                    if h.type == 'CDBDifficultyHook']
        train = _dataset_ann_file(cfg.train_dataloader.dataset)
        heldout = _dataset_ann_file(hook.dataloader.dataset)
        assert osp.basename(train) == osp.basename(args.out_train), path
        assert osp.basename(heldout) == osp.basename(args.out_heldout), path
