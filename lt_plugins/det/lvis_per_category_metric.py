"""LVIS evaluation that also returns the AP of every category.

mmdet's ``LVISMetric`` only exposes per-category AP rounded to 3 decimals and
printed as a table (``classwise=True``); the difficulty hook needs the exact
value of each category, in label order, with "no AP" kept distinct from
AP 0. This subclass reuses ``LVISMetric`` for collecting predictions and
computes AP with
:func:`~lt_plugins.det.fast_lvis_eval.evaluate_lvis_ap` (faster-coco-eval
with the ``lvis`` API's rules, or the ``lvis`` API itself).

It scores exactly the images that were predicted. mmdet's ``LVISMetric``
sets ``params.imgIds``, which ``LVISEval`` does not read (it reads
``params.img_ids``), so it scores every image of its annotation file; a
held-out dataloader covering only part of the file would then count every
uncovered image's ground truth as missed.

The result records are built in memory (:mod:`.lvis_result_records`), not
written to json and read back as ``LVISMetric`` does.
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict

from mmdet.evaluation.metrics import LVISMetric
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from lt_plugins import compat
from lt_plugins.core.validation import check_choice, check_int
from .fast_lvis_eval import (UNKNOWN_DETECTIONS, evaluate_lvis_ap,
                             resolve_backend)
from .lvis_result_records import result_records
from .rank_zero_errors import RankZeroErrorsMixin

compat.patch_lvis_numpy()


@METRICS.register_module()
class LVISPerCategoryMetric(RankZeroErrorsMixin, LVISMetric):
    """``LVISMetric`` plus ``<metric>_per_category_ap`` in label order.

    The returned dict holds, for each metric in ``metric`` ('bbox' and/or
    'segm'): ``<metric>_AP``, ``_AP50``, ``_AP75``, ``_APs``, ``_APm``,
    ``_APl``, ``_APr``, ``_APc``, ``_APf`` (unrounded) and
    ``<metric>_per_category_ap``, a list with one AP per label (-1 for a
    category without AP, i.e. without ground truth in the evaluated images).
    With no detection at all (early training) there is no error: as the
    LVIS protocol scores it, every category with ground truth gets AP 0 and
    the others -1.

    The evaluated images are those of the processed predictions (the images
    the dataloader covered), each of which must be in ``ann_file``. An error
    in the evaluation on rank 0 is raised on every rank.

    Args:
        ann_file (str): LVIS-format annotation json holding the evaluated
            images (it may hold more).
        metric (str | list[str]): 'bbox' and/or 'segm'.
        backend (str): 'auto' (default: faster-coco-eval when installed,
            else the ``lvis`` API), 'faster_coco_eval' or 'lvis'. Same
            numbers either way.
        nproc (int): Processes that share the categories (faster-coco-eval
            only). Defaults to 1.
        unknown_detections (str): ``'error'`` (default) refuses detections
            of a category or image that ``ann_file`` does not have;
            ``'drop'`` evaluates without them and logs how many were
            dropped. Detections with a score that is not finite are refused
            either way.
        **kwargs: Other ``LVISMetric`` arguments.
    """

    default_prefix = 'lvis'

    def __init__(self,
                 ann_file: str,
                 metric='bbox',
                 backend: str = 'auto',
                 nproc: int = 1,
                 unknown_detections: str = 'error',
                 **kwargs):
        check_int('nproc', nproc, 1)
        check_choice('unknown_detections', unknown_detections,
                     UNKNOWN_DETECTIONS)
        if ann_file is None or not osp.isfile(ann_file):
            raise FileNotFoundError(
                f'LVIS annotation file {ann_file!r} does not exist')
        super().__init__(ann_file=ann_file, metric=metric, **kwargs)
        for m in self.metrics:
            if m not in ('bbox', 'segm'):
                raise ValueError(f'LVISPerCategoryMetric supports bbox and '
                                 f'segm, got {m!r}')
        resolve_backend(backend)  # an unknown or missing backend fails now
        self.backend = backend
        self.nproc = nproc
        self.unknown_detections = unknown_detections
        self._source = f'ann_file {ann_file!r}'

    def compute_metrics(self, results: list) -> Dict[str, object]:
        """AP summary and per-category AP of each metric.

        Args:
            results (list): ``(gt, prediction)`` pairs from ``process``.

        Returns:
            dict: See the class docstring.
        """
        logger = MMLogger.get_current_instance()
        if not results:
            raise ValueError(
                f'{type(self).__name__} has no predictions to evaluate: the '
                'evaluation dataloader gave no images (check its dataset and '
                f'{self._source})')
        preds = [r[1] for r in results]
        img_ids = sorted({r[0]['img_id'] for r in results})
        lvis_gt = self._lvis_api
        if self.cat_ids is None:
            self.cat_ids = lvis_gt.get_cat_ids()
        unknown = [i for i in img_ids if i not in lvis_gt.imgs]
        if unknown:
            raise ValueError(
                f'{len(unknown)} predicted images are not in the LVIS '
                f'annotation file of the metric (e.g. image ids '
                f'{unknown[:5]}); the dataloader and ann_file must describe '
                'the same split')
        eval_results: Dict[str, object] = OrderedDict()
        # the records results2json would write, without the json round trip
        records = result_records(preds, self.cat_ids, self._source)
        for metric in self.metrics:
            if metric not in records:
                raise ValueError(f"metric 'segm' needs predicted masks; the "
                                 f'predictions of image {img_ids[0]} have '
                                 'none')
            dets = records[metric]
            if not dets:
                logger.info(f'no {metric} detections on the evaluated '
                            'images; every category with ground truth gets '
                            'AP 0')
            res = evaluate_lvis_ap(
                lvis_gt, dets, metric, img_ids=img_ids, backend=self.backend,
                nproc=self.nproc, unknown_detections=self.unknown_detections)
            for k in ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr',
                      'APc', 'APf'):
                eval_results[f'{metric}_{k}'] = res.summary[k]
            eval_results[f'{metric}_per_category_ap'] = [
                res.per_category_ap.get(c, -1.0) for c in self.cat_ids
            ]
        return eval_results
