"""The standard long-tail baselines as mmpretrain components.

Registers in mmpretrain's MODELS:

* ``LogitAdjustedLoss`` and ``PostHocLogitAdjustedHead``: logit adjustment
  in the loss and at prediction time (Menon et al., ICLR 2021);
* ``BalancedSoftmaxLoss`` (Ren et al., NeurIPS 2020);
* ``LDAMLoss`` with deferred re-weighting (Cao et al., NeurIPS 2019), for the
  cosine head ``ALAHead``;
* ``TauNormClsHead``: tau-normalisation of a trained linear classifier
  (Kang et al., ICLR 2020).

Registers in mmpretrain's HOOKS ``PostHocTauSearchHook``, which chooses the
tau of either post-hoc head on a held-out split before the test.

Classifier re-training (cRT, Kang et al.) is ``FrozenEncoderClassifier``
with class-balanced sampling (``configs/cls/baselines/*crt*``). Class counts
come from ``ClassCountsHook`` (:mod:`lt_plugins.cls.ala`).
"""
from .balanced_softmax_loss import (BalancedSoftmaxLoss,
                                    balanced_softmax_cross_entropy)
from .ldam_loss import LDAMLoss, ldam_logits, ldam_margins
from .logit_adjusted_loss import (LogitAdjustedLoss, log_class_priors,
                                  logit_adjusted_cross_entropy)
from .posthoc_logit_adjustment import (PostHocLogitAdjustedHead,
                                       posthoc_adjusted_logits)
from .tau_norm_head import TauNormClsHead, tau_normalize
from .tau_search_hook import DEFAULT_TAUS, PostHocTauSearchHook, choose_tau

__all__ = [
    'BalancedSoftmaxLoss', 'DEFAULT_TAUS', 'LDAMLoss', 'LogitAdjustedLoss',
    'PostHocLogitAdjustedHead', 'PostHocTauSearchHook', 'TauNormClsHead',
    'choose_tau',
    'balanced_softmax_cross_entropy', 'ldam_logits', 'ldam_margins',
    'log_class_priors', 'logit_adjusted_cross_entropy',
    'posthoc_adjusted_logits', 'tau_normalize'
]
