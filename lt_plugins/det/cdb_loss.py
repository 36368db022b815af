"""CDB classification losses for mmdet heads (CDB-W-CE, CDB-W-FL).

Drop-in replacements for ``loss_cls`` of mmdet heads: R-CNN box heads call
``loss_cls(cls_score, labels, label_weights, avg_factor=...,
reduction_override=...)``, exactly the interface of mmdet's
``CrossEntropyLoss``. The class weights live in the ``class_weight`` buffer
(saved with the model) and are set by :class:`CDBDifficultyHook`; before the
first measurement they are all 1, so the loss equals plain CE (SPEC section
1, schedule).
"""
from typing import Optional

import torch
from mmdet.registry import MODELS

from lt_plugins.core.cdb_loss import (REDUCTIONS, cdb_cross_entropy,
                                      cdb_sigmoid_focal_loss,
                                      cdb_softmax_focal_loss, reduce_loss)
from lt_plugins.core.validation import (check_bool, check_choice, check_int,
                                        check_real)
from lt_plugins.engine.difficulty_consumer import DifficultyWeightedModule


class _CDBWeightedLoss(DifficultyWeightedModule):
    """Holds the per-class weights of a CDB loss.

    Args:
        num_classes (int): Number of foreground classes C.
        num_outputs (int): Width of the logits: C + 1 for softmax box heads
            (background last), C for sigmoid heads.
        background_weight (float): Weight of the background output of a
            softmax head, finite and >= 0; it is never difficulty-weighted.
        reduction (str): 'none', 'mean' or 'sum'.
        loss_weight (float): Multiplier of the loss, finite and >= 0.
        fixed_weights (bool): Train with fixed class weights (1, or set
            with :meth:`update_weights`, or loaded with a checkpoint)
            without a :class:`CDBDifficultyHook`. Defaults to False: the
            loss refuses to train unless the hook serves it (see
            :mod:`lt_plugins.engine.difficulty_consumer`).
    """

    difficulty_hook_hint = ("dict(type='CDBDifficultyHook', dataloader="
                            '<held-out dataloader>) (docs/detection.md)')

    def __init__(self, num_classes: int, num_outputs: int,
                 background_weight: float, reduction: str,
                 loss_weight: float, fixed_weights: bool = False):
        super().__init__()
        self.init_difficulty_consumer(fixed_weights)
        num_classes = check_int('num_classes', num_classes, 1)
        check_choice('reduction', reduction, REDUCTIONS)
        # a negative weight turns the loss into a reward, NaN poisons it
        background_weight = check_real('background_weight',
                                       background_weight, 0.0)
        loss_weight = check_real('loss_weight', loss_weight, 0.0)
        self.num_classes = num_classes
        self.reduction = reduction
        self.loss_weight = loss_weight
        weight = torch.ones(num_outputs)
        if num_outputs > num_classes:
            weight[num_classes:] = background_weight
        self.register_buffer('class_weight', weight)

    @property
    def foreground_weights(self) -> torch.Tensor:
        """The C difficulty weights, shape (C,)."""
        return self.class_weight[:self.num_classes]

    @torch.no_grad()
    def update_weights(self, weights) -> None:
        """Set the foreground class weights.

        Args:
            weights (array-like): Shape (C,), finite and >= 0.
        """
        w = torch.as_tensor(weights, dtype=self.class_weight.dtype,
                            device=self.class_weight.device).reshape(-1)
        if w.numel() != self.num_classes:
            raise ValueError(f'got {w.numel()} class weights but the loss has '
                             f'num_classes={self.num_classes}')
        if not torch.isfinite(w).all() or (w < 0).any():
            raise ValueError(f'class weights must be finite and >= 0, got '
                             f'min={w.min().item()} max={w.max().item()}')
        self.class_weight[:self.num_classes] = w

    def _reduce(self, loss, weight, avg_factor, reduction_override):
        reduction = reduction_override or self.reduction
        if weight is not None and weight.dim() < loss.dim():
            weight = weight.reshape(weight.shape + (1, ) *
                                    (loss.dim() - weight.dim()))
        return self.loss_weight * reduce_loss(loss, weight, reduction,
                                              avg_factor)

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'reduction={self.reduction}, loss_weight={self.loss_weight}')


