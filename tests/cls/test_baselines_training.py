"""The baselines in real mmengine Runner runs on the toy CIFAR-10-LT:
LDAM-DRW and the count-based losses train, and the post-hoc methods test a
CE checkpoint."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.baselines import log_class_priors, tau_normalize
from lt_plugins.cls.class_counts import dataset_class_counts
from toy_cfg_plain import toy_cfg


class _RecordDRW(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.active = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.active.setdefault(runner.epoch, set()).add(
            runner.model.head.loss_module.drw_active())


def test_toy_ldam_drw_trains_and_reweights_from_drw_epoch(toy_root,
                                                          tmp_path):
    cfg = toy_cfg('toy_ala_cifar10-lt.py', toy_root, str(tmp_path))
    cfg.model.head.loss = dict(type='LDAMLoss', max_margin=0.5, drw_epoch=1)
    runner = Runner.from_cfg(cfg)
    rec = _RecordDRW()
    runner.register_hook(rec)
    start = runner.model.head.weight.detach().clone()
    runner.train()
    assert rec.active == {0: {False}, 1: {True}}
    loss = runner.model.head.loss_module
    counts = dataset_class_counts(runner.train_dataloader.dataset)
    assert loss.class_counts.tolist() == counts.tolist()
    assert loss.margins().max().item() == pytest.approx(0.5)
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert not torch.equal(runner.model.head.weight.detach(), start)


@pytest.mark.parametrize('loss', ['LogitAdjustedLoss', 'BalancedSoftmaxLoss'])
def test_toy_count_based_losses_train(toy_root, tmp_path, loss):
    cfg = toy_cfg('toy_cifar10-lt_ce.py', toy_root, str(tmp_path))
    cfg.model.head.loss = dict(type=loss, num_classes=10)
    cfg.custom_hooks = [dict(type='ClassCountsHook')]
    cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    counts = dataset_class_counts(runner.train_dataloader.dataset)
    assert runner.model.head.loss_module.class_counts.tolist() == \
        counts.tolist()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())


class _Scores(Hook):
    """The test predictions and targets, in data order."""

    def __init__(self):
        self.scores, self.labels, self.targets = [], [], []

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self.scores += [o.pred_score for o in outputs]
        self.labels += [int(o.pred_label) for o in outputs]
        self.targets += [int(o.gt_label) for o in outputs]


def _test_scores(cfg, ckpt):
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    rec = _Scores()
    runner.register_hook(rec)
    metrics = runner.test()
    runner.recorded = rec
    return runner, torch.stack(rec.scores), metrics


def test_posthoc_methods_on_a_ce_checkpoint(toy_root, tmp_path):
    ce = toy_cfg('toy_cifar10-lt_ce.py', toy_root, str(tmp_path / 'ce'))
    ce.train_cfg.max_epochs = 1
    Runner.from_cfg(ce).train()
    ckpt = osp.join(str(tmp_path / 'ce'), 'epoch_1.pth')

    def cfg_with(head, work):
        cfg = toy_cfg('toy_cifar10-lt_ce.py', toy_root, str(tmp_path / work))
        cfg.model.head.update(head)
        return cfg

    _, plain, _ = _test_scores(cfg_with({}, 'plain'), ckpt)
    # CE logits up to a per-sample constant
    log_plain = plain.log()

    # post hoc logit adjustment: counts come from ClassCountsHook before
    # the test (the CE checkpoint has none)
    cfg = cfg_with(dict(type='PostHocLogitAdjustedHead', tau=1.0), 'la')
    cfg.custom_hooks = [dict(type='ClassCountsHook')]
    runner, adjusted, metrics = _test_scores(cfg, ckpt)
    counts = dataset_class_counts(
        Runner.build_dataloader(cfg.train_dataloader).dataset)
    assert runner.model.head.class_counts.tolist() == counts.tolist()
    expected = torch.softmax(log_plain - log_class_priors(counts), dim=1)
    assert torch.allclose(adjusted, expected, atol=1e-5)
    # the evaluator scored argmax(f(x) - log(pi)) of the CE model: top-1
    # accuracy by hand from the CE scores and the test targets
    pred = (log_plain - log_class_priors(counts)).argmax(dim=1)
    assert runner.recorded.labels == pred.tolist()
    targets = torch.tensor(runner.recorded.targets)
    assert len(targets) == 20  # 2 test images of each of the 10 classes
    correct = (pred == targets).float()
    assert metrics['shot/top1'] == pytest.approx(
        100.0 * correct.mean().item())
    assert metrics['shot/classwise'] == pytest.approx(
        [100.0 * correct[targets == c].mean().item() for c in range(10)])

    # tau-normalisation: x . w_c / ||w_c|| (no bias) from the CE weights
    runner, normed, _ = _test_scores(
        cfg_with(dict(type='TauNormClsHead', tau=1.0), 'tau'), ckpt)
    sd = torch.load(ckpt, map_location='cpu', weights_only=False)
    w, b = sd['state_dict']['head.fc.weight'], sd['state_dict']['head.fc.bias']
    # recover the features' logits: CE scores give x.W^T + b up to a
    # per-sample constant, so compare the normalised head on the features
    feats = _features(runner)
    assert torch.allclose(
        normed, torch.softmax(feats @ tau_normalize(w, 1.0).T, dim=1),
        atol=1e-5)
    assert torch.allclose(
        plain, torch.softmax(feats @ w.T + b, dim=1), atol=1e-5)


def _features(runner):
    """Neck features of the test split, in data order."""
    model = runner.model
    model.eval()
    out = []
    with torch.no_grad():
        for batch in runner.test_dataloader:
            data = model.data_preprocessor(batch, False)
            out.append(model.extract_feat(data['inputs'])[-1])
    return torch.cat(out)


class _CountSteps(Hook):
    """Training iterations started and finished."""
    priority = 'LOWEST'

    def __init__(self):
        self.started = self.finished = 0

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.started += 1

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.finished += 1


def test_posthoc_head_counts_fail_before_training(toy_root, tmp_path):
    """A class without images in counts restored from a checkpoint fails in
    ClassCountsHook.before_train, and a config without the hook on the
    first step, not at the first validation."""
    cfg = toy_cfg('toy_cifar10-lt_ce.py', toy_root, str(tmp_path / 'a'))
    cfg.model.head.type = 'PostHocLogitAdjustedHead'
    cfg.custom_hooks = [dict(type='ClassCountsHook')]
    runner = Runner.from_cfg(cfg)
    # as restored from a checkpoint: kept by the hook, then checked
    runner.model.head.class_counts.copy_(torch.tensor([9] * 9 + [0]))
    steps = _CountSteps()
    runner.register_hook(steps)
    with pytest.raises(ValueError, match=r'class\(es\) \[9\] have 0'):
        runner.train()
    assert (steps.started, steps.finished) == (0, 0)

    cfg = toy_cfg('toy_cifar10-lt_ce.py', toy_root, str(tmp_path / 'b'))
    cfg.model.head.type = 'PostHocLogitAdjustedHead'
    runner = Runner.from_cfg(cfg)
    steps = _CountSteps()
    runner.register_hook(steps)
    with pytest.raises(RuntimeError,
                       match=r"custom_hooks=\[dict\(type='ClassCountsHook"):
        runner.train()
    # the first step's loss raised, before any update
    assert (steps.started, steps.finished) == (1, 0)
