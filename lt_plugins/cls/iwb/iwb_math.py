"""Inverse weight-balancing (IWB) math, plain torch.

Dang et al., "Inverse Weight-Balancing for Deep Long-Tailed Learning"
(seed 002); SPEC section 3. Stage 2 pulls the softmax of the
per-class weight norms ``|W|`` towards the softmax of the target
``P_i = lambda * NC * HC_i`` (eq. 7) with a KL divergence (eq. 8):

* ``NC_c = log2(N / (N_c + 1))`` (eq. 3): large for rare classes;
* ``HC_i = (1 - g_i) / 2`` (eq. 6), ``g_i`` the cosines between the feature
  of sample i and every class weight row (eq. 5, the "vector" HC).
"""
from typing import Sequence, Union

import torch
import torch.nn.functional as F

KL_DIRECTIONS = ('paper', 'reverse')
KL_REDUCTIONS = ('batchmean', 'sum')


def number_coefficient(counts: Union[torch.Tensor, Sequence[int]]
                       ) -> torch.Tensor:
    """Number coefficient ``NC_c = log2(N / (N_c + 1))`` (IWB eq. 3).

    ``N = sum_c N_c``. The paper derives it as ``-log2(N_c + 1) + log2 N``;
    it is positive unless one class holds every sample.

    Args:
        counts (Tensor | Sequence[int]): Training samples per class, (C,).

    Returns:
        torch.Tensor: float32, shape (C,).
    """
    n = torch.as_tensor(counts, dtype=torch.float64).flatten()
    if n.numel() == 0 or (n < 0).any() or n.sum() <= 0:
        raise ValueError('class counts must be non-negative and not all '
                         f'zero, got {n.tolist()}')
    return torch.log2(n.sum() / (n + 1.0)).float()


def hardness_coefficient(feats: torch.Tensor,
                         weight: torch.Tensor) -> torch.Tensor:
    """Hardness coefficient ``HC_i = (1 - g_i) / 2`` (IWB eqs. 5-6).

    Args:
        feats (torch.Tensor): Encoder features ``x_i``, shape (N, D).
        weight (torch.Tensor): Classifier weight ``W``, shape (C, D).

    Returns:
        torch.Tensor: Values in [0, 1], shape (N, C).
    """
    g = F.linear(F.normalize(feats, dim=1), F.normalize(weight, dim=1))
    return (1.0 - g) / 2.0


def iwb_target(feats: torch.Tensor, weight: torch.Tensor,
               nc: torch.Tensor, kl_lambda: float) -> torch.Tensor:
    """Target logits ``P_i = lambda * NC * HC_i`` (IWB eq. 7).

    Args:
        feats (torch.Tensor): Features, shape (N, D).
        weight (torch.Tensor): Classifier weight, shape (C, D).
        nc (torch.Tensor): Number coefficient, shape (C,).
        kl_lambda (float): Smoothing ``lambda`` (0.15 CIFAR-100-LT,
            0.05 ImageNet-LT, 0.01 iNaturalist in the paper).

    Returns:
        torch.Tensor: Shape (N, C).
    """
    if nc.numel() != weight.size(0):
        raise ValueError(f'{nc.numel()} number coefficients for '
                         f'{weight.size(0)} classifier rows')
    return kl_lambda * nc.to(feats)[None, :] * hardness_coefficient(
        feats, weight)


def weight_norm_kl(weight: torch.Tensor, target: torch.Tensor,
                   direction: str = 'paper',
                   reduction: str = 'batchmean') -> torch.Tensor:
    """KL between ``softmax(|W|)`` and ``softmax(P_i)`` (IWB eq. 8).

    ``'paper'``: ``KL(softmax|W| || softmax P_i) = sum_c softmax(|W|)_c *
    (log softmax(|W|)_c - log softmax(P_i)_c)``, as eq. 8 is written.
    ``'reverse'``: ``KL(softmax P_i || softmax|W|)``, what
    ``F.kl_div(log_softmax(|W|), softmax(P))`` computes.

    Args:
        weight (torch.Tensor): Classifier weight, shape (C, D); ``|W|`` is
            the vector of its row L2 norms.
        target (torch.Tensor): ``P``, shape (N, C).
        direction (str): ``'paper'`` (default) or ``'reverse'``.
        reduction (str): ``'batchmean'`` (sum over classes, mean over the
            N samples; default) or ``'sum'`` (sum over both).

    Returns:
        torch.Tensor: Scalar.
    """
    if direction not in KL_DIRECTIONS:
        raise ValueError(f'direction must be one of {KL_DIRECTIONS}, '
                         f'got {direction!r}')
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f'reduction must be one of {KL_REDUCTIONS}, '
                         f'got {reduction!r}')
    if target.dim() != 2 or target.size(1) != weight.size(0):
        raise ValueError(f'target must be (N, {weight.size(0)}), got '
                         f'{tuple(target.shape)}')
    log_w = F.log_softmax(weight.norm(dim=1), dim=0)[None, :]  # (1, C)
    log_p = F.log_softmax(target, dim=1)  # (N, C)
    if direction == 'paper':
        kl = log_w.exp() * (log_w - log_p)
    else:
        kl = log_p.exp() * (log_p - log_w)
    total = kl.sum()
    return total / target.size(0) if reduction == 'batchmean' else total
