"""The fast LVIS AP backend against the ``lvis`` API, number for number.

Every reference number here comes from ``lvis.LVISEval`` run on json files,
the way mmdet's ``LVISMetric`` runs it; the backend under test gets the same
records.
"""
import copy
import json
import sys

import numpy as np
import pytest
from lvis import LVIS, LVISEval, LVISResults
from pycocotools import mask as mask_utils

import lt_plugins.det.fast_lvis_eval as fle
from lt_plugins import compat
from lt_plugins.data.lvis_split import write_lvis_subset
from lt_plugins.det.fast_lvis_eval import (LVIS_MAX_DETS, SUMMARY_KEYS,
                                           evaluate_lvis_ap)
from lt_plugins.det.synthetic_lvis import synthetic_lvis

compat.patch_lvis_numpy()


def lvis_api(gt: dict, dets: list, iou_type: str, tmp_path, img_ids=None):
    """``LVISEval`` on json files: (per-category AP by id, results)."""
    gt_path, dt_path = tmp_path / 'ref_gt.json', tmp_path / 'ref_dt.json'
    gt_path.write_text(json.dumps(gt))
    dt_path.write_text(json.dumps(dets))
    lvis_gt = LVIS(str(gt_path))
    ev = LVISEval(lvis_gt, LVISResults(lvis_gt, str(dt_path)), iou_type)
    if img_ids is not None:
        ev.params.img_ids = list(img_ids)
    ev.run()
    per_cat = {}
    for k, cat in enumerate(ev.params.cat_ids):
        p = ev.eval['precision'][:, :, k, 0]
        per_cat[cat] = float(p[p > -1].mean()) if (p > -1).any() else -1.0
    return per_cat, ev.get_results()


def assert_same(res, ref_per_cat, ref_summary):
    assert set(res.per_category_ap) == set(ref_per_cat)
    got = np.array([res.per_category_ap[c] for c in sorted(ref_per_cat)])
    want = np.array([ref_per_cat[c] for c in sorted(ref_per_cat)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    # "no AP" stays -1, never 0
    np.testing.assert_array_equal(got == -1, want == -1)
    for key in SUMMARY_KEYS:
        assert res.summary[key] == pytest.approx(float(ref_summary[key]),
                                                 abs=1e-6), key


def toy_detections(gt: dict, seed: int = 0, masks: bool = False) -> list:
    """Jittered ground truth (some categories confused or never found) plus
    background boxes, as mmdet's results2json writes records."""
    rng = np.random.RandomState(seed)
    imgs = {img['id']: img for img in gt['images']}
    cat_ids = [c['id'] for c in gt['categories']]
    dets = []
    for a in gt['annotations']:
        k = cat_ids.index(a['category_id'])
        if k % 4 == 3:
            continue
        x, y, w, h = a['bbox']
        jx, jy = rng.uniform(-0.2, 0.2, 2) * [w, h]
        cat = a['category_id'] if rng.rand() < 0.8 else cat_ids[(k + 1) % 20]
        # the mask: the annotated polygon moved with the box
        poly = [v + (jx if i % 2 == 0 else jy)
                for i, v in enumerate(a['segmentation'][0])]
        dets.append(dict(image_id=a['image_id'], category_id=cat,
                         bbox=[x + jx, y + jy, w, h],
                         score=float(np.float32(rng.uniform(0.3, 1))),
                         poly=poly))
    for img in gt['images']:
        for _ in range(3):
            x, y = rng.uniform(0, img['width'] - 12, 2)
            dets.append(dict(image_id=img['id'],
                             category_id=int(rng.choice(cat_ids)),
                             bbox=[x, y, 10.0, 12.0],
                             score=float(np.float32(rng.uniform(0, 0.4))),
                             poly=[x, y, x + 10, y, x + 10, y + 12, x,
                                   y + 12]))
    for d in dets:
        poly = d.pop('poly')
        if masks:
            img = imgs[d['image_id']]
            rle = mask_utils.merge(mask_utils.frPyObjects(
                [poly], img['height'], img['width']))
            rle['counts'] = rle['counts'].decode()
            d['segmentation'] = rle
    return dets


# ------------------------------------------------------- equal numbers
@pytest.mark.parametrize('iou_type', ['bbox', 'segm'])
def test_toy_data_matches_the_lvis_api(toy_lvis, tmp_path, iou_type):
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, masks=iou_type == 'segm')
    ref = lvis_api(gt, dets, iou_type, tmp_path)
    for backend in ('faster_coco_eval', 'lvis'):
        res = evaluate_lvis_ap(toy_lvis['val'], dets, iou_type,
                               backend=backend)
        assert res.backend == backend
        assert_same(res, *ref)
    assert 0.1 < ref[1]['AP'] < 0.9  # a non-trivial case


@pytest.fixture(scope='module')
def lvis_sized():
    """1230 categories, 40 images, masks: federated lists, not-exhaustive
    categories, absent categories, images without detections and with
    more than 300."""
    gt, dets = synthetic_lvis(40, masks=True, seed=1)
    per_img = {}
    for d in dets:
        per_img[d['image_id']] = per_img.get(d['image_id'], 0) + 1
    assert len(gt['categories']) == 1230
    assert max(per_img.values()) > LVIS_MAX_DETS
    assert len(per_img) < len(gt['images'])  # some without detections
    assert any(img['not_exhaustive_category_ids'] for img in gt['images'])
    with_gt = {a['category_id'] for a in gt['annotations']}
    assert len(with_gt) < 1230
    return gt, dets


def test_a_callers_lvis_object_is_not_modified(toy_lvis, tmp_path):
    """LVISEval writes ``ignore`` into its ground truth records and replaces
    their polygons by RLEs; the evaluation works on copies."""
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, masks=True)
    lvis_gt = LVIS(toy_lvis['val'])
    before = copy.deepcopy(lvis_gt.dataset)
    res = evaluate_lvis_ap(lvis_gt, dets, 'segm', backend='lvis')
    assert lvis_gt.dataset == before
    ann = lvis_gt.anns[before['annotations'][0]['id']]
    assert 'ignore' not in ann and isinstance(ann['segmentation'], list)
    assert_same(res, *lvis_api(gt, dets, 'segm', tmp_path))


