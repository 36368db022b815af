"""Class-balanced weights from the effective number of samples.

Cui et al., "Class-Balanced Loss Based on Effective Number of Samples",
CVPR 2019, eq. 3-4: the effective number of class c is
``E_c = (1 - beta ** n_c) / (1 - beta)`` and its weight is ``1 / E_c``,
normalised so that the weights sum to the number of classes. ALA's deferred
re-weighting (LDAM-DRW, Cao et al. 2019) and IWB's stage-2 loss (SPEC
section 3) both use these weights with ``beta = 0.9999``.

Plain torch; no mmpretrain import.
"""
from typing import Sequence, Union

import torch

from lt_plugins.core.cdb_loss import cdb_cross_entropy

AVG_MODES = ('samples', 'weights')


def class_balanced_weights(counts: Union[torch.Tensor, Sequence[int]],
                           beta: float = 0.9999) -> torch.Tensor:
    """Per-class weights ``(1 - beta) / (1 - beta ** n_c)`` (Cui et al. eq. 4).

    Classes without training samples would get an infinite weight; they can
    never be a training target, so they get 0 instead and the remaining
    weights are normalised to mean 1 over the classes that have samples
    (with every class present this is Cui et al.'s "sum to C").

    Args:
        counts (Tensor | Sequence[int]): Training samples per class, shape
            (C,).
        beta (float): Hyper-parameter in [0, 1). ``beta = 0`` gives all ones.

    Returns:
        torch.Tensor: float32 weights, shape (C,).
    """
    n = torch.as_tensor(counts, dtype=torch.float64).flatten()
    if not 0.0 <= beta < 1.0:
        raise ValueError(f'beta must be in [0, 1), got {beta!r}')
    if n.numel() == 0 or (n < 0).any():
        raise ValueError(f'class counts must be a non-empty vector of '
                         f'non-negative numbers, got {n.tolist()}')
    present = n > 0
    if not present.any():
        raise ValueError('every class count is 0; the training set is empty')
    effective = 1.0 - torch.pow(torch.tensor(beta, dtype=torch.float64), n)
    w = torch.zeros_like(n)
    w[present] = (1.0 - beta) / effective[present]
    w = w / w[present].sum() * present.sum()
    return w.float()


def class_balanced_cross_entropy(cls_score: torch.Tensor,
                                 label: torch.Tensor,
                                 class_weight: torch.Tensor,
                                 avg_by: str = 'samples') -> torch.Tensor:
    """Class-weighted softmax cross-entropy, reduced to a scalar.

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        class_weight (torch.Tensor): Weight of each class, shape (C,).
        avg_by (str): ``'samples'``: ``sum_i w_{y_i} CE_i / N`` (Cui et al.'s
            official code); ``'weights'``: ``sum_i w_{y_i} CE_i / sum_i
            w_{y_i}``, what ``F.cross_entropy(weight=...)`` computes and the
            LDAM-DRW code uses.

    Returns:
        torch.Tensor: Scalar loss.
    """
    if avg_by not in AVG_MODES:
        raise ValueError(f'avg_by must be one of {AVG_MODES}, got {avg_by!r}')
    per_sample = cdb_cross_entropy(cls_score, label, class_weight)
    if avg_by == 'samples':
        return per_sample.sum() / max(label.numel(), 1)
    denom = class_weight.to(per_sample.dtype)[label].sum()
    return per_sample.sum() / denom.clamp_min(torch.finfo(denom.dtype).tiny)
