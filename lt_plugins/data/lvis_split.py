"""Cut a class-balanced held-out split out of an LVIS training annotation file.

CDB (SPEC section 1; seed 001, section 3.1) measures per-category performance
on a class-balanced split that is neither train nor test. LVIS ships no such
split, so :func:`split_lvis_heldout` takes one out of the training images: up
to ``images_per_category`` images per category, chosen greedily with the
rarest categories first, while never taking more than half of a category's
images (``max_heldout_fraction``) nor its last ``min_train_images`` training
images. Both outputs are LVIS dicts in the input's format (v0.5 or v1, see
:mod:`lt_plugins.data.lvis_version`) that the ``lvis`` API (and so mmdet's
``LVISMetric``) loads.

Only ``json`` and ``numpy`` are used, so the split can be made without any
detection framework installed.
"""
import copy
import json
import math
import os
import os.path as osp
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from lt_plugins.data.lvis_version import lvis_version


def frequency_group(image_count: int) -> str:
    """LVIS frequency group of a category from its training image count."""
    if image_count <= 10:
        return 'r'
    if image_count <= 100:
        return 'c'
    return 'f'


FREQUENCY_GROUPS: Tuple[str, ...] = ('r', 'c', 'f')
_GROUP_NAMES = {'r': 'rare', 'c': 'common', 'f': 'frequent'}
# per-image fields the LVIS evaluator needs (federated negatives and
# categories whose instances are not all annotated)
_IMAGE_LIST_FIELDS = ('neg_category_ids', 'not_exhaustive_category_ids')


@dataclass
class FrequencyGroupSummary:
    """Held-out statistics of one LVIS frequency group.

    The group of a category is the ``frequency`` of the input annotation file
    (the official LVIS group for the real data), not a recomputed one.

    Attributes:
        group (str): ``'r'``, ``'c'`` or ``'f'``.
        categories (int): Categories in the group.
        heldout_images (int): Distinct held-out images that contain at least
            one category of the group.
        heldout_per_category_mean (float): Mean number of held-out images per
            category of the group (0 for an empty group).
        heldout_per_category_min (int): Fewest held-out images of a category.
        heldout_per_category_max (int): Most held-out images of a category
            (may exceed the cap: an image picked for one category also counts
            for every other category it contains).
        categories_at_cap (int): Categories with at least the cap.
        categories_without_heldout (int): Categories with no held-out image;
            CDB gets no AP for them (SPEC section 1, missing categories).
        min_train_images (int): Fewest training images left to a category.
        categories_changing_group (int): Categories whose frequency group in
            the new training file differs from the input (always 0 when the
            counts are kept).
    """

    group: str
    categories: int = 0
    heldout_images: int = 0
    heldout_per_category_mean: float = 0.0
    heldout_per_category_min: int = 0
    heldout_per_category_max: int = 0
    categories_at_cap: int = 0
    categories_without_heldout: int = 0
    min_train_images: int = 0
    categories_changing_group: int = 0


