"""HeldOutSelectionHook: the checkpoint kept is the best on the held-out
split, recomputed by hand from every epoch's checkpoint.

Real mmengine Runners train the toy CIFAR-10-LT configs; each epoch's
checkpoint (``epoch_<k>.pth``, written by the toy configs' CheckpointHook)
is evaluated again here, outside the hook, from the model's logits. This
file is also the worker that torchrun starts for the two-process test.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import load_checkpoint
from mmpretrain.registry import MODELS

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls import HeldOutSelectionHook
from lt_plugins.cls.heldout_selection_hook import mean_class_accuracy

from cls_toy_config import toy_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HELDOUT_PER_CLASS = 10  # toy_config's default hold-out
BEST, RESULT = 'best_heldout.pth', 'heldout_selection.json'


def heldout_dataset(toy_root):
    """The toy held-out split of ``toy_config`` (10 images per class)."""
    return dict(type='CIFAR10LT', data_root=toy_root, split='heldout',
                imbalance_ratio=20, heldout_per_class=HELDOUT_PER_CLASS,
                seed=0, pipeline=[dict(type='PackInputs')])


def selection_config(toy_root, work_dir, config='toy_cifar10-lt_ce.py',
                     epochs=4, hook=None, **options):
    """A toy config training ``epochs`` epochs (no validation) with the
    selection hook appended to its custom hooks; ``hook=False`` for none."""
    cfg = toy_config(toy_root, work_dir, config, **options)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_begin = 1000  # the held-out split is what counts here
    # every epoch's checkpoint stays, to be evaluated again by hand
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    hooks = list(cfg.get('custom_hooks', []))
    if hook is not False:
        hooks.append(dict(
            type='HeldOutSelectionHook',
            dataloader=dict(batch_size=100, num_workers=0,
                            dataset=heldout_dataset(toy_root)),
            **(hook or {})))
    cfg.custom_hooks = hooks
    return cfg


def _hook(runner):
    return next(h for h in runner.hooks
                if isinstance(h, HeldOutSelectionHook))


def hand_heldout(cfg, ckpt, toy_root):
    """Per-class held-out accuracy (percent) of ``ckpt``, from the logits
    of a model built here (not through the hook or val_step)."""
    # the Runner gives the model the config's top-level data preprocessor
    model = MODELS.build(dict(cfg.model,
                              data_preprocessor=cfg.data_preprocessor))
    load_checkpoint(model, ckpt, map_location='cpu', strict=True)
    model.eval()
    loader = Runner.build_dataloader(dict(
        batch_size=100, num_workers=0, dataset=heldout_dataset(toy_root),
        sampler=dict(type='DefaultSampler', shuffle=False)))
    preds, labels = [], []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            preds += model(data['inputs'], mode='tensor').argmax(1).tolist()
            labels += [int(s.gt_label) for s in data['data_samples']]
    preds, labels = np.array(preds), np.array(labels)
    assert np.bincount(labels).tolist() == [HELDOUT_PER_CLASS] * 10
    return [100.0 * np.mean(preds[labels == c] == c) for c in range(10)]


def _state(ckpt):
    return torch.load(ckpt, map_location='cpu',
                      weights_only=False)['state_dict']


def _same_weights(a, b):
    sa, sb = _state(a), _state(b)
    return sa.keys() == sb.keys() and all(
        torch.equal(sa[k], sb[k]) for k in sa)


def _meta_epoch(ckpt):
    return torch.load(ckpt, map_location='cpu',
                      weights_only=False)['meta']['epoch']


class _Record(Hook):
    """Test predictions in data order."""
    priority = 'LOWEST'

    def __init__(self):
        self.labels = []

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self.labels += [int(o.pred_label) for o in outputs]


def _test(cfg):
    runner = Runner.from_cfg(cfg)
    rec = _Record()
    runner.register_hook(rec)
    return rec.labels, runner.test()


# ---------------------------------------------------------- the selection

def test_mean_class_accuracy_leaves_out_classes_without_images():
    # 1, 1/2 and 3/4 over classes with images; class 2 has none
    assert mean_class_accuracy(np.array([2, 1, 0, 3]),
                               np.array([2, 2, 0, 4])) == pytest.approx(
                                   100 * (1 + 0.5 + 0.75) / 3, rel=1e-12)
    with pytest.raises(ValueError, match='held-out split has no image'):
        mean_class_accuracy(np.zeros(3), np.zeros(3))


@pytest.fixture(scope='module')
def cdb_run(toy_root, tmp_path_factory):
    """Toy CDB-W-CE, 4 epochs, selection with ``test_selected=True``;
    ``runner.train()`` then ``runner.test()`` in one runner."""
    work = str(tmp_path_factory.mktemp('selection_cdb'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        cfg = selection_config(toy_root, work, 'toy_cifar10-lt_cdb-w-ce.py',
                               hook=dict(test_selected=True))
        runner = Runner.from_cfg(cfg)
        runner.train()
        rec = _Record()
        runner.register_hook(rec)
        metrics = runner.test()
        hand = [hand_heldout(cfg, osp.join(work, f'epoch_{e}.pth'),
                             toy_root) for e in range(1, 5)]
    return dict(cfg=cfg, runner=runner, work=work, metrics=metrics,
                labels=rec.labels, hand=hand)


def test_selected_checkpoint_is_the_best_on_heldout_by_hand(cdb_run):
    work, hand = cdb_run['work'], cdb_run['hand']
    means = [float(np.mean(h)) for h in hand]
    # the run is informative: the best epoch is not the last one
    best = int(np.argmax(means)) + 1  # the first of equal maxima
    assert best != 4, means
    hook = _hook(cdb_run['runner'])
    assert [r['epoch'] for r in hook.history] == [1, 2, 3, 4]
    assert [r['mean_class_accuracy'] for r in hook.history] == \
        pytest.approx(means, rel=1e-12)
    for record, per_class in zip(hook.history, hand):
        assert record['class_accuracy'] == pytest.approx(per_class,
                                                         rel=1e-12)
        assert record['num_images'] == 10 * HELDOUT_PER_CLASS
    assert hook.best_epoch == best
    assert hook.best_accuracy == pytest.approx(max(means), rel=1e-12)
    # the file holds that epoch's weights, as a normal mmengine checkpoint
    assert _same_weights(osp.join(work, BEST),
                         osp.join(work, f'epoch_{best}.pth'))
    assert _meta_epoch(osp.join(work, BEST)) == best
    assert not _same_weights(osp.join(work, BEST),
                             osp.join(work, 'epoch_4.pth'))
    saved = json.load(open(osp.join(work, RESULT)))
    assert saved['selected_epoch'] == best
    assert saved['selected_accuracy'] == pytest.approx(max(means))
    assert saved['interval'] == 1 and saved['checkpoint'] == BEST
    assert saved['history'] == json.loads(json.dumps(hook.history))


def test_the_selection_state_is_in_every_checkpoint(cdb_run):
    work, hand = cdb_run['work'], cdb_run['hand']
    for epoch in range(1, 5):
        state = torch.load(osp.join(work, f'epoch_{epoch}.pth'),
                           map_location='cpu',
                           weights_only=False)['heldout_selection']
        means = [float(np.mean(h)) for h in hand[:epoch]]
        assert [r['epoch'] for r in state['history']] == list(
            range(1, epoch + 1))
        assert state['best_epoch'] == int(np.argmax(means)) + 1
        assert state['best_accuracy'] == pytest.approx(max(means))


def test_test_selected_tests_best_heldout(cdb_run, toy_root, tmp_path):
    work = cdb_run['work']
    best = _hook(cdb_run['runner']).best_epoch
    # a separate test of best_heldout.pth, without the hook
    plain = selection_config(toy_root, tmp_path / 'plain',
                             'toy_cifar10-lt_cdb-w-ce.py', hook=False)
    plain.load_from = osp.join(work, BEST)
    labels, metrics = _test(plain)
    assert cdb_run['metrics'] == metrics
    assert cdb_run['labels'] == labels
    # ... which is not what the last epoch predicts
    plain.load_from = osp.join(work, 'epoch_4.pth')
    last_labels, _ = _test(plain)
    assert last_labels != labels
    # tools/test.py with the training's work dir and the last checkpoint:
    # the hook replaces the loaded weights by the selected ones
    again = selection_config(toy_root, work, 'toy_cifar10-lt_cdb-w-ce.py',
                             hook=dict(test_selected=True))
    again.load_from = osp.join(work, 'epoch_4.pth')
    labels_again, metrics_again = _test(again)
    assert (labels_again, metrics_again) == (labels, metrics)
    assert _meta_epoch(osp.join(work, BEST)) == best


def test_an_equal_score_keeps_the_first(cdb_run, toy_root, tmp_path):
    # one model measured twice scores the same: the first stays selected
    cfg = selection_config(toy_root, tmp_path, epochs=4)
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(osp.join(cdb_run['work'], 'epoch_3.pth'))
    hook = _hook(runner)
    first = hook.update(runner, 1)
    second = hook.update(runner, 2)
    assert first['mean_class_accuracy'] == second['mean_class_accuracy']
    assert first['mean_class_accuracy'] == pytest.approx(
        np.mean(cdb_run['hand'][2]), rel=1e-12)
    assert hook.best_epoch == 1
    assert _meta_epoch(str(tmp_path / BEST)) == 1
    assert json.load(open(tmp_path / RESULT))['selected_epoch'] == 1


def test_interval_measures_every_interval_th_epoch(toy_root, tmp_path):
    cfg = selection_config(toy_root, tmp_path, epochs=3,
                           hook=dict(interval=2))
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = _hook(runner)
    assert [r['epoch'] for r in hook.history] == [2]
    assert hook.best_epoch == 2
    assert hook.history[0]['class_accuracy'] == pytest.approx(
        hand_heldout(cfg, str(tmp_path / 'epoch_2.pth'), toy_root))
    assert _same_weights(str(tmp_path / BEST), str(tmp_path / 'epoch_2.pth'))


# ------------------------------------------------------------------ resume

def _copy_run(src, dst, keep):
    """A copy of a finished run's work dir with some of its files."""
    os.makedirs(dst)
    for name in keep:
        shutil.copyfile(osp.join(src, name), osp.join(dst, name))
    return str(dst)


