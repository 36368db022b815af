"""A CDB run without a working difficulty hook refuses to start, on a real
mmengine runner with the toy classification configs.

Each case used to train to the end as another method under the CDB name: a
CDB loss without ``CDBClsHook`` trained plain CE with weights 1, a
``CDBSampler`` without it sampled class-balanced, and an ``interval``
beyond ``max_epochs`` never measured.
"""
import pytest
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBClsHook, CDBLoss, CDBSampler
from lt_plugins.engine.difficulty_consumer import MissingDifficultyHookError

from cls_toy_config import toy_config


def _runner(toy_root, work_dir, config='toy_cifar10-lt_cdb-w-ce.py',
            **options):
    return Runner.from_cfg(toy_config(toy_root, work_dir, config, **options))


def _assert_untrained(runner):
    """No optimizer step happened: the refusal came first (SGD with momentum
    keeps a buffer per parameter from its first step on)."""
    assert runner.iter == 0
    assert runner.optim_wrapper.optimizer.defaults['momentum'] > 0
    assert not runner.optim_wrapper.optimizer.state


def test_cdb_loss_without_hook_refuses_before_the_first_step(toy_root,
                                                             tmp_path):
    runner = _runner(toy_root, tmp_path, custom_hooks=[])
    with pytest.raises(MissingDifficultyHookError) as e:
        runner.train()
    msg = str(e.value)
    assert 'CDBLoss(num_classes=10)' in msg and 'CDBClsHook' in msg
    assert 'custom_hooks' in msg and 'fixed_weights=True' in msg
    _assert_untrained(runner)


def test_cdb_sampler_without_hook_refuses_before_the_first_step(toy_root,
                                                                tmp_path):
    runner = _runner(toy_root, tmp_path, config='toy_cifar10-lt_cdb-s.py',
                     custom_hooks=[])
    with pytest.raises(MissingDifficultyHookError,
                       match=r'CDBSampler\(num_classes=10\).*CDBClsHook'):
        runner.train()
    _assert_untrained(runner)


def test_fixed_weights_trains_without_hook(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, custom_hooks=[],
                     **{'model.head.loss.fixed_weights': True,
                        'train_cfg.max_epochs': 1})
    runner.train()
    assert runner.iter > 0
    loss = runner.model.head.loss_module
    assert loss.fixed_weights and loss.difficulty_hooks == ()
    assert loss.class_weight.tolist() == [1.0] * 10


def test_fixed_weights_sampler_trains_without_hook(toy_root, tmp_path):
    # cRT's class-balanced sampling
    runner = _runner(toy_root, tmp_path, config='toy_cifar10-lt_cdb-s.py',
                     custom_hooks=[],
                     **{'train_dataloader.sampler.fixed_weights': True,
                        'train_cfg.max_epochs': 1})
    runner.train()
    assert runner.iter > 0


def test_hook_serves_the_loss_and_the_sampler(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, config='toy_cifar10-lt_cdb-s.py',
                     **{'model.head.loss': dict(_delete_=True, type='CDBLoss',
                                                num_classes=10)})
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    hook.before_train(runner)
    loss = runner.model.head.loss_module
    sampler = runner.train_dataloader.sampler
    assert isinstance(loss, CDBLoss) and isinstance(sampler, CDBSampler)
    assert loss.difficulty_hooks == sampler.difficulty_hooks == (
        'CDBClsHook', )


def test_interval_beyond_max_epochs_is_refused(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, **{
        'custom_hooks.0.interval': 3, 'train_cfg.max_epochs': 2})
    with pytest.raises(ValueError, match=r'CDBClsHook\(interval=3\) never '
                       r'measures in this run: max_epochs=2'):
        runner.train()
    assert runner.iter == 0


def test_warmup_beyond_max_epochs_is_refused(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, **{
        'custom_hooks.0.warmup_epochs': 3, 'train_cfg.max_epochs': 2})
    with pytest.raises(ValueError, match=r'interval=1, warmup_epochs=3\) '
                       r'never measures .*max_epochs=2'):
        runner.train()


def test_interval_beyond_max_epochs_with_measure_before_train_trains(
        toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, **{
        'custom_hooks.0.interval': 5, 'custom_hooks.0.measure_before_train':
        True, 'train_cfg.max_epochs': 1})
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    assert [r['epoch'] for r in hook.history] == [0]


def test_only_measurement_after_the_last_epoch_is_a_warning(
        toy_root, tmp_path, monkeypatch):
    runner = _runner(toy_root, tmp_path, **{'train_cfg.max_epochs': 1})
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    warnings = []
    monkeypatch.setattr(runner.logger, 'warning', warnings.append)
    hook.check_schedule(runner)
    assert len(warnings) == 1
    assert 'only measurement follows the last epoch' in warnings[0]
    hook.interval = 2
    with pytest.raises(ValueError, match='never measures'):
        hook.check_schedule(runner)


def test_iteration_based_loop_is_refused(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path, train_cfg=dict(
        _delete_=True, type='IterBasedTrainLoop', max_iters=3,
        val_interval=100))
    with pytest.raises(ValueError, match=r'iteration-based loop '
                       r'\(IterBasedTrainLoop, max_iters=3\)'):
        runner.train()
    assert runner.iter == 0


def test_empty_heldout_split_is_named(toy_root, tmp_path):
    runner = _runner(toy_root, tmp_path,
                     **{'custom_hooks.0.dataloader.dataset.indices': []})
    with pytest.raises(ValueError, match=r"held-out split CIFAR10LT\(.*"
                       rf"data_root='{toy_root}'.*\) has no images"):
        runner.train()
    assert runner.iter == 0
