"""The stack fixes in lt_plugins.compat."""
import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import lt_plugins.compat  # noqa: F401


def test_mmengine_message_hub_round_trips_through_the_safe_loader():
    hub = MessageHub.get_instance('compat_test')
    for v in (0.5, 0.25, 0.125):
        hub.update_scalar('train/loss', v)
    hub.update_info('seed', np.int64(3))
    buf = io.BytesIO()
    torch.save({'message_hub': hub.state_dict(),
                'arr': np.arange(3, dtype=np.float32)}, buf)
    buf.seek(0)
    out = torch.load(buf)  # torch >= 2.6: weights_only=True by default
    scalars = out['message_hub']['log_scalars']['train/loss']
    assert isinstance(scalars, HistoryBuffer)
    assert scalars.mean() == pytest.approx(0.875 / 3)
    assert scalars.statistics('max') == 0.5
    np.testing.assert_array_equal(out['arr'], [0, 1, 2])


class _Evil:
    """Pickles as ``getattr(HistoryBuffer, '__init__')``: an allowed class,
    a name that is not one of its statistics methods."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_arbitrary_getattr_in_a_checkpoint_is_refused():
    buf = io.BytesIO()
    torch.save({'x': _Evil()}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        torch.load(buf)


def test_lvis_eval_sees_np_float_but_numpy_is_untouched():
    import lvis.eval
    assert lvis.eval.np.float is float
    assert lvis.eval.np.zeros is np.zeros
    assert not hasattr(np, 'float')
