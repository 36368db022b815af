"""mmengine-only building blocks shared by the detection and classification
sides (no mmdet or mmpretrain import).

The package's names load on first use (PEP 562), so that the torch-free
modules (``safe_output``, ``run_archive``, ``run_lock``) import without
torch and mmengine: the data generators and the benchmark runners use them
and start in well under a second. ``lt_plugins.det`` and ``lt_plugins.cls``
import the hooks they register.
"""
import importlib

#: Public name -> the module of this package that defines it.
_LAZY = {
    'DifficultyHookBase': 'difficulty_hook',
    'FreezeAllButHook': 'freeze_hook',
    'close_distributed': 'cpu_distributed',
    'prepare_cpu_distributed': 'cpu_distributed',
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f'.{_LAZY[name]}', __name__)
        return getattr(module, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
