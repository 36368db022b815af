"""Learnable weight scaling (LWS) head for the decoupled second stage."""
from typing import Tuple

import torch
import torch.nn as nn
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS

from lt_plugins.core.validation import check_int


@MODELS.register_module()
class LWSHead(LinearClsHead):
    """``LinearClsHead`` with a learnt scale per class: ``s_c * (W x + b)_c``.

    LWS of Kang et al. ("Decoupling representation and classifier", ICLR
    2020), as in the official Difficulty-Net stage-2 code
    (``x = fc(x); x *= scales``). The scales start at 1, so with the stage-1
    ``fc`` loaded the head starts as the stage-1 classifier. In an LWS
    config only ``head.scales`` trains (``FrozenEncoderClassifier`` with
    ``trainable=('head.scales',)``): encoder and ``fc`` stay fixed.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature width.
        **kwargs: As ``LinearClsHead`` (``loss``, ``topk``, ``init_cfg``).
    """

    def __init__(self, num_classes: int, in_channels: int, **kwargs) -> None:
        check_int('num_classes', num_classes, 1)
        check_int('in_channels', in_channels, 1)
        super().__init__(num_classes=num_classes, in_channels=in_channels,
                         **kwargs)
        self.scales = nn.Parameter(torch.ones(num_classes))

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Scaled logits, shape (B, num_classes)."""
        return super().forward(feats) * self.scales
