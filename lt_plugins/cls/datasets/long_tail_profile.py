"""The exponential long-tail profile of CIFAR-LT (Cao et al., LDAM, 2019).

Framework-free; the data sets use it to subsample a balanced training set.
"""
import math
from typing import List

#: Added before flooring so that ``n_max * mu ** x`` computed as
#: ``k - 1e-12`` for an integral ``k`` does not lose one image.
_FLOOR_TOL = 1e-6


def long_tail_counts(n_max: int, num_classes: int,
                     imbalance_ratio: float) -> List[int]:
    """Number of training images per class of an exponential long tail.

    ``n_c = floor(n_max * mu ** ((c - 1) / (N - 1)))`` for ``c = 1 .. N``
    with ``mu = 1 / imbalance_ratio`` (SPEC section 1, issue 4), so class 0
    keeps ``n_max`` images and the last class ``floor(n_max / ratio)``. The
    floor is the rounding of the LDAM reference code (``int(num)``); with
    ``n_max = 500`` it gives the published CIFAR-100-LT sizes (10847 images
    for ratio 100, 19573 for ratio 10). Every class keeps at least one image.

    Args:
        n_max (int): Images of the most frequent (first) class.
        num_classes (int): ``N``, at least 1.
        imbalance_ratio (float): ``n_max / n_min``, at least 1. A ratio of 1
            gives a balanced set.

    Returns:
        list[int]: Counts in label order, length ``num_classes``.
    """
    if not isinstance(n_max, int) or n_max < 1:
        raise ValueError(f'n_max must be a positive int, got {n_max!r}')
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(
            f'num_classes must be a positive int, got {num_classes!r}')
    ratio = float(imbalance_ratio)
    if not math.isfinite(ratio) or ratio < 1.0:
        raise ValueError('imbalance_ratio is n_max / n_min and must be a '
                         f'finite number >= 1, got {imbalance_ratio!r}')
    if num_classes == 1:
        return [n_max]
    mu = 1.0 / ratio
    return [
        max(1, int(math.floor(n_max * mu**(c / (num_classes - 1)) +
                              _FLOOR_TOL))) for c in range(num_classes)
    ]
