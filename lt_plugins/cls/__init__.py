"""MMPretrain components: long-tailed data sets, shot metrics, CDB, ALA, IWB,
Difficulty-Net and the standard long-tail baselines (logit adjustment,
Balanced Softmax, LDAM-DRW, tau-normalisation).

Importing this package registers everything in mmpretrain's registries;
configs do it with ``custom_imports=dict(imports=['lt_plugins.cls'])``.
Nothing here imports mmdet.
"""
from lt_plugins import compat  # noqa: F401  (applies the stack fixes)

from lt_plugins import engine  # noqa: F401  (FreezeAllButHook)
from . import (ala, backbones, baselines, cdb, datasets,  # noqa: F401
               difficulty_net, evaluation, iwb)
from .heldout_selection_hook import HeldOutSelectionHook  # noqa: F401