def _background_from_class_weight(class_weight, num_classes: int,
                                  background_weight: float,
                                  loss_name: str) -> float:
    """The background weight a ``CrossEntropyLoss``-style ``class_weight``
    sets, or an error when it would set foreground weights.

    DETR-family heads turn ``class_weight=1.0, bg_cls_weight=b`` into the
    tensor ``[1.0] * C + [b]`` and MaskFormer-family configs give that list
    directly; that form only sets the background weight. Any other
    foreground value would fight the difficulty weights.
    """
    try:
        w = torch.as_tensor(class_weight, dtype=torch.float64).reshape(-1)
    except (TypeError, ValueError, RuntimeError):
        w = None
    if w is None or w.numel() != num_classes + 1 or \
            not torch.isfinite(w).all() or \
            (w[:num_classes] != 1.0).any() or w[num_classes] < 0:
        if w is None or w.numel() <= 8:
            shown = repr(class_weight)
        else:
            shown = (f'{w[:3].tolist()} ... {w[-2:].tolist()} '
                     f'({w.numel()} values)')
        raise ValueError(
            f'{loss_name} sets its class weights from the class difficulty '
            f'(CDBDifficultyHook); remove class_weight={shown} from the loss '
            'config (use background_weight for the background class). Only '
            f'[1.0] * num_classes + [background] ({num_classes + 1} values, '
            'the DETR/MaskFormer form) is accepted')
    background = float(w[num_classes])
    if background_weight not in (1.0, background):
        raise ValueError(
            f'class_weight sets the background weight to {background} but '
            f'background_weight={background_weight!r}; give one of them')
    return background


@MODELS.register_module()
class CDBCrossEntropyLoss(_CDBWeightedLoss):
    """CDB-W-CE for softmax box heads (paper eq. 12, SPEC section 1).

    ``loss_i = w_{y_i} * CE_i`` over C + 1 outputs, background last. The
    mean divides by the number of samples (or mmdet's ``avg_factor``), not by
    the sum of weights.

    It stands in for mmdet's softmax ``CrossEntropyLoss`` wherever a head
    takes one: R-CNN box heads, and heads that read ``loss_cls.use_sigmoid``
    (DETR, Sparse R-CNN's ``DIIHead``), which see ``False`` and build C + 1
    outputs. A sigmoid form of CDB-W-CE is not implemented: with
    ``use_sigmoid=True`` the loss refuses to build (use
    :class:`CDBSigmoidFocalLoss` for sigmoid heads).

    Args:
        num_classes (int): Foreground classes C (the head's num_classes).
        background_weight (float): Weight of the background class.
            Defaults to 1.0.
        reduction (str): Defaults to 'mean'.
        loss_weight (float): Defaults to 1.0.
        use_sigmoid (bool): Must be False; present so configs that copy
            mmdet's ``CrossEntropyLoss`` arguments keep working.
        ignore_index (int, optional): Label whose samples get loss 0, as in
            mmdet's ``CrossEntropyLoss``. Defaults to None (-100).
        avg_non_ignore (bool): Average the mean over the non-ignored samples
            when no ``avg_factor`` is given, as in mmdet's
            ``CrossEntropyLoss``. Defaults to False.
        class_weight: None, or ``[1.0] * C + [b]`` (list or tensor), which
            sets the background weight to ``b``: the form DETR-family heads
            pass (from ``class_weight=1.0, bg_cls_weight=b``) and
            MaskFormer-family configs give. Other values are refused: the
            class weights of a CDB loss come from the difficulty hook.
        fixed_weights (bool): Train without a ``CDBDifficultyHook``, with
            fixed class weights (see :class:`_CDBWeightedLoss`). Defaults to
            False.
    """

    def __init__(self,
                 num_classes: int,
                 background_weight: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 use_sigmoid: bool = False,
                 ignore_index: Optional[int] = None,
                 avg_non_ignore: bool = False,
                 class_weight=None,
                 fixed_weights: bool = False):
        num_classes = check_int('num_classes', num_classes, 1)
        check_bool('use_sigmoid', use_sigmoid)
        ignore_index = check_int('ignore_index', ignore_index,
                                 allow_none=True)
        check_bool('avg_non_ignore', avg_non_ignore)
        if use_sigmoid:
            raise ValueError(
                f'{type(self).__name__} is a softmax loss over C + 1 outputs; '
                'use_sigmoid=True is not supported (use CDBSigmoidFocalLoss '
                'for sigmoid heads)')
        if class_weight is not None:
            background_weight = _background_from_class_weight(
                class_weight, num_classes, background_weight,
                type(self).__name__)
        super().__init__(num_classes, num_classes + 1, background_weight,
                         reduction, loss_weight, fixed_weights)
        # read by mmdet heads (DETR, DIIHead, SparseRoIHead) to size and
        # activate the classifier, as for CrossEntropyLoss(use_sigmoid=False)
        self.use_sigmoid = False
        self.ignore_index = ignore_index
        self.avg_non_ignore = avg_non_ignore

    def _per_sample(self, cls_score, label, ignore_index):
        return cdb_cross_entropy(cls_score, label, self.class_weight,
                                 ignore_index)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        """Args:
            cls_score (torch.Tensor): Logits, shape (N, C + 1).
            label (torch.Tensor): Labels in ``[0, C]``, shape (N,).
            weight (torch.Tensor, optional): Per-sample weight, shape (N,).
            avg_factor (float, optional): Divisor of the mean.
            reduction_override (str, optional): 'none', 'mean' or 'sum'.
            ignore_index (int, optional): Samples with this label get 0.

        Returns:
            torch.Tensor: The loss, shape (N,) for 'none', else scalar.
        """
        if ignore_index is None:
            ignore_index = -100 if self.ignore_index is None \
                else self.ignore_index
        loss = self._per_sample(cls_score, label, ignore_index)
        if avg_factor is None and self.avg_non_ignore and \
                (reduction_override or self.reduction) == 'mean':
            # mmdet's cross_entropy(avg_non_ignore=True)
            avg_factor = label.numel() - (label == ignore_index).sum().item()
        return self._reduce(loss, weight, avg_factor, reduction_override)


