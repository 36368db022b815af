"""ForwardOutputCache: a forward-mode pass that takes the primal outputs of
the convolution and linear layers from an earlier forward gives the JVP of
plain forward-mode AD, and refuses a pass that does not repeat the
recorded one."""
import os.path as osp
import sys

import pytest
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from lt_plugins.cls.difficulty_net import ForwardOutputCache, ReplayMismatch

sys.path.insert(0, osp.dirname(__file__))
from dnet_toy import build_model, build_optim, raw_batch  # noqa: E402


class _Net(nn.Module):
    """Conv (bias, reflect padding) - BN - ReLU - residual conv - pool -
    Linear: the layer kinds and the glue of a ResNet, in a few lines."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, padding_mode='reflect')
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(x))
        out += x
        out = self.relu(out)
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))


def _jvp(model, x, tangents, cache=None):
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    with fwAD.dual_level():
        duals = {n: fwAD.make_dual(p.detach(), tangents[n])
                 for n, p in model.named_parameters() if n in tangents}
        if cache is None:
            out = functional_call(model, {**buffers, **duals}, (x, ))
        else:
            with cache.replay():
                out = functional_call(model, {**buffers, **duals}, (x, ))
        primal, tangent = fwAD.unpack_dual(out)
        return primal.clone(), tangent.clone()


@pytest.mark.parametrize('frozen', [(), ('conv1.weight', 'fc.bias')])
def test_replay_gives_the_forward_ad_jvp(frozen):
    torch.manual_seed(0)
    model = _Net().double().train()
    x = torch.randn(6, 3, 8, 8, dtype=torch.float64)
    # parameters left out have no tangent (frozen / not in phi)
    tangents = {n: torch.randn_like(p) for n, p in model.named_parameters()
                if n not in frozen}
    want = _jvp(model, x, tangents)
    cache = ForwardOutputCache(model.modules())
    assert [type(m) for m in cache.modules] == [nn.Conv2d, nn.Conv2d,
                                                 nn.Linear]
    with cache.record():
        model(x)
    got = _jvp(model, x, tangents, cache)
    assert torch.allclose(got[0], want[0], rtol=1e-12, atol=1e-12)
    assert torch.allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
    assert want[1].abs().max() > 1e-3
    # ... and by finite differences along the same direction
    eps = 1e-6
    params = dict(model.named_parameters())

    def at(sign):
        shifted = {n: p.detach() + sign * eps * tangents[n]
                   for n, p in params.items() if n in tangents}
        buffers = {n: b.clone() for n, b in model.named_buffers()}
        return functional_call(model, {**buffers, **shifted}, (x, ))

    fd = (at(1) - at(-1)) / (2 * eps)
    assert torch.allclose(got[1], fd, rtol=1e-5, atol=1e-7)


def test_replay_refuses_a_pass_that_differs_from_the_recording():
    x = torch.randn(2, 3, 8, 8)
    # a convolution output modified in place after it was recorded
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(inplace=True))
    cache = ForwardOutputCache(net.modules())
    with cache.record():
        net(x)
    with pytest.raises(ReplayMismatch, match='modified in place'):
        _jvp(net, x, {'0.weight': torch.ones(4, 3, 3, 3)}, cache)

    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    tangents = {'0.weight': torch.ones(4, 3, 3, 3)}
    cache = ForwardOutputCache(net.modules())
    with cache.record():
        net(x)
    with pytest.raises(ReplayMismatch, match='input shape'):
        _jvp(net, x[:, :, :6], tangents, cache)
    with cache.record():
        net(x)
        net(x)
    with pytest.raises(ReplayMismatch, match='not repeated'):
        _jvp(net, x, tangents, cache)
    with cache.record():
        pass
    with pytest.raises(ReplayMismatch, match='more often'):
        _jvp(net, x, tangents, cache)
    # the layers are themselves again afterwards
    assert 'forward' not in vars(net[0])
    assert torch.equal(net(x), F.relu(net[0]._conv_forward(
        x, net[0].weight, net[0].bias)))


def _d_grads_after_one_step(reuse, modify_in_place):
    model = build_model(reuse_forward_outputs=reuse)
    model.set_class_accuracy(torch.linspace(0.1, 0.9, 10))
    if modify_in_place:
        # a model that scales a convolution output in place (here by 1):
        # its recorded output can no longer serve as the primal
        model.backbone.norm1.register_forward_pre_hook(
            lambda m, args: args[0].mul_(1.0))
    ow = build_optim(model)
    seen = []
    real_step = ow['difficulty_net'].step

    def spy_step(**kwargs):
        seen.append([p.grad.clone()
                     for p in model.difficulty_net.parameters()])
        real_step(**kwargs)

    ow['difficulty_net'].step = spy_step
    batch = raw_batch([0, 1, 2, 3, 3, 5, 5, 9], seed=0)
    batch['meta_batch'] = raw_batch([0, 2, 4, 5, 7, 9], seed=1)
    model.train()
    model.train_step(batch, ow)
    return model, seen[0]


def test_train_step_gives_d_the_same_gradient_with_and_without_reuse():
    _, plain = _d_grads_after_one_step(reuse=False, modify_in_place=False)
    model, reused = _d_grads_after_one_step(reuse=True,
                                            modify_in_place=False)
    assert model.reuse_forward_outputs
    assert sum(float(g.abs().sum()) for g in plain) > 0
    for a, b in zip(reused, plain):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-10)


def test_train_step_falls_back_when_the_forward_cannot_be_replayed():
    _, plain = _d_grads_after_one_step(reuse=False, modify_in_place=True)
    model, fallback = _d_grads_after_one_step(reuse=True,
                                              modify_in_place=True)
    assert not model.reuse_forward_outputs  # off from now on
    for a, b in zip(fallback, plain):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-10)
