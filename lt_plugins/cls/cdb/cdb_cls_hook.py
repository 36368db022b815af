"""Class-difficulty measurement for classifiers (CDB, paper section 3)."""
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import all_reduce
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch.utils.data import DataLoader

from lt_plugins.engine.difficulty_consumer import find_weight_consumers
from lt_plugins.engine.difficulty_hook import (DifficultyHookBase,
                                               build_heldout_dataloader)

from ..class_counts import dataset_class_counts
from ..evaluation import ShotGroupAccuracy
from ..heldout_loader import build_heldout_loader, heldout_loader_cfg
from ..sample_overlap import shared_samples


def per_class_accuracy(pred: torch.Tensor, target: torch.Tensor,
                       num_classes: int) -> torch.Tensor:
    """Correct and total counts per class (summable over ranks).

    Args:
        pred (torch.Tensor): Predicted labels, shape (N,).
        target (torch.Tensor): True labels, shape (N,).
        num_classes (int): C.

    Returns:
        torch.Tensor: float64, shape (2, C): row 0 correct, row 1 total.
    """
    target = target.long().reshape(-1)
    pred = pred.long().reshape(-1)
    if target.numel() and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(f'held-out label {int(target.max())} outside '
                         f'[0, {num_classes})')
    correct = torch.bincount(target[pred == target], minlength=num_classes)
    total = torch.bincount(target, minlength=num_classes)
    return torch.stack([correct, total]).double()


@torch.no_grad()
def heldout_class_counts(model, dataloader, num_classes: int) -> np.ndarray:
    """Correct and total top-1 counts per class of ``model`` on a
    held-out loader, summed over the ranks (every rank gets the same).

    The model predicts in eval mode (BatchNorm with its running
    statistics) and is put back into the mode it was in.

    Args:
        model: The runner's model (a wrapper or not).
        dataloader: The held-out loader (each rank a disjoint share).
        num_classes (int): C.

    Returns:
        np.ndarray: float64, shape (2, C): row 0 correct, row 1 total.
    """
    was_training = model.training
    model.eval()
    counts = torch.zeros(2, num_classes, dtype=torch.float64)
    try:
        for data_batch in dataloader:
            outputs = model.val_step(data_batch)
            pred = torch.stack([
                o.pred_score.argmax() if 'pred_score' in o else
                o.pred_label.reshape(-1)[0] for o in outputs
            ]).cpu()
            gt = torch.cat(
                [o.gt_label.reshape(-1)[:1] for o in outputs]).cpu()
            counts += per_class_accuracy(pred, gt, num_classes)
    finally:
        model.train(was_training)
    all_reduce(counts, op='sum')  # no-op without DDP
    return counts.numpy()