@dataclass
class HeldoutSplitSummary:
    """What :func:`split_lvis_heldout` did.

    Attributes:
        images_per_category (int): The cap used.
        seed (int): The seed used.
        min_train_images (int): The per-category training floor used.
        max_heldout_fraction (float): The per-category held-out fraction used.
        recompute_frequency (bool): Whether the training file's category counts
            and frequency groups were recomputed.
        train_images (int): Images in the training split.
        heldout_images (int): Images in the held-out split.
        train_annotations (int): Annotations in the training split.
        heldout_annotations (int): Annotations in the held-out split.
        lvis_version (str): Format of the input and both outputs, ``'v0.5'``
            or ``'v1'`` (:func:`lt_plugins.data.lvis_version.lvis_version`).
        groups (dict): ``{'r'|'c'|'f': FrequencyGroupSummary}``.
        heldout_per_category (dict): Category id -> held-out images.
        train_per_category (dict): Category id -> training images left.
    """

    images_per_category: int
    seed: int
    min_train_images: int
    max_heldout_fraction: float
    recompute_frequency: bool
    train_images: int
    heldout_images: int
    train_annotations: int
    heldout_annotations: int
    lvis_version: str = ''
    groups: Dict[str, FrequencyGroupSummary] = field(default_factory=dict)
    heldout_per_category: Dict[int, int] = field(default_factory=dict)
    train_per_category: Dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain-dict form (JSON serialisable)."""
        return asdict(self)

    def format_table(self) -> str:
        """Human-readable table, one row per frequency group plus a total."""
        header = (f'{"group":<9} {"cats":>5} {"held-out imgs":>13} '
                  f'{"per cat mean/min/max":>21} {"at cap":>6} '
                  f'{"none":>5} {"min train":>9} {"new group":>9}')
        lines = [
            f'LVIS {self.lvis_version or "(version unknown)"}: '
            f'held-out cap {self.images_per_category} images per category, '
            f'seed {self.seed}, min train images {self.min_train_images}, '
            f'max held-out fraction {self.max_heldout_fraction:g}, '
            'training counts '
            f'{"recomputed" if self.recompute_frequency else "kept"}', header,
            '-' * len(header)
        ]
        for g in FREQUENCY_GROUPS:
            s = self.groups[g]
            per_cat = (f'{s.heldout_per_category_mean:.1f}/'
                       f'{s.heldout_per_category_min}/'
                       f'{s.heldout_per_category_max}')
            lines.append(
                f'{_GROUP_NAMES[g]:<9} {s.categories:>5} '
                f'{s.heldout_images:>13} {per_cat:>21} '
                f'{s.categories_at_cap:>6} '
                f'{s.categories_without_heldout:>5} {s.min_train_images:>9} '
                f'{s.categories_changing_group:>9}')
        lines.append('-' * len(header))
        lines.append(f'images: {self.train_images} train, '
                     f'{self.heldout_images} held-out; annotations: '
                     f'{self.train_annotations} train, '
                     f'{self.heldout_annotations} held-out')
        return '\n'.join(lines)


def heldout_coverage_problems(summary: HeldoutSplitSummary,
                              categories: Optional[List[dict]] = None,
                              shown: int = 10) -> List[str]:
    """What a held-out split leaves CDB unable to measure, as sentences.

    Two problems are reported: an empty held-out split (training with it
    fails at the first measurement), and categories without a held-out
    image (CDB measures no AP for them; they take the mean difficulty of the
    measured ones, SPEC section 1). ``tools/make_lvis_heldout.py`` prints
    them as warnings and refuses to write the split under ``--strict``.

    Args:
        summary (HeldoutSplitSummary): What :func:`split_lvis_heldout`
            returned.
        categories (list[dict], optional): The input's category records,
            for names in the message.
        shown (int): Categories named at most. Defaults to 10.

    Returns:
        list[str]: One sentence per problem; empty when every category has
        at least one held-out image.
    """
    names = {c['id']: c.get('name', str(c['id'])) for c in categories or ()}
    limit = (f'at most floor({summary.max_heldout_fraction:g} * n) of a '
             f'category\'s n images may be held out and at least '
             f'{summary.min_train_images} must stay in training')
    problems = []
    if summary.heldout_images == 0:
        problems.append(
            'the held-out split is empty: no image could be held out ('
            f'{limit}; an image is held out only if every category in it '
            'keeps that many). CDB needs held-out images to measure '
            'anything; a hook given this file refuses to train')
    missing = [c for c, n in summary.heldout_per_category.items() if n == 0]
    if missing and summary.heldout_images > 0:
        per_group = ', '.join(
            f'{_GROUP_NAMES[g]} {summary.groups[g].categories_without_heldout}'
            for g in FREQUENCY_GROUPS
            if summary.groups[g].categories_without_heldout)
        named = ', '.join(f'{names.get(c, c)}' for c in missing[:shown])
        more = f' (+{len(missing) - shown} more)' if len(missing) > shown \
            else ''
        problems.append(
            f'{len(missing)} of {len(summary.heldout_per_category)} '
            f'categories have no held-out image ({per_group}): {named}'
            f'{more}. CDB measures no AP for them; they take the mean '
            f'difficulty of the measured categories ({limit}; a category '
            'with a single image can never be held out)')
    return problems


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f'{name} must be an int, got {value!r}')
    if value < minimum:
        raise ValueError(f'{name} must be >= {minimum}, got {value}')
    return int(value)


def check_lvis_annotations(ann: dict) -> None:
    """Raise if ``ann`` is not an LVIS (v0.5 or v1) annotation dict.

    Checks what the split and the LVIS evaluator rely on: the ``images``,
    ``annotations`` and ``categories`` lists, unique image and category ids,
    the per-image ``neg_category_ids``/``not_exhaustive_category_ids`` lists,
    a per-category ``frequency`` in ``r``/``c``/``f``, and that every
    annotation refers to a known image and category.

    Args:
        ann (dict): Parsed LVIS annotation json.

    Raises:
        TypeError, ValueError: Naming the offending key or record.
    """
    if not isinstance(ann, dict):
        raise TypeError(f'an LVIS annotation file holds a dict, got '
                        f'{type(ann).__name__}')
    for key in ('images', 'annotations', 'categories'):
        if key not in ann:
            raise ValueError(f'LVIS annotations lack the {key!r} list '
                             f'(keys: {sorted(ann)})')
        if not isinstance(ann[key], list):
            raise TypeError(f'LVIS {key!r} must be a list, got '
                            f'{type(ann[key]).__name__}')
    image_ids = set()
    for img in ann['images']:
        if not isinstance(img, dict) or 'id' not in img:
            raise ValueError(f'LVIS image record without an id: {img!r:.200}')
        if img['id'] in image_ids:
            raise ValueError(f'duplicate image id {img["id"]!r}')
        image_ids.add(img['id'])
        for key in _IMAGE_LIST_FIELDS:
            if not isinstance(img.get(key), list):
                raise ValueError(
                    f'image {img["id"]!r} has no {key!r} list; it is needed '
                    'by LVIS federated evaluation (is this an LVIS file?)')
    cat_ids = set()
    for cat in ann['categories']:
        if not isinstance(cat, dict) or 'id' not in cat:
            raise ValueError(
                f'LVIS category record without an id: {cat!r:.200}')
        if cat['id'] in cat_ids:
            raise ValueError(f'duplicate category id {cat["id"]!r}')
        cat_ids.add(cat['id'])
        if cat.get('frequency') not in FREQUENCY_GROUPS:
            raise ValueError(
                f'category {cat["id"]!r} has frequency '
                f'{cat.get("frequency")!r}; expected one of '
                f'{FREQUENCY_GROUPS}')
    for a in ann['annotations']:
        if a.get('image_id') not in image_ids:
            raise ValueError(f'annotation {a.get("id")!r} refers to unknown '
                             f'image id {a.get("image_id")!r}')
        if a.get('category_id') not in cat_ids:
            raise ValueError(
                f'annotation {a.get("id")!r} refers to unknown category id '
                f'{a.get("category_id")!r}')


def lvis_subset(ann: dict,
                image_ids: Iterable,
                categories: Optional[List[dict]] = None) -> dict:
    """LVIS dict holding only some images and their annotations.

    Image records (with ``neg_category_ids`` and
    ``not_exhaustive_category_ids``) and annotation records are kept as they
    are and in input order; ``info``, ``licenses`` and any other top-level key
    are carried over. The records are shared with ``ann``, not copied.

    Args:
        ann (dict): LVIS annotation dict.
        image_ids (Iterable): Ids of the images to keep; each must be in
            ``ann``.
        categories (list[dict], optional): Category records for the subset.
            Defaults to a copy of ``ann['categories']`` (so each category
            keeps its ``frequency``, which sets the APr/APc/APf groups of an
            evaluation on the subset).

    Returns:
        dict: The subset.

    Raises:
        ValueError: If an id in ``image_ids`` is not an image of ``ann``.
    """
    keep = set(image_ids)
    known = {img['id'] for img in ann['images']}
    unknown = keep - known
    if unknown:
        raise ValueError(f'image ids not in the annotations: '
                         f'{sorted(unknown, key=str)[:10]}')
    out = {
        k: v
        for k, v in ann.items()
        if k not in ('images', 'annotations', 'categories')
    }
    out['images'] = [img for img in ann['images'] if img['id'] in keep]
    out['annotations'] = [
        a for a in ann['annotations'] if a['image_id'] in keep
    ]
    out['categories'] = (copy.deepcopy(ann['categories'])
                         if categories is None else categories)
    return out


def write_lvis_subset(ann: dict,
                      image_ids: Iterable,
                      path: str,
                      categories: Optional[List[dict]] = None) -> dict:
    """Write :func:`lvis_subset` of ``ann`` to ``path`` as LVIS json.

    mmdet's ``LVISMetric`` scores every image of its annotation file, so a
    subset to be scored on its own must be a file of its own.

    Args:
        ann (dict): LVIS annotation dict.
        image_ids (Iterable): Ids of the images to keep.
        path (str): Output json path; its folder is created.
        categories (list[dict], optional): See :func:`lvis_subset`.

    Returns:
        dict: The subset that was written.
    """
    subset = lvis_subset(ann, image_ids, categories)
    dump_lvis_json(subset, path)
    return subset


def dump_lvis_json(ann: dict, path: str) -> None:
    """Write an LVIS dict to ``path`` (folder created, compact json)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(ann, f)


