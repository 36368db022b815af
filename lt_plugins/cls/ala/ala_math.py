"""Adaptive Logit Adjustment (ALA) math, plain torch.

Zhao et al., "Adaptive Logit Adjustment Loss for Long-Tailed Visual
Recognition", AAAI 2022 (seed 003); SPEC section 4. On a cosine classifier
(``cos_ij`` in [-1, 1], eq. 5) the target logit of sample i is lowered by
``A_i = DF_i * QF_{y_i}`` (eq. 4) before the scaled softmax (eq. 8):

* ``DF_i = (1 - cos_{i,y_i}) / 2``, gradient detached (eq. 6);
* ``QF_c = 1 / log(S_c / min(S) + 1)`` (eq. 7).
"""
import math
from typing import Sequence, Union

import torch
import torch.nn.functional as F

LOG_BASES = ('e', '2')


def quantity_factor(counts: Union[torch.Tensor, Sequence[int]],
                    log_base: str = 'e') -> torch.Tensor:
    """Quantity factor ``QF_c = 1 / log(S_c / min(S) + 1)`` (ALA eq. 7).

    With the natural log (the paper's) the rarest class gets
    ``1 / ln 2 = 1.4427``; with ``log_base='2'`` it gets exactly 1. Classes
    with no training samples can never be a target; they get QF 0, and
    ``min(S)`` is taken over the classes that have samples.

    Args:
        counts (Tensor | Sequence[int]): Training samples per class ``S``,
            shape (C,).
        log_base (str): ``'e'`` (default, the paper) or ``'2'``.

    Returns:
        torch.Tensor: float32, shape (C,).
    """
    if str(log_base) not in LOG_BASES:
        raise ValueError(f'log_base must be one of {LOG_BASES}, '
                         f'got {log_base!r}')
    s = torch.as_tensor(counts, dtype=torch.float64).flatten()
    if s.numel() == 0 or (s < 0).any():
        raise ValueError('class counts must be a non-empty vector of '
                         f'non-negative numbers, got {s.tolist()}')
    present = s > 0
    if not present.any():
        raise ValueError('every class count is 0; the training set is empty')
    ratio = s / s[present].min()
    log = torch.log(ratio + 1.0)
    if str(log_base) == '2':
        log = log / math.log(2.0)
    qf = torch.zeros_like(s)
    qf[present] = 1.0 / log[present]
    return qf.float()


def difficulty_factor(target_cosine: torch.Tensor) -> torch.Tensor:
    """Difficulty factor ``DF_i = (1 - cos_{i,y_i}) / 2`` (ALA eq. 6).

    The paper detaches ``cos_{i,y_i}`` here: DF scales the adjustment but
    carries no gradient of its own.

    Args:
        target_cosine (torch.Tensor): Cosine between each feature and its
            target class weight, shape (N,).

    Returns:
        torch.Tensor: Values in [0, 1], shape (N,), no grad.
    """
    return (1.0 - target_cosine.detach()) / 2.0


def ala_logits(cosine: torch.Tensor, label: torch.Tensor,
               class_qf: torch.Tensor, scale: float = 30.0) -> torch.Tensor:
    """Adjusted, scaled logits of ALA eq. 8.

    ``z_ij = s * cos_ij`` for ``j != y_i`` and
    ``z_{i,y_i} = s * (cos_{i,y_i} - DF_i * QF_{y_i})``.

    Args:
        cosine (torch.Tensor): Cosine logits, shape (N, C).
        label (torch.Tensor): Target indices, shape (N,).
        class_qf (torch.Tensor): Quantity factor per class, shape (C,).
        scale (float): The scale ``s`` (paper: 30).

    Returns:
        torch.Tensor: Adjusted logits, shape (N, C).
    """
    if cosine.dim() != 2 or label.shape != cosine.shape[:1]:
        raise ValueError(f'cosine must be (N, C) and label (N,), got '
                         f'{tuple(cosine.shape)} and {tuple(label.shape)}')
    if class_qf.numel() != cosine.size(1):
        raise ValueError(f'{class_qf.numel()} quantity factors for '
                         f'{cosine.size(1)} classes; check num_classes')
    target_cos = cosine.gather(1, label[:, None]).squeeze(1)
    adjust = difficulty_factor(target_cos) * class_qf.to(cosine)[label]
    # only the target logit moves (eq. 8, A[j] = 0 for j != y as in LDAM)
    onehot = F.one_hot(label, cosine.size(1)).to(cosine)
    return scale * (cosine - onehot * adjust[:, None])
