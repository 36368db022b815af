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


def _softmax_focal_float64(x, y, w, gamma):
    """Float64 eq. 14 with ``1 - p_y`` as the other classes' softmax mass and
    ``log p_y = log1p(-(1 - p_y))``, accurate where ``p_y`` is near 1."""
    p = F.softmax(x.double(), 1)
    rows = torch.arange(len(y))
    others = p.clone()
    others[rows, y] = 0
    rest = others.sum(1)
    logp = torch.where(rest < 0.5, torch.log1p(-rest.clamp(max=0.5)),
                       p[rows, y].log())
    return -w.double()[y] * rest**gamma * logp


def _bce64(x, t):
    """Float64 binary cross-entropy of logits, -log sigmoid(x) for t = 1 and
    -log(1 - sigmoid(x)) for t = 0, each as log1p(exp(.))."""
    return t * torch.log1p(torch.exp(-x)) + (1 - t) * torch.log1p(
        torch.exp(x))


@pytest.mark.parametrize('gamma', [0.25, 0.5])
@pytest.mark.parametrize('gap', [17.0, 30.0, 100.0])
def test_focal_gradient_is_finite_at_saturated_logits_for_gamma_below_1(
        gamma, gap):
    # a float32 p_y rounds to 1 from a logit gap of ~17 on; (1 - p)^gamma
    # then has an infinite derivative for 0 < gamma < 1
    x = torch.tensor([[gap, 0.0, -1.0], [0.0, -2.0, gap], [1.0, 0.5, 0.0]],
                     requires_grad=True)
    y = torch.tensor([0, 2, 1])
    w = torch.tensor([0.5, 1.0, 3.0])
    loss = cdb_softmax_focal_loss(x, y, w, gamma=gamma)
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(x.grad).all()
    # value and gradient match float64, the saturated samples included (what
    # float32 cannot hold, below ~1e-38, is 0)
    x64 = x.detach().double().requires_grad_(True)
    ref = _softmax_focal_float64(x64, y, w, gamma)
    ref.sum().backward()
    torch.testing.assert_close(loss.double(), ref, rtol=1e-5, atol=1e-37)
    torch.testing.assert_close(x.grad.double(), x64.grad, rtol=1e-5,
                               atol=1e-7)
    assert loss[0] > 0 if gap < 50 else loss[0] == 0

    xs = torch.tensor([[gap, -gap], [-gap, gap]], requires_grad=True)
    t = torch.tensor([0, 2])  # 2 = background
    ws = torch.tensor([2.0, 0.5])
    ls = cdb_sigmoid_focal_loss(xs, t, ws, gamma=gamma, alpha=0.25)
    ls.sum().backward()
    assert torch.isfinite(ls).all() and torch.isfinite(xs.grad).all()
    xs64 = xs.detach().double().requires_grad_(True)
    onehot = torch.tensor([[1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    pt = torch.sigmoid(xs64 * (1 - 2 * onehot))
    a = 0.25 * onehot + 0.75 * (1 - onehot)
    ref_s = a * pt**gamma * _bce64(xs64, onehot) * ws.double()[None, :]
    ref_s.sum().backward()
    torch.testing.assert_close(ls.double(), ref_s, rtol=1e-5, atol=1e-37)
    torch.testing.assert_close(xs.grad.double(), xs64.grad, rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize('gamma', [0.0, 0.25, 0.5, 1.0, 2.0])
def test_focal_matches_float64_away_from_saturation(gamma):
    g = torch.Generator().manual_seed(0)
    x = (3 * torch.randn(16, 5, generator=g)).requires_grad_(True)
    y = torch.randint(0, 5, (16, ), generator=g)
    w = torch.rand(5, generator=g) + 0.5
    loss = cdb_softmax_focal_loss(x, y, w, gamma=gamma)
    loss.sum().backward()
    x64 = x.detach().double().requires_grad_(True)
    ref = _softmax_focal_float64(x64, y, w, gamma)
    ref.sum().backward()
    torch.testing.assert_close(loss.double(), ref, rtol=2e-6, atol=1e-12)
    torch.testing.assert_close(x.grad.double(), x64.grad, rtol=1e-5,
                               atol=1e-7)

    # sigmoid form: alpha_t * pt^gamma * BCE, in float64 with
    # pt = sigmoid(-x) for the target class and sigmoid(x) for the others
    t = torch.randint(0, 6, (16, ), generator=g)  # 5 = background
    xs = x.detach().clone().requires_grad_(True)
    ls = cdb_sigmoid_focal_loss(xs, t, w, gamma=gamma, alpha=0.25)
    ls.sum().backward()
    xs64 = xs.detach().double().requires_grad_(True)
    onehot = F.one_hot(t, 6)[:, :5].double()
    pt = torch.sigmoid(xs64 * (1 - 2 * onehot))
    a = 0.25 * onehot + 0.75 * (1 - onehot)
    ref_s = a * pt**gamma * _bce64(xs64, onehot) * w.double()[None, :]
    ref_s.sum().backward()
    torch.testing.assert_close(ls.double(), ref_s, rtol=2e-6, atol=1e-12)
    torch.testing.assert_close(xs.grad.double(), xs64.grad, rtol=1e-5,
                               atol=1e-7)


def test_softmax_focal_needs_two_outputs():
    with pytest.raises(ValueError, match='at least 2 outputs'):
        cdb_softmax_focal_loss(torch.zeros(2, 1), torch.tensor([0, 0]),
                               torch.ones(1))
