"""Training-set class counts, read from an mmpretrain data set."""
from typing import Optional

import numpy as np

from lt_plugins.core.validation import check_int, check_real_sequence
from .dataset_labels import count_labels, image_labels, num_classes_of


def dataset_class_counts(dataset, num_classes: Optional[int] = None
                         ) -> np.ndarray:
    """Number of distinct training images per class in ``dataset``.

    Works with any mmpretrain data set that implements ``get_gt_labels``
    (``BaseDataset`` and the long-tailed data sets here) and with mmengine's
    ``ConcatDataset``, ``RepeatDataset`` and ``ClassBalancedDataset`` around
    them. A wrapper that repeats images does not change the counts: they are
    the images per class (what shot groups, ALA and IWB are defined on), not
    how often a class is drawn per epoch (see
    :mod:`lt_plugins.cls.dataset_labels`).

    Args:
        dataset: An mmpretrain data set (or a wrapper around one).
        num_classes (int, optional): Length of the result; defaults to the
            number of classes in the data set's metainfo.

    Returns:
        np.ndarray: Counts, shape (num_classes,), dtype int64.

    Raises:
        TypeError: For a wrapper or data set whose labels cannot be read.
    """
    labels = image_labels(dataset)
    if num_classes is None:
        num_classes = num_classes_of(dataset, labels)
    return count_labels(labels, num_classes)


def check_class_counts_arg(num_classes, class_counts) -> int:
    """Check a component's ``num_classes`` and optional ``class_counts``.

    For the constructors of the losses and heads that keep training counts
    (``class_counts=[...]`` in a config, or ``None`` for ``ClassCountsHook``
    to fill in).

    Args:
        num_classes: An int >= 1.
        class_counts: None, or ``num_classes`` finite counts >= 0 (whole
            numbers; their sum is checked where they are stored).

    Returns:
        int: ``num_classes``.

    Raises:
        TypeError, ValueError: Naming the argument and the bad value.
    """
    num_classes = check_int('num_classes', num_classes, 1)
    if class_counts is not None:
        counts = check_real_sequence('class_counts', class_counts,
                                     num_classes, 0.0)
        fractional = np.flatnonzero(counts != np.round(counts))
        if fractional.size:
            i = int(fractional[0])
            raise ValueError(f'class_counts[{i}] must be a whole number of '
                             f'images, got {float(counts[i])!r}')
    return num_classes
