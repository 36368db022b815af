"""``FastLVISMetric`` against mmdet's ``LVISMetric``, output for output."""
import json
import math

import numpy as np
import pytest
import torch
from mmdet.evaluation.metrics import LVISMetric
from mmdet.registry import METRICS
from pycocotools import mask as mask_utils

import lt_plugins.det  # noqa: F401
from lt_plugins.det.fast_lvis_eval import evaluate_lvis_ap
from lt_plugins.det.fast_lvis_metric import FastLVISMetric
from lt_plugins.det.lvis_result_records import result_records


def _samples(ann_file, seed=0):
    """Predictions with boxes and masks: jittered ground truth (a quarter
    of the categories never found, some confused) and background boxes."""
    rng = np.random.RandomState(seed)
    data = json.load(open(ann_file))
    cat_ids = [c['id'] for c in data['categories']]
    by_img = {}
    for a in data['annotations']:
        by_img.setdefault(a['image_id'], []).append(a)
    samples = []
    for img in data['images']:
        h, w = img['height'], img['width']
        boxes, scores, labels, masks = [], [], [], []
        for a in by_img.get(img['id'], []):
            label = cat_ids.index(a['category_id'])
            if label % 4 == 3:
                continue
            if rng.rand() < 0.2:
                label = (label + 1) % len(cat_ids)
            dx, dy = rng.randint(-3, 4, 2)
            poly = [v + (dx if i % 2 == 0 else dy)
                    for i, v in enumerate(a['segmentation'][0])]
            m = mask_utils.decode(mask_utils.merge(
                mask_utils.frPyObjects([poly], h, w)))
            x, y, bw, bh = a['bbox']
            boxes.append([x + dx, y + dy, x + dx + bw, y + dy + bh])
            scores.append(rng.uniform(0.3, 1.0))
            labels.append(label)
            masks.append(m)
        for _ in range(2):
            x, y = rng.uniform(0, w - 12, 2)
            m = np.zeros((h, w), np.uint8)
            m[int(y):int(y) + 10, int(x):int(x) + 10] = 1
            boxes.append([x, y, x + 10, y + 10])
            scores.append(rng.uniform(0.0, 0.4))
            labels.append(int(rng.randint(len(cat_ids))))
            masks.append(m)
        samples.append(dict(
            img_id=img['id'], ori_shape=(h, w),
            pred_instances=dict(
                bboxes=torch.tensor(boxes, dtype=torch.float32),
                scores=torch.tensor(scores, dtype=torch.float32),
                labels=torch.tensor(labels),
                masks=torch.from_numpy(np.stack(masks)).bool())))
    return samples, data


def _run(metric, samples, classes):
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def _assert_same_outputs(got, want):
    assert list(got) == list(want)
    for k, v in want.items():
        if isinstance(v, float) and math.isnan(v):
            assert math.isnan(got[k]), k
        else:
            assert got[k] == v, (k, got[k], v)


@pytest.mark.parametrize('backend', ['auto', 'lvis'])
def test_same_outputs_as_mmdet_lvis_metric(toy_lvis, backend):
    ann = toy_lvis['val']
    samples, data = _samples(ann)
    classes = tuple(range(len(data['categories'])))
    kw = dict(ann_file=ann, metric=['bbox', 'segm'], classwise=True)
    want = _run(LVISMetric(**kw), samples, classes)
    got = _run(FastLVISMetric(backend=backend, **kw), samples, classes)
    _assert_same_outputs(got, want)
    assert 'bbox_APr' in got and 'segm_APf' in got
    assert 0.1 < got['bbox_AP'] < 0.9 and 0.1 < got['segm_AP'] < 0.9


def test_metric_items_and_prefix_as_mmdet(toy_lvis):
    ann = toy_lvis['val']
    samples, data = _samples(ann, seed=1)
    classes = tuple(range(len(data['categories'])))
    kw = dict(ann_file=ann, metric='bbox',
              metric_items=['AP50', 'APr', 'AR@300'], prefix='val_lvis')
    want = LVISMetric(**kw)
    got = FastLVISMetric(**kw)
    for m in (want, got):
        m.dataset_meta = dict(classes=classes)
        m.process({}, samples)
    want, got = want.evaluate(len(samples)), got.evaluate(len(samples))
    _assert_same_outputs(got, want)
    assert list(got) == ['val_lvis/bbox_AP50', 'val_lvis/bbox_APr',
                         'val_lvis/bbox_AR@300']


def test_per_category_table_by_id_with_frequency(toy_lvis, tmp_path):
    ann = toy_lvis['val']
    samples, data = _samples(ann, seed=2)
    prefix = str(tmp_path / 'res')
    metric = FastLVISMetric(ann_file=ann, classwise=True,
                            outfile_prefix=prefix)
    _run(metric, samples, tuple(range(len(data['categories']))))
    table = json.load(open(prefix + '.bbox_per_category.json'))
    dets = json.load(open(prefix + '.bbox.json'))
    ref = evaluate_lvis_ap(ann, dets, 'bbox', backend='lvis')
    assert [r['id'] for r in table] == [c['id'] for c in data['categories']]
    for row, cat in zip(table, data['categories']):
        assert row['name'] == cat['name']
        assert row['frequency'] == cat['frequency']
        ap = ref.per_category_ap[cat['id']]
        if ap == -1:
            assert row['AP'] is None
        else:
            assert row['AP'] == pytest.approx(ap, abs=1e-12)


def test_empty_results_and_format_only_as_mmdet(toy_lvis, tmp_path):
    ann = toy_lvis['val']
    img = json.load(open(ann))['images'][0]
    empty = [dict(img_id=img['id'], ori_shape=(64, 64),
                  pred_instances=dict(
                      bboxes=torch.zeros(0, 4), scores=torch.zeros(0),
                      labels=torch.zeros(0, dtype=torch.long)))]
    classes = tuple(range(20))
    want = _run(LVISMetric(ann_file=ann), empty, classes)
    got = _run(FastLVISMetric(ann_file=ann), empty, classes)
    assert got == want == {}
    samples, _ = _samples(ann, seed=3)
    got = _run(FastLVISMetric(ann_file=ann, format_only=True,
                              outfile_prefix=str(tmp_path / 'fmt')),
               samples, classes)
    assert got == {}
    assert (tmp_path / 'fmt.bbox.json').is_file()


def test_in_memory_records_equal_results2json_read_back(toy_lvis,
                                                        tmp_path):
    samples, data = _samples(toy_lvis['val'], seed=4)
    metric = LVISMetric(ann_file=toy_lvis['val'], metric=['bbox', 'segm'])
    metric.dataset_meta = dict(classes=tuple(range(20)))
    metric.process({}, samples)
    preds = [r[1] for r in metric.results]
    metric.cat_ids = [c['id'] for c in data['categories']]
    records = result_records(preds, metric.cat_ids)
    files = metric.results2json(preds, str(tmp_path / 'res'))
    for kind in ('bbox', 'segm'):
        assert records[kind] == json.load(open(files[kind]))
    assert len(records['bbox']) > 100


def test_registered_and_bad_arguments_refused(toy_lvis):
    assert METRICS.get('FastLVISMetric') is FastLVISMetric
    with pytest.raises(KeyError, match='APx'):
        FastLVISMetric(ann_file=toy_lvis['val'], metric_items=['APx'])
    with pytest.raises(ValueError, match="'quick'"):
        FastLVISMetric(ann_file=toy_lvis['val'], backend='quick')
    with pytest.raises(ValueError, match='proposal'):
        FastLVISMetric(ann_file=toy_lvis['val'], metric=['bbox', 'proposal'])
