"""ALA loss module for mmpretrain (ALA eq. 8, SPEC section 4)."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.cls.deferred_reweighting import (  # noqa: F401
    DeferredReweightingMixin, current_train_epoch)
from lt_plugins.core.validation import check_real
from .ala_math import LOG_BASES, ala_logits, quantity_factor
from .class_balanced import class_balanced_cross_entropy
from .class_counts_hook import ClassCountsMixin


@MODELS.register_module()
class ALALoss(DeferredReweightingMixin, ClassCountsMixin, nn.Module):
    """Adaptive logit adjustment loss on cosine logits (ALA eq. 8).

    ``loss = CE(s * (cos - onehot * DF * QF_y), y)``, optionally weighted by
    class-balanced weights (Cui et al., ``beta``) from epoch ``drw_epoch``
    (or iteration ``drw_iter``) on: the deferred re-weighting (DRW) of
    LDAM-DRW, whose training strategy the ALA paper follows (see
    :mod:`lt_plugins.cls.deferred_reweighting`).

    The training class counts live in the ``class_counts`` buffer (saved in
    checkpoints); fill it with ``class_counts=[...]`` or the
    ``ClassCountsHook``. The current epoch (iteration) for DRW is read from
    mmengine's message hub (``'epoch'``/``'iter'``, 0-based, set by
    ``RuntimeInfoHook``), so no extra hook is needed. A threshold the
    training loop never reaches (``drw_epoch >= 1`` under mmengine's
    ``IterBasedTrainLoop``, which stays at epoch 0) is an error before
    training (``ClassCountsHook``) or at the latest on the first step.

    Args:
        num_classes (int): Number of classes (the head fills it in).
        log_base (str): Log of the quantity factor, ``'e'`` (paper) or
            ``'2'`` (QF = 1 on the rarest class).
        class_counts (Sequence[int], optional): Training samples per class.
        drw_epoch (int, optional): 0-based epoch from which the loss is
            class-balanced re-weighted; None (default) never.
            LDAM-DRW on CIFAR uses 160 of 200. Epoch-based loops only.
        drw_iter (int, optional): 0-based iteration from which the loss is
            re-weighted, for iteration-based loops (``IterBasedTrainLoop``);
            None (default) never. At most one of ``drw_epoch`` and
            ``drw_iter`` may be set.
        drw_beta (float): ``beta`` of the class-balanced weights.
            Defaults to 0.9999.
        drw_avg_by (str): Normalisation of the weighted loss, ``'weights'``
            (default; ``F.cross_entropy(weight=...)`` as in the LDAM-DRW
            code) or ``'samples'`` (Cui et al.).
        loss_weight (float): Multiplier of the loss, finite and >= 0.
            Defaults to 1.
    """

    def __init__(self,
                 num_classes: int,
                 log_base: str = 'e',
                 class_counts: Optional[Sequence[int]] = None,
                 drw_epoch: Optional[int] = None,
                 drw_iter: Optional[int] = None,
                 drw_beta: float = 0.9999,
                 drw_avg_by: str = 'weights',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        num_classes = check_class_counts_arg(num_classes, class_counts)
        loss_weight = check_real('loss_weight', loss_weight, 0.0)
        if str(log_base) not in LOG_BASES:
            raise ValueError(f'log_base must be one of {LOG_BASES}, '
                             f'got {log_base!r}')
        self._init_drw(drw_epoch, drw_iter, drw_beta, drw_avg_by)
        self.log_base = str(log_base)
        self.loss_weight = loss_weight
        self._init_class_counts(num_classes, class_counts)

    def quantity_factor(self) -> torch.Tensor:
        """QF of every class from the stored counts, shape (C,)."""
        return quantity_factor(self.require_class_counts(), self.log_base)

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
            w = self.drw_class_weight().to(cosine.device)
            loss = class_balanced_cross_entropy(logits, label, w,
                                                self.drw_avg_by)
        else:
            loss = F.cross_entropy(logits, label)
        return self.loss_weight * loss
