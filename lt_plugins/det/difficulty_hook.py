"""The CDB difficulty hook for detectors (SPEC section 1, paper section 3).

Every ``interval`` epochs it runs the detector over a held-out,
class-balanced LVIS split, computes per-category AP with the ``lvis`` API and
turns it into class weights for every CDB loss in the model.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmdet.registry import HOOKS
from mmengine.evaluator import Evaluator

from lt_plugins.engine.difficulty_hook import DifficultyHookBase
from .cdb_loss import _CDBWeightedLoss
from .lvis_per_category_metric import LVISPerCategoryMetric


def _base_dataset(dataset):
    """Unwrap mmengine dataset wrappers (ClassBalancedDataset, ...)."""
    while hasattr(dataset, 'dataset') and not hasattr(dataset, 'lvis'):
        dataset = dataset.dataset
    return dataset


def cdb_losses(model: torch.nn.Module) -> List[_CDBWeightedLoss]:
    """Every CDB loss in ``model`` (one per head, Cascade R-CNN has three)."""
    return [m for m in model.modules() if isinstance(m, _CDBWeightedLoss)]


@HOOKS.register_module()
class CDBDifficultyHook(DifficultyHookBase):
    """Measure per-category AP on a held-out LVIS split and set CDB weights.

    Args:
        dataloader (dict): Dataloader config of the held-out split, built like
            ``val_dataloader`` (its dataset is usually an ``LVISV05Dataset``
            with ``test_mode=True`` on the file written by
            ``tools/make_lvis_heldout.py``).
        ann_file (str, optional): LVIS json the AP is computed against.
            Defaults to the dataloader's ``data_root`` + ``ann_file``.
        metric (str): 'bbox' (default) or 'segm'.
        check_overlap (bool): Refuse to start when the held-out split shares
            images with the training set. Defaults to True.
        **kwargs: ``interval``, ``tau``, ``t_max``, ``eps``, ``d_min``,
            ``power``, ``normalize``, ``history_file`` of
            :class:`~lt_plugins.engine.DifficultyHookBase`.
    """

    metric_name = 'AP'

    def __init__(self,
                 dataloader: dict,
                 ann_file: Optional[str] = None,
                 metric: str = 'bbox',
                 check_overlap: bool = True,
                 **kwargs):
        super().__init__(**kwargs)
        if metric not in ('bbox', 'segm'):
            raise ValueError(f"metric must be 'bbox' or 'segm', got "
                             f'{metric!r}')
        self.dataloader_cfg = copy.deepcopy(dataloader)
        if ann_file is None:
            ds = self.dataloader_cfg.get('dataset', {})
            if 'ann_file' not in ds:
                raise ValueError('give ann_file, or a dataloader whose dataset'
                                 ' has an ann_file')
            ann_file = osp.join(ds.get('data_root', '') or '', ds['ann_file'])
        self.ann_file = ann_file
        self.metric = metric
        self.check_overlap = check_overlap
        self._dataloader = None
        self._evaluator = None
        self._classes: Sequence[str] = ()

    # ------------------------------------------------------------ set-up
    def before_train(self, runner) -> None:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'CDBDifficultyHook: held-out annotation file '
                f'{self.ann_file!r} does not exist (cut one with '
                'tools/make_lvis_heldout.py)')
        losses = cdb_losses(runner.model)
        if not losses:
            raise RuntimeError(
                'CDBDifficultyHook is configured but the model has no CDB '
                'loss; set loss_cls=dict(type="CDBCrossEntropyLoss", ...) (or '
                'CDBFocalLoss / CDBSigmoidFocalLoss) in the head')
        self._dataloader = runner.build_dataloader(
            self.dataloader_cfg, seed=runner.seed)
        heldout = _base_dataset(self._dataloader.dataset)
        self._classes = tuple(heldout.metainfo['classes'])
        train = _base_dataset(runner.train_dataloader.dataset)
        train_classes = tuple(train.metainfo['classes'])
        if train_classes != self._classes:
            raise ValueError(
                f'the held-out data set has {len(self._classes)} classes and '
                f'the training set {len(train_classes)}; they must list the '
                'same classes in the same order')
        for loss in losses:
            if loss.num_classes != len(self._classes):
                raise ValueError(
                    f'{type(loss).__name__} has num_classes='
                    f'{loss.num_classes} but the data set has '
                    f'{len(self._classes)} classes')
        metric = LVISPerCategoryMetric(
            ann_file=self.ann_file, metric=self.metric, prefix='cdb')
        n_cats = len(metric._lvis_api.get_cat_ids())
        if n_cats != len(self._classes):
            raise ValueError(f'{self.ann_file} has {n_cats} categories but '
                             f'the data set has {len(self._classes)} classes')
        if self.check_overlap:
            self._check_disjoint(train, set(metric._lvis_api.get_img_ids()))
        self._evaluator = Evaluator(metric)
        self._evaluator.dataset_meta = heldout.metainfo
        super().before_train(runner)

    def _check_disjoint(self, train, heldout_ids: set) -> None:
        train_ids = (train.get_data_info(i)['img_id']
                     for i in range(len(train)))
        shared = [i for i in train_ids if i in heldout_ids]
        if shared:
            raise ValueError(
                f'the held-out split {self.ann_file} shares {len(shared)} '
                f'images with the training set (e.g. image id {shared[0]}); '
                'train on the file tools/make_lvis_heldout.py wrote with '
                '--out-train')

    # --------------------------------------------------------- interface
    def class_names(self, runner) -> Sequence[str]:
        return self._classes

    def measure(self, runner) -> np.ndarray:
        model = runner.model
        was_training = model.training
        model.eval()
        with torch.no_grad():
            for data_batch in self._dataloader:
                outputs = model.val_step(data_batch)
                self._evaluator.process(data_samples=outputs,
                                        data_batch=data_batch)
        metrics = self._evaluator.evaluate(len(self._dataloader.dataset))
        model.train(was_training)
        return np.asarray(metrics[f'cdb/{self.metric}_per_category_ap'],
                          dtype=np.float64)

    def apply_weights(self, runner, weights: np.ndarray) -> None:
        for loss in cdb_losses(runner.model):
            loss.update_weights(weights)
