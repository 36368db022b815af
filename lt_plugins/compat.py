"""Compatibility fixes for the pinned OpenMMLab stack, applied on import.

Each fix says why it exists and when it can be removed. They are applied by
``lt_plugins.det`` and ``lt_plugins.cls`` (and so by every config that loads
the plugin through ``custom_imports``); :func:`apply` is idempotent.
"""
import pickle
import types

import numpy as np

_applied = False


class _NumpyWithFloat(types.ModuleType):
    """``numpy`` as seen by ``lvis.eval``, plus the ``np.float`` alias.

    ``lvis`` 0.5.3 (the last release on PyPI) calls ``np.float`` in
    ``LVISEval.accumulate``; numpy >= 1.24 removed that alias, so LVIS
    evaluation raises ``AttributeError``. Only the ``lvis.eval`` module sees
    this proxy; numpy itself is not modified. Remove once an lvis release
    without ``np.float`` is on PyPI.
    """

    float = float

    def __init__(self):
        super().__init__('numpy')

    def __getattr__(self, name):
        return getattr(np, name)


def patch_lvis_numpy() -> bool:
    """Give ``lvis.eval`` a numpy that still has ``np.float``.

    Returns:
        bool: True if the patch is in place (or not needed), False when the
        ``lvis`` package is not installed.
    """
    try:
        import lvis.eval as lvis_eval
    except ImportError:
        return False
    if not hasattr(np, 'float') and not isinstance(lvis_eval.np,
                                                   _NumpyWithFloat):
        lvis_eval.np = _NumpyWithFloat()
    return True


def _history_buffer_getattr(obj, name: str):
    """``getattr`` as a checkpoint may use it: HistoryBuffer methods only.

    mmengine pickles ``HistoryBuffer._statistics_methods``, a dict of the
    class's functions, which pickle stores as ``getattr(HistoryBuffer,
    'mean')``. Allow-listing the real ``getattr`` would let a checkpoint reach
    any attribute of any allowed object, so the unpickler gets this narrow
    stand-in instead.
    """
    from mmengine.logging import HistoryBuffer
    allowed = {'min', 'max', 'mean', 'current'}
    allowed.update(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer '
        f'statistics methods {sorted(allowed)} are allowed')


def allow_mmengine_checkpoint_objects() -> None:
    """Let ``torch.load(weights_only=True)`` read mmengine checkpoints.

    torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``; mmengine
    0.10.7 calls it without the argument, and its checkpoints hold a
    ``HistoryBuffer`` (with its statistics methods) and numpy arrays/scalars
    in ``message_hub``, so ``--resume`` fails with an ``UnpicklingError``.
    Rather than turning the safe loader off, the few types mmengine writes are
    allow-listed. Remove once mmengine passes ``weights_only`` itself.
    """
    import torch
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:  # torch < 2.4 loads everything anyway
        return
    from mmengine.logging import HistoryBuffer
    safe = [HistoryBuffer, np.ndarray, np.dtype,
            (_history_buffer_getattr, 'builtins.getattr')]
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    safe += [_reconstruct, scalar]
    # the dtype classes (np.dtypes.Float64DType, ...) numpy 2 pickles
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    safe += [type(np.dtype(t)) for t in (np.float32, np.float64, np.int64,
                                         np.int32, np.bool_, np.uint8)]
    add(safe)


def apply() -> None:
    """Apply every fix once."""
    global _applied
    if _applied:
        return
    patch_lvis_numpy()
    allow_mmengine_checkpoint_objects()
    _applied = True


apply()
