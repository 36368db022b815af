"""Decoupled second-stage components: LWS head and LAS loss, and what the
cRT/LWS configs make trainable."""
import copy
import math
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lt_plugins.cls.difficulty_net import (LabelAwareSmoothingLoss, LWSHead,
                                           label_aware_smoothing)

sys.path.insert(0, osp.dirname(__file__))
from dnet_toy import toy_cfg  # noqa: E402


def test_lws_head_scales_each_class_logit():
    head = LWSHead(num_classes=4, in_channels=3)
    with torch.no_grad():
        head.scales.copy_(torch.tensor([1.0, 2.0, 0.5, -1.0]))
    x = torch.randn(5, 3)
    by_hand = (x @ head.fc.weight.T + head.fc.bias) * torch.tensor(
        [1.0, 2.0, 0.5, -1.0])
    assert torch.allclose(head((x, )), by_hand)
    # a fresh head starts as the plain linear classifier
    fresh = LWSHead(num_classes=4, in_channels=3)
    assert torch.allclose(fresh((x, )), fresh.fc(x))


def _stage2_model(config):
    cfg = toy_cfg(config, '/nonexistent', '/nonexistent')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['data_preprocessor'] = cfg.data_preprocessor
    return MODELS.build(model_cfg)


@pytest.mark.parametrize('config,trainable', [
    ('toy_dnet_crt.py', {'head.fc.weight', 'head.fc.bias'}),
    ('toy_dnet_lws.py', {'head.scales'}),
    ('toy_dnet_las.py', {'head.fc.weight', 'head.fc.bias'}),
])
def test_stage2_configs_train_only_the_classifier_part(config, trainable):
    model = _stage2_model(config)
    assert {n for n, p in model.named_parameters()
            if p.requires_grad} == trainable
    model.train()
    assert not model.backbone.training  # BatchNorm statistics frozen
    x = torch.randn(4, 3, 32, 32)
    y = torch.tensor([0, 1, 2, 3])
    if config == 'toy_dnet_las.py':
        model.head.loss_module.set_class_counts(list(range(10, 0, -1)))
    logits = model(x, mode='tensor')
    loss = model.head.loss_module(logits, y)
    loss.backward()
    for n, p in model.named_parameters():
        assert (p.grad is not None) == (n in trainable), n


def test_label_aware_smoothing_values():
    counts = torch.tensor([100, 50, 10])
    x = torch.tensor([1.0, 40 / 90, 0.0])
    lin = label_aware_smoothing(counts, 0.4, 0.1, 'linear')
    assert torch.allclose(lin, 0.1 + 0.3 * x)
    concave = label_aware_smoothing(counts, 0.4, 0.1, 'concave')
    assert torch.allclose(concave, 0.1 + 0.3 * torch.sin(x * math.pi / 2))
    convex = label_aware_smoothing(counts, 0.4, 0.1, 'convex')
    assert torch.allclose(convex,
                          0.1 + 0.3 * (1 - torch.cos(x * math.pi / 2)))
    # head class gets smooth_head, tail class smooth_tail, in every shape
    for eps in (lin, concave, convex):
        assert eps[0].item() == pytest.approx(0.4)
        assert eps[2].item() == pytest.approx(0.1)
    with pytest.raises(ValueError, match='shape'):
        label_aware_smoothing(counts, 0.4, 0.1, 'wavy')
    with pytest.raises(ValueError, match='smooth_head'):
        label_aware_smoothing(counts, 1.2, 0.1)


def test_las_loss_matches_hand_computation():
    loss_fn = LabelAwareSmoothingLoss(num_classes=3, smooth_head=0.4,
                                      smooth_tail=0.1, shape='linear',
                                      class_counts=[100, 50, 10])
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    y = torch.tensor([0, 2])
    logp = F.log_softmax(logits, dim=1)
    eps = torch.tensor([0.4, 0.1])  # eps of classes 0 and 2
    per = (1 - eps) * -logp[[0, 1], y] + eps * -logp.mean(dim=1)
    assert torch.allclose(loss_fn(logits, y, reduction_override='none'), per)
    assert torch.isclose(loss_fn(logits, y), per.mean())
    # no smoothing = cross-entropy
    ce = LabelAwareSmoothingLoss(num_classes=3, smooth_head=0.0,
                                 smooth_tail=0.0, class_counts=[3, 2, 1])
    assert torch.isclose(ce(logits, y), F.cross_entropy(logits, y))
    with pytest.raises(RuntimeError, match='ClassCountsHook'):
        LabelAwareSmoothingLoss(num_classes=3)(logits, y)