class _FileAtStart(Hook):
    """What best_heldout.pth holds when the first resumed epoch starts."""
    priority = 'LOWEST'

    def __init__(self):
        self.path, self.epoch = None, None

    def before_train_epoch(self, runner):
        if self.path is None:
            self.path = osp.join(runner.work_dir, BEST)
            self.exists = osp.isfile(self.path)
            if self.exists:
                self.epoch = _meta_epoch(self.path)
                self.copy = osp.join(runner.work_dir, 'at_start.pth')
                shutil.copyfile(self.path, self.copy)


def _resume(toy_root, work, ckpt, epochs):
    cfg = selection_config(toy_root, work, 'toy_cifar10-lt_cdb-w-ce.py',
                           epochs=epochs)
    cfg.resume = True
    cfg.load_from = osp.join(work, ckpt)
    runner = Runner.from_cfg(cfg)
    probe = _FileAtStart()
    runner.register_hook(probe)
    runner.train()
    return cfg, runner, probe


def test_resume_continues_and_rewrites_a_later_best(cdb_run, toy_root,
                                                    tmp_path):
    # interrupted after epoch 3 had written best_heldout.pth (epoch 3), but
    # resumed from epoch 2, whose state selected epoch 2
    src, hand = cdb_run['work'], cdb_run['hand']
    means = [float(np.mean(h)) for h in hand]
    assert int(np.argmax(means[:2])) + 1 == 2 and _meta_epoch(
        osp.join(src, BEST)) == 3, means
    work = _copy_run(src, tmp_path / 'w',
                     ['epoch_1.pth', 'epoch_2.pth', BEST, RESULT])
    cfg, runner, probe = _resume(toy_root, work, 'epoch_2.pth', 4)
    # before the first resumed epoch the file held the epoch-2 weights again
    assert probe.epoch == 2
    assert _same_weights(probe.copy, osp.join(src, 'epoch_2.pth'))
    hook = _hook(runner)
    first = _hook(cdb_run['runner']).history
    # epochs 1-2 restored, 3-4 measured again on the resumed training
    assert hook.history[:2] == first[:2]
    assert [r['epoch'] for r in hook.history] == [1, 2, 3, 4]
    for epoch in (3, 4):
        assert hook.history[epoch - 1]['class_accuracy'] == pytest.approx(
            hand_heldout(cfg, osp.join(work, f'epoch_{epoch}.pth'),
                         toy_root), rel=1e-12)
    scores = [r['mean_class_accuracy'] for r in hook.history]
    best = int(np.argmax(scores)) + 1
    assert hook.best_epoch == best
    assert _same_weights(osp.join(work, BEST),
                         osp.join(work, f'epoch_{best}.pth'))
    saved = json.load(open(osp.join(work, RESULT)))
    assert saved['selected_epoch'] == best
    assert [r['epoch'] for r in saved['history']] == [1, 2, 3, 4]


