"""mmengine-only building blocks shared by the detection and classification
sides (no mmdet or mmpretrain import)."""
from .cpu_distributed import close_distributed, prepare_cpu_distributed
from .difficulty_hook import DifficultyHookBase
from .freeze_hook import FreezeAllButHook

__all__ = [
    'DifficultyHookBase', 'FreezeAllButHook', 'close_distributed',
    'prepare_cpu_distributed'
]
