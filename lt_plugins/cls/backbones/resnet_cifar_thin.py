"""The thin CIFAR ResNets (ResNet-20/32/44/56/110) of He et al. (2016).

The long-tail literature (LDAM, CDB, ALA, IWB) trains CIFAR-LT on ResNet-32:
a 3x3 stem with 16 channels and three stages of ``n`` basic blocks with 16,
32 and 64 channels (depth ``6n + 2``). mmpretrain's ``ResNet_CIFAR`` only has
the ImageNet depths (18..152, four stages of 64..512 channels), so this
subclass adds the thin depths.
"""
from mmpretrain.models.backbones import ResNet_CIFAR
from mmpretrain.models.backbones.resnet import BasicBlock
from mmpretrain.registry import MODELS

from lt_plugins.core.validation import check_int


@MODELS.register_module()
class ResNet_CIFAR_Thin(ResNet_CIFAR):
    """ResNet-20/32/44/56/110 for 32x32 images (He et al., 2016, sec. 4.2).

    Same blocks as mmpretrain's ``ResNet_CIFAR``; the one difference from the
    original (and the LDAM code) is the shortcut of the two down-sampling
    blocks: a 1x1 convolution with BatchNorm (option B of He et al.)
    instead of zero-padded identity (option A), which adds about 3k
    parameters to ResNet-32 (0.47M in total).

    Args:
        depth (int): One of 20, 32, 44, 56, 110. Defaults to 32.
        stem_channels (int): Defaults to 16.
        base_channels (int): Channels of the first stage. Defaults to 16.
        num_stages (int): Defaults to 3.
        strides (tuple[int]): Defaults to ``(1, 2, 2)``.
        dilations (tuple[int]): Defaults to ``(1, 1, 1)``.
        out_indices (tuple[int]): Defaults to ``(2, )`` (64-d features).
        **kwargs: Other ``ResNet`` arguments.
    """

    arch_settings = {
        20: (BasicBlock, (3, 3, 3)),
        32: (BasicBlock, (5, 5, 5)),
        44: (BasicBlock, (7, 7, 7)),
        56: (BasicBlock, (9, 9, 9)),
        110: (BasicBlock, (18, 18, 18)),
    }

    def __init__(self,
                 depth: int = 32,
                 stem_channels: int = 16,
                 base_channels: int = 16,
                 num_stages: int = 3,
                 strides=(1, 2, 2),
                 dilations=(1, 1, 1),
                 out_indices=(2, ),
                 **kwargs) -> None:
        if check_int('depth', depth) not in self.arch_settings:
            raise ValueError(f'invalid depth {depth!r} for ResNet_CIFAR_Thin; '
                             f'valid depths are {sorted(self.arch_settings)}')
        check_int('stem_channels', stem_channels, 1)
        check_int('base_channels', base_channels, 1)
        # the thin ResNets have three stages
        check_int('num_stages', num_stages, 1, 3)
        super().__init__(
            depth,
            stem_channels=stem_channels,
            base_channels=base_channels,
            num_stages=num_stages,
            strides=strides,
            dilations=dilations,
            out_indices=out_indices,
            **kwargs)
