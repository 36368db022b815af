"""DifficultyRepeatFactorSampler: hand-computed repeat factors, the plan's
counts, rank shards, mmengine's ClassBalancedDataset as the RFS reference,
bad input, and real training runs with CDBDifficultyHook (measurement,
checkpoint, resume)."""
import json
import math
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.dataset import ClassBalancedDataset
from torch.utils.data import TensorDataset

import lt_plugins.det  # noqa: F401  (registers the sampler and the hook)
from lt_plugins.det.difficulty_sampler import (
    SAMPLER_CHECKPOINT_KEY, DifficultyRepeatFactorSampler,
    category_repeat_factors, draw_repeat_plan, image_repeat_factors,
    rfs_category_factors)
from lt_plugins.engine.difficulty_consumer import MissingDifficultyHookError
from mmdet.datasets import LVISV05Dataset
from mmdet.registry import DATA_SAMPLERS
from tests.ddp_launch import free_port
from .toy_runs import REPO, train, with_heldout_split, write_config

# ------------------------------------------------------ a hand-made set
#: Category ids (labels 0..3) of the 8 images; image 8 has no annotation.
HAND_IMAGES = [[1], [1, 2], [1], [1, 3], [1, 1], [2], [4], []]
HAND_CLASSES = ('a', 'b', 'c', 'd')
#: Images holding each category: a 5, b 2, c 1, d 1 of 8, so with t = 0.5
#: f = (5/8, 2/8, 1/8, 1/8) and r^RFS = max(1, sqrt(t / f)) =
#: (1, sqrt(2), 2, 2).
HAND_THR = 0.5
HAND_RFS = [1.0, math.sqrt(2.0), 2.0, 2.0]
#: Mean-1 CDB weights.
HAND_W = [0.5, 1.5, 0.8, 1.2]


def _write_lvis(path, images):
    """A minimal LVIS v0.5 json: ``images[i]`` lists the category ids of
    image i + 1, one box each."""
    cats = [dict(id=k + 1, name=n, synset=f'{n}.n.01', synonyms=[n],
                 def_=n, frequency='r', image_count=1, instance_count=1)
            for k, n in enumerate(HAND_CLASSES)]
    imgs, anns = [], []
    for i, cat_ids in enumerate(images, start=1):
        imgs.append(dict(id=i, file_name=f'{i:012d}.jpg', width=64,
                         height=64, neg_category_ids=[],
                         not_exhaustive_category_ids=[]))
        for k, c in enumerate(cat_ids):
            box = [4.0 + 10 * k, 4.0, 8.0, 8.0]
            anns.append(dict(id=len(anns) + 1, image_id=i, category_id=c,
                             bbox=box, area=64.0,
                             segmentation=[[box[0], 4, box[0] + 8, 4,
                                            box[0] + 8, 12, box[0], 12]]))
    with open(path, 'w') as f:
        json.dump(dict(images=imgs, annotations=anns, categories=cats), f)


def _lvis_dataset(root, ann_file, classes, **kwargs):
    """mmdet's LVISV05Dataset on ``ann_file``, no pipeline (only the
    annotations are read)."""
    return LVISV05Dataset(data_root=root, ann_file=ann_file,
                          data_prefix=dict(img='train2017/'),
                          metainfo=dict(classes=classes), pipeline=[],
                          **kwargs)


@pytest.fixture(scope='module')
def hand_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('hand_lvis'))
    _write_lvis(osp.join(root, 'hand.json'), HAND_IMAGES)
    return _lvis_dataset(root, 'hand.json', HAND_CLASSES)


def _sampler(dataset, weights=None, measured=None, **kwargs):
    kwargs.setdefault('seed', 0)
    sampler = DifficultyRepeatFactorSampler(dataset, **kwargs)
    sampler.update_weights(np.ones(sampler.num_classes)
                           if weights is None else weights, measured)
    return sampler


# ----------------------------------------------------- hand computation
def test_reads_the_images_categories_as_class_balanced_dataset_does(
        hand_set):
    sampler = _sampler(hand_set)
    assert [c.tolist() for c in sampler.image_cats] == \
        [[0], [0, 1], [0], [0, 2], [0], [1], [3], []]
    assert [sorted(set(hand_set.get_cat_ids(i))) for i in range(8)] == \
        [c.tolist() for c in sampler.image_cats]