def recompute_category_counts(categories: List[dict],
                              annotations: List[dict]) -> List[dict]:
    """Category records with counts and frequency taken from annotations.

    ``image_count`` is the number of distinct images with an annotation of
    the category, ``instance_count`` the number of annotations, and
    ``frequency`` the LVIS group of ``image_count`` (rare 1-10, common
    11-100, frequent > 100). A category without any annotation keeps its
    original ``frequency`` (there is nothing to derive a group from).

    Args:
        categories (list[dict]): Input category records (not modified).
        annotations (list[dict]): Annotations of the split.

    Returns:
        list[dict]: New category records, same order.
    """
    images: Dict[int, set] = {}
    instances: Dict[int, int] = {}
    for a in annotations:
        images.setdefault(a['category_id'], set()).add(a['image_id'])
        instances[a['category_id']] = instances.get(a['category_id'], 0) + 1
    out = []
    for cat in categories:
        new = copy.deepcopy(cat)
        n_img = len(images.get(cat['id'], ()))
        new['image_count'] = n_img
        new['instance_count'] = instances.get(cat['id'], 0)
        if n_img > 0:
            new['frequency'] = frequency_group(n_img)
        out.append(new)
    return out


def split_lvis_heldout(
    ann: dict,
    images_per_category: int = 10,
    seed: int = 0,
    min_train_images: int = 1,
    recompute_frequency: bool = True,
    max_heldout_fraction: float = 0.5,
) -> Tuple[dict, dict, HeldoutSplitSummary]:
    """Split LVIS training annotations into a training and a held-out part.

    Selection (greedy, deterministic for a given ``seed``):

    1. Categories are visited from the fewest to the most images in ``ann``
       (ties in a seeded random order), so the rare categories, which have
       the fewest candidate images, pick first.
    2. For a category below the cap, its not yet held-out images are ordered
       by how many *other* categories in the image already reached the cap
       (fewest first: it limits overshooting the cap of frequent categories,
       which co-occur with everything), then by a seeded random rank; they
       are taken in that order until the category reaches the cap.
    3. An image may be held out only if every category in it keeps at least
       ``max(min_train_images, n - floor(max_heldout_fraction * n))``
       training images, ``n`` being its image count in ``ann``.

    An image counts for every category it contains, so frequent categories
    usually end above the cap. With the defaults a category with ``n``
    images gives at most ``floor(n / 2)`` of them and keeps at least
    ``ceil(n / 2)``: a 1-image category gives none (it is never measured
    and takes the mean difficulty, SPEC section 1), a 2- or 3-image one at
    most 1, a 10-image one at most 5.

    Both returned dicts hold the input's image records unchanged (so each
    image keeps its ``neg_category_ids`` and ``not_exhaustive_category_ids``)
    and every annotation of their images; image and annotation records are
    shared with ``ann``, not copied. The held-out dict's categories are a copy
    of the input's (its ``frequency`` defines the APr/APc/APf groups when the
    held-out file is evaluated, as the official groups do for LVIS val).

    Args:
        ann (dict): Parsed LVIS v0.5 or v1 training annotation json.
        images_per_category (int): Cap of held-out images per category
            (>= 1). Defaults to 10.
        seed (int): Seed of the tie-breaking order (0 <= seed < 2**32).
            Defaults to 0.
        min_train_images (int): Training images no category may go below
            (>= 1). Defaults to 1.
        recompute_frequency (bool): If True (default), the training dict's
            category ``image_count``, ``instance_count`` and ``frequency`` are
            recomputed from the training split, so the file describes its own
            content. If False, the input's category records are kept, so the
            training file still carries the input's (official) groups. The
            groups used for APr/APc/APf at evaluation come from the file the
            evaluator reads (LVIS val, or the held-out file) and are not
            affected by this choice.
        max_heldout_fraction (float): Largest fraction of a category's images
            that may be held out, in (0, 1]. Defaults to 0.5, so the rare
            LVIS categories (1-10 images) keep at least half of their images
            for training; 1.0 leaves only ``min_train_images`` as a limit
            (a 10-image category could keep a single training image).

    Returns:
        tuple: ``(train_ann, heldout_ann, summary)``: two LVIS dicts and a
        :class:`HeldoutSplitSummary`.

    Raises:
        TypeError, ValueError: For a malformed ``ann`` or a bad argument,
            naming it.
    """
    cap = _check_int('images_per_category', images_per_category, 1)
    min_train = _check_int('min_train_images', min_train_images, 1)
    seed = _check_int('seed', seed, 0)
    if seed >= 2**32:
        raise ValueError(f'seed must be < 2**32, got {seed}')
    if not isinstance(recompute_frequency, (bool, np.bool_)):
        raise TypeError(
            f'recompute_frequency must be a bool, got {recompute_frequency!r}')
    if isinstance(max_heldout_fraction, bool) or not isinstance(
            max_heldout_fraction, (int, float, np.floating, np.integer)):
        raise TypeError('max_heldout_fraction must be a float, got '
                        f'{max_heldout_fraction!r}')
    frac = float(max_heldout_fraction)
    if not 0.0 < frac <= 1.0:
        raise ValueError(
            f'max_heldout_fraction must be in (0, 1], got {frac!r}')
    check_lvis_annotations(ann)
    # v0.5 and v1 differ only in the image records, which are copied whole
    version = lvis_version(ann)

    images, categories = ann['images'], ann['categories']
    img_pos = {img['id']: i for i, img in enumerate(images)}
    cat_pos = {cat['id']: k for k, cat in enumerate(categories)}
    img_cat_sets: List[set] = [set() for _ in images]
    for a in ann['annotations']:
        img_cat_sets[img_pos[a['image_id']]].add(cat_pos[a['category_id']])
    img_cats = [sorted(s) for s in img_cat_sets]
    cat_imgs: List[List[int]] = [[] for _ in categories]
    for i, cats in enumerate(img_cats):
        for k in cats:
            cat_imgs[k].append(i)

    n_orig = np.array([len(v) for v in cat_imgs], dtype=np.int64)
    # the fewest training images category k must keep, from both limits
    floor = np.array([
        max(min_train, n - math.floor(frac * n + 1e-9)) for n in n_orig
    ], dtype=np.int64)
    n_train = n_orig.copy()
    n_held = np.zeros(len(categories), dtype=np.int64)
    is_held = np.zeros(len(images), dtype=bool)

    rng = np.random.RandomState(seed)
    img_rank = rng.permutation(len(images))
    cat_tie = rng.permutation(len(categories))
    # np.lexsort sorts by the last key first: fewest images, then random
    for k in np.lexsort((cat_tie, n_orig)):
        if n_held[k] >= cap or n_train[k] <= floor[k]:
            continue
        capped = n_held >= cap
        # images whose other categories already reached the cap go last
        cands = sorted((i for i in cat_imgs[k] if not is_held[i]),
                       key=lambda i: (int(capped[img_cats[i]].sum()),
                                      img_rank[i]))
        for i in cands:
            if n_held[k] >= cap or n_train[k] <= floor[k]:
                break
            cats = img_cats[i]
            if all(n_train[j] > floor[j] for j in cats):
                is_held[i] = True
                n_held[cats] += 1
                n_train[cats] -= 1

    heldout_ids = [img['id'] for img, h in zip(images, is_held) if h]
    train_ids = [img['id'] for img, h in zip(images, is_held) if not h]
    heldout_ann = lvis_subset(ann, heldout_ids)
    train_ann = lvis_subset(ann, train_ids, categories=[])
    train_ann['categories'] = (recompute_category_counts(
        categories, train_ann['annotations']) if recompute_frequency else
                               copy.deepcopy(categories))

    groups = {}
    for g in FREQUENCY_GROUPS:
        ks = [k for k, c in enumerate(categories) if c['frequency'] == g]
        s = FrequencyGroupSummary(group=g, categories=len(ks))
        if ks:
            held = n_held[ks]
            s.heldout_images = int(
                sum(1 for i in np.flatnonzero(is_held)
                    if any(categories[j]['frequency'] == g
                           for j in img_cats[i])))
            s.heldout_per_category_mean = float(held.mean())
            s.heldout_per_category_min = int(held.min())
            s.heldout_per_category_max = int(held.max())
            s.categories_at_cap = int((held >= cap).sum())
            s.categories_without_heldout = int((held == 0).sum())
            s.min_train_images = int(n_train[ks].min())
            s.categories_changing_group = sum(
                1 for k in ks if train_ann['categories'][k]['frequency'] != g)
        groups[g] = s
    summary = HeldoutSplitSummary(
        images_per_category=cap,
        seed=seed,
        min_train_images=min_train,
        max_heldout_fraction=frac,
        recompute_frequency=bool(recompute_frequency),
        train_images=len(train_ann['images']),
        heldout_images=len(heldout_ann['images']),
        train_annotations=len(train_ann['annotations']),
        heldout_annotations=len(heldout_ann['annotations']),
        lvis_version=version,
        groups=groups,
        heldout_per_category={
            c['id']: int(n_held[k])
            for k, c in enumerate(categories)
        },
        train_per_category={
            c['id']: int(n_train[k])
            for k, c in enumerate(categories)
        })
    return train_ann, heldout_ann, summary
