"""Training-set class counts for losses and heads that need them.

ALA's quantity factor, the class-balanced weights of ALA's deferred
re-weighting and of IWB stage 2, and IWB's number coefficient all depend on
the number of training samples per class. A module that needs them mixes in
:class:`ClassCountsMixin` (a ``class_counts`` buffer, so the counts are saved
in checkpoints); :class:`ClassCountsHook` fills every such module from the
training data set before training starts. Counts can also be given in the
config (``class_counts=[...]``), which the hook then leaves alone.
"""
import copy
import logging
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from lt_plugins.cls.class_counts import dataset_class_counts
from lt_plugins.core.validation import check_bool


class ClassCountsMixin:
    """A ``class_counts`` buffer of shape (num_classes,) on an ``nn.Module``.

    All zeros means "not known yet". Call :meth:`_init_class_counts` in
    ``__init__`` after ``nn.Module.__init__``.
    """

    def _init_class_counts(self, num_classes: int,
                           class_counts: Optional[Sequence[int]]) -> None:
        if int(num_classes) <= 0:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes!r}')
        # int64 buffer: saved with the state dict, restored on resume
        self.register_buffer('class_counts',
                             torch.zeros(int(num_classes), dtype=torch.long))
        if class_counts is not None:
            self.set_class_counts(class_counts)

    @property
    def has_class_counts(self) -> bool:
        """Whether counts have been set (from the config, hook or ckpt)."""
        return bool(self.class_counts.sum() > 0)

    def set_class_counts(self, counts: Union[Sequence[int], np.ndarray,
                                             torch.Tensor]) -> None:
        """Set the training samples per class.

        Args:
            counts (Sequence[int] | ndarray | Tensor): Shape (num_classes,),
                non-negative integers, not all zero.
        """
        t = torch.as_tensor(np.asarray(counts), dtype=torch.float64).flatten()
        n = self.class_counts.numel()
        if t.numel() != n:
            raise ValueError(f'{type(self).__name__} has {n} classes but got '
                             f'{t.numel()} class counts')
        if (t < 0).any() or (t != t.round()).any() or t.sum() <= 0:
            raise ValueError('class counts must be non-negative integers, not '
                             f'all zero; got {t.tolist()}')
        self.class_counts.copy_(t.long())

    def require_class_counts(self) -> torch.Tensor:
        """The counts, or a clear error when they were never set.

        Returns:
            torch.Tensor: int64, shape (num_classes,).
        """
        if not self.has_class_counts:
            raise RuntimeError(
                f'{type(self).__name__} has no training class counts. Add '
                "custom_hooks=[dict(type='ClassCountsHook')] to the config "
                '(reads them from train_dataloader.dataset) or pass '
                'class_counts=[...] to it.')
        return self.class_counts


@HOOKS.register_module()
class ClassCountsHook(Hook):
    """Push the training set's class counts into every module that wants them.

    At ``before_train`` (after ``load_from``/``resume``), the counts of
    ``runner.train_dataloader.dataset`` (via
    :func:`lt_plugins.cls.class_counts.dataset_class_counts`) are given to
    every submodule of the model that has ``set_class_counts`` (see
    :class:`ClassCountsMixin`). Modules that already hold counts (from the
    config or a resumed checkpoint) keep them unless ``overwrite=True``; a
    mismatch with the data set is logged.

    A validation- or test-only run (``tools/test.py``, e.g. the post-hoc
    logit adjustment of a CE checkpoint) never calls ``before_train``: there
    the hook fills, at ``before_val``/``before_test``, the modules that still
    have no counts, from the data set of the config's ``train_dataloader``.

    After filling (or keeping) the counts, it calls ``check_class_counts()``
    of every module that has one (``PostHocLogitAdjustedHead`` refuses a
    class without images there), so counts that only fail at prediction
    time fail before training or testing instead.

    It also checks, before the first step, every module with a
    ``check_train_loop`` method (the deferred re-weighting of ``ALALoss``
    and ``LDAMLoss``) against ``runner.train_loop``, so that a re-weighting
    threshold the loop never reaches (``drw_epoch`` under an
    ``IterBasedTrainLoop``) fails at once.

    Args:
        overwrite (bool): Replace counts that are already set.
            Defaults to False.
    """

    # before other hooks that might read the counts in before_train
    priority = 'VERY_HIGH'

    def __init__(self, overwrite: bool = False) -> None:
        self.overwrite = check_bool('overwrite', overwrite)

    @staticmethod
    def _targets(runner) -> list:
        return [(name, m) for name, m in runner.model.named_modules()
                if callable(getattr(m, 'set_class_counts', None))]

    def before_val(self, runner) -> None:
        self._fill_missing(runner)
        self._check_counts(runner)

    def before_test(self, runner) -> None:
        self._fill_missing(runner)
        self._check_counts(runner)

    def _check_counts(self, runner) -> None:
        """Let every module with ``check_class_counts`` check its counts."""
        for _, m in self._targets(runner):
            if callable(getattr(m, 'check_class_counts', None)):
                m.check_class_counts()

    def _fill_missing(self, runner) -> None:
        """Give counts to the modules that have none, outside training."""
        missing = [(name, m) for name, m in self._targets(runner)
                   if not m.has_class_counts]
        if not missing:
            return
        loader_cfg = runner.cfg.get('train_dataloader')
        if not loader_cfg or 'dataset' not in loader_cfg:
            raise RuntimeError(
                'ClassCountsHook: '
                f'{", ".join(n or "model" for n, _ in missing)} have no '
                'class counts and the config has no train_dataloader.dataset '
                'to count; give class_counts=[...] in the config')
        from mmpretrain.registry import DATASETS
        dataset = DATASETS.build(copy.deepcopy(loader_cfg['dataset']))
        for name, m in missing:
            counts = dataset_class_counts(dataset,
                                          num_classes=m.class_counts.numel())
            m.set_class_counts(counts)
            print_log(f'ClassCountsHook: {name or "model"} got the class '
                      f'counts of {int(counts.sum())} training samples of '
                      'train_dataloader.dataset', logger='current')

    def before_train(self, runner) -> None:
        for _, m in runner.model.named_modules():
            if callable(getattr(m, 'check_train_loop', None)):
                m.check_train_loop(runner.train_loop)
        targets = self._targets(runner)
        if not targets:
            print_log('ClassCountsHook: no module of the model takes class '
                      'counts; nothing to do', logger='current',
                      level=logging.WARNING)
            return
        dataset = runner.train_dataloader.dataset
        for name, m in targets:
            counts = dataset_class_counts(dataset,
                                          num_classes=m.class_counts.numel())
            if m.has_class_counts and not self.overwrite:
                if not np.array_equal(m.class_counts.cpu().numpy(), counts):
                    print_log(f'ClassCountsHook: {name or "model"} keeps its '
                              'configured/restored class counts, which differ '
                              'from the training set\'s', logger='current',
                              level=logging.WARNING)
                continue
            m.set_class_counts(counts)
            print_log(f'ClassCountsHook: {name or "model"} got class counts '
                      f'of {int(counts.sum())} training samples '
                      f'(min {int(counts.min())}, max {int(counts.max())})',
                      logger='current')
        # kept (configured or restored) counts too
        self._check_counts(runner)
