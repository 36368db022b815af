"""The functional virtual step of Difficulty-Net (Eq. 9).

Framework-free: plain torch. The classifier is never copied; its parameters
are replaced by ``phi_hat`` tensors through :func:`torch.func.functional_call`,
so ``phi_hat`` (and so the meta loss) stays a differentiable function of
``D``'s parameters ``theta``.
"""
from typing import Dict, List, Sequence

import torch
import torch.nn as nn
from torch.func import functional_call


def virtual_step(params: Sequence[torch.Tensor],
                 grads: Sequence[torch.Tensor],
                 lrs: Sequence[float]) -> List[torch.Tensor]:
    """``phi_hat = phi - alpha * grad_phi mean_i(w_{y_i}(theta) * CE_i)``.

    Eq. 9 of the paper: one plain gradient-descent step (no momentum, no
    weight decay, as in the official code's ``update_params``). When
    ``grads`` were taken with ``create_graph=True`` the result depends on
    whatever the gradients depend on (the class weights, hence ``theta``).

    Args:
        params (Sequence[Tensor]): ``phi``, the classifier parameters.
        grads (Sequence[Tensor]): Gradient of the weighted training loss for
            each parameter (same shapes).
        lrs (Sequence[float]): ``alpha`` for each parameter (the learning
            rate of its optimiser parameter group).

    Returns:
        list[Tensor]: ``phi_hat``, one tensor per parameter.
    """
    if not len(params) == len(grads) == len(lrs):
        raise ValueError(f'got {len(params)} parameters, {len(grads)} '
                         f'gradients and {len(lrs)} learning rates')
    for i, (p, g) in enumerate(zip(params, grads)):
        if g is None:
            raise ValueError(f'parameter {i} (shape {tuple(p.shape)}) got no '
                             'gradient from the training loss')
        if g.shape != p.shape:
            raise ValueError(f'gradient {i} has shape {tuple(g.shape)}, the '
                             f'parameter {tuple(p.shape)}')
    if not params:
        return []
    if any(t.requires_grad for t in (*params, *grads)):
        return [p - lr * g for p, g, lr in zip(params, grads, lrs)]
    # no graph to keep: the same arithmetic in two fused multi-tensor ops
    return list(torch._foreach_sub(
        params, torch._foreach_mul(list(grads), [float(lr) for lr in lrs])))


def forward_with_params(module: nn.Module, params: Dict[str, torch.Tensor],
                        *args, **kwargs):
    """Run ``module`` with some parameters replaced, buffers left untouched.

    The virtual and meta forward passes run in training mode, so BatchNorm
    layers update their running statistics in place. Handing
    :func:`functional_call` clones of the buffers keeps those updates out of
    the real model: as in the official code (which steps a throw-away copy),
    only the real step (Eq. 11) moves the running statistics.

    Args:
        module (nn.Module): The model.
        params (dict[str, Tensor]): Replacement tensors by parameter name;
            parameters not named keep their own values.
        *args: Positional arguments of ``module.forward``.
        **kwargs: Keyword arguments of ``module.forward``.

    Returns:
        Whatever ``module.forward`` returns.
    """
    tensors = {name: buf.clone() for name, buf in module.named_buffers()}
    tensors.update(params)
    return functional_call(module, tensors, args, kwargs, strict=False)
