"""ALA loss and cosine head against hand computations (ALA eqs. 4-8)."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401  (registers the components)
from lt_plugins.cls.ala import (ala_logits, class_balanced_weights,
                                difficulty_factor, quantity_factor)

# Two samples, three classes. Class weights [2, 0], [0, 3], [-1, 0] (norms do
# not matter after normalisation); features [3, 4] (label 0) and [0, -2]
# (label 1) give cos = [0.6, 0.8, -0.6] and [0, -1, 0].
WEIGHT = [[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]]
FEATS = [[3.0, 4.0], [0.0, -2.0]]
LABELS = [0, 1]
COUNTS = [10, 20, 5]
# QF_c = 1 / ln(S_c / 5 + 1): 1/ln 3, 1/ln 5, 1/ln 2
QF_E = [0.9102392266268373, 0.6213349345596119, 1.4426950408889634]
# QF_c = 1 / log2(S_c / 5 + 1): 1/log2 3, 1/log2 5, 1
QF_2 = [0.6309297535714575, 0.43067655807339306, 1.0]
# s = 30; sample 0: DF = (1 - 0.6) / 2 = 0.2, target 30 (0.6 - 0.2 QF_0);
# sample 1: DF = (1 + 1) / 2 = 1, target 30 (-1 - QF_1); others 30 cos.
LOGITS_E = [[30 * (0.6 - 0.2 * QF_E[0]), 24.0, -18.0],
            [0.0, 30 * (-1.0 - QF_E[1]), 0.0]]


def _ce(z, y):
    return math.log(sum(math.exp(v) for v in z)) - z[y]


def test_quantity_factor_natural_log_matches_eq7():
    assert torch.allclose(quantity_factor(COUNTS), torch.tensor(QF_E))


def test_quantity_factor_log2_is_one_on_rarest_class():
    qf = quantity_factor(COUNTS, log_base='2')
    assert torch.allclose(qf, torch.tensor(QF_2))
    assert qf[2].item() == pytest.approx(1.0)
    # the two bases differ by the constant factor ln 2
    assert torch.allclose(qf, quantity_factor(COUNTS) * math.log(2))


def test_quantity_factor_rejects_bad_input():
    with pytest.raises(ValueError, match='log_base'):
        quantity_factor(COUNTS, log_base='10')
    with pytest.raises(ValueError, match='-1'):
        quantity_factor([3, -1])
    # a class without samples is never a target: QF 0, min over the others
    assert torch.allclose(quantity_factor([10, 0, 5]),
                          torch.tensor([QF_E[0], 0.0, QF_E[2]]))


def test_ala_logits_match_hand_computation():
    cos = torch.tensor([[0.6, 0.8, -0.6], [0.0, -1.0, 0.0]])
    z = ala_logits(cos, torch.tensor(LABELS), torch.tensor(QF_E), 30.0)
    assert torch.allclose(z, torch.tensor(LOGITS_E), atol=1e-5)


def test_difficulty_factor_is_detached():
    cos = torch.tensor([0.6, -1.0], requires_grad=True)
    df = difficulty_factor(cos)
    assert torch.allclose(df, torch.tensor([0.2, 1.0]))
    assert not df.requires_grad


def test_ala_gradient_does_not_flow_through_df():
    # d z_{i,y}/d cos_{i,y} = s (DF treated as a constant); with DF
    # differentiated it would be s * (1 + QF_y / 2).
    cos = torch.tensor([[0.6, 0.8, -0.6]], requires_grad=True)
    z = ala_logits(cos, torch.tensor([0]), torch.tensor(QF_E), 30.0)
    z[0, 0].backward()
    assert torch.allclose(cos.grad, torch.tensor([[30.0, 0.0, 0.0]]))


def _head(**loss_kw):
    head = MODELS.build(
        dict(type='ALAHead', num_classes=3, in_channels=2,
             loss=dict(type='ALALoss', **loss_kw)))
    with torch.no_grad():
        head.weight.copy_(torch.tensor(WEIGHT))
    return head


def _samples():
    return [DataSample().set_gt_label(y) for y in LABELS]


def test_ala_head_loss_matches_hand_computation():
    head = _head(class_counts=COUNTS)
    feats = (torch.tensor(FEATS), )
    expected = (_ce(LOGITS_E[0], 0) + _ce(LOGITS_E[1], 1)) / 2
    assert expected == pytest.approx(30.3973205527, rel=1e-9)
    loss = head.loss(feats, _samples())['loss']
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # prediction uses the unadjusted logits 30 * cos
    pred = head.predict(feats)
    assert torch.allclose(
        pred[0].pred_score,
        F.softmax(torch.tensor([18.0, 24.0, -18.0]), dim=0), atol=1e-6)


def test_ala_head_log2_option_changes_only_the_adjustment():
    head = _head(class_counts=COUNTS, log_base='2')
    z0 = [30 * (0.6 - 0.2 * QF_2[0]), 24.0, -18.0]
    z1 = [0.0, 30 * (-1.0 - QF_2[1]), 0.0]
    expected = (_ce(z0, 0) + _ce(z1, 1)) / 2
    loss = head.loss((torch.tensor(FEATS), ), _samples())['loss']
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_ala_head_without_counts_raises_clear_error():
    head = _head()
    with pytest.raises(RuntimeError, match='ClassCountsHook'):
        head.loss((torch.tensor(FEATS), ), _samples())


def test_class_counts_are_a_saved_buffer():
    head = _head(class_counts=COUNTS)
    sd = head.state_dict()
    assert sd['loss_module.class_counts'].tolist() == COUNTS
    fresh = _head()
    fresh.load_state_dict(sd)
    assert fresh.loss_module.class_counts.tolist() == COUNTS


def test_class_balanced_weights_match_cui_eq4():
    beta = 0.9999
    raw = [(1 - beta) / (1 - beta**n) for n in COUNTS]
    expected = [r / sum(raw) * 3 for r in raw]
    assert torch.allclose(class_balanced_weights(COUNTS, beta),
                          torch.tensor(expected))
    # a class without samples gets 0, the others mean 1
    w = class_balanced_weights([10, 0, 5], beta)
    assert w[1] == 0 and w[[0, 2]].mean().item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match='beta'):
        class_balanced_weights(COUNTS, 1.0)


def test_drw_reweights_from_drw_epoch_on():
    head = _head(class_counts=COUNTS, drw_epoch=2)
    feats = (torch.tensor(FEATS), )
    plain = (_ce(LOGITS_E[0], 0) + _ce(LOGITS_E[1], 1)) / 2
    beta = 0.9999
    raw = [(1 - beta) / (1 - beta**n) for n in COUNTS]
    w = [r / sum(raw) * 3 for r in raw]
    # LDAM-DRW normalisation: sum_i w_{y_i} CE_i / sum_i w_{y_i}
    weighted = (w[0] * _ce(LOGITS_E[0], 0) + w[1] * _ce(LOGITS_E[1], 1)) / (
        w[0] + w[1])
    hub = MessageHub.get_instance('test_drw_reweights')
    hub.update_info('epoch', 1)
    assert head.loss(feats, _samples())['loss'].item() == pytest.approx(
        plain, rel=1e-5)
    hub.update_info('epoch', 2)
    assert head.loss(feats, _samples())['loss'].item() == pytest.approx(
        weighted, rel=1e-5)


def test_drw_without_epoch_info_raises():
    head = _head(class_counts=COUNTS, drw_epoch=0)
    MessageHub.get_instance('test_drw_no_epoch')  # a fresh, empty hub
    with pytest.raises(RuntimeError, match='epoch'):
        head.loss((torch.tensor(FEATS), ), _samples())