def _unknown_category(gt, dets):
    # detections of a category id that no annotation file category has
    for d in dets[::4]:
        d['category_id'] = 10**6
    return gt, dets


def _float_image_ids(gt, dets):
    for d in dets[::2]:
        d['image_id'] = float(d['image_id'])
    return gt, dets


def _areas_on_range_edges(gt, dets):
    # ground truth and detection areas exactly 32**2 and 96**2: in both
    # neighbouring ranges (LVISEval's ``lo <= area <= hi``)
    for i, a in enumerate(gt['annotations']):
        if i % 3 < 2:
            a['area'] = float((32, 96)[i % 3]**2)
    background = [d for d in dets if d['bbox'][2:] == [10.0, 12.0]]
    for i, d in enumerate(background):
        if i % 3 < 2:
            d['bbox'][2:] = [(16.0, 64.0), (96.0, 96.0)][i % 3]
    assert len(background) > 50
    return gt, dets


def _categories_not_sorted(gt, dets):
    gt['categories'] = gt['categories'][::-1]
    return gt, dets


@pytest.mark.parametrize('case', [_unknown_category, _float_image_ids,
                                  _areas_on_range_edges,
                                  _categories_not_sorted])
def test_unusual_inputs_score_as_the_lvis_api(toy_lvis, tmp_path, case):
    gt = json.load(open(toy_lvis['val']))
    gt, dets = case(gt, toy_detections(gt, seed=5))
    ref = lvis_api(gt, dets, 'bbox', tmp_path)
    assert 0.05 < ref[1]['AP'] < 0.95 and ref[1]['APs'] > -1
    # unknown categories are refused by default (a wrong label mapping);
    # dropped on request, they score as the lvis API scores them
    unknown = 'drop' if case is _unknown_category else 'error'
    for backend in ('faster_coco_eval', 'lvis'):
        assert_same(evaluate_lvis_ap(gt, dets, 'bbox', backend=backend,
                                     unknown_detections=unknown), *ref)


@pytest.mark.parametrize('iou_type', ['bbox', 'segm'])
def test_lvis_sized_set_matches_the_lvis_api(lvis_sized, tmp_path, iou_type):
    gt, dets = lvis_sized
    per_cat, summary = lvis_api(gt, dets, iou_type, tmp_path)
    res = evaluate_lvis_ap(gt, dets, iou_type, backend='faster_coco_eval')
    assert_same(res, per_cat, summary)
    scored = [v for v in per_cat.values() if v > -1]
    assert len(scored) > 100 and 0.05 < summary['AP'] < 0.9
    for g in ('APr', 'APc', 'APf'):
        assert summary[g] > 0


