"""The LVIS metrics refuse detections they cannot score meaningfully, on
both backends alike, and name the value and where it came from.

Before: a detection of a category (or image) the annotations do not have was
dropped without a word by both backends, so a wrong label-to-category
mapping looked like a good model; a NaN score gave AP 1.0 with the ``lvis``
API while faster-coco-eval refused it; a missing score, a label beyond the
annotation file's categories and an empty result list failed with a bare
``KeyError``/``IndexError``/unpack error.
"""
import json
import math

import numpy as np
import pytest
import torch
from mmdet.registry import METRICS

import lt_plugins.det  # noqa: F401
import lt_plugins.det.fast_lvis_eval as fle
from lt_plugins.det.fast_lvis_eval import evaluate_lvis_ap
from lt_plugins.det.lvis_result_records import result_records
from lt_plugins.det.synthetic_lvis import synthetic_lvis

BACKENDS = ['faster_coco_eval', 'lvis']
NUM_CATS = 25


@pytest.fixture(scope='module')
def small():
    gt, dets = synthetic_lvis(6, num_categories=NUM_CATS, dets_per_image=20,
                              seed=1, no_detection_fraction=0.0)
    return gt, dets


def _unknown_category(dets, ids=(10000, 10001, 10000)):
    return [dict(d, category_id=c) for d, c in zip(dets, ids)]


@pytest.mark.parametrize('backend', BACKENDS)
def test_unknown_category_is_refused_with_count_and_ids(small, backend):
    gt, dets = small
    bad = _unknown_category(dets)
    with pytest.raises(ValueError, match=(
            rf'3 of {len(dets) + 3} detections have category ids not in the '
            r'categories of the LVIS annotations \(2 ids, e\.g\. '
            r'\[10000, 10001\] \(with \[2, 1\] detections\)\).*'
            r"unknown_detections='drop'")):
        evaluate_lvis_ap(gt, dets + bad, backend=backend)


@pytest.mark.parametrize('backend', BACKENDS)
def test_unknown_image_is_refused_with_count_and_ids(small, backend):
    gt, dets = small
    bad = [dict(d, image_id=10**9) for d in dets[:4]]
    with pytest.raises(ValueError, match=r'4 of .* image ids not in the LVIS '
                       r'annotations \(1 ids, e\.g\. \[1000000000\] \(with '
                       r'\[4\] detections\)\)'):
        evaluate_lvis_ap(gt, dets + bad, backend=backend)


@pytest.mark.parametrize('backend', BACKENDS)
def test_drop_evaluates_without_them_and_logs_the_count(small, backend,
                                                        monkeypatch):
    gt, dets = small
    logged = []
    monkeypatch.setattr(fle, 'print_log',
                        lambda msg, **kw: logged.append(msg))
    bad = _unknown_category(dets) + [dict(dets[0], image_id=10**9)]
    got = evaluate_lvis_ap(gt, dets + bad, backend=backend,
                           unknown_detections='drop')
    want = evaluate_lvis_ap(gt, dets, backend=backend)
    assert got.per_category_ap == want.per_category_ap
    assert got.summary == want.summary
    assert len(logged) == 1
    assert logged[0].startswith(f'4 of {len(dets) + 4} detections have ')
    assert 'dropped them' in logged[0]


def test_unknown_detections_option_is_checked(small):
    gt, dets = small
    with pytest.raises(ValueError, match="unknown_detections must be one of "
                       "'error', 'drop', got 'ignore'"):
        evaluate_lvis_ap(gt, dets, unknown_detections='ignore')


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('score', [math.nan, np.float32('nan'), math.inf])
def test_nan_score_is_refused_on_both_backends(small, backend, score):
    gt, dets = small
    bad = [dict(d) for d in dets]
    bad[5]['score'] = score
    with pytest.raises(ValueError, match=r'detection 5 \(image .*\) has '
                       r'score .*; scores must be finite numbers'):
        evaluate_lvis_ap(gt, bad, backend=backend)


@pytest.mark.parametrize('backend', BACKENDS)
def test_detection_without_score_is_named(small, backend):
    gt, dets = small
    bad = [dict(d) for d in dets]
    del bad[2]['score']
    with pytest.raises(ValueError, match=r"detection 2 has no 'score' \(it "
                       r"has \['bbox', 'category_id', 'image_id'"):
        evaluate_lvis_ap(gt, bad, backend=backend)


