"""The baseline configs (CIFAR-100-LT r100, ResNet-32): each is the CE
baseline with only its method changed, and builds the right components
with the papers' settings."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.registry import MODELS

import lt_plugins.cls  # noqa: F401
import lt_plugins.cls.backbones  # noqa: F401

CFG = osp.abspath(
    osp.join(osp.dirname(__file__), '..', '..', 'configs', 'cls'))
CE = osp.join(CFG, 'cdb', 'resnet32_cifar100-lt-r100_ce.py')


def _cfg(name):
    return Config.fromfile(
        osp.join(CFG, 'baselines', f'resnet32_cifar100-lt-r100_{name}.py'))


def _without(cfg, *keys):
    """The config as a dict, without the dotted ``keys``."""
    d = copy.deepcopy(cfg.to_dict())
    for key in keys:
        *parents, last = key.split('.')
        node = d
        for p in parents:
            node = node[p]
        node.pop(last, None)
    return d


@pytest.mark.parametrize('name, changed', [
    ('logit-adjusted-loss', ['model.head.loss', 'custom_hooks']),
    ('balanced-softmax', ['model.head.loss', 'custom_hooks']),
    ('posthoc-logit-adjustment', ['model.head.type', 'model.head.tau',
                                  'custom_hooks']),
    ('tau-norm', ['model.head.type', 'model.head.tau',
                  'model.head.keep_bias']),
    ('ldam-drw', ['model.head', 'custom_hooks',
                  'optim_wrapper.optimizer.weight_decay']),
    ('crt', ['model.type', 'model.trainable', 'load_from',
             'train_dataloader.sampler', 'optim_wrapper', 'param_scheduler',
             'train_cfg']),
])
def test_baseline_config_is_ce_plus_its_method(name, changed):
    assert _without(_cfg(name), *changed) == _without(
        Config.fromfile(CE), *changed)


def test_logit_adjustment_and_balanced_softmax_models():
    head = MODELS.build(_cfg('logit-adjusted-loss').model).head
    assert type(head.loss_module).__name__ == 'LogitAdjustedLoss'
    assert head.loss_module.tau == 1.0
    head = MODELS.build(_cfg('balanced-softmax').model).head
    assert type(head.loss_module).__name__ == 'BalancedSoftmaxLoss'
    for name in ('logit-adjusted-loss', 'balanced-softmax',
                 'posthoc-logit-adjustment', 'ldam-drw'):
        assert _cfg(name).custom_hooks == [dict(type='ClassCountsHook')]


def test_posthoc_and_tau_norm_heads():
    head = MODELS.build(_cfg('posthoc-logit-adjustment').model).head
    assert type(head).__name__ == 'PostHocLogitAdjustedHead'
    assert head.tau == 1.0
    assert type(head.loss_module).__name__ == 'CrossEntropyLoss'
    head = MODELS.build(_cfg('tau-norm').model).head
    assert type(head).__name__ == 'TauNormClsHead'
    assert (head.tau, head.keep_bias) == (1.0, False)


def test_ldam_drw_follows_cao_et_al():
    cfg = _cfg('ldam-drw')
    head = MODELS.build(cfg.model).head
    loss = head.loss_module
    assert type(head).__name__ == 'ALAHead' and head.scale == 30.0
    assert type(loss).__name__ == 'LDAMLoss'
    assert (loss.max_margin, loss.drw_epoch, loss.drw_iter, loss.drw_beta,
            loss.drw_avg_by) == (0.5, 160, None, 0.9999, 'weights')
    # the CDB paper schedule = the LDAM-DRW CIFAR recipe, weight decay 2e-4
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.optim_wrapper.optimizer.lr == 0.1
    assert cfg.optim_wrapper.optimizer.weight_decay == 2e-4
    assert cfg.param_scheduler[1].milestones == [160, 180]
    assert cfg.train_dataloader.batch_size == 128
    # DRW starts inside the run
    loss.check_drw_schedule(cfg.train_cfg.max_epochs, None)
    # a run shortened without moving drw_epoch fails, and says how to
    # shorten it on purpose
    with pytest.raises(ValueError, match=r'drw_epoch=160.* 2 epoch.*'
                       r'model\.head\.loss\.drw_epoch=None'):
        loss.check_drw_schedule(2, None)

    # the learning rate of Cao et al.'s code (cifar_train.py,
    # adjust_learning_rate, 0-based epoch e): linear warm-up over 5
    # epochs, then 0.1, x0.01 from epoch 160 and again from 180
    def cao_lr(e):
        if e < 5:
            return 0.1 * (e + 1) / 5
        return 0.1 * (1e-4 if e >= 180 else 1e-2 if e >= 160 else 1.0)

    sched = cfg.param_scheduler
    assert [s.type for s in sched] == ['LinearLR', 'MultiStepLR']
    assert (sched[0].begin, sched[0].end, sched[0].by_epoch) == (0, 5, True)
    assert (sched[1].gamma, sched[1].by_epoch) == (0.01, True)
    lrs = _lr_at_epoch_starts(cfg, cfg.train_cfg.max_epochs)
    assert lrs[5:] == pytest.approx([cao_lr(e) for e in range(5, 200)],
                                    rel=1e-9)
    # 5 warm-up epochs, linear (per iteration here, per epoch in Cao et
    # al.'s code), at lr 0.1 from epoch 5 on
    warm = torch.tensor(lrs[:5], dtype=torch.float64)
    assert (warm < 0.1).all() and lrs[5] == pytest.approx(0.1)
    steps = warm.diff()
    assert (steps > 0).all()
    assert torch.allclose(steps, steps[0].expand(4), rtol=1e-9)


def _lr_at_epoch_starts(cfg, num_epochs, iters_per_epoch=4):
    """The lr of the first iteration of every epoch, from mmengine's
    schedulers built from ``cfg.param_scheduler`` and stepped as
    ``ParamSchedulerHook`` steps them (iteration-based ones after every
    iteration, epoch-based ones after every epoch)."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    by_iter, by_epoch = [], []
    for s in copy.deepcopy(cfg.param_scheduler):
        s = dict(s)
        cls = PARAM_SCHEDULERS.get(s.pop('type'))
        if s.pop('convert_to_iter_based', False):
            s.pop('by_epoch')
            by_iter.append(cls.build_iter_from_epoch(
                optimizer, epoch_length=iters_per_epoch, **s))
        else:
            by_epoch.append(cls(optimizer, **s))
    lrs = []
    for _ in range(num_epochs):
        lrs.append(optimizer.param_groups[0]['lr'])
        for _ in range(iters_per_epoch):
            optimizer.step()
            for s in by_iter:
                s.step()
        for s in by_epoch:
            s.step()
    return lrs


def test_crt_retrains_only_the_classifier_with_balanced_sampling():
    cfg = _cfg('crt')
    model = MODELS.build(cfg.model)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['head.fc.weight', 'head.fc.bias']
    assert cfg.train_dataloader.sampler == dict(type='CDBSampler',
                                                fixed_weights=True)
    assert cfg.load_from.endswith('resnet32_cifar100-lt-r100_ce/epoch_200.pth')
