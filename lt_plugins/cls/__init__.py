"""MMPretrain components: long-tailed data sets, shot metrics, CDB, ALA, IWB
and Difficulty-Net.

Importing this package registers everything in mmpretrain's registries;
configs do it with ``custom_imports=dict(imports=['lt_plugins.cls'])``.
Nothing here imports mmdet.
"""
from lt_plugins import compat  # noqa: F401  (applies the stack fixes)

from lt_plugins import engine  # noqa: F401  (FreezeAllButHook)
from . import (ala, backbones, cdb, datasets, difficulty_net,  # noqa: F401
               evaluation, iwb)
