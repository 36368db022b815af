"""Classification components refuse meaningless values at construction and
name a label the classifier does not have.

The registry sweep (``tests/test_registry_sweep.py``) covers every numeric
and boolean argument generically; these tests pin the cases a user met and
the messages they get.
"""
import math

import numpy as np
import pytest
import torch
from mmpretrain.registry import METRICS, MODELS

import lt_plugins.cls  # noqa: F401


def test_cdb_loss_names_a_label_beyond_the_classifier_outputs():
    # before: torch's IndexError "Target 5 is out of bounds"
    loss = MODELS.build(dict(type='CDBLoss', num_classes=3))
    with pytest.raises(ValueError, match=r'label 5 \(sample 1.*valid labels '
                       r'are 0\.\.2.*num_classes'):
        loss(torch.randn(2, 3), torch.tensor([0, 5]))
    focal = MODELS.build(dict(type='CDBLoss', num_classes=3, focal_gamma=2.0))
    with pytest.raises(ValueError, match=r'label 3 \(sample 0'):
        focal(torch.randn(2, 3), torch.tensor([3, 1]))


@pytest.mark.parametrize('kw, error, match', [
    (dict(loss_weight=math.nan), ValueError, 'loss_weight must be a finite'),
    (dict(loss_weight=-1.0), ValueError, r'loss_weight .*\[0, inf\)'),
    (dict(focal_gamma=math.nan), ValueError, 'focal_gamma must be a finite'),
    (dict(focal_gamma=True), TypeError, 'focal_gamma must be a real number'),
    (dict(num_classes=3.0), TypeError, 'num_classes must be an int'),
    (dict(num_classes=True), TypeError, 'num_classes must be an int'),
    (dict(ignore_index=0.5), TypeError, 'ignore_index must be an int'),
])
def test_cdb_loss_constructor_rules(kw, error, match):
    with pytest.raises(error, match=match):
        MODELS.build(dict(dict(type='CDBLoss', num_classes=3), **kw))


@pytest.mark.parametrize('type_', ['ALALoss', 'LDAMLoss', 'LogitAdjustedLoss',
                                   'BalancedSoftmaxLoss',
                                   'ClassBalancedCELoss',
                                   'LabelAwareSmoothingLoss'])
@pytest.mark.parametrize('counts, error, match', [
    # before: inf was stored as a garbage int64 count
    ([10, math.inf, 2], ValueError, r'class_counts\[1\] must be a finite'),
    ([10, math.nan, 2], ValueError, r'class_counts\[1\]'),
    ([10, -1, 2], ValueError, r'class_counts\[1\] .*got -1'),
    ([10, 2.5, 2], ValueError, r'class_counts\[1\] must be a whole number'),
    ([10, 2], ValueError, 'class_counts must have 3 values, got 2'),
    ('10 5 2', TypeError, 'class_counts must be a sequence'),
])
def test_class_counts_are_checked_where_given(type_, counts, error, match):
    with pytest.raises(error, match=match):
        MODELS.build(dict(type=type_, num_classes=3, class_counts=counts))


def test_loss_weights_and_scales_are_finite():
    with pytest.raises(ValueError, match=r'scale .*\(0, inf\), got nan'):
        MODELS.build(dict(type='ALAHead', num_classes=3, in_channels=4,
                          scale=math.nan))
    with pytest.raises(ValueError, match='kl_weight'):
        MODELS.build(dict(type='IWBHead', num_classes=3, in_channels=4,
                          kl_weight=math.inf))
    with pytest.raises(ValueError, match='driver_eps'):
        MODELS.build(dict(type='DifficultyNetClassifier',
                          backbone=dict(type='ResNet_CIFAR_Thin', depth=20),
                          head=dict(type='LinearClsHead', num_classes=3,
                                    in_channels=64),
                          driver_eps=0.0))


def test_drw_thresholds_are_ints_never_truncated():
    # before: drw_epoch=2.0 was accepted as 2
    with pytest.raises(TypeError, match=r'drw_epoch must be an int, got 2\.0'):
        MODELS.build(dict(type='ALALoss', num_classes=3, drw_epoch=2.0))
    with pytest.raises(ValueError, match=r'drw_beta .*\[0, 1\), got nan'):
        MODELS.build(dict(type='LDAMLoss', num_classes=3, drw_beta=math.nan))


def test_shot_group_accuracy_rules():
    with pytest.raises(TypeError, match='many_thr must be an int'):
        METRICS.build(dict(type='ShotGroupAccuracy', class_counts=[3, 2],
                           many_thr=100.5))
    with pytest.raises(TypeError, match='classwise must be a bool'):
        METRICS.build(dict(type='ShotGroupAccuracy', class_counts=[3, 2],
                           classwise='no'))
    with pytest.raises(ValueError, match=r'class_counts\[0\]'):
        METRICS.build(dict(type='ShotGroupAccuracy',
                           class_counts=[np.nan, 2]))
    with pytest.raises(ValueError, match='whole numbers'):
        METRICS.build(dict(type='ShotGroupAccuracy', class_counts=[2.5, 2]))


def test_backbone_depth_is_an_int_of_the_table():
    with pytest.raises(TypeError, match='depth must be an int'):
        MODELS.build(dict(type='ResNet_CIFAR_Thin', depth=32.0))
    with pytest.raises(ValueError, match='num_stages'):
        MODELS.build(dict(type='ResNet_CIFAR_Thin', num_stages=4))
    with pytest.raises(ValueError, match='ResNet10 has depth 10'):
        MODELS.build(dict(type='ResNet10', depth=18))
