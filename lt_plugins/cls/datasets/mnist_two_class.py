"""The two-class imbalanced MNIST setting of the CDB paper (sec. 4.1).

Read from the genuine MNIST idx files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, extracted or as the distributed ``.gz``).
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.mnist import read_sn3_pascalvincent_tensor
from mmpretrain.registry import DATASETS

from lt_plugins.core.validation import check_bool, check_int, check_real

SPLITS = ('train', 'heldout', 'test')
FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}


def _find(root: str, name: str) -> str:
    for path in (osp.join(root, name), osp.join(root, name + '.gz')):
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'MNIST file {name} (or {name}.gz) not found in {root!r}; '
        'tools/make_toy_mnist.py writes a small data set in the same format')


def read_idx(root: str, group: str) -> Tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 of ``train``/``test``,
    read with mmpretrain's idx reader."""
    img_file, label_file = FILES[group]
    imgs = read_sn3_pascalvincent_tensor(_find(root, img_file)).numpy()
    labels = read_sn3_pascalvincent_tensor(_find(root, label_file)).numpy()
    if imgs.ndim != 3 or labels.ndim != 1 or len(imgs) != len(labels):
        raise ValueError(
            f'MNIST {group} files in {root!r} do not match: images of shape '
            f'{tuple(imgs.shape)}, labels of shape {tuple(labels.shape)}')
    return imgs, labels.astype(np.int64)


@DATASETS.register_module()
class MNISTTwoClassImbalanced(BaseDataset):
    """Two MNIST digits with a head class ratio (CDB paper sec. 4.1).

    The setting of the CDB paper, which follows Ren et al. (2018): a
    training subset of ``num_train`` images (5000) of two digits (4 and 9);
    with head class ratio ``x`` the head digit has ``round(x * num_train)``
    images and the tail digit the rest (0.99: 4950 and 50, 0.995: 4975 and
    25). A class-balanced difficulty / validation split of
    ``heldout_per_class`` (500) images per digit is taken from the other
    MNIST training images, and a balanced test split of ``test_per_class``
    (800) per digit from the MNIST test images.

    Splits, all deterministic in ``seed``: for each digit one seeded
    permutation of its MNIST training images; ``heldout`` is its first
    ``heldout_per_class`` images and ``train`` the next ones, so the two are
    disjoint by construction. ``test`` is the first ``test_per_class`` of a
    seeded permutation of the digit's test images.

    Labels are 0 for the head digit (the first of ``digits``) and 1 for the
    tail digit; the class names are the digits as strings. Every sample has
    a ``source_id`` (``<real path of data_root>:<train|test>:<index>``) so
    that ``CDBClsHook`` can check that the held-out split shares no image
    with the training split.

    Args:
        data_root (str): Folder with the four MNIST idx files.
        split (str): ``'train'``, ``'heldout'`` or ``'test'``.
        digits (Sequence[int]): Head digit, then tail digit. Defaults to
            ``(4, 9)`` as in the paper.
        head_class_ratio (float): Share of the head digit in ``train``,
            in [0.5, 1) (0.5: balanced). Defaults to 0.99.
        num_train (int): Images in ``train``. Defaults to 5000.
        heldout_per_class (int): Images per digit in ``heldout``. Defaults
            to 500.
        test_per_class (int): Images per digit in ``test``. Defaults to 800.
        seed (int): Seed of the permutations.
        metainfo (dict, optional): Overrides the class names (the digits).
        pipeline (Sequence): Transforms; images arrive as ``img`` (28x28
            uint8 numpy arrays, one channel).
        test_mode (bool, optional): Defaults to ``split != 'train'``.
        **kwargs: Other :class:`mmpretrain.datasets.BaseDataset` arguments.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 digits: Sequence[int] = (4, 9),
                 head_class_ratio: float = 0.99,
                 num_train: int = 5000,
                 heldout_per_class: int = 500,
                 test_per_class: int = 800,
                 seed: int = 0,
                 metainfo: Optional[dict] = None,
                 pipeline: Sequence = (),
                 test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        digits = tuple(digits)
        if len(digits) != 2 or len(set(digits)) != 2 or not all(
                isinstance(d, int) and 0 <= d <= 9 for d in digits):
            raise ValueError('digits must be two different digits 0-9 '
                             f'(head, tail), got {digits!r}')
        check_real('head_class_ratio', head_class_ratio, 0.5, 1.0,
                   high_open=True)
        for name, value in (('num_train', num_train),
                            ('heldout_per_class', heldout_per_class),
                            ('test_per_class', test_per_class)):
            check_int(name, value, 1)
        check_int('seed', seed, 0)  # numpy seeds are >= 0
        if test_mode is not None:
            check_bool('test_mode', test_mode)
        head = int(round(head_class_ratio * num_train))
        if not 1 <= head < num_train:
            raise ValueError(
                f'head_class_ratio={head_class_ratio} of num_train='
                f'{num_train} leaves {num_train - head} tail images')
        self.split = split
        self.digits = digits
        self.head_class_ratio = float(head_class_ratio)
        self.heldout_per_class = heldout_per_class
        self.test_per_class = test_per_class
        self.seed = seed
        self.train_class_counts: List[int] = [head, num_train - head]
        super().__init__(
            ann_file='',
            metainfo=metainfo or dict(classes=tuple(map(str, digits))),
            data_root=data_root,
            data_prefix='',
            pipeline=pipeline,
            test_mode=split != 'train' if test_mode is None else test_mode,
            **kwargs)

    def _pick(self, labels: np.ndarray, group: str,
              ranges: Sequence[Tuple[int, int]]) -> np.ndarray:
        """Positions ``ranges[k]`` of a seeded permutation of digit k."""
        rng = np.random.default_rng(self.seed)
        out = []
        for digit, (start, stop) in zip(self.digits, ranges):
            idx = np.flatnonzero(labels == digit)
            if len(idx) < stop:
                raise ValueError(
                    f'the MNIST {group} files in {self.data_root!r} have '
                    f'{len(idx)} images of digit {digit}, the {self.split} '
                    f'split needs {stop}')
            out.append(idx[rng.permutation(len(idx))][start:stop])
        return np.concatenate(out)

    def load_data_list(self) -> List[dict]:
        """Read the idx files and select the images of the split."""
        group = 'test' if self.split == 'test' else 'train'
        imgs, labels = read_idx(self.data_root, group)
        h = self.heldout_per_class
        if self.split == 'test':
            ranges = [(0, self.test_per_class)] * 2
        elif self.split == 'heldout':
            ranges = [(0, h)] * 2
        else:
            ranges = [(h, h + n) for n in self.train_class_counts]
        keep = self._pick(labels, group, ranges)
        source = osp.realpath(self.data_root)
        label_of = {d: i for i, d in enumerate(self.digits)}
        return [{
            'img': imgs[i],
            'gt_label': label_of[int(labels[i])],
            'source_id': f'{source}:{group}:{i}'
        } for i in keep]

    def extra_repr(self) -> List[str]:
        return [
            f'Split: \t{self.split}',
            f'Digits (head, tail): \t{self.digits}',
            f'Head class ratio: \t{self.head_class_ratio}',
            f'Data root: \t{self.data_root}',
        ]
