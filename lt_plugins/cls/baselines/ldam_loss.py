"""LDAM loss with deferred re-weighting (Cao et al. 2019).

Cao, Wei, Gaidon, Arechiga and Ma, "Learning Imbalanced Datasets with
Label-Distribution-Aware Margin Loss", NeurIPS 2019:

* class margins ``m_c = C / n_c^{1/4}``, with ``C`` chosen so that
  the largest margin (of the rarest class) is ``max_margin = 0.5``;
* on a cosine classifier (normalised features and class weights, as the
  authors' ``NormedLinear``) with scale ``s = 30``, only the target logit
  loses its margin:
  ``loss = CE(s * (cos - onehot(y) * m_y), y)`` (with the scaling of
  the authors' code);
* deferred re-weighting (DRW): from a given epoch on (160 of 200
  on CIFAR) the loss is weighted with the class-balanced weights of Cui et
  al. (beta 0.9999), normalised as ``F.cross_entropy(weight=...)``.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from lt_plugins.cls.ala.class_balanced import class_balanced_cross_entropy
from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.cls.deferred_reweighting import DeferredReweightingMixin
from lt_plugins.core.validation import check_real


def ldam_margins(counts: Union[torch.Tensor, Sequence[int]],
                 max_margin: float = 0.5) -> torch.Tensor:
    """``m_c ∝ n_c^{-1/4}`` scaled so that ``max_c m_c = max_margin``
    (Cao et al.).

    A class without training images gets margin 0 (it is never a target).

    Args:
        counts (Tensor | Sequence[int]): Training images per class, (C,).
        max_margin (float): Margin of the rarest class. Defaults to 0.5.

    Returns:
        torch.Tensor: float32 margins, shape (C,).
    """
    n = torch.as_tensor(counts, dtype=torch.float64).flatten()
    if n.numel() == 0 or (n < 0).any() or n.sum() <= 0:
        raise ValueError('class counts must be a non-empty vector of '
                         f'non-negative numbers, not all 0; got {n.tolist()}')
    max_margin = check_real('max_margin', max_margin, 0.0, low_open=True)
    present = n > 0
    m = torch.zeros_like(n)
    m[present] = n[present].pow(-0.25)
    return (m * (max_margin / m.max())).float()


def ldam_logits(cosine: torch.Tensor, label: torch.Tensor,
                margins: torch.Tensor, scale: float) -> torch.Tensor:
    """``s * (cos - onehot(y) * m_y)`` (Cao et al.).

    Args:
        cosine (torch.Tensor): Cosine logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        margins (torch.Tensor): ``m_c``, shape (C,).
        scale (float): ``s``.

    Returns:
        torch.Tensor: Logits, shape (N, C).
    """
    onehot = F.one_hot(label, cosine.size(1)).to(cosine)
    return scale * (cosine - onehot * margins.to(cosine)[label, None])


@MODELS.register_module()
class LDAMLoss(DeferredReweightingMixin, ClassCountsMixin, nn.Module):
    """LDAM loss on cosine logits, with optional DRW (Cao et al. 2019).

    The loss of a cosine-classifier head that calls it as
    ``loss(cosine, label, scale=s)``: ``ALAHead`` is that head (no bias,
    normalised features and weights, ``s = 30``), so an LDAM model is
    ``head=dict(type='ALAHead', scale=30, loss=dict(type='LDAMLoss'))``.
    The training counts live in the ``class_counts`` buffer
    (``class_counts=[...]`` or ``ClassCountsHook``). DRW reads the current
    epoch (iteration) from mmengine's message hub, as ``ALALoss`` does; see
    :mod:`lt_plugins.cls.deferred_reweighting`.

    Args:
        num_classes (int): Number of classes (the head fills it in).
        max_margin (float): Margin of the rarest class. Defaults to 0.5.
        class_counts (Sequence[int], optional): Training images per class.
        drw_epoch (int, optional): 0-based epoch from which the loss is
            class-balanced re-weighted; None (default) gives plain LDAM.
            LDAM-DRW on CIFAR: 160 of 200. Epoch-based loops only.
        drw_iter (int, optional): The same as an iteration, for
            iteration-based loops. At most one of the two may be set.
        drw_beta (float): ``beta`` of the class-balanced weights.
            Defaults to 0.9999.
        drw_avg_by (str): ``'weights'`` (default, the LDAM-DRW code's
            ``F.cross_entropy(weight=...)``) or ``'samples'``.
        loss_weight (float): Multiplier of the loss, finite and >= 0.
            Defaults to 1.
    """

    def __init__(self,
                 num_classes: int,
                 max_margin: float = 0.5,
                 class_counts: Optional[Sequence[int]] = None,
                 drw_epoch: Optional[int] = None,
                 drw_iter: Optional[int] = None,
                 drw_beta: float = 0.9999,
                 drw_avg_by: str = 'weights',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        num_classes = check_class_counts_arg(num_classes, class_counts)
        self.max_margin = check_real('max_margin', max_margin, 0.0,
                                     low_open=True)
        self.loss_weight = check_real('loss_weight', loss_weight, 0.0)
        self._init_drw(drw_epoch, drw_iter, drw_beta, drw_avg_by)
        self._init_class_counts(num_classes, class_counts)

    def margins(self) -> torch.Tensor:
        """``m_c`` of the stored counts, shape (C,)."""
        return ldam_margins(self.require_class_counts(), self.max_margin)

    def forward(self, cosine: torch.Tensor, label: torch.Tensor,
                scale: float) -> torch.Tensor:
        """LDAM(-DRW) loss of a batch.

        Args:
            cosine (torch.Tensor): Cosine logits, shape (N, C).
            label (torch.Tensor): Target indices, shape (N,).
            scale (float): Logit scale ``s``.

        Returns:
            torch.Tensor: Scalar loss (mean over the batch, or the
            class-weighted mean once DRW is active).
        """
        logits = ldam_logits(cosine, label, self.margins(), scale)
        if self.drw_active():
            w = self.drw_class_weight().to(cosine.device)
            loss = class_balanced_cross_entropy(logits, label, w,
                                                self.drw_avg_by)
        else:
            loss = F.cross_entropy(logits, label)
        return self.loss_weight * loss
