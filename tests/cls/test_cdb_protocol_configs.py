"""The two CIFAR-100-LT r100 protocols of CDB: the paper's text
(``configs/cls/cdb/resnet32_cifar100-lt-r100_{ce,cdb-w-ce}.py``) and the
authors' code (``configs/cls/cdb/authors_code/``), checked against the
numbers of the paper (sec. 4.1) and of ``CIFAR-LT/cifar_train.py`` /
``CIFAR-LT/losses/cdb_loss.py`` in the authors' CDB-loss repository, on the
built model, optimizer and schedulers."""
import copy
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmengine.runner import Runner
from mmpretrain.registry import HOOKS, MODELS

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.datasets import long_tail_counts

CDB_DIR = osp.abspath(
    osp.join(osp.dirname(__file__), '..', '..', 'configs', 'cls', 'cdb'))
NAME = 'resnet32_cifar100-lt-r100_{}.py'
PAPER = {m: osp.join(CDB_DIR, NAME.format(m)) for m in ('ce', 'cdb-w-ce')}
AUTHORS = {m: osp.join(CDB_DIR, 'authors_code', NAME.format(m))
           for m in ('ce', 'cdb-w-ce')}


def _model(cfg):
    # the Runner gives the model the config's top-level data preprocessor
    return MODELS.build(dict(cfg.model,
                             data_preprocessor=cfg.data_preprocessor))


def _decay_by_name(cfg):
    """Weight decay of every parameter in the built optimizer."""
    model = _model(cfg)
    optimizer = build_optim_wrapper(model, copy.deepcopy(
        cfg.optim_wrapper)).optimizer
    group_of = {id(p): g for g in optimizer.param_groups for p in g['params']}
    decay = {n: group_of[id(p)]['weight_decay']
             for n, p in model.named_parameters()}
    assert len(decay) == sum(len(g['params'])
                             for g in optimizer.param_groups)
    return decay, optimizer


def _epoch_lrs(cfg, epochs):
    """lr during each epoch, from the configured epoch-based schedulers."""
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(),
                                lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = [PARAM_SCHEDULERS.build(dict(s, optimizer=optimizer))
                  for s in copy.deepcopy(cfg.param_scheduler)]
    lrs = []
    for _ in range(epochs):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for s in schedulers:
            s.step()
    return lrs


def _hooks(cfg):
    return {h.type: h for h in cfg.get('custom_hooks', [])}


def _heldout_per_class(cfg):
    """heldout_per_class of every data set of the config."""
    values = {
        'train': cfg.train_dataloader.dataset.heldout_per_class,
        'val_evaluator': cfg.val_evaluator.train_dataset.heldout_per_class,
        'test_evaluator': cfg.test_evaluator.train_dataset.heldout_per_class,
    }
    for name, hook in _hooks(cfg).items():
        values[name] = hook.dataloader.dataset.heldout_per_class
        assert hook.dataloader.dataset.split == 'heldout'
    return values


# ------------------------------------------------------------- paper text

@pytest.mark.parametrize('method', ['ce', 'cdb-w-ce'])
def test_paper_text_protocol(method):
    cfg = Config.fromfile(PAPER[method])
    # "ResNet-32 for 200 epochs using a batch size of 128 ... SGD with
    # momentum 0.9, weight decay 0.0001 and an initial learning rate of 0.1,
    # scaled down after 160 and 180 epochs"
    assert cfg.model.backbone.depth == 32
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.train_dataloader.batch_size == 128
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum) == ('SGD', 0.1, 0.9)
    decay, _ = _decay_by_name(cfg)
    assert set(decay.values()) == {1e-4}  # on every parameter
    # the factor is not in the paper; the config takes Cui et al.'s 0.01
    # with a 5-epoch linear warm-up
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 5)
    assert (steps.type, steps.milestones, steps.gamma) == (
        'MultiStepLR', [160, 180], 0.01)
    # "50 samples per class from the training set for difficulty
    # calculation", n_max = 450
    assert set(_heldout_per_class(cfg).values()) == {50}
    hooks = _hooks(cfg)
    assert 'HeldOutSelectionHook' not in hooks
    if method == 'cdb-w-ce':
        assert hooks['CDBClsHook'].tau == 'sigmoid'  # paper eq. 10
        assert hooks['CDBClsHook'].interval == 1  # "we use t=1"


def test_paper_text_classifier_keeps_mmpretrains_init():
    model = _model(Config.fromfile(PAPER['ce']))
    model.init_weights()
    assert torch.all(model.head.fc.bias == 0)


# ----------------------------------------------------------- authors' code

