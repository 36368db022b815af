"""CIFAR-10-LT and CIFAR-100-LT read from the standard CIFAR python pickles."""
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from lt_plugins.core.validation import check_bool, check_int, check_real
from .long_tail_profile import long_tail_counts

SPLITS = ('train', 'heldout', 'test')


def _load_pickle(path: str) -> Dict[str, object]:
    """Load one CIFAR pickle with ``str`` keys and values.

    The files were written by Python 2; ``encoding='latin1'`` turns its byte
    strings into ``str`` as mmpretrain and torchvision do. Keys that still come
    back as bytes (a file re-pickled by Python 3) are decoded too; so are the
    class names in :meth:`CIFAR10LT.load_data_list`.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'CIFAR file {path} not found; data_root must hold the extracted '
            'archive (cifar-10-batches-py/ or cifar-100-python/); '
            'tools/make_toy_cifar.py writes a small one')
    with open(path, 'rb') as f:
        entry = pickle.load(f, encoding='latin1')
    return {(k.decode('latin1') if isinstance(k, bytes) else k): v
            for k, v in entry.items()}


def _decode_name(name):
    """A class name as ``str``: UTF-8 bytes (what Python 3 tools write),
    else latin-1 (Python 2's byte strings), anything else unchanged."""
    if not isinstance(name, bytes):
        return name
    try:
        return name.decode('utf-8')
    except UnicodeDecodeError:
        return name.decode('latin1')


@DATASETS.register_module()
class CIFAR10LT(BaseDataset):
    """Long-tailed CIFAR-10 with an optional class-balanced held-out split.

    Reads the genuine CIFAR-10 python pickles (``data_root`` contains
    ``cifar-10-batches-py/``) without md5 checks, so generated files in the
    same format work as well.

    Splits, all deterministic in ``seed``:

    * ``heldout``: ``heldout_per_class`` images of every class, taken from the
      original balanced training images BEFORE the long-tail subsampling.
      The CDB paper holds out 50 images per class of the training set to
      measure class difficulty; taking them after the subsampling would be
      impossible for tail classes with fewer than 50 images.
    * ``train``: from the remaining training images of class ``c`` (0-based),
      the first ``n_c = floor(n_max * mu ** (c / (N - 1)))`` of a seeded
      permutation, ``mu = 1 / imbalance_ratio`` (see
      :func:`long_tail_counts`). ``n_max`` defaults to the smallest number of
      images a class has left after the hold-out (500 - heldout for real
      CIFAR). Disjoint from ``heldout`` by construction.
    * ``test``: the whole balanced test batch.

    Every sample's data info has a ``source_id``
    (``<real path of the archive folder>:<train|test>:<index in the files>``)
    that identifies the image across splits.

    Class 0 is the head class, as in the LDAM code. ``train``, ``heldout``
    and ``test`` built with the same arguments agree on everything.

    Args:
        data_root (str): Folder that holds the extracted archive.
        split (str): ``'train'``, ``'heldout'`` or ``'test'``.
        imbalance_ratio (float): ``n_max / n_min``, >= 1. Defaults to 100.
        heldout_per_class (int): Images per class held out of the training
            images. Defaults to 0 (no held-out split).
        max_per_class (int, optional): ``n_max``; defaults to what the
            smallest class has left after the hold-out.
        seed (int): Seed of the hold-out and subsampling permutation.
        metainfo (dict, optional): Overrides the class names read from the
            archive's meta file.
        pipeline (Sequence): Transforms; images arrive as ``img`` (HWC uint8
            RGB numpy arrays), no loading step is needed.
        test_mode (bool, optional): Defaults to ``split != 'train'``.
        **kwargs: Other :class:`mmpretrain.datasets.BaseDataset` arguments.
    """

    base_folder = 'cifar-10-batches-py'
    train_files = tuple(f'data_batch_{i}' for i in range(1, 6))
    test_files = ('test_batch', )
    meta_file = 'batches.meta'
    meta_key = 'label_names'
    label_key = 'labels'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 imbalance_ratio: float = 100.0,
                 heldout_per_class: int = 0,
                 max_per_class: Optional[int] = None,
                 seed: int = 0,
                 metainfo: Optional[dict] = None,
                 pipeline: Sequence = (),
                 test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        check_int('heldout_per_class', heldout_per_class, 0)
        check_int('max_per_class', max_per_class, 1, allow_none=True)
        check_int('seed', seed, 0)  # numpy seeds are >= 0
        if test_mode is not None:
            check_bool('test_mode', test_mode)
        if split == 'heldout' and heldout_per_class == 0:
            raise ValueError("split='heldout' needs heldout_per_class > 0")
        # validated here so that a bad ratio fails before any file is read
        check_real('imbalance_ratio', imbalance_ratio, 1.0)
        long_tail_counts(1, 2, imbalance_ratio)
        self.split = split
        self.imbalance_ratio = float(imbalance_ratio)
        self.heldout_per_class = heldout_per_class
        self.max_per_class = max_per_class
        self.seed = seed
        self.train_class_counts: List[int] = []
        super().__init__(
            ann_file='',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix='',
            pipeline=pipeline,
            test_mode=split != 'train' if test_mode is None else test_mode,
            **kwargs)

    def _read(self, files: Sequence[str]):
        folder = osp.join(self.data_root, self.base_folder)
        data, labels = [], []
        for name in files:
            entry = _load_pickle(osp.join(folder, name))
            data.append(np.asarray(entry['data'], dtype=np.uint8))
            labels.extend(entry[self.label_key])
        data = np.concatenate(data).reshape(-1, 3, 32, 32)
        return data.transpose(0, 2, 3, 1), np.asarray(labels, np.int64)

    def _select_train_indices(self, labels: np.ndarray, num_classes: int):
        """Indices of the held-out and the long-tailed training images."""
        rng = np.random.default_rng(self.seed)
        per_class = [np.flatnonzero(labels == c) for c in range(num_classes)]
        # one permutation per class, in class order, so results do not
        # depend on the order of the images in the files beyond their rank
        perms = [idx[rng.permutation(len(idx))] for idx in per_class]
        available = min(len(p) for p in perms) - self.heldout_per_class
        if available < 1:
            raise ValueError(
                f'heldout_per_class={self.heldout_per_class} leaves no '
                'training image for a class with '
                f'{min(len(p) for p in perms)} images')
        n_max = available if self.max_per_class is None else int(
            self.max_per_class)
        if not 1 <= n_max <= available:
            raise ValueError(
                f'max_per_class={self.max_per_class!r} must be in '
                f'[1, {available}] (images per class left after holding out '
                f'{self.heldout_per_class})')
        counts = long_tail_counts(n_max, num_classes, self.imbalance_ratio)
        h = self.heldout_per_class
        heldout = [p[:h] for p in perms]
        train = [p[h:h + n] for p, n in zip(perms, counts)]
        return np.concatenate(heldout), np.concatenate(train), counts

    def load_data_list(self) -> List[dict]:
        """Read the pickles and select the images of the split."""
        meta = _load_pickle(
            osp.join(self.data_root, self.base_folder, self.meta_file))
        # a meta file pickled by Python 3 holds the names as bytes;
        # everything downstream (metrics, JSON histories) expects str
        names = tuple(_decode_name(n) for n in meta[self.meta_key])
        self._metainfo.setdefault('classes', names)
        num_classes = len(self._metainfo['classes'])

        imgs, labels = self._read(self.train_files)
        if labels.size and labels.max() >= num_classes:
            raise ValueError(f'label {labels.max()} in {self.base_folder} '
                             f'but only {num_classes} classes')
        heldout_idx, train_idx, counts = self._select_train_indices(
            labels, num_classes)
        self.train_class_counts = counts
        group = 'test' if self.split == 'test' else 'train'
        if self.split == 'test':
            imgs, labels = self._read(self.test_files)
            keep = np.arange(len(labels))
        else:
            keep = train_idx if self.split == 'train' else heldout_idx
        # where the image comes from, so that a held-out split built with
        # other arguments than the training split can be caught sharing
        # images with it (CDBClsHook)
        source = osp.realpath(osp.join(self.data_root, self.base_folder))
        return [{
            'img': imgs[i],
            'gt_label': int(labels[i]),
            'source_id': f'{source}:{group}:{i}'
        } for i in keep]

    def extra_repr(self) -> List[str]:
        return [
            f'Split: \t{self.split}',
            f'Imbalance ratio: \t{self.imbalance_ratio}',
            f'Held out per class: \t{self.heldout_per_class}',
            f'Data root: \t{self.data_root}',
        ]


@DATASETS.register_module()
class CIFAR100LT(CIFAR10LT):
    """Long-tailed CIFAR-100 (fine labels); see :class:`CIFAR10LT`.

    Reads ``cifar-100-python/{train,test,meta}``. Same arguments and splits
    as :class:`CIFAR10LT`.
    """

    base_folder = 'cifar-100-python'
    train_files = ('train', )
    test_files = ('test', )
    meta_file = 'meta'
    meta_key = 'fine_label_names'
    label_key = 'fine_labels'
