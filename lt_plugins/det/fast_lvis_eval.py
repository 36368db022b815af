"""Per-category LVIS AP with the ``lvis`` API's rules, computed fast.

The ``lvis`` API (``LVISEval``) is the reference for LVIS AP but runs its
matching and accumulation in Python, per (image, category, area range):
minutes per evaluation at LVIS scale. ``faster-coco-eval`` implements the
same COCO-style matching and accumulation in C++ and has an LVIS mode
(``lvis_style=True``: federated negative categories, not-exhaustively
annotated categories, frequency groups). :func:`evaluate_lvis_ap` runs it
with the inputs prepared so that every number equals the ``lvis`` API's:

* **300 detections per image.** ``LVISResults`` keeps the 300 best-scored
  detections of each image (over all categories) before anything else;
  faster-coco-eval caps per (image, category). The cap is applied here, the
  ``lvis`` API's way (stable sort by score, so ties keep input order).
* **Zero-area records.** ``LVISEval`` loads ground truth and detections with
  an area filter ``0 < area < inf``; the same records are dropped here.
* **Crowd and ignore flags.** ``LVISEval`` ignores ``iscrowd`` (every ground
  truth is matched as a normal instance); faster-coco-eval would treat a
  crowd box as a crowd region, so ``iscrowd`` is cleared. A ground truth
  ``ignore`` flag, honoured by ``LVISEval``, has no faster-coco-eval
  equivalent: such annotation files are evaluated with the ``lvis`` API.
* **Detection area** (for the area ranges): box ``w * h`` when the results
  have boxes, also for ``segm`` results, as ``LVISResults`` does.
* **Federated filter.** Detections of a category neither annotated nor
  negative in their image are dropped here, as ``LVISEval`` drops them;
  faster-coco-eval 1.8.0 would drop them too, but its segm path then fails
  on such a detection in an image without ground truth (``IndexError:
  unordered_map::at``).
* **Summaries** (AP, AP50, AP75, APs/m/l, APr/c/f, AR@300, ARs/m/l@300) are
  means over the precision (recall) entries that are not -1, as in
  ``LVISEval._summarize``.

Categories are independent in this evaluation, so they are evaluated in
chunks (bounded memory) and can be split over processes (``nproc``, forked
workers); neither changes any number (tested).

The ``lvis`` API stays available as ``backend='lvis'``, and ``'auto'`` falls
back to it, with one log line, where faster-coco-eval is not installed, its
C++ extension cannot be imported, or it is not of the tested 1.8 series (the
backend calls it below its public ``evaluate()``, to skip the Python work
that method does for every (image, category) pair).

Annotation files the ``lvis`` API refuses (an evaluated image without
``neg_category_ids`` or ``not_exhaustive_category_ids``, a category
``frequency`` other than r/c/f) are refused by both backends, with an error
naming the image or category; so are files it could not score at all (no
categories, a ground truth of a category that is not in ``categories``).
"""
import gc
import importlib
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from lt_plugins.core.validation import check_choice, check_int

BACKENDS = ('auto', 'faster_coco_eval', 'lvis')
#: What to do with detections of an image or a category that the ground
#: truth does not have: refuse them (default) or drop them with a warning.
#: Both backends would drop them without a word, so a wrong label-to-category
#: mapping would look like a good model.
UNKNOWN_DETECTIONS = ('error', 'drop')
# the LVIS protocol's detections per image (``LVISResults(max_dets=300)``)
LVIS_MAX_DETS = 300
SUMMARY_KEYS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc',
                'APf', 'AR@300', 'ARs@300', 'ARm@300', 'ARl@300')
# LVISEval's Params: IoU and recall thresholds, area ranges (all, s, m, l)
IOU_THRS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1,
                       endpoint=True)
AREA_RANGES = ((0**2, 1e5**2), (0**2, 32**2), (32**2, 96**2),
               (96**2, 1e5**2))
FREQUENCY_GROUPS = ('r', 'c', 'f')
# the faster-coco-eval release series the backend is tested with
TESTED_FASTER_COCO_EVAL = '1.8'
# its compiled modules the backend calls (evaluation; mask area and IoU)
FASTER_COCO_EVAL_CPP = ('faster_coco_eval.faster_eval_api_cpp',
                        'faster_coco_eval.mask_api_new_cpp')