def test_rfs_category_factors_by_hand(hand_set):
    sampler = _sampler(hand_set, oversample_thr=HAND_THR)
    np.testing.assert_allclose(sampler.rfs_factors, HAND_RFS, rtol=1e-15)


def test_difficulty_form_factors_by_hand(hand_set):
    sampler = _sampler(hand_set, HAND_W, form='difficulty',
                       oversample_thr=HAND_THR)
    # r_c = max(1, w_c)
    np.testing.assert_allclose(sampler.category_factors, [1, 1.5, 1, 1.2])
    # per image the max over its categories; the empty image 1
    np.testing.assert_allclose(sampler.image_factors,
                               [1, 1.5, 1, 1, 1, 1.5, 1.2, 1])


def test_rfs_x_difficulty_form_factors_by_hand(hand_set):
    sampler = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                       oversample_thr=HAND_THR)
    # r_c = max(1, r_c^RFS * w_c) = max(1, (0.5, 1.5 sqrt 2, 1.6, 2.4))
    r = [1.0, 1.5 * math.sqrt(2.0), 1.6, 2.4]
    np.testing.assert_allclose(sampler.category_factors, r)
    np.testing.assert_allclose(sampler.image_factors,
                               [1, r[1], 1, 1.6, 1, r[1], 2.4, 1])


def test_unmeasured_categories_keep_rfs_factor_or_one(hand_set):
    measured = np.array([True, False, False, True])
    # (b): b and c keep r^RFS (sqrt 2, 2) instead of 2.12 and 1.6
    b = _sampler(hand_set, HAND_W, measured, form='rfs_x_difficulty',
                 oversample_thr=HAND_THR)
    np.testing.assert_allclose(b.category_factors,
                               [1, math.sqrt(2.0), 2.0, 2.4])
    np.testing.assert_allclose(
        b.image_factors, [1, math.sqrt(2.0), 1, 2, 1, math.sqrt(2.0), 2.4, 1])
    # (a): b keeps 1 instead of 1.5 (c is below 1 either way)
    a = _sampler(hand_set, HAND_W, measured, form='difficulty')
    np.testing.assert_allclose(a.category_factors, [1, 1, 1, 1.2])
    np.testing.assert_allclose(a.image_factors, [1, 1, 1, 1, 1, 1, 1.2, 1])


def test_before_the_first_measurement_difficulty_is_uniform_and_rfs_x_is_rfs(
        hand_set):
    a = _sampler(hand_set, form='difficulty', oversample_thr=HAND_THR)
    np.testing.assert_array_equal(a.image_factors, np.ones(8))
    assert sorted(a.epoch_plan().tolist()) == list(range(8))
    b = _sampler(hand_set, form='rfs_x_difficulty', oversample_thr=HAND_THR)
    np.testing.assert_allclose(
        b.image_factors, [1, math.sqrt(2.0), 1, 2, 1, math.sqrt(2.0), 2, 1])


def test_math_functions_agree_with_the_sampler(hand_set):
    sampler = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                       oversample_thr=HAND_THR)
    rfs = rfs_category_factors(sampler.image_cats, 4, HAND_THR)
    cat = category_repeat_factors(np.array(HAND_W), rfs, 'rfs_x_difficulty')
    np.testing.assert_array_equal(
        image_repeat_factors(sampler.image_cats, cat), sampler.image_factors)


# ------------------------------------------- mmengine's RFS as reference
def test_constant_weights_reproduce_class_balanced_dataset_exactly(
        hand_set, toy_lvis):
    toy = _lvis_dataset(toy_lvis['root'], 'annotations/lvis_v0.5_train.json',
                        _toy_classes())
    for dataset, thr in ((hand_set, HAND_THR), (toy, 0.3), (toy, 1e-3),
                         (toy, 0.9)):
        ref = ClassBalancedDataset(dataset, oversample_thr=thr)
        expected = ref._get_repeat_factors(dataset, thr)
        sampler = _sampler(dataset, form='rfs_x_difficulty',
                           oversample_thr=thr)
        # bit for bit, not approximately
        assert sampler.image_factors.tolist() == expected
        # ClassBalancedDataset repeats ceil(r) times: the longest plan
        assert len(ref) == int(np.ceil(sampler.image_factors).sum())
    assert max(expected) > 1.5  # the toy set at t = 0.9 does repeat


