"""CDB losses as mmdet box-head losses: interface, numbers, state."""
import pytest
import torch
from mmdet.models.losses import CrossEntropyLoss, FocalLoss
from mmdet.registry import MODELS

import lt_plugins.det  # noqa: F401


def _inputs(n=6, c=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    score = torch.randn(n, c + 1, generator=g)
    label = torch.randint(0, c + 1, (n, ), generator=g)
    label_weight = torch.rand(n, generator=g)
    return score, label, label_weight


def test_unit_weights_equal_mmdet_cross_entropy_number_for_number():
    score, label, lw = _inputs()
    cdb = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=4))
    ce = CrossEntropyLoss()
    for kw in (dict(), dict(avg_factor=3.0), dict(reduction_override='none'),
               dict(reduction_override='sum')):
        torch.testing.assert_close(cdb(score, label, lw, **kw),
                                   ce(score, label, lw, **kw))


def test_mmdet_cross_entropy_arguments_carry_over_number_for_number():
    score, label, lw = _inputs(n=8)
    label[:3] = 2  # the label that gets ignored
    args = dict(ignore_index=2, avg_non_ignore=True, loss_weight=0.7)
    cdb = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=4,
                            **args))
    ce = CrossEntropyLoss(**args)
    for kw in (dict(), dict(avg_factor=3.0), dict(reduction_override='none'),
               dict(reduction_override='sum')):
        torch.testing.assert_close(cdb(score, label, lw, **kw),
                                   ce(score, label, lw, **kw))
    # the mean is over the non-ignored samples only
    kept = int((label != 2).sum())
    assert 0 < kept <= 5
    expect = (ce(score, label, lw, reduction_override='none').sum() / kept)
    torch.testing.assert_close(cdb(score, label, lw), expect)
    with pytest.raises(ValueError, match='remove class_weight=\\[0.5'):
        MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=4,
                          class_weight=[0.5] * 5))
    # as mmdet's weight_reduce_loss
    with pytest.raises(ValueError, match='avg_factor can not be used'):
        cdb(score, label, lw, avg_factor=2.0, reduction_override='sum')


def test_foreground_weights_scale_each_sample_background_configurable():
    score, label, lw = _inputs()
    cdb = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=4,
                            background_weight=0.5))
    w = torch.tensor([0.2, 1.0, 2.0, 3.0])
    cdb.update_weights(w)
    full = torch.cat([w, torch.tensor([0.5])])
    ce = CrossEntropyLoss()(score, label, reduction_override='none')
    torch.testing.assert_close(
        cdb(score, label, reduction_override='none'), full[label] * ce)
    # mean over samples (avg_factor), not over the sum of weights
    torch.testing.assert_close(
        cdb(score, label, lw, avg_factor=4.0),
        (full[label] * ce * lw).sum() / 4.0)


def test_weights_are_a_buffer_saved_with_the_model():
    cdb = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=3))
    cdb.update_weights([0.5, 1.0, 1.5])
    state = cdb.state_dict()
    torch.testing.assert_close(state['class_weight'],
                               torch.tensor([0.5, 1.0, 1.5, 1.0]))
    fresh = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=3))
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.foreground_weights,
                               torch.tensor([0.5, 1.0, 1.5]))


def test_bad_weights_and_arguments_are_named():
    cdb = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=3))
    with pytest.raises(ValueError, match='got 2 class weights'):
        cdb.update_weights([1.0, 2.0])
    with pytest.raises(ValueError, match='finite'):
        cdb.update_weights([1.0, float('nan'), 1.0])
    with pytest.raises(ValueError, match='use_sigmoid'):
        MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=3,
                          use_sigmoid=True))
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=0))
    score, label, _ = _inputs(c=4)
    with pytest.raises(ValueError, match='4 class weights but cls_score has 5'):
        cdb(score, label)


def test_focal_variant_with_gamma_zero_is_the_ce_variant():
    score, label, lw = _inputs()
    w = [0.5, 1.0, 2.0, 4.0]
    ce = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=4))
    fl = MODELS.build(dict(type='CDBFocalLoss', num_classes=4, gamma=0.0))
    ce.update_weights(w)
    fl.update_weights(w)
    torch.testing.assert_close(fl(score, label, lw), ce(score, label, lw))
    fl2 = MODELS.build(dict(type='CDBFocalLoss', num_classes=4, gamma=2.0))
    assert fl2(score, label, lw) < ce(score, label, lw)


