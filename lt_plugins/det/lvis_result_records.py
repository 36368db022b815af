"""mmdet predictions as LVIS result records, without a json round trip.

mmdet's ``CocoMetric.results2json`` turns the predictions into result
records and writes them to json, which the ``lvis`` API then reads back. At
LVIS scale (300 detections per image) that write and read cost about as much
as the fast evaluation itself (about 7 ms per image). :func:`result_records`
builds the same records in memory: the same fields, order and values (a
Python float survives json unchanged, tested against ``results2json``).
"""
from typing import Dict, List, Sequence

import numpy as np


def _xywh(bbox) -> List[float]:
    # CocoMetric.xyxy2xywh: float64 arithmetic on the float32 values
    x1, y1, x2, y2 = bbox.tolist()
    return [x1, y1, x2 - x1, y2 - y1]


def _check_prediction(result: dict, image_id, num_cats: int,
                      source: str) -> None:
    """Refuse a prediction whose fields cannot become result records."""
    for key in ('labels', 'bboxes', 'scores'):
        if key not in result:
            raise ValueError(
                f'the prediction of image {image_id!r} has no {key!r} (it '
                f'has {sorted(result)}); LVIS evaluation needs labels, '
                'bboxes and scores')
    n = len(result['labels'])
    if len(result['bboxes']) != n or len(result['scores']) != n:
        raise ValueError(
            f'the prediction of image {image_id!r} has {n} labels, '
            f"{len(result['bboxes'])} bboxes and {len(result['scores'])} "
            'scores; they must be as many')
    labels = np.asarray(result['labels']).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= num_cats):
        bad = labels[(labels < 0) | (labels >= num_cats)]
        raise ValueError(
            f'the prediction of image {image_id!r} has label {int(bad[0])} '
            f'({bad.size} of its {labels.size} labels are out of range), but '
            f'{source} has {num_cats} categories (labels 0..{num_cats - 1}): '
            "the model's num_classes does not match the annotation file")


def result_records(results: Sequence[dict],
                   cat_ids: Sequence[int],
                   source: str = 'the annotation file'
                   ) -> Dict[str, List[dict]]:
    """``results2json``'s records of each kind.

    Args:
        results (Sequence[dict]): Predictions as ``LVISMetric.process``
            stores them (``img_id``, ``bboxes`` (N, 4) xyxy, ``scores``,
            ``labels``, optional ``masks`` (RLE list) and ``mask_scores``).
        cat_ids (Sequence[int]): Category id of each label.
        source (str): Where ``cat_ids`` came from, for the messages.

    Returns:
        dict: ``'bbox'`` records and, when the predictions have masks,
        ``'segm'`` records (``image_id``, ``bbox`` (x, y, w, h), ``score``,
        ``category_id``, and ``segmentation`` with ``counts`` as str).

    Raises:
        ValueError: For a prediction without labels, bboxes or scores, with
            as many of each, or with a label that has no category in
            ``cat_ids`` (a model with more classes than the annotation
            file).
    """
    bbox_records: List[dict] = []
    segm_records = [] if results and 'masks' in results[0] else None
    for idx, result in enumerate(results):
        image_id = result.get('img_id', idx)
        _check_prediction(result, image_id, len(cat_ids), source)
        labels, bboxes, scores = (result['labels'], result['bboxes'],
                                  result['scores'])
        for i, label in enumerate(labels):
            bbox_records.append(dict(image_id=image_id,
                                     bbox=_xywh(bboxes[i]),
                                     score=float(scores[i]),
                                     category_id=cat_ids[label]))
        if segm_records is None:
            continue
        masks = result['masks']
        mask_scores = result.get('mask_scores', scores)
        for i, label in enumerate(labels):
            rle = dict(masks[i])
            if isinstance(rle['counts'], bytes):
                rle['counts'] = rle['counts'].decode()
            segm_records.append(dict(image_id=image_id,
                                     bbox=_xywh(bboxes[i]),
                                     score=float(mask_scores[i]),
                                     category_id=cat_ids[label],
                                     segmentation=rle))
    out = dict(bbox=bbox_records)
    if segm_records is not None:
        out['segm'] = segm_records
    return out
