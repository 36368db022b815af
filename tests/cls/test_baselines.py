"""The long-tail baselines against hand computations of their papers'
formulas: logit adjustment (Menon et al. 2021, loss and post hoc), Balanced
Softmax (Ren et al. 2020), LDAM-DRW (Cao et al. 2019) and tau-normalisation
(Kang et al. 2020)."""
import math

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401  (registers the components)
from lt_plugins.cls.baselines import (BalancedSoftmaxLoss, LDAMLoss,
                                      LogitAdjustedLoss,
                                      PostHocLogitAdjustedHead,
                                      TauNormClsHead, ldam_margins,
                                      log_class_priors, tau_normalize)

COUNTS = [10, 20, 5]  # 35 training images
LOGITS = [[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]]
LABELS = [0, 2]


def _ce(z, y):
    return math.log(sum(math.exp(v) for v in z)) - z[y]


def _mean_ce(rows, labels):
    return sum(_ce(z, y) for z, y in zip(rows, labels)) / len(labels)


def _softmax(z):
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def _call(loss, logits=LOGITS, labels=LABELS):
    return loss(torch.tensor(logits), torch.tensor(labels),
                avg_factor=len(labels)).item()


@pytest.mark.parametrize('name', [
    'LogitAdjustedLoss', 'PostHocLogitAdjustedHead', 'BalancedSoftmaxLoss',
    'LDAMLoss', 'TauNormClsHead'
])
def test_baselines_are_registered_in_mmpretrain(name):
    assert MODELS.get(name) is getattr(lt_plugins.cls.baselines, name)
    assert MODELS.get(f'mmpretrain.{name}') is MODELS.get(name)


# ------------------------------------------------------- logit adjustment
def test_log_priors_are_log_of_count_share():
    assert torch.allclose(log_class_priors(COUNTS),
                          torch.tensor([math.log(n / 35) for n in COUNTS]))
    with pytest.raises(ValueError, match='-1'):
        log_class_priors([3, -1])


@pytest.mark.parametrize('tau', [1.0, 2.0, 0.0])
def test_logit_adjusted_loss_is_ce_of_shifted_logits(tau):
    loss = LogitAdjustedLoss(num_classes=3, tau=tau, class_counts=COUNTS)
    shifted = [[z + tau * math.log(n / 35) for z, n in zip(row, COUNTS)]
               for row in LOGITS]
    assert _call(loss) == pytest.approx(_mean_ce(shifted, LABELS), rel=1e-6)
    if tau == 0.0:  # no adjustment: plain CE
        assert _call(loss) == pytest.approx(_mean_ce(LOGITS, LABELS),
                                            rel=1e-6)


def test_logit_adjusted_loss_default_tau_matches_a_number():
    # tau = 1: sample 0 logits + log(n/35) = [1 + ln(2/7), 2 + ln(4/7),
    # 0.5 + ln(1/7)], target 0; sample 1 [0.3 + ln(2/7), -1 + ln(4/7),
    # 2 + ln(1/7)], target 2
    loss = MODELS.build(dict(type='LogitAdjustedLoss', num_classes=3,
                             class_counts=COUNTS))
    assert loss.tau == 1.0
    z0 = [1 + math.log(2 / 7), 2 + math.log(4 / 7), 0.5 + math.log(1 / 7)]
    z1 = [0.3 + math.log(2 / 7), -1 + math.log(4 / 7), 2 + math.log(1 / 7)]
    assert _call(loss) == pytest.approx((_ce(z0, 0) + _ce(z1, 2)) / 2,
                                        rel=1e-6)


def test_logit_adjusted_loss_refuses_bad_input():
    with pytest.raises(ValueError, match='nan'):
        LogitAdjustedLoss(num_classes=3, tau=float('nan'))
    with pytest.raises(RuntimeError, match='ClassCountsHook'):
        _call(LogitAdjustedLoss(num_classes=3))
    # a target class without training images: the counts are not this
    # training set's
    with pytest.raises(ValueError, match=r'\[2\]'):
        _call(LogitAdjustedLoss(num_classes=3, class_counts=[10, 20, 0]))


