"""Training-set class counts, read from an mmpretrain data set."""
from typing import Optional

import numpy as np


def dataset_class_counts(dataset, num_classes: Optional[int] = None
                         ) -> np.ndarray:
    """Number of samples per class in ``dataset``.

    Works with any mmpretrain data set that implements ``get_gt_labels``
    (``BaseDataset`` and the long-tailed data sets here) and with mmengine
    dataset wrappers that expose the wrapped one as ``.dataset``.

    Args:
        dataset: An mmpretrain data set (or a wrapper around one).
        num_classes (int, optional): Length of the result; defaults to the
            number of classes in the data set's metainfo.

    Returns:
        np.ndarray: Counts, shape (num_classes,), dtype int64.
    """
    base = dataset
    while not hasattr(base, 'get_gt_labels') and hasattr(base, 'dataset'):
        base = base.dataset
    if not hasattr(base, 'get_gt_labels'):
        raise TypeError(f'{type(dataset).__name__} has no get_gt_labels(); '
                        'give the class counts in the config instead')
    labels = np.asarray(base.get_gt_labels(), dtype=np.int64)
    if num_classes is None:
        classes = getattr(base, 'CLASSES', None) or base.metainfo.get(
            'classes')
        num_classes = len(classes) if classes else int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'labels range over [{labels.min()}, {labels.max()}]'
                         f' but num_classes is {num_classes}')
    return np.bincount(labels, minlength=num_classes).astype(np.int64)