# warnings already logged by this process: each says something about the
# environment or the annotation file, which does not change between the
# evaluations of one run (one per epoch in a hook)
_LOGGED_ONCE: set = set()


def _warn_once(msg: str) -> None:
    """Log ``msg`` as a warning the first time this process asks to."""
    if msg not in _LOGGED_ONCE:
        _LOGGED_ONCE.add(msg)
        print_log(msg, logger='current', level=logging.WARNING)


@dataclass
class LVISAPResult:
    """What one LVIS evaluation gives.

    Attributes:
        per_category_ap (dict): ``{category_id: AP}`` for every category of
            the annotation file; -1 where the category has no ground truth in
            the evaluated images (the LVIS protocol cannot score it).
        summary (dict): ``AP``, ``AP50``, ``AP75``, ``APs``, ``APm``,
            ``APl``, ``APr``, ``APc``, ``APf``, ``AR@300``, ``ARs@300``,
            ``ARm@300``, ``ARl@300``, named as ``LVISEval.get_results()``
            names them (-1 where nothing is scored).
        precision (np.ndarray): Shape (10 IoU thresholds, 101 recall points,
            K categories, 4 area ranges), -1 where undefined; categories in
            ``cat_ids`` order.
        recall (np.ndarray): Shape (10, K, 4), -1 where undefined.
        cat_ids (list[int]): Category ids, sorted (``LVISEval``'s order).
        img_ids (list[int]): The evaluated image ids, sorted.
        backend (str): ``'faster_coco_eval'`` or ``'lvis'``.
    """
    per_category_ap: Dict[int, float]
    summary: Dict[str, float]
    precision: np.ndarray = field(repr=False)
    recall: np.ndarray = field(repr=False)
    cat_ids: List[int]
    img_ids: List[int]
    backend: str


def faster_coco_eval_version() -> Optional[str]:
    """The installed faster-coco-eval version, None when it cannot be
    imported."""
    try:
        import faster_coco_eval
    except ImportError:
        return None
    return str(getattr(faster_coco_eval, '__version__', '?'))


def _cpp_import_error() -> Optional[str]:
    """Why a compiled module of :data:`FASTER_COCO_EVAL_CPP` cannot be
    imported (a build for another Python or numpy, a missing shared
    library), None when all can."""
    for name in FASTER_COCO_EVAL_CPP:
        try:
            importlib.import_module(name)
        except ImportError as e:
            return f'its C++ extension {name} cannot be imported ({e})'
    return None


def resolve_backend(backend: str) -> str:
    """The backend that ``backend`` stands for here.

    Args:
        backend (str): One of :data:`BACKENDS`. ``'auto'`` is
            ``'faster_coco_eval'`` when a tested version
            (:data:`TESTED_FASTER_COCO_EVAL`) is installed and its C++
            extension imports, else ``'lvis'`` (with one log line per
            process saying why).

    Returns:
        str: ``'faster_coco_eval'`` or ``'lvis'``.

    Raises:
        ValueError: For an unknown name.
        ImportError: For ``'faster_coco_eval'`` when it is not installed or
            its C++ extension cannot be imported.
    """
    if backend not in BACKENDS:
        raise ValueError(f'LVIS evaluation backend must be one of {BACKENDS},'
                         f' got {backend!r}')
    if backend == 'lvis':
        return backend
    version = faster_coco_eval_version()
    if version is None and backend == 'faster_coco_eval':
        raise ImportError(
            "backend='faster_coco_eval' needs the faster-coco-eval package "
            f'(pip install faster-coco-eval=={TESTED_FASTER_COCO_EVAL}.0); '
            "or use backend='auto' / 'lvis'")
    # the package can import while a compiled module it loads lazily does
    # not; found here rather than at the first evaluation, mid-training
    cpp_error = None if version is None else _cpp_import_error()
    if cpp_error is not None and backend == 'faster_coco_eval':
        raise ImportError(
            f'faster-coco-eval {version} is installed but {cpp_error}; '
            f'reinstall it (pip install --force-reinstall '
            f'faster-coco-eval=={TESTED_FASTER_COCO_EVAL}.0) or use '
            "backend='auto' / 'lvis'")
    # the backend drives faster-coco-eval below its public API (to skip
    # its per-pair Python work); other versions may differ there
    tested = version is not None and (
        version.startswith(TESTED_FASTER_COCO_EVAL + '.'))
    if cpp_error is None and (backend == 'faster_coco_eval' or tested):
        return 'faster_coco_eval'
    if version is None:
        why = 'is not installed'
    elif cpp_error is not None:
        why = f'{version} is installed but {cpp_error}'
    else:
        why = (f'{version} is installed, not the tested '
               f'{TESTED_FASTER_COCO_EVAL}.x')
    _warn_once(
        f'faster-coco-eval {why}: LVIS AP is computed with the lvis API '
        '(same numbers, several times slower; pip install '
        f'faster-coco-eval=={TESTED_FASTER_COCO_EVAL}.0 for the fast '
        "backend, or backend='faster_coco_eval' to use this version)")
    return 'lvis'