def _toy_classes():
    from lt_plugins.data.toy_lvis import TOY_CLASSES
    return TOY_CLASSES


# ------------------------------------------------------------ the plan
def test_expected_count_per_image_equals_its_repeat_factor(hand_set):
    """Over E epochs the mean count of image i is r_i within 5 standard
    errors, sqrt(frac (1 - frac) / E) <= 0.5 / sqrt(E) = 0.0079 for
    E = 4000; every single epoch holds it floor(r_i) or ceil(r_i)
    times."""
    sampler = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                       oversample_thr=HAND_THR)
    r = sampler.image_factors
    epochs = 4000
    counts = np.zeros((epochs, 8))
    for e in range(epochs):
        sampler.set_epoch(e)
        counts[e] = np.bincount(sampler.epoch_plan(), minlength=8)
    assert ((counts == np.floor(r)) | (counts == np.ceil(r))).all()
    frac = r - np.floor(r)
    tol = 5 * np.sqrt(frac * (1 - frac) / epochs) + 1e-12
    assert (np.abs(counts.mean(0) - r) <= tol).all(), (counts.mean(0), r)
    # the fractional images really vary, the whole ones never
    assert counts[:, 1].std() > 0 and counts[:, 0].std() == 0


def test_plan_is_shuffled_and_seeded_by_seed_and_epoch(hand_set):
    s = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                 oversample_thr=HAND_THR, seed=3)
    same = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                    oversample_thr=HAND_THR, seed=3)
    other = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                     oversample_thr=HAND_THR, seed=4)
    plans = []
    for e in range(5):
        for x in (s, same, other):
            x.set_epoch(e)
        np.testing.assert_array_equal(s.epoch_plan(), same.epoch_plan())
        plans.append(s.epoch_plan().tolist())
        assert plans[-1] != other.epoch_plan().tolist()
        assert list(iter(s)) == plans[-1] and len(s) == len(plans[-1])
    assert len({tuple(p) for p in plans}) == 5
    # not sorted: shuffled
    assert any(p != sorted(p) for p in plans)


def test_draw_repeat_plan_counts():
    rng = np.random.default_rng(0)
    plan = draw_repeat_plan(np.array([1.0, 3.0, 2.0]), rng)
    assert sorted(plan.tolist()) == [0, 1, 1, 1, 2, 2]


def test_new_weights_change_the_next_plan_and_its_length(hand_set):
    sampler = _sampler(hand_set, form='difficulty')
    assert len(sampler) == 8
    sampler.update_weights([0.5, 3.0, 0.3, 0.2])  # b: factor 3
    # images 2 and 6 hold b: 3 times each
    assert len(sampler) == 12
    assert np.bincount(list(iter(sampler)), minlength=8).tolist() == \
        [1, 3, 1, 1, 1, 3, 1, 1]


# --------------------------------------------------------------- ranks
def test_ranks_take_disjoint_shards_of_one_padded_plan_in_torchrun(
        hand_set, tmp_path):
    """Two processes under torchrun (gloo): the seed is synchronised, each
    rank iterates plan[rank::2] of the same plan, padded to an even length
    with the plan's own start, as mmengine's DefaultSampler pads."""
    out = str(tmp_path)
    script = osp.join(REPO, 'tests', 'det', 'ddp_sampler_run.py')
    cmd = [sys.executable, '-m', 'torch.distributed.run',
           '--nproc_per_node=2', f'--master_port={free_port()}', script,
           hand_set.data_root, 'hand.json', ','.join(HAND_CLASSES), out]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [json.load(open(osp.join(out, f'rank{r}.json'))) for r in (0, 1)]
    assert ranks[0]['seed'] == ranks[1]['seed']
    assert ranks[0]['world_size'] == 2
    odd_seen = False
    for e, (r0, r1) in enumerate(zip(ranks[0]['epochs'],
                                     ranks[1]['epochs'])):
        reference = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                             oversample_thr=HAND_THR,
                             seed=ranks[0]['seed'])
        reference.set_epoch(e)
        plan = reference.epoch_plan().tolist()
        odd_seen |= len(plan) % 2 == 1
        padded = plan + plan[:len(plan) % 2]
        assert r0['plan'] == r1['plan'] == plan
        assert r0['shard'] == padded[0::2] and r1['shard'] == padded[1::2]
        assert r0['len'] == r1['len'] == len(padded) // 2
        # every plan position goes to exactly one rank
        assert sorted(r0['shard'] + r1['shard']) == sorted(padded)
    assert odd_seen  # the padding was exercised


