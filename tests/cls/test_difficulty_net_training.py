"""Difficulty-Net with real mmengine Runners on toy long-tailed CIFAR-10:
stage-1 training, resume of both optimisers, decoupled cRT/LWS/LAS stage 2.
"""
import copy
import os.path as osp
import sys

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner

from lt_plugins.cls.difficulty_net import DifficultyNetHook, driver_loss

sys.path.insert(0, osp.dirname(__file__))
from dnet_toy import toy_cfg  # noqa: E402


class _Record(Hook):
    """Records what the runner holds right after load/resume and each
    iteration's log variables."""
    priority = 'LOWEST'

    def __init__(self):
        self.at_start = None
        self.logs = []
        self.accuracy_per_epoch = []

    def before_train(self, runner):
        model = runner.model
        self.at_start = dict(
            optim=copy.deepcopy(runner.optim_wrapper.state_dict()),
            accuracy=model.class_accuracy.clone(),
            params={k: v.clone() for k, v in model.state_dict().items()})

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.logs.append({k: float(v) for k, v in outputs.items()})

    def after_train_epoch(self, runner):
        self.accuracy_per_epoch.append(runner.model.class_accuracy.clone())


@pytest.fixture(scope='module')
def stage1(toy_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('dnet_stage1'))
    cfg = toy_cfg('toy_difficulty_net.py', toy_root, work)
    runner = Runner.from_cfg(cfg)
    rec = _Record()
    runner.register_hook(rec)
    theta0 = {k: v.clone() for k, v in
              runner.model.difficulty_net.state_dict().items()}
    runner.train()
    return dict(runner=runner, rec=rec, theta0=theta0, work=work,
                ckpt=osp.join(work, 'epoch_2.pth'))


def test_stage1_trains_with_the_meta_update(stage1):
    runner, rec = stage1['runner'], stage1['rec']
    model = runner.model
    assert isinstance(runner.optim_wrapper, OptimWrapperDict)
    assert set(runner.optim_wrapper.keys()) == {'classifier',
                                                'difficulty_net'}
    # before the first measurement A = 0 (SPEC 2)
    assert torch.equal(rec.at_start['accuracy'], torch.zeros(10))
    assert rec.logs and all({'loss', 'loss_meta', 'loss_driver'} <= set(l)
                            for l in rec.logs)
    assert all(l['meta_grad_w_norm'] > 0 for l in rec.logs)
    theta = model.difficulty_net.state_dict()
    assert any(not torch.equal(theta[k], v)
               for k, v in stage1['theta0'].items())
    # D's optimiser holds Adam state, the classifier's SGD momentum
    optim = runner.optim_wrapper.state_dict()
    assert optim['difficulty_net']['state']
    assert 'exp_avg' in optim['difficulty_net']['state'][0]
    assert 'momentum_buffer' in optim['classifier']['state'][0]
    assert len(rec.accuracy_per_epoch) == 2


def test_hook_accuracy_is_the_per_class_accuracy_on_the_meta_split(stage1):
    runner = stage1['runner']
    model = runner.model
    hook = next(h for h in runner.hooks if isinstance(h, DifficultyNetHook))
    # recompute by hand over the held-out split with the final model
    hits, counts = torch.zeros(10), torch.zeros(10)
    model.eval()
    with torch.no_grad():
        for i in range(len(hook._accuracy_loader.dataset)):
            item = hook._accuracy_loader.dataset[i]
            batch = dict(inputs=[item['inputs']],
                         data_samples=[item['data_samples']])
            data = model.data_preprocessor(batch, False)
            pred = model(data['inputs'], mode='tensor').argmax(1)
            y = int(item['data_samples'].gt_label)
            hits[y] += float(pred.item() == y)
            counts[y] += 1
    model.train()
    assert torch.all(counts == 10)  # 10 held-out images per class
    assert torch.allclose(model.class_accuracy, hits / counts)
    ckpt = torch.load(stage1['ckpt'], map_location='cpu',
                      weights_only=False)
    assert torch.allclose(ckpt['state_dict']['class_accuracy'],
                          model.class_accuracy)


