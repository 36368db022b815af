"""Balanced Softmax loss (Ren et al. 2020).

Ren, Yu, Sheng, Ma, Zhao, Yi and Li, "Balanced Meta-Softmax for Long-Tailed
Visual Recognition", NeurIPS 2020: the Balanced Softmax models the
long-tailed training distribution as ``phi_c ∝ n_c exp(eta_c)``, i.e.

    loss(x, y) = -log softmax(eta(x) + log(n))_y

with ``n_c`` the training images of class c; at test time the plain logits
``eta(x)`` are used. Since ``log(n_c) = log(pi_c) + log(N)`` and softmax
ignores a constant shift, this equals the logit-adjusted loss of Menon et
al. with ``tau = 1`` (:class:`LogitAdjustedLoss`).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from .logit_adjusted_loss import (REDUCTIONS, check_hard_labels,
                                  check_targets_have_samples,
                                  logit_adjusted_cross_entropy,
                                  reduce_per_sample_loss)


def balanced_softmax_cross_entropy(cls_score: torch.Tensor,
                                   label: torch.Tensor,
                                   counts: torch.Tensor) -> torch.Tensor:
    """Per-sample ``CE(cls_score + log(n), label)`` (Ren et al. 2020).

    A class without training images gets ``log 0 = -inf``: probability 0.

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        counts (torch.Tensor): Training images per class, shape (C,).

    Returns:
        torch.Tensor: Loss of every sample, shape (N,).
    """
    log_n = torch.log(torch.as_tensor(counts, dtype=torch.float64)).float()
    return logit_adjusted_cross_entropy(cls_score, label, log_n, tau=1.0)


@MODELS.register_module()
class BalancedSoftmaxLoss(ClassCountsMixin, nn.Module):
    """Balanced Softmax loss of Ren et al. (NeurIPS 2020).

    ``loss = mean_i CE(eta(x_i) + log(n), y_i)`` with the training counts
    ``n`` (``class_counts=[...]`` or ``ClassCountsHook``; a buffer, saved in
    checkpoints). Use it as the ``loss`` of a ``LinearClsHead``; prediction
    uses the plain logits. Per-sample ``weight``, ``avg_factor`` and
    ``reduction_override`` work as in mmpretrain's ``CrossEntropyLoss``.

    Args:
        num_classes (int): Number of classes.
        class_counts (Sequence[int], optional): Training images per class.
        loss_weight (float): Multiplier of the loss. Defaults to 1.
        reduction (str): ``'mean'`` (default), ``'sum'`` or ``'none'``.
    """

    def __init__(self,
                 num_classes: int,
                 class_counts: Optional[Sequence[int]] = None,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS}, got '
                             f'{reduction!r}')
        self.reduction = reduction
        self.loss_weight = float(loss_weight)
        self._init_class_counts(num_classes, class_counts)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        """Loss of a batch.

        Args:
            cls_score (torch.Tensor): Logits, shape (N, C), C the number of
                classes of the counts.
            label (torch.Tensor): Target indices, shape (N,).
            weight (torch.Tensor, optional): Per-sample weights, shape (N,).
            avg_factor (float, optional): Divisor of the (weighted) sum for
                the mean; mmpretrain's heads pass N.
            reduction_override (str, optional): Replaces ``reduction``.

        Returns:
            torch.Tensor: The loss (scalar, or shape (N,) for ``'none'``).
        """
        reduction = reduction_override or self.reduction
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction_override must be one of '
                             f'{REDUCTIONS}, got {reduction_override!r}')
        counts = self.require_class_counts()
        owner = type(self).__name__
        check_hard_labels(cls_score, label, counts.numel(), owner)
        check_targets_have_samples(label, counts, owner)
        per_sample = balanced_softmax_cross_entropy(cls_score, label,
                                                    counts.cpu())
        return self.loss_weight * reduce_per_sample_loss(
            per_sample, weight, reduction, avg_factor)
