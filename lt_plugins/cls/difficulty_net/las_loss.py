"""Label-aware smoothing (LAS) loss for the decoupled second stage."""
import math
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.core.validation import check_choice, check_real

LAS_SHAPES = ('concave', 'linear', 'convex')


def label_aware_smoothing(class_counts: torch.Tensor, smooth_head: float,
                          smooth_tail: float,
                          shape: str = 'concave') -> torch.Tensor:
    """Per-class smoothing ``eps_c`` of MiSLAS (Zhong et al., CVPR 2021).

    With ``x_c = (N_c - N_min) / (N_max - N_min)`` in [0, 1]:
    concave ``eps_c = tail + (head - tail) * sin(pi x / 2)``, linear
    ``tail + (head - tail) x``, convex ``tail + (head - tail) * (1 -
    cos(pi x / 2))``. The most frequent class gets ``smooth_head``, the
    rarest ``smooth_tail``.

    Args:
        class_counts (Tensor): Training samples per class, shape (C,).
        smooth_head (float): Smoothing of the most frequent class.
        smooth_tail (float): Smoothing of the rarest class.
        shape (str): 'concave' (default, MiSLAS's), 'linear' or 'convex'.

    Returns:
        Tensor: ``eps``, shape (C,), float.
    """
    check_choice('shape', shape, LAS_SHAPES)
    smooth_head = check_real('smooth_head', smooth_head, 0.0, 1.0,
                             high_open=True)
    smooth_tail = check_real('smooth_tail', smooth_tail, 0.0, 1.0,
                             high_open=True)
    n = class_counts.double()
    span = n.max() - n.min()
    x = (n - n.min()) / span if span > 0 else torch.ones_like(n)
    if shape == 'concave':
        f = torch.sin(x * math.pi / 2)
    elif shape == 'linear':
        f = x
    else:
        f = 1 - torch.cos(x * math.pi / 2)
    return (smooth_tail + (smooth_head - smooth_tail) * f).float()


@MODELS.register_module()
class LabelAwareSmoothingLoss(ClassCountsMixin, nn.Module):
    """Cross-entropy with class-dependent label smoothing (LAS).

    ``loss_i = (1 - eps_y) * (-log p_y) + eps_y * mean_j(-log p_j)``, with
    ``eps`` from :func:`label_aware_smoothing` (the MiSLAS formulation that
    the official Difficulty-Net stage-2 code uses). The training class
    counts come from the config or from ``ClassCountsHook``.

    Args:
        num_classes (int): Number of classes.
        smooth_head (float): Smoothing of the most frequent class.
        smooth_tail (float): Smoothing of the rarest class.
        shape (str): 'concave', 'linear' or 'convex'.
        class_counts (Sequence[int], optional): Training counts per class.
        loss_weight (float): Multiplier. Defaults to 1.
    """

    def __init__(self,
                 num_classes: int,
                 smooth_head: float = 0.4,
                 smooth_tail: float = 0.1,
                 shape: str = 'concave',
                 class_counts: Optional[Sequence[int]] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        num_classes = check_class_counts_arg(num_classes, class_counts)
        label_aware_smoothing(torch.ones(2), smooth_head, smooth_tail,
                              shape)  # validate early
        self.smooth_head = float(smooth_head)
        self.smooth_tail = float(smooth_tail)
        self.shape = shape
        self.loss_weight = check_real('loss_weight', loss_weight, 0.0)
        self._init_class_counts(num_classes, class_counts)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """LAS loss.

        Args:
            cls_score (Tensor): Logits, shape (B, C).
            label (Tensor): Class indices, shape (B,).
            weight (Tensor, optional): Per-sample weights, shape (B,).
            avg_factor (float, optional): Divisor of the sum for 'mean'.
            reduction_override (str, optional): 'none', 'mean' or 'sum'.

        Returns:
            Tensor: Shape (B,) for 'none', else a scalar.
        """
        reduction = reduction_override or 'mean'
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(f'unknown reduction {reduction!r}')
        eps = label_aware_smoothing(self.require_class_counts(),
                                    self.smooth_head, self.smooth_tail,
                                    self.shape).to(cls_score.device)[label]
        logp = F.log_softmax(cls_score, dim=1)
        nll = -logp.gather(1, label[:, None]).squeeze(1)
        loss = (1 - eps) * nll + eps * (-logp.mean(dim=1))
        if weight is not None:
            loss = loss * weight
        if reduction == 'sum':
            loss = loss.sum()
        elif reduction == 'mean':
            loss = loss.sum() / avg_factor if avg_factor else loss.mean()
        return self.loss_weight * loss