def test_inputs_are_not_modified(lvis_sized):
    gt, dets = lvis_sized
    gt0, dets0 = copy.deepcopy(gt), copy.deepcopy(dets)
    for backend in ('faster_coco_eval', 'lvis'):
        evaluate_lvis_ap(gt, dets, 'segm', backend=backend)
    assert gt == gt0 and dets == dets0


def test_faster_coco_eval_alone_differs_without_the_300_cap(lvis_sized):
    """faster-coco-eval caps per (image, category), the lvis API per image;
    on images with more than 300 detections only the backend's own cap
    gives the lvis API's numbers."""
    from faster_coco_eval import COCO, COCOeval_faster
    gt, dets = lvis_sized
    ref = evaluate_lvis_ap(gt, dets, 'bbox', backend='lvis')
    coco_gt = COCO(copy.deepcopy(gt))
    ev = COCOeval_faster(coco_gt, coco_gt.loadRes(copy.deepcopy(dets)),
                         'bbox', lvis_style=True,
                         print_function=lambda *a: None)
    ev.params.maxDets = [LVIS_MAX_DETS]
    ev.evaluate()
    ev.accumulate()
    raw = fle.per_category_ap(ev.eval['precision'][..., 0], ref.cat_ids)
    diff = max(abs(raw[c] - ref.per_category_ap[c]) for c in ref.cat_ids)
    assert diff > 1e-3


def test_cap_keeps_the_best_300_per_image_like_lvis_results():
    dets = [dict(image_id=i % 2, category_id=1, score=s)
            for i, s in enumerate(np.round(np.linspace(0, 1, 700), 1))]
    kept = fle.cap_detections_per_image(dets)
    from lvis.results import LVISResults as R
    want = R.limit_dets_per_image(None, dets, LVIS_MAX_DETS)
    assert [id(d) for d in kept] == [id(d) for d in want]
    assert len(kept) == 600


def test_chunks_and_processes_give_identical_numbers(lvis_sized):
    gt, dets = lvis_sized
    one = evaluate_lvis_ap(gt, dets, 'segm', backend='faster_coco_eval')
    split = evaluate_lvis_ap(gt, dets, 'segm', backend='faster_coco_eval',
                             nproc=2, cats_per_chunk=100)
    np.testing.assert_array_equal(split.precision, one.precision)
    np.testing.assert_array_equal(split.recall, one.recall)
    assert split.per_category_ap == one.per_category_ap
    assert split.summary == one.summary


# ------------------------------------------------ images, edge cases
def test_img_ids_subset_equals_the_lvis_api_on_a_subset_file(
        lvis_sized, tmp_path):
    gt, dets = lvis_sized
    subset = sorted(img['id'] for img in gt['images'])[5:25]
    sub_path = str(tmp_path / 'subset.json')
    sub_gt = write_lvis_subset(gt, subset, sub_path)
    sub_dets = [d for d in dets if d['image_id'] in set(subset)]
    ref = lvis_api(sub_gt, sub_dets, 'bbox', tmp_path)
    whole = evaluate_lvis_ap(gt, dets, 'bbox')
    for backend in ('faster_coco_eval', 'lvis'):
        res = evaluate_lvis_ap(gt, dets, 'bbox', img_ids=subset,
                               backend=backend)
        assert res.img_ids == subset
        assert_same(res, *ref)
    assert whole.summary['AP'] != pytest.approx(ref[1]['AP'], abs=1e-6)


@pytest.mark.parametrize('backend', ['faster_coco_eval', 'lvis'])
def test_no_detections_scores_as_the_lvis_api(lvis_sized, tmp_path,
                                              backend):
    """The lvis API refuses an empty list; a detection of a category that is
    neither annotated nor negative in its image is dropped by the federated
    rule, so with only that one it scores what no detection scores."""
    gt, _ = lvis_sized
    img = gt['images'][0]
    judged = set(img['neg_category_ids']) | {
        a['category_id'] for a in gt['annotations']
        if a['image_id'] == img['id']}
    cat = next(c['id'] for c in gt['categories'] if c['id'] not in judged)
    dummy = [dict(image_id=img['id'], category_id=cat,
                  bbox=[1.0, 1.0, 5.0, 5.0], score=0.5)]
    ref = lvis_api(gt, dummy, 'bbox', tmp_path)
    res = evaluate_lvis_ap(gt, [], 'bbox', backend=backend)
    assert_same(res, *ref)
    assert set(res.per_category_ap.values()) == {0.0, -1.0}


