"""LVIS evaluation that also returns the AP of every category.

mmdet's ``LVISMetric`` only exposes per-category AP rounded to 3 decimals and
printed as a table (``classwise=True``); the difficulty hook needs the exact
value of each category, in label order, with "no AP" kept distinct from
AP 0. This subclass reuses ``LVISMetric`` for collecting predictions and
writing the result json, and runs the ``lvis`` API's ``LVISEval`` itself.
"""
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Dict

from lvis import LVISEval, LVISResults
from mmdet.evaluation.metrics import LVISMetric
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from lt_plugins import compat

compat.patch_lvis_numpy()


def lvis_per_category_ap(lvis_eval: LVISEval) -> Dict[int, float]:
    """AP of each category from an accumulated ``LVISEval``.

    The same average the ``lvis`` API's ``AP`` uses (over IoU thresholds and
    recall points, all areas), per category.

    Args:
        lvis_eval (LVISEval): After ``evaluate()`` and ``accumulate()``.

    Returns:
        dict: ``{category_id: AP}``; AP is -1 for a category the LVIS
        protocol could not score (no ground truth annotation in the
        evaluated images).
    """
    precision = lvis_eval.eval['precision']  # [iou, recall, cat, area]
    out = {}
    for k, cat_id in enumerate(lvis_eval.params.cat_ids):
        p = precision[:, :, k, 0]
        p = p[p > -1]
        out[cat_id] = float(p.mean()) if p.size else -1.0
    return out


@METRICS.register_module()
class LVISPerCategoryMetric(LVISMetric):
    """``LVISMetric`` plus ``<metric>_per_category_ap`` in label order.

    The returned dict holds, for each metric in ``metric`` ('bbox' and/or
    'segm'): ``<metric>_AP``, ``_APr``, ``_APc``, ``_APf`` and
    ``<metric>_per_category_ap``, a list with one AP per label (-1 for a
    category without AP, i.e. without ground truth in the evaluated images).
    With no detection at all (early training) there is no error: as the
    LVIS protocol scores it, every category with ground truth gets AP 0 and
    the others -1.

    Args:
        ann_file (str): LVIS-format annotation json of the evaluated images;
            every image in it is evaluated.
        metric (str | list[str]): 'bbox' and/or 'segm'.
        **kwargs: Other ``LVISMetric`` arguments.
    """

    default_prefix = 'lvis'

    def __init__(self, ann_file: str, metric='bbox', **kwargs):
        if ann_file is None or not osp.isfile(ann_file):
            raise FileNotFoundError(
                f'LVIS annotation file {ann_file!r} does not exist')
        super().__init__(ann_file=ann_file, metric=metric, **kwargs)
        for m in self.metrics:
            if m not in ('bbox', 'segm'):
                raise ValueError(f'LVISPerCategoryMetric supports bbox and '
                                 f'segm, got {m!r}')

    def compute_metrics(self, results: list) -> Dict[str, object]:
        logger = MMLogger.get_current_instance()
        preds = [r[1] for r in results]
        lvis_gt = self._lvis_api
        if self.cat_ids is None:
            self.cat_ids = lvis_gt.get_cat_ids()
        if self.img_ids is None:
            self.img_ids = lvis_gt.get_img_ids()
        eval_results: Dict[str, object] = OrderedDict()
        with tempfile.TemporaryDirectory() as tmp:
            files = self.results2json(preds, osp.join(tmp, 'results'))
            for metric in self.metrics:
                per_cat = self._evaluate(lvis_gt, files[metric], metric,
                                         eval_results, logger)
                eval_results[f'{metric}_per_category_ap'] = [
                    per_cat.get(c, -1.0) for c in self.cat_ids
                ]
        return eval_results

    def _evaluate(self, lvis_gt, result_file: str, metric: str,
                  eval_results: dict, logger) -> Dict[int, float]:
        try:
            lvis_dt = LVISResults(lvis_gt, result_file)
        except IndexError:  # the lvis API rejects an empty result list
            logger.info(f'no {metric} detections on the evaluated images; '
                        'every category with ground truth gets AP 0')
            return self._no_detections(lvis_gt, metric, eval_results)
        lvis_eval = LVISEval(lvis_gt, lvis_dt, metric)
        lvis_eval.params.imgIds = self.img_ids
        lvis_eval.evaluate()
        lvis_eval.accumulate()
        lvis_eval.summarize()
        summary = lvis_eval.get_results()
        for k in ('AP', 'AP50', 'AP75', 'APr', 'APc', 'APf'):
            eval_results[f'{metric}_{k}'] = float(summary[k])
        return lvis_per_category_ap(lvis_eval)


    def _no_detections(self, lvis_gt, metric: str,
                       eval_results: dict) -> Dict[int, float]:
        """What ``LVISEval`` gives for an empty result list.

        Precision is 0 for every category with a ground-truth annotation in
        the evaluated images and undefined (-1) for the others; a summary
        value is 0 when its group has such a category, else -1.
        """
        img_ids = set(self.img_ids)
        with_gt = {
            a['category_id']
            for a in lvis_gt.load_anns(lvis_gt.get_ann_ids())
            if a['image_id'] in img_ids
        }
        groups = dict(AP=set(self.cat_ids), AP50=set(self.cat_ids),
                      AP75=set(self.cat_ids))
        for key, freq in (('APr', 'r'), ('APc', 'c'), ('APf', 'f')):
            groups[key] = {
                c for c in self.cat_ids
                if lvis_gt.load_cats([c])[0]['frequency'] == freq
            }
        for key, cats in groups.items():
            eval_results[f'{metric}_{key}'] = 0.0 if cats & with_gt else -1.0
        return {c: 0.0 if c in with_gt else -1.0 for c in self.cat_ids}
