"""CDB-weighted softmax cross-entropy and focal loss (paper eqs. 12-14).

Plain torch functions; the mmdet and mmpretrain registry adapters wrap them.
"""
from typing import Optional

import torch
import torch.nn.functional as F


def _check(cls_score: torch.Tensor, label: torch.Tensor,
           class_weight: torch.Tensor) -> None:
    if cls_score.dim() != 2:
        raise ValueError('cls_score must have shape (N, C), got '
                         f'{tuple(cls_score.shape)}')
    if class_weight.numel() != cls_score.size(1):
        raise ValueError(
            f'the loss has {class_weight.numel()} class weights but cls_score '
            f'has {cls_score.size(1)} outputs; check num_classes')


def cdb_cross_entropy(cls_score: torch.Tensor,
                      label: torch.Tensor,
                      class_weight: torch.Tensor,
                      ignore_index: int = -100) -> torch.Tensor:
    """Per-sample CDB-W-CE, ``w_{y_i} * CE_i`` (paper eq. 12).

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        class_weight (torch.Tensor): Weight of each output class, shape (C,).
        ignore_index (int): Label whose samples get loss 0.

    Returns:
        torch.Tensor: Unreduced loss, shape (N,).
    """
    _check(cls_score, label, class_weight)
    # with reduction='none', torch's class weight gives w_{y_i} * CE_i per
    # sample (no normalisation), in one fused kernel
    return F.cross_entropy(
        cls_score,
        label,
        weight=class_weight.to(cls_score.dtype),
        reduction='none',
        ignore_index=ignore_index)


def cdb_softmax_focal_loss(cls_score: torch.Tensor,
                           label: torch.Tensor,
                           class_weight: torch.Tensor,
                           gamma: float = 2.0,
                           ignore_index: int = -100) -> torch.Tensor:
    """Per-sample CDB-W-FL, ``w_{y_i} (1 - p_{y_i})^gamma CE_i`` (eq. 14).

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        class_weight (torch.Tensor): Weight of each output class, shape (C,).
        gamma (float): Focusing exponent. Defaults to 2.
        ignore_index (int): Label whose samples get loss 0.

    Returns:
        torch.Tensor: Unreduced loss, shape (N,).
    """
    _check(cls_score, label, class_weight)
    valid = label != ignore_index
    safe = torch.where(valid, label, torch.zeros_like(label))
    logp = F.log_softmax(cls_score, dim=1).gather(1, safe[:, None])[:, 0]
    focal = (1.0 - logp.exp()).clamp(min=0).pow(gamma)
    loss = -class_weight.to(logp.dtype)[safe] * focal * logp
    return torch.where(valid, loss, torch.zeros_like(loss))


def reduce_loss(loss: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                reduction: str = 'mean',
                avg_factor: Optional[float] = None) -> torch.Tensor:
    """mmdet's ``weight_reduce_loss`` semantics without importing mmdet.

    ``mean`` divides by ``avg_factor`` when given, otherwise by the number of
    elements; never by the sum of class weights (SPEC section 1).
    """
    if weight is not None:
        loss = loss * weight.to(loss.dtype)
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(f'reduction must be none, mean or sum, got '
                         f'{reduction!r}')
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        if avg_factor is not None:  # as mmdet's weight_reduce_loss
            raise ValueError('avg_factor can not be used with '
                             'reduction="sum"')
        return loss.sum()
    if avg_factor is None:
        return loss.mean()
    eps = torch.finfo(torch.float32).eps
    return loss.sum() / (avg_factor + eps)


def cdb_sigmoid_focal_loss(pred: torch.Tensor,
                           label: torch.Tensor,
                           class_weight: torch.Tensor,
                           gamma: float = 2.0,
                           alpha: float = 0.25) -> torch.Tensor:
    """Class-weighted sigmoid focal loss for dense heads (SPEC section 1).

    The focal loss of Lin et al. (RetinaNet) computed per class with a
    sigmoid, each class column multiplied by its CDB weight ``w_c``.

    Args:
        pred (torch.Tensor): Logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,); ``C`` (or any value
            outside ``[0, C)``) means background.
        class_weight (torch.Tensor): Foreground class weights, shape (C,).
        gamma (float): Focusing exponent. Defaults to 2.
        alpha (float): Positive/negative balance. Defaults to 0.25.

    Returns:
        torch.Tensor: Unreduced loss, shape (N, C).
    """
    _check(pred, label, class_weight)
    num_classes = pred.size(1)
    fg = (label >= 0) & (label < num_classes)
    target = torch.zeros_like(pred)
    target[fg, label[fg]] = 1.0
    prob = pred.sigmoid()
    pt = (1 - prob) * target + prob * (1 - target)
    focal = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    loss = F.binary_cross_entropy_with_logits(
        pred, target, reduction='none') * focal
    return loss * class_weight.to(loss.dtype)[None, :]