def _load_gt(gt) -> dict:
    """The LVIS annotation dict of a path, a dict or an ``lvis.LVIS``."""
    if isinstance(gt, str):
        with open(gt) as f:
            return json.load(f)
    if isinstance(gt, dict):
        return gt
    dataset = getattr(gt, 'dataset', None)  # lvis.LVIS, mmdet's LVIS
    if isinstance(dataset, dict):
        return dataset
    raise TypeError(f'gt must be an LVIS json path, dict or lvis.LVIS, got '
                    f'{type(gt).__name__}')


def _check_gt(data: dict, img_ids: List[int]) -> None:
    """Refuse what the ``lvis`` API refuses, or could not score, early and
    by name.

    Raises:
        ValueError: For no categories, a category whose ``frequency`` is
            missing or not r/c/f (``LVISEval`` fails on it, and it would fall
            out of APr/c/f), a ground truth of a category not in
            ``categories`` (``LVISEval`` skips it silently: a broken file),
            or an evaluated image without ``neg_category_ids`` or
            ``not_exhaustive_category_ids`` (``LVISEval`` fails on it).
    """
    if not data.get('categories'):
        raise ValueError('the LVIS annotations have no categories: nothing '
                         'to evaluate')
    for c in data['categories']:
        if c.get('frequency') not in FREQUENCY_GROUPS:
            raise ValueError(
                f"category {c.get('id')!r} has frequency "
                f"{c.get('frequency', '<missing>')!r}; LVIS frequency groups "
                f'are {FREQUENCY_GROUPS}')
    known_cats = {c['id'] for c in data['categories']}
    for a in data['annotations']:
        if a['category_id'] not in known_cats:
            raise ValueError(
                f"ground truth annotation {a.get('id')!r} has category id "
                f"{a['category_id']!r}, which is not in the annotations' "
                'categories')
    evaluated = set(img_ids)
    for img in data['images']:
        if img['id'] not in evaluated:
            continue
        for key in ('neg_category_ids', 'not_exhaustive_category_ids'):
            if key not in img:
                raise ValueError(
                    f"image {img['id']!r} has no {key!r}; LVIS evaluation "
                    'needs it for every evaluated image (an empty list where '
                    'there are none)')


def _count_ids(counts: Dict, shown: int = 5) -> str:
    """``'ids [a, b, ...] (with n, m, ... detections)'`` of the first few."""
    first = sorted(counts, key=str)[:shown]
    more = ', ...' if len(counts) > shown else ''
    return (f'{len(counts)} ids, e.g. {first}{more} (with '
            f'{[counts[i] for i in first]} detections)')


