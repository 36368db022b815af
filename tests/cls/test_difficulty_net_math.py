"""Difficulty-Net math: D, class weights, driver loss, virtual step and the
meta-gradient, against hand computations and independent references."""
import copy
import os.path as osp
import sys
from contextlib import nullcontext

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from lt_plugins.cls.difficulty_net import (DifficultyNet,
                                           ForwardOutputCache,
                                           difficulty_class_weights,
                                           driver_loss, forward_with_params,
                                           relative_difficulty_target,
                                           virtual_step)

sys.path.insert(0, osp.dirname(__file__))
from dnet_toy import build_model, build_optim, raw_batch  # noqa: E402


def test_difficulty_net_is_the_papers_mlp():
    d = DifficultyNet(num_classes=5, hidden_dim=7)
    kinds = [type(m) for m in d.layers]
    assert kinds == [nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear,
                     nn.Sigmoid]
    assert [(m.in_features, m.out_features) for m in d.layers
            if isinstance(m, nn.Linear)] == [(5, 7), (7, 7), (7, 5)]
    a = torch.rand(5)
    lin = [m for m in d.layers if isinstance(m, nn.Linear)]
    by_hand = torch.sigmoid(lin[2](torch.relu(lin[1](torch.relu(lin[0](a))))))
    assert torch.allclose(d(a), by_hand)
    assert d(torch.rand(3, 5)).shape == (3, 5)
    with pytest.raises(ValueError, match='expects 5 accuracies'):
        d(torch.rand(4))
    with pytest.raises(ValueError, match='hidden_dim'):
        DifficultyNet(5, 0)


def test_class_weights_are_C_times_D_over_its_sum():
    d = torch.tensor([0.2, 0.4, 0.6, 0.8])
    # C = 4, sum = 2.0 -> w = 4 * d / 2
    assert torch.allclose(difficulty_class_weights(d),
                          torch.tensor([0.4, 0.8, 1.2, 1.6]))
    assert torch.isclose(difficulty_class_weights(torch.rand(10) + 0.1).mean(),
                         torch.tensor(1.0))
    with pytest.raises(ValueError, match='vector'):
        difficulty_class_weights(torch.rand(2, 3))
    with pytest.raises(ValueError, match='sum to'):
        difficulty_class_weights(torch.zeros(3))


def test_driver_loss_matches_eq7():
    a = torch.tensor([0.9, 0.6, 0.3, 0.2])
    d = torch.tensor([0.1, 0.5, 0.7, 0.9])
    # a / sum(a) = [0.45, 0.3, 0.15, 0.1]; 1 - that = [0.55, 0.7, 0.85, 0.9]
    target = torch.tensor([0.55, 0.7, 0.85, 0.9])
    assert torch.allclose(relative_difficulty_target(a), target)
    by_hand = ((0.55 - 0.1)**2 + (0.7 - 0.5)**2 + (0.85 - 0.7)**2 +
               (0.9 - 0.9)**2) / 4
    assert torch.isclose(driver_loss(a, d), torch.tensor(by_hand))
    # before the first measurement A = 0: the target is 1 for every class
    assert torch.equal(relative_difficulty_target(torch.zeros(3)),
                       torch.ones(3))
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        driver_loss(torch.tensor([1.5, 0.0]), torch.rand(2))
    with pytest.raises(ValueError, match='does not match'):
        driver_loss(torch.rand(3), torch.rand(4))


def _toy_tensors(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 3, 32, 32, generator=g)
    y = torch.tensor([0, 1, 2, 3, 3, 5, 5, 9])
    xm = torch.randn(6, 3, 32, 32, generator=g)
    ym = torch.tensor([0, 2, 4, 5, 7, 9])
    return x, y, xm, ym


