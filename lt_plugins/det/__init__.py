"""MMDetection components: CDB losses, the difficulty hook, per-category
LVIS evaluation.

Importing this package registers them in mmdet's registries; configs do it
with ``custom_imports=dict(imports=['lt_plugins.det'])``. Nothing here
imports mmpretrain.
"""
from lt_plugins import compat  # noqa: F401  (applies the stack fixes)

from .cdb_loss import CDBCrossEntropyLoss, CDBFocalLoss, CDBSigmoidFocalLoss
from .difficulty_hook import CDBDifficultyHook
from .lvis_per_category_metric import LVISPerCategoryMetric
from lt_plugins.engine import FreezeAllButHook  # noqa: F401  (registers it)

__all__ = [
    'CDBCrossEntropyLoss', 'CDBFocalLoss', 'CDBSigmoidFocalLoss',
    'CDBDifficultyHook', 'LVISPerCategoryMetric'
]