def test_round_up_false_gives_ranks_unequal_shards_without_padding(
        hand_set):
    s = _sampler(hand_set, HAND_W, form='rfs_x_difficulty',
                 oversample_thr=HAND_THR, round_up=False)
    # one process: the whole plan, no padding
    assert list(iter(s)) == s.epoch_plan().tolist()


# ---------------------------------------------------------- bad input
def test_refuses_a_dataset_without_category_ids():
    with pytest.raises(TypeError, match='TensorDataset has no get_cat_ids'):
        DifficultyRepeatFactorSampler(TensorDataset(torch.zeros(3)), seed=0)


def test_refuses_an_rfs_wrapped_dataset(hand_set):
    with pytest.raises(TypeError, match='already RFS-resampled'):
        DifficultyRepeatFactorSampler(
            ClassBalancedDataset(hand_set, oversample_thr=0.5), seed=0)


@pytest.mark.parametrize('weights, match', [
    ([1.0, 1.0, 1.0], r'4 classes but got 3 weights'),
    ([1.0, 1.0, 1.0, 1.0, 1.0], r'4 classes but got 5 weights'),
    ([1.0, float('nan'), 1.0, 1.0], r'weights\[1\] .* got nan'),
    ([1.0, 1.0, -0.5, 1.0], r'weights\[2\] .* got -0.5'),
    ([1.0, 1.0, 1.0, float('inf')], r'weights\[3\] .* got inf'),
])
def test_refuses_bad_weights(hand_set, weights, match):
    sampler = _sampler(hand_set)
    with pytest.raises(ValueError, match=match):
        sampler.update_weights(weights)
    # a refused update leaves the sampler as it was
    np.testing.assert_array_equal(sampler.weights, np.ones(4))


def test_accepts_a_tensor_and_refuses_a_bad_mask(hand_set):
    sampler = _sampler(hand_set)
    sampler.update_weights(torch.tensor(HAND_W))
    np.testing.assert_allclose(sampler.weights, HAND_W, rtol=1e-6)
    with pytest.raises(ValueError, match=r'bool mask of shape \(4,\)'):
        sampler.update_weights(HAND_W, measured=[1, 0, 1, 1])


def test_refuses_an_epoch_longer_than_max_epoch_factor(hand_set):
    sampler = _sampler(hand_set, form='difficulty', max_epoch_factor=3.0)
    # b at 10: images 2 and 6 ten times, 6 others once: 26 > 3 * 8
    with pytest.raises(ValueError,
                       match=r'epoch of 26 images, 3.25 times the 8 images'
                       r'.*max_epoch_factor=3'):
        sampler.update_weights([0.1, 10.0, 0.1, 0.1])
    sampler.update_weights([0.1, 9.0, 0.1, 0.1])  # 24 images: allowed
    assert len(sampler) == 24
    # at construction too: RFS alone can be too long
    with pytest.raises(ValueError, match='max_epoch_factor=1.2'):
        DifficultyRepeatFactorSampler(hand_set, form='rfs_x_difficulty',
                                      oversample_thr=HAND_THR, seed=0,
                                      max_epoch_factor=1.2)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(form='rfs'), ValueError, "form must be one of 'difficulty'"),
    (dict(oversample_thr=-1e-3), ValueError, 'oversample_thr'),
    (dict(oversample_thr=float('nan')), ValueError, 'oversample_thr'),
    (dict(seed=True), TypeError, 'seed must be an int'),
    (dict(seed=-1), ValueError, 'seed must be an int'),
    (dict(round_up=1), TypeError, 'round_up must be a bool'),
    (dict(max_epoch_factor=0.5), ValueError, 'max_epoch_factor'),
])
def test_refuses_bad_arguments(hand_set, kwargs, error, match):
    with pytest.raises(error, match=match):
        DifficultyRepeatFactorSampler(hand_set, **kwargs)