def test_sigmoid_focal_with_unit_weights_equals_mmdet_focal_loss():
    g = torch.Generator().manual_seed(1)
    pred = torch.randn(8, 5, generator=g)
    target = torch.randint(0, 6, (8, ), generator=g)  # 5 = background
    weight = torch.rand(8, generator=g)
    ours = MODELS.build(dict(type='CDBSigmoidFocalLoss', num_classes=5))
    ref = FocalLoss(use_sigmoid=True, gamma=2.0, alpha=0.25)
    torch.testing.assert_close(
        ours(pred, target, weight, avg_factor=3.0),
        ref(pred, target, weight, avg_factor=3.0))
    w = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0])
    ours.update_weights(w)
    per_elem = ours(pred, target, reduction_override='none')
    ref_elem = ref(pred, target, reduction_override='none')
    torch.testing.assert_close(per_elem, ref_elem * w[None, :])


def test_box_head_loss_uses_the_cdb_loss_through_its_own_interface():
    head = MODELS.build(
        dict(type='Shared2FCBBoxHead', in_channels=8, fc_out_channels=16,
             roi_feat_size=2, num_classes=3,
             bbox_coder=dict(type='DeltaXYWHBBoxCoder',
                             target_means=[0., 0., 0., 0.],
                             target_stds=[0.1, 0.1, 0.2, 0.2]),
             loss_cls=dict(type='CDBCrossEntropyLoss', num_classes=3),
             loss_bbox=dict(type='L1Loss', loss_weight=1.0)))
    head.loss_cls.update_weights([2.0, 2.0, 2.0])
    score = torch.randn(5, 4)
    labels = torch.tensor([0, 1, 2, 3, 3])
    lw = torch.ones(5)
    losses = head.loss(score, torch.randn(5, 12), torch.rand(5, 5),
                       labels, lw, torch.zeros(5, 4), torch.zeros(5, 4))
    ce = torch.nn.functional.cross_entropy(score, labels, reduction='none')
    expect = (ce * torch.tensor([2.0, 2.0, 2.0, 1.0, 1.0])).sum() / 5
    torch.testing.assert_close(losses['loss_cls'], expect)


def test_ignore_index_zeroes_those_samples_in_both_softmax_losses():
    score, label, _ = _inputs()
    label[:2] = 2
    for cfg in (dict(type='CDBCrossEntropyLoss', num_classes=4),
                dict(type='CDBFocalLoss', num_classes=4)):
        loss = MODELS.build(cfg)(score, label, reduction_override='none',
                                 ignore_index=2)
        assert (loss[:2] == 0).all() and (loss[label != 2] > 0).all()


def _detr_head(loss_cls, num_classes=3, seed=0):
    torch.manual_seed(seed)
    return MODELS.build(dict(
        type='DETRHead', num_classes=num_classes, embed_dims=16,
        num_reg_fcs=2, loss_cls=loss_cls,
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)))


def _detr_inputs(seed=0):
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(seed)
    hidden = torch.randn(2, 2, 7, 16, generator=g)  # layers, images, queries
    gts, metas = [], []
    for n in (2, 3):
        xy = torch.rand(n, 2, generator=g) * 40
        wh = torch.rand(n, 2, generator=g) * 20 + 5
        gts.append(InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                labels=torch.randint(0, 3, (n, ),
                                                     generator=g)))
        metas.append(dict(img_shape=(64, 64)))
    return hidden, gts, metas


def _detr_losses(head, seed=0):
    hidden, gts, metas = _detr_inputs(seed)
    return head.loss_by_feat(*head(hidden), gts, metas)


def test_detr_head_reads_use_sigmoid_and_matches_mmdet_cross_entropy():
    # DETRHead reads loss_cls.use_sigmoid to size fc_cls (C + 1 outputs for
    # softmax) and turns class_weight=1.0, bg_cls_weight=0.1 into the tensor
    # [1, 1, 1, 0.1] it passes to the loss
    detr_args = dict(bg_cls_weight=0.1, use_sigmoid=False, loss_weight=1.0,
                     class_weight=1.0)
    cdb = _detr_head(dict(type='CDBCrossEntropyLoss', num_classes=3,
                          **detr_args))
    ce = _detr_head(dict(type='CrossEntropyLoss', **detr_args))
    assert cdb.loss_cls.use_sigmoid is False
    assert cdb.fc_cls.out_features == 4 and cdb.bg_cls_weight == 0.1
    torch.testing.assert_close(cdb.loss_cls.class_weight,
                               torch.tensor([1.0, 1.0, 1.0, 0.1]))
    got, expect = _detr_losses(cdb), _detr_losses(ce)
    assert set(got) == set(expect) and 'd0.loss_cls' in got
    for key in expect:
        torch.testing.assert_close(got[key], expect[key])
    # CDB weights act like mmdet's own class-weighted CE, number for number
    cdb.loss_cls.update_weights([0.5, 2.0, 1.5])
    ce.loss_cls.class_weight = [0.5, 2.0, 1.5, 0.1]
    got, expect = _detr_losses(cdb), _detr_losses(ce)
    for key in expect:
        torch.testing.assert_close(got[key], expect[key])
    assert not torch.allclose(got['loss_cls'],
                              _detr_losses(_detr_head(detr_args | dict(
                                  type='CrossEntropyLoss')))['loss_cls'])
    # without class_weight: background weight 1, DETR's avg factor num_pos
    plain = _detr_head(dict(type='CDBFocalLoss', num_classes=3, gamma=0.0))
    plain_ce = _detr_head(dict(type='CrossEntropyLoss'))
    assert plain.loss_cls.use_sigmoid is False and plain.bg_cls_weight == 0
    torch.testing.assert_close(_detr_losses(plain)['loss_cls'],
                               _detr_losses(plain_ce)['loss_cls'])


