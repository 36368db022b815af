"""MMDetection components: CDB losses, the difficulty hook, the difficulty
repeat-factor sampler (CDB-S for detection), per-category
LVIS evaluation and a fast drop-in LVIS metric.

Importing this package registers them in mmdet's registries; configs do it
with ``custom_imports=dict(imports=['lt_plugins.det'])``. Nothing here
imports mmpretrain.
"""
from lt_plugins import compat  # noqa: F401  (applies the stack fixes)

from .cdb_loss import CDBCrossEntropyLoss, CDBFocalLoss, CDBSigmoidFocalLoss
from .difficulty_hook import CDBDifficultyHook
from .difficulty_sampler import DifficultyRepeatFactorSampler
from .fast_lvis_eval import LVISAPResult, evaluate_lvis_ap
from .fast_lvis_metric import FastLVISMetric
from .lvis_per_category_metric import LVISPerCategoryMetric
from lt_plugins.engine import FreezeAllButHook  # noqa: F401  (registers it)

__all__ = [
    'CDBCrossEntropyLoss', 'CDBFocalLoss', 'CDBSigmoidFocalLoss',
    'CDBDifficultyHook', 'DifficultyRepeatFactorSampler',
    'LVISPerCategoryMetric', 'FastLVISMetric',
    'LVISAPResult', 'evaluate_lvis_ap'
]
