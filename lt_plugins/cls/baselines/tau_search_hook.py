"""Choose a post-hoc head's tau on a held-out split before testing.

tau-normalisation (Kang et al., ICLR 2020) rescales each class weight by
``1 / ||w_c||^tau`` and post-hoc logit adjustment (Menon et al., ICLR 2021)
predicts with ``f(x) - tau * log(pi)``. Both are applied to a trained CE
model, and Kang et al. choose tau on a validation split rather than fixing
it. :class:`PostHocTauSearchHook` does that choice on the held-out split
(the CDB difficulty split, images no method trains on): before the test it
predicts the held-out images once per candidate tau, keeps the tau with the
highest mean per-class accuracy and tests with it. The test split is never
looked at.
"""
import copy
import logging
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS
from torch.utils.data import DataLoader

from lt_plugins.engine.run_archive import write_json
from lt_plugins.engine.safe_output import check_file_name

from ..cdb.cdb_cls_hook import per_class_accuracy
from ..heldout_loader import build_heldout_loader, heldout_loader_cfg
from ..sample_overlap import shared_samples
from .finite_real import finite_real

#: Candidate taus unless configured: 0, 0.1, ..., 2 (0 is the plain CE
#: prediction for both heads; 1 their papers' default).
DEFAULT_TAUS = tuple(round(0.1 * i, 1) for i in range(21))


def choose_tau(taus: Sequence[float], correct: np.ndarray,
               total: np.ndarray) -> dict:
    """The tau with the highest mean per-class accuracy.

    Args:
        taus (Sequence[float]): Candidates, length T.
        correct (np.ndarray): Correct predictions per tau and class,
            shape (T, C).
        total (np.ndarray): Held-out images per class, shape (C,).

    Returns:
        dict: ``tau`` (the first candidate with the highest mean accuracy
        over the classes that have held-out images), ``taus`` and
        ``mean_class_accuracy`` (percent, per candidate).

    Raises:
        ValueError: If no class has a held-out image.
    """
    total = np.asarray(total, dtype=np.float64)
    measured = total > 0
    if not measured.any():
        raise ValueError('the held-out split has no image: tau cannot be '
                         'chosen on it')
    correct = np.asarray(correct, dtype=np.float64)
    acc = 100.0 * (correct[:, measured] / total[measured]).mean(axis=1)
    best = int(np.argmax(acc))  # the first of equal maxima
    return dict(tau=float(taus[best]), taus=[float(t) for t in taus],
                mean_class_accuracy=[float(a) for a in acc])