def test_refuses_to_iterate_before_any_hook_pushed_weights(hand_set):
    sampler = DifficultyRepeatFactorSampler(hand_set, seed=0)
    assert sampler.requires_difficulty_hook
    with pytest.raises(MissingDifficultyHookError,
                       match=r"no difficulty hook updates its class weights"
                       r".*CDBDifficultyHook.*fixed_weights=True"):
        iter(sampler)
    assert len(sampler) == 8  # the train loop may ask for the length


def test_fixed_weights_sample_without_a_hook(hand_set):
    # weight 1 on purpose: RFS's factors in 'rfs_x_difficulty'
    rfs = DifficultyRepeatFactorSampler(hand_set, seed=0, fixed_weights=True,
                                        form='rfs_x_difficulty',
                                        oversample_thr=HAND_THR)
    assert not rfs.requires_difficulty_hook
    np.testing.assert_allclose(rfs.category_factors, HAND_RFS)
    assert len(list(iter(rfs))) == len(rfs.epoch_plan())
    # every image once in 'difficulty'
    plain = DifficultyRepeatFactorSampler(hand_set, seed=0,
                                          fixed_weights=True)
    assert sorted(iter(plain)) == list(range(8))
    # given weights: the hand-computed factors of the 'difficulty' form
    fixed = DifficultyRepeatFactorSampler(hand_set, seed=0,
                                          fixed_weights=True, weights=HAND_W)
    np.testing.assert_allclose(fixed.category_factors, [1, 1.5, 1, 1.2])
    list(iter(fixed))


def test_fixed_weights_refuse_a_hook_and_bad_weights(hand_set):
    with pytest.raises(ValueError, match='pass fixed_weights=True'):
        DifficultyRepeatFactorSampler(hand_set, seed=0, weights=HAND_W)
    with pytest.raises(ValueError, match='weights'):
        DifficultyRepeatFactorSampler(hand_set, seed=0, fixed_weights=True,
                                      weights=[1.0, float('nan'), 1.0, 1.0])
    with pytest.raises(ValueError, match='4 classes but got 3 weights'):
        DifficultyRepeatFactorSampler(hand_set, seed=0, fixed_weights=True,
                                      weights=[1.0, 1.0, 1.0])
    fixed = DifficultyRepeatFactorSampler(hand_set, seed=0,
                                          fixed_weights=True)

    class CDBDifficultyHook:  # the name is what the message gives
        pass

    with pytest.raises(ValueError, match='fixed_weights=True, but '
                       'CDBDifficultyHook would replace its weights'):
        fixed.attach_difficulty_hook(CDBDifficultyHook())


def test_state_dict_round_trip(hand_set):
    a = _sampler(hand_set, HAND_W, np.array([True, False, True, True]),
                 form='rfs_x_difficulty', oversample_thr=HAND_THR, seed=11)
    a.set_epoch(5)
    state = a.state_dict()
    json.dumps(state)  # plain python: safe for torch.load(weights_only)
    b = DifficultyRepeatFactorSampler(hand_set, form='rfs_x_difficulty',
                                      oversample_thr=HAND_THR, seed=99)
    b.load_state_dict(state)
    assert b.seed == 11 and b.served
    np.testing.assert_array_equal(b.image_factors, a.image_factors)
    np.testing.assert_array_equal(b.epoch_plan(), a.epoch_plan())
    small = _lvis_dataset(hand_set.data_root, 'hand.json', HAND_CLASSES,
                          indices=4)
    with pytest.raises(ValueError, match='for 8 images and 4 classes'):
        DifficultyRepeatFactorSampler(small, seed=0).load_state_dict(state)


def test_registered_in_mmdet_data_samplers(hand_set):
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        sampler = DATA_SAMPLERS.build(
            dict(type='DifficultyRepeatFactorSampler',
                 form='rfs_x_difficulty', oversample_thr=HAND_THR),
            default_args=dict(dataset=hand_set, seed=0))
    assert isinstance(sampler, DifficultyRepeatFactorSampler)


