"""IWB two-stage pipeline with real mmpretrain models and mmengine Runners.

Stage 1 trains a plain CE classifier on toy long-tailed CIFAR-10; stage 2
loads its checkpoint with ``load_from``, freezes the encoder (BatchNorm
statistics included) and trains only ``head.fc`` with class-balanced CE +
the weight-norm KL; the norm recorder writes JSON in both stages.
"""
import copy
import json
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.class_counts import dataset_class_counts
from toy_cfg_plain import toy_cfg

STAGE1 = 'toy_iwb_stage1_cifar10-lt.py'
STAGE2 = 'toy_iwb_stage2_cifar10-lt.py'
HEAD_PARAMS = {'head.fc.weight', 'head.fc.bias'}


@pytest.fixture(scope='module')
def stage1(toy_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('iwb_stage1'))
    cfg = toy_cfg(STAGE1, toy_root, work)
    runner = Runner.from_cfg(cfg)
    runner.train()
    counts = dataset_class_counts(runner.train_dataloader.dataset)
    return dict(work_dir=work, ckpt=osp.join(work, 'epoch_2.pth'),
                counts=counts)


def _model(config_name):
    cfg = toy_cfg(config_name, '/nonexistent', '/nonexistent')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['data_preprocessor'] = cfg.data_preprocessor
    return MODELS.build(model_cfg)


def _set_counts(model, counts):
    for m in model.modules():
        if hasattr(m, 'set_class_counts'):
            m.set_class_counts(counts)


def _batch(n=6, num_classes=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, 32, 32), generator=g,
                            dtype=torch.uint8) for _ in range(n)]
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def test_frozen_encoder_trains_only_the_linear_classifier():
    model = _model(STAGE2)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == HEAD_PARAMS
    model.train()
    bns = [m for m in model.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert bns and not any(m.training for m in bns)
    assert model.head.training and model.training


def test_kl_gradient_reaches_only_the_classifier():
    model = _model(STAGE2)
    _set_counts(model, list(range(10, 0, -1)))
    model.train()
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    losses['loss_kl'].backward()
    grads = {n for n, p in model.named_parameters()
             if p.grad is not None and p.grad.abs().sum() > 0}
    # the KL depends on W only (through |W|); bias and encoder get nothing
    assert grads == {'head.fc.weight'}


def test_stage2_step_keeps_encoder_and_bn_statistics():
    model = _model(STAGE2)
    _set_counts(model, list(range(10, 0, -1)))
    before = copy.deepcopy(model.state_dict())
    optim = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.5)
    model.train()
    for seed in range(2):
        log = model.train_step(_batch(seed=seed), OptimWrapper(optim))
        assert set(log) >= {'loss', 'loss_kl'}
    after = model.state_dict()
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    # only the classifier moved: no backbone weight, no BN running stat,
    # no num_batches_tracked
    assert changed == HEAD_PARAMS

    # control: a forward pass of the stage-1 (plain) model in train mode
    # does move BN statistics, so the check above can fail
    plain = _model(STAGE1)
    plain.train()
    bn_before = {k: v.clone() for k, v in plain.state_dict().items()
                 if 'running' in k}
    plain(**plain.data_preprocessor(_batch(), True), mode='loss')
    moved = [k for k, v in plain.state_dict().items()
             if 'running' in k and not torch.equal(v, bn_before[k])]
    assert moved


def test_stage1_records_weight_norms(stage1):
    with open(osp.join(stage1['work_dir'], 'weight_norms.json')) as f:
        rec = json.load(f)
    assert rec['param'] == 'head.fc.weight'
    assert rec['class_counts'] == stage1['counts'].tolist()
    assert [r['epoch'] for r in rec['records']] == [0, 1, 2]
    ckpt = torch.load(stage1['ckpt'], map_location='cpu',
                      weights_only=False)
    final = ckpt['state_dict']['head.fc.weight'].norm(dim=1)
    assert np.allclose(rec['records'][-1]['norms'], final.numpy(),
                       rtol=1e-6)
    assert all(r['spearman_vs_counts'] is not None for r in rec['records'])


def test_stage2_loads_stage1_and_changes_only_the_classifier(
        stage1, toy_root, tmp_path):
    cfg = toy_cfg(STAGE2, toy_root, str(tmp_path))
    cfg.load_from = stage1['ckpt']
    runner = Runner.from_cfg(cfg)
    runner.train()

    model = runner.model
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == HEAD_PARAMS
    # counts came from the training set into both the head (NC) and loss
    assert model.head.class_counts.tolist() == stage1['counts'].tolist()
    assert model.head.loss_module.class_counts.tolist() == \
        stage1['counts'].tolist()
    assert runner.message_hub.get_scalar('train/loss_kl') is not None

    s1 = torch.load(stage1['ckpt'], map_location='cpu',
                    weights_only=False)['state_dict']
    s2 = model.state_dict()
    for k, v in s1.items():
        if k in HEAD_PARAMS:
            assert not torch.equal(s2[k], v), f'{k} did not train'
        else:  # backbone weights and BN running stats of stage 1, exactly
            assert torch.equal(s2[k], v), f'{k} changed in stage 2'

    with open(osp.join(str(tmp_path), 'weight_norms.json')) as f:
        rec = json.load(f)
    assert [r['epoch'] for r in rec['records']] == [0, 1, 2]
    # the first record is the loaded stage-1 classifier
    assert np.allclose(rec['records'][0]['norms'],
                       s1['head.fc.weight'].norm(dim=1).numpy(), rtol=1e-6)
    assert np.allclose(rec['records'][-1]['norms'],
                       s2['head.fc.weight'].norm(dim=1).numpy(), rtol=1e-6)


def test_norm_recorder_resume_replaces_later_records(stage1, toy_root,
                                                      tmp_path):
    work = str(tmp_path / 'resumed')
    shutil.copytree(stage1['work_dir'], work)
    with open(osp.join(work, 'weight_norms.json')) as f:
        first = json.load(f)['records']
    cfg = toy_cfg(STAGE1, toy_root, work)
    cfg.load_from, cfg.resume = osp.join(work, 'epoch_1.pth'), True
    Runner.from_cfg(cfg).train()
    with open(osp.join(work, 'weight_norms.json')) as f:
        again = json.load(f)['records']
    # epoch 0 kept, epoch 1 re-recorded from the resumed weights, epoch 2
    # trained again
    assert [r['epoch'] for r in again] == [0, 1, 2]
    assert again[0] == first[0]
    assert np.allclose(again[1]['norms'], first[1]['norms'], rtol=1e-6)
