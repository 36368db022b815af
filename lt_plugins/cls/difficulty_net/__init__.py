"""Difficulty-Net (Sinha & Ohashi, WACV 2023) for mmpretrain.

Stage 1: :class:`DifficultyNetClassifier` (3-step meta update) with
:class:`DifficultyNet` (``D``), :class:`DifficultyNetHook` (meta batches and
per-class accuracy), :class:`DifficultyNetOptimWrapperConstructor` (two
optimisers) and :class:`DifficultyNetDDP` (distributed training);
:class:`ForwardOutputCache` lets the forward-mode meta-gradient pass reuse the
training forward's layer outputs.
Stage 2 (decoupled): :class:`LWSHead` and :class:`LabelAwareSmoothingLoss`.
"""
from .class_weights import difficulty_class_weights
from .classifier import DifficultyNetClassifier
from .ddp_wrapper import DifficultyNetDDP
from .difficulty_mlp import DifficultyNet
from .driver_loss import driver_loss, relative_difficulty_target
from .forward_output_cache import ForwardOutputCache, ReplayMismatch
from .las_loss import LabelAwareSmoothingLoss, label_aware_smoothing
from .lws_head import LWSHead
from .meta_data_hook import DifficultyNetHook
from .optim_constructor import DifficultyNetOptimWrapperConstructor
from .virtual_step import forward_with_params, virtual_step

__all__ = [
    'DifficultyNet', 'DifficultyNetClassifier', 'DifficultyNetDDP',
    'DifficultyNetHook', 'DifficultyNetOptimWrapperConstructor',
    'ForwardOutputCache', 'LWSHead', 'LabelAwareSmoothingLoss',
    'ReplayMismatch', 'difficulty_class_weights', 'driver_loss',
    'forward_with_params', 'label_aware_smoothing',
    'relative_difficulty_target', 'virtual_step'
]