@pytest.mark.parametrize('cls', ['LogitAdjustedLoss', 'BalancedSoftmaxLoss'])
def test_count_losses_refuse_logits_of_another_class_number(cls):
    # counts of 3 classes, logits of 4 (or 2): a loss/head num_classes
    # mismatch, named with both sizes
    loss = MODELS.build(dict(type=cls, num_classes=3, class_counts=COUNTS))
    with pytest.raises(ValueError, match=r'3 classes .* \(2, 4\) \(4 '):
        _call(loss, logits=[row + [0.0] for row in LOGITS])
    with pytest.raises(ValueError, match=r'3 classes .* \(2, 2\) \(2 '):
        _call(loss, logits=[row[:2] for row in LOGITS], labels=[0, 1])


@pytest.mark.parametrize('cls', ['LogitAdjustedLoss', 'BalancedSoftmaxLoss'])
def test_count_losses_apply_per_sample_weights_as_mmpretrain_ce(cls):
    """weight, avg_factor and reduction_override as in mmpretrain's
    CrossEntropyLoss, on the shifted logits."""
    loss = MODELS.build(dict(type=cls, num_classes=3, class_counts=COUNTS))
    shifted = torch.tensor(LOGITS) + log_class_priors(COUNTS)
    ce = MODELS.build(dict(type='CrossEntropyLoss'))
    logits, labels = torch.tensor(LOGITS), torch.tensor(LABELS)
    weight = torch.tensor([0.25, 2.0])
    # by hand: (0.25 * CE_0 + 2 * CE_1) / 2
    per = [_ce(z, y) for z, y in zip(shifted.tolist(), LABELS)]
    expected = (0.25 * per[0] + 2.0 * per[1]) / 2
    got = loss(logits, labels, weight=weight, avg_factor=2)
    assert got.item() == pytest.approx(expected, rel=1e-5)
    assert torch.allclose(got, ce(shifted, labels, weight=weight,
                                  avg_factor=2))
    # without avg_factor, mean of the weighted losses; 'sum' and 'none'
    assert loss(logits, labels, weight=weight).item() == \
        pytest.approx(expected, rel=1e-5)
    assert loss(logits, labels, weight=weight,
                reduction_override='sum').item() == \
        pytest.approx(2 * expected, rel=1e-5)
    assert torch.allclose(
        loss(logits, labels, weight=weight, reduction_override='none'),
        torch.tensor([0.25 * per[0], 2.0 * per[1]]))
    with pytest.raises(ValueError, match=r'one entry per sample.*\(3,\)'):
        loss(logits, labels, weight=torch.ones(3))
    with pytest.raises(ValueError, match="'max'"):
        loss(logits, labels, reduction_override='max')


@pytest.mark.parametrize('cls', ['LogitAdjustedLoss',
                                 'PostHocLogitAdjustedHead',
                                 'TauNormClsHead'])
def test_tau_is_a_finite_real_at_least_zero_but_not_a_bool(cls):
    def build(tau):
        kw = dict(num_classes=3, tau=tau)
        if cls != 'LogitAdjustedLoss':
            kw['in_channels'] = 2
        return MODELS.build(dict(type=cls, **kw))

    for tau, expected in ((np.float32(1.5), 1.5), (np.float64(0.5), 0.5),
                          (np.int64(2), 2.0), (1, 1.0), (0.75, 0.75),
                          (0, 0.0)):
        module = build(tau)
        assert type(module.tau) is float and module.tau == expected
    for bad, error, match in (
            (True, TypeError, r'got True \(bool\)'),
            ('1.0', TypeError, r"got '1.0' \(str\)"),
            (None, TypeError, 'got None'),
            (np.float32('nan'), ValueError, r'in \[0, inf\), got nan'),
            (float('-inf'), ValueError, 'got -inf'),
            # a negative tau strengthens the class prior instead of removing
            # it (logit adjustment) or widens the norm gap (tau-norm)
            (-0.5, ValueError, r'in \[0, inf\), got -0.5')):
        with pytest.raises(error, match=f'{cls}: tau must be .*{match}'):
            build(bad)


def _linear_head(cls, **kw):
    head = MODELS.build(dict(type=cls, num_classes=3, in_channels=2, **kw))
    with torch.no_grad():
        head.fc.weight.copy_(torch.tensor([[3.0, 4.0], [1.0, 0.0],
                                           [0.0, 0.5]]))
        head.fc.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    return head


