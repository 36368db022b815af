"""Check of a real-number hyper-parameter such as ``tau``."""
import math
import numbers

import numpy as np


def finite_real(value, name: str, owner: str) -> float:
    """``value`` as a float, if it is a finite real number.

    Any ``numbers.Real`` counts (Python ``int``/``float`` and numpy scalars
    such as ``np.float32(1.0)``, as a config computed with numpy gives);
    ``bool`` does not, since ``True`` for ``tau`` is a typo rather than 1.

    Args:
        value: The value to check.
        name (str): The parameter's name, for the message.
        owner (str): The class taking it, for the message.

    Returns:
        float: ``float(value)``.

    Raises:
        ValueError: If ``value`` is not a real number, is a bool, or is not
            finite.
    """
    if isinstance(value, (bool, np.bool_)) or \
            not isinstance(value, numbers.Real):
        raise ValueError(f'{owner}: {name} must be a finite real number '
                         f'(int, float or numpy scalar), got {value!r} of '
                         f'type {type(value).__name__}')
    if not math.isfinite(float(value)):
        raise ValueError(f'{owner}: {name} must be finite, got '
                         f'{float(value)}')
    return float(value)