@HOOKS.register_module()
class CDBClsHook(DifficultyHookBase):
    """Measure per-class top-1 accuracy on a held-out split and set CDB
    weights in every :class:`CDBLoss` of the model and in a
    :class:`CDBSampler` of the training loader.

    After every ``interval`` epochs the model predicts the held-out split
    (each rank a disjoint share), per-class correct/total counts are summed
    over ranks, ``A_c = correct_c / total_c`` (paper eq. 1; a class without
    held-out images is unmeasured and keeps its previous difficulty), and
    :func:`lt_plugins.core.compute_cdb_weights` gives the weights (eqs.
    3-10). Schedule, checkpoint state, logging and the JSON history are those
    of :class:`~lt_plugins.engine.difficulty_hook.DifficultyHookBase`.

    Example::

        custom_hooks = [dict(type='CDBClsHook', interval=1,
                             dataloader=dict(batch_size=128, num_workers=2,
                                             dataset=heldout_dataset))]

    ``before_train`` refuses, before the first iteration: neither a CDB
    loss nor a ``CDBSampler`` in the run, an empty held-out split (naming
    it), class counts or names that disagree, a held-out split sharing
    images with the training set, and a schedule that never measures
    (:meth:`~lt_plugins.engine.DifficultyHookBase.check_schedule`). Every
    CDB loss and ``CDBSampler`` of the run is served by the hook; one in a
    run without it refuses to train (its weights would stay 1: plain CE or
    class-balanced sampling under the CDB name) unless built with
    ``fixed_weights=True``.

    Args:
        dataloader (dict): Config of the held-out dataloader (as
            ``val_dataloader``). Without a sampler it gets
            ``DefaultSampler(shuffle=False, round_up=False)``; ``round_up``
            is forced off so that no image is counted twice under DDP.
        **kwargs: ``interval``, ``tau``, ``t_max``, ``eps``, ``d_min``,
            ``power``, ``normalize``, ``history_file``,
            ``measure_before_train`` and the robust variants (off by
            default) ``tau_max``, ``difficulty_momentum``,
            ``warmup_epochs``, ``weight_floor`` of the base hook.
    """

    metric_name = 'accuracy'

    def __init__(self, dataloader: Union[dict, DataLoader], **kwargs) -> None:
        super().__init__(**kwargs)
        self._dataloader = heldout_loader_cfg(dataloader)
        self._targets: List = []

    # ------------------------------------------------------------ helpers
    @property
    def dataloader(self) -> DataLoader:
        # an empty held-out split fails inside mmengine without its name
        self._dataloader = build_heldout_dataloader(
            build_heldout_loader, self._dataloader, 'CDBClsHook')
        return self._dataloader

    @staticmethod
    def _unwrap(model):
        return model.module if is_model_wrapper(model) else model

    def _find_targets(self, runner) -> List:
        """Every CDB loss of the model, then the train sampler if CDB-S
        (:func:`~lt_plugins.engine.difficulty_consumer.find_weight_consumers`).
        """
        losses, samplers = find_weight_consumers(
            self._unwrap(runner.model), runner.train_dataloader)
        targets = losses + samplers
        if not targets:
            raise RuntimeError(
                'CDBClsHook found neither a CDB loss (e.g. '
                "loss=dict(type='CDBLoss', ...)) in the model nor a "
                "CDBSampler (sampler=dict(type='CDBSampler')) in "
                'train_dataloader; there is nothing to weight')
        n = {int(t.num_classes) for t in targets}
        if len(n) != 1:
            raise ValueError(f'the CDB losses/sampler disagree on the number '
                             f'of classes: {sorted(n)}')
        return targets

    # ------------------------------------------------------- base contract
    def class_names(self, runner) -> Sequence[str]:
        classes = self.dataloader.dataset.metainfo.get('classes')
        n = self._num_classes(runner)
        if classes is None:
            return [str(i) for i in range(n)]
        if len(classes) != n:
            raise ValueError(f'the held-out data set has {len(classes)} '
                             f'classes, the CDB loss/sampler {n}')
        # the names go into the JSON history after every measurement; a
        # bytes name (a CIFAR meta file pickled by Python 3) would crash
        # that write only after a whole epoch of training
        for i, name in enumerate(classes):
            if not isinstance(name, str):
                raise TypeError(
                    f'class name {i} of the held-out data set '
                    f'({type(self.dataloader.dataset).__name__}) is '
                    f'{name!r} of type {type(name).__name__}; CDBClsHook '
                    'writes the names to a JSON history and needs str. '
                    "Decode them (e.g. metainfo=dict(classes=[...]))")
        return list(classes)

    def _num_classes(self, runner) -> int:
        if not self._targets:
            self._targets = self._find_targets(runner)
        return int(self._targets[0].num_classes)

    def weight_consumers(self, runner) -> List:
        if not self._targets:
            self._targets = self._find_targets(runner)
        return list(self._targets)

    def before_train(self, runner) -> None:
        self._targets = self._find_targets(runner)
        # builds the held-out loader (an empty split fails here, named) and
        # fails early on a class-count mismatch or names JSON cannot hold
        self.class_names(runner)
        self._check_disjoint(runner)
        self._check_shot_counts(runner)
        # (the base class sets weight 1 when no state was restored)
        super().before_train(runner)

    def _check_disjoint(self, runner) -> None:
        """Raise if the held-out split shares images with the training set.

        Skipped with a warning when the images cannot be identified (see
        :mod:`lt_plugins.cls.sample_overlap`).
        """
        train = runner.train_dataloader.dataset
        heldout = self.dataloader.dataset
        shared = shared_samples(train, heldout)
        if shared is None:
            runner.logger.warning(
                f'CDBClsHook cannot tell whether the held-out split '
                f'({type(heldout).__name__}) shares images with the training '
                f'set ({type(train).__name__}): their samples have neither '
                'source_id nor img_path; make sure they are disjoint')
        elif shared:
            raise ValueError(
                f'the held-out split ({type(heldout).__name__}) shares '
                f'{len(shared)} images with the training set '
                f'({type(train).__name__}), e.g. {shared[0]}; class '
                'difficulty must be measured on images the model is not '
                'trained on. CIFAR-LT: build train and heldout with the same '
                'heldout_per_class and seed; ImageNet-LT/Places-LT: use the '
                'val list')

    def _check_shot_counts(self, runner) -> None:
        """Warn if a :class:`ShotGroupAccuracy` of the validation evaluator
        counts other training images per class than the training set has."""
        val_loop = runner.val_loop
        metrics = [] if val_loop is None else [
            m for m in val_loop.evaluator.metrics
            if isinstance(m, ShotGroupAccuracy)
        ]
        if not metrics:
            return
        try:
            counts = dataset_class_counts(runner.train_dataloader.dataset)
        except TypeError as e:  # a wrapper whose labels cannot be read
            runner.logger.warning(f'shot-group class counts not checked: {e}')
            return
        for metric in metrics:
            msg = metric.count_mismatch(counts)
            if msg:
                runner.logger.warning(msg)

    def training_class_counts(self, runner) -> Optional[np.ndarray]:
        """Training images per class (None for a data set wrapper whose
        labels cannot be read)."""
        if not hasattr(self, '_train_counts'):
            try:
                self._train_counts = np.asarray(dataset_class_counts(
                    runner.train_dataloader.dataset), dtype=np.float64)
            except TypeError:
                self._train_counts = None
        return self._train_counts

    def apply_weights(self, runner, weights: np.ndarray) -> None:
        if not self._targets:
            self._targets = self._find_targets(runner)
        for target in self._targets:
            target.update_weights(weights)

    @torch.no_grad()
    def measure(self, runner) -> np.ndarray:
        """Per-class top-1 accuracy on the held-out split, shape (C,).

        NaN for a class without held-out images (unmeasured).
        """
        counts = heldout_class_counts(runner.model, self.dataloader,
                                      self._num_classes(runner))
        correct, total = counts
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(total > 0, correct / total, np.nan)