FEATS = torch.tensor([[1.0, 1.0], [2.0, -1.0]])
# fc: x W^T + b = [[7.1, 0.8, 0.8], [2.1, 1.8, -0.2]]
FC_LOGITS = [[7.1, 0.8, 0.8], [2.1, 1.8, -0.2]]


def test_posthoc_head_predicts_with_logits_minus_tau_log_prior():
    head = _linear_head('PostHocLogitAdjustedHead', class_counts=COUNTS)
    assert torch.allclose(head((FEATS, )), torch.tensor(FC_LOGITS))
    pred = head.predict((FEATS, ))
    for row, sample in zip(FC_LOGITS, pred):
        adjusted = [z - math.log(n / 35) for z, n in zip(row, COUNTS)]
        assert torch.allclose(sample.pred_score,
                              torch.tensor(_softmax(adjusted)), atol=1e-6)
    # feature [-0.5, 0.6]: logits [1.0, -0.7, 0.6], CE predicts class 0;
    # - log(pi) adds ln 3.5 = 1.25, ln 1.75 = 0.56, ln 7 = 1.95, so the
    # rarest class 2 wins (2.55 > 2.25)
    feat = (torch.tensor([[-0.5, 0.6]]), )
    assert torch.allclose(head(feat), torch.tensor([[1.0, -0.7, 0.6]]))
    assert head.predict(feat)[0].pred_label.item() == 2


def test_posthoc_head_trains_plain_ce_and_tau_0_is_linear_head():
    head = _linear_head('PostHocLogitAdjustedHead', class_counts=COUNTS)
    samples = [DataSample().set_gt_label(y) for y in LABELS]
    loss = head.loss((FEATS, ), samples)['loss'].item()
    assert loss == pytest.approx(_mean_ce(FC_LOGITS, LABELS), rel=1e-6)
    plain = _linear_head('LinearClsHead').predict((FEATS, ))
    zero = _linear_head('PostHocLogitAdjustedHead', tau=0.0,
                        class_counts=COUNTS).predict((FEATS, ))
    for a, b in zip(plain, zero):
        assert torch.allclose(a.pred_score, b.pred_score)


def test_posthoc_head_refuses_a_class_without_images():
    # when the counts arrive, not at the first prediction
    with pytest.raises(ValueError, match=r'class\(es\) \[1\] have 0'):
        _linear_head('PostHocLogitAdjustedHead', class_counts=[4, 0, 2])
    head = _linear_head('PostHocLogitAdjustedHead', class_counts=COUNTS)
    with pytest.raises(ValueError, match=r'\[0, 2\]'):
        head.set_class_counts([0, 3, 0])
    assert head.class_counts.tolist() == COUNTS  # nothing stored
    # counts restored from a checkpoint bypass set_class_counts: the check
    # ClassCountsHook calls, and the first training step, catch them
    head.load_state_dict(dict(head.state_dict(),
                              class_counts=torch.tensor([4, 0, 2])))
    samples = [DataSample().set_gt_label(y) for y in LABELS]
    for call in (head.check_class_counts,
                 lambda: head.loss((FEATS, ), samples),
                 lambda: head.predict((FEATS, ))):
        with pytest.raises(ValueError, match=r'\[1\]'):
            call()


def test_posthoc_head_without_counts_fails_on_the_first_training_step():
    head = _linear_head('PostHocLogitAdjustedHead')
    samples = [DataSample().set_gt_label(y) for y in LABELS]
    for call in (head.check_class_counts,
                 lambda: head.loss((FEATS, ), samples),
                 lambda: head.predict((FEATS, ))):
        with pytest.raises(
                RuntimeError,
                match=r"custom_hooks=\[dict\(type='ClassCountsHook"):
            call()


def test_posthoc_head_loads_a_linear_head_checkpoint():
    sd = _linear_head('LinearClsHead').state_dict()
    head = PostHocLogitAdjustedHead(num_classes=3, in_channels=2)
    missing, unexpected = head.load_state_dict(sd, strict=False)
    assert missing == ['class_counts'] and unexpected == []
    assert torch.equal(head.fc.weight, sd['fc.weight'])