def test_virtual_step_matches_copy_and_sgd_step():
    model = build_model()
    model.train()
    ref = copy.deepcopy(model)
    x, y, xm, ym = _toy_tensors(model)
    w = torch.linspace(0.5, 1.5, 10)
    lr = 0.1
    buffers_before = {n: b.clone() for n, b in model.named_buffers()}

    params = model.classifier_parameters()
    per_sample = model.per_sample_loss(model(x, mode='tensor'), y)
    phi_hat = model.virtual_params(per_sample, w[y], params,
                                   [lr] * len(params), create_graph=False)

    # explicit copy-and-step: the copy takes one plain SGD step on
    # mean(w_y * CE) (Eq. 9)
    opt = torch.optim.SGD([p for _, p in ref.classifier_parameters()], lr=lr)
    loss = (w[y] * F.cross_entropy(ref(x, mode='tensor'), y,
                                   reduction='none')).mean()
    loss.backward()
    opt.step()
    ref_params = dict(ref.classifier_parameters())
    assert set(phi_hat) == set(ref_params)
    for name, value in phi_hat.items():
        assert torch.allclose(value, ref_params[name], atol=1e-6), name
    moved = max((phi_hat[n] - p).abs().max().item() for n, p in params)
    assert moved > 1e-4  # the step did something

    # the functional forward with phi_hat = the stepped copy's forward
    buffers_mid = {n: b.clone() for n, b in model.named_buffers()}
    out_hat = forward_with_params(model, phi_hat, xm, mode='tensor')
    out_ref = ref(xm, mode='tensor')
    assert torch.allclose(out_hat, out_ref, atol=1e-5)
    # ... and leaves the real model's buffers (BN statistics) alone
    for n, b in model.named_buffers():
        assert torch.equal(b, buffers_mid[n]), n
    assert any(not torch.equal(b, buffers_before[n])
               for n, b in model.named_buffers()
               if n.endswith('running_mean'))


def test_virtual_step_function_checks_its_inputs():
    p = [torch.zeros(2), torch.ones(3)]
    g = [torch.ones(2), torch.ones(3)]
    out = virtual_step(p, g, [0.5, 2.0])
    assert torch.equal(out[0], torch.full((2, ), -0.5))
    assert torch.equal(out[1], torch.full((3, ), -1.0))
    with pytest.raises(ValueError, match='learning rates'):
        virtual_step(p, g, [0.1])
    with pytest.raises(ValueError, match='no gradient'):
        virtual_step(p, [None, g[1]], [0.1, 0.1])


def _meta_loss_of_w(model, w, x, y, xm, ym, lr):
    """L_meta(phi_hat(w)) written out with functional_call alone."""
    names, phi = zip(*model.classifier_parameters())
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    logits = functional_call(model, buffers, (x, ), {'mode': 'tensor'})
    loss = (w[y] * F.cross_entropy(logits, y, reduction='none')).mean()
    grads = torch.autograd.grad(loss, phi, create_graph=True)
    hat = {n: p - lr * g for n, p, g in zip(names, phi, grads)}
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    out = functional_call(model, {**buffers, **hat}, (xm, ),
                          {'mode': 'tensor'})
    return F.cross_entropy(out, ym)


@pytest.mark.parametrize('impl,reuse', [('forward_ad', True),
                                        ('forward_ad', False),
                                        ('double_backward', False)])
def test_meta_weight_gradient_matches_finite_differences(impl, reuse):
    """``reuse``: the forward-mode pass takes the convolution and linear
    outputs of the training forward (ForwardOutputCache), as train_step
    does by default."""
    model = build_model(meta_grad_impl=impl).double()
    model.train()
    x, y, xm, ym = _toy_tensors(model, seed=1)
    x, xm = x.double(), xm.double()
    w = torch.linspace(0.5, 1.5, 10, dtype=torch.float64)
    lr = 0.5
    params = model.classifier_parameters()
    cache = ForwardOutputCache(model.modules()) if reuse else None
    with cache.record() if reuse else nullcontext():
        per_sample = model.per_sample_loss(model(x, mode='tensor'), y)
    grad_w, loss_meta = model.meta_weight_gradient(
        x, y, per_sample, w.clone(), xm, ym, [lr] * len(params),
        forward_outputs=cache)
    assert torch.isclose(loss_meta, _meta_loss_of_w(model, w, x, y, xm, ym,
                                                    lr).detach())
    # classes 4, 6, 7, 8 have no training sample in the batch: w_c does not
    # enter the virtual step, its gradient is exactly 0
    assert torch.equal(grad_w[[4, 6, 7, 8]], torch.zeros(4, dtype=w.dtype))
    assert grad_w.abs().max() > 1e-6
    # ReLU kinks make larger steps inaccurate; in float64 1e-7 is clean
    eps = 1e-7
    for c in (0, 3, 5, 9):
        e = torch.zeros_like(w)
        e[c] = eps
        fd = (_meta_loss_of_w(model, w + e, x, y, xm, ym, lr) -
              _meta_loss_of_w(model, w - e, x, y, xm, ym, lr)) / (2 * eps)
        fd = float(fd)
        assert float(grad_w[c]) == pytest.approx(fd, rel=1e-5,
                                                 abs=1e-9), c


