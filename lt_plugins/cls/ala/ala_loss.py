"""ALA loss module for mmpretrain (ALA eq. 8, SPEC section 4)."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS

from .ala_math import LOG_BASES, ala_logits, quantity_factor
from .class_balanced import (AVG_MODES, class_balanced_cross_entropy,
                             class_balanced_weights)
from .class_counts_hook import ClassCountsMixin


def current_train_epoch() -> int:
    """The 0-based epoch that is being trained, from mmengine's message hub.

    mmengine's ``RuntimeInfoHook`` (a default hook of every ``Runner``)
    writes ``runner.epoch`` to the ``'epoch'`` info of the message hub in
    ``before_train`` and ``before_train_epoch``; a resumed run restores it.

    Returns:
        int: The epoch (0 for the first one).
    """
    epoch = MessageHub.get_current_instance().get_info('epoch')
    if epoch is None:
        raise RuntimeError(
            "ALALoss(drw_epoch=...) needs the current epoch, read from "
            "mmengine's message hub ('epoch', written by RuntimeInfoHook in "
            'an epoch-based mmengine Runner), but none is set. Train with '
            'EpochBasedTrainLoop or set drw_epoch=None.')
    return int(epoch)


@MODELS.register_module()
class ALALoss(ClassCountsMixin, nn.Module):
    """Adaptive logit adjustment loss on cosine logits (ALA eq. 8).

    ``loss = CE(s * (cos - onehot * DF * QF_y), y)``, optionally weighted by
    class-balanced weights (Cui et al., ``beta``) from epoch ``drw_epoch``
    on: the deferred re-weighting (DRW) of LDAM-DRW, whose training strategy
    the ALA paper follows.

    The training class counts live in the ``class_counts`` buffer (saved in
    checkpoints); fill it with ``class_counts=[...]`` or the
    ``ClassCountsHook``. The current epoch for DRW is read from mmengine's
    message hub (``'epoch'``, 0-based, set by ``RuntimeInfoHook`` before
    every training epoch), so no extra hook is needed.

    Args:
        num_classes (int): Number of classes (the head fills it in).
        log_base (str): Log of the quantity factor, ``'e'`` (paper) or
            ``'2'`` (QF = 1 on the rarest class).
        class_counts (Sequence[int], optional): Training samples per class.
        drw_epoch (int, optional): 0-based epoch from which the loss is
            class-balanced re-weighted; None (default) never.
            LDAM-DRW on CIFAR uses 160 of 200.
        drw_beta (float): ``beta`` of the class-balanced weights.
            Defaults to 0.9999.
        drw_avg_by (str): Normalisation of the weighted loss, ``'weights'``
            (default; ``F.cross_entropy(weight=...)`` as in the LDAM-DRW
            code) or ``'samples'`` (Cui et al.).
        loss_weight (float): Multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 num_classes: int,
                 log_base: str = 'e',
                 class_counts: Optional[Sequence[int]] = None,
                 drw_epoch: Optional[int] = None,
                 drw_beta: float = 0.9999,
                 drw_avg_by: str = 'weights',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if str(log_base) not in LOG_BASES:
            raise ValueError(f'log_base must be one of {LOG_BASES}, '
                             f'got {log_base!r}')
        if drw_epoch is not None and int(drw_epoch) < 0:
            raise ValueError(f'drw_epoch must be >= 0 or None, '
                             f'got {drw_epoch!r}')
        if not 0.0 <= drw_beta < 1.0:
            raise ValueError(f'drw_beta must be in [0, 1), got {drw_beta!r}')
        if drw_avg_by not in AVG_MODES:
            raise ValueError(f'drw_avg_by must be one of {AVG_MODES}, '
                             f'got {drw_avg_by!r}')
        self.log_base = str(log_base)
        self.drw_epoch = None if drw_epoch is None else int(drw_epoch)
        self.drw_beta = float(drw_beta)
        self.drw_avg_by = drw_avg_by
        self.loss_weight = float(loss_weight)
        self._init_class_counts(num_classes, class_counts)

    def quantity_factor(self) -> torch.Tensor:
        """QF of every class from the stored counts, shape (C,)."""
        return quantity_factor(self.require_class_counts(), self.log_base)

    def drw_active(self) -> bool:
        """Whether the current epoch uses the class-balanced weights."""
        return (self.drw_epoch is not None
                and current_train_epoch() >= self.drw_epoch)

    def forward(self, cosine: torch.Tensor, label: torch.Tensor,
                scale: float) -> torch.Tensor:
        """ALA loss of a batch.

        Args:
            cosine (torch.Tensor): Cosine logits, shape (N, C).
            label (torch.Tensor): Target indices, shape (N,).
            scale (float): Logit scale ``s``.

        Returns:
            torch.Tensor: Scalar loss (mean over the batch, or the
            class-weighted mean once DRW is active).
        """
        qf = self.quantity_factor().to(cosine.device)
        logits = ala_logits(cosine, label, qf, scale)
        if self.drw_active():
            w = class_balanced_weights(self.class_counts, self.drw_beta)
            loss = class_balanced_cross_entropy(
                logits, label, w.to(cosine.device), self.drw_avg_by)
        else:
            loss = F.cross_entropy(logits, label)
        return self.loss_weight * loss