def test_crowd_flag_is_ignored_as_the_lvis_api_ignores_it(toy_lvis,
                                                          tmp_path):
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, seed=2)
    for a in gt['annotations'][::3]:
        a['iscrowd'] = 1
    ref = lvis_api(gt, dets, 'bbox', tmp_path)
    assert_same(evaluate_lvis_ap(gt, dets, 'bbox',
                                 backend='faster_coco_eval'), *ref)


def test_ignore_flag_goes_to_the_lvis_api(toy_lvis, tmp_path, monkeypatch):
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, seed=3)
    gt['annotations'][0]['ignore'] = 1
    logged = []
    monkeypatch.setattr(fle, '_LOGGED_ONCE', set())
    monkeypatch.setattr(fle, 'print_log', lambda msg, **kw: logged.append(
        msg))
    ref = lvis_api(gt, dets, 'bbox', tmp_path)
    res = evaluate_lvis_ap(gt, dets, 'bbox', backend='auto')
    assert res.backend == 'lvis' and 'ignore' in logged[0]
    assert_same(res, *ref)
    # said once per process, not at every evaluation (every epoch in a hook)
    assert evaluate_lvis_ap(gt, dets, 'bbox', backend='auto').backend == \
        'lvis'
    assert len(logged) == 1
    with pytest.raises(ValueError, match="'ignore'"):
        evaluate_lvis_ap(gt, dets, 'bbox', backend='faster_coco_eval')


# ------------------------------------------------------------ fallback
def test_auto_falls_back_to_the_lvis_api_with_one_log_line(
        toy_lvis, tmp_path, monkeypatch):
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, seed=4)
    fast = evaluate_lvis_ap(gt, dets, 'bbox', backend='auto')
    assert fast.backend == 'faster_coco_eval'
    # an environment without faster-coco-eval: its import fails
    monkeypatch.setitem(sys.modules, 'faster_coco_eval', None)
    monkeypatch.setattr(fle, '_LOGGED_ONCE', set())
    logged = []
    monkeypatch.setattr(fle, 'print_log', lambda msg, **kw: logged.append(
        msg))
    res = evaluate_lvis_ap(gt, dets, 'bbox', backend='auto')
    evaluate_lvis_ap(gt, dets, 'bbox', backend='auto')
    assert res.backend == 'lvis'
    assert len(logged) == 1 and 'faster-coco-eval is not installed' in \
        logged[0]
    assert_same(res, fast.per_category_ap, fast.summary)
    with pytest.raises(ImportError, match='faster-coco-eval'):
        evaluate_lvis_ap(gt, dets, 'bbox', backend='faster_coco_eval')


def test_auto_uses_only_the_tested_faster_coco_eval_series(monkeypatch):
    import faster_coco_eval
    assert fle.resolve_backend('auto') == 'faster_coco_eval'
    assert faster_coco_eval.__version__.startswith(
        fle.TESTED_FASTER_COCO_EVAL + '.')
    monkeypatch.setattr(faster_coco_eval, '__version__', '2.0.0')
    monkeypatch.setattr(fle, '_LOGGED_ONCE', set())
    logged = []
    monkeypatch.setattr(fle, 'print_log', lambda msg, **kw: logged.append(
        msg))
    assert fle.resolve_backend('auto') == 'lvis'
    assert '2.0.0 is installed' in logged[0]
    assert fle.resolve_backend('faster_coco_eval') == 'faster_coco_eval'


