"""IWB stage-2 loss against hand computations (IWB eqs. 3-8, SPEC 3)."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401  (registers the components)
from lt_plugins.cls.iwb import (ClassBalancedCELoss, hardness_coefficient,
                                iwb_target, number_coefficient,
                                rank_correlation, weight_norm_kl)

# Classifier rows [3, 4], [0, 1], [-2, 0]: norms |W| = [5, 1, 2].
WEIGHT = [[3.0, 4.0], [0.0, 1.0], [-2.0, 0.0]]
# Counts [15, 1, 0], N = 16: NC = log2(16/16), log2(16/2), log2(16/1).
COUNTS = [15, 1, 0]
NC = [0.0, 3.0, 4.0]
# feature [1, 0]: g = [0.6, 0, -1], HC = [0.2, 0.5, 1.0]
# feature [0, 2]: g = [0.8, 1, 0],  HC = [0.1, 0.0, 0.5]
FEATS = [[1.0, 0.0], [0.0, 2.0]]
HC = [[0.2, 0.5, 1.0], [0.1, 0.0, 0.5]]
LAMBDA = 0.5
P = [[0.0, 0.75, 2.0], [0.0, 0.0, 1.0]]  # lambda * NC * HC


def _log_softmax(v):
    m = math.log(sum(math.exp(x) for x in v))
    return [x - m for x in v]


def _kl_by_hand(direction):
    """Sum over both samples of eq. 8 written out with math.exp/log."""
    lq = _log_softmax([5.0, 1.0, 2.0])
    total = 0.0
    for p in P:
        lp = _log_softmax(p)
        if direction == 'paper':
            total += sum(math.exp(a) * (a - b) for a, b in zip(lq, lp))
        else:
            total += sum(math.exp(b) * (b - a) for a, b in zip(lq, lp))
    return total


def test_number_coefficient_matches_eq3():
    assert torch.allclose(number_coefficient(COUNTS), torch.tensor(NC))
    with pytest.raises(ValueError, match='-2'):
        number_coefficient([3, -2])


def test_hardness_coefficient_and_target_match_eqs_6_7():
    w, x = torch.tensor(WEIGHT), torch.tensor(FEATS)
    assert torch.allclose(hardness_coefficient(x, w), torch.tensor(HC),
                          atol=1e-6)
    target = iwb_target(x, w, torch.tensor(NC), LAMBDA)
    assert torch.allclose(target, torch.tensor(P), atol=1e-6)


@pytest.mark.parametrize('direction', ['paper', 'reverse'])
@pytest.mark.parametrize('reduction', ['batchmean', 'sum'])
def test_weight_norm_kl_matches_eq8(direction, reduction):
    expected = _kl_by_hand(direction)
    if reduction == 'batchmean':
        expected /= 2
    kl = weight_norm_kl(torch.tensor(WEIGHT), torch.tensor(P), direction,
                        reduction)
    assert kl.item() == pytest.approx(expected, rel=1e-6)


def test_weight_norm_kl_values_pinned():
    # the hand computation itself, so a change to it is noticed
    assert _kl_by_hand('paper') == pytest.approx(3.2020716935, rel=1e-9)
    assert _kl_by_hand('reverse') == pytest.approx(3.8543133116, rel=1e-9)


def test_reverse_direction_equals_torch_kl_div():
    w, p = torch.tensor(WEIGHT), torch.tensor(P)
    ref = F.kl_div(F.log_softmax(w.norm(dim=1), 0).expand(2, 3),
                   F.softmax(p, 1), reduction='sum')
    assert weight_norm_kl(w, p, 'reverse', 'sum').item() == pytest.approx(
        ref.item(), rel=1e-6)


def test_weight_norm_kl_rejects_bad_options():
    w, p = torch.tensor(WEIGHT), torch.tensor(P)
    with pytest.raises(ValueError, match="'forward'"):
        weight_norm_kl(w, p, direction='forward')
    with pytest.raises(ValueError, match="'mean'"):
        weight_norm_kl(w, p, reduction='mean')


def _iwb_head(**kw):
    head = MODELS.build(
        dict(type='IWBHead', num_classes=3, in_channels=2, kl_lambda=LAMBDA,
             class_counts=COUNTS,
             loss=dict(type='ClassBalancedCELoss', class_counts=COUNTS),
             **kw))
    with torch.no_grad():
        head.fc.weight.copy_(torch.tensor(WEIGHT))
        head.fc.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    return head


@pytest.mark.parametrize('direction', ['paper', 'reverse'])
def test_iwb_head_losses_match_hand_computation(direction):
    head = _iwb_head(kl_direction=direction)
    samples = [DataSample().set_gt_label(y) for y in (0, 1)]
    losses = head.loss((torch.tensor(FEATS), ), samples)
    assert losses['loss_kl'].item() == pytest.approx(
        _kl_by_hand(direction) / 2, rel=1e-6)
    # class-balanced CE: sum_i w_{y_i} CE_i / N, w from Cui et al. eq. 4
    beta = 0.9999
    raw = [(1 - beta) / (1 - beta**n) for n in COUNTS[:2]]
    w = [r / sum(raw) * 2 for r in raw]  # class 2 has no samples: weight 0
    z = [[3.1, -0.2, -1.7], [8.1, 1.8, 0.3]]  # W x + b
    ce = [math.log(sum(math.exp(v) for v in zi)) - zi[y]
          for zi, y in zip(z, (0, 1))]
    assert losses['loss'].item() == pytest.approx(
        (w[0] * ce[0] + w[1] * ce[1]) / 2, rel=1e-5)


def test_kl_gradient_with_detached_target_flows_through_norms_only():
    head = _iwb_head(detach_target=True)
    feats = torch.tensor(FEATS, requires_grad=True)
    head.kl_loss(feats).backward()
    assert feats.grad is None or torch.all(feats.grad == 0)
    assert head.fc.bias.grad is None
    # d KL / d W_c is parallel to W_c when only the norms matter
    g, w = head.fc.weight.grad, head.fc.weight.detach()
    cross = g[:, 0] * w[:, 1] - g[:, 1] * w[:, 0]
    assert torch.allclose(cross, torch.zeros(3), atol=1e-6)
    assert g.abs().sum() > 0


def test_head_without_counts_raises_clear_error():
    head = MODELS.build(
        dict(type='IWBHead', num_classes=3, in_channels=2))
    samples = [DataSample().set_gt_label(y) for y in (0, 1)]
    with pytest.raises(RuntimeError, match='ClassCountsHook'):
        head.loss((torch.tensor(FEATS), ), samples)


@pytest.mark.parametrize('loss_type', [
    'ClassBalancedCELoss', 'mmpretrain.ClassBalancedCELoss',
    ClassBalancedCELoss
], ids=['name', 'scoped-name', 'class'])
def test_head_fills_num_classes_for_every_spelling_of_the_loss(loss_type):
    # the loss is registered in mmpretrain's MODELS, whose scope is
    # 'mmpretrain'
    assert MODELS.scope == 'mmpretrain'
    head = MODELS.build(
        dict(type='IWBHead', num_classes=3, in_channels=2,
             loss=dict(type=loss_type, beta=0.9999, class_counts=COUNTS)))
    assert type(head.loss_module) is ClassBalancedCELoss
    assert head.loss_module.class_counts.tolist() == COUNTS
    # another loss is left alone (CrossEntropyLoss takes no num_classes)
    head = MODELS.build(
        dict(type='IWBHead', num_classes=3, in_channels=2,
             loss=dict(type='mmpretrain.CrossEntropyLoss')))
    assert type(head.loss_module).__name__ == 'CrossEntropyLoss'


def test_rank_correlation():
    assert rank_correlation([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert rank_correlation([4, 3, 2, 1], [10, 20, 30, 40]) == -1.0
    # ties: ranks [0.5, 0.5, 2] vs [0, 1, 2]
    assert rank_correlation([1, 1, 2], [1, 2, 3]) == pytest.approx(
        0.8660254, rel=1e-6)