@pytest.mark.parametrize('method', ['ce', 'cdb-w-ce'])
def test_authors_code_protocol(method):
    cfg = Config.fromfile(AUTHORS[method])
    assert cfg.model.backbone.depth == 32
    # --max_epochs 240, --batch_size 32 (one GPU)
    assert cfg.train_cfg.max_epochs == 240
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.auto_scale_lr.base_batch_size == 32
    # SGD(params, lr=0.1, momentum=0.9); weight_decay 0 for
    # 'module.linear.bias', 5e-4 for every other parameter
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum) == ('SGD', 0.1, 0.9)
    decay, optimizer = _decay_by_name(cfg)
    assert decay.pop('head.fc.bias') == 0
    assert len(decay) > 90 and set(decay.values()) == {5e-4}
    # BatchNorm weights and biases decay too, as in their loop over
    # named_parameters
    assert decay['backbone.bn1.weight'] == decay['backbone.bn1.bias'] == 5e-4
    assert {g['momentum'] for g in optimizer.param_groups} == {0.9}
    # MultiStepLR(milestones=[160, 210], gamma=0.01), stepped every epoch,
    # no warm-up
    steps, = cfg.param_scheduler
    assert (steps.type, steps.by_epoch, steps.milestones, steps.gamma) == (
        'MultiStepLR', True, [160, 210], 0.01)
    lrs = _epoch_lrs(cfg, 240)
    assert lrs[0] == lrs[159] == 0.1
    assert lrs[160] == lrs[209] == pytest.approx(1e-3, rel=1e-12)
    assert lrs[210] == lrs[239] == pytest.approx(1e-5, rel=1e-12)
    # args.val_samples_per_class = 25 everywhere the split is defined
    assert set(_heldout_per_class(cfg).values()) == {25}
    # transforms.Normalize(mean=[0.485, 0.456, 0.406],
    #                      std=[0.229, 0.224, 0.225]) on [0, 1] images
    pre = _model(cfg).data_preprocessor
    assert pre.mean.flatten().tolist() == pytest.approx(
        [255 * m for m in (0.485, 0.456, 0.406)], rel=1e-6)
    assert pre.std.flatten().tolist() == pytest.approx(
        [255 * s for s in (0.229, 0.224, 0.225)], rel=1e-6)
    # the best mean held-out accuracy after every epoch is kept and tested
    selection = _hooks(cfg)['HeldOutSelectionHook']
    assert (selection.interval, selection.test_selected) == (1, True)
    assert selection.dataloader.batch_size == 256
    for hook in cfg.custom_hooks:
        HOOKS.build(copy.deepcopy(hook))


def test_authors_code_classifier_bias_is_the_prior_logit():
    cfg = Config.fromfile(AUTHORS['ce'])
    pi = 1 / 100
    b = -math.log((1 - pi) / pi)
    assert cfg.classifier_bias == pytest.approx(b, rel=1e-15)
    model = _model(cfg)
    model.init_weights()
    # model.linear.bias.data.fill_(b), in float32
    assert torch.equal(model.head.fc.bias.detach(),
                       torch.full((100, ), b, dtype=torch.float32))
    # sigmoid of the bias is pi: every class starts at probability 1/C
    assert torch.sigmoid(model.head.fc.bias[:1]).item() == pytest.approx(
        pi, rel=1e-6)


def test_authors_code_classifier_weight_is_torchs_linear_default():
    # their classifier is a fresh nn.Linear(64, C): kaiming_uniform_ with
    # a=sqrt(5), the same random draws in the same order
    head = MODELS.build(Config.fromfile(AUTHORS['ce']).model.head)
    torch.manual_seed(0)
    head.init_weights()
    torch.manual_seed(0)
    reference = torch.nn.Linear(64, 100)
    assert torch.equal(head.fc.weight.detach(), reference.weight.detach())
    assert head.fc.weight.abs().max() <= 1 / math.sqrt(64)


def test_authors_code_cdb_differs_from_ce_by_loss_and_hook():
    ce, cdb = (Config.fromfile(AUTHORS[m]) for m in ('ce', 'cdb-w-ce'))

    def strip(cfg):
        d = copy.deepcopy(cfg.to_dict())
        d.pop('custom_hooks')
        d['model']['head'].pop('loss')
        return d

    assert strip(ce) == strip(cdb)
    assert ce.model.head.loss.type == 'CrossEntropyLoss'
    assert (cdb.model.head.loss.type, cdb.model.head.loss.num_classes) == (
        'CDBLoss', 100)
    assert [h.type for h in ce.custom_hooks] == ['HeldOutSelectionHook']
    assert [h.type for h in cdb.custom_hooks] == [
        'HeldOutSelectionHook', 'CDBClsHook']
    assert cdb.custom_hooks[0] == ce.custom_hooks[0]
    difficulty = _hooks(cdb)['CDBClsHook']
    # cdb_loss.py: tau = sigmoid((1 - min d) / (1 - max d + 0.01)), measured
    # after every epoch (--validate_after_every 1)
    assert (difficulty.tau, difficulty.interval) == ('official_sigmoid', 1)
    assert difficulty.dataloader.dataset == \
        _hooks(cdb)['HeldOutSelectionHook'].dataloader.dataset


@pytest.mark.parametrize('method', ['ce', 'cdb-w-ce'])
def test_authors_code_config_builds_in_a_runner(method, tmp_path):
    cfg = Config.fromfile(AUTHORS[method])
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = f'authors_code_{method}_{tmp_path.name}'
    cfg.visualizer.name = cfg.experiment_name
    runner = Runner.from_cfg(cfg)
    # (the data sets are not built: CIFAR-100 cannot be downloaded here)
    built = [type(h).__name__ for h in runner.hooks]
    assert 'HeldOutSelectionHook' in built
    assert ('CDBClsHook' in built) == (method == 'cdb-w-ce')
    runner.model.init_weights()
    assert runner.model.head.fc.bias.detach().unique().tolist() == \
        pytest.approx([-math.log(99)], rel=1e-6)


def test_authors_code_training_counts_follow_their_create_imbalance():
    cfg = Config.fromfile(AUTHORS['ce'])
    dataset = cfg.train_dataloader.dataset
    # data_preprocessing.py: sep_train_val keeps 500 - 25 images per class,
    # create_imbalance takes int(475 * (1 / imbalance) ** (cls / 99))
    per_class = 500 - dataset.heldout_per_class
    imb = 1 / dataset.imbalance_ratio
    theirs = [int(per_class * imb**(cls / 99)) for cls in range(100)]
    assert long_tail_counts(per_class, 100, dataset.imbalance_ratio) == \
        theirs
    assert (theirs[0], theirs[-1], sum(theirs)) == (475, 4, 10302)
