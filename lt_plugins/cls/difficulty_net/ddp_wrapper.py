"""A DDP wrapper that lets Difficulty-Net run its own training step."""
from typing import Dict, Union

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapperDict
# mmengine's registry, not mmpretrain's: Runner.wrap_model looks the type
# up with MODEL_WRAPPERS.get() on the root registry, without the scope
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DifficultyNetDDP(MMDistributedDataParallel):
    """Distributed wrapper for :class:`DifficultyNetClassifier`.

    mmengine's ``MMDistributedDataParallel.train_step`` re-implements the
    training step (forward in ``'loss'`` mode, one backward, one optimiser
    update) and never calls the model's own ``train_step``, so the meta
    update would be skipped. This wrapper calls ``module.train_step``.

    Gradient averaging: ``DistributedDataParallel``'s reducer averages
    gradients during a ``backward()`` that follows a forward *through the
    wrapper*. The Difficulty-Net step takes its gradients with
    ``torch.autograd.grad`` (w.r.t. subsets of the parameters, second order
    or forward mode) and runs its forward passes on the module itself, which
    the reducer can neither follow nor should: its hooks only act after a
    forward through the wrapper, which never happens here. Instead,
    ``DifficultyNetClassifier.train_step`` averages explicitly, with one
    coalesced all-reduce each, the virtual-step gradient, the meta-loss
    gradient w.r.t. ``phi_hat``, the gradient w.r.t. the class weights, the
    gradient of ``D`` and the real-step gradient of the classifier. Every
    process therefore takes the same optimiser steps from the same
    gradients, and the parameters stay identical (the ``DDP`` constructor
    broadcasts the initial parameters and buffers from rank 0).

    BatchNorm running statistics stay per process (mmengine uses
    ``broadcast_buffers=False``); the per-class accuracy buffer is made
    identical by :class:`DifficultyNetHook`, which sums hits and counts over
    processes.

    On a CPU-only machine (gloo) ``device_ids`` is dropped, since
    ``DistributedDataParallel`` rejects it for CPU modules.

    Args:
        module (nn.Module): The ``DifficultyNetClassifier``.
        **kwargs: Passed to ``MMDistributedDataParallel``.
    """

    # checked by DifficultyNetHook: this wrapper runs the module's train_step
    DELEGATES_TRAIN_STEP = True

    def __init__(self, module, **kwargs) -> None:
        if all(p.device.type == 'cpu' for p in module.parameters()):
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        kwargs.setdefault('broadcast_buffers', False)
        super().__init__(module=module, **kwargs)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """Run the module's own (meta) training step.

        Args:
            data (dict): Training batch (with ``'meta_batch'``).
            optim_wrapper (OptimWrapperDict): Both optimiser wrappers.

        Returns:
            dict[str, Tensor]: The module's log variables.
        """
        return self.module.train_step(data, optim_wrapper)
