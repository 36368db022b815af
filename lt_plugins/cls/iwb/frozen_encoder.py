"""An ``ImageClassifier`` whose encoder is frozen (IWB stage 2)."""
from typing import Sequence, Union

import torch.nn as nn
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS


@MODELS.register_module()
class FrozenEncoderClassifier(ImageClassifier):
    """``ImageClassifier`` that trains only the parameters under ``trainable``.

    IWB stage 2 (SPEC section 3) keeps the stage-1 encoder fixed and
    retrains the linear classifier. Everything outside ``trainable`` gets
    ``requires_grad=False`` when the model is built (before mmengine wraps
    it in DDP, which must know the trainable set up front), and every module
    outside ``trainable`` stays in eval mode whenever the model is put in
    train mode, so BatchNorm uses and keeps its stage-1 running statistics
    and dropout is off. Works with any backbone/neck, unlike the
    ResNet-specific ``frozen_stages``/``norm_eval``.

    Args:
        *args: As ``ImageClassifier`` (``backbone``, ``neck``, ``head``, ...).
        trainable (str | Sequence[str]): Parameter-name prefixes that train.
            Defaults to ``('head',)``; with ``IWBHead`` that is exactly
            ``head.fc.weight`` and ``head.fc.bias``.
        **kwargs: As ``ImageClassifier``.
    """

    def __init__(self, *args,
                 trainable: Union[str, Sequence[str]] = ('head', ),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(trainable, str):
            trainable = (trainable, )
        self.trainable = tuple(p.rstrip('.') for p in trainable)
        if not self.trainable:
            raise ValueError('trainable must name at least one prefix')
        n_train = 0
        for name, p in self.named_parameters():
            p.requires_grad_(self._in_trainable(name))
            n_train += int(p.requires_grad)
        if n_train == 0:
            names = [n for n, _ in self.named_parameters()]
            raise ValueError(f'trainable={self.trainable} matches no '
                             f'parameter; parameters are {names}')
        self.train(self.training)

    def _in_trainable(self, name: str) -> bool:
        return any(name == p or name.startswith(p + '.')
                   for p in self.trainable)

    def _holds_trainable(self, name: str) -> bool:
        # a parent of a trainable module (e.g. 'head' for 'head.fc')
        return name == '' or any(p.startswith(name + '.')
                                 for p in self.trainable)

    def train(self, mode: bool = True) -> nn.Module:
        """Set train/eval mode; frozen modules always stay in eval mode."""
        super().train(mode)
        if mode:
            for name, m in self.named_modules():
                if not (self._in_trainable(name)
                        or self._holds_trainable(name)):
                    m.training = False
        return self
