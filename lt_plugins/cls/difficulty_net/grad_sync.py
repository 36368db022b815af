"""Averaging gradients over processes without DDP's reducer.

Difficulty-Net's training step takes gradients with
:func:`torch.autograd.grad` (second order, w.r.t. a subset of the
parameters), which the reducer of ``DistributedDataParallel`` cannot follow.
The step averages what it needs explicitly with these helpers instead (see
:class:`~lt_plugins.cls.difficulty_net.DifficultyNetDDP`).
"""
from typing import List, Sequence

import torch
from mmengine import dist
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors


def all_reduce_mean(tensors: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """Average tensors over all processes in one collective call.

    The tensors are flattened into one buffer (one message instead of one
    per parameter). With a single process the input is returned unchanged.
    The result carries no autograd history.

    Args:
        tensors (Sequence[Tensor]): Same shapes and order on every process.

    Returns:
        list[Tensor]: The averaged tensors, same shapes.
    """
    tensors = [t.detach() for t in tensors]
    if dist.get_world_size() == 1 or not tensors:
        return list(tensors)
    flat = _flatten_dense_tensors(tensors)
    dist.all_reduce(flat, op='mean')
    return list(_unflatten_dense_tensors(flat, tensors))


def all_reduce_sum_(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` over all processes in place (no-op for one process).

    Args:
        tensor (Tensor): Any shape.

    Returns:
        Tensor: ``tensor`` itself, now holding the sum.
    """
    if dist.get_world_size() > 1:
        dist.all_reduce(tensor, op='sum')
    return tensor