@HOOKS.register_module()
class PostHocTauSearchHook(Hook):
    """Set the head's ``tau`` to the best candidate on a held-out split.

    For heads with a ``tau`` attribute and a ``tau_logits(feats)`` method:
    ``TauNormClsHead`` and ``PostHocLogitAdjustedHead``. At
    ``before_test`` the backbone and neck run once over the held-out
    split; for each candidate the head's ``tau_logits`` scores the
    features, and per-class correct counts (summed over ranks under DDP)
    give each candidate's mean per-class accuracy. The head keeps the best
    tau (the first of equal ones) for the test. The choice is logged and
    written to ``<work_dir>/<result_file>``.

    Example (``tools/test.py`` with a CE checkpoint)::

        model = dict(head=dict(type='TauNormClsHead'))
        custom_hooks = [dict(type='PostHocTauSearchHook',
                             dataloader=dict(batch_size=256, num_workers=2,
                                             dataset=heldout_dataset))]

    The post-hoc logit adjustment also needs ``ClassCountsHook``, which runs
    first (priority ``VERY_HIGH``; this hook is ``LOW``).

    Args:
        dataloader (dict | DataLoader): The held-out split, as
            ``val_dataloader``; without a sampler it gets
            ``DefaultSampler(shuffle=False, round_up=False)``. It must not
            share images with ``train_dataloader`` (checked when the config
            has one and the images can be identified).
        taus (Sequence[float]): Candidates, finite, at least one, no
            repeats, as a list, tuple or 1-d array (the first of equal
            maxima wins). Defaults to 0, 0.1, ..., 2.
        result_file (str): JSON with the candidates' accuracies and the
            chosen tau, in the work dir. Defaults to ``tau_search.json``.
    """

    priority = 'LOW'

    def __init__(self,
                 dataloader: Union[dict, DataLoader],
                 taus: Sequence[float] = DEFAULT_TAUS,
                 result_file: str = 'tau_search.json') -> None:
        # an ordered sequence: its order decides ties (not a set or dict)
        ordered = isinstance(taus, (list, tuple)) or (
            isinstance(taus, np.ndarray) and taus.ndim == 1)
        if not ordered or len(taus) == 0:
            raise ValueError('PostHocTauSearchHook: taus must be a non-empty '
                             'list or tuple of numbers (their order decides '
                             f'ties), got {taus!r}')
        taus = [finite_real(t, 'every tau', type(self).__name__)
                for t in taus]
        repeated = sorted({t for t in taus if taus.count(t) > 1})
        if repeated:
            raise ValueError(f'PostHocTauSearchHook: taus repeat {repeated}')
        self.taus: List[float] = taus
        self.result_file = check_file_name('result_file', result_file)
        self._dataloader = heldout_loader_cfg(dataloader)
        self.result: Optional[dict] = None

    @property
    def dataloader(self) -> DataLoader:
        self._dataloader = build_heldout_loader(self._dataloader)
        return self._dataloader

    @staticmethod
    def _head(runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        head = getattr(model, 'head', None)
        if not hasattr(head, 'tau') or not callable(
                getattr(head, 'tau_logits', None)):
            name = type(head).__name__
            raise TypeError(
                'PostHocTauSearchHook needs a head with a tau and '
                'tau_logits(feats) (TauNormClsHead, '
                f'PostHocLogitAdjustedHead); the model has {name}')
        return model, head

    def _check_disjoint(self, runner) -> None:
        """Raise if the held-out split shares images with the training set
        of the config (skipped when it has none)."""
        loader_cfg = runner.cfg.get('train_dataloader')
        if not loader_cfg or 'dataset' not in loader_cfg:
            return
        from mmpretrain.registry import DATASETS
        train = DATASETS.build(copy.deepcopy(loader_cfg['dataset']))
        heldout = self.dataloader.dataset
        shared = shared_samples(train, heldout)
        if shared is None:
            print_log('PostHocTauSearchHook cannot tell whether the held-out '
                      'split shares images with the training set; make sure '
                      'they are disjoint', logger='current',
                      level=logging.WARNING)
        elif shared:
            raise ValueError(
                f'PostHocTauSearchHook: the held-out split '
                f'({type(heldout).__name__}) shares {len(shared)} images with '
                f'the training set, e.g. {shared[0]}; tau must be chosen on '
                'images the model was not trained on')

    def before_test(self, runner) -> None:
        self.search(runner)

    @torch.no_grad()
    def search(self, runner) -> dict:
        """Choose and set the head's tau; returns :func:`choose_tau`'s dict
        with ``num_images``."""
        model, head = self._head(runner)
        self._check_disjoint(runner)
        num_classes = int(head.num_classes)
        correct = torch.zeros(len(self.taus), num_classes,
                              dtype=torch.float64)
        total = torch.zeros(num_classes, dtype=torch.float64)
        configured, was_training = head.tau, model.training
        model.eval()
        try:
            for batch in self.dataloader:
                data = model.data_preprocessor(batch, False)
                feats = model.extract_feat(data['inputs'])
                gt = torch.cat([s.gt_label.reshape(-1)[:1]
                                for s in data['data_samples']]).cpu()
                for i, tau in enumerate(self.taus):
                    head.tau = tau
                    pred = head.tau_logits(feats).argmax(dim=1).cpu()
                    counts = per_class_accuracy(pred, gt, num_classes)
                    correct[i] += counts[0]
                    if i == 0:
                        total += counts[1]
        finally:
            head.tau = configured
            model.train(was_training)
        all_reduce(correct, op='sum')  # no-ops without DDP
        all_reduce(total, op='sum')
        result = choose_tau(self.taus, correct.numpy(), total.numpy())
        result.update(num_images=int(total.sum()), configured_tau=configured)
        head.tau = result['tau']
        self.result = result
        accuracy = dict(zip(self.taus, result['mean_class_accuracy']))
        configured_text = (f'{accuracy[configured]:.2f}%'
                           if configured in accuracy else 'not a candidate')
        print_log(f'PostHocTauSearchHook: tau {result["tau"]:g}, mean '
                  f'per-class accuracy {accuracy[result["tau"]]:.2f}% on '
                  f'{result["num_images"]} held-out images (the configured '
                  f'tau {configured:g}: {configured_text})', logger='current')
        if is_main_process() and self.result_file:
            write_json(osp.join(runner.work_dir, self.result_file), result)
        return result
