"""ALA: adaptive logit adjustment loss on a cosine classifier (seed 003).

Registers in mmpretrain: ``ALAHead`` (MODELS), ``ALALoss`` (MODELS) and
``ClassCountsHook`` (HOOKS). The class-balanced weights and the class-count
plumbing are shared with IWB.
"""
from .ala_loss import ALALoss, current_train_epoch
from .ala_math import ala_logits, difficulty_factor, quantity_factor
from .class_balanced import (class_balanced_cross_entropy,
                             class_balanced_weights)
from .class_counts_hook import ClassCountsHook, ClassCountsMixin
from .cosine_head import ALAHead, cosine_logits

__all__ = [
    'ALAHead', 'ALALoss', 'ClassCountsHook', 'ClassCountsMixin',
    'ala_logits', 'class_balanced_cross_entropy', 'class_balanced_weights',
    'cosine_logits', 'current_train_epoch', 'difficulty_factor',
    'quantity_factor'
]
