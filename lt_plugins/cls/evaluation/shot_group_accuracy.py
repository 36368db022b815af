"""Top-1 and many/medium/few-shot accuracy of long-tailed classification.

Shot groups follow Liu et al. (OLTR, 2019) and SPEC section 5: a class is
*many*-shot with more than 100 training images, *few*-shot with fewer than 20
and *medium*-shot otherwise (20 to 100 inclusive). The counts are those of the
TRAINING set, never of the evaluated split.
"""
import copy
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS, METRICS

from lt_plugins.core.validation import (check_bool, check_int,
                                        check_real_sequence)
from ..class_counts import dataset_class_counts

SHOT_GROUPS = ('many', 'medium', 'few')


def shot_groups(train_counts: Sequence[int],
                many_thr: int = 100,
                few_thr: int = 20) -> np.ndarray:
    """Shot group of every class from its training count.

    Args:
        train_counts (Sequence[int]): Training images per class, shape (C,).
        many_thr (int): A class with MORE than this many images is many-shot.
        few_thr (int): A class with FEWER than this many images is few-shot.

    Returns:
        np.ndarray: Group names (``'many'``, ``'medium'``, ``'few'``),
        shape (C,).
    """
    many_thr = check_int('many_thr', many_thr, 0)
    few_thr = check_int('few_thr', few_thr, 0)
    counts = np.asarray(train_counts)
    if few_thr > many_thr + 1:
        raise ValueError(f'few_thr={few_thr} must not exceed many_thr + 1 = '
                         f'{many_thr + 1}')
    groups = np.full(counts.shape, 'medium', dtype=object)
    groups[counts > many_thr] = 'many'
    groups[counts < few_thr] = 'few'
    return groups


def shot_group_accuracy(pred: np.ndarray,
                        target: np.ndarray,
                        train_counts: Sequence[int],
                        many_thr: int = 100,
                        few_thr: int = 20) -> Dict[str, object]:
    """Overall, per-class and shot-group top-1 accuracy in percent.

    ``top1`` is the fraction of correct samples. A group's accuracy is the
    mean of the per-class accuracies of its classes that occur in ``target``
    (the OLTR definition; on a class-balanced test split it equals the
    fraction of correct samples of the group). A group without any evaluated
    class is NaN, and so is the per-class accuracy of a class without
    evaluated samples.

    Args:
        pred (np.ndarray): Predicted labels, shape (N,).
        target (np.ndarray): True labels, shape (N,).
        train_counts (Sequence[int]): Training images per class, shape (C,).
        many_thr (int): Many-shot means more than this many images.
        few_thr (int): Few-shot means fewer than this many images.

    Returns:
        dict: ``top1``, ``many``, ``medium``, ``few`` (floats) and
        ``classwise`` (list of C floats).
    """
    pred = np.asarray(pred, dtype=np.int64).reshape(-1)
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    counts = np.asarray(train_counts, dtype=np.int64).reshape(-1)
    if pred.shape != target.shape:
        raise ValueError(f'pred has shape {pred.shape}, target {target.shape}')
    num_classes = counts.size
    if target.size and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(f'target label {int(target.max())} is outside the '
                         f'{num_classes} classes of train_counts')
    correct = pred == target
    total_c = np.bincount(target, minlength=num_classes)
    correct_c = np.bincount(target, weights=correct, minlength=num_classes)
    with np.errstate(invalid='ignore', divide='ignore'):
        per_class = np.where(total_c > 0, correct_c / total_c, np.nan) * 100
    result: Dict[str, object] = {
        'top1': float(correct.mean() * 100) if correct.size else float('nan')
    }
    groups = shot_groups(counts, many_thr, few_thr)
    for g in SHOT_GROUPS:
        accs = per_class[(groups == g) & (total_c > 0)]
        result[g] = float(accs.mean()) if accs.size else float('nan')
    result['classwise'] = per_class.tolist()
    return result


