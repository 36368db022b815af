"""mmdet's ``LVISMetric``, computed by the fast LVIS AP backend.

A drop-in for ``val_evaluator``/``test_evaluator``: the same arguments and
the same result names (``lvis/bbox_AP``, ``lvis/bbox_APr``, ...,
``lvis/segm_AP``, ..., rounded to 3 decimals as mmdet rounds them), so a
config switches by its ``type``::

    val_evaluator = dict(type='FastLVISMetric', ann_file=..., metric='bbox')

The numbers are the ``lvis`` API's (see
:mod:`lt_plugins.det.fast_lvis_eval`); ``backend='lvis'`` computes them with
the ``lvis`` API itself. Like mmdet's metric it scores every image of
``ann_file``. With ``classwise=True`` it also logs a table of every
category's AP with its id, name and frequency group (and writes it as json
next to the results when ``outfile_prefix`` is set), besides mmdet's
``<name>_precision`` entries.
"""
import itertools
import json
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from mmdet.evaluation.metrics import LVISMetric
from mmdet.registry import METRICS
from mmengine.logging import MMLogger
from terminaltables import AsciiTable

from lt_plugins import compat
from lt_plugins.core.validation import check_choice, check_int
from .fast_lvis_eval import (SUMMARY_KEYS, UNKNOWN_DETECTIONS,
                             evaluate_lvis_ap, resolve_backend)
from .lvis_result_records import result_records
from .rank_zero_errors import RankZeroErrorsMixin

compat.patch_lvis_numpy()

_DEFAULT_ITEMS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc',
                  'APf')