def test_a_kept_unfinished_run_resumes_in_a_fresh_work_dir(
        cdb_run, toy_root, tmp_path):
    """``--keep-partial`` of the benchmark runners (run_archive.keep_partial
    / restore_partial): a run interrupted after epoch 2, kept, its work dir
    gone, resumes in another folder from the kept checkpoint with its CDB
    and selection state, and ends where resuming on the spot ends (not
    where the uninterrupted run ends: a resume starts the augmentation's
    random state afresh)."""
    from lt_plugins.engine import run_archive
    src = cdb_run['work']
    old = _copy_run(src, tmp_path / 'old', ['epoch_1.pth', 'epoch_2.pth',
                                            'cdb_history.json', BEST, RESULT])
    with open(osp.join(old, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(old, 'epoch_2.pth'))  # as mmengine writes it
    kept, files = str(tmp_path / 'docs' / 'partial'), (
        'cdb_history.json', RESULT, BEST, 'weight_norms.json')
    data = dict(seed=0, imbalance=20)
    assert run_archive.keep_partial(old, kept, data, files) == 'epoch_2.pth'
    # the latest checkpoint only; a file the run lacks is not invented
    assert sorted(os.listdir(kept)) == sorted(
        ['epoch_2.pth', 'partial.json', 'cdb_history.json', RESULT, BEST])
    shutil.rmtree(old)
    work = str(tmp_path / 'fresh')
    assert run_archive.restore_partial(work, kept, dict(data, seed=1)) == \
        run_archive.OTHER_DATA and not osp.exists(work)
    assert run_archive.restore_partial(work, kept, data) == \
        run_archive.RESTORED
    cfg = selection_config(toy_root, work, 'toy_cifar10-lt_cdb-w-ce.py',
                           epochs=4)
    cfg.resume = True  # no load_from: mmengine reads last_checkpoint
    runner = Runner.from_cfg(cfg)
    probe = _FileAtStart()
    runner.register_hook(probe)
    runner.train()
    # the kept best_heldout.pth (epoch 3, written after the kept epoch)
    # was set back to the selection the epoch-2 checkpoint holds
    assert probe.epoch == 2
    assert runner.epoch == 4 and sorted(
        f for f in os.listdir(work) if f.startswith('epoch_')) == [
            'epoch_2.pth', 'epoch_3.pth', 'epoch_4.pth']
    first = cdb_run['runner']
    cdb = [h for r in (runner, first) for h in r.hooks
           if type(h).__name__ == 'CDBClsHook']
    assert len(cdb) == 2
    assert [r['epoch'] for r in cdb[0].history] == [1, 2, 3, 4]
    assert cdb[0].history[:2] == cdb[1].history[:2]
    assert [r['epoch'] for r in _hook(runner).history] == [1, 2, 3, 4]
    assert _hook(runner).history[:2] == _hook(first).history[:2]
    # the same run resumed on the spot, from the same files
    spot = _copy_run(src, tmp_path / 'spot', ['epoch_2.pth',
                                              'cdb_history.json', BEST,
                                              RESULT])
    _, on_spot, _ = _resume(toy_root, spot, 'epoch_2.pth', 4)
    assert _same_weights(osp.join(work, 'epoch_4.pth'),
                         osp.join(spot, 'epoch_4.pth'))
    assert _hook(runner).history == _hook(on_spot).history
    assert _same_weights(osp.join(work, BEST), osp.join(spot, BEST))


def test_resume_without_the_file_copies_the_selected_epoch(
        cdb_run, toy_root, tmp_path):
    # resumed from epoch 4 in a work dir without best_heldout.pth: the
    # selection (epoch 3) is copied from epoch_3.pth
    src = cdb_run['work']
    best = _hook(cdb_run['runner']).best_epoch
    assert best == 3
    work = _copy_run(src, tmp_path / 'w', ['epoch_3.pth', 'epoch_4.pth'])
    _, runner, probe = _resume(toy_root, work, 'epoch_4.pth', 5)
    assert probe.epoch == 3
    assert _same_weights(probe.copy, osp.join(src, 'epoch_3.pth'))
    hook = _hook(runner)
    assert [r['epoch'] for r in hook.history] == [1, 2, 3, 4, 5]
    scores = [r['mean_class_accuracy'] for r in hook.history]
    assert hook.best_epoch == int(np.argmax(scores)) + 1
    assert _same_weights(osp.join(work, BEST),
                         osp.join(work, f'epoch_{hook.best_epoch}.pth'))


def test_resume_without_the_selected_weights_removes_a_stale_file(
        cdb_run, toy_root, tmp_path):
    # neither the resumed epoch nor epoch_3.pth: the stale file goes
    src = cdb_run['work']
    work = _copy_run(src, tmp_path / 'w', ['epoch_4.pth'])
    shutil.copyfile(osp.join(src, 'epoch_4.pth'), osp.join(work, BEST))
    _, runner, probe = _resume(toy_root, work, 'epoch_4.pth', 5)
    assert not probe.exists
    hook = _hook(runner)
    fifth = hook.history[-1]['mean_class_accuracy']
    best_before = _hook(cdb_run['runner']).best_accuracy
    if fifth > best_before:
        assert hook.best_epoch == 5 and _meta_epoch(
            osp.join(work, BEST)) == 5
    else:
        assert hook.best_epoch == 3 and not osp.exists(osp.join(work, BEST))


def test_load_from_starts_a_new_selection(cdb_run, toy_root, tmp_path):
    cfg = selection_config(toy_root, tmp_path, 'toy_cifar10-lt_cdb-w-ce.py',
                           epochs=1)
    cfg.load_from = osp.join(cdb_run['work'], 'epoch_4.pth')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert [r['epoch'] for r in _hook(runner).history] == [1]


# ----------------------------------------------------------------- refusals

LOADER = dict(batch_size=2, dataset=dict(type='X'))


@pytest.mark.parametrize('kwargs, error, message', [
    (dict(interval=0), ValueError, r'interval must be an int in \[1, inf\), '
     r'got 0'),
    (dict(interval=2.0), TypeError, r'interval must be an int, got 2\.0'),
    (dict(interval=True), TypeError, r'interval must be an int, got True'),
    (dict(test_selected=1), TypeError, r'test_selected must be a bool .*got '
     r'1 \(int\)'),
    (dict(test_selected='yes'), TypeError, r"test_selected must be a bool "
     r".*got 'yes'"),
], ids=['interval-0', 'interval-float', 'interval-bool', 'test-int',
        'test-str'])
def test_bad_arguments_are_refused_at_construction(kwargs, error, message):
    with pytest.raises(error, match=message):
        HeldOutSelectionHook(dataloader=LOADER, **kwargs)


def test_a_dataloader_that_is_neither_config_nor_loader_is_refused():
    with pytest.raises(TypeError, match=r"dataloader must be .*got "
                       r"'heldout' \(str\)"):
        HeldOutSelectionHook(dataloader='heldout')


class _Iters(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.iters = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.iters += 1


def _refused(cfg, error, message):
    runner = Runner.from_cfg(cfg)
    iters = _Iters()
    runner.register_hook(iters)
    with pytest.raises(error, match=message):
        runner.train()
    assert iters.iters == 0
    assert not osp.exists(osp.join(cfg.work_dir, RESULT))


def test_interval_beyond_max_epochs_is_refused_before_training(toy_root,
                                                               tmp_path):
    _refused(selection_config(toy_root, tmp_path, epochs=2,
                              hook=dict(interval=3)),
             ValueError, r'HeldOutSelectionHook\(interval=3\) never measures'
             r' in this run: max_epochs=2.*interval in \[1, 2\]')


def test_heldout_images_in_the_training_set_are_refused(toy_root, tmp_path):
    # training split built without the hold-out: it holds the held-out
    # images (counts 40 28 20 14 10 7 5 3 2 2: 5 * 10 + 7 + 5 + 3 + 2 + 2)
    _refused(selection_config(
        toy_root, tmp_path, epochs=2,
        **{'train_dataloader.dataset.heldout_per_class': 0}),
        ValueError, r'held-out split \(CIFAR10LT\) shares 69 images with '
        r'the training set')


def test_an_iteration_based_loop_is_refused(toy_root, tmp_path):
    cfg = selection_config(toy_root, tmp_path, epochs=2)
    cfg.train_cfg = dict(by_epoch=False, max_iters=3)
    _refused(cfg, ValueError, r'iteration-based loop .*max_iters=3')


def test_test_selected_without_the_file_is_an_error(toy_root, tmp_path):
    cfg = selection_config(toy_root, tmp_path, hook=dict(test_selected=True))
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FileNotFoundError,
                       match=r'best_heldout\.pth does not exist'):
        runner.test()


# ------------------------------------------------------------ two processes

def _worker(toy_root, work_dir):
    """One rank of the two-process run; writes ``rank<r>.json``."""
    from mmengine.dist import get_rank, get_world_size

    from lt_plugins.engine.cpu_distributed import (close_distributed,
                                                   prepare_cpu_distributed)
    cfg = selection_config(toy_root, work_dir, 'toy_cifar10-lt_cdb-w-ce.py',
                           epochs=3)
    # what tools/train.py does: gloo group, DDP wrapper without device ids
    cfg.launcher = 'pytorch'
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = _hook(runner)
    local = sum(len(b['data_samples']) for b in hook.dataloader)
    out = dict(world_size=get_world_size(),
               wrapper=type(runner.model).__name__, history=hook.history,
               best_epoch=hook.best_epoch, local_images=local)
    with open(osp.join(work_dir, f'rank{get_rank()}.json'), 'w') as f:
        json.dump(out, f)
    close_distributed()


def test_two_processes_select_as_one_process_measures(toy_root, tmp_path):
    from tests.ddp_launch import free_port
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    cmd = [sys.executable, '-m', 'torch.distributed.run',
           '--nproc_per_node=2', f'--master_port={free_port()}',
           osp.abspath(__file__), toy_root, str(tmp_path)]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    ranks = [json.load(open(tmp_path / f'rank{r}.json')) for r in range(2)]
    # one process evaluates every epoch's checkpoint of the DDP run
    cfg = selection_config(toy_root, tmp_path, 'toy_cifar10-lt_cdb-w-ce.py')
    hand = [hand_heldout(cfg, str(tmp_path / f'epoch_{e}.pth'), toy_root)
            for e in (1, 2, 3)]
    means = [float(np.mean(h)) for h in hand]
    best = int(np.argmax(means)) + 1
    for r in ranks:
        assert r['world_size'] == 2
        assert r['wrapper'] == 'MMDistributedDataParallel'
        # counts summed over the ranks: the whole split, each image once
        assert [h['num_images'] for h in r['history']] == [100] * 3
        assert [h['class_accuracy'] for h in r['history']] == [
            pytest.approx(h, rel=1e-12) for h in hand]
        assert r['best_epoch'] == best
        assert r['history'] == ranks[0]['history']
    assert [r['local_images'] for r in ranks] == [50, 50]
    assert _same_weights(str(tmp_path / BEST),
                         str(tmp_path / f'epoch_{best}.pth'))
    assert json.load(open(tmp_path / RESULT))['selected_epoch'] == best


if __name__ == '__main__':
    sys.path.insert(0, REPO)
    _worker(*sys.argv[1:3])