def test_sparse_rcnn_dii_head_builds_a_softmax_classifier():
    head = MODELS.build(dict(
        type='DIIHead', num_classes=3, num_ffn_fcs=2, num_heads=2,
        num_cls_fcs=1, num_reg_fcs=1, feedforward_channels=32,
        in_channels=16, dropout=0.0, ffn_act_cfg=dict(type='ReLU',
                                                      inplace=True),
        dynamic_conv_cfg=dict(type='DynamicConv', in_channels=16,
                              feat_channels=8, out_channels=16,
                              input_feat_shape=7,
                              act_cfg=dict(type='ReLU', inplace=True),
                              norm_cfg=dict(type='LN')),
        loss_cls=dict(type='CDBCrossEntropyLoss', num_classes=3),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)))
    assert head.fc_cls.out_features == 4
    head.init_weights()  # reads use_sigmoid again for the bias init


def test_class_weight_only_in_the_background_form_and_no_sigmoid():
    loss = MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=2,
                             class_weight=[1.0, 1.0, 0.25]))
    torch.testing.assert_close(loss.class_weight,
                               torch.tensor([1.0, 1.0, 0.25]))
    for bad in ([1.0, 2.0, 0.1], [1.0, 0.1], 1.0, 'x'):
        with pytest.raises(ValueError, match='Only \\[1.0\\] \\* num_classes'):
            MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=2,
                              class_weight=bad))
    with pytest.raises(ValueError, match='background_weight=0.5'):
        MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=2,
                          class_weight=[1.0, 1.0, 0.25],
                          background_weight=0.5))
    for name in ('CDBCrossEntropyLoss', 'CDBFocalLoss'):
        with pytest.raises(ValueError, match=f'{name} is a softmax loss'):
            MODELS.build(dict(type=name, num_classes=2, use_sigmoid=True))


@pytest.mark.parametrize('gamma', [0.25, 0.5])
def test_focal_losses_keep_gradients_finite_at_saturated_logits(gamma):
    # a logit gap of 17 and more (easy background RoIs / anchors): p rounds to
    # 1 in float32 and (1 - p)^gamma has an infinite derivative for gamma < 1
    score = torch.tensor([[0.0, 0.0, 0.0, 17.0], [30.0, 0.0, -1.0, 0.0],
                          [0.0, 100.0, 0.0, 0.0], [0.3, 0.1, 0.0, 0.2]],
                         requires_grad=True)
    label = torch.tensor([3, 0, 1, 2])
    fl = MODELS.build(dict(type='CDBFocalLoss', num_classes=3, gamma=gamma))
    loss = fl(score, label, avg_factor=4.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(score.grad).all()
    # the unsaturated sample's gradient is eq. 14's, from float64
    s64 = score.detach().double().requires_grad_(True)
    p = torch.softmax(s64, 1)[3, 2]
    (-(1 - p)**gamma * p.log() / 4.0).backward()
    torch.testing.assert_close(score.grad[3].double(), s64.grad[3])

    pred = torch.tensor([[17.0, -17.0], [-30.0, 100.0], [0.2, -0.1]],
                        requires_grad=True)
    target = torch.tensor([0, 1, 2])  # 2 = background
    sfl = MODELS.build(dict(type='CDBSigmoidFocalLoss', num_classes=2,
                            gamma=gamma))
    loss = sfl(pred, target, avg_factor=2.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(pred.grad).all()
    with pytest.raises(ValueError, match=r'gamma must be a finite number in '
                       r'\[0, inf\), got -1'):
        MODELS.build(dict(type='CDBSigmoidFocalLoss', num_classes=2,
                          gamma=-1.0))