def _prediction(img_id, labels):
    n = len(labels)
    return dict(img_id=img_id, labels=np.asarray(labels),
                bboxes=np.tile(np.array([[0, 0, 10, 10]], np.float32),
                               (n, 1)),
                scores=np.linspace(0.9, 0.1, n).astype(np.float32))


def test_model_with_more_classes_than_the_annotation_file_is_named():
    # before: IndexError (list index out of range) in result_records
    preds = [_prediction(7, [0, 1]), _prediction(8, [2, 12, 13])]
    with pytest.raises(ValueError, match=(
            r"the prediction of image 8 has label 12 \(2 of its 3 labels "
            r"are out of range\), but ann_file 'x.json' has 12 categories "
            r"\(labels 0\.\.11\): the model's num_classes does not match")):
        result_records(preds, list(range(1, 13)), "ann_file 'x.json'")
    with pytest.raises(ValueError, match='has label -1'):
        result_records([_prediction(7, [0, -1])], list(range(1, 13)))


def test_prediction_without_scores_is_named():
    pred = _prediction(3, [0])
    del pred['scores']
    with pytest.raises(ValueError, match=r"prediction of image 3 has no "
                       r"'scores'"):
        result_records([pred], [1, 2])


def _write(tmp_path, gt):
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(gt))
    return str(path)


def _samples(gt, n_labels):
    out = []
    for img in gt['images']:
        out.append(dict(
            img_id=img['id'], ori_shape=(img['height'], img['width']),
            pred_instances=dict(
                bboxes=torch.tensor([[0.0, 0.0, 20.0, 20.0]] * 2),
                scores=torch.tensor([0.9, 0.4]),
                labels=torch.tensor([0, n_labels - 1]))))
    return out


@pytest.mark.parametrize('type_', ['FastLVISMetric',
                                   'LVISPerCategoryMetric'])
def test_metrics_name_an_empty_result_list(small, tmp_path, type_):
    # before (FastLVISMetric): "not enough values to unpack"
    gt, _ = small
    path = _write(tmp_path, gt)
    metric = METRICS.build(dict(type=type_, ann_file=path,
                                backend='lvis'))
    with pytest.raises(ValueError, match=rf"{type_} has no predictions to "
                       rf"evaluate.*ann_file '{path}'"):
        metric.compute_metrics([])


@pytest.mark.parametrize('type_', ['FastLVISMetric',
                                   'LVISPerCategoryMetric'])
def test_metrics_name_a_model_with_more_classes(small, tmp_path, type_):
    gt, _ = small
    path = _write(tmp_path, gt)
    metric = METRICS.build(dict(type=type_, ann_file=path, backend='lvis'))
    metric.dataset_meta = dict(classes=[c['name'] for c in gt['categories']])
    # one label more than the annotation file has categories
    metric.process({}, _samples(gt, NUM_CATS + 1))
    with pytest.raises(ValueError, match=rf"label {NUM_CATS} .*ann_file "
                       rf"'{path}' has {NUM_CATS} categories"):
        metric.compute_metrics(metric.results)


@pytest.mark.parametrize('type_', ['FastLVISMetric',
                                   'LVISPerCategoryMetric'])
def test_metrics_refuse_a_wrong_label_to_category_mapping(small, tmp_path,
                                                          type_):
    gt, _ = small
    path = _write(tmp_path, gt)
    results = {}
    for option in ('error', 'drop'):
        metric = METRICS.build(dict(type=type_, ann_file=path,
                                    backend='lvis',
                                    unknown_detections=option))
        metric.dataset_meta = dict(
            classes=[c['name'] for c in gt['categories']])
        # the category ids of another annotation file
        metric.cat_ids = [c['id'] + 100 for c in gt['categories']]
        metric.process({}, _samples(gt, NUM_CATS))
        if option == 'error':
            with pytest.raises(ValueError, match=r'category ids not in the '
                               r'categories of the LVIS annotations'):
                metric.compute_metrics(metric.results)
        else:
            results = metric.compute_metrics(metric.results)
    # dropped: nothing left to find
    assert results['bbox_AP'] in (0.0, -1.0)


@pytest.mark.parametrize('type_', ['FastLVISMetric',
                                   'LVISPerCategoryMetric'])
def test_metric_options_are_checked_at_construction(small, tmp_path, type_):
    gt, _ = small
    path = _write(tmp_path, gt)
    with pytest.raises(ValueError, match='unknown_detections'):
        METRICS.build(dict(type=type_, ann_file=path,
                           unknown_detections='skip'))
    for bad, error in ((0, ValueError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(error, match='nproc'):
            METRICS.build(dict(type=type_, ann_file=path, nproc=bad))