@METRICS.register_module()
class ShotGroupAccuracy(BaseMetric):
    """Top-1, many/medium/few-shot and per-class accuracy (SPEC section 5).

    The training class counts come from, in this order:

    * ``class_counts``: a list in the config;
    * ``train_dataset``: the training data set's config; the metric builds it
      once (without its pipeline) and counts its labels with
      :func:`~lt_plugins.cls.class_counts.dataset_class_counts`.

    Results are collected over ranks by :class:`~mmengine.evaluator.BaseMetric`
    (as mmpretrain's ``Accuracy``) and computed once.

    Example::

        val_evaluator = dict(type='ShotGroupAccuracy',
                             train_dataset=train_dataloader['dataset'])

    Args:
        class_counts (Sequence[int], optional): Training images per class.
        train_dataset (dict, optional): Config of the training data set.
        many_thr (int): Many-shot means more than this many images.
            Defaults to 100.
        few_thr (int): Few-shot means fewer than this many images.
            Defaults to 20.
        classwise (bool): Also return the per-class accuracies (a list under
            ``classwise``). Defaults to True.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'shot'``.
    """

    default_prefix: Optional[str] = 'shot'

    def __init__(self,
                 class_counts: Optional[Sequence[int]] = None,
                 train_dataset: Optional[dict] = None,
                 many_thr: int = 100,
                 few_thr: int = 20,
                 classwise: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if (class_counts is None) == (train_dataset is None):
            raise ValueError('ShotGroupAccuracy needs exactly one of '
                             'class_counts and train_dataset (the training '
                             'class counts), got '
                             f'class_counts={class_counts!r}, '
                             f'train_dataset={train_dataset!r}')
        if class_counts is not None:
            counts = check_real_sequence('class_counts', class_counts,
                                         low=0.0)
            if (counts != np.round(counts)).any():
                raise ValueError('class_counts must be whole numbers of '
                                 f'images, got {class_counts!r}')
        shot_groups([], many_thr, few_thr)  # validates the thresholds
        check_bool('classwise', classwise)
        self._class_counts = (None if class_counts is None else
                              np.asarray(class_counts, dtype=np.int64))
        self._train_dataset = copy.deepcopy(train_dataset)
        self.many_thr = many_thr
        self.few_thr = few_thr
        self.classwise = classwise

    @property
    def class_counts(self) -> np.ndarray:
        """Training images per class, shape (C,) (built on first use)."""
        if self._class_counts is None:
            cfg = copy.deepcopy(self._train_dataset)
            if isinstance(cfg, dict):
                cfg['pipeline'] = []  # counting needs no images
                cfg.setdefault('lazy_init', False)
                dataset = DATASETS.build(cfg)
            else:
                dataset = cfg
            self._class_counts = dataset_class_counts(dataset)
            MMLogger.get_current_instance().info(
                f'ShotGroupAccuracy: training class counts from '
                f'{type(dataset).__name__}: {len(self._class_counts)} '
                f'classes, {int(self._class_counts.sum())} images')
        return self._class_counts

    def count_mismatch(self, train_counts: Sequence[int]) -> Optional[str]:
        """Compare this metric's class counts with the training set's.

        Args:
            train_counts (Sequence[int]): Images per class of the data set
                the model is trained on, shape (C,).

        Returns:
            str | None: What differs (for a warning), None if they agree.
        """
        mine = self.class_counts
        theirs = np.asarray(train_counts, dtype=np.int64).reshape(-1)
        if mine.shape == theirs.shape and (mine == theirs).all():
            return None
        head = (f'ShotGroupAccuracy counts {int(mine.sum())} training images '
                f'in {len(mine)} classes but the training set has '
                f'{int(theirs.sum())} in {len(theirs)}')
        if mine.shape == theirs.shape:
            diff = np.flatnonzero(mine != theirs)
            head += (f'; {len(diff)} classes differ, e.g. class '
                     f'{diff[0]}: {mine[diff[0]]} vs {theirs[diff[0]]}')
        return (head + '; the many/medium/few groups may be wrong (give the '
                'metric the same train_dataset as train_dataloader)')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the predicted and the true label of every sample."""
        for sample in data_samples:
            if 'pred_score' in sample:
                pred = int(sample['pred_score'].argmax())
            else:
                pred = int(sample['pred_label'].reshape(-1)[0])
            gt = sample['gt_label']
            self.results.append((pred, int(gt.reshape(-1)[0])))

    def compute_metrics(self, results: List) -> Dict[str, Union[float,
                                                                list]]:
        """Accuracies in percent from all collected (pred, gt) pairs."""
        counts = self.class_counts
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) != len(counts):
            raise ValueError(
                f'the training class counts have {len(counts)} entries but '
                f'the evaluated data set has {len(classes)} classes')
        arr = np.asarray(results, dtype=np.int64).reshape(-1, 2)
        metrics = shot_group_accuracy(arr[:, 0], arr[:, 1], counts,
                                      self.many_thr, self.few_thr)
        if not self.classwise:
            metrics.pop('classwise')
        return metrics
