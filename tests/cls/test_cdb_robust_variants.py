"""CDB's robust variants (off by default) in the shared hook: validation,
schedule, a real toy run against a hand computation, and resume."""
import json
import math

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBClsHook, CDBLoss
from lt_plugins.engine.difficulty_hook import DifficultyHookBase
from lt_plugins.engine.history_plots import history_arrays, load_history

from cls_toy_config import toy_config

MOMENTUM, TAU_MAX, FLOOR, WARMUP = 0.5, 2.0, 0.2, 2
VARIANTS = {
    'custom_hooks.0.difficulty_momentum': MOMENTUM,
    'custom_hooks.0.tau_max': TAU_MAX,
    'custom_hooks.0.weight_floor': FLOOR,
    'custom_hooks.0.warmup_epochs': WARMUP,
}


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(tau_max=-1.0), ValueError, r'tau_max .*got -1\.0'),
    (dict(tau_max='big'), TypeError, "tau_max must be a real number, got "
     "'big'"),
    (dict(tau=2.0, tau_max=1.0), ValueError, r'tau_max=1\.0 .*tau=2\.0'),
    (dict(difficulty_momentum=1.0), ValueError,
     r'difficulty_momentum .*\[0, 1\), got 1\.0'),
    (dict(difficulty_momentum=-0.2), ValueError,
     r'difficulty_momentum .*got -0\.2'),
    (dict(difficulty_momentum=True), TypeError, 'difficulty_momentum'),
    (dict(weight_floor=0.0), ValueError, r'weight_floor .*\(0, 1\], got 0'),
    (dict(weight_floor=1.5), ValueError, r'weight_floor .*got 1\.5'),
    (dict(warmup_epochs=-1), ValueError, r'warmup_epochs .*got -1'),
    (dict(warmup_epochs=1.5), TypeError, r'warmup_epochs .*got 1\.5'),
    (dict(warmup_epochs=True), TypeError, r'warmup_epochs .*got True'),
    (dict(warmup_epochs=2, measure_before_train=True), ValueError,
     r'warmup_epochs=2 .*measure_before_train=True'),
])
def test_bad_option_is_refused_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        CDBClsHook(dataloader=dict(), **kwargs)


@pytest.mark.parametrize('interval, warmup, epochs', [
    (1, 0, [1, 2, 3, 4, 5, 6]),  # the paper
    (2, 0, [2, 4, 6]),
    (1, 3, [3, 4, 5, 6]),
    (2, 3, [3, 5]),
    (3, 1, [1, 4]),
])
def test_warmup_and_interval_schedule(interval, warmup, epochs):
    hook = DifficultyHookBase(interval=interval, warmup_epochs=warmup)
    assert [e for e in range(7) if hook.measures_after(e)] == epochs


class _RecordWeights(Hook):
    """The loss weights in use at the start of every training epoch."""

    priority = 'LOWEST'

    def __init__(self):
        self.seen = {}

    def before_train_epoch(self, runner):
        loss = runner.model.head.loss_module
        assert isinstance(loss, CDBLoss)
        self.seen[runner.epoch] = loss.class_weight.tolist()


def _train(cfg):
    runner = Runner.from_cfg(cfg)
    rec = _RecordWeights()
    runner.register_hook(rec)
    runner.train()
    return next(h for h in runner.hooks if isinstance(h, CDBClsHook)), rec


def _hand(perf, prev_difficulty=None):
    """Cap, smoothing and floor written out (measured classes only)."""
    acc = np.array([np.nan if p is None else p for p in perf])
    ok = ~np.isnan(acc)
    raw = np.clip(1 - acc, 1e-3, 1)
    bias = max(acc[ok].max() / (acc[ok].min() + 0.01) - 1, 0)
    tau = min(5 * (2 / (1 + math.exp(-bias)) - 1), TAU_MAX)
    d = raw if prev_difficulty is None else \
        MOMENTUM * np.asarray(prev_difficulty) + (1 - MOMENTUM) * raw
    w = d**tau
    w = w / w.mean()
    floored = int((w < FLOOR).sum())
    w = np.maximum(w, FLOOR)
    return raw, d, tau, w / w.mean(), floored


