"""Argument checks shared by every component and core function.

One rule per kind of argument, written once, so that a hook and the core
function it calls cannot disagree about what is valid:

* a bool is a ``bool`` (``0``/``1`` and numpy bools are refused where a
  switch belongs: a typo or a wrong key, never a deliberate choice);
* an int is an integral number (``int`` or a numpy integer), never a bool
  and never a float: ``2.5`` is refused instead of being truncated, and so is
  ``2.0``, which is what a computed value that should have been an int looks
  like;
* a real is an ``int``, ``float`` or numpy scalar, never a bool, and finite
  (NaN and infinity are refused);
* ranges have open or closed ends, written ``(low, high]`` etc. in the
  message.

Every message names the argument, the value given and what would be valid.
Type errors raise ``TypeError``, values of the right type outside the valid
set raise ``ValueError``.

Nothing here imports torch, mmengine, mmdet or mmpretrain.
"""
import math
import numbers
from typing import Any, Collection, Optional

import numpy as np

__all__ = [
    'check_bool', 'check_int', 'check_real', 'check_choice',
    'check_real_sequence', 'format_interval'
]


def format_interval(low: float,
                    high: float,
                    low_open: bool = False,
                    high_open: bool = False) -> str:
    """An interval as text, e.g. ``[0, 1)`` or ``(0, inf)``.

    An infinite end is always written open.
    """
    left = '(' if low_open or math.isinf(low) else '['
    right = ')' if high_open or math.isinf(high) else ']'
    return f'{left}{low:g}, {high:g}{right}'


def _type_name(value: Any) -> str:
    return type(value).__name__


def _show(value: Any) -> str:
    """``repr`` of a value; a numpy scalar as its Python value (``nan``,
    not ``np.float32(nan)``)."""
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _in_range(v: float, low: float, high: float, low_open: bool,
              high_open: bool) -> bool:
    if v < low or (low_open and v == low):
        return False
    if v > high or (high_open and v == high):
        return False
    return True


def check_bool(name: str, value: Any) -> bool:
    """``value`` if it is a ``bool``.

    Args:
        name (str): Argument name, for the message.
        value: The given value.

    Returns:
        bool: ``value``.

    Raises:
        TypeError: For anything but ``True`` or ``False`` (``0``, ``1``,
            ``'yes'``, ``None`` and numpy bools included).
    """
    if not isinstance(value, bool):
        raise TypeError(f'{name} must be a bool (True or False), got '
                        f'{_show(value)} ({_type_name(value)})')
    return value


def check_int(name: str,
              value: Any,
              low: float = -math.inf,
              high: float = math.inf,
              *,
              low_open: bool = False,
              high_open: bool = False,
              allow_none: bool = False) -> Optional[int]:
    """``value`` as an ``int``, refused unless an integer in range.

    Args:
        name (str): Argument name, for the message.
        value: The given value.
        low (float): Smallest allowed value (excluded if ``low_open``).
            Defaults to -inf.
        high (float): Largest allowed value (excluded if ``high_open``).
            Defaults to inf.
        low_open (bool): Exclude ``low``. Defaults to False.
        high_open (bool): Exclude ``high``. Defaults to False.
        allow_none (bool): Accept ``None`` (returned as is). Defaults to
            False.

    Returns:
        int | None: ``int(value)``, or None when allowed and given.

    Raises:
        TypeError: If ``value`` is not an integral number (bools and floats,
            ``2.0`` included, are refused: nothing is truncated).
        ValueError: If it lies outside the range.
    """
    if value is None and allow_none:
        return None
    valid = format_interval(low, high, low_open, high_open)
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        none = ' or None' if allow_none else ''
        raise TypeError(f'{name} must be an int, got {_show(value)} '
                        f'({_type_name(value)}); valid: an int in '
                        f'{valid}{none}')
    v = int(value)
    if not _in_range(v, low, high, low_open, high_open):
        raise ValueError(f'{name} must be an int in {valid}, got '
                         f'{_show(value)}')
    return v