def test_forward_ad_and_double_backward_agree():
    out = {}
    for impl in ('forward_ad', 'double_backward'):
        model = build_model(meta_grad_impl=impl)
        model.train()
        x, y, xm, ym = _toy_tensors(model, seed=2)
        params = model.classifier_parameters()
        per_sample = model.per_sample_loss(model(x, mode='tensor'), y)
        out[impl] = model.meta_weight_gradient(
            x, y, per_sample, torch.linspace(0.5, 1.5, 10), xm, ym,
            [0.1] * len(params))[0]
    assert torch.allclose(out['forward_ad'], out['double_backward'],
                          rtol=1e-4, atol=1e-8)


def _reference_theta_grad(model, x, y, xm, ym, lr, lam, detach=False):
    """d(lambda * L_dr + L_meta)/d theta, the literal construction (Eq. 10):
    w(theta) -> create_graph virtual step -> functional meta forward.
    ``detach``: the official code's detached weights in the virtual step."""
    acc = model.class_accuracy
    d = model.difficulty_net(acc)
    w = d.numel() * d / d.sum()
    target = 1 - acc / (acc.sum() + 1e-12)
    ldr = ((target - d)**2).mean()
    total = lam * ldr + _meta_loss_of_w(model, w.detach() if detach else w,
                                        x, y, xm, ym, lr)
    return torch.autograd.grad(total, list(model.difficulty_net.parameters()))


def _spy_d_step(model, ow):
    """Record D's gradients each time its optimiser steps."""
    seen = []
    d_wrapper = ow['difficulty_net']
    real_step = d_wrapper.step

    def spy_step(**kwargs):
        seen.append([p.grad.clone()
                     for p in model.difficulty_net.parameters()])
        real_step(**kwargs)

    d_wrapper.step = spy_step
    return seen


@pytest.mark.parametrize('impl', ['forward_ad', 'double_backward'])
def test_train_step_updates_theta_and_phi_as_eqs_9_to_11(impl):
    model = build_model(meta_grad_impl=impl, driver_loss_weight=0.3)
    model.set_class_accuracy(torch.linspace(0.1, 0.9, 10))
    lr = 0.1
    ow = build_optim(model, cls_optim=dict(type='SGD', lr=lr),
                     d_optim=dict(type='SGD', lr=1e-2))
    y = [0, 1, 2, 3, 3, 5, 5, 9]
    ym = [0, 2, 4, 5, 7, 9]
    batch = raw_batch(y, seed=0)
    batch['meta_batch'] = raw_batch(ym, seed=1)
    model.train()
    pre = model.data_preprocessor(dict(batch), True)
    meta = model.data_preprocessor(batch['meta_batch'], False)
    yt, ymt = torch.tensor(y), torch.tensor(ym)
    ref_theta = _reference_theta_grad(model, pre['inputs'], yt,
                                      meta['inputs'], ymt, lr, 0.3)
    phi0 = {n: p.detach().clone() for n, p in model.classifier_parameters()}
    theta0 = [p.detach().clone() for p in model.difficulty_net.parameters()]
    # the real-step gradient at phi_t, computed on a copy before the step
    ref = copy.deepcopy(model)

    seen = _spy_d_step(model, ow)
    log = model.train_step(batch, ow)
    assert set(log) >= {'loss', 'loss_driver', 'loss_meta'}
    for got, want in zip(seen[0], ref_theta):
        assert torch.allclose(got, want, rtol=1e-3, atol=1e-7)
    for p, p0, g in zip(model.difficulty_net.parameters(), theta0, seen[0]):
        assert torch.allclose(p, p0 - 1e-2 * g)

    # Eq. 11: phi_{t+1} = phi_t - alpha * grad mean(w(theta_{t+1}) * CE)
    with torch.no_grad():
        ref.difficulty_net.load_state_dict(model.difficulty_net.state_dict())
        w_new = ref.class_weights()
    loss = (w_new[yt] * F.cross_entropy(ref(pre['inputs'], mode='tensor'),
                                        yt, reduction='none')).mean()
    names, phi = zip(*ref.classifier_parameters())
    grads = torch.autograd.grad(loss, phi)
    now = dict(model.classifier_parameters())
    for n, g in zip(names, grads):
        assert torch.allclose(now[n], phi0[n] - lr * g, atol=1e-6), n