def test_toy_run_with_every_variant_and_resume(toy_root, tmp_path):
    """3 epochs: weight 1 for the 2 warm-up epochs, measurements after
    epochs 2 and 3, the second one smoothed; a resume from epoch 2 smooths
    with the restored difficulty."""
    cfg = toy_config(toy_root, tmp_path / 'a', **VARIANTS,
                     **{'train_cfg.max_epochs': 3})
    hook, rec = _train(cfg)
    assert [r['epoch'] for r in hook.history] == [2, 3]
    first, second = hook.history
    # the toy held-out split has 10 images of every class
    assert None not in first['performance'] + second['performance']
    assert rec.seen[0] == rec.seen[1] == [1.0] * 10
    np.testing.assert_allclose(rec.seen[2], first['weights'], rtol=1e-6)

    raw, d, tau, w, floored = _hand(first['performance'])
    np.testing.assert_allclose(first['measured_difficulty'], raw)
    np.testing.assert_allclose(first['difficulty'], raw)  # first: raw
    assert first['tau'] == pytest.approx(tau)
    np.testing.assert_allclose(first['weights'], w, rtol=1e-12)
    raw2, d2, tau2, w2, floored2 = _hand(second['performance'],
                                         first['difficulty'])
    np.testing.assert_allclose(second['measured_difficulty'], raw2)
    np.testing.assert_allclose(second['difficulty'], d2, rtol=1e-12)
    assert not np.allclose(d2, raw2)  # the smoothing did something
    assert second['tau'] == pytest.approx(tau2)
    np.testing.assert_allclose(second['weights'], w2, rtol=1e-12)
    assert (first['num_floored'], second['num_floored']) == (floored,
                                                             floored2)
    for r in (first, second):
        assert r['tau'] == min(r['tau_uncapped'], TAU_MAX)

    # the history records the options once, and the plotting code reads it
    path = tmp_path / 'a' / 'cdb_history.json'
    data = json.load(open(path))
    assert set(data) >= {'classes', 'metric', 'tau_mode', 'options',
                         'history'}
    assert data['options']['difficulty_momentum'] == MOMENTUM
    assert data['options']['tau_max'] == TAU_MAX
    assert data['options']['weight_floor'] == FLOOR
    assert data['options']['warmup_epochs'] == WARMUP
    assert data['options']['tau'] == 'sigmoid'
    arrays = history_arrays(load_history(str(path)))
    np.testing.assert_allclose(arrays['difficulty'][1], d2, rtol=1e-12)

    # the checkpoint after epoch 2 holds the (first) difficulty and options
    ckpt = torch.load(str(tmp_path / 'a' / 'epoch_2.pth'),
                      map_location='cpu', weights_only=False)
    state = ckpt['cdb_difficulty']
    assert state['difficulty'] == first['difficulty']
    assert state['options'] == data['options']

    # resume: the measurement after epoch 3 smooths with that difficulty
    cfg_b = toy_config(toy_root, tmp_path / 'b', **VARIANTS,
                       **{'train_cfg.max_epochs': 3})
    cfg_b.load_from, cfg_b.resume = str(tmp_path / 'a' / 'epoch_2.pth'), True
    hook_b, rec_b = _train(cfg_b)
    assert list(rec_b.seen) == [2]
    np.testing.assert_allclose(rec_b.seen[2], first['weights'], rtol=1e-6)
    assert hook_b.history[0] == first
    resumed = hook_b.history[1]
    assert resumed['epoch'] == 3
    raw3, d3, _, w3, _ = _hand(resumed['performance'], first['difficulty'])
    np.testing.assert_allclose(resumed['difficulty'], d3, rtol=1e-12)
    assert not np.allclose(d3, raw3)
    np.testing.assert_allclose(resumed['weights'], w3, rtol=1e-12)


def test_floor_count_is_recorded(toy_root, tmp_path):
    """One measurement with a stub performance: the classes under the
    floor are counted and lifted."""
    runner = Runner.from_cfg(toy_config(
        toy_root, tmp_path, **{'custom_hooks.0.weight_floor': FLOOR}))
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    hook.before_train(runner)
    perf = np.linspace(0.0, 0.9, 10)
    hook.measure = lambda r: perf
    record = hook.update(runner, epoch=1)
    w = (1 - perf)**(5 * (2 / (1 + math.exp(-(0.9 / 0.01 - 1))) - 1))
    w = w / w.mean()
    assert record['num_floored'] == int((w < FLOOR).sum()) > 0
    w = np.maximum(w, FLOOR)
    np.testing.assert_allclose(record['weights'], w / w.mean(), rtol=1e-12)
    np.testing.assert_allclose(
        runner.model.head.loss_module.class_weight.numpy(), w / w.mean(),
        rtol=1e-6)


def test_old_checkpoint_state_loads_and_changed_options_warn(monkeypatch):
    hook = CDBClsHook(dataloader=dict(), difficulty_momentum=0.5)
    # a state as written before the options existed: no warning
    old = dict(difficulty=[0.5, 0.25], weights=[1.2, 0.8],
               history=[dict(bias=1.0)])
    warnings = []
    logger = MMLogger.get_current_instance()
    monkeypatch.setattr(logger, 'log',
                        lambda level, msg: warnings.append(msg))
    hook.load_state_dict(old)
    np.testing.assert_array_equal(hook.difficulty, [0.5, 0.25])
    assert hook.ratio == 2.0 and warnings == []
    # a state written with other settings: restored, with a warning
    other = CDBClsHook(dataloader=dict()).state_dict()
    other.update(difficulty=[0.1, 0.2], weights=[0.9, 1.1], history=[])
    hook.load_state_dict(other)
    np.testing.assert_array_equal(hook.difficulty, [0.1, 0.2])
    assert any('difficulty_momentum=0.5 (was None)' in str(w)
               for w in warnings), warnings


def test_warmup_as_long_as_the_run_is_reported(toy_root, tmp_path,
                                               monkeypatch):
    runner = Runner.from_cfg(toy_config(
        toy_root, tmp_path, **{'custom_hooks.0.warmup_epochs': 2}))
    warnings = []
    monkeypatch.setattr(runner.logger, 'warning', warnings.append)
    next(h for h in runner.hooks
         if isinstance(h, CDBClsHook)).before_train(runner)
    expected = ('CDBClsHook(interval=1, warmup_epochs=2) with max_epochs=2: '
                'the only measurement follows the last epoch, so every epoch '
                'trains with weight 1')
    assert any(expected in w for w in warnings), warnings
