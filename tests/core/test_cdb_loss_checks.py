"""The framework-free CDB losses name a bad label or option instead of
failing inside torch (or computing a meaningless loss)."""
import math

import pytest
import torch

from lt_plugins.core.cdb_loss import (cdb_cross_entropy,
                                      cdb_sigmoid_focal_loss,
                                      cdb_softmax_focal_loss, reduce_loss)

LOGITS = torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.2, 0.1]])
W = torch.ones(3)


@pytest.mark.parametrize('fn', [cdb_cross_entropy, cdb_softmax_focal_loss])
def test_label_beyond_the_outputs_is_named(fn):
    # before: torch's IndexError ("Target 5 is out of bounds") or a bare
    # index error from the class-weight lookup, naming neither the loss nor
    # the cause
    with pytest.raises(ValueError, match=r'label 5 \(sample 1; 1 of 2 labels '
                       r'are out of range\).*valid labels are 0\.\.2 or '
                       r'ignore_index=-100.*num_classes'):
        fn(LOGITS, torch.tensor([0, 5]), W)
    with pytest.raises(ValueError, match='label -3'):
        fn(LOGITS, torch.tensor([-3, 1]), W)


@pytest.mark.parametrize('fn', [cdb_cross_entropy, cdb_softmax_focal_loss])
def test_ignore_index_labels_are_accepted(fn):
    loss = fn(LOGITS, torch.tensor([-100, 1]), W)
    assert loss[0] == 0 and loss[1] > 0
    loss = fn(LOGITS, torch.tensor([7, 1]), W, ignore_index=7)
    assert loss[0] == 0


def test_sigmoid_focal_takes_background_label_c_but_nothing_beyond():
    loss = cdb_sigmoid_focal_loss(LOGITS, torch.tensor([3, 0]), W)
    assert torch.isfinite(loss).all()
    with pytest.raises(ValueError, match=r'label 4 .*valid labels are '
                       r'0\.\.3'):
        cdb_sigmoid_focal_loss(LOGITS, torch.tensor([4, 0]), W)


def test_label_shape_must_match_the_batch():
    with pytest.raises(ValueError, match=r'label must have shape \(2,\)'):
        cdb_cross_entropy(LOGITS, torch.tensor([0, 1, 2]), W)


@pytest.mark.parametrize('gamma, error', [(math.nan, ValueError),
                                          (-1.0, ValueError),
                                          (math.inf, ValueError),
                                          ('2', TypeError)])
def test_focal_gamma_rule(gamma, error):
    # before: NaN gave a NaN loss, -1 a loss that grows with confidence
    with pytest.raises(error, match='gamma'):
        cdb_softmax_focal_loss(LOGITS, torch.tensor([0, 1]), W, gamma=gamma)
    with pytest.raises(error, match='gamma'):
        cdb_sigmoid_focal_loss(LOGITS, torch.tensor([0, 1]), W, gamma=gamma)


@pytest.mark.parametrize('alpha', [-2.0, 1.5, math.nan])
def test_sigmoid_focal_alpha_rule(alpha):
    # before: alpha=-2 gave a negative loss for every positive
    with pytest.raises(ValueError, match=r'alpha must be a finite number in '
                       r'\[0, 1\]'):
        cdb_sigmoid_focal_loss(LOGITS, torch.tensor([0, 1]), W, alpha=alpha)


def test_reduce_loss_checks_reduction_first():
    with pytest.raises(ValueError, match="reduction must be one of 'none', "
                       "'mean', 'sum', got 'avg'"):
        reduce_loss(torch.ones(2), reduction='avg')


def test_ignore_index_must_be_an_int():
    with pytest.raises(TypeError, match='ignore_index must be an int'):
        cdb_cross_entropy(LOGITS, torch.tensor([0, 1]), W, ignore_index=1.5)
