"""The Difficulty-Net MLP ``D`` (Sinha & Ohashi, Difficulty-Net, Eq. 1)."""
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from lt_plugins.core.validation import check_int


@MODELS.register_module()
class DifficultyNet(nn.Module):
    """``D``: per-class accuracies -> relative class difficulties.

    ``Linear(C, h) - ReLU - Linear(h, h) - ReLU - Linear(h, C) - Sigmoid``
    (paper Sec. 3.2, SPEC section 2). The output of every class depends on
    the accuracies of all classes, which is what makes the difficulty
    *relative*. The official code uses ``h = 128`` for 100 classes, 512 for
    Places-LT and 1024 for ImageNet-LT.

    Args:
        num_classes (int): ``C``, the input and output width.
        hidden_dim (int): ``h``, the width of both hidden layers.
    """

    def __init__(self, num_classes: int, hidden_dim: int = 128) -> None:
        super().__init__()
        self.num_classes = check_int('num_classes', num_classes, 1)
        self.hidden_dim = check_int('hidden_dim', hidden_dim, 1)
        self.layers = nn.Sequential(
            nn.Linear(self.num_classes, self.hidden_dim), nn.ReLU(),
            nn.Linear(self.hidden_dim, self.hidden_dim), nn.ReLU(),
            nn.Linear(self.hidden_dim, self.num_classes), nn.Sigmoid())

    def forward(self, accuracy: torch.Tensor) -> torch.Tensor:
        """Predict the difficulty of every class.

        Args:
            accuracy (Tensor): Per-class accuracies ``A``, shape (C,) or
                (B, C), values in [0, 1].

        Returns:
            Tensor: Difficulties ``D(A)`` in (0, 1), same shape as the input.
        """
        if accuracy.shape[-1] != self.num_classes:
            raise ValueError(
                f'DifficultyNet expects {self.num_classes} accuracies in the '
                f'last dimension, got shape {tuple(accuracy.shape)}')
        return self.layers(accuracy)