# -------------------------------------------------------- Balanced Softmax
def test_balanced_softmax_is_ce_of_logits_plus_log_counts():
    loss = BalancedSoftmaxLoss(num_classes=3, class_counts=COUNTS)
    shifted = [[z + math.log(n) for z, n in zip(row, COUNTS)]
               for row in LOGITS]
    assert _call(loss) == pytest.approx(_mean_ce(shifted, LABELS), rel=1e-6)
    # log n = log pi + log N: the same as logit adjustment with tau = 1
    la = LogitAdjustedLoss(num_classes=3, tau=1.0, class_counts=COUNTS)
    assert _call(loss) == pytest.approx(_call(la), rel=1e-6)
    # and not plain CE
    assert abs(_call(loss) - _mean_ce(LOGITS, LABELS)) > 0.1


def test_balanced_softmax_class_without_images_gets_probability_0():
    loss = BalancedSoftmaxLoss(num_classes=3, class_counts=[10, 0, 5])
    # class 1 drops out of the softmax
    expected = _mean_ce([[1.0 + math.log(10), 0.5 + math.log(5)],
                         [0.3 + math.log(10), 2.0 + math.log(5)]], [0, 1])
    assert _call(loss) == pytest.approx(expected, rel=1e-6)


# ------------------------------------------------------------------ LDAM
# m_c = 0.5 * (n_c / min n)^(-1/4): [0.5 / 2^(1/4), 0.5 / 4^(1/4), 0.5]
MARGINS = [0.5 / 2**0.25, 0.5 / 4**0.25, 0.5]
COS = [[0.6, 0.8, -0.6], [0.0, -1.0, 0.2]]


def _ldam_reference(cos, labels, counts, s=30.0, weights=None):
    """Cao et al.'s LDAMLoss, written out: m_list = 1/sqrt(sqrt(n)),
    scaled to max 0.5; F.cross_entropy(s * (x - m_y onehot), weight)."""
    m = [1 / math.sqrt(math.sqrt(n)) for n in counts]
    m = [v * 0.5 / max(m) for v in m]
    num = den = 0.0
    for row, y in zip(cos, labels):
        z = [s * (c - (m[y] if j == y else 0.0)) for j, c in enumerate(row)]
        w = 1.0 if weights is None else weights[y]
        num += w * _ce(z, y)
        den += w
    return num / den


def test_ldam_margins_are_quarter_power_scaled_to_half():
    assert torch.allclose(ldam_margins(COUNTS), torch.tensor(MARGINS))
    assert ldam_margins(COUNTS).max().item() == pytest.approx(0.5)
    assert torch.allclose(ldam_margins(COUNTS, max_margin=1.0),
                          2 * torch.tensor(MARGINS))
    # a class without images is never a target: margin 0
    assert ldam_margins([10, 0, 5])[1] == 0


def test_ldam_loss_matches_reference_formula():
    loss = LDAMLoss(num_classes=3, class_counts=COUNTS)
    got = loss(torch.tensor(COS), torch.tensor(LABELS), scale=30.0).item()
    expected = _ldam_reference(COS, LABELS, COUNTS)
    # by hand: sample 0 target logit 30 * (0.6 - 0.5 / 2^(1/4))
    z0 = [30 * (0.6 - MARGINS[0]), 24.0, -18.0]
    z1 = [0.0, -30.0, 30 * (0.2 - MARGINS[2])]
    assert expected == pytest.approx((_ce(z0, 0) + _ce(z1, 2)) / 2)
    assert got == pytest.approx(expected, rel=1e-5)


def test_ldam_drw_reweights_from_drw_epoch_on():
    loss = LDAMLoss(num_classes=3, class_counts=COUNTS, drw_epoch=160)
    beta = 0.9999
    raw = [(1 - beta) / (1 - beta**n) for n in COUNTS]
    w = [r / sum(raw) * 3 for r in raw]
    hub = MessageHub.get_instance('test_ldam_drw')
    hub.update_info('epoch', 159)
    args = (torch.tensor(COS), torch.tensor(LABELS))
    assert loss(*args, scale=30.0).item() == pytest.approx(
        _ldam_reference(COS, LABELS, COUNTS), rel=1e-5)
    hub.update_info('epoch', 160)
    assert loss(*args, scale=30.0).item() == pytest.approx(
        _ldam_reference(COS, LABELS, COUNTS, weights=w), rel=1e-5)