def test_official_variant_trains_d_by_the_driver_loss_only(
        toy_root, tmp_path):
    """meta_grad=False (official code): over one epoch (A = 0 throughout)
    D's parameters follow Adam on lambda * L_dr alone, step for step."""
    runner = Runner.from_cfg(toy_cfg(
        'toy_difficulty_net_official.py', toy_root, str(tmp_path),
        **{'train_cfg.max_epochs': 1}))
    rec = _Record()
    runner.register_hook(rec)
    replay = copy.deepcopy(runner.model.difficulty_net)
    runner.train()
    assert rec.logs and all('loss_meta' not in log for log in rec.logs)
    optim = torch.optim.Adam(replay.parameters(), lr=1e-3,
                             weight_decay=1e-4)
    zeros = torch.zeros(10)
    for _ in rec.logs:
        optim.zero_grad()
        (0.3 * driver_loss(zeros, replay(zeros))).backward()
        optim.step()
    got = runner.model.difficulty_net.state_dict()
    for k, v in replay.state_dict().items():
        assert torch.allclose(got[k], v, atol=1e-7), k
    assert runner.model.class_accuracy.sum() > 0


def test_resume_restores_both_optimisers_and_the_accuracy(
        toy_root, tmp_path):
    work = str(tmp_path)
    first = Runner.from_cfg(toy_cfg('toy_difficulty_net.py', toy_root, work,
                                    **{'train_cfg.max_epochs': 1}))
    first.train()
    ckpt_path = osp.join(work, 'epoch_1.pth')
    ckpt = torch.load(ckpt_path, map_location='cpu',
                      weights_only=False)
    assert set(ckpt['optimizer']) == {'classifier', 'difficulty_net'}
    assert ckpt['state_dict']['class_accuracy'].sum() > 0

    second = Runner.from_cfg(toy_cfg('toy_difficulty_net.py', toy_root, work,
                                     resume=True))
    rec = _Record()
    second.register_hook(rec)
    second.train()
    assert second.epoch == 2
    start = rec.at_start
    for key in ('classifier', 'difficulty_net'):
        saved, loaded = ckpt['optimizer'][key], start['optim'][key]
        assert saved['param_groups'] == loaded['param_groups']
        assert saved['state'].keys() == loaded['state'].keys()
        for idx, state in saved['state'].items():
            for name, value in state.items():
                assert torch.equal(torch.as_tensor(value),
                                   torch.as_tensor(loaded['state'][idx][name]
                                                   )), (key, idx, name)
    assert torch.equal(start['accuracy'],
                       ckpt['state_dict']['class_accuracy'])
    for k, v in ckpt['state_dict'].items():
        assert torch.equal(start['params'][k], v), k


class _Snapshot(Hook):
    """The model state right after ``load_from``."""
    priority = 'LOWEST'

    def before_train(self, runner):
        self.at_start = {k: v.clone()
                         for k, v in runner.model.state_dict().items()}


def _head_and_encoder(state):
    head = {k: v for k, v in state.items() if k.startswith('head.')}
    enc = {k: v for k, v in state.items() if k.startswith('backbone.')}
    return head, enc


@pytest.mark.parametrize('config', ['toy_dnet_crt.py', 'toy_dnet_lws.py',
                                    'toy_dnet_las.py'])
def test_decoupled_stage2_on_the_difficulty_net_checkpoint(
        stage1, toy_root, tmp_path, config):
    cfg = toy_cfg(config, toy_root, str(tmp_path),
                  load_from=stage1['ckpt'])
    runner = Runner.from_cfg(cfg)
    assert type(runner.train_dataloader.sampler).__name__ == 'CDBSampler'
    snap = _Snapshot()
    runner.register_hook(snap)
    runner.train()
    start, end = snap.at_start, runner.model.state_dict()
    stage1_state = torch.load(stage1['ckpt'], map_location='cpu',
                      weights_only=False)[
        'state_dict']
    # stage 2 starts from the stage-1 encoder and classifier
    for k, v in start.items():
        if k in stage1_state:
            assert torch.equal(v, stage1_state[k]), k
    head0, enc0 = _head_and_encoder(start)
    head1, enc1 = _head_and_encoder(end)
    # the encoder, BatchNorm statistics included, does not move
    for k in enc0:
        assert torch.equal(enc0[k], enc1[k]), k
    if config == 'toy_dnet_lws.py':
        assert torch.equal(head0['head.fc.weight'], head1['head.fc.weight'])
        assert torch.equal(head0['head.fc.bias'], head1['head.fc.bias'])
        assert torch.equal(head0['head.scales'], torch.ones(10))
        assert not torch.equal(head1['head.scales'], torch.ones(10))
    else:
        assert not torch.equal(head0['head.fc.weight'],
                               head1['head.fc.weight'])