def check_real(name: str,
               value: Any,
               low: float = -math.inf,
               high: float = math.inf,
               low_open: bool = False,
               *,
               high_open: bool = False,
               allow_none: bool = False) -> Optional[float]:
    """``value`` as a float, refused unless a finite real number in range.

    Any ``numbers.Real`` counts (``int``, ``float`` and numpy scalars such as
    ``np.float32(1.0)``, as a config computed with numpy gives); a bool does
    not.

    Args:
        name (str): Argument name, for the message.
        value: The given value.
        low (float): Smallest allowed value (excluded if ``low_open``).
            Defaults to -inf.
        high (float): Largest allowed value (excluded if ``high_open``).
            Defaults to inf.
        low_open (bool): Exclude ``low``. Defaults to False.
        high_open (bool): Exclude ``high``. Defaults to False.
        allow_none (bool): Accept ``None`` (returned as is). Defaults to
            False.

    Returns:
        float | None: ``float(value)``, or None when allowed and given.

    Raises:
        TypeError: If ``value`` is not a real number (bools are refused).
        ValueError: If it is NaN, infinite or out of range.
    """
    if value is None and allow_none:
        return None
    valid = format_interval(low, high, low_open, high_open)
    if _is_bool(value) or not isinstance(value, numbers.Real):
        none = ' or None' if allow_none else ''
        raise TypeError(f'{name} must be a real number, got {_show(value)} '
                        f'({_type_name(value)}); valid: a finite number in '
                        f'{valid}{none}')
    v = float(value)
    if not math.isfinite(v) or not _in_range(v, low, high, low_open,
                                             high_open):
        raise ValueError(f'{name} must be a finite number in {valid}, got '
                         f'{_show(value)}')
    return v


def check_choice(name: str, value: Any, choices: Collection) -> Any:
    """``value`` if it is one of ``choices``.

    Args:
        name (str): Argument name, for the message.
        value: The given value.
        choices (Collection): The valid values.

    Returns:
        ``value``.

    Raises:
        ValueError: If ``value`` is not among ``choices`` (a type error
            included: ``1`` is not ``'1'``).
    """
    if _is_bool(value):  # True == 1, but True is no choice of 1
        ok = any(c is value for c in choices)
    else:
        try:
            ok = value in choices
        except TypeError:  # an unhashable value against a set
            ok = False
    if not ok:
        valid = ', '.join(repr(c) for c in choices)
        raise ValueError(f'{name} must be one of {valid}, got '
                         f'{_show(value)}')
    return value


def check_real_sequence(name: str,
                        value: Any,
                        length: Optional[int] = None,
                        low: float = -math.inf,
                        high: float = math.inf,
                        *,
                        low_open: bool = False,
                        high_open: bool = False,
                        min_length: int = 1) -> np.ndarray:
    """``value`` as a 1-d float64 array of finite reals in range.

    Args:
        name (str): Argument name, for the message.
        value: A list, tuple or 1-d array of real numbers (a string, a
            mapping or a set is refused; so are bools among the values).
        length (int, optional): Required length. Defaults to any length of at
            least ``min_length``.
        low (float): Smallest allowed element (excluded if ``low_open``).
            Use 0 for "non-negative". Defaults to -inf.
        high (float): Largest allowed element (excluded if ``high_open``).
            Defaults to inf.
        low_open (bool): Exclude ``low``. Defaults to False.
        high_open (bool): Exclude ``high``. Defaults to False.
        min_length (int): Smallest length when ``length`` is None.
            Defaults to 1.

    Returns:
        np.ndarray: The values, float64, shape (len,).

    Raises:
        TypeError: If ``value`` is not a sequence of real numbers.
        ValueError: For a wrong length, or an element that is NaN, infinite
            or out of range (the message gives its index).
    """
    valid = format_interval(low, high, low_open, high_open)
    if isinstance(value, (str, bytes, dict, set, frozenset)) or \
            not hasattr(value, '__len__') or not hasattr(value, '__iter__'):
        raise TypeError(f'{name} must be a sequence of real numbers in '
                        f'{valid}, got {_show(value)} ({_type_name(value)})')
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f'{name} must be 1-d, got an array of shape '
                             f'{value.shape}')
        if value.dtype == bool or not (np.issubdtype(value.dtype, np.integer)
                                       or np.issubdtype(value.dtype,
                                                        np.floating)):
            raise TypeError(f'{name} must hold real numbers, got an array of '
                            f'dtype {value.dtype}')
        arr = value.astype(np.float64)
    else:
        items = list(value)
        for i, item in enumerate(items):
            if _is_bool(item) or not isinstance(item, numbers.Real):
                raise TypeError(f'{name}[{i}] must be a real number, got '
                                f'{_show(item)} ({_type_name(item)})')
        arr = np.asarray(items, dtype=np.float64).reshape(-1)
    if length is not None and arr.size != length:
        raise ValueError(f'{name} must have {length} values, got {arr.size}')
    if length is None and arr.size < min_length:
        raise ValueError(f'{name} must have at least {min_length} values, '
                         f'got {arr.size}')
    ok = np.isfinite(arr) & (arr >= low) & (arr <= high)
    if low_open:
        ok &= arr != low
    if high_open:
        ok &= arr != high
    if not ok.all():
        bad = np.flatnonzero(~ok)
        i = int(bad[0])
        more = f' ({bad.size} values in all)' if bad.size > 1 else ''
        raise ValueError(f'{name}[{i}] must be a finite number in {valid}, '
                         f'got {float(arr[i])!r}{more}')
    return arr

