"""IWB stage-2 head: linear classifier, class-balanced CE + weight-norm KL."""
import copy
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.core.validation import (check_bool, check_choice, check_int,
                                        check_real)
from .class_balanced_loss import ClassBalancedCELoss
from .iwb_math import (KL_DIRECTIONS, KL_REDUCTIONS, iwb_target,
                       number_coefficient, weight_norm_kl)


def _builds_class_balanced_ce(loss_type) -> bool:
    """Whether a loss config's ``type`` builds a :class:`ClassBalancedCELoss`.

    Resolved through the registry, so every spelling counts: the class, its
    name, and the scoped name (``'mmpretrain.ClassBalancedCELoss'``).

    Args:
        loss_type (str | type): The ``type`` of a loss config.

    Returns:
        bool: True for ``ClassBalancedCELoss`` and its subclasses.
    """
    cls = MODELS.get(loss_type) if isinstance(loss_type, str) else loss_type
    return isinstance(cls, type) and issubclass(cls, ClassBalancedCELoss)


@MODELS.register_module()
class IWBHead(ClassCountsMixin, LinearClsHead):
    """Linear head trained by IWB stage 2 (IWB eq. 10, SPEC section 3).

    ``loss = loss_cls + kl_weight * KL(softmax|W| || softmax(lambda*NC*HC))``
    with ``loss_cls`` the class-balanced CE (``ClassBalancedCELoss``, beta
    0.9999). The classifier ``fc`` has the same parameter names as
    mmpretrain's ``LinearClsHead``, so a stage-1 checkpoint of a plain CE
    classifier loads into it. Freeze the encoder with
    ``FrozenEncoderClassifier``.

    The target ``P`` is detached by default: it is the distribution ``|W|``
    is pulled towards, so the KL gradient reaches the classifier only
    through ``|W|``. The paper leaves this open; ``detach_target=False``
    also back-propagates through the cosines ``g_i`` of ``HC``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension.
        kl_lambda (float): ``lambda`` of eq. 7. Defaults to 0.15
            (CIFAR-100-LT; ImageNet-LT 0.05, iNaturalist 0.01).
        kl_direction (str): ``'paper'`` (eq. 8 as printed) or ``'reverse'``.
        kl_reduction (str): ``'batchmean'`` (default) or ``'sum'``.
        kl_weight (float): Multiplier of the KL term, finite and >= 0.
            Defaults to 1 (eq. 10).
        detach_target (bool): Stop the gradient through ``P``.
            Defaults to True.
        class_counts (Sequence[int], optional): Training samples per class
            for ``NC``; otherwise set by ``ClassCountsHook``.
        loss (dict | nn.Module): Classification loss.
            Defaults to ``dict(type='ClassBalancedCELoss', beta=0.9999)``.
        **kwargs: ``topk``, ``cal_acc``, ``init_cfg`` of ``LinearClsHead``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 kl_lambda: float = 0.15,
                 kl_direction: str = 'paper',
                 kl_reduction: str = 'batchmean',
                 kl_weight: float = 1.0,
                 detach_target: bool = True,
                 class_counts: Optional[Sequence[int]] = None,
                 loss: Union[dict, nn.Module] = dict(
                     type='ClassBalancedCELoss', beta=0.9999),
                 **kwargs) -> None:
        num_classes = check_class_counts_arg(num_classes, class_counts)
        check_int('in_channels', in_channels, 1)
        check_choice('kl_direction', kl_direction, KL_DIRECTIONS)
        check_choice('kl_reduction', kl_reduction, KL_REDUCTIONS)
        kl_lambda = check_real('kl_lambda', kl_lambda, 0.0, low_open=True)
        kl_weight = check_real('kl_weight', kl_weight, 0.0)
        check_bool('detach_target', detach_target)
        if isinstance(loss, dict) and _builds_class_balanced_ce(
                loss.get('type')):
            loss = copy.deepcopy(loss)
            loss.setdefault('num_classes', num_classes)
        super().__init__(num_classes=num_classes, in_channels=in_channels,
                         loss=loss, **kwargs)
        self.kl_lambda = kl_lambda
        self.kl_direction = kl_direction
        self.kl_reduction = kl_reduction
        self.kl_weight = kl_weight
        self.detach_target = detach_target
        self._init_class_counts(num_classes, class_counts)

    def kl_loss(self, feats: torch.Tensor) -> torch.Tensor:
        """The weight-norm KL term of a batch of features (N, D)."""
        nc = number_coefficient(self.require_class_counts())
        target = iwb_target(feats, self.fc.weight, nc, self.kl_lambda)
        if self.detach_target:
            target = target.detach()
        return weight_norm_kl(self.fc.weight, target, self.kl_direction,
                              self.kl_reduction)

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """Class-balanced CE and KL losses of a batch.

        Args:
            feats (tuple[Tensor]): Neck outputs; the last has shape (N, D).
            data_samples (list[DataSample]): With ``gt_label``.

        Returns:
            dict[str, Tensor]: ``loss`` (classification), ``loss_kl`` and,
            with ``cal_acc``, accuracies.
        """
        pre = self.pre_logits(feats)
        cls_score = self.fc(pre)
        losses = self._get_loss(cls_score, data_samples, **kwargs)
        losses['loss_kl'] = self.kl_weight * self.kl_loss(pre)
        return losses
