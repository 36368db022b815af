"""The shared argument rules of ``lt_plugins.core.validation``."""
import math

import numpy as np
import pytest

from lt_plugins.core.validation import (check_bool, check_choice, check_int,
                                        check_real, check_real_sequence,
                                        format_interval)


def test_bool_is_a_bool_only():
    assert check_bool('normalize', True) is True
    assert check_bool('normalize', False) is False
    for bad in (0, 1, 'True', None, np.bool_(True), 1.0):
        with pytest.raises(TypeError, match=r'normalize must be a bool'):
            check_bool('normalize', bad)


def test_int_is_never_truncated_and_never_a_bool():
    assert check_int('num_classes', 3, 1) == 3
    assert check_int('num_classes', np.int64(3), 1) == 3
    assert type(check_int('num_classes', np.int64(3), 1)) is int
    for bad in (2.5, 2.0, True, '3', None):
        with pytest.raises(TypeError) as info:
            check_int('num_classes', bad, 1)
        assert 'num_classes must be an int' in str(info.value)
        assert repr(bad) in str(info.value)
    with pytest.raises(ValueError, match=r'num_classes must be an int in '
                       r'\[1, inf\), got 0'):
        check_int('num_classes', 0, 1)
    assert check_int('seed', None, allow_none=True) is None


@pytest.mark.parametrize('value', [0, 0.5, 1, np.float32(0.25)])
def test_real_accepts_numbers_in_range(value):
    assert check_real('alpha', value, 0.0, 1.0) == float(value)


def test_real_refuses_bool_nan_inf_and_strings_with_the_rule():
    with pytest.raises(TypeError, match=r"alpha must be a real number, got "
                       r"True \(bool\); valid: a finite number in \[0, 1\]"):
        check_real('alpha', True, 0.0, 1.0)
    with pytest.raises(TypeError, match=r"got '0.5' \(str\)"):
        check_real('alpha', '0.5', 0.0, 1.0)
    for bad in (math.nan, math.inf, -math.inf, np.float64('nan')):
        with pytest.raises(ValueError, match=r'alpha must be a finite '
                           r'number in \[0, 1\]'):
            check_real('alpha', bad, 0.0, 1.0)


def test_real_range_ends_open_and_closed():
    assert check_real('eps', 1.0, 0.0, 1.0, low_open=True) == 1.0
    with pytest.raises(ValueError, match=r'eps must be a finite number in '
                       r'\(0, 1\], got 0'):
        check_real('eps', 0, 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match=r'\[0, 1\), got 1'):
        check_real('m', 1, 0.0, 1.0, high_open=True)
    assert check_real('m', 0, 0.0, 1.0, high_open=True) == 0.0
    with pytest.raises(ValueError, match=r'got -5'):
        check_real('t_max', -5, 0.0)
    assert check_real('tau_max', None, 0.0, allow_none=True) is None


def test_format_interval_writes_infinite_ends_open():
    assert format_interval(0, math.inf) == '[0, inf)'
    assert format_interval(-math.inf, 1, high_open=True) == '(-inf, 1)'
    assert format_interval(0, 1, True, False) == '(0, 1]'


def test_choice():
    assert check_choice('reduction', 'mean', ('none', 'mean')) == 'mean'
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', "
                       r"'mean', got 'avg'"):
        check_choice('reduction', 'avg', ('none', 'mean'))
    # True == 1 in Python, but True is not the choice 1
    with pytest.raises(ValueError):
        check_choice('p', True, (1, 2))
    with pytest.raises(ValueError):
        check_choice('p', [1], {1, 2})


def test_real_sequence():
    out = check_real_sequence('counts', [3, 2.5, np.int64(1)], low=0.0)
    assert out.dtype == np.float64 and out.tolist() == [3.0, 2.5, 1.0]
    assert check_real_sequence('w', np.arange(3), length=3).tolist() == \
        [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match=r'counts must have 4 values, '
                       r'got 3'):
        check_real_sequence('counts', [1, 2, 3], length=4)
    with pytest.raises(ValueError, match=r'at least 1 values, got 0'):
        check_real_sequence('counts', [])
    with pytest.raises(ValueError, match=r'counts\[1\] must be a finite '
                       r'number in \[0, inf\), got -1.0'):
        check_real_sequence('counts', [1, -1, 2], low=0.0)
    with pytest.raises(ValueError, match=r'counts\[0\] .* got nan '
                       r'\(2 values in all\)'):
        check_real_sequence('counts', [math.nan, math.inf], low=0.0)
    with pytest.raises(TypeError, match=r'counts\[1\] must be a real '
                       r'number, got True'):
        check_real_sequence('counts', [1, True])
    for bad in ('123', 5, {1: 2}, None):
        with pytest.raises(TypeError, match=r'counts must be a sequence'):
            check_real_sequence('counts', bad)
    with pytest.raises(TypeError, match=r'dtype bool'):
        check_real_sequence('counts', np.ones(3, bool))
    with pytest.raises(ValueError, match=r'1-d'):
        check_real_sequence('counts', np.ones((2, 2)))