@METRICS.register_module()
class FastLVISMetric(RankZeroErrorsMixin, LVISMetric):
    """``LVISMetric`` with the fast backend; same arguments and outputs.

    An error in the evaluation on rank 0 is raised on every rank.

    Args:
        ann_file, metric, classwise, proposal_nums, iou_thrs, metric_items,
        format_only, outfile_prefix, collect_device, prefix,
        file_client_args, backend_args: As mmdet's ``LVISMetric``
            ('proposal' and 'proposal_fast' are computed as mmdet computes
            them). ``metric_items`` entries must be names ``LVISEval``
            reports (``AP``, ``AP50``, ``APr``, ``AR@300``, ...).
        backend (str): 'auto' (default: faster-coco-eval when installed,
            else the ``lvis`` API, with a log line), 'faster_coco_eval' or
            'lvis'.
        nproc (int): Processes that share the categories (faster-coco-eval
            only). Defaults to 1.
        unknown_detections (str): ``'error'`` (default) refuses detections
            of a category or image that ``ann_file`` does not have;
            ``'drop'`` evaluates without them and logs how many were
            dropped. Detections with a score that is not finite are refused
            either way.
    """

    default_prefix: Optional[str] = 'lvis'

    def __init__(self,
                 *args,
                 backend: str = 'auto',
                 nproc: int = 1,
                 unknown_detections: str = 'error',
                 **kwargs) -> None:
        check_int('nproc', nproc, 1)
        check_choice('unknown_detections', unknown_detections,
                     UNKNOWN_DETECTIONS)
        super().__init__(*args, **kwargs)
        ann_file = kwargs.get('ann_file', args[0] if args else None)
        self._source = f'ann_file {ann_file!r}' if ann_file else \
            'the ground truth'
        self.unknown_detections = unknown_detections
        proposals = [m for m in self.metrics
                     if m in ('proposal', 'proposal_fast')]
        if proposals and len(proposals) != len(self.metrics):
            raise ValueError(
                "FastLVISMetric computes proposals (with mmdet's code) or "
                f'bbox/segm, not both in one metric: {self.metrics}')
        self._proposals = bool(proposals)
        if self.metric_items is not None:
            for item in self.metric_items:
                if item not in SUMMARY_KEYS:
                    raise KeyError(f'metric item {item!r} is not an LVIS '
                                   f'result; choose from {SUMMARY_KEYS}')
        resolve_backend(backend)
        self.backend = backend
        self.nproc = nproc

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics from processed results.

        Args:
            results (list): ``(gt, prediction)`` pairs from ``process``.

        Returns:
            dict: ``<metric>_<item>`` rounded to 3 decimals, as mmdet's
            ``LVISMetric`` returns them.
        """
        if self._proposals:  # mmdet's own code (class-agnostic recall)
            return super().compute_metrics(results)
        logger: MMLogger = MMLogger.get_current_instance()
        if not results:
            raise ValueError(
                f'{type(self).__name__} has no predictions to evaluate: the '
                'evaluation dataloader gave no images (check its dataset and '
                f'{self._source})')
        gts, preds = zip(*results)
        tmp_dir = None
        if self.outfile_prefix is None:
            tmp_dir = tempfile.TemporaryDirectory()
            outfile_prefix = osp.join(tmp_dir.name, 'results')
        else:
            outfile_prefix = self.outfile_prefix
        try:
            return self._compute(gts, preds, outfile_prefix, logger)
        finally:
            if tmp_dir is not None:
                tmp_dir.cleanup()

    def _compute(self, gts, preds, outfile_prefix: str,
                 logger: MMLogger) -> Dict[str, float]:
        if self._lvis_api is None:
            from lvis import LVIS
            logger.info('Converting ground truth to coco format...')
            self._lvis_api = LVIS(
                self.gt_to_coco_json(gt_dicts=gts,
                                     outfile_prefix=outfile_prefix))
        if self.cat_ids is None:
            self.cat_ids = self._lvis_api.get_cat_ids()
        if self.img_ids is None:
            self.img_ids = self._lvis_api.get_img_ids()
        eval_results: Dict[str, float] = OrderedDict()
        if self.outfile_prefix is not None:  # the files mmdet writes
            self.results2json(preds, outfile_prefix)
        if self.format_only:
            logger.info(f'results are saved in {osp.dirname(outfile_prefix)}')
            return eval_results
        # the records results2json writes, without the json round trip
        records = result_records(preds, self.cat_ids, self._source)
        for metric in self.metrics:
            logger.info(f'Evaluating {metric}...')
            dets = records[metric]
            if not dets:  # what mmdet's metric does on an empty result
                logger.info('The testing results of the whole dataset is '
                            'empty.')
                break
            res = evaluate_lvis_ap(
                self._lvis_api, dets, metric, img_ids=self.img_ids,
                backend=self.backend, nproc=self.nproc,
                unknown_detections=self.unknown_detections)
            if self.classwise:
                self._classwise(res, metric, eval_results, outfile_prefix,
                                logger)
            for k in self.metric_items or _DEFAULT_ITEMS:
                eval_results[f'{metric}_{k}'] = float(
                    '{:.3f}'.format(float(res.summary[k])))
            logger.info(f'{metric} ({res.backend}): ' + ' '.join(
                f'{k}={v:.3f}' for k, v in res.summary.items()))
        return eval_results

    def _classwise(self, res, metric: str, eval_results: dict,
                   outfile_prefix: str, logger) -> None:
        """mmdet's ``<name>_precision`` entries, and a table of every
        category's AP by id, with its name and frequency group."""
        rows: List[Sequence] = []
        for cat_id in self.cat_ids:
            cat = self._lvis_api.load_cats([cat_id])[0]
            ap = res.per_category_ap[cat_id]
            # mmdet reports a category without AP as nan
            eval_results[f'{cat["name"]}_precision'] = (
                round(ap, 3) if ap > -1 else float('nan'))
            rows.append((cat_id, cat['name'], cat.get('frequency', '?'),
                         ap))
        table = [['id', 'category', 'freq', 'AP'] * 3]
        flat = [(str(i), n, f, f'{ap:.3f}' if ap > -1 else '-')
                for i, n, f, ap in rows]
        for group in itertools.zip_longest(*[iter(flat)] * 3,
                                           fillvalue=('', '', '', '')):
            table.append([v for row in group for v in row])
        logger.info(f'per-category {metric} AP ("-": no ground truth)\n' +
                    AsciiTable(table).table)
        if self.outfile_prefix is not None:
            path = f'{outfile_prefix}.{metric}_per_category.json'
            with open(path, 'w') as f:
                json.dump([dict(id=i, name=n, frequency=fr,
                                AP=None if ap == -1 else ap)
                           for i, n, fr, ap in rows], f)
            logger.info(f'per-category {metric} AP written to {path}')
