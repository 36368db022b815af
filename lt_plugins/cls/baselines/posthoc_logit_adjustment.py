"""Post-hoc logit adjustment of a linear classifier (Menon et al. 2021).

Menon, Jayasumana, Rawat, Jain, Veit and Kumar, "Long-tail learning via
logit adjustment", ICLR 2021, post-hoc logit adjustment: a classifier
trained with plain CE estimates ``p(y|x) ∝ pi_y p(x|y)``; predicting with

    argmax_y  f_y(x) - tau * log(pi_y)

(``pi`` the training class priors, ``tau = 1`` the paper's default) removes
the prior and targets the balanced error. Training is unchanged.
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lt_plugins.cls.ala.class_counts_hook import ClassCountsMixin
from lt_plugins.cls.class_counts import check_class_counts_arg
from lt_plugins.core.validation import check_int, check_real
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
    Counts are checked when they arrive, not at the first validation after
    a long training: :meth:`set_class_counts` refuses a class without
    images, ``ClassCountsHook`` calls :meth:`check_class_counts` on counts
    restored from a checkpoint, and :meth:`loss` calls it on the first
    training step, so a model without counts and without the hook fails
    there (as ``ALAHead``'s loss does), telling to add the hook.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension.
        tau (float): Scale of the adjustment; the paper's default is 1. A
            finite number >= 0 (numpy scalars too; not a bool): 0 gives the
            CE prediction, a negative tau would add the prior instead.
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
        tau = check_real(f'{type(self).__name__}: tau', tau, 0.0)
        num_classes = check_class_counts_arg(num_classes, class_counts)
        check_int('in_channels', in_channels, 1)
        super().__init__(num_classes=num_classes, in_channels=in_channels,
                         **kwargs)
        self.tau = tau
        self._init_class_counts(num_classes, class_counts)

    def _refuse_empty_classes(self, counts: torch.Tensor) -> None:
        empty = (counts <= 0).nonzero().flatten().tolist()
        if empty:
            raise ValueError(
                f'{type(self).__name__}: class(es) {empty} have 0 training '
                'images; f(x) - tau * log(pi) would be +inf for them. Give '
                'class_counts of a training set that has every class')

    def set_class_counts(self, counts: Union[Sequence[int], np.ndarray,
                                             torch.Tensor]) -> None:
        """Set the training images per class; every class needs one.

        Args:
            counts (Sequence[int] | ndarray | Tensor): Shape (num_classes,).

        Raises:
            ValueError: If a class has no training image (before anything is
                stored), or the counts are otherwise invalid.
        """
        self._refuse_empty_classes(
            torch.as_tensor(np.asarray(counts), dtype=torch.float64)
            .flatten())
        super().set_class_counts(counts)

    def check_class_counts(self) -> None:
        """Raise unless the stored counts give finite priors for every
        class (``ClassCountsHook`` calls it after filling or keeping them).

        Raises:
            RuntimeError: If no counts were set (no ``ClassCountsHook``).
            ValueError: If a class has no training image.
        """
        self._refuse_empty_classes(self.require_class_counts())

    def log_prior(self) -> torch.Tensor:
        """``log(pi_c)`` of the stored counts, shape (C,).

        Raises:
            RuntimeError: If no counts were set.
            ValueError: If a class has no training image.
        """
        self.check_class_counts()
        return log_class_priors(self.class_counts)

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """The plain ``LinearClsHead`` loss, after checking the counts that
        ``predict`` will need, so a missing ``ClassCountsHook`` fails on the
        first training step instead of at the first validation.

        Args:
            feats (tuple[Tensor]): Neck outputs; the last has shape (N, D).
            data_samples (list[DataSample]): With ``gt_label``.
            **kwargs: Passed to ``LinearClsHead.loss``.

        Returns:
            dict[str, Tensor]: The losses.
        """
        self.check_class_counts()
        return super().loss(feats, data_samples, **kwargs)

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
        return self._get_predictions(self.tau_logits(feats), data_samples)

    def tau_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The adjusted logits ``f(x) - tau * log(pi)``, shape (N, C)."""
        return posthoc_adjusted_logits(self(feats), self.log_prior(),
                                       self.tau)