def check_detections(detections: Sequence[dict],
                     data: dict,
                     iou_type: str = 'bbox',
                     unknown_detections: str = 'error',
                     source: str = 'the LVIS annotations') -> List[dict]:
    """Refuse result records that no evaluation can score meaningfully.

    Every record needs ``image_id``, ``category_id``, a finite real
    ``score`` and a ``bbox`` (``segmentation`` for ``segm``). A NaN score
    would be ranked arbitrarily (the ``lvis`` API then gives AP 1.0 where
    faster-coco-eval refuses), so both backends refuse it here. A record of
    an image or a category that ``data`` does not have is refused, or
    dropped with a warning under ``unknown_detections='drop'``: both
    backends would ignore it silently.

    Args:
        detections (Sequence[dict]): Result records.
        data (dict): The LVIS annotation dict.
        iou_type (str): ``'bbox'`` or ``'segm'``.
        unknown_detections (str): ``'error'`` (default) or ``'drop'``.
        source (str): Where the annotations came from, for the messages.

    Returns:
        list[dict]: The records (the same objects), without the dropped ones.

    Raises:
        ValueError: For a record without a required key, a score that is not
            a finite number, or (with ``'error'``) a record of an unknown
            image or category; the message gives the counts and the first
            ids.
    """
    check_choice('unknown_detections', unknown_detections,
                 UNKNOWN_DETECTIONS)
    known_imgs = {img['id'] for img in data['images']}
    known_cats = {c['id'] for c in data['categories']}
    geometry = 'bbox' if iou_type == 'bbox' else 'segmentation'
    required = ('image_id', 'category_id', 'score', geometry)
    bad_imgs: Dict = {}
    bad_cats: Dict = {}
    keep = []
    for i, d in enumerate(detections):
        if not isinstance(d, dict) or any(k not in d for k in required):
            keys = sorted(d) if isinstance(d, dict) else type(d).__name__
            missing = [k for k in required
                       if not isinstance(d, dict) or k not in d]
            raise ValueError(
                f'detection {i} has no {missing[0]!r} (it has {keys}); LVIS '
                f'{iou_type} result records need {list(required)}')
        score = d['score']
        try:
            finite = (not isinstance(score, (bool, str))
                      and -math.inf < score < math.inf)
        except TypeError:
            finite = False
        if not finite:
            raise ValueError(
                f"detection {i} (image {d['image_id']!r}, category "
                f"{d['category_id']!r}) has score {score!r}; scores must be "
                'finite numbers (a NaN score cannot be ranked)')
        img, cat = d['image_id'], d['category_id']
        unknown = False
        if img not in known_imgs:
            bad_imgs[img] = bad_imgs.get(img, 0) + 1
            unknown = True
        if cat not in known_cats:
            bad_cats[cat] = bad_cats.get(cat, 0) + 1
            unknown = True
        if not unknown:
            keep.append(d)
    if not (bad_imgs or bad_cats):
        return list(detections)
    parts = []
    if bad_cats:
        parts.append(f'category ids not in the categories of {source} '
                     f'({_count_ids(bad_cats)})')
    if bad_imgs:
        parts.append(f'image ids not in {source} '
                     f'({_count_ids(bad_imgs)})')
    n_bad = len(detections) - len(keep)
    what = (f'{n_bad} of {len(detections)} detections have ' +
            ' or '.join(parts))
    if unknown_detections == 'error':
        raise ValueError(
            f'{what}. The labels of the model and the categories of the '
            'annotation file disagree (a wrong label-to-category mapping, or '
            "another annotation file); pass unknown_detections='drop' to "
            'evaluate without them')
    print_log(f'{what}; dropped them (unknown_detections=\'drop\')',
              logger='current', level=logging.WARNING)
    return keep


def _positive_area(area) -> bool:
    # LVISEval loads records with ``0 < area < inf`` (a NaN area fails too)
    return bool(area > 0 and area < math.inf)


def cap_detections_per_image(detections: Sequence[dict],
                             max_dets: int = LVIS_MAX_DETS) -> List[dict]:
    """The ``max_dets`` best-scored detections of each image.

    The same selection and order as ``LVISResults.limit_dets_per_image``:
    images in first-appearance order, an image over the cap sorted by
    descending score with a stable sort (ties keep input order), an image
    within the cap left in input order.

    Args:
        detections (Sequence[dict]): Result records with ``image_id`` and
            ``score``.
        max_dets (int): Detections kept per image.

    Returns:
        list[dict]: The kept records (the same objects).
    """
    by_img: Dict[int, List[dict]] = {}
    for d in detections:
        by_img.setdefault(d['image_id'], []).append(d)
    out = []
    for dets in by_img.values():
        if len(dets) > max_dets:
            dets = sorted(dets, key=lambda d: d['score'],
                          reverse=True)[:max_dets]
        out.extend(dets)
    return out


