"""The mmdet CDB losses refuse values that give a negative or NaN loss, at
construction, and name a label the box head cannot have."""
import math

import pytest
import torch
from mmdet.registry import MODELS

import lt_plugins.det  # noqa: F401


def _build(type_, **kw):
    return MODELS.build(dict(type=type_, num_classes=4, **kw))


def test_negative_background_weight_is_refused():
    # before: accepted, and the loss of a background sample was negative
    # (-9.6 on a typical batch)
    with pytest.raises(ValueError, match=r'background_weight must be a '
                       r'finite number in \[0, inf\), got -5'):
        _build('CDBCrossEntropyLoss', background_weight=-5)
    with pytest.raises(ValueError, match='background_weight'):
        _build('CDBFocalLoss', background_weight=-0.1)


# a sigmoid head has no background output, so no background_weight
@pytest.mark.parametrize('type_, name', [
    ('CDBCrossEntropyLoss', 'background_weight'),
    ('CDBFocalLoss', 'background_weight'),
    ('CDBCrossEntropyLoss', 'loss_weight'),
    ('CDBFocalLoss', 'loss_weight'),
    ('CDBSigmoidFocalLoss', 'loss_weight'),
])
def test_nan_and_inf_weights_are_refused(type_, name):
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match=f'{name} must be a finite'):
            _build(type_, **{name: bad})
    with pytest.raises(TypeError, match=f'{name} must be a real number'):
        _build(type_, **{name: '1.0'})


def test_focal_gamma_nan_and_negative_are_refused():
    for bad in (math.nan, -1.0, math.inf):
        with pytest.raises(ValueError, match='gamma'):
            _build('CDBFocalLoss', gamma=bad)
        with pytest.raises(ValueError, match='gamma'):
            _build('CDBSigmoidFocalLoss', gamma=bad)


def test_sigmoid_focal_alpha_outside_zero_one_is_refused():
    # before: alpha=-2 was accepted; its positives then had a negative loss
    for bad in (-2.0, 1.5, math.nan):
        with pytest.raises(ValueError, match=r'alpha must be a finite number '
                           r'in \[0, 1\]'):
            _build('CDBSigmoidFocalLoss', alpha=bad)


def test_wrong_types_are_refused():
    with pytest.raises(TypeError, match='num_classes must be an int'):
        MODELS.build(dict(type='CDBCrossEntropyLoss', num_classes=4.0))
    with pytest.raises(TypeError, match='use_sigmoid must be a bool'):
        _build('CDBCrossEntropyLoss', use_sigmoid=0)
    with pytest.raises(TypeError, match='avg_non_ignore must be a bool'):
        _build('CDBCrossEntropyLoss', avg_non_ignore='yes')
    with pytest.raises(TypeError, match='ignore_index must be an int'):
        _build('CDBCrossEntropyLoss', ignore_index=2.5)
    with pytest.raises(ValueError, match='reduction'):
        _build('CDBCrossEntropyLoss', reduction='avg')


def test_zero_weights_stay_allowed():
    # loss_weight 0 switches a loss off, background_weight 0 ignores the
    # background: both meaningful
    loss = _build('CDBCrossEntropyLoss', loss_weight=0.0,
                  background_weight=0.0)
    score = torch.randn(3, 5)
    assert loss(score, torch.tensor([0, 4, 2])).item() == 0.0


def test_box_head_label_beyond_background_is_named():
    # C = 4 foreground classes, C + 1 = 5 outputs; label 7 is neither.
    # before: torch's IndexError "Target 7 is out of bounds"
    loss = _build('CDBCrossEntropyLoss')
    with pytest.raises(ValueError, match=r'label 7 .*valid labels are 0\.\.4'):
        loss(torch.randn(3, 5), torch.tensor([0, 7, 4]))
    focal = _build('CDBSigmoidFocalLoss')
    with pytest.raises(ValueError, match=r'label 9 .*valid labels are 0\.\.4'):
        focal(torch.randn(2, 4), torch.tensor([9, 4]))
