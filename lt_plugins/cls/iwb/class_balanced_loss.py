"""Class-balanced softmax cross-entropy as an mmpretrain loss."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from lt_plugins.cls.ala.class_balanced import (AVG_MODES,
                                               class_balanced_cross_entropy,
                                               class_balanced_weights)
from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.core.validation import check_choice, check_real


@MODELS.register_module()
class ClassBalancedCELoss(ClassCountsMixin, nn.Module):
    """Softmax CE weighted by ``(1 - beta) / (1 - beta ** n_y)`` (Cui et al.).

    The loss of IWB stage 2 (SPEC section 3, ``beta = 0.9999``). Usable as
    the ``loss`` of any mmpretrain ``ClsHead``. The class counts live in the
    ``class_counts`` buffer; fill it with ``class_counts=[...]`` or the
    ``ClassCountsHook``.

    Args:
        num_classes (int): Number of classes (``IWBHead`` fills it in).
        beta (float): Effective-number hyper-parameter. Defaults to 0.9999.
        avg_by (str): ``'samples'`` (default, Cui et al.: ``sum w_y CE / N``)
            or ``'weights'`` (``sum w_y CE / sum w_y``).
        class_counts (Sequence[int], optional): Training samples per class.
        loss_weight (float): Multiplier of the loss, finite and >= 0.
            Defaults to 1.
    """

    def __init__(self,
                 num_classes: int,
                 beta: float = 0.9999,
                 avg_by: str = 'samples',
                 class_counts: Optional[Sequence[int]] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        num_classes = check_class_counts_arg(num_classes, class_counts)
        self.beta = check_real('beta', beta, 0.0, 1.0, high_open=True)
        check_choice('avg_by', avg_by, AVG_MODES)
        self.avg_by = avg_by
        self.loss_weight = check_real('loss_weight', loss_weight, 0.0)
        self._init_class_counts(num_classes, class_counts)

    def class_weight(self) -> torch.Tensor:
        """Class-balanced weights from the stored counts, shape (C,)."""
        return class_balanced_weights(self.require_class_counts(), self.beta)

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                avg_factor: Optional[float] = None, **kwargs) -> torch.Tensor:
        """Loss of a batch.

        Args:
            cls_score (torch.Tensor): Logits, shape (N, C).
            label (torch.Tensor): Target indices, shape (N,).
            avg_factor: Ignored (mmpretrain passes N); the normalisation is
                set by ``avg_by``.

        Returns:
            torch.Tensor: Scalar loss.
        """
        if label.dim() != 1:
            raise ValueError('ClassBalancedCELoss needs hard labels of shape '
                             f'(N,), got shape {tuple(label.shape)}')
        w = self.class_weight().to(cls_score.device)
        return self.loss_weight * class_balanced_cross_entropy(
            cls_score, label, w, self.avg_by)