@MODELS.register_module()
class CDBFocalLoss(CDBCrossEntropyLoss):
    """CDB-W-FL for softmax box heads (paper eq. 14, SPEC section 1).

    ``loss_i = w_{y_i} * (1 - p_{y_i}) ** gamma * CE_i``.

    Args:
        num_classes (int): Foreground classes C.
        gamma (float): Focusing exponent. Defaults to 2.0.
        background_weight, reduction, loss_weight, use_sigmoid: As in
            :class:`CDBCrossEntropyLoss`.
    """

    def __init__(self, num_classes: int, gamma: float = 2.0, **kwargs):
        gamma = check_real('gamma', gamma, 0.0)
        super().__init__(num_classes, **kwargs)
        self.gamma = gamma

    def _per_sample(self, cls_score, label, ignore_index):
        return cdb_softmax_focal_loss(cls_score, label, self.class_weight,
                                      self.gamma, ignore_index)


@MODELS.register_module()
class CDBSigmoidFocalLoss(_CDBWeightedLoss):
    """Class-weighted sigmoid focal loss for dense heads such as RetinaNet.

    The CDB weight of class c multiplies the sigmoid focal loss of that class
    (SPEC section 1). Same interface as mmdet's ``FocalLoss``: ``pred`` is
    (N, C), ``target`` holds class indices with C meaning background.

    Args:
        num_classes (int): Foreground classes C.
        use_sigmoid (bool): Must be True (mmdet's anchor heads read it).
        gamma (float): Focusing exponent, finite and >= 0. Defaults to 2.0.
        alpha (float): Positive/negative balance in ``[0, 1]``. Defaults to
            0.25.
        reduction (str): Defaults to 'mean'.
        loss_weight (float): Defaults to 1.0.
        fixed_weights (bool): Train without a ``CDBDifficultyHook``, with
            fixed class weights. Defaults to False.
    """

    def __init__(self,
                 num_classes: int,
                 use_sigmoid: bool = True,
                 gamma: float = 2.0,
                 alpha: float = 0.25,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 fixed_weights: bool = False):
        check_bool('use_sigmoid', use_sigmoid)
        if not use_sigmoid:
            raise ValueError('CDBSigmoidFocalLoss needs use_sigmoid=True')
        gamma = check_real('gamma', gamma, 0.0)
        # alpha weighs positives and 1 - alpha negatives; outside [0, 1]
        # one of them turns negative
        alpha = check_real('alpha', alpha, 0.0, 1.0)
        super().__init__(num_classes, num_classes, 1.0, reduction,
                         loss_weight, fixed_weights)
        self.use_sigmoid = True
        self.gamma = gamma
        self.alpha = alpha

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """Args:
            pred (torch.Tensor): Logits, shape (N, C).
            target (torch.Tensor): Labels in ``[0, C]``, shape (N,).
            weight (torch.Tensor, optional): Shape (N,) or (N, C).
            avg_factor (float, optional): Divisor of the mean.
            reduction_override (str, optional): 'none', 'mean' or 'sum'.

        Returns:
            torch.Tensor: Shape (N, C) for 'none', else scalar.
        """
        loss = cdb_sigmoid_focal_loss(pred, target, self.class_weight,
                                      self.gamma, self.alpha)
        return self._reduce(loss, weight, avg_factor, reduction_override)