def _summarize(precision: np.ndarray, recall: np.ndarray,
               freq_of_cat: Sequence[str]) -> Dict[str, float]:
    """``LVISEval.summarize``'s entries from precision and recall."""

    def mean(s):
        s = s[s > -1]
        return float(np.mean(s)) if s.size else -1.0

    out = dict(
        AP=mean(precision[:, :, :, 0]),
        AP50=mean(precision[np.where(IOU_THRS == 0.5)[0], :, :, 0]),
        AP75=mean(precision[np.where(IOU_THRS == 0.75)[0], :, :, 0]),
        APs=mean(precision[:, :, :, 1]),
        APm=mean(precision[:, :, :, 2]),
        APl=mean(precision[:, :, :, 3]))
    freq = np.asarray(freq_of_cat)
    for g in FREQUENCY_GROUPS:
        out[f'AP{g}'] = mean(precision[:, :, freq == g, 0])
    for r, name in enumerate(('AR@300', 'ARs@300', 'ARm@300', 'ARl@300')):
        out[name] = mean(recall[:, :, r])
    return out


def per_category_ap(precision: np.ndarray,
                    cat_ids: Sequence[int]) -> Dict[int, float]:
    """AP of each category: the mean of its precision over IoU thresholds and
    recall points (all areas), -1 where undefined (``LVISEval``'s AP,
    restricted to one category)."""
    out = {}
    for k, cat in enumerate(cat_ids):
        p = precision[:, :, k, 0]
        p = p[p > -1]
        out[int(cat)] = float(p.mean()) if p.size else -1.0
    return out


