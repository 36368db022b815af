"""PostHocTauSearchHook: tau chosen on the held-out split, by hand.

The selection (``choose_tau``) is checked on small arrays; the hook in real
mmengine Runner tests of a toy CE checkpoint, against the mean per-class
accuracy of every candidate computed here from the held-out features, and
in a two-process (torchrun, gloo) test. This file is also the worker that
torchrun starts.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.baselines import (PostHocTauSearchHook, choose_tau,
                                      log_class_priors, tau_normalize)
from lt_plugins.cls.class_counts import dataset_class_counts
from lt_plugins.cls.sample_overlap import shared_samples

from cls_toy_config import toy_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# candidates that the toy checkpoint tells apart (distinct held-out
# accuracies; the best is not the configured tau 1)
TAU_NORM_TAUS = [0.0, 0.75, 1.0, 2.0]
LOGIT_ADJ_TAUS = [0.0, 0.75, 1.25, 2.0]
HELDOUT_PER_CLASS = 10  # toy_config's default hold-out


# ---------------------------------------------------------------- choose_tau

def test_choose_tau_is_mean_per_class_accuracy_not_pooled():
    taus = [0.0, 0.5, 1.0]
    # class 2 has no held-out image: left out, not counted as accuracy 0
    total = np.array([10, 2, 0, 4])
    correct = np.array([[10, 0, 0, 2],    # 1, 0, 1/2:   mean 1/2, pooled 3/4
                        [5, 2, 0, 2],     # 1/2, 1, 1/2: mean 2/3, pooled 9/16
                        [8, 1, 0, 3]])    # 4/5, 1/2, 3/4: 41/60, pooled 3/4
    result = choose_tau(taus, correct, total)
    assert result['mean_class_accuracy'] == pytest.approx(
        [100 * 1 / 2, 100 * 2 / 3, 100 * 41 / 60], rel=1e-12)
    # pooled accuracy would keep tau 0 (the first of two 3/4)
    assert result['tau'] == 1.0
    assert result['taus'] == [0.0, 0.5, 1.0]


def test_choose_tau_takes_the_first_of_equal_maxima():
    # candidates not sorted: the first in the given order wins, not the
    # smallest or the last; 1/2 and 1 per class vs 1 and 1/2: both 75%
    taus = [2.0, 1.0, 0.5, 3.0]
    total = np.array([2, 2])
    correct = np.array([[1, 1], [1, 2], [0, 1], [2, 1]])
    result = choose_tau(taus, correct, total)
    assert result['mean_class_accuracy'] == [50.0, 75.0, 25.0, 75.0]
    assert result['tau'] == 1.0


def test_choose_tau_without_heldout_images_is_an_error():
    with pytest.raises(ValueError, match='held-out split has no image'):
        choose_tau([0.0, 1.0], np.zeros((2, 3)), np.zeros(3))


# -------------------------------------------------------------- construction

@pytest.mark.parametrize('taus, message', [
    ([], r'taus must be a non-empty list or tuple .*got \[\]'),
    ('0.5', r"taus must be a non-empty list or tuple .*got '0\.5'"),
    (0.5, r'taus must be a non-empty list or tuple .*got 0\.5'),
    (np.array(1.0), r'taus must be a non-empty list or tuple .*'
                    r'got array\(1\.\)'),
    ({0.5, 1.0}, r'taus must be a non-empty list or tuple of numbers '
                 r'\(their order decides ties\), got \{'),
    ([0.5, True], r'every tau must be a finite real number .*got True of '
                  r'type bool'),
    ([0.5, '1'], r"every tau must be a finite real number .*got '1' of "
                 r'type str'),
    ([0.0, float('nan')], r'every tau must be finite, got nan'),
    ([float('-inf'), 1.0], r'every tau must be finite, got -inf'),
    ([0.0, 1, 0.5, 1.0, 0.5], r'taus repeat \[0\.5, 1\.0\]'),
], ids=['empty', 'string', 'scalar', '0-d array', 'set', 'bool', 'str-item',
        'nan', 'inf', 'repeated'])
def test_bad_taus_are_refused_at_construction(taus, message):
    with pytest.raises(ValueError, match=f'PostHocTauSearchHook: {message}'):
        PostHocTauSearchHook(dataloader=dict(dataset=dict()), taus=taus)


def test_numpy_taus_are_accepted_as_floats():
    hook = PostHocTauSearchHook(dataloader=dict(dataset=dict()),
                                taus=np.array([0.0, 0.5], dtype=np.float32))
    assert hook.taus == [0.0, 0.5]
    assert all(type(t) is float for t in hook.taus)


# ------------------------------------------------------- Runner, by hand

def heldout_dataset(toy_root):
    """The toy held-out split of ``toy_config`` (10 images per class, seed
    0), disjoint from its training split."""
    return dict(type='CIFAR10LT', data_root=toy_root, split='heldout',
                imbalance_ratio=20, heldout_per_class=HELDOUT_PER_CLASS,
                seed=0, pipeline=[dict(type='PackInputs')])


def search_config(toy_root, work_dir, ckpt, head, taus=None, counts=False,
                  **options):
    """The toy CE config testing ``ckpt`` with ``head``; with the search
    hook over the held-out split when ``taus`` is given."""
    cfg = toy_config(toy_root, work_dir, 'toy_cifar10-lt_ce.py', **options)
    cfg.model.head.update(head)
    cfg.load_from = ckpt
    hooks = []
    if taus is not None:
        hooks.append(dict(type='PostHocTauSearchHook', taus=taus,
                          dataloader=dict(batch_size=100, num_workers=0,
                                          dataset=heldout_dataset(toy_root))))
    if counts:
        # listed after the search: its priority must put it first
        hooks.append(dict(type='ClassCountsHook'))
    cfg.custom_hooks = hooks
    return cfg


@pytest.fixture(scope='module')
def ce_checkpoint(toy_root, tmp_path_factory):
    """A toy CE checkpoint, 3 epochs (after 1 the logits are so far apart
    that no logit-adjustment candidate changes a held-out prediction)."""
    work = tmp_path_factory.mktemp('tau_search_ce')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        cfg = toy_config(toy_root, work, 'toy_cifar10-lt_ce.py')
        cfg.train_cfg.max_epochs = 3
        Runner.from_cfg(cfg).train()
    return str(work / 'epoch_3.pth')


class _Record(Hook):
    """Test predictions in data order, and when the first batch came."""
    priority = 'LOWEST'

    def __init__(self):
        self.labels, self.batches = [], 0

    def before_test_iter(self, runner, batch_idx, data_batch=None):
        self.batches += 1

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self.labels += [int(o.pred_label) for o in outputs]


def _test(cfg):
    runner = Runner.from_cfg(cfg)
    rec = _Record()
    runner.register_hook(rec)
    metrics = runner.test()
    return runner, rec, metrics


def _features(model, dataset):
    """Neck features (float64) and labels of ``dataset``, in data order."""
    loader = Runner.build_dataloader(dict(
        batch_size=100, num_workers=0, dataset=dataset,
        sampler=dict(type='DefaultSampler', shuffle=False)))
    model.eval()
    feats, labels = [], []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            feats.append(model.extract_feat(data['inputs'])[-1])
            labels += [int(s.gt_label) for s in data['data_samples']]
    return torch.cat(feats).double(), np.array(labels)


def _mean_class_accuracy(logits, labels):
    """Mean over the classes of the percentage predicted right."""
    pred = logits.argmax(dim=1).numpy()
    return 100.0 * np.mean([np.mean(pred[labels == c] == c)
                            for c in np.unique(labels)])


def _fc(ckpt):
    sd = torch.load(ckpt, map_location='cpu', weights_only=False)
    return (sd['state_dict']['head.fc.weight'].double(),
            sd['state_dict']['head.fc.bias'].double())


def _check_search(runner, taus, hand, work_dir, configured):
    """The hook's choice and its file against the hand accuracies."""
    best = taus[int(np.argmax(hand))]
    # the candidates are told apart, and the search moves tau
    assert len(set(np.round(hand, 6))) == len(taus), hand
    assert best != configured
    assert runner.model.head.tau == best
    hook = next(h for h in runner.hooks
                if isinstance(h, PostHocTauSearchHook))
    saved = json.load(open(osp.join(work_dir, 'tau_search.json')))
    for result in (hook.result, saved):
        assert result['tau'] == best
        assert result['taus'] == taus
        assert result['mean_class_accuracy'] == pytest.approx(hand,
                                                              rel=1e-12)
        assert result['num_images'] == 10 * HELDOUT_PER_CLASS
        assert result['configured_tau'] == configured
    return best


