"""Long-tailed classification metrics: overall, many/medium/few-shot and
per-class top-1 accuracy."""
from .shot_group_accuracy import (SHOT_GROUPS, ShotGroupAccuracy,
                                  shot_group_accuracy, shot_groups)

__all__ = [
    'SHOT_GROUPS', 'ShotGroupAccuracy', 'shot_group_accuracy', 'shot_groups'
]
