"""The CDB difficulty hook for detectors (SPEC section 1, paper section 3).

Every ``interval`` epochs it runs the detector over a held-out,
class-balanced LVIS split, computes per-category AP (faster-coco-eval by
default, the ``lvis`` API on request, the same numbers: see
:mod:`lt_plugins.det.fast_lvis_eval`) and turns it into class weights for
every CDB loss in the model.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmdet.registry import HOOKS
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper

from lt_plugins.core.validation import check_bool
from lt_plugins.engine.difficulty_consumer import find_weight_consumers
from lt_plugins.engine.difficulty_hook import (DifficultyHookBase,
                                               build_heldout_dataloader,
                                               describe_dataset_cfg)
from .cdb_loss import _CDBWeightedLoss
from .difficulty_sampler import (DifficultyRepeatFactorSampler,
                                 find_difficulty_sampler, load_sampler_state,
                                 save_sampler_state)
from .fast_lvis_eval import resolve_backend
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
        backend (str): How per-category AP is computed: 'auto' (default:
            faster-coco-eval when installed, else the ``lvis`` API, with a
            log line), 'faster_coco_eval' or 'lvis'. The numbers are the
            same (see :mod:`lt_plugins.det.fast_lvis_eval`).
        eval_nproc (int): Processes rank 0 forks to share the categories of
            the faster-coco-eval evaluation (the other ranks wait for it
            anyway). Defaults to 1; the numbers do not depend on it.
        rotating_fold (bool): Measure on the fold of the training images
            that the run's ``DifficultyRepeatFactorSampler(heldout_folds=K)``
            left out of the epoch just trained, instead of on a fixed
            held-out split. ``dataloader`` (and ``ann_file``) then describe
            the training images in test mode (the training annotation file
            with the test pipeline); each measurement runs on the subset of
            the fold's images. ``check_overlap`` does not apply. Defaults to
            False.
        **kwargs: ``interval``, ``tau``, ``t_max``, ``eps``, ``d_min``,
            ``power``, ``normalize``, ``history_file``,
            ``measure_before_train`` and the robust variants (off by
            default) ``tau_max``, ``difficulty_momentum``,
            ``warmup_epochs``, ``weight_floor`` of
            :class:`~lt_plugins.engine.DifficultyHookBase`.

    ``before_train`` refuses, before the first iteration: a missing held-out
    file, a held-out file without images or without annotations, a run with
    neither a CDB loss in the model nor a difficulty sampler (one with
    ``update_weights``, e.g. ``DifficultyRepeatFactorSampler``) in the
    training dataloader, ``metric='segm'`` on a model without a mask head, a
    held-out file whose category ids (in label order) differ from the
    training set's, and a schedule that never measures
    (:meth:`~lt_plugins.engine.DifficultyHookBase.check_schedule`). With
    ``rotating_fold`` also: a run without a sampler with ``heldout_folds``,
    and a ``dataloader`` or ``ann_file`` that lacks a training image; and
    without it, a sampler with ``heldout_folds`` (its left-out fold would
    never be measured).

    Every CDB loss and difficulty sampler of the run is served by the hook:
    it pushes the weights into each. A CDB loss or sampler in a run without
    this hook refuses to train (its weights would stay 1: plain CE or plain
    sampling under the CDB name) unless built with ``fixed_weights=True``.
    """

    metric_name = 'AP'

    def __init__(self,
                 dataloader: dict,
                 ann_file: Optional[str] = None,
                 metric: str = 'bbox',
                 check_overlap: bool = True,
                 backend: str = 'auto',
                 eval_nproc: int = 1,
                 rotating_fold: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        resolve_backend(backend)  # an unknown or missing backend fails now
        if metric not in ('bbox', 'segm'):
            raise ValueError(f"metric must be 'bbox' or 'segm', got "
                             f'{metric!r}')
        check_bool('check_overlap', check_overlap)
        self.rotating_fold = check_bool('rotating_fold', rotating_fold)
        if not isinstance(dataloader, dict):
            raise TypeError('dataloader must be a dataloader config dict, got '
                            f'{type(dataloader).__name__}')
        if ann_file is not None and not isinstance(ann_file, str):
            raise TypeError(f'ann_file must be a path (str) or None, got '
                            f'{ann_file!r}')
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
        self.backend = backend
        if isinstance(eval_nproc, bool) or not isinstance(
                eval_nproc, int) or eval_nproc < 1:
            raise ValueError(f'eval_nproc must be an int >= 1, got '
                             f'{eval_nproc!r}')
        self.eval_nproc = eval_nproc
        self._dataloader = None
        self._evaluator = None
        self._classes: Sequence[str] = ()
        self._sampler: Optional[DifficultyRepeatFactorSampler] = None
        self._index_of_img = None  # rotating fold: img_id -> index

    # ------------------------------------------------------------ set-up
    def before_train(self, runner) -> None:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'CDBDifficultyHook: held-out annotation file '
                f'{self.ann_file!r} does not exist (cut one with '
                'tools/make_lvis_heldout.py)')
        consumers = self.weight_consumers(runner)
        if not consumers:
            raise RuntimeError(
                'CDBDifficultyHook is configured but the model has no CDB '
                'loss and the training dataloader no difficulty sampler; set '
                'loss_cls=dict(type="CDBCrossEntropyLoss", ...) (or '
                'CDBFocalLoss / CDBSigmoidFocalLoss) in the head, or '
                'sampler=dict(type="DifficultyRepeatFactorSampler") in '
                'train_dataloader')
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        # two-stage detectors expose with_mask; the others have no mask head
        if self.metric == 'segm' and not getattr(model, 'with_mask', False):
            raise ValueError(
                f"CDBDifficultyHook: metric='segm' needs a model with a mask "
                f'head, but {type(model).__name__} has none; use '
                "metric='bbox' or a Mask R-CNN-type model")
        # an empty held-out file fails inside mmengine without its name
        self._dataloader = build_heldout_dataloader(
            lambda cfg: runner.build_dataloader(cfg, seed=runner.seed),
            self.dataloader_cfg, 'CDBDifficultyHook',
            'cut a held-out split with images with '
            'tools/make_lvis_heldout.py (--strict refuses to write an empty '
            'one)')
        heldout = _base_dataset(self._dataloader.dataset)
        self._classes = tuple(heldout.metainfo['classes'])
        train = _base_dataset(runner.train_dataloader.dataset)
        train_classes = tuple(train.metainfo['classes'])
        if train_classes != self._classes:
            raise ValueError(
                f'the held-out data set has {len(self._classes)} classes and '
                f'the training set {len(train_classes)}; they must list the '
                'same classes in the same order')
        for consumer in consumers:
            if consumer.num_classes != len(self._classes):
                raise ValueError(
                    f'{type(consumer).__name__} has num_classes='
                    f'{consumer.num_classes} but the data set has '
                    f'{len(self._classes)} classes')
        metric = LVISPerCategoryMetric(
            ann_file=self.ann_file, metric=self.metric, prefix='cdb',
            backend=self.backend, nproc=self.eval_nproc)
        n_cats = len(metric._lvis_api.get_cat_ids())
        if n_cats != len(self._classes):
            raise ValueError(f'{self.ann_file} has {n_cats} categories but '
                             f'the data set has {len(self._classes)} classes')
        if not metric._lvis_api.get_ann_ids():
            raise ValueError(
                f'CDBDifficultyHook: the held-out split {self.ann_file} has '
                f'{len(metric._lvis_api.get_img_ids())} images but no '
                'annotations, so no category can be measured')
        self._check_category_ids(train, metric._lvis_api.get_cat_ids())
        if self.count_shrinkage is not None:
            self._count_aware_inputs(train, metric._lvis_api)
        self._sampler = find_difficulty_sampler(runner)
        folds = getattr(self._sampler, 'heldout_folds', None)
        if self.rotating_fold:
            self._set_up_rotating_fold(runner, heldout, metric._lvis_api)
        elif folds is not None:
            raise ValueError(
                f'the training sampler leaves out one of heldout_folds='
                f'{folds} folds in every epoch, but CDBDifficultyHook '
                f'measures on the fixed split {self.ann_file}; set '
                'rotating_fold=True in the hook (and give it the training '
                'images), or remove heldout_folds from the sampler')
        elif self.check_overlap:
            self._check_disjoint(train, set(metric._lvis_api.get_img_ids()))
        self._evaluator = Evaluator(metric)
        self._evaluator.dataset_meta = heldout.metainfo
        super().before_train(runner)

    def _set_up_rotating_fold(self, runner, heldout, api) -> None:
        """Check a rotating-fold run and index the hook's data set by image
        id (``rotating_fold``)."""
        sampler = self._sampler
        if sampler is None or sampler.heldout_folds is None:
            raise ValueError(
                'CDBDifficultyHook(rotating_fold=True) measures on the fold '
                'the training sampler leaves out, but the training '
                'dataloader has ' + (
                    'no DifficultyRepeatFactorSampler' if sampler is None
                    else 'a DifficultyRepeatFactorSampler without '
                    'heldout_folds') + '; set sampler=dict(type='
                '"DifficultyRepeatFactorSampler", heldout_folds=K, ...)')
        self._index_of_img = {
            int(heldout.get_data_info(i)['img_id']): i
            for i in range(len(heldout))
        }
        known = set(api.get_img_ids())
        described = describe_dataset_cfg(self.dataloader_cfg.get('dataset'))
        for fold in range(sampler.heldout_folds):
            for img_id in sampler.fold_image_ids(fold):
                if img_id not in self._index_of_img:
                    raise ValueError(
                        f'CDBDifficultyHook(rotating_fold=True): training '
                        f'image {img_id} (fold {fold}) is not in the hook\'s '
                        f'data set {described}; '
                        'give the hook the training annotation file in test '
                        'mode')
                if img_id not in known:
                    raise ValueError(
                        f'CDBDifficultyHook(rotating_fold=True): training '
                        f'image {img_id} (fold {fold}) has no entry in '
                        f'{self.ann_file}; the hook scores the folds against '
                        'the training annotation file')

    def _fold_loader(self, runner):
        """The dataloader of the fold the current epoch left out."""
        fold = self._sampler.heldout_fold()
        ids = self._sampler.fold_image_ids(fold)
        base = _base_dataset(self._dataloader.dataset)
        subset = base.get_subset([self._index_of_img[i] for i in ids])
        cfg = copy.deepcopy(self.dataloader_cfg)
        cfg['dataset'] = subset
        runner.logger.info(
            f'CDBDifficultyHook: measuring on held-out fold {fold} of '
            f'{self._sampler.heldout_folds} ({len(ids)} training images '
            f'left out of epoch {self._sampler.epoch + 1})')
        return runner.build_dataloader(cfg, seed=runner.seed)

    def measurement_info(self, runner) -> dict:
        """For the history: the difficulty sampler's form and threshold
        (the repeat factors follow from them, the weights and the training
        set), and the fold a rotating-fold measurement used."""
        sampler = self._sampler
        if sampler is None:
            return {}
        info = dict(sampler=dict(form=sampler.form,
                                 oversample_thr=sampler.oversample_thr,
                                 heldout_folds=sampler.heldout_folds))
        if self.rotating_fold:
            fold = sampler.heldout_fold()
            info.update(heldout_fold=fold, heldout_images=len(
                sampler.fold_image_ids(fold)))
        return info

    def _count_aware_inputs(self, train, api) -> None:
        """Held-out instances and frequency group of every category, label
        order (``count_shrinkage``)."""
        cat_ids = list(getattr(train, 'cat_ids', None) or
                       sorted(api.get_cat_ids()))
        no_group = [c for c in cat_ids if 'frequency' not in api.cats[c]]
        if no_group:
            raise ValueError(
                f'count_shrinkage shrinks towards the mean of each LVIS '
                f"frequency group, but {len(no_group)} categories of "
                f"{self.ann_file} have no 'frequency' (e.g. id "
                f'{no_group[0]}); cut the held-out split from an LVIS '
                'training file with tools/make_lvis_heldout.py')
        self._cat_ids = cat_ids
        self._api = api
        self._counts = np.array(
            [len(api.get_ann_ids(cat_ids=[c])) for c in cat_ids],
            dtype=np.float64)
        self._groups = [api.cats[c]['frequency'] for c in cat_ids]

    def measurement_counts(self, runner) -> np.ndarray:
        """Held-out instances (annotations) of each category; with
        ``rotating_fold`` those of the fold the current epoch left out."""
        if not self.rotating_fold or self._sampler is None:
            return self._counts
        ids = self._sampler.fold_image_ids(self._sampler.heldout_fold())
        counts = dict.fromkeys(self._cat_ids, 0)
        for ann in self._api.load_anns(self._api.get_ann_ids(img_ids=ids)):
            counts[ann['category_id']] += 1
        return np.array([counts[c] for c in self._cat_ids], np.float64)

    def class_groups(self, runner) -> Sequence:
        """LVIS frequency group of each category ('r', 'c', 'f')."""
        return self._groups

    def _check_category_ids(self, train, heldout_cat_ids: Sequence) -> None:
        """Raise unless the held-out file lists the training categories in
        the training set's label order.

        mmdet's LVIS data sets number the labels in the order of the json's
        category list, and the metric maps label k back to the k-th category
        of its own file; a held-out file with the same categories in another
        order would credit every AP to the wrong class without an error.

        Args:
            train: The (unwrapped) training data set, with ``cat_ids``.
            heldout_cat_ids (Sequence): Category ids of the held-out json,
                in its order.
        """
        if getattr(train, 'cat_ids', None) is None and hasattr(
                train, 'full_init'):
            train.full_init()  # a lazily initialised data set
        if getattr(train, 'cat_ids', None) is None:
            raise TypeError(
                f'the training data set ({type(train).__name__}) has no '
                'cat_ids; CDBDifficultyHook needs an LVIS-type data set to '
                'match its labels with the held-out categories')
        train_ids = [int(c) for c in train.cat_ids]
        heldout_ids = [int(c) for c in heldout_cat_ids]
        if len(train_ids) != len(heldout_ids):
            raise ValueError(
                f'{self.ann_file} has {len(heldout_ids)} categories but the '
                f'training annotation file {len(train_ids)}')
        for label, (t, h) in enumerate(zip(train_ids, heldout_ids)):
            if t != h:
                raise ValueError(
                    f'the held-out file {self.ann_file} lists its categories '
                    'in another order, or with other ids, than the training '
                    f'set: label {label} is category id {t} in training and '
                    f'{h} in the held-out file; cut both files from the same '
                    'LVIS json with tools/make_lvis_heldout.py')

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
        loader = self._fold_loader(runner) if self.rotating_fold else \
            self._dataloader
        model = runner.model
        was_training = model.training
        model.eval()
        with torch.no_grad():
            for data_batch in loader:
                outputs = model.val_step(data_batch)
                self._evaluator.process(data_samples=outputs,
                                        data_batch=data_batch)
        metrics = self._evaluator.evaluate(len(loader.dataset))
        model.train(was_training)
        return np.asarray(metrics[f'cdb/{self.metric}_per_category_ap'],
                          dtype=np.float64)

    def weight_consumers(self, runner) -> list:
        """Every CDB loss of the model and difficulty sampler of the
        training dataloader (see
        :func:`lt_plugins.engine.difficulty_consumer.find_weight_consumers`).
        """
        losses, samplers = find_weight_consumers(runner.model,
                                                 runner.train_dataloader)
        return losses + samplers

    def apply_weights(self, runner, weights: np.ndarray) -> None:
        for consumer in self.weight_consumers(runner):
            if isinstance(consumer, DifficultyRepeatFactorSampler):
                # never-measured categories keep the factor of weight 1
                consumer.update_weights(weights, measured=self.known)
            else:
                consumer.update_weights(weights)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        super().before_save_checkpoint(runner, checkpoint)
        save_sampler_state(runner, checkpoint)  # seed, epoch, weights

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        super().after_load_checkpoint(runner, checkpoint)
        load_sampler_state(runner, checkpoint)  # on --resume only