@pytest.fixture(scope='module')
def tau_norm_search(toy_root, ce_checkpoint, tmp_path_factory):
    """One search of ``TauNormClsHead`` (configured tau 1) in a test run."""
    work = str(tmp_path_factory.mktemp('tau_norm_search'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        cfg = search_config(toy_root, work, ce_checkpoint,
                            dict(type='TauNormClsHead', tau=1.0),
                            taus=TAU_NORM_TAUS)
        runner, rec, metrics = _test(cfg)
        train = Runner.build_dataloader(cfg.train_dataloader).dataset
        heldout = _features(runner.model, heldout_dataset(toy_root))
        test = _features(runner.model, cfg.test_dataloader.dataset)
    return dict(runner=runner, rec=rec, metrics=metrics, work=work,
                cfg=cfg, train=train, heldout=heldout, test=test)


def test_tau_norm_search_picks_the_hand_computed_tau(tau_norm_search,
                                                     toy_root,
                                                     ce_checkpoint,
                                                     tmp_path):
    run = tau_norm_search
    heldout = DATASETS.build(heldout_dataset(toy_root))
    # the split the tau is chosen on holds no training image
    assert shared_samples(run['train'], heldout) == []
    feats, labels = run['heldout']
    assert np.bincount(labels).tolist() == [HELDOUT_PER_CLASS] * 10
    w, _ = _fc(ce_checkpoint)
    # Kang et al.: logits x . w_c / ||w_c||^tau, no bias
    hand = [_mean_class_accuracy(feats @ tau_normalize(w, tau).T, labels)
            for tau in TAU_NORM_TAUS]
    best = _check_search(run['runner'], TAU_NORM_TAUS, hand, run['work'],
                         configured=1.0)

    # the test predicted with the chosen tau ...
    test_feats, _ = run['test']
    assert run['rec'].labels == (
        test_feats @ tau_normalize(w, best).T).argmax(dim=1).tolist()
    # ... exactly as a run with that tau configured
    _, rec, metrics = _test(search_config(
        toy_root, tmp_path, ce_checkpoint,
        dict(type='TauNormClsHead', tau=best)))
    assert rec.labels == run['rec'].labels
    assert metrics == run['metrics']


def test_logit_adjustment_search_picks_the_hand_computed_tau(
        toy_root, ce_checkpoint, tmp_path):
    head = dict(type='PostHocLogitAdjustedHead', tau=1.0)
    cfg = search_config(toy_root, tmp_path / 'search', ce_checkpoint, head,
                        taus=LOGIT_ADJ_TAUS, counts=True)
    runner, rec, metrics = _test(cfg)
    counts = dataset_class_counts(
        Runner.build_dataloader(cfg.train_dataloader).dataset)
    # ClassCountsHook filled the counts, before the search needed them
    assert runner.model.head.class_counts.tolist() == counts.tolist()
    feats, labels = _features(runner.model, heldout_dataset(toy_root))
    w, b = _fc(ce_checkpoint)
    log_prior = log_class_priors(counts).double()
    # Menon et al.: f(x) - tau * log(pi)
    hand = [_mean_class_accuracy(feats @ w.T + b - tau * log_prior, labels)
            for tau in LOGIT_ADJ_TAUS]
    best = _check_search(runner, LOGIT_ADJ_TAUS, hand,
                         str(tmp_path / 'search'), configured=1.0)

    test_feats, _ = _features(runner.model, cfg.test_dataloader.dataset)
    assert rec.labels == (test_feats @ w.T + b - best * log_prior).argmax(
        dim=1).tolist()
    fixed = search_config(toy_root, tmp_path / 'fixed', ce_checkpoint,
                          dict(head, tau=best), counts=True)
    _, fixed_rec, fixed_metrics = _test(fixed)
    assert fixed_rec.labels == rec.labels
    assert fixed_metrics == metrics


def test_head_without_tau_fails_before_the_first_test_batch(
        toy_root, tmp_path):
    cfg = search_config(toy_root, tmp_path, None, {}, taus=[0.0, 1.0])
    runner = Runner.from_cfg(cfg)
    rec = _Record()
    runner.register_hook(rec)
    with pytest.raises(TypeError, match='the model has LinearClsHead'):
        runner.test()
    assert rec.batches == 0


def test_heldout_images_in_the_training_set_are_an_error(toy_root, tmp_path):
    # training split built without the hold-out: it holds the first 10
    # images of each class's permutation, i.e. the held-out split's
    cfg = search_config(toy_root, tmp_path, None,
                        dict(type='TauNormClsHead'), taus=[0.0, 1.0],
                        **{'train_dataloader.dataset.heldout_per_class': 0})
    runner = Runner.from_cfg(cfg)
    rec = _Record()
    runner.register_hook(rec)
    # counts 40 28 20 14 10 7 5 3 2 2: 5 * 10 + 7 + 5 + 3 + 2 + 2 shared
    with pytest.raises(ValueError,
                       match=r'held-out split \(CIFAR10LT\) shares 69 images '
                       r'with the training set, e\.g\. '
                       r'.*cifar-10-batches-py:train:\d+'):
        runner.test()
    assert rec.batches == 0
    assert not osp.exists(osp.join(str(tmp_path), 'tau_search.json'))


# ------------------------------------------------------------- two processes

def _worker(toy_root, ckpt, work_dir):
    """One rank of the two-process test run; writes ``rank<r>.json``."""
    from mmengine.dist import get_rank, get_world_size

    from lt_plugins.engine.cpu_distributed import (close_distributed,
                                                   prepare_cpu_distributed)

    cfg = search_config(toy_root, work_dir, ckpt,
                        dict(type='TauNormClsHead', tau=1.0),
                        taus=TAU_NORM_TAUS)
    # what tools/test.py does: gloo group, DDP wrapper without device ids
    cfg.launcher = 'pytorch'
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    hook = next(h for h in runner.hooks
                if isinstance(h, PostHocTauSearchHook))
    local = sum(len(b['data_samples']) for b in hook.dataloader)
    out = dict(world_size=get_world_size(),
               wrapper=type(runner.model).__name__,
               tau=runner.model.module.head.tau, result=hook.result,
               local_images=local, metrics=metrics)
    with open(osp.join(work_dir, f'rank{get_rank()}.json'), 'w') as f:
        json.dump(out, f)
    close_distributed()


def test_two_processes_choose_as_one(tau_norm_search, toy_root,
                                     ce_checkpoint, tmp_path):
    from tests.ddp_launch import free_port
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    cmd = [sys.executable, '-m', 'torch.distributed.run',
           '--nproc_per_node=2', f'--master_port={free_port()}',
           osp.abspath(__file__), toy_root, ce_checkpoint, str(tmp_path)]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    ranks = [json.load(open(tmp_path / f'rank{r}.json')) for r in range(2)]
    one = tau_norm_search['runner']
    single = next(h for h in one.hooks
                  if isinstance(h, PostHocTauSearchHook)).result
    for r in ranks:
        assert r['world_size'] == 2
        assert r['wrapper'] == 'MMDistributedDataParallel'
        # counts summed over the ranks: the whole split, each image once
        assert r['result']['num_images'] == 10 * HELDOUT_PER_CLASS
        assert r['result'] == single
        assert r['tau'] == single['tau']
        assert r['metrics'] == tau_norm_search['metrics']
    # each rank predicted its own half
    assert [r['local_images'] for r in ranks] == [50, 50]
    assert json.load(open(tmp_path / 'tau_search.json')) == single


if __name__ == '__main__':
    sys.path.insert(0, REPO)
    _worker(*sys.argv[1:4])
