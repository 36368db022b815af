"""ResNet-10 for ImageNet-LT (Liu et al., OLTR, 2019; used by CDB)."""
from mmpretrain.models.backbones import ResNet
from mmpretrain.models.backbones.resnet import BasicBlock
from mmpretrain.registry import MODELS

from lt_plugins.core.validation import check_int


@MODELS.register_module()
class ResNet10(ResNet):
    """mmpretrain's ``ResNet`` with one basic block per stage (depth 10).

    mmpretrain's ``ResNet`` knows depths 18-152 only; ResNet-10 is the
    ImageNet-LT backbone of OLTR and CDB (512-d features).

    Args:
        depth (int): Must be 10; kept so configs read like ``ResNet``.
        **kwargs: Other ``ResNet`` arguments.
    """

    arch_settings = {10: (BasicBlock, (1, 1, 1, 1))}

    def __init__(self, depth: int = 10, **kwargs) -> None:
        if check_int('depth', depth) != 10:
            raise ValueError(f'ResNet10 has depth 10, got {depth!r}; use '
                             "type='ResNet' for other depths")
        super().__init__(depth, **kwargs)
