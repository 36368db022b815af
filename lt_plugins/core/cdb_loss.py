"""CDB-weighted softmax cross-entropy and focal loss (paper eqs. 12-14).

Plain torch functions; the mmdet and mmpretrain registry adapters wrap them.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from .validation import check_choice, check_int, check_real

REDUCTIONS = ('none', 'mean', 'sum')


def _check(cls_score: torch.Tensor,
           label: torch.Tensor,
           class_weight: torch.Tensor,
           ignore_index: Optional[int] = None,
           num_labels: Optional[int] = None) -> None:
    """Refuse shapes and labels the loss cannot score, naming the cause.

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        class_weight (torch.Tensor): Shape (C,).
        ignore_index (int, optional): A label that is skipped.
        num_labels (int, optional): Labels must lie in ``[0, num_labels)``;
            defaults to C.
    """
    if cls_score.dim() != 2:
        raise ValueError('cls_score must have shape (N, C), got '
                         f'{tuple(cls_score.shape)}')
    if class_weight.numel() != cls_score.size(1):
        raise ValueError(
            f'the loss has {class_weight.numel()} class weights but cls_score '
            f'has {cls_score.size(1)} outputs; check num_classes')
    if label.dim() != 1 or label.size(0) != cls_score.size(0):
        raise ValueError(f'label must have shape ({cls_score.size(0)},) for '
                         f'cls_score of shape {tuple(cls_score.shape)}, got '
                         f'{tuple(label.shape)}')
    n = cls_score.size(1) if num_labels is None else num_labels
    valid = (label >= 0) & (label < n)
    if ignore_index is not None:
        valid |= label == ignore_index
    if not bool(valid.all()):
        bad = (~valid).nonzero().flatten()
        first = int(bad[0])
        ignored = '' if ignore_index is None else \
            f' or ignore_index={ignore_index}'
        raise ValueError(
            f'label {int(label[first])} (sample {first}; {bad.numel()} of '
            f'{label.numel()} labels are out of range) is not a class of '
            f'this loss: valid labels are 0..{n - 1}{ignored}. The labels '
            'of the data and num_classes of the head and its loss disagree')


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

    Raises:
        ValueError: For a label outside ``[0, C)`` that is not
            ``ignore_index``, or mismatching shapes.
    """
    ignore_index = check_int('ignore_index', ignore_index)
    _check(cls_score, label, class_weight, ignore_index)
    # with reduction='none', torch's class weight gives w_{y_i} * CE_i per
    # sample (no normalisation), in one fused kernel
    return F.cross_entropy(
        cls_score,
        label,
        weight=class_weight.to(cls_score.dtype),
        reduction='none',
        ignore_index=ignore_index)


