"""CDBLoss (CDB-W-CE / CDB-W-FL) against a hand computation."""
import math

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBLoss

LOGITS = [[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-0.5, 1.5, 0.0]]
LABELS = [0, 2, 1]
WEIGHTS = [0.5, 2.0, 0.5]


def _hand_terms():
    out = []
    for z, y in zip(LOGITS, LABELS):
        log_p = z[y] - math.log(sum(math.exp(v) for v in z))
        out.append((log_p, math.exp(log_p)))
    return out


def test_cdb_w_ce_matches_paper_eq12_mean_over_samples():
    loss = CDBLoss(num_classes=3)
    loss.update_weights(WEIGHTS)
    val = loss(torch.tensor(LOGITS), torch.tensor(LABELS))
    # w_{y_i} * CE_i summed and divided by the number of samples (SPEC 1),
    # not by the sum of the weights
    hand = sum(-WEIGHTS[y] * lp
               for (lp, _), y in zip(_hand_terms(), LABELS)) / 3
    assert val.item() == pytest.approx(hand, rel=1e-6)


def test_cdb_w_fl_matches_paper_eq14():
    loss = CDBLoss(num_classes=3, focal_gamma=2.0, loss_weight=0.5)
    loss.update_weights(WEIGHTS)
    val = loss(torch.tensor(LOGITS), torch.tensor(LABELS),
               reduction_override='sum')
    hand = sum(-WEIGHTS[y] * (1 - p)**2 * lp
               for (lp, p), y in zip(_hand_terms(), LABELS))
    assert val.item() == pytest.approx(0.5 * hand, rel=1e-6)


def test_weights_start_at_one_equal_plain_ce():
    loss = CDBLoss(num_classes=3)
    ref = torch.nn.functional.cross_entropy(
        torch.tensor(LOGITS), torch.tensor(LABELS))
    assert loss(torch.tensor(LOGITS), torch.tensor(LABELS)).item() == \
        pytest.approx(ref.item(), rel=1e-6)


def test_inside_linear_cls_head_uses_the_weights():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='LinearClsHead', num_classes=3, in_channels=4,
             loss=dict(type='CDBLoss', num_classes=3)))
    head.loss_module.update_weights(WEIGHTS)
    feats = (torch.randn(3, 4), )
    samples = [DataSample().set_gt_label(y) for y in LABELS]
    losses = head.loss(feats, samples)
    logits = head.fc(feats[0])
    ce = torch.nn.functional.cross_entropy(
        logits, torch.tensor(LABELS), reduction='none')
    hand = (torch.tensor(WEIGHTS)[LABELS] * ce).sum() / 3
    assert losses['loss'].item() == pytest.approx(hand.item(), rel=1e-6)


def test_weights_are_a_buffer_that_survives_state_dict():
    a = CDBLoss(num_classes=3)
    a.update_weights(WEIGHTS)
    assert 'class_weight' in a.state_dict()
    b = CDBLoss(num_classes=3)
    b.load_state_dict(a.state_dict())
    assert b.class_weight.tolist() == WEIGHTS


@pytest.mark.parametrize('weights, match', [
    ([1.0, 1.0], r'3 classes but got weights of shape \(2,\)'),
    ([1.0, -1.0, 1.0], 'finite and >= 0'),
    ([1.0, float('nan'), 1.0], 'finite and >= 0'),
])
def test_update_weights_rejects_bad_input(weights, match):
    with pytest.raises(ValueError, match=match):
        CDBLoss(num_classes=3).update_weights(weights)


def test_soft_labels_are_rejected():
    with pytest.raises(ValueError, match='hard labels'):
        CDBLoss(num_classes=3)(torch.zeros(2, 3), torch.zeros(2, 3))


def test_num_classes_mismatch_with_logits():
    with pytest.raises(ValueError, match='num_classes'):
        CDBLoss(num_classes=4)(torch.zeros(2, 3), torch.zeros(2).long())


def test_normalize_by_weight_sum_is_torchs_weighted_mean():
    """normalize_by_weight_sum divides by the batch's summed class weights,
    as torch's weighted cross_entropy does (the authors' ImageNet-LT code);
    the default divides by the number of samples (the paper)."""
    import torch.nn.functional as F
    torch.manual_seed(0)
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 1, 1, 3, 3, 3])
    w = torch.tensor([2.0, 0.5, 1.0, 0.5])
    paper = CDBLoss(4, fixed_weights=True)
    summed = CDBLoss(4, fixed_weights=True, normalize_by_weight_sum=True)
    for loss in (paper, summed):
        loss.update_weights(w)
    ce = F.cross_entropy(logits, labels, reduction='none')
    assert torch.allclose(paper(logits, labels),
                          (w[labels] * ce).sum() / 6, rtol=1e-6)
    assert torch.allclose(summed(logits, labels),
                          F.cross_entropy(logits, labels, weight=w),
                          rtol=1e-5)
    # an ignored label counts in neither sum
    ignored = torch.tensor([0, 1, 1, 3, 3, -100])
    expected = F.cross_entropy(logits, ignored, weight=w, ignore_index=-100)
    assert torch.allclose(summed(logits, ignored), expected, rtol=1e-5)
    with pytest.raises(TypeError, match='normalize_by_weight_sum'):
        CDBLoss(4, normalize_by_weight_sum=1)


def test_normalize_by_weight_sum_through_an_mmpretrain_head():
    """mmpretrain's LinearClsHead passes avg_factor = batch size to its
    loss; normalize_by_weight_sum must still divide by the weight sum (it
    once kept the head's batch size, and a training with the option
    reproduced the plain mean's run exactly)."""
    import torch.nn.functional as F
    from mmpretrain.models.heads import LinearClsHead
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    feats = torch.randn(6, 8)
    labels = torch.tensor([0, 1, 1, 3, 3, 3])
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    w = torch.tensor([2.0, 0.5, 1.0, 0.5])
    out = {}
    for flag in (False, True):
        head = LinearClsHead(num_classes=4, in_channels=8, loss=dict(
            type='CDBLoss', num_classes=4, fixed_weights=True,
            normalize_by_weight_sum=flag))
        torch.manual_seed(1)
        head.fc.reset_parameters()
        head.loss_module.update_weights(w)
        logits = head.fc(feats)
        out[flag] = (head.loss((feats, ), samples)['loss'], logits)
    ce = F.cross_entropy(out[False][1], labels, reduction='none')
    assert torch.allclose(out[False][0], (w[labels] * ce).sum() / 6,
                          rtol=1e-5)
    assert torch.allclose(out[True][0], F.cross_entropy(
        out[True][1], labels, weight=w), rtol=1e-5)
    assert not torch.allclose(out[True][0], out[False][0])
