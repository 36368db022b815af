"""Reuse a forward pass's convolution/linear outputs in a forward-mode pass.

Framework-free: plain torch. The ``'forward_ad'`` meta-gradient of
Difficulty-Net runs a forward-mode (JVP) pass of the training batch at
``phi_t``, the point where the shared training forward has just run. Under
:mod:`torch.autograd.forward_ad` every layer computes its primal output again
next to the tangent; for a convolution that is one of its three
convolutions (``y = conv(x, W)``, ``dy = conv(dx, W) + conv(x, dW)``), the
bulk of the redundant work. :class:`ForwardOutputCache` records the outputs
of the ``Conv{1,2,3}d`` and ``Linear`` layers during the first forward and,
during the forward-mode pass, makes those layers return the recorded output
as the primal, computing only the tangent. Every other operation (BatchNorm,
ReLU, residual additions, pooling, whatever the model's ``forward`` does in
between) runs under forward-mode AD as usual, so the result is the same JVP.

The replay is only valid for the same computation at the same point: same
inputs, same parameter values, same sequence of layer calls. It checks what
it can and raises :class:`ReplayMismatch` otherwise: a layer called more
often than recorded or not at all, an input of another shape, a recorded
output modified in place since (tensor version counter). Randomness (dropout)
is not replayed: a model with dropout gets fresh masks in the forward-mode
pass, with or without the cache.
"""
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
import torch.nn.functional as F

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


class ReplayMismatch(RuntimeError):
    """The forward-mode pass does not repeat the recorded forward."""


def _cacheable(module: nn.Module) -> bool:
    """Plain ``Conv{1,2,3}d`` / ``Linear`` layers (subclasses included
    unless they override ``forward``)."""
    for base in _CONVS + (nn.Linear, ):
        if isinstance(module, base):
            return type(module).forward is base.forward
    return False


def _tangent(t: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    return None if t is None else fwAD.unpack_dual(t).tangent


class ForwardOutputCache:
    """Records layer outputs of one forward pass for a forward-mode replay.

    Usage::

        cache = ForwardOutputCache(model.modules())
        with cache.record():
            out = model(x)                 # ordinary forward (with graph)
        with fwAD.dual_level(), cache.replay():
            dual_out = functional_call(model, dual_params, (x, ))

    Args:
        modules (Iterable[nn.Module]): Candidate modules; the plain
            convolution and linear layers among them are cached.
    """

    def __init__(self, modules: Iterable[nn.Module]) -> None:
        self.modules: List[nn.Module] = [m for m in modules if _cacheable(m)]
        # per module, in call order: (output, its version, input shape)
        self._records: Dict[nn.Module, List[Tuple[torch.Tensor, int,
                                                  torch.Size]]] = {}

    @contextmanager
    def record(self) -> Iterator['ForwardOutputCache']:
        """Record the output of every call of the cached layers."""
        self._records = {m: [] for m in self.modules}

        def hook(module, args, output):
            shape = args[0].shape if len(args) == 1 else None
            self._records[module].append(
                (output.detach(), output._version, shape))

        handles = [m.register_forward_hook(hook) for m in self.modules]
        try:
            yield self
        finally:
            for h in handles:
                h.remove()

    def _take(self, module: nn.Module, primal: torch.Tensor
              ) -> torch.Tensor:
        calls = self._records.get(module)
        if not calls:
            raise ReplayMismatch(
                f'{type(module).__name__} called more often than in the '
                'recorded forward')
        out, version, shape = calls.pop(0)
        if primal.shape != shape:
            raise ReplayMismatch(
                f'{type(module).__name__} input shape {tuple(primal.shape)} '
                f'differs from the recorded {tuple(shape)}')
        if out._version != version:
            raise ReplayMismatch(
                f'the recorded output of a {type(module).__name__} was '
                'modified in place after the forward')
        return out

    def _tangent_forward(self, module: nn.Module, x: torch.Tensor
                         ) -> torch.Tensor:
        x_p, x_t = fwAD.unpack_dual(x)
        out = self._take(module, x_p)
        w_p, w_t = fwAD.unpack_dual(module.weight)
        b_t = _tangent(module.bias)
        if isinstance(module, nn.Linear):
            def lin(inp, weight, bias=None):
                return F.linear(inp, weight, bias)
        else:
            lin = module._conv_forward
        # the layer is linear in (x, W, b): d(out) = lin(dx, W) + lin(x, dW,
        # db); the primal lin(x, W, b) is the recorded output
        tangent = None if x_t is None else lin(x_t, w_p, None)
        if w_t is not None:
            part = lin(x_p, w_t, b_t)
            tangent = part if tangent is None else tangent + part
        elif b_t is not None:
            shape = [1] * out.dim()
            shape[1 if isinstance(module, _CONVS) else -1] = -1
            part = b_t.reshape(shape).expand_as(out)
            tangent = part if tangent is None else tangent + part
        return out if tangent is None else fwAD.make_dual(out, tangent)

    def _patched_forward(self, module: nn.Module):

        def forward(*args, **kwargs):
            if len(args) != 1 or kwargs:
                raise ReplayMismatch(
                    f'{type(module).__name__} called with other than one '
                    'positional input')
            return self._tangent_forward(module, args[0])

        return forward

    @contextmanager
    def replay(self) -> Iterator['ForwardOutputCache']:
        """Run the cached layers as tangent-only layers (inside a
        ``forward_ad.dual_level``). Raises :class:`ReplayMismatch` when the
        pass does not repeat the recorded one."""
        patched = []
        try:
            for m in self.modules:
                m.forward = self._patched_forward(m)
                patched.append(m)
            yield self
            left = [type(m).__name__ for m, calls in self._records.items()
                    if calls]
            if left:
                raise ReplayMismatch(f'recorded calls of {left} were not '
                                     'repeated in the forward-mode pass')
        finally:
            for m in patched:
                del m.forward  # back to the class's forward
            self._records = {}
