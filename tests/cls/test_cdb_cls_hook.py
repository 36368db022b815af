"""CDBClsHook: weights from held-out predictions, by hand."""
import json
import math

import numpy as np
import pytest
import torch
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBClsHook, CDBLoss, CDBSampler
from lt_plugins.cls.datasets import long_tail_counts

from cls_toy_config import toy_config


def _runner(toy_root, work_dir, config='toy_cifar10-lt_cdb-w-ce.py',
            **options):
    return Runner.from_cfg(toy_config(toy_root, work_dir, config, **options))


def _hook(runner):
    return next(h for h in runner.hooks if isinstance(h, CDBClsHook))


def _hand_weights(acc):
    """SPEC section 1 / paper eqs. 3, 4, 5, 10 written out."""
    acc = np.asarray(acc, dtype=np.float64)
    d = np.clip(1 - acc, 1e-3, 1)
    bias = max(acc.max() / (acc.min() + 0.01) - 1, 0)
    tau = 5 * (2 / (1 + math.exp(-bias)) - 1)
    w = d**tau
    return w / w.mean(), tau, bias


def test_weights_from_known_predictions(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path)
    hook = _hook(runner)
    head = runner.model.head
    # a classifier that predicts class 3 for every image: accuracy 1 on
    # class 3 and 0 elsewhere, whatever the features are
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.zero_()
        head.fc.bias[3] = 10.0
    hook.before_train(runner)
    record = hook.update(runner, epoch=1)
    acc = np.zeros(10)
    acc[3] = 1.0
    w, tau, bias = _hand_weights(acc)
    assert bias == pytest.approx(99.0) and record['bias'] == pytest.approx(99)
    assert record['tau'] == pytest.approx(tau)
    np.testing.assert_allclose(record['weights'], w, rtol=1e-12)
    np.testing.assert_allclose(record['performance'], acc)
    loss = runner.model.head.loss_module
    assert isinstance(loss, CDBLoss)
    np.testing.assert_allclose(loss.class_weight.numpy(), w, rtol=1e-6)
    history = json.load(open(tmp_path / 'cdb_history.json'))
    assert history['history'][0]['weights'] == pytest.approx(w.tolist())
    assert history['classes'][0] == 'airplane'
    # the training set's mean weight per sample: mean 1 over classes is
    # not mean 1 over a long-tailed set's samples
    counts = np.bincount(runner.train_dataloader.dataset.get_gt_labels(),
                         minlength=10).astype(float)
    assert counts.max() > counts.min()  # long-tailed
    assert record['sample_mean_weight'] == pytest.approx(
        (counts * w).sum() / counts.sum(), rel=1e-12)


def test_weights_from_a_real_models_predictions(toy_root, tmp_path):
    """Per-class accuracy recomputed independently from model outputs."""
    runner = _runner(toy_root, tmp_path)
    hook = _hook(runner)
    hook.before_train(runner)
    model = runner.model.eval()
    correct, total = np.zeros(10), np.zeros(10)
    with torch.no_grad():
        for batch in hook.dataloader:
            data = model.data_preprocessor(batch, False)
            logits = model(data['inputs'], mode='tensor')
            pred = logits.argmax(1).numpy()
            gt = np.array([int(s.gt_label) for s in data['data_samples']])
            np.add.at(total, gt, 1)
            np.add.at(correct, gt, pred == gt)
    assert total.tolist() == [10] * 10
    acc = correct / total
    record = hook.update(runner, epoch=1)
    np.testing.assert_allclose(record['performance'], acc)
    w, tau, bias = _hand_weights(acc)
    np.testing.assert_allclose(record['weights'], w, rtol=1e-12)
    assert record['tau'] == pytest.approx(tau)


def test_second_measurement_keeps_difficulty_of_unmeasured_class(
        toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path)
    hook = _hook(runner)
    hook.before_train(runner)
    hook.difficulty = np.linspace(0.1, 1.0, 10)
    perf = np.full(10, 0.5)
    perf[4] = np.nan  # class without held-out images
    hook.measure = lambda r: perf
    record = hook.update(runner, epoch=2)
    assert record['difficulty'][4] == pytest.approx(0.5)  # linspace[4]
    assert record['missing'] == ['deer']


def test_sampler_receives_the_weights(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, config='toy_cifar10-lt_cdb-s.py')
    hook = _hook(runner)
    hook.before_train(runner)
    sampler = runner.train_dataloader.sampler
    assert isinstance(sampler, CDBSampler)
    record = hook.update(runner, epoch=1)
    np.testing.assert_allclose(sampler.weights, record['weights'])


