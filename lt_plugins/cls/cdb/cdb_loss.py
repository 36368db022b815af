"""CDB-W-CE and CDB-W-FL losses for mmpretrain classification heads."""
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmpretrain.registry import MODELS

from lt_plugins.core.cdb_loss import (REDUCTIONS, cdb_cross_entropy,
                                      cdb_softmax_focal_loss, reduce_loss)
from lt_plugins.core.validation import (check_bool, check_choice, check_int,
                                        check_real)
from lt_plugins.engine.difficulty_consumer import DifficultyWeightedModule


@MODELS.register_module()
class CDBLoss(DifficultyWeightedModule):
    """Class-difficulty weighted softmax CE or focal loss (paper eqs. 12-14).

    ``loss_i = w_{y_i} * CE_i`` (CDB-W-CE, ``focal_gamma=None``) or
    ``w_{y_i} * (1 - p_{y_i}) ** gamma * CE_i`` (CDB-W-FL); the mean divides
    by the number of samples (or ``avg_factor``), not by the sum of weights
    (SPEC section 1). The math is :mod:`lt_plugins.core.cdb_loss`.

    The weights ``w`` live in the buffer ``class_weight`` (ones until the
    first difficulty measurement); :class:`CDBClsHook` sets them with
    :meth:`update_weights`. Being a buffer they are part of the model's
    state dict, hence of every checkpoint. Without the hook the weights would
    stay 1 (plain CE under the CDB name), so the loss refuses to train unless
    a :class:`CDBClsHook` serves it or it is built with
    ``fixed_weights=True`` (see :mod:`lt_plugins.engine.difficulty_consumer`).

    Example::

        head=dict(type='LinearClsHead', num_classes=100, in_channels=64,
                  loss=dict(type='CDBLoss', num_classes=100))

    Args:
        num_classes (int): Number of classes C.
        focal_gamma (float, optional): ``None`` for CDB-W-CE, the focusing
            exponent (e.g. 2.0, finite and >= 0) for CDB-W-FL.
        loss_weight (float): Multiplier of the loss, finite and >= 0.
            Defaults to 1.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        ignore_index (int): Label whose samples get loss 0.
        fixed_weights (bool): Train with fixed class weights (1, set with
            :meth:`update_weights`, or loaded with a checkpoint) without a
            :class:`CDBClsHook`. Defaults to False.
        normalize_by_weight_sum (bool): With ``reduction='mean'``, divide
            the batch's summed weighted loss by the sum of its samples'
            class weights ``sum_i w_{y_i}`` (torch's weighted
            ``cross_entropy`` mean; the authors' ImageNet-LT code) instead
            of the number of samples (the paper and their CIFAR-LT code).
            The weight sum replaces any ``avg_factor`` the caller passes:
            mmpretrain's heads always pass the batch size, the plain
            mean. Mean-1 class weights keep the mean over classes at 1, not
            the mean over a long-tailed batch's samples, so the default
            shrinks the loss (and the effective learning rate) by the
            batch's mean weight; this option undoes that. Defaults to False.
    """

    difficulty_hook_hint = ("dict(type='CDBClsHook', dataloader=<held-out "
                            "dataloader>) (docs/classification.md)")

    def __init__(self,
                 num_classes: int,
                 focal_gamma: Optional[float] = None,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 ignore_index: int = -100,
                 fixed_weights: bool = False,
                 normalize_by_weight_sum: bool = False) -> None:
        super().__init__()
        self.init_difficulty_consumer(fixed_weights)
        self.normalize_by_weight_sum = check_bool('normalize_by_weight_sum',
                                                  normalize_by_weight_sum)
        num_classes = check_int('num_classes', num_classes, 1)
        focal_gamma = check_real('focal_gamma', focal_gamma, 0.0,
                                 allow_none=True)
        loss_weight = check_real('loss_weight', loss_weight, 0.0)
        check_choice('reduction', reduction, REDUCTIONS)
        ignore_index = check_int('ignore_index', ignore_index)
        self.num_classes = num_classes
        self.focal_gamma = focal_gamma
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.ignore_index = ignore_index
        self.register_buffer('class_weight', torch.ones(num_classes))

    @torch.no_grad()
    def update_weights(
            self, weights: Union[np.ndarray, torch.Tensor,
                                 Sequence[float]]) -> None:
        """Replace the class weights.

        Args:
            weights (array-like): New weights, shape (num_classes,), finite
                and >= 0.
        """
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        if w.shape != (self.num_classes, ):
            raise ValueError(f'CDBLoss has {self.num_classes} classes but got '
                             f'weights of shape {tuple(w.shape)}')
        if not torch.isfinite(w).all() or (w < 0).any():
            raise ValueError(f'class weights must be finite and >= 0, got '
                             f'{w.tolist()}')
        self.class_weight.copy_(w.to(self.class_weight))

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """Weighted loss of a batch.

        Args:
            cls_score (torch.Tensor): Logits, shape (N, C).
            label (torch.Tensor): Hard labels, shape (N,).
            weight (torch.Tensor, optional): Per-sample weights, shape (N,).
            avg_factor (float, optional): Divisor of the mean.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            torch.Tensor: Scalar loss, or shape (N,) for ``'none'``.
        """
        if label.dim() != 1:
            raise ValueError(
                'CDBLoss needs hard labels of shape (N,), got shape '
                f'{tuple(label.shape)} (soft labels from mixup/cutmix or '
                'label smoothing are not supported)')
        reduction = reduction_override or self.reduction
        if self.focal_gamma is None:
            loss = cdb_cross_entropy(cls_score, label, self.class_weight,
                                     self.ignore_index)
        else:
            loss = cdb_softmax_focal_loss(cls_score, label, self.class_weight,
                                          self.focal_gamma, self.ignore_index)
        if self.normalize_by_weight_sum and reduction == 'mean':
            # replaces the head's avg_factor (the batch size)
            kept = label != self.ignore_index
            w = torch.zeros_like(loss)
            w[kept] = self.class_weight.to(loss)[label[kept]]
            if weight is not None:
                w = w * weight.to(loss)
            avg_factor = w.sum()
        loss = reduce_loss(loss, weight, reduction, avg_factor)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        kind = ('CDB-W-CE' if self.focal_gamma is None else
                f'CDB-W-FL, gamma={self.focal_gamma}')
        return f'{kind}, num_classes={self.num_classes}'
