"""Post-hoc logit adjustment of a linear classifier (Menon et al. 2021).

Menon, Jayasumana, Rawat, Jain, Veit and Kumar, "Long-tail learning via
logit adjustment", ICLR 2021, post-hoc logit adjustment: a classifier
trained with plain CE estimates ``p(y|x) ∝ pi_y p(x|y)``; predicting with

    argmax_y  f_y(x) - tau * log(pi_y)

(``pi`` the training class priors, ``tau = 1`` the paper's default) removes
the prior and targets the balanced error. Training is unchanged.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from .logit_adjusted_loss import log_class_priors


def posthoc_adjusted_logits(cls_score: torch.Tensor,
                            log_prior: torch.Tensor,
                            tau: float = 1.0) -> torch.Tensor:
    """``f(x) - tau * log(pi)`` (Menon et al., post-hoc adjustment).

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        log_prior (torch.Tensor): ``log(pi_c)``, shape (C,), finite.
        tau (float): Scale of the adjustment. Defaults to 1.

    Returns:
        torch.Tensor: Adjusted logits, shape (N, C).
    """
    return cls_score - tau * log_prior.to(cls_score)


@MODELS.register_module()
class PostHocLogitAdjustedHead(ClassCountsMixin, LinearClsHead):
    """``LinearClsHead`` that predicts with ``f(x) - tau * log(pi)``.

    Training (``loss``) sees the plain logits, so a model trained with this
    head is a plain CE model; only ``predict`` (validation, test, inference)
    subtracts ``tau * log(pi)``. The parameters are those of
    ``LinearClsHead`` (``fc.weight``, ``fc.bias``), so a CE checkpoint loads
    into it for a post-hoc test (``tau = 0`` gives the CE prediction back).

    The priors come from the training counts, kept in the ``class_counts``
    buffer: ``class_counts=[...]``, a checkpoint that has them, or
    ``ClassCountsHook`` (before training, or before a test-only run).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension.
        tau (float): Scale of the adjustment; the paper's default is 1.
        class_counts (Sequence[int], optional): Training images per class;
            every class needs at least one (``log 0`` would make a class
            unbeatable).
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of
            ``LinearClsHead``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 tau: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        if not (isinstance(tau, (int, float)) and tau == tau
                and abs(tau) != float('inf')):
            raise ValueError(f'tau must be a finite number, got {tau!r}')
        super().__init__(num_classes=num_classes, in_channels=in_channels,
                         **kwargs)
        self.tau = float(tau)
        self._init_class_counts(num_classes, class_counts)

    def log_prior(self) -> torch.Tensor:
        """``log(pi_c)`` of the stored counts, shape (C,).

        Raises:
            ValueError: If a class has no training image.
        """
        counts = self.require_class_counts()
        empty = (counts <= 0).nonzero().flatten().tolist()
        if empty:
            raise ValueError(
                f'{type(self).__name__}: class(es) {empty} have 0 training '
                'images; f(x) - tau * log(pi) would be +inf for them. Give '
                'class_counts of a training set that has every class')
        return log_class_priors(counts)

    def predict(self,
                feats: Tuple[torch.Tensor],
                data_samples: Optional[List[Optional[DataSample]]] = None
                ) -> List[DataSample]:
        """Predict with the post-hoc adjusted logits.

        Args:
            feats (tuple[Tensor]): Neck outputs; the last has shape (N, D).
            data_samples (list[DataSample], optional): Filled in.

        Returns:
            list[DataSample]: ``pred_score`` (softmax of the adjusted
            logits) and ``pred_label``.
        """
        cls_score = posthoc_adjusted_logits(self(feats), self.log_prior(),
                                            self.tau)
        return self._get_predictions(cls_score, data_samples)
