"""ImageNet-LT and Places-LT read from the standard list files.

The list files of Liu et al. (OLTR, CVPR 2019), e.g. ``ImageNet_LT_train.txt``
or ``Places_LT_val.txt``, hold one ``<relative image path> <label>`` line per
image. ImageNet-LT: 1000 classes, 115.8k training images (1280 to 5 per
class), val 20 and test 50 images per class. Places-LT: 365 classes, 62.5k
training images (4980 to 5 per class), val 20 and test 100 per class. The val
split is the usual held-out split for CDB difficulty measurement.
"""
import os.path as osp
from typing import List, Optional, Sequence

import mmengine
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from lt_plugins.core.validation import check_bool, check_int

LIST_SPLITS = ('train', 'val', 'test')


class ListFileLTDataset(BaseDataset):
    """A long-tailed data set given by a ``path label`` list file.

    Args:
        data_root (str): Root of the images and (by default) the list files.
        split (str): ``'train'``, ``'val'`` or ``'test'``; picks the default
            list file ``<prefix>_<split>.txt``.
        ann_file (str, optional): List file, relative to ``data_root``.
            Defaults to ``<LIST_PREFIX>_<split>.txt``.
        data_prefix (str): Folder the image paths are relative to, under
            ``data_root``. Defaults to ``''`` (``data_root`` itself).
        num_classes (int, optional): Number of classes; labels must lie in
            ``[0, num_classes)``. Defaults to the data set's class count.
        classes (Sequence[str], optional): Class names; their number sets
            ``num_classes``. Defaults to the data set's names when
            ``num_classes`` is the full count, else ``class_<i>``.
        pipeline (Sequence): Transforms, starting with
            ``LoadImageFromFile``.
        test_mode (bool, optional): Defaults to ``split != 'train'``.
        **kwargs: Other :class:`mmpretrain.datasets.BaseDataset` arguments.
    """

    LIST_PREFIX = ''
    NUM_CLASSES = 0

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 data_prefix: str = '',
                 num_classes: Optional[int] = None,
                 classes: Optional[Sequence[str]] = None,
                 pipeline: Sequence = (),
                 test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        if split not in LIST_SPLITS:
            raise ValueError(
                f'split must be one of {LIST_SPLITS}, got {split!r}')
        check_int('num_classes', num_classes, 1, allow_none=True)
        if test_mode is not None:
            check_bool('test_mode', test_mode)
        if classes is not None:
            if num_classes is not None and num_classes != len(classes):
                raise ValueError(f'num_classes={num_classes} but '
                                 f'{len(classes)} class names were given')
        else:
            n = self.NUM_CLASSES if num_classes is None else num_classes
            if not isinstance(n, int) or n < 1:
                raise ValueError(
                    f'num_classes must be a positive int, got {n!r}')
            classes = self.default_classes(n)
        self.split = split
        super().__init__(
            ann_file=ann_file or f'{self.LIST_PREFIX}_{split}.txt',
            data_root=data_root,
            data_prefix=data_prefix,
            classes=list(classes),
            pipeline=pipeline,
            test_mode=split != 'train' if test_mode is None else test_mode,
            **kwargs)

    @classmethod
    def default_classes(cls, num_classes: int) -> List[str]:
        """Class names when none are given: ``class_<i>``."""
        return [f'class_{i}' for i in range(num_classes)]

    def load_data_list(self) -> List[dict]:
        """Parse the list file into ``img_path`` / ``gt_label`` dicts."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'list file {self.ann_file} not found')
        num_classes = len(self._metainfo['classes'])
        data_list = []
        for lineno, line in enumerate(
                mmengine.list_from_file(self.ann_file), start=1):
            line = line.strip()
            if not line:
                continue
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise ValueError(f'{self.ann_file}:{lineno}: expected '
                                 f'"<path> <label>", got {line!r}')
            label = int(parts[1])
            if not 0 <= label < num_classes:
                raise ValueError(
                    f'{self.ann_file}:{lineno}: label {label} outside '
                    f'[0, {num_classes}); set num_classes or classes')
            data_list.append({
                'img_path': osp.join(self.img_prefix, parts[0]),
                'gt_label': label
            })
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Split: \t{self.split}'] + super().extra_repr()


@DATASETS.register_module()
class ImageNetLT(ListFileLTDataset):
    """ImageNet-LT (Liu et al., 2019): ``ImageNet_LT_{train,val,test}.txt``.

    Class names default to mmpretrain's ImageNet-1k names. See
    :class:`ListFileLTDataset` for the arguments.
    """

    LIST_PREFIX = 'ImageNet_LT'
    NUM_CLASSES = 1000

    @classmethod
    def default_classes(cls, num_classes: int) -> List[str]:
        from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
        if num_classes == len(IMAGENET_CATEGORIES):
            return list(IMAGENET_CATEGORIES)
        return super().default_classes(num_classes)


@DATASETS.register_module()
class PlacesLT(ListFileLTDataset):
    """Places-LT (Liu et al., 2019): ``Places_LT_{train,val,test}.txt``.

    365 classes; see :class:`ListFileLTDataset` for the arguments.
    """

    LIST_PREFIX = 'Places_LT'
    NUM_CLASSES = 365
