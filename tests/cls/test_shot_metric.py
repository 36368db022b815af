"""ShotGroupAccuracy against a hand computation."""
import math

import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.datasets import long_tail_counts
from lt_plugins.cls.evaluation import ShotGroupAccuracy, shot_group_accuracy
from lt_plugins.data.toy_cifar import generate_toy_cifar

# training counts -> groups: many (>100) c0 c1, medium (20..100) c2 c3 c4,
# few (<20) c5 c6
COUNTS = [150, 101, 100, 50, 20, 19, 5]
# (gt, pred) pairs; per class: c0 2/3, c1 1/1, c2 0/2, c3 1/1, c4 1/2,
# c5 3/4, c6 0/1 (no samples of any other class)
PAIRS = [(0, 0), (0, 0), (0, 3), (1, 1), (2, 0), (2, 1), (3, 3), (4, 4),
         (4, 6), (5, 5), (5, 5), (5, 5), (5, 0), (6, 2)]


def _hand():
    per_class = [2 / 3, 1.0, 0.0, 1.0, 0.5, 0.75, 0.0]
    return dict(
        top1=100 * 8 / 14,
        many=100 * (2 / 3 + 1.0) / 2,
        medium=100 * (0.0 + 1.0 + 0.5) / 3,
        few=100 * (0.75 + 0.0) / 2,
        classwise=[100 * a for a in per_class])


def test_function_matches_hand_computation():
    gt, pred = np.array(PAIRS).T
    res = shot_group_accuracy(pred, gt, COUNTS)
    hand = _hand()
    for key in ('top1', 'many', 'medium', 'few'):
        assert res[key] == pytest.approx(hand[key]), key
    np.testing.assert_allclose(res['classwise'], hand['classwise'])


def _samples(pairs, num_classes, scores=True):
    out = []
    for gt, pred in pairs:
        s = DataSample().set_gt_label(gt)
        if scores:
            score = torch.full((num_classes, ), 0.01)
            score[pred] = 0.9
            s.set_pred_score(score)
        else:
            s.set_pred_label(pred)
        out.append(s.to_dict())
    return out


@pytest.mark.parametrize('scores', [True, False])
def test_metric_with_config_counts(scores):
    metric = ShotGroupAccuracy(class_counts=COUNTS)
    metric.dataset_meta = dict(classes=[f'c{i}' for i in range(7)])
    metric.process(None, _samples(PAIRS[:6], 7, scores))
    metric.process(None, _samples(PAIRS[6:], 7, scores))
    res = metric.evaluate(len(PAIRS))
    hand = _hand()
    for key in ('top1', 'many', 'medium', 'few'):
        assert res[f'shot/{key}'] == pytest.approx(hand[key]), key
    np.testing.assert_allclose(res['shot/classwise'], hand['classwise'])


def test_thresholds_are_configurable():
    gt, pred = np.array(PAIRS).T
    # many > 50 -> c0 c1 c2; few < 50 -> c4 c5 c6; medium = c3
    res = shot_group_accuracy(pred, gt, COUNTS, many_thr=50, few_thr=50)
    assert res['many'] == pytest.approx(100 * (2 / 3 + 1 + 0) / 3)
    assert res['medium'] == pytest.approx(100.0)
    assert res['few'] == pytest.approx(100 * (0.5 + 0.75 + 0) / 3)


def test_empty_group_is_nan_not_zero():
    res = shot_group_accuracy([0, 1], [0, 1], [200, 150])
    assert res['many'] == 100.0
    assert math.isnan(res['medium']) and math.isnan(res['few'])


def test_counts_come_from_the_training_split_not_the_evaluated_one(tmp_path):
    root = generate_toy_cifar(str(tmp_path), 'cifar10', train_per_class=150,
                              test_per_class=2)
    train_cfg = dict(type='CIFAR10LT', data_root=root, split='train',
                     imbalance_ratio=30, heldout_per_class=10,
                     pipeline=[dict(type='RandomFlip', prob=0.5)])
    metric = ShotGroupAccuracy(train_dataset=train_cfg)
    expected = long_tail_counts(140, 10, 30)
    assert metric.class_counts.tolist() == expected
    # groups from the training counts 140 95 65 45 30 21 14 9 6 4:
    # many (> 100) c0, medium (20..100) c1..c5, few (< 20) c6..c9.
    # 10 test images per class, k_c of them right: every class scores
    # differently, so moving any class across a threshold changes a group
    correct = [10, 9, 8, 7, 6, 5, 3, 2, 1, 0]
    metric.dataset_meta = dict(classes=[str(i) for i in range(10)])
    pairs = [(c, c if k < correct[c] else (c + 1) % 10) for c in range(10)
             for k in range(10)]
    metric.process(None, _samples(pairs, 10))
    res = metric.evaluate(len(pairs))
    assert res['shot/top1'] == pytest.approx(51.0)  # 51 of 100
    assert res['shot/many'] == pytest.approx(100.0)  # c0: 10/10
    # (90 + 80 + 70 + 60 + 50) / 5
    assert res['shot/medium'] == pytest.approx(70.0)
    assert res['shot/few'] == pytest.approx(15.0)  # (30 + 20 + 10 + 0) / 4
    # the evaluated split's counts (10 per class) would make every class
    # few-shot: few 51, many and medium nan
    wrong = shot_group_accuracy(*np.array(pairs)[:, ::-1].T, [10] * 10)
    assert wrong['few'] == pytest.approx(51.0)
    assert math.isnan(wrong['many']) and math.isnan(wrong['medium'])


def test_count_mismatch_names_totals_and_first_differing_class():
    metric = ShotGroupAccuracy(class_counts=[50, 20, 5])
    assert metric.count_mismatch([50, 20, 5]) is None
    msg = metric.count_mismatch([50, 18, 4])
    assert msg.startswith('ShotGroupAccuracy counts 75 training images in 3 '
                          'classes but the training set has 72 in 3; 2 '
                          'classes differ, e.g. class 1: 20 vs 18')
    msg = metric.count_mismatch([50, 20, 5, 1])
    assert msg.startswith('ShotGroupAccuracy counts 75 training images in 3 '
                          'classes but the training set has 76 in 4;')


def test_length_mismatch_is_a_clear_error():
    metric = ShotGroupAccuracy(class_counts=[10, 5, 1])
    metric.dataset_meta = dict(classes=['a', 'b', 'c', 'd'])
    metric.process(None, _samples([(0, 0)], 4))
    with pytest.raises(ValueError, match='3 entries .* 4 classes'):
        metric.evaluate(1)


def test_needs_exactly_one_count_source():
    with pytest.raises(ValueError, match='exactly one'):
        ShotGroupAccuracy()
    with pytest.raises(ValueError, match='exactly one'):
        ShotGroupAccuracy(class_counts=[1], train_dataset=dict(type='x'))