def _log_p_and_log_one_minus_p(
        cls_score: torch.Tensor,
        target: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``log p_y`` and ``log(1 - p_y)`` of a softmax, accurate at both ends.

    ``1 - p_y`` is the softmax mass of the other classes,
    ``exp(logsumexp_{j != y} x_j - logsumexp_j x_j)``, so it never rounds to
    0: a float32 ``1 - softmax(x)_y`` is exactly 0 from a logit gap of about
    17 on, where ``(1 - p)^gamma`` has an infinite derivative for
    ``gamma < 1``. For ``p_y > 1/2``, ``log p_y = log1p(-(1 - p_y))`` keeps
    the digits that ``x_y - logsumexp(x)`` rounds away.

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C), C >= 2.
        target (torch.Tensor): Target indices in ``[0, C)``, shape (N,).

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``log p_y`` and ``log(1 - p_y)``,
        each of shape (N,).
    """
    index = target[:, None]
    lse = cls_score.logsumexp(dim=1)
    others = cls_score.scatter(1, index, float('-inf'))
    log_one_minus_p = others.logsumexp(dim=1) - lse
    log_p_direct = cls_score.gather(1, index)[:, 0] - lse
    log_half = -math.log(2.0)
    # clamp so the branch torch.where does not pick stays finite (its zero
    # gradient would otherwise be 0 * inf = NaN)
    log_p_from_rest = torch.log1p(
        -log_one_minus_p.clamp(max=log_half).exp())
    log_p = torch.where(log_one_minus_p < log_half, log_p_from_rest,
                        log_p_direct)
    return log_p, log_one_minus_p


def cdb_softmax_focal_loss(cls_score: torch.Tensor,
                           label: torch.Tensor,
                           class_weight: torch.Tensor,
                           gamma: float = 2.0,
                           ignore_index: int = -100) -> torch.Tensor:
    """Per-sample CDB-W-FL, ``w_{y_i} (1 - p_{y_i})^gamma CE_i`` (eq. 14).

    The focal factor is computed as ``exp(gamma * log(1 - p_y))`` with
    ``log(1 - p_y)`` taken from the logits, so loss and gradient stay finite
    for every ``gamma >= 0`` however confident the prediction (a plain
    ``(1 - p).pow(gamma)`` gives NaN gradients for ``0 < gamma < 1`` once
    ``p`` rounds to 1).

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C), C >= 2.
        label (torch.Tensor): Target indices, shape (N,).
        class_weight (torch.Tensor): Weight of each output class, shape (C,).
        gamma (float): Focusing exponent, >= 0. Defaults to 2.
        ignore_index (int): Label whose samples get loss 0.

    Returns:
        torch.Tensor: Unreduced loss, shape (N,).

    Raises:
        ValueError: For a gamma that is not a finite number >= 0, a label
            outside ``[0, C)`` that is not ``ignore_index``, or mismatching
            shapes.
    """
    gamma = check_real('gamma', gamma, 0.0)
    ignore_index = check_int('ignore_index', ignore_index)
    _check(cls_score, label, class_weight, ignore_index)
    if cls_score.size(1) < 2:
        raise ValueError('the softmax focal loss needs at least 2 outputs, '
                         f'got cls_score of shape {tuple(cls_score.shape)}')
    valid = label != ignore_index
    safe = torch.where(valid, label, torch.zeros_like(label))
    logp, log_one_minus_p = _log_p_and_log_one_minus_p(cls_score, safe)
    if gamma == 0:
        focal = torch.ones_like(logp)  # CDB-W-CE exactly
    else:
        focal = (gamma * log_one_minus_p).exp()
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
    check_choice('reduction', reduction, REDUCTIONS)
    if weight is not None:
        loss = loss * weight.to(loss.dtype)
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
        label (torch.Tensor): Target indices in ``[0, C]``, shape (N,);
            ``C`` means background.
        class_weight (torch.Tensor): Foreground class weights, shape (C,).
        gamma (float): Focusing exponent. Defaults to 2.
        alpha (float): Positive/negative balance. Defaults to 0.25.

    Returns:
        torch.Tensor: Unreduced loss, shape (N, C).

    Raises:
        ValueError: For a gamma that is not a finite number >= 0, an alpha
            outside ``[0, 1]``, a label outside ``[0, C]``, or mismatching
            shapes.
    """
    gamma = check_real('gamma', gamma, 0.0)
    alpha = check_real('alpha', alpha, 0.0, 1.0)
    _check(pred, label, class_weight, num_labels=pred.size(1) + 1)
    num_classes = pred.size(1)
    fg = (label >= 0) & (label < num_classes)
    target = torch.zeros_like(pred)
    target[fg, label[fg]] = 1.0
    # with z = x (1 - 2 t), the focal base is 1 - sigmoid(x) = sigmoid(-x) for
    # the target class and sigmoid(x) for the others, i.e. sigmoid(z), and the
    # BCE is softplus(z). Taking the power as exp(gamma * logsigmoid(z))
    # never rounds the base to 0 (a float32 1 - sigmoid(17) is 0, and
    # pow(0.5) there has an infinite derivative) and keeps loss and gradient
    # finite for every gamma >= 0; softplus keeps the digits of a small BCE
    # that log(1 + exp(-|x|)) would round away.
    z = pred * (1 - 2 * target)
    alpha_t = alpha * target + (1 - alpha) * (1 - target)
    loss = alpha_t * (gamma * F.logsigmoid(z)).exp() * F.softplus(z)
    return loss * class_weight.to(loss.dtype)[None, :]