def evaluate_lvis_ap(gt,
                     detections: Sequence[dict],
                     iou_type: str = 'bbox',
                     img_ids: Optional[Sequence[int]] = None,
                     backend: str = 'auto',
                     nproc: int = 1,
                     cats_per_chunk: Optional[int] = None,
                     unknown_detections: str = 'error') -> LVISAPResult:
    """LVIS AP of every category and the LVIS summary.

    Args:
        gt (str | dict | lvis.LVIS): LVIS annotation json (path), its dict,
            or a loaded ``lvis.LVIS``. Not modified.
        detections (Sequence[dict]): Result records as mmdet's
            ``results2json`` writes them: ``image_id``, ``category_id``,
            ``score``, ``bbox`` (x, y, w, h) and for ``segm`` a
            ``segmentation`` RLE. Not modified. All images' records go in;
            the 300-per-image cap is applied before ``img_ids`` selects.
        iou_type (str): ``'bbox'`` or ``'segm'``.
        img_ids (Sequence[int], optional): The images to score. Defaults to
            every image of ``gt``.
        backend (str): ``'auto'`` (default), ``'faster_coco_eval'`` or
            ``'lvis'`` (the reference ``LVISEval``).
        nproc (int): Worker processes for ``'faster_coco_eval'`` (forked;
            categories are split over them). 1 evaluates in this process.
        cats_per_chunk (int, optional): Evaluate at most this many categories
            at a time (faster-coco-eval), which bounds its memory: it keeps
            about 1 KB per (image, category) pair while evaluating. Defaults
            to 500,000 pairs at a time (e.g. all 1230 categories at once up
            to 406 images, 40 at a time for 12,300 images).
        unknown_detections (str): ``'error'`` (default): refuse detections
            of an image or category that ``gt`` does not have; ``'drop'``:
            evaluate without them and log how many were dropped (see
            :func:`check_detections`).

    Returns:
        LVISAPResult: Per-category AP, summary, precision and recall.

    Raises:
        ValueError: For an unknown ``iou_type``/``backend``, ``nproc < 1``,
            image ids not in ``gt``, detections that
            :func:`check_detections` refuses (a missing key, a score that is
            not finite, an unknown image or category unless dropped),
            ``segm`` results without masks, or
            annotations the ``lvis`` API refuses or cannot score (no
            categories, a frequency other than r/c/f, a ground truth of an
            unknown category, an evaluated image without
            ``neg_category_ids``/``not_exhaustive_category_ids``).
        ImportError: For ``backend='faster_coco_eval'`` without the package
            or its C++ extension.
    """
    if iou_type not in ('bbox', 'segm'):
        raise ValueError(f"iou_type must be 'bbox' or 'segm', got "
                         f'{iou_type!r}')
    check_int('nproc', nproc, 1)
    check_int('cats_per_chunk', cats_per_chunk, 1, allow_none=True)
    check_choice('unknown_detections', unknown_detections,
                 UNKNOWN_DETECTIONS)
    requested = backend
    backend = resolve_backend(backend)
    data = _load_gt(gt)
    known_imgs = {img['id'] for img in data['images']}
    if img_ids is None:
        img_ids = sorted(known_imgs)
    else:
        img_ids = sorted(set(img_ids))
        unknown = [i for i in img_ids if i not in known_imgs]
        if unknown:
            raise ValueError(
                f'{len(unknown)} image ids to evaluate are not in the LVIS '
                f'annotations (e.g. {unknown[:5]})')
    _check_gt(data, img_ids)
    if iou_type == 'segm' and detections and isinstance(
            detections[0], dict) and 'segmentation' not in detections[0]:
        raise ValueError("iou_type='segm' needs detections with a "
                         "'segmentation' (RLE); the first one has keys "
                         f'{sorted(detections[0])}')
    detections = check_detections(detections, data, iou_type,
                                  unknown_detections)
    if backend == 'faster_coco_eval' and any(
            a.get('ignore') for a in data['annotations']):
        if requested == 'faster_coco_eval':
            raise ValueError(
                "the annotations set 'ignore' on some ground truth, which "
                "only the lvis API honours; use backend='lvis' or 'auto'")
        _warn_once("ground truth with an 'ignore' flag: evaluating with the "
                   'lvis API')
        backend = 'lvis'
    cat_ids = sorted(c['id'] for c in data['categories'])
    freq_of = {c['id']: c['frequency'] for c in data['categories']}
    freqs = [freq_of[c] for c in cat_ids]
    if not img_ids:
        precision = -np.ones((len(IOU_THRS), 101, len(cat_ids), 4))
        recall = -np.ones((len(IOU_THRS), len(cat_ids), 4))
        summary = _summarize(precision, recall, freqs)
    elif backend == 'lvis':
        precision, recall, summary = _lvis_api_eval(
            data, detections, iou_type, img_ids, cat_ids, freqs)
    else:
        # the evaluation allocates several objects per detection, all alive
        # until it ends; the cyclic collector would rescan them again and
        # again while they are made (it runs once enabled again)
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            precision, recall = _faster_eval(data, detections, iou_type,
                                             img_ids, cat_ids, nproc,
                                             cats_per_chunk)
        finally:
            if gc_was_enabled:
                gc.enable()
        summary = _summarize(precision, recall, freqs)
    return LVISAPResult(per_category_ap(precision, cat_ids), summary,
                        precision, recall, cat_ids, img_ids, backend)


# ------------------------------------------------------------ lvis API
def _lvis_api_eval(data: dict, detections: Sequence[dict],
                   iou_type: str, img_ids: List[int], cat_ids: List[int],
                   freqs: List[str]
                   ) -> Tuple[np.ndarray, np.ndarray, Dict[str, float]]:
    """``LVISEval`` itself, on copies (it writes into its inputs)."""
    from lvis import LVIS, LVISEval, LVISResults

    from lt_plugins import compat
    compat.patch_lvis_numpy()
    if not detections:
        # LVISResults rejects an empty list (IndexError); LVISEval would score
        # every category with ground truth 0 and the others -1
        precision, recall = _no_detection_arrays(data, img_ids, cat_ids)
        return precision, recall, _summarize(precision, recall, freqs)
    # also for a caller's lvis.LVIS: LVISEval sets ``ignore`` in its ground
    # truth records and replaces polygons with RLEs there. It only assigns
    # keys, so a new record dict per annotation keeps the caller's intact
    lvis_gt = LVIS.__new__(LVIS)  # LVIS() only reads a path
    lvis_gt.logger = logging.getLogger('lvis.lvis')
    lvis_gt.dataset = dict(
        data, annotations=[dict(a) for a in data['annotations']])
    lvis_gt._create_index()
    lvis_dt = LVISResults(lvis_gt, [dict(d) for d in detections],
                          max_dets=LVIS_MAX_DETS)
    ev = LVISEval(lvis_gt, lvis_dt, iou_type)
    ev.params.img_ids = list(img_ids)  # LVISEval reads img_ids, not imgIds
    ev.run()
    if list(ev.params.cat_ids) != cat_ids:
        raise RuntimeError('LVISEval category order differs from the sorted '
                           'category ids')
    results = ev.get_results()
    return (ev.eval['precision'], ev.eval['recall'],
            {k: float(results[k]) for k in SUMMARY_KEYS})