@pytest.mark.parametrize('impl', ['forward_ad', 'double_backward'])
def test_meta_gradient_of_theta_is_nonzero_with_meta_grad_zero_without(impl):
    """The meta loss's gradient w.r.t. D's parameters, built by the model's
    own code (``difficulty_net_gradient``, lambda = 0 so that the meta loss
    is all there is): with meta_grad=True it is the literal construction's
    (create_graph virtual step, Eq. 10) and non-zero; with meta_grad=False
    the virtual step sees detached weights, as in the official code, and it
    is exactly zero. ``train_step`` hands D exactly that gradient, so D
    moves in the first case only."""
    y = [0, 1, 2, 3, 3, 5, 5, 9]
    ym = [0, 2, 4, 5, 7, 9]
    lr = 0.1
    for meta_grad in (True, False):
        model = build_model(meta_grad=meta_grad, meta_grad_impl=impl,
                            driver_loss_weight=0.0)
        model.set_class_accuracy(torch.linspace(0.1, 0.9, 10))
        model.train()
        batch = raw_batch(y, seed=0)
        batch['meta_batch'] = raw_batch(ym, seed=1)
        x = model.data_preprocessor(dict(batch), True)['inputs']
        xm = model.data_preprocessor(batch['meta_batch'], False)['inputs']
        yt, ymt = torch.tensor(y), torch.tensor(ym)
        params = model.classifier_parameters()
        per_sample = model.per_sample_loss(model(x, mode='tensor'), yt)
        grads, log = model.difficulty_net_gradient(
            model.class_accuracy,
            dict(inputs=x, labels=yt, per_sample_loss=per_sample,
                 meta_inputs=xm, meta_labels=ymt, lrs=[lr] * len(params)))
        literal = _reference_theta_grad(model, x, yt, xm, ymt, lr, lam=0.0,
                                        detach=not meta_grad)
        norm = sum(float(g.abs().sum()) for g in grads)
        # dL_meta/dw itself is non-zero either way: only the wiring differs
        assert log['meta_grad_w_norm'] > 0
        if meta_grad:
            assert norm > 0
            for got, want in zip(grads, literal):
                assert torch.allclose(got, want, rtol=1e-3, atol=1e-7)
        else:
            assert norm == 0.0
            assert all(float(g.abs().sum()) == 0.0 for g in literal)

        # train_step gives D this gradient (lambda = 0: nothing else)
        ow = build_optim(model, d_optim=dict(type='Adam', lr=1e-2,
                                             weight_decay=0.0))
        seen = _spy_d_step(model, ow)
        theta0 = [p.detach().clone()
                  for p in model.difficulty_net.parameters()]
        log = model.train_step(batch, ow)
        assert ('loss_meta' in log) == meta_grad
        for got, want in zip(seen[0], grads):
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-9)
        moved = max((p - p0).abs().max().item() for p, p0 in zip(
            model.difficulty_net.parameters(), theta0))
        assert (moved > 0) == meta_grad

    # the same at the level of autograd: with detached weights the meta loss
    # has no path to theta
    model = build_model()
    model.train()
    x, yy, xm, ym = _toy_tensors(model)
    w = difficulty_class_weights(model.difficulty_net(model.class_accuracy))
    params = model.classifier_parameters()
    per_sample = model.per_sample_loss(model(x, mode='tensor'), yy)
    for detach, expect_zero in ((True, True), (False, False)):
        ww = w.detach() if detach else w
        hat = model.virtual_params(per_sample, ww[yy], params,
                                   [0.1] * len(params), create_graph=True)
        lm = F.cross_entropy(forward_with_params(model, hat, xm,
                                                 mode='tensor'), ym)
        theta = list(model.difficulty_net.parameters())
        grads = torch.autograd.grad(lm, theta, allow_unused=True,
                                    retain_graph=True)
        norm = sum(0.0 if g is None else g.abs().sum().item() for g in grads)
        assert (norm == 0.0) == expect_zero


def test_train_step_rejects_bad_setups():
    model = build_model()
    batch = raw_batch([0, 1], seed=0)
    ow = build_optim(model)
    with pytest.raises(RuntimeError, match='DifficultyNetHook'):
        model.train_step(dict(batch), ow)
    with pytest.raises(TypeError, match='OptimWrapperDict'):
        model.train_step(dict(batch, meta_batch=raw_batch([0], 1)),
                         ow['classifier'])
    with pytest.raises(ValueError, match='shape'):
        model.set_class_accuracy(torch.zeros(3))
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        model.set_class_accuracy(torch.full((10, ), 2.0))
    with pytest.raises(ValueError, match='meta_grad_impl'):
        build_model(meta_grad_impl='magic')
    with pytest.raises(ValueError, match='num_classes'):
        build_model(difficulty_net=dict(num_classes=7))
