"""Freeze every parameter of a model except the named ones."""
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class FreezeAllButHook(Hook):
    """Set ``requires_grad=False`` on every parameter outside ``trainable``.

    Used for decoupled re-training of a classifier (the CDB paper's "-cls"
    variant): only the final classification layer learns. Parameters without
    a gradient are skipped by the optimizer, so they also get no weight
    decay. mmengine wraps the model for DDP before hooks run, so a DDP
    config needs ``model_wrapper_cfg=dict(type='MMDistributedDataParallel',
    find_unused_parameters=True)``. BatchNorm statistics are not frozen by
    this hook: set ``norm_eval=True`` on the backbone.

    Args:
        trainable (Sequence[str]): Module or parameter name prefixes that stay
            trainable, e.g. ``['roi_head.bbox_head.fc_cls']``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, trainable: Sequence[str]):
        if isinstance(trainable, str):
            trainable = [trainable]
        if not isinstance(trainable, (list, tuple)) or not all(
                isinstance(t, str) and t for t in trainable):
            raise TypeError('trainable must be a module name or a list of '
                            f'module names (str), got {trainable!r}')
        if not trainable:
            raise ValueError('trainable must name at least one module')
        self.trainable = tuple(trainable)

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        names = [n for n, _ in model.named_parameters()]
        for prefix in self.trainable:
            if not any(n == prefix or n.startswith(prefix + '.')
                       for n in names):
                raise ValueError(f'FreezeAllButHook: no parameter of the model '
                                 f'is named {prefix!r} or below it')
        kept = 0
        for name, param in model.named_parameters():
            keep = any(name == p or name.startswith(p + '.')
                       for p in self.trainable)
            param.requires_grad_(keep)
            kept += param.numel() if keep else 0
        runner.logger.info(f'FreezeAllButHook: {kept} trainable parameters '
                           f'in {", ".join(self.trainable)}; the rest frozen')