def _no_detection_arrays(data: dict, img_ids: List[int], cat_ids: List[int]
                         ) -> Tuple[np.ndarray, np.ndarray]:
    """``LVISEval``'s precision and recall for an empty result list: 0 for a
    (category, area range) with a non-ignored ground truth of that area in
    the evaluated images, -1 otherwise."""
    imgs = set(img_ids)
    index = {c: k for k, c in enumerate(cat_ids)}
    precision = -np.ones((len(IOU_THRS), 101, len(cat_ids), 4))
    recall = -np.ones((len(IOU_THRS), len(cat_ids), 4))
    for a in data['annotations']:
        if a['image_id'] not in imgs or not _positive_area(a['area']) \
                or a.get('ignore'):
            continue
        for r, (lo, hi) in enumerate(AREA_RANGES):
            if lo <= a['area'] <= hi:
                precision[:, :, index[a['category_id']], r] = 0.0
                recall[:, index[a['category_id']], r] = 0.0
    return precision, recall


# --------------------------------------------------- faster-coco-eval
# set in the parent right before forking the workers, read by them
_FORK_CHUNKS: Optional[list] = None
# (image, category) pairs evaluated at a time by default
_PAIRS_PER_CHUNK = 500_000


def _faster_eval(data: dict, detections: Sequence[dict], iou_type: str,
                 img_ids: List[int], cat_ids: List[int], nproc: int,
                 cats_per_chunk: Optional[int]
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Precision [T, R, K, A] and recall [T, K, A] by faster-coco-eval,
    category chunk by category chunk."""
    global _FORK_CHUNKS
    imgs = set(img_ids)
    cats = set(cat_ids)
    # LVISEval matches a crowd box as a normal instance: clear iscrowd
    gts = [dict(a, iscrowd=0) for a in data['annotations']
           if a['image_id'] in imgs and _positive_area(a['area'])]
    # federated evaluation scores a detection only where its category is
    # annotated in the image (present, or in neg_category_ids). The others
    # are dropped here rather than by faster-coco-eval, whose segm path
    # fails on a dropped detection of an image without ground truth
    # (1.8.0: IndexError unordered_map::at) and would compute its mask.
    judged = {img['id']: set(img.get('neg_category_ids', ()))
              for img in data['images'] if img['id'] in imgs}
    for a in gts:
        judged[a['image_id']].add(a['category_id'])
    # the cap runs over every detection of an image, as in LVISResults,
    # before the image and category selection
    capped = cap_detections_per_image(detections)
    box_area = bool(capped) and 'bbox' in capped[0]
    if not box_area:
        from faster_coco_eval.core import mask as mask_utils
    dts = []
    for d in capped:
        if d['image_id'] not in imgs or d['category_id'] not in cats \
                or d['category_id'] not in judged[d['image_id']]:
            continue
        area = (d['bbox'][2] * d['bbox'][3]
                if box_area else float(mask_utils.area(d['segmentation'])))
        if not _positive_area(area):
            continue
        rec = dict(id=len(dts) + 1, image_id=d['image_id'],
                   category_id=d['category_id'], score=d['score'],
                   area=area, iscrowd=0)
        if 'bbox' in d:
            rec['bbox'] = list(d['bbox'])
        if iou_type == 'segm':
            rec['segmentation'] = d['segmentation']
        dts.append(rec)
    if cats_per_chunk is None:
        # faster-coco-eval keeps about 1 KB per (image, category) pair while
        # it evaluates; bound that to about half a GB
        cats_per_chunk = max(1, _PAIRS_PER_CHUNK // len(img_ids))
    n_chunks = max(nproc, math.ceil(len(cat_ids) / cats_per_chunk))
    n_chunks = min(n_chunks, len(cat_ids))
    chunk_cats = [list(map(int, c))
                  for c in np.array_split(np.asarray(cat_ids), n_chunks)]
    chunk_of = {c: i for i, chunk in enumerate(chunk_cats) for c in chunk}
    chunk_gts: List[list] = [[] for _ in chunk_cats]
    chunk_dts: List[list] = [[] for _ in chunk_cats]
    for a in gts:
        chunk_gts[chunk_of[a['category_id']]].append(a)
    for d in dts:
        chunk_dts[chunk_of[d['category_id']]].append(d)
    cat_records = {c['id']: c for c in data['categories']}
    chunks = [(dict(images=data['images'],
                    categories=[cat_records[c] for c in chunk_cats[i]],
                    annotations=chunk_gts[i]), chunk_dts[i], iou_type,
               img_ids, chunk_cats[i]) for i in range(n_chunks)]
    if nproc == 1 or n_chunks == 1:
        parts = [_faster_eval_chunk(*c) for c in chunks]
    else:
        import multiprocessing as mp
        try:
            ctx = mp.get_context('fork')
        except ValueError as e:
            raise ValueError('nproc > 1 needs the fork start method (Linux, '
                             'macOS); use nproc=1') from e
        _FORK_CHUNKS = chunks
        try:
            with ctx.Pool(min(nproc, n_chunks)) as pool:
                parts = pool.map(_faster_eval_forked, range(n_chunks),
                                 chunksize=1)
        finally:
            _FORK_CHUNKS = None
    return (np.concatenate([p for p, _ in parts], axis=2),
            np.concatenate([r for _, r in parts], axis=1))


def _faster_eval_forked(i: int) -> Tuple[np.ndarray, np.ndarray]:
    return _faster_eval_chunk(*_FORK_CHUNKS[i])


def _faster_eval_chunk(gt_data: dict, dts: List[dict], iou_type: str,
                       img_ids: List[int], cat_ids: List[int]
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """faster-coco-eval's LVIS-mode precision [T, R, K, A] and recall
    [T, K, A] of the categories ``cat_ids`` (their ground truth and
    detections only)."""
    import copy

    import faster_coco_eval.faster_eval_api_cpp as _C
    from faster_coco_eval import COCO, COCOeval_faster

    def quiet(*args, **kwargs):
        pass

    coco_gt = COCO(gt_data, print_function=quiet)
    # the result records already carry what ``loadRes`` would add (id, area,
    # iscrowd); indexing them directly skips its per-record Python loop
    coco_dt = COCO(print_function=quiet)
    coco_dt.dataset = dict(images=gt_data['images'],
                           categories=gt_data['categories'],
                           annotations=dts)
    coco_dt.createIndex()
    ev = COCOeval_faster(coco_gt, coco_dt, iou_type, lvis_style=True,
                         print_function=quiet)
    p = ev.params
    p.imgIds = list(img_ids)
    p.catIds = list(cat_ids)
    p.maxDets = [LVIS_MAX_DETS]
    ev._prepare()  # federated filtering, masks, the C++ data sets
    # COCOeval_faster.evaluate() builds a Python dict over every (image,
    # category) pair, most of them empty at LVIS scale (1230 categories):
    # the nested IoU list its C++ core reads is built here directly, with
    # IoUs only for the pairs that have both ground truth and detections
    img_index = {img: i for i, img in enumerate(p.imgIds)}
    cat_index = {cat: k for k, cat in enumerate(p.catIds)}
    empty: list = []
    ious = [[empty] * len(p.catIds) for _ in p.imgIds]
    for img, cat in ev._nonempty_iou_pairs:
        ious[img_index[img]][cat_index[cat]] = ev.computeIoU(img, cat)
    ev.eval = _C.COCOevalEvaluateAccumulate(copy.deepcopy(p), ious,
                                            ev.gt_dataset, ev.dt_dataset,
                                            p.imgIds, p.catIds, True)
    # [T, R, K, A, M] and [T, K, A, M] with the single maxDets entry
    return (np.asarray(ev.eval['precision'])[..., -1],
            np.asarray(ev.eval['recall'])[..., -1])
