"""Labels of a classification data set, through mmengine's data set wrappers.

Two different questions have two different answers under a wrapper:

* :func:`index_labels`: the label of every index ``i`` of the data set the
  dataloader indexes, i.e. of ``dataset[i]``. ``RepeatDataset(times=k)`` has
  ``k`` times as many indices as the images it wraps and
  ``ClassBalancedDataset`` maps ``i`` to ``repeat_indices[i]``. A sampler
  that hands out indices (:class:`~lt_plugins.cls.cdb.CDBSampler`) needs
  these.
* :func:`image_labels`: the label of every distinct training image, each
  counted once however often a wrapper repeats it. Training class counts
  (shot groups, ALA, IWB) are defined on these: a class is few-shot because
  it has few training images, not because it is drawn rarely.

Supported wrappers: mmengine's ``ConcatDataset``, ``RepeatDataset``,
``ClassBalancedDataset`` (and torch's ``ConcatDataset``, ``Subset``), nested
in any order, around data sets with ``get_gt_labels()`` (mmpretrain's
``BaseDataset`` and the long-tailed data sets of this package). Anything else
is a ``TypeError`` naming the type.
"""
from typing import Optional, Sequence

import numpy as np
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from torch.utils.data import ConcatDataset, Subset

SUPPORTED = ('mmengine ConcatDataset, RepeatDataset, ClassBalancedDataset, '
             'torch ConcatDataset, Subset, or a data set with '
             'get_gt_labels() (mmpretrain BaseDataset)')


def _unsupported(dataset) -> TypeError:
    return TypeError(
        f'cannot read the labels of {type(dataset).__name__}: it has no '
        f'get_gt_labels() and is not a known wrapper (supported: '
        f'{SUPPORTED}); give the class counts in the config instead')


def _own_labels(dataset) -> np.ndarray:
    labels = np.asarray(dataset.get_gt_labels(), dtype=np.int64).reshape(-1)
    if len(labels) != len(dataset):
        raise ValueError(f'{type(dataset).__name__}.get_gt_labels() returned '
                         f'{len(labels)} labels for {len(dataset)} samples')
    return labels


def index_labels(dataset) -> np.ndarray:
    """Label of ``dataset[i]`` for every index ``i``.

    Args:
        dataset: A data set with ``get_gt_labels()`` or one of the supported
            wrappers around one.

    Returns:
        np.ndarray: Labels, shape (len(dataset),), int64.
    """
    n = len(dataset)  # triggers a lazy wrapper's full_init
    if isinstance(dataset, RepeatDataset):
        labels = np.tile(index_labels(dataset.dataset), dataset.times)
    elif isinstance(dataset, ClassBalancedDataset):
        labels = index_labels(dataset.dataset)[np.asarray(
            dataset.repeat_indices, dtype=np.int64)]
    elif isinstance(dataset, ConcatDataset):  # mmengine's subclasses torch's
        labels = np.concatenate(
            [index_labels(d) for d in dataset.datasets] or
            [np.zeros(0, np.int64)])
    elif isinstance(dataset, Subset):
        labels = index_labels(dataset.dataset)[np.asarray(
            dataset.indices, dtype=np.int64)]
    elif hasattr(dataset, 'get_gt_labels'):
        labels = _own_labels(dataset)
    else:
        raise _unsupported(dataset)
    if len(labels) != n:  # a wrapper whose index map we got wrong
        raise ValueError(f'{type(dataset).__name__} has {n} samples but its '
                         f'index map gave {len(labels)} labels')
    return labels


def image_labels(dataset) -> np.ndarray:
    """Label of every distinct image under ``dataset``, each once.

    ``RepeatDataset`` and ``ClassBalancedDataset`` add no images (the wrapped
    data set's labels are returned), a ``Subset`` keeps the images it selects
    (each once), a ``ConcatDataset`` has the images of all its parts (parts
    are taken to hold different images).

    Args:
        dataset: A data set with ``get_gt_labels()`` or one of the supported
            wrappers around one.

    Returns:
        np.ndarray: Labels, shape (number of distinct images,), int64.
    """
    if isinstance(dataset, (RepeatDataset, ClassBalancedDataset)):
        return image_labels(dataset.dataset)
    if isinstance(dataset, ConcatDataset):
        return np.concatenate([image_labels(d) for d in dataset.datasets] or
                              [np.zeros(0, np.int64)])
    if isinstance(dataset, Subset):
        return index_labels(dataset.dataset)[np.unique(
            np.asarray(dataset.indices, dtype=np.int64))]
    if hasattr(dataset, 'get_gt_labels'):
        return _own_labels(dataset)
    raise _unsupported(dataset)


def dataset_classes(dataset) -> Optional[Sequence[str]]:
    """Class names in the metainfo of ``dataset`` (or of what it wraps)."""
    metainfo = getattr(dataset, 'metainfo', None)
    if isinstance(metainfo, dict) and metainfo.get('classes'):
        return metainfo['classes']
    if isinstance(dataset, ConcatDataset) and dataset.datasets:
        return dataset_classes(dataset.datasets[0])
    if hasattr(dataset, 'dataset'):
        return dataset_classes(dataset.dataset)
    return None


def num_classes_of(dataset, labels: np.ndarray) -> int:
    """Number of class names of ``dataset``, else ``max(labels) + 1``."""
    classes = dataset_classes(dataset)
    if classes:
        return len(classes)
    return int(np.max(labels)) + 1 if np.size(labels) else 0


def count_labels(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Per-class counts of ``labels``, shape (num_classes,), int64.

    Raises:
        ValueError: If a label lies outside ``[0, num_classes)``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'labels range over [{labels.min()}, {labels.max()}]'
                         f' but num_classes is {num_classes}')
    return np.bincount(labels, minlength=num_classes).astype(np.int64)
