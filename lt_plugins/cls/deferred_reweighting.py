"""Deferred re-weighting (DRW) of a loss, by epoch or by iteration.

Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware
Margin Loss", NeurIPS 2019: train with the plain loss first and switch to
class-balanced weights (Cui et al. 2019, beta 0.9999; see
:mod:`lt_plugins.cls.ala.class_balanced`) late in training, on CIFAR at
epoch 160 of 200. ALA's loss and the LDAM loss share this schedule.

The threshold is an epoch (``drw_epoch``) or an iteration (``drw_iter``),
both 0-based; the current value is read from mmengine's message hub, where
``RuntimeInfoHook`` (a default hook of every ``Runner``) writes ``'epoch'``
before every training epoch and ``'iter'`` before every training
iteration. mmengine's ``IterBasedTrainLoop`` stays at epoch 0 for the whole
run, so an epoch threshold >= 1 would never be reached there: the schedule
is checked against the loop before training (:meth:`check_train_loop`,
called by ``ClassCountsHook``) and again, from the message hub's
``max_epochs``/``max_iters``, on the first training step.
"""
from typing import Optional

import torch
from mmengine.logging import MessageHub

from lt_plugins.core.validation import check_choice, check_int, check_real
from .ala.class_balanced import AVG_MODES, class_balanced_weights


# how to shorten a run on purpose; the loss sits at model.head.loss in the
# ALA and LDAM-DRW configs (ALAHead's loss)
SHORTENED_RUN = (
    'If the schedule was shortened on purpose (a quick check), move the '
    'threshold with it: --cfg-options model.head.loss.{key}=None (no '
    'deferred re-weighting) or a {key} the shortened run reaches (below {n}).')


def _hub_info(key: str) -> int:
    value = MessageHub.get_current_instance().get_info(key)
    if value is None:
        raise RuntimeError(
            f'deferred re-weighting (drw_{key}=...) needs the current '
            f'training {key}, read from '
            f"mmengine's message hub ('{key}', written by RuntimeInfoHook "
            'in an mmengine Runner), but none is set. Train with an mmengine '
            'Runner or leave deferred re-weighting off (drw_epoch=None, '
            'drw_iter=None).')
    return int(value)


def current_train_epoch() -> int:
    """The 0-based epoch that is being trained, from mmengine's message hub.

    mmengine's ``RuntimeInfoHook`` writes ``runner.epoch`` to the ``'epoch'``
    info of the message hub in ``before_train`` and ``before_train_epoch``;
    a resumed run restores it.

    Returns:
        int: The epoch (0 for the first one).
    """
    return _hub_info('epoch')


def current_train_iter() -> int:
    """The 0-based iteration that is being trained, from the message hub.

    ``RuntimeInfoHook`` writes ``runner.iter`` to ``'iter'`` in
    ``before_train`` and ``before_train_iter``, in epoch- and
    iteration-based loops alike.

    Returns:
        int: The iteration (0 for the first one).
    """
    return _hub_info('iter')


class DeferredReweightingMixin:
    """Class-balanced re-weighting from a given epoch or iteration on.

    For an ``nn.Module`` that also has :class:`ClassCountsMixin`'s
    ``class_counts``; call :meth:`_init_drw` in ``__init__``.
    """

    def _init_drw(self, drw_epoch: Optional[int], drw_iter: Optional[int],
                  drw_beta: float, drw_avg_by: str) -> None:
        drw_epoch = check_int('drw_epoch', drw_epoch, 0, allow_none=True)
        drw_iter = check_int('drw_iter', drw_iter, 0, allow_none=True)
        if drw_epoch is not None and drw_iter is not None:
            raise ValueError(
                'set drw_epoch (epoch-based loops) or drw_iter (any loop), '
                f'not both; got drw_epoch={drw_epoch!r}, '
                f'drw_iter={drw_iter!r}')
        self.drw_beta = check_real('drw_beta', drw_beta, 0.0, 1.0,
                                   high_open=True)
        check_choice('drw_avg_by', drw_avg_by, AVG_MODES)
        self.drw_epoch = drw_epoch
        self.drw_iter = drw_iter
        self.drw_avg_by = drw_avg_by

    def _drw_setting(self) -> str:
        if self.drw_epoch is not None:
            return f'drw_epoch={self.drw_epoch}'
        return f'drw_iter={self.drw_iter}'

    def check_drw_schedule(self, max_epochs: Optional[int],
                           max_iters: Optional[int],
                           loop: str = 'the training loop') -> None:
        """Raise if the re-weighting would never start in this run.

        A schedule shortened on purpose (a quick check with fewer epochs)
        must move the threshold with it; the message says how.

        Args:
            max_epochs (int, optional): Epochs of the training loop
                (mmengine's ``IterBasedTrainLoop`` reports 1). None: unknown.
            max_iters (int, optional): Iterations of the training loop.
                None: unknown.
            loop (str): The loop's name, for the message.

        Raises:
            ValueError: If the threshold is not below the loop's length.
        """
        owner = type(self).__name__
        if self.drw_epoch is not None and max_epochs is not None \
                and self.drw_epoch >= max_epochs:
            raise ValueError(
                f'{owner}({self._drw_setting()}) would never start deferred '
                f're-weighting: {loop} runs {max_epochs} epoch(s), 0-based '
                f'0..{max_epochs - 1} (an IterBasedTrainLoop stays at epoch '
                '0 for the whole run). Use drw_iter=<0-based iteration> with '
                'an iteration-based loop, or a drw_epoch below max_epochs. '
                f'{SHORTENED_RUN.format(key="drw_epoch", n=max_epochs)}')
        if self.drw_iter is not None and max_iters is not None \
                and self.drw_iter >= max_iters:
            raise ValueError(
                f'{owner}({self._drw_setting()}) would never start deferred '
                f're-weighting: {loop} runs {max_iters} iterations, 0-based '
                f'0..{max_iters - 1}. Use a drw_iter below max_iters. '
                f'{SHORTENED_RUN.format(key="drw_iter", n=max_iters)}')

    def check_train_loop(self, train_loop) -> None:
        """Check the schedule against mmengine's training loop (before
        training; ``ClassCountsHook`` calls it).

        Args:
            train_loop: ``runner.train_loop``.
        """
        self.check_drw_schedule(
            getattr(train_loop, 'max_epochs', None),
            getattr(train_loop, 'max_iters', None),
            loop=f'{type(train_loop).__name__}')

    def drw_active(self) -> bool:
        """Whether the current training step uses the class-balanced weights.

        Also checks, from the message hub, that the threshold is reachable
        in this run, for configs without ``ClassCountsHook``.
        """
        if self.drw_epoch is None and self.drw_iter is None:
            return False
        hub = MessageHub.get_current_instance()
        self.check_drw_schedule(hub.get_info('max_epochs'),
                                hub.get_info('max_iters'))
        if self.drw_epoch is not None:
            return current_train_epoch() >= self.drw_epoch
        return current_train_iter() >= self.drw_iter

    def drw_class_weight(self) -> torch.Tensor:
        """Class-balanced weights of the stored counts (Cui et al. eq. 4),
        shape (C,)."""
        return class_balanced_weights(self.require_class_counts(),
                                      self.drw_beta)