def test_ldam_drw_by_iteration():
    loss = LDAMLoss(num_classes=3, class_counts=COUNTS, drw_iter=5)
    hub = MessageHub.get_instance('test_ldam_drw_iter')
    hub.update_info('epoch', 0)
    hub.update_info('iter', 4)
    assert not loss.drw_active()
    hub.update_info('iter', 5)
    assert loss.drw_active()
    with pytest.raises(ValueError, match='not both'):
        LDAMLoss(num_classes=3, drw_epoch=1, drw_iter=5)


def test_ldam_head_is_the_cosine_head():
    head = MODELS.build(
        dict(type='ALAHead', num_classes=3, in_channels=2, scale=30.0,
             loss=dict(type='LDAMLoss', class_counts=COUNTS)))
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 3.0],
                                        [-1.0, 0.0]]))
    # features [3, 4] and [0, -2]: cos = [0.6, 0.8, -0.6], [0, -1, 0]
    feats = (torch.tensor([[3.0, 4.0], [0.0, -2.0]]), )
    samples = [DataSample().set_gt_label(y) for y in (0, 1)]
    cos = [[0.6, 0.8, -0.6], [0.0, -1.0, 0.0]]
    assert head.loss(feats, samples)['loss'].item() == pytest.approx(
        _ldam_reference(cos, [0, 1], COUNTS), rel=1e-5)


# -------------------------------------------------------- tau-normalisation
def test_tau_normalize_divides_rows_by_norm_power():
    w = torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 0.5]])
    assert torch.allclose(tau_normalize(w, 1.0),
                          torch.tensor([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0]]))
    assert torch.allclose(
        tau_normalize(w, 0.5),
        torch.tensor([[3 / 5**0.5, 4 / 5**0.5], [1.0, 0.0],
                      [0.0, 0.5 / 0.5**0.5]]))
    assert torch.equal(tau_normalize(w, 0.0), w)
    assert torch.equal(tau_normalize(torch.zeros(1, 2), 1.0),
                       torch.zeros(1, 2))


@pytest.mark.parametrize('tau', [1.0, 1.5, 2.0])
def test_tau_normalize_zero_and_tiny_rows_stay_finite(tau):
    # a zero row stays zero; a tiny row (norm 5e-30, whose squares and
    # ||w||^tau underflow in float32) is w / ||w||^tau all the same:
    # [3, 4] * 1e-30 / (5e-30)^tau
    w = torch.tensor([[0.0, 0.0], [3e-30, 4e-30], [3.0, 4.0]])
    out = tau_normalize(w, tau)
    assert out.dtype == torch.float32 and torch.isfinite(out).all()
    assert torch.equal(out[0], torch.zeros(2))
    for row, norm in ((1, 5e-30), (2, 5.0)):
        expected = [v / norm**tau for v in w[row].double().tolist()]
        assert torch.allclose(out[row].double(),
                              torch.tensor(expected, dtype=torch.float64),
                              rtol=1e-6, atol=0)


def test_tau_norm_head_predicts_with_normalised_weights():
    head = _linear_head('TauNormClsHead')
    # tau = 1, no bias: x . w_c / ||w_c|| with rows [0.6, 0.8], [1, 0],
    # [0, 1]: [[1.4, 1, 1], [0.4, 2, -1]]
    expected = [[1.4, 1.0, 1.0], [0.4, 2.0, -1.0]]
    pred = head.predict((FEATS, ))
    for row, sample in zip(expected, pred):
        assert torch.allclose(sample.pred_score, torch.tensor(_softmax(row)),
                              atol=1e-6)
    # CE predicts class 0 for sample 1 (2.1 > 1.8), tau-norm class 1
    assert pred[1].pred_label.item() == 1
    # the stored classifier is unchanged and training sees it as it is
    assert torch.allclose(head((FEATS, )), torch.tensor(FC_LOGITS))
    kept = _linear_head('TauNormClsHead', keep_bias=True)
    assert torch.allclose(
        kept.tau_logits((FEATS, )),
        torch.tensor(expected) + torch.tensor([0.1, -0.2, 0.3]))
    plain = _linear_head('LinearClsHead').predict((FEATS, ))
    same = _linear_head('TauNormClsHead', tau=0.0,
                        keep_bias=True).predict((FEATS, ))
    for a, b in zip(plain, same):
        assert torch.allclose(a.pred_score, b.pred_score)
    with pytest.raises(ValueError, match='inf'):
        TauNormClsHead(num_classes=3, in_channels=2, tau=float('inf'))