def test_auto_falls_back_when_the_cpp_extension_does_not_import(
        toy_lvis, monkeypatch):
    """The package imports, the compiled module it evaluates with does not:
    'auto' falls back at once instead of failing at the first evaluation."""
    import faster_coco_eval  # noqa: F401 (the package itself imports)
    assert fle.resolve_backend('auto') == 'faster_coco_eval'
    monkeypatch.setitem(sys.modules, 'faster_coco_eval.faster_eval_api_cpp',
                        None)
    with pytest.raises(ImportError):
        import faster_coco_eval.faster_eval_api_cpp  # noqa: F401
    monkeypatch.setattr(fle, '_LOGGED_ONCE', set())
    logged = []
    monkeypatch.setattr(fle, 'print_log', lambda msg, **kw: logged.append(
        msg))
    assert fle.resolve_backend('auto') == 'lvis'
    res = evaluate_lvis_ap(toy_lvis['val'], [], 'bbox', backend='auto')
    assert res.backend == 'lvis'
    assert len(logged) == 1 and 'faster_eval_api_cpp' in logged[0]
    with pytest.raises(ImportError, match='faster_eval_api_cpp'):
        fle.resolve_backend('faster_coco_eval')


# ----------------------------------------------------------- bad input
def test_bad_arguments_are_named(toy_lvis):
    gt = toy_lvis['val']
    with pytest.raises(ValueError, match="'fast'"):
        evaluate_lvis_ap(gt, [], backend='fast')
    with pytest.raises(ValueError, match="'keypoints'"):
        evaluate_lvis_ap(gt, [], 'keypoints')
    with pytest.raises(ValueError, match='nproc.*0'):
        evaluate_lvis_ap(gt, [], nproc=0)
    with pytest.raises(ValueError, match='not in the LVIS annotations'):
        evaluate_lvis_ap(gt, [], img_ids=[10**9])
    with pytest.raises(ValueError, match='not in the LVIS annotations'):
        evaluate_lvis_ap(gt, [dict(image_id=10**9, category_id=1, score=1.0,
                                   bbox=[0, 0, 1, 1])])
    with pytest.raises(ValueError, match='segmentation'):
        evaluate_lvis_ap(gt, [dict(image_id=json.load(open(gt))['images'][0]
                                   ['id'], category_id=1, score=1.0,
                                   bbox=[0, 0, 1, 1])], 'segm')


@pytest.mark.parametrize('backend', ['faster_coco_eval', 'lvis'])
def test_annotations_nothing_can_be_scored_on_are_named(toy_lvis, backend):
    gt = json.load(open(toy_lvis['val']))
    with pytest.raises(ValueError, match='no categories'):
        evaluate_lvis_ap(dict(gt, categories=[]), [], backend=backend)
    bad = copy.deepcopy(gt)
    ann = bad['annotations'][3]
    ann['category_id'] = 777
    with pytest.raises(ValueError, match=rf"annotation {ann['id']}\b.*777"):
        evaluate_lvis_ap(bad, [], backend=backend)


@pytest.mark.parametrize('key', ['neg_category_ids',
                                 'not_exhaustive_category_ids'])
def test_an_image_without_federated_lists_is_refused_as_by_the_lvis_api(
        toy_lvis, tmp_path, key):
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, seed=6)
    img = gt['images'][7]
    del img[key]
    with pytest.raises(KeyError):
        lvis_api(gt, dets, 'bbox', tmp_path)
    for backend in ('faster_coco_eval', 'lvis'):
        with pytest.raises(ValueError, match=rf"image {img['id']}\b.*{key}"):
            evaluate_lvis_ap(gt, dets, 'bbox', backend=backend)
    # an image that is not evaluated needs neither list
    others = [i['id'] for i in gt['images'] if i['id'] != img['id']]
    ref = lvis_api(gt, dets, 'bbox', tmp_path, img_ids=others)
    assert_same(evaluate_lvis_ap(gt, dets, 'bbox', img_ids=others,
                                 backend='faster_coco_eval'), *ref)


@pytest.mark.parametrize('frequency', ['x', None])
def test_a_frequency_outside_rcf_is_refused_as_by_the_lvis_api(
        toy_lvis, tmp_path, frequency):
    gt = json.load(open(toy_lvis['val']))
    dets = toy_detections(gt, seed=7)
    cat = gt['categories'][2]
    if frequency is None:
        del cat['frequency']
    else:
        cat['frequency'] = frequency
    with pytest.raises((KeyError, ValueError)):
        lvis_api(gt, dets, 'bbox', tmp_path)
    for backend in ('faster_coco_eval', 'lvis'):
        with pytest.raises(ValueError,
                           match=rf"category {cat['id']}\b.*frequency"):
            evaluate_lvis_ap(gt, dets, 'bbox', backend=backend)