def test_hook_without_cdb_target_fails_clearly(toy_root, tmp_path):
    runner = _runner(
        toy_root, tmp_path, **{
            'model.head.loss': dict(type='CrossEntropyLoss',
                                    _delete_=True)
        })
    with pytest.raises(RuntimeError, match='neither a CDB loss'):
        _hook(runner).before_train(runner)


def test_heldout_images_in_the_training_set_are_an_error(toy_root, tmp_path):
    # train built without the hold-out (n_max = 40): the first n_c images of
    # each class's permutation; the held-out split is its first 10 images
    runner = _runner(toy_root, tmp_path,
                     **{'train_dataloader.dataset.heldout_per_class': 0})
    shared = sum(min(n, 10) for n in long_tail_counts(40, 10, 20))
    # counts 40 28 20 14 10 7 5 3 2 2: 5 * 10 + 7 + 5 + 3 + 2 + 2
    assert shared == 69
    with pytest.raises(ValueError,
                       match=rf'shares {shared} images with the training '
                       r'set .*e\.g\. .*cifar-10-batches-py:train:\d+'):
        _hook(runner).before_train(runner)


def test_heldout_from_another_seed_overlaps(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path,
                     **{'custom_hooks.0.dataloader.dataset.seed': 1})
    with pytest.raises(ValueError, match='shares [0-9]+ images'):
        _hook(runner).before_train(runner)


def test_load_from_starts_with_weights_one(toy_root, tmp_path):
    """``load_from`` loads the model, CDBLoss.class_weight included, but not
    the hook state; the run must start at weight 1 (SPEC section 1)."""
    first = _runner(toy_root, tmp_path / 'first')
    trained = np.linspace(0.5, 2.0, 10)
    first.model.head.loss_module.update_weights(trained)
    ckpt = str(tmp_path / 'model.pth')
    torch.save({'meta': {}, 'state_dict': first.model.state_dict()}, ckpt)

    runner = _runner(toy_root, tmp_path / 'second', load_from=ckpt)
    runner.load_or_resume()
    loss = runner.model.head.loss_module
    # the buffer did come from the checkpoint ...
    np.testing.assert_allclose(loss.class_weight.numpy(), trained, rtol=1e-6)
    _hook(runner).before_train(runner)
    # ... and is reset before the first epoch
    assert loss.class_weight.tolist() == [1.0] * 10


def test_restored_hook_state_is_applied_not_reset(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path)
    hook = _hook(runner)
    w = np.linspace(0.5, 2.0, 10)
    hook.load_state_dict(dict(difficulty=np.full(10, 0.5).tolist(),
                              weights=w.tolist(), history=[]))
    hook.before_train(runner)
    np.testing.assert_allclose(
        runner.model.head.loss_module.class_weight.numpy(), w, rtol=1e-6)


def test_resumed_state_of_another_class_count_names_the_checkpoint(
        toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path)
    runner._load_from = 'work_dirs/other/epoch_3.pth'
    hook = _hook(runner)
    hook.load_state_dict(dict(difficulty=[0.5] * 20, weights=[1.0] * 20,
                              history=[]))
    with pytest.raises(ValueError, match=r'work_dirs/other/epoch_3.pth holds '
                       r'CDB difficulty weights for 20 classes, but this '
                       r'config has 10'):
        hook.before_train(runner)


def test_shot_metric_counting_other_images_is_reported(toy_root, tmp_path,
                                                      monkeypatch):
    # the imbalance ratio changed for training only, not for the metric
    runner = _runner(toy_root, tmp_path,
                     **{'train_dataloader.dataset.imbalance_ratio': 5})
    warnings = []
    monkeypatch.setattr(runner.logger, 'warning', warnings.append)
    _hook(runner).before_train(runner)
    metric_counts = long_tail_counts(30, 10, 20)
    train_counts = long_tail_counts(30, 10, 5)
    diff = [c for c in range(10) if metric_counts[c] != train_counts[c]]
    c = diff[0]
    expected = (f'ShotGroupAccuracy counts {sum(metric_counts)} training '
                f'images in 10 classes but the training set has '
                f'{sum(train_counts)} in 10; {len(diff)} classes differ, '
                f'e.g. class {c}: {metric_counts[c]} vs {train_counts[c]}')
    assert [m for m in warnings if m.startswith(expected)], warnings


def test_consistent_setup_warns_nothing(toy_root, tmp_path, monkeypatch):
    runner = _runner(toy_root, tmp_path)
    warnings = []
    monkeypatch.setattr(runner.logger, 'warning', warnings.append)
    _hook(runner).before_train(runner)
    assert warnings == []
