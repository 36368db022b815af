"""IWB: inverse weight-balancing, a second stage on the classifier (seed 002).

Registers in mmpretrain: ``IWBHead``, ``ClassBalancedCELoss`` and
``FrozenEncoderClassifier`` (MODELS) and ``WeightNormRecorderHook`` (HOOKS).
Class counts come from ``ClassCountsHook`` (``lt_plugins.cls.ala``).
"""
from .class_balanced_loss import ClassBalancedCELoss
from .frozen_encoder import FrozenEncoderClassifier
from .iwb_head import IWBHead
from .iwb_math import (hardness_coefficient, iwb_target, number_coefficient,
                       weight_norm_kl)
from .weight_norm_recorder import WeightNormRecorderHook, rank_correlation

__all__ = [
    'ClassBalancedCELoss', 'FrozenEncoderClassifier', 'IWBHead',
    'WeightNormRecorderHook', 'hardness_coefficient', 'iwb_target',
    'number_coefficient', 'rank_correlation', 'weight_norm_kl'
]