# ------------------------------------------------- real training runs
#: The toy CE detector with the sampler and the hook that serves it (no CDB
#: loss: the sampler is the hook's only consumer), on the training set minus
#: the held-out split. The resumed run is given another seed than the
#: interrupted one, so its sampler is built with a seed of its own before it
#: reads the checkpoint. The seeds are fixed so that the one-epoch detector
#: finds some held-out categories (a detector that finds none measures
#: weight 1 for every category and the run could not show the push).
SAMPLER_RUN = """
custom_imports = dict(
    imports=['lt_plugins.det', 'tests.det.sampler_probe_hook'],
    allow_failed_imports=False)
train_dataloader['sampler'] = dict(
    _delete_=True, type='DifficultyRepeatFactorSampler',
    form='rfs_x_difficulty', oversample_thr={thr})
train_dataloader['dataset']['ann_file'] = \\
    'annotations/lvis_v0.5_train_cdb.json'
custom_hooks = [
    dict(type='CDBDifficultyHook', dataloader=heldout_dataloader,
         metric='bbox', interval=1, tau='sigmoid'),
    dict(type='SamplerProbeHook'),
] if {with_hook} else [dict(type='SamplerProbeHook')]
randomness = dict(seed={seed})
"""
#: RFS threshold of the runs: some toy categories are repeated.
RUN_THR = 0.3


@pytest.fixture(scope='module')
def split_data(toy_lvis, tmp_path_factory):
    """The toy set plus its held-out split, as the user cuts it."""
    return with_heldout_split(toy_lvis['root'], str(
        tmp_path_factory.mktemp('toy_cdb_s')))


def _run_config(path, data_root, epochs, with_hook=True, seed=0):
    return write_config(
        path, 'toy/faster-rcnn_toy-lvis_ce.py', data_root, epochs=epochs,
        val_interval=10,
        extra=SAMPLER_RUN.format(thr=RUN_THR, with_hook=with_hook,
                                 seed=seed))


def _probe(work, rank=0):
    with open(osp.join(work, f'sampler_probe_rank{rank}.jsonl')) as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope='module')
def sampler_runs(split_data, tmp_path_factory):
    """One epoch with a checkpoint, then a second epoch resumed from it."""
    tmp = tmp_path_factory.mktemp('cdb_s_runs')
    first = str(tmp / 'first')
    proc = train(_run_config(str(tmp / 'cfg1.py'), split_data, 1), first)
    resumed = str(tmp / 'resumed')
    shutil.copytree(first, resumed)
    ckpt = osp.join(resumed, 'epoch_1.pth')
    proc2 = train(_run_config(str(tmp / 'cfg2.py'), split_data, 2, seed=1),
                  resumed, ['--resume', ckpt])
    return dict(first=first, resumed=resumed, ckpt=ckpt,
                log=proc.stdout + proc.stderr,
                log2=proc2.stdout + proc2.stderr)


def _train_set(root):
    """The run's training set as the toy config filters it."""
    return _lvis_dataset(root, 'annotations/lvis_v0.5_train_cdb.json',
                         _toy_classes(),
                         filter_cfg=dict(filter_empty_gt=True, min_size=4))


def test_run_starts_as_rfs_and_hook_pushes_measured_weights(
        sampler_runs, split_data):
    recs = _probe(sampler_runs['first'])
    assert [r['event'] for r in recs] == [
        'before_train', 'before_train_epoch', 'after_train_epoch']
    start, epoch1, end = recs
    # before the first measurement: weights 1, factors of mmengine's RFS
    assert start['served'] and start['weights'] == [1.0] * 20
    dataset = _train_set(split_data)
    ref = ClassBalancedDataset(dataset, oversample_thr=RUN_THR)
    assert epoch1['image_factors'] == ref._get_repeat_factors(dataset,
                                                              RUN_THR)
    # after epoch 1 the hook measured and pushed its weights and its mask
    hist = json.load(open(osp.join(sampler_runs['first'],
                                   'cdb_history.json')))['history']
    (record, ) = hist
    assert end['weights'] == record['weights']
    assert not np.allclose(end['weights'], 1.0)
    names = list(_toy_classes())
    never = set(record['never_measured'])
    assert end['measured'] == [n not in never for n in names]
    assert 0 < len(never) < 20  # both kinds occur in this run
    rfs = rfs_category_factors(
        DifficultyRepeatFactorSampler(dataset, seed=0).image_cats, 20,
        RUN_THR)
    w = np.array(record['weights'])
    expected = np.where(end['measured'], np.maximum(1.0, rfs * w), rfs)
    np.testing.assert_allclose(end['category_factors'], expected,
                               rtol=1e-15)


