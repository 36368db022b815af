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
from mmpretrain.registry import MODELS

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin


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
    is the head's plain logits.

    Args:
        num_classes (int): Number of classes.
        tau (float): Adjustment scale; the paper's default is 1.
        class_counts (Sequence[int], optional): Training images per class.
        loss_weight (float): Multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 num_classes: int,
                 tau: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not (isinstance(tau, (int, float)) and tau == tau
                and abs(tau) != float('inf')):
            raise ValueError(f'tau must be a finite number, got {tau!r}')
        self.tau = float(tau)
        self.loss_weight = float(loss_weight)
        self._init_class_counts(num_classes, class_counts)

    def log_prior(self) -> torch.Tensor:
        """``log(pi_c)`` of the stored counts, shape (C,)."""
        return log_class_priors(self.require_class_counts())

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                avg_factor: Optional[float] = None, **kwargs) -> torch.Tensor:
        """Loss of a batch.

        Args:
            cls_score (torch.Tensor): Logits, shape (N, C).
            label (torch.Tensor): Target indices, shape (N,).
            avg_factor: Ignored (mmpretrain passes N); the loss is the mean
                over the batch.

        Returns:
            torch.Tensor: Scalar loss.
        """
        if label.dim() != 1:
            raise ValueError(f'{type(self).__name__} needs hard labels of '
                             f'shape (N,), got shape {tuple(label.shape)}')
        check_targets_have_samples(label, self.require_class_counts(),
                                   type(self).__name__)
        per_sample = logit_adjusted_cross_entropy(cls_score, label,
                                                  self.log_prior(), self.tau)
        return self.loss_weight * per_sample.mean()
