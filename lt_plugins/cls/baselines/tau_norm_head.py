"""tau-normalised linear classifier (Kang et al. 2020).

Kang, Xie, Rohrbach, Yan, Gordo, Feng and Kalantidis, "Decoupling
Representation and Classifier for Long-Tailed Recognition", ICLR 2020,
(the tau-normalised classifier): after training with plain CE, each
class weight is rescaled by a power of its norm,

    w~_c = w_c / ||w_c||^tau,

``tau = 1`` normalising every class to norm 1 and ``tau = 0`` leaving the
classifier unchanged; the logits are ``f(x) . w~_c``. The authors' code
drops the bias (``logits = feat @ w~^T``); ``keep_bias=True`` keeps it.
Nothing is trained: this is a post-hoc change of a trained linear head.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from lt_plugins.core.validation import check_bool, check_int, check_real


def tau_normalize(weight: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """``w_c / ||w_c||^tau`` for every row ``w_c`` (Kang et al. 2020).

    Args:
        weight (torch.Tensor): Class weights, shape (C, D).
        tau (float): Exponent; 1 gives unit-norm rows, 0 the weights as
            they are.

    Returns:
        torch.Tensor: Rescaled weights, shape (C, D), of ``weight``'s dtype;
        a zero row stays zero.
    """
    # float64 and w / ||w|| * ||w||^(1 - tau): ||w||^tau of a tiny row
    # underflows to 0 for tau > 1 (and its squares already underflow in
    # float32), which would give inf or 0/0 = NaN
    w = weight.double()
    norms = w.norm(p=2, dim=1, keepdim=True)
    nonzero = norms > 0
    safe = torch.where(nonzero, norms, torch.ones_like(norms))
    scaled = w / safe * safe.pow(1.0 - tau)
    return torch.where(nonzero, scaled, torch.zeros_like(w)).to(weight.dtype)


@MODELS.register_module()
class TauNormClsHead(LinearClsHead):
    """``LinearClsHead`` that predicts with tau-normalised class weights.

    ``predict`` (validation, test, inference) uses ``w_c / ||w_c||^tau``;
    ``loss`` trains the plain classifier, so the head is meant for testing a
    CE checkpoint (its ``fc`` parameters load unchanged). The stored
    weights are never modified.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension.
        tau (float): Exponent chosen by the user; defaults to 1. Kang et al.
            pick it on a validation split, never on the test split. A
            finite number >= 0 (numpy scalars too; not a bool): 0 leaves the
            classifier as it is, a negative tau would widen the norm gap.
        keep_bias (bool): Add ``fc.bias`` to the normalised logits.
            Defaults to False, as the authors' tau-normalisation code.
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of
            ``LinearClsHead``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 tau: float = 1.0,
                 keep_bias: bool = False,
                 **kwargs) -> None:
        check_int('num_classes', num_classes, 1)
        check_int('in_channels', in_channels, 1)
        tau = check_real(f'{type(self).__name__}: tau', tau, 0.0)
        check_bool('keep_bias', keep_bias)
        super().__init__(num_classes=num_classes, in_channels=in_channels,
                         **kwargs)
        self.tau = tau
        self.keep_bias = keep_bias

    def tau_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Logits with the tau-normalised classifier, shape (N, C)."""
        bias = self.fc.bias if self.keep_bias else None
        return F.linear(self.pre_logits(feats),
                        tau_normalize(self.fc.weight, self.tau), bias)

    def predict(self,
                feats: Tuple[torch.Tensor],
                data_samples: Optional[List[Optional[DataSample]]] = None
                ) -> List[DataSample]:
        """Predict with the tau-normalised classifier.

        Args:
            feats (tuple[Tensor]): Neck outputs; the last has shape (N, D).
            data_samples (list[DataSample], optional): Filled in.

        Returns:
            list[DataSample]: ``pred_score`` and ``pred_label``.
        """
        return self._get_predictions(self.tau_logits(feats), data_samples)
