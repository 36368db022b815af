"""Cosine classifier head for mmpretrain, trained with the ALA loss."""
import copy
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.evaluation.metrics import Accuracy
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lt_plugins.core.validation import check_bool, check_int, check_real


def cosine_logits(feats: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Cosine between every feature and every class weight (ALA eq. 5).

    Args:
        feats (torch.Tensor): Features, shape (N, D).
        weight (torch.Tensor): Class weights, shape (C, D).

    Returns:
        torch.Tensor: ``cos_ij`` in [-1, 1], shape (N, C).
    """
    return F.linear(F.normalize(feats, dim=1), F.normalize(weight, dim=1))


@MODELS.register_module()
class ALAHead(ClsHead):
    """Cosine classifier (no bias, scale ``s``) with the ALA loss.

    Logits are ``s * cos(x_i, W_j)`` with L2-normalised features and class
    weights (ALA eq. 5, following LDAM's normed linear layer). Prediction
    uses these logits unadjusted; training adjusts the target logit through
    ``loss`` (an :class:`ALALoss` by default).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension.
        scale (float): Logit scale ``s``. Defaults to 30 (ALA paper).
        loss (dict | nn.Module): The loss; it is called as
            ``loss(cosine, label, scale=s)``. ``num_classes`` is filled in
            when missing. Defaults to ``dict(type='ALALoss')``.
        topk (int | tuple[int]): Top-k accuracy reported with ``cal_acc``.
        cal_acc (bool): Report training accuracy. Defaults to False.
        init_cfg (dict, optional): Initialisation config. The weight is
            initialised to random unit-norm rows (as LDAM's ``NormedLinear``)
            when the head is built.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 scale: float = 30.0,
                 loss: Union[dict, nn.Module] = dict(type='ALALoss'),
                 topk: Union[int, Tuple[int]] = (1, ),
                 cal_acc: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        num_classes = check_int('num_classes', num_classes, 1)
        in_channels = check_int('in_channels', in_channels, 1)
        scale = check_real('scale', scale, 0.0, low_open=True)
        check_bool('cal_acc', cal_acc)
        if isinstance(loss, dict):
            loss = copy.deepcopy(loss)
            loss.setdefault('num_classes', num_classes)
        super().__init__(loss=loss, topk=topk, cal_acc=cal_acc,
                         init_cfg=init_cfg)
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.scale = scale
        self.weight = nn.Parameter(torch.empty(num_classes, in_channels))
        with torch.no_grad():
            self.weight.uniform_(-1.0, 1.0)
            self.weight.copy_(F.normalize(self.weight, dim=1))

    def cosine(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Cosine logits of the last feature map, shape (N, C)."""
        return cosine_logits(self.pre_logits(feats), self.weight)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Scaled cosine logits ``s * cos``, shape (N, C)."""
        return self.scale * self.cosine(feats)

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """ALA loss of a batch.

        Args:
            feats (tuple[Tensor]): Neck outputs; the last has shape (N, D).
            data_samples (list[DataSample]): With ``gt_label``.

        Returns:
            dict[str, Tensor]: ``loss`` (and accuracies with ``cal_acc``).
        """
        if 'gt_score' in data_samples[0]:
            raise ValueError('ALAHead needs hard labels (gt_label); batch '
                             'augmentations that produce gt_score (Mixup, '
                             'CutMix) are not supported')
        target = torch.cat([i.gt_label for i in data_samples])
        cosine = self.cosine(feats)
        losses = dict(
            loss=self.loss_module(cosine, target, scale=self.scale, **kwargs))
        if self.cal_acc:
            acc = Accuracy.calculate(self.scale * cosine.detach(), target,
                                     topk=self.topk)
            losses.update(
                {f'accuracy_top-{k}': a for k, a in zip(self.topk, acc)})
        return losses