def test_each_epoch_runs_its_plans_length_and_logs_it(sampler_runs):
    # the resumed work dir holds both runs' records
    recs = _probe(sampler_runs['resumed'])
    epochs = [r for r in recs if r['event'] == 'before_train_epoch']
    ends = [r for r in recs if r['event'] == 'after_train_epoch']
    assert [r['runner_epoch'] for r in epochs] == [0, 1]
    for rec, end, log in zip(epochs, ends, (sampler_runs['log'],
                                            sampler_runs['log2'])):
        assert rec['sampler_epoch'] == rec['runner_epoch']
        assert rec['shard'] == rec['plan']  # one process: the whole plan
        # batch size 4, one aspect-ratio bucket (square images)
        n = math.ceil(len(rec['plan']) / 4)
        assert rec['dataloader_len'] == n and end['iters'] == n
        # mmengine logs "[i/len]" with the current epoch's length
        assert re.search(rf'Epoch\(train\) *\[{rec["runner_epoch"] + 1}\]'
                         rf'\[ *\d+/{n}\]', log), log[-3000:]
    # the measured weights changed the factors
    assert epochs[0]['image_factors'] != epochs[1]['image_factors']


def test_checkpoint_holds_the_sampler_state(sampler_runs):
    ckpt = torch.load(sampler_runs['ckpt'], map_location='cpu')
    state = ckpt[SAMPLER_CHECKPOINT_KEY]
    end = _probe(sampler_runs['first'])[-1]
    assert state['seed'] == end['seed'] and state['weights'] == end['weights']
    assert state['measured'] == end['measured']
    assert state['form'] == 'rfs_x_difficulty'


def test_resume_draws_the_plan_the_interrupted_run_would_have_drawn(
        sampler_runs, split_data):
    first = _probe(sampler_runs['first'])
    resumed = _probe(sampler_runs['resumed'])[len(first):]
    start, epoch2 = resumed[0], resumed[1]
    assert start['event'] == 'before_train'
    assert epoch2['event'] == 'before_train_epoch'
    assert epoch2['runner_epoch'] == 1
    # the interrupted run's seed and weights, not the new run's own
    assert first[0]['seed'] == 0  # the resumed run's own seed is 1
    assert start['seed'] == first[0]['seed']
    assert start['weights'] == first[-1]['weights']
    # the plan of epoch 2 from the checkpointed state, drawn here
    state = torch.load(sampler_runs['ckpt'],
                       map_location='cpu')[SAMPLER_CHECKPOINT_KEY]
    sampler = DifficultyRepeatFactorSampler(
        _train_set(split_data), form='rfs_x_difficulty',
        oversample_thr=RUN_THR, seed=12345)
    sampler.load_state_dict(state)
    sampler.set_epoch(1)
    assert epoch2['plan'] == sampler.epoch_plan().tolist()
    # and the sampler then took the second measurement
    hist = json.load(open(osp.join(sampler_runs['resumed'],
                                   'cdb_history.json')))['history']
    assert [r['epoch'] for r in hist] == [1, 2]
    assert resumed[-1]['weights'] == hist[-1]['weights']


def test_a_run_with_the_sampler_and_no_hook_is_refused(split_data,
                                                       tmp_path):
    cfg = _run_config(str(tmp_path / 'cfg.py'), split_data, 1,
                      with_hook=False)
    with pytest.raises(AssertionError,
                       match='no difficulty hook updates its class '
                       'weights') as err:
        train(cfg, str(tmp_path / 'work'))
    assert 'Epoch(train) [1][' not in str(err.value)
