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
from mmpretrain.registry import MODELS

from .logit_adjusted_loss import (LogitAdjustedLoss,
                                  logit_adjusted_cross_entropy)


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
class BalancedSoftmaxLoss(LogitAdjustedLoss):
    """Balanced Softmax loss of Ren et al. (NeurIPS 2020).

    ``loss = mean_i CE(eta(x_i) + log(n), y_i)`` with the training counts
    ``n`` (``class_counts=[...]`` or ``ClassCountsHook``; a buffer, saved in
    checkpoints). Use it as the ``loss`` of a ``LinearClsHead``; prediction
    uses the plain logits. It is :class:`LogitAdjustedLoss` with ``tau = 1``
    and the adjustment ``log(n_c)`` instead of ``log(pi_c)`` (the same loss:
    softmax ignores the constant ``log N``); per-sample ``weight``,
    ``avg_factor`` and ``reduction_override`` work as there.

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
        super().__init__(num_classes, tau=1.0, class_counts=class_counts,
                         loss_weight=loss_weight, reduction=reduction)

    def log_prior(self) -> torch.Tensor:
        """``log(n_c)`` of the stored counts, shape (C,)."""
        counts = self.require_class_counts().cpu()
        return torch.log(counts.to(torch.float64)).float()
