"""CDB-W-CE / CDB-W-FL / weighted sigmoid focal against hand computations."""
import math

import pytest
import torch
import torch.nn.functional as F

from lt_plugins.core.cdb_loss import (cdb_cross_entropy,
                                      cdb_sigmoid_focal_loss,
                                      cdb_softmax_focal_loss, reduce_loss)


def _logits():
    return torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])


def test_cdb_ce_is_class_weight_times_ce_eq12():
    x, y = _logits(), torch.tensor([0, 2])
    w = torch.tensor([0.5, 1.0, 3.0])
    loss = cdb_cross_entropy(x, y, w)
    # hand: CE_0 = -log softmax(x_0)[0], CE_1 = -log softmax(x_1)[2]
    ce0 = -(2.0 - math.log(math.exp(2) + 1 + math.exp(-1)))
    ce1 = -(0.0 - math.log(2 * math.exp(0.5) + 1))
    torch.testing.assert_close(loss, torch.tensor([0.5 * ce0, 3.0 * ce1]))


def test_cdb_focal_is_weighted_focal_eq14():
    x, y = _logits(), torch.tensor([0, 2])
    w = torch.tensor([0.5, 1.0, 3.0])
    p = F.softmax(x, 1)[torch.arange(2), y]
    expect = -w[y] * (1 - p)**2 * p.log()
    torch.testing.assert_close(cdb_softmax_focal_loss(x, y, w, gamma=2.0),
                               expect)
    # gamma 0 is CDB-W-CE
    torch.testing.assert_close(cdb_softmax_focal_loss(x, y, w, gamma=0.0),
                               cdb_cross_entropy(x, y, w))


def test_ignore_index_gives_zero_loss():
    x, y = _logits(), torch.tensor([-100, 1])
    loss = cdb_cross_entropy(x, y, torch.ones(3))
    assert loss[0] == 0
    assert loss[1] > 0


def test_weight_count_must_match_logits():
    with pytest.raises(ValueError, match='2 class weights but cls_score has 3'):
        cdb_cross_entropy(_logits(), torch.tensor([0, 1]), torch.ones(2))


def test_sigmoid_focal_multiplies_each_class_column():
    x = torch.tensor([[1.0, -2.0], [0.3, 0.4]])
    y = torch.tensor([1, 2])  # 2 = background
    w = torch.tensor([2.0, 0.5])
    loss = cdb_sigmoid_focal_loss(x, y, w, gamma=2.0, alpha=0.25)
    t = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    p = x.sigmoid()
    pt = torch.where(t == 1, p, 1 - p)
    a = torch.where(t == 1, torch.tensor(0.25), torch.tensor(0.75))
    expect = -a * (1 - pt)**2 * pt.log() * w[None, :]
    torch.testing.assert_close(loss, expect)


def test_mean_divides_by_avg_factor_not_by_weight_sum():
    loss = torch.tensor([1.0, 2.0, 3.0])
    assert reduce_loss(loss, reduction='mean') == pytest.approx(2.0)
    assert reduce_loss(loss, reduction='mean', avg_factor=2) == pytest.approx(
        3.0)
    assert reduce_loss(loss, torch.tensor([1.0, 0.0, 1.0]),
                       reduction='sum') == pytest.approx(4.0)
    with pytest.raises(ValueError, match='max'):
        reduce_loss(loss, reduction='max')
