"""Logit-adjusted softmax cross-entropy (Menon et al. 2021).

Menon, Jayasumana, Rawat, Jain, Veit and Kumar, "Long-tail learning via
logit adjustment", ICLR 2021, the logit-adjusted loss:

    loss(x, y) = -log softmax(f(x) + tau * log(pi))_y

with ``pi_c = n_c / sum_k n_k`` the class priors, estimated from the training
counts, and ``tau = 1`` the paper's default. Adding ``tau * log(pi)`` to the
logits during training makes the plain logits ``f(x)`` approximate the
balanced (class-prior-free) posterior, so prediction uses ``f(x)`` as is.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.core.validation import check_choice, check_real

REDUCTIONS = ('none', 'mean', 'sum')


def log_class_priors(counts: Union[torch.Tensor, Sequence[int]]
                     ) -> torch.Tensor:
    """``log(pi_c) = log(n_c / sum_k n_k)`` of every class.

    A class without training images gets ``-inf``: its softmax probability
    is then exactly 0 in an adjusted loss, which is harmless because such a
    class is never a training target.

    Args:
        counts (Tensor | Sequence[int]): Training images per class, shape
            (C,), non-negative, not all zero.

    Returns:
        torch.Tensor: float32 log priors, shape (C,).
    """
    n = torch.as_tensor(counts, dtype=torch.float64).flatten()
    if n.numel() == 0 or (n < 0).any() or n.sum() <= 0:
        raise ValueError('class counts must be a non-empty vector of '
                         f'non-negative numbers, not all 0; got {n.tolist()}')
    return torch.log(n / n.sum()).float()


def check_targets_have_samples(label: torch.Tensor, counts: torch.Tensor,
                               owner: str) -> None:
    """Raise if a target class has no training images in ``counts``.

    Its adjusted logit is ``-inf`` and the loss would be infinite; the
    counts then belong to another training set.
    """
    empty = counts.to(label.device)[label] <= 0
    if empty.any():
        bad = sorted({int(c) for c in label[empty].tolist()})
        raise ValueError(
            f'{owner}: target class(es) {bad} have 0 training images in the '
            'class counts; the counts do not describe this training set')


def check_hard_labels(cls_score: torch.Tensor, label: torch.Tensor,
                      num_classes: int, owner: str) -> None:
    """Raise unless ``cls_score`` is (N, C) for the ``C = num_classes`` of
    the class counts and ``label`` holds N class indices.

    A logit width other than the counts' would otherwise broadcast wrongly
    or fail deep inside ``+ log(pi)`` with a message about tensor sizes.
    """
    if cls_score.dim() != 2 or cls_score.size(1) != num_classes:
        raise ValueError(
            f'{owner} has class counts of {num_classes} classes but got '
            f'logits of shape {tuple(cls_score.shape)} '
            f'({cls_score.size(-1) if cls_score.dim() else 0} classes); '
            'num_classes of the loss and of the head must agree')
    if label.dim() != 1 or label.size(0) != cls_score.size(0):
        raise ValueError(f'{owner} needs hard labels of shape '
                         f'({cls_score.size(0)},), got shape '
                         f'{tuple(label.shape)}')


def reduce_per_sample_loss(loss: torch.Tensor,
                           weight: Optional[torch.Tensor],
                           reduction: str,
                           avg_factor: Optional[float]) -> torch.Tensor:
    """Per-sample weights and reduction as mmpretrain's
    ``CrossEntropyLoss`` applies them (``weight_reduce_loss``).

    Args:
        loss (torch.Tensor): Loss of every sample, shape (N,).
        weight (torch.Tensor, optional): Weight of every sample, shape (N,).
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor (float, optional): Divisor of the weighted sum for
            ``'mean'`` (mmpretrain's heads pass N).

    Returns:
        torch.Tensor: The reduced loss (shape (N,) for ``'none'``).
    """
    if weight is not None:
        weight = torch.as_tensor(weight, device=loss.device).float()
        if weight.shape != loss.shape:
            raise ValueError(f'weight must have one entry per sample, shape '
                             f'{tuple(loss.shape)}, got shape '
                             f'{tuple(weight.shape)}')
    return weight_reduce_loss(loss, weight=weight, reduction=reduction,
                              avg_factor=avg_factor)


def logit_adjusted_cross_entropy(cls_score: torch.Tensor,
                                 label: torch.Tensor,
                                 log_prior: torch.Tensor,
                                 tau: float = 1.0) -> torch.Tensor:
    """Per-sample ``CE(cls_score + tau * log_prior, label)`` (Menon et al.).

    Args:
        cls_score (torch.Tensor): Logits ``f(x)``, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        log_prior (torch.Tensor): ``log(pi_c)``, shape (C,).
        tau (float): Scaling of the adjustment. Defaults to 1.

    Returns:
        torch.Tensor: Loss of every sample, shape (N,).
    """
    adjusted = cls_score + tau * log_prior.to(cls_score)
    return F.cross_entropy(adjusted, label, reduction='none')


@MODELS.register_module()
class LogitAdjustedLoss(ClassCountsMixin, nn.Module):
    """Logit-adjusted loss of Menon et al. (ICLR 2021).

    ``loss = mean_i CE(f(x_i) + tau * log(pi), y_i)`` with the class priors
    ``pi`` from the training counts (``class_counts=[...]`` or
    ``ClassCountsHook``; stored in the ``class_counts`` buffer, so saved in
    checkpoints). Use it as the ``loss`` of a ``LinearClsHead``; prediction
    is the head's plain logits. Per-sample ``weight``, ``avg_factor`` and
    ``reduction_override`` work as in mmpretrain's ``CrossEntropyLoss``.

    Args:
        num_classes (int): Number of classes.
        tau (float): Adjustment scale; the paper's default is 1. A finite
            number >= 0 (numpy scalars too; not a bool): 0 is plain CE, a
            negative tau would strengthen the prior instead of removing it.
        class_counts (Sequence[int], optional): Training images per class.
        loss_weight (float): Multiplier of the loss, finite and >= 0.
            Defaults to 1.
        reduction (str): ``'mean'`` (default), ``'sum'`` or ``'none'``.
    """

    def __init__(self,
                 num_classes: int,
                 tau: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        num_classes = check_class_counts_arg(num_classes, class_counts)
        self.tau = check_real(f'{type(self).__name__}: tau', tau, 0.0)
        check_choice('reduction', reduction, REDUCTIONS)
        self.reduction = reduction
        self.loss_weight = check_real('loss_weight', loss_weight, 0.0)
        self._init_class_counts(num_classes, class_counts)

    def log_prior(self) -> torch.Tensor:
        """``log(pi_c)`` of the stored counts, shape (C,)."""
        return log_class_priors(self.require_class_counts())

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
        per_sample = logit_adjusted_cross_entropy(cls_score, label,
                                                  self.log_prior(), self.tau)
        return self.loss_weight * reduce_per_sample_loss(
            per_sample, weight, reduction, avg_factor)
