"""An LVIS-like long-tailed detection data set in genuine LVIS v0.5 format.

The statistics are fixed up front from LVIS v0.5, never from a method's
outcome:

- **Group proportions.** LVIS v0.5 has 1230 categories: 454 rare, 461 common
  and 315 frequent. Counted from the ``frequency`` field of the v0.5 category
  list that detectron2 ships
  (``detectron2/data/datasets/lvis_v0_5_categories.py``, generated from
  ``lvis_v0.5_val.json``); the same numbers are usually quoted for LVIS v0.5.
  ``C`` categories are split in these proportions by the largest-remainder
  method (:func:`group_sizes`): 37 / 37 / 26 for ``C = 100``.
- **Group ranges.** The LVIS paper (Gupta et al., CVPR 2019, section 4)
  groups categories by the number of training images they appear in: rare
  1-10, common 11-100, frequent > 100. Every category here appears in
  exactly its planned number of training images, so its ``frequency`` is its
  planned group.
- **Counts within a group.** Rare: uniform on 1-10. Common: log-uniform on
  11-100. Frequent: log-uniform on 101-``frequent_max_images``. A
  log-uniform count has density ~ 1/n, the Zipf-like tail of LVIS; real
  frequent categories reach thousands of images, which a 2-core machine
  cannot train on in minutes, so the ``default`` size caps them at 150 and
  the ``large`` size at 1000 (:data:`SIZE_PRESETS`).

What is not LVIS' and why:

- **Images are synthetic**: coloured, patterned polygons (the shapes of
  :mod:`lt_plugins.data.toy_lvis`) on a noisy background, with unlabeled
  grey distractors. A category is a (shape, pattern, colour) triple.
- **Visual difficulty is decoupled from frequency**: the same fraction of
  every group (``confusable_fraction``) is put into *confusable clusters*,
  categories that share shape and pattern and differ only by a small hue step;
  the other categories are *distinct*. So some rare categories are easy
  (distinct) and some frequent ones are confusable with each other (the
  first cluster always holds two frequent categories when there are two).
- **Denser images**: ``categories_per_image`` (default 5.5) categories per
  image, so that the number of images, which sets the training cost, stays
  small for a given number of category occurrences.
- **Federated lists**: ``neg_category_ids`` are ``neg_categories_per_image``
  categories verified absent from the image (sampled among the absent ones);
  ``not_exhaustive_category_ids`` lists a category of which one of two
  instances was left unannotated (probability ``not_exhaustive_prob`` per
  image), as in LVIS where such categories are not penalised for unmatched
  detections.

Files written (the layout of ``data/lvis_v0.5``)::

    out_dir/annotations/lvis_v0.5_train.json      long-tailed training set
    out_dir/annotations/lvis_v0.5_val.json        validation set
    out_dir/annotations/lvis_v0.5_train_cdb.json  training set minus held-out
    out_dir/annotations/lvis_v0.5_heldout.json    CDB's held-out split
    out_dir/annotations/balanced_pretrain.json    balanced pretraining set
    out_dir/{train2017,val2017,pretrain2017}/*.jpg

The validation file carries the training set's category records (counts
and groups), as LVIS val does, so APr/APc/APf group categories by their
training images. The balanced pretraining set stands in for COCO in the CDB
paper's protocol (pretrain on a balanced set, fine-tune on LVIS): every
category appears in ``pretrain_images_per_category`` images. The held-out
split is cut with :func:`lt_plugins.data.lvis_split.split_lvis_heldout`.
Every json records the generator arguments under ``info['generator']`` and
each category's appearance under ``info['appearance']``. The same arguments
give the same files, byte for byte (docs/lvis_like_benchmark.md).
"""
import colorsys
import json
import math
import os
import os.path as osp
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

from lt_plugins.data.lvis_split import frequency_group, split_lvis_heldout
from lt_plugins.data.toy_lvis import _iou, _shape_polygon

#: Categories per frequency group in LVIS v0.5 (1230 in all), counted from
#: detectron2's ``lvis_v0_5_categories.py``.
LVIS_V05_GROUP_COUNTS: Dict[str, int] = {'r': 454, 'c': 461, 'f': 315}
#: Training-image ranges of the LVIS frequency groups (inclusive).
GROUP_RANGES: Dict[str, Tuple[int, int]] = {
    'r': (1, 10), 'c': (11, 100), 'f': (101, 10**9)}
SHAPES: Tuple[str, ...] = ('circle', 'ellipse', 'square', 'rectangle',
                           'diamond', 'triangle', 'pentagon', 'hexagon',
                           'star', 'cross')
PATTERNS: Tuple[str, ...] = ('solid', 'hstripes', 'vstripes', 'checker',
                             'ring', 'split')
MAX_CATEGORIES = sum(LVIS_V05_GROUP_COUNTS.values())

#: Size presets of :func:`generate_lvis_like` (and of the CLI's ``--size``).
#: ``default`` trains in about a quarter of an hour per run on two CPU cores;
#: ``large`` has LVIS v0.5's 1230 categories for users with GPUs.
SIZE_PRESETS: Dict[str, dict] = {
    'default': dict(num_categories=100, frequent_max_images=150,
                    categories_per_image=5.5,
                    val_images_per_category=(12, 24, 36),
                    pretrain_images_per_category=6, image_size=160),
    'large': dict(num_categories=1230, frequent_max_images=1000,
                  categories_per_image=5.5,
                  val_images_per_category=(12, 24, 36),
                  pretrain_images_per_category=40, image_size=160),
}


@dataclass
class DifficultyKnobs:
    """How hard the images are; calibrated against the CE baseline only.

    The defaults are the third calibration round of
    docs/lvis_like_benchmark.md (CE, seed 0, default size: AP 28.5, APr 14.8,
    APc 32.4, APf 42.3); no other method was run to choose them.

    Args:
        background_noise (float): Amplitude of the per-pixel background noise
            (uniform, in 0-255 units). Defaults to 55.
        pixel_noise (float): Std of Gaussian noise added to the whole image
            after drawing, objects included. Defaults to 30.
        colour_jitter (float): Per-instance RGB jitter amplitude. Defaults
            to 30.
        confusable_fraction (float): Fraction of each frequency group placed
            in confusable clusters. Defaults to 0.8.
        cluster_size (int): Categories per confusable cluster. Defaults to 3.
        confusable_hue_step (float): Hue difference (degrees) between the
            members of a cluster; they share shape, pattern, saturation and
            value. Defaults to 6.
        size_range (tuple): Object radius as a fraction of the image side,
            (min, max). Defaults to (0.025, 0.07).
        distractors_per_image (int): Unlabeled grey polygons per image.
            Defaults to 4.
        second_instance_prob (float): Probability that a category present in
            an image has a second instance. Defaults to 0.2.
    """

    background_noise: float = 55.0
    pixel_noise: float = 30.0
    colour_jitter: float = 30.0
    confusable_fraction: float = 0.8
    cluster_size: int = 3
    confusable_hue_step: float = 6.0
    size_range: Tuple[float, float] = (0.025, 0.07)
    distractors_per_image: int = 4
    second_instance_prob: float = 0.2

    def check(self) -> None:
        """Raise ``ValueError`` naming the first knob out of range."""
        for name in ('background_noise', 'pixel_noise', 'colour_jitter',
                     'confusable_hue_step'):
            if not getattr(self, name) >= 0:
                raise ValueError(f'{name} must be >= 0, got '
                                 f'{getattr(self, name)!r}')
        for name in ('confusable_fraction', 'second_instance_prob'):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f'{name} must be in [0, 1], got '
                                 f'{getattr(self, name)!r}')
        if int(self.cluster_size) != self.cluster_size or \
                self.cluster_size < 2:
            raise ValueError(f'cluster_size must be an int >= 2, got '
                             f'{self.cluster_size!r}')
        lo, hi = self.size_range
        if not 0 < lo <= hi < 0.5:
            raise ValueError('size_range must satisfy 0 < min <= max < 0.5, '
                             f'got {self.size_range!r}')
        if int(self.distractors_per_image) != self.distractors_per_image \
                or self.distractors_per_image < 0:
            raise ValueError('distractors_per_image must be an int >= 0, got '
                             f'{self.distractors_per_image!r}')


def group_sizes(num_categories: int) -> Dict[str, int]:
    """Rare/common/frequent category counts in LVIS v0.5's proportions.

    Largest-remainder apportionment of ``num_categories`` over 454 : 461 :
    315 (ties go to the earlier group in r, c, f order), so the result sums
    to ``num_categories`` and equals LVIS v0.5's counts for 1230.

    Args:
        num_categories (int): ``C``, 3 <= C <= 1230.

    Returns:
        dict: ``{'r': n_r, 'c': n_c, 'f': n_f}``.
    """
    if isinstance(num_categories, bool) or not isinstance(
            num_categories, (int, np.integer)) or not \
            3 <= num_categories <= MAX_CATEGORIES:
        raise ValueError(f'num_categories must be an int in [3, '
                         f'{MAX_CATEGORIES}], got {num_categories!r}')
    quotas = {g: num_categories * n / MAX_CATEGORIES
              for g, n in LVIS_V05_GROUP_COUNTS.items()}
    sizes = {g: int(math.floor(q)) for g, q in quotas.items()}
    left = num_categories - sum(sizes.values())
    order = sorted('rcf', key=lambda g: (-(quotas[g] - sizes[g]),
                                         'rcf'.index(g)))
    for g in order[:left]:
        sizes[g] += 1
    return sizes


def _draw_counts(rng: np.random.RandomState, group: str, n: int,
                 frequent_max: int) -> np.ndarray:
    """Training-image counts of ``n`` categories of one group."""
    if group == 'r':
        return rng.randint(1, 11, size=n)
    lo, hi = (11, 100) if group == 'c' else (101, frequent_max)
    # log-uniform on the integers lo..hi: floor of exp(U(ln lo, ln(hi+1)))
    u = rng.uniform(math.log(lo), math.log(hi + 1), size=n)
    return np.clip(np.floor(np.exp(u)).astype(int), lo, hi)


@dataclass
class CategoryPlan:
    """One category: its group, planned image count and appearance."""

    id: int
    name: str
    frequency: str
    train_images: int
    shape: str
    pattern: str
    rgb: Tuple[int, int, int]
    cluster: int  # -1: distinct


def plan_categories(num_categories: int = 100,
                    frequent_max_images: int = 150,
                    knobs: Optional[DifficultyKnobs] = None,
                    seed: int = 0) -> List[CategoryPlan]:
    """Groups, training-image counts and appearance of every category.

    Frequency groups are spread over the category ids in a seeded random
    order (LVIS ids are alphabetical, so groups are mixed there too).
    Appearance: confusable clusters and distinct categories are "units"
    dealt round-robin over the 60 (shape, pattern) combinations; the units of
    one combination get hues evenly spread around the colour circle; the
    members of a cluster sit ``confusable_hue_step`` degrees apart.

    Args:
        num_categories (int): ``C`` (3-1230).
        frequent_max_images (int): Upper end of the frequent range (> 101).
        knobs (DifficultyKnobs, optional): Defaults to ``DifficultyKnobs()``.
        seed (int): Random seed.

    Returns:
        list[CategoryPlan]: Ordered by id (1..C).
    """
    knobs = knobs or DifficultyKnobs()
    knobs.check()
    if not isinstance(frequent_max_images, (int, np.integer)) or \
            frequent_max_images < 101:
        raise ValueError('frequent_max_images must be an int >= 101 (LVIS '
                         f'frequent categories have > 100 training images), '
                         f'got {frequent_max_images!r}')
    sizes = group_sizes(num_categories)
    rng = np.random.RandomState(seed)
    groups = np.array(['r'] * sizes['r'] + ['c'] * sizes['c'] +
                      ['f'] * sizes['f'])
    groups = groups[rng.permutation(num_categories)]
    counts = np.zeros(num_categories, dtype=int)
    for g in 'rcf':
        idx = np.flatnonzero(groups == g)
        counts[idx] = _draw_counts(rng, g, len(idx), frequent_max_images)

    # confusable categories: the same fraction of every group, so visual
    # difficulty does not follow frequency
    confusable: List[int] = []
    for g in 'rcf':
        idx = np.flatnonzero(groups == g)
        k = int(round(knobs.confusable_fraction * len(idx)))
        confusable.extend(rng.choice(idx, size=k, replace=False).tolist())
    confusable = [confusable[i] for i in rng.permutation(len(confusable))]
    frequent = [c for c in confusable if groups[c] == 'f']
    if len(frequent) >= 2:  # guarantee one frequent-frequent confusion
        rest = [c for c in confusable if c not in frequent[:2]]
        confusable = frequent[:2] + rest
    size = int(knobs.cluster_size)
    clusters = [confusable[i:i + size]
                for i in range(0, len(confusable), size)]
    if len(clusters) > 1 and len(clusters[-1]) == 1:
        clusters[-2].extend(clusters.pop())
    if clusters and len(clusters[-1]) == 1:  # a lone "cluster" is distinct
        clusters.pop()
    in_cluster = {c for cl in clusters for c in cl}
    units: List[List[int]] = clusters + [
        [c] for c in range(num_categories) if c not in in_cluster]
    units = [units[i] for i in rng.permutation(len(units))]

    combos = [(s, p) for s in SHAPES for p in PATTERNS]
    combos = [combos[i] for i in rng.permutation(len(combos))]
    by_combo: Dict[int, List[List[int]]] = {}
    for u, unit in enumerate(units):
        by_combo.setdefault(u % len(combos), []).append(unit)
    plans: Dict[int, CategoryPlan] = {}
    cluster_ids = {id(cl): k for k, cl in enumerate(clusters)}
    for k, combo_units in by_combo.items():
        shape, pattern = combos[k]
        phase = rng.uniform(0, 360)
        for j, unit in enumerate(combo_units):
            centre = phase + 360.0 * j / len(combo_units)
            sat = rng.uniform(0.55, 0.9)
            val = rng.uniform(0.6, 0.95)
            for m, c in enumerate(unit):
                hue = centre + (m - (len(unit) - 1) / 2) * \
                    knobs.confusable_hue_step
                r, g_, b = colorsys.hsv_to_rgb((hue % 360) / 360, sat, val)
                plans[c] = CategoryPlan(
                    id=c + 1, name=f'cat_{c:04d}',
                    frequency=str(groups[c]),
                    train_images=int(counts[c]), shape=shape,
                    pattern=pattern,
                    rgb=(int(round(255 * r)), int(round(255 * g_)),
                         int(round(255 * b))),
                    cluster=cluster_ids.get(id(unit), -1)
                    if len(unit) > 1 else -1)
    return [plans[c] for c in range(num_categories)]


def _assign(rng: np.random.RandomState, num_images: int,
            counts: Sequence[int]) -> List[List[int]]:
    """Put category c in exactly ``counts[c]`` distinct images.

    Categories are placed from the most to the least frequent, each into the
    currently least loaded images (random tie-break), so images carry
    similar numbers of categories.
    """
    per_image: List[List[int]] = [[] for _ in range(num_images)]
    load = np.zeros(num_images)
    for c in np.argsort(-np.asarray(counts), kind='stable'):
        n = int(counts[c])
        if n > num_images:
            raise ValueError(f'category {c} needs {n} images but the split '
                             f'has {num_images}')
        chosen = np.argsort(load + rng.rand(num_images), kind='stable')[:n]
        for i in chosen:
            per_image[i].append(int(c))
        load[chosen] += 1
    return per_image


def _pattern_mask(pattern: str, poly, cx: float, cy: float, r: float,
                  xx: np.ndarray, yy: np.ndarray,
                  size: Tuple[int, int]) -> np.ndarray:
    """Pixels of the object drawn in the second (dark) colour."""
    step = max(2, int(round(r / 3)))
    if pattern == 'solid':
        return np.zeros(xx.shape, dtype=bool)
    if pattern == 'hstripes':
        return ((yy - int(cy)) // step) % 2 == 1
    if pattern == 'vstripes':
        return ((xx - int(cx)) // step) % 2 == 1
    if pattern == 'checker':
        return (((xx - int(cx)) // step + (yy - int(cy)) // step) % 2) == 1
    if pattern == 'split':
        return xx >= cx
    if pattern == 'ring':
        inner = [(cx + 0.55 * (x - cx), cy + 0.55 * (y - cy))
                 for x, y in poly]
        return _polygon_mask(inner, size)
    raise ValueError(f'unknown pattern {pattern!r}; use one of {PATTERNS}')


def _polygon_mask(poly, size: Tuple[int, int]) -> np.ndarray:
    img = Image.new('L', size, 0)
    ImageDraw.Draw(img).polygon([tuple(p) for p in poly], fill=1)
    return np.asarray(img, dtype=bool)


def _place(rng: np.random.RandomState, shape: str, image_size: int,
           knobs: DifficultyKnobs, boxes: List[List[float]],
           must: bool):
    """Polygon and box of a new instance that barely overlaps ``boxes``.

    Tries 30 random placements with IoU < 0.1 against every earlier box; a
    category's first instance (``must``) then accepts overlap, so every
    assigned category is present in its image.
    """
    lo, hi = knobs.size_range
    for attempt in range(60 if must else 30):
        limit = 0.1 if attempt < 30 else 0.5
        r = rng.uniform(lo, hi) * image_size
        cx = rng.uniform(r + 1, image_size - r - 1)
        cy = rng.uniform(r + 1, image_size - r - 1)
        poly = _shape_polygon(shape, cx, cy, r, rng.uniform(-0.25, 0.25))
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        box = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
        if all(_iou(box, b) < limit for b in boxes) or (
                must and attempt == 59):
            return poly, box, (cx, cy, r)
    return None


def _render_split(rng: np.random.RandomState, pixel_seed: Sequence[int],
                  plans: List[CategoryPlan], per_image: List[List[int]],
                  image_dir: Optional[str], prefix: str,
                  first_image_id: int, first_ann_id: int, image_size: int,
                  knobs: DifficultyKnobs, neg_per_image: int,
                  not_exhaustive_prob: float) -> Tuple[list, list]:
    """Lay out one split and, unless ``image_dir`` is None, draw it.

    ``rng`` decides everything the annotations hold (positions, instances,
    federated lists); pixels (background, colours, distractors, noise) come
    from a stream seeded per image with ``pixel_seed``, so the json files do
    not depend on whether images are written.
    """
    if image_dir is not None:
        os.makedirs(image_dir, exist_ok=True)
    size = (image_size, image_size)
    yy, xx = np.mgrid[0:image_size, 0:image_size]
    num_cats = len(plans)
    images, annotations = [], []
    ann_id = first_ann_id
    for k, cats in enumerate(per_image):
        image_id = first_image_id + k
        boxes: List[List[float]] = []
        objs = []
        for c in [cats[i] for i in rng.permutation(len(cats))]:
            n_inst = 2 if rng.rand() < knobs.second_instance_prob else 1
            for inst in range(n_inst):
                placed = _place(rng, plans[c].shape, image_size, knobs, boxes,
                                must=inst == 0)
                if placed is not None:
                    boxes.append(placed[1])
                    objs.append((c, ) + placed)
        present = sorted({o[0] for o in objs})
        # not exhaustive: a category with two instances loses one annotation
        dropped = None
        if rng.rand() < not_exhaustive_prob:
            multi = [c for c in present if sum(o[0] == c for o in objs) >= 2]
            if multi:
                dropped = multi[rng.randint(len(multi))]
        first_dropped = False
        for c, poly, box, _ in objs:
            if c == dropped and not first_dropped:
                first_dropped = True
                continue
            area = 0.5 * abs(sum(poly[i][0] * poly[i - 1][1] -
                                 poly[i - 1][0] * poly[i][1]
                                 for i in range(len(poly))))
            annotations.append(dict(
                id=ann_id, image_id=image_id, category_id=c + 1,
                bbox=[round(v, 2) for v in box], area=round(area, 2),
                segmentation=[[round(v, 1) for p in poly for v in p]]))
            ann_id += 1
        # negatives: categories verified absent, drawn uniformly (rejection
        # sampling keeps this O(n_neg) for 1230 categories)
        present_set = set(present)
        n_neg = min(neg_per_image, num_cats - len(present_set))
        neg_set: set = set()
        while len(neg_set) < n_neg:
            c = int(rng.randint(num_cats))
            if c not in present_set:
                neg_set.add(c + 1)
        neg = sorted(neg_set)
        file_name = f'{prefix}_{image_id:012d}.jpg'
        if image_dir is not None:
            _draw(np.random.RandomState(list(pixel_seed) + [k]), plans, objs,
                  image_size, knobs, xx, yy).save(
                      osp.join(image_dir, file_name), quality=92)
        images.append(dict(
            id=image_id, file_name=file_name, width=image_size,
            height=image_size, license=1, coco_url='', flickr_url='',
            date_captured='2019-01-01 00:00:00', neg_category_ids=neg,
            not_exhaustive_category_ids=[] if dropped is None else
            [dropped + 1]))
    return images, annotations


def _draw(prng: np.random.RandomState, plans: List[CategoryPlan], objs: list,
          image_size: int, knobs: DifficultyKnobs, xx: np.ndarray,
          yy: np.ndarray) -> Image.Image:
    """Pixels of one image: background, distractors, objects, noise."""
    size = (image_size, image_size)
    tint = prng.randint(70, 170, size=3)
    canvas = tint[None, None, :] + prng.uniform(
        -knobs.background_noise, knobs.background_noise,
        size=(image_size, image_size, 3))
    # unlabeled grey distractors, drawn first so objects lie on top
    for _ in range(int(knobs.distractors_per_image)):
        r = prng.uniform(*knobs.size_range) * image_size
        cx, cy = prng.uniform(r, image_size - r, size=2)
        poly = _shape_polygon(SHAPES[prng.randint(len(SHAPES))], cx, cy, r,
                              prng.uniform(-0.5, 0.5))
        grey = prng.uniform(60, 200) + prng.uniform(-10, 10, size=3)
        canvas[_polygon_mask(poly, size)] = grey
    for c, poly, _, (cx, cy, r) in objs:
        colour = np.clip(np.array(plans[c].rgb) + prng.uniform(
            -knobs.colour_jitter, knobs.colour_jitter, 3), 0, 255)
        mask = _polygon_mask(poly, size)
        pat = _pattern_mask(plans[c].pattern, poly, cx, cy, r, xx, yy,
                            size) & mask
        canvas[mask & ~pat] = colour
        canvas[pat] = 0.35 * colour
    if knobs.pixel_noise > 0:
        canvas = canvas + prng.normal(0, knobs.pixel_noise, canvas.shape)
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))


def _categories(plans: List[CategoryPlan], annotations: list) -> List[dict]:
    """LVIS category records with counts taken from ``annotations``."""
    img_sets: Dict[int, set] = {}
    inst: Dict[int, int] = {}
    for a in annotations:
        img_sets.setdefault(a['category_id'], set()).add(a['image_id'])
        inst[a['category_id']] = inst.get(a['category_id'], 0) + 1
    out = []
    for p in plans:
        n_img = len(img_sets.get(p.id, ()))
        appearance = f'a {p.pattern} {p.shape}, RGB {list(p.rgb)}'
        if p.cluster >= 0:
            appearance += f', confusable cluster {p.cluster}'
        out.append({
            'id': p.id,
            'name': p.name,
            'synset': f'{p.name}.n.01',
            'synonyms': [p.name],
            'def': appearance,
            'frequency': frequency_group(n_img) if n_img else p.frequency,
            'image_count': n_img,
            'instance_count': inst.get(p.id, 0),
        })
    return out


def dump_lvis_json(ann: dict, path: str) -> None:
    """Write an LVIS dict as compact json (``json.dumps`` runs in C,
    ``json.dump`` to a file in Python: 5x faster for the 1230-category set).
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(json.dumps(ann))


def generate_lvis_like(out_dir: str,
                       num_categories: int = 100,
                       frequent_max_images: int = 150,
                       categories_per_image: float = 5.5,
                       val_images_per_category: Tuple[int, int, int] = (12,
                                                                        24,
                                                                        36),
                       pretrain_images_per_category: int = 6,
                       image_size: int = 160,
                       heldout_images_per_category: int = 10,
                       heldout_max_fraction: float = 0.5,
                       neg_categories_per_image: int = 10,
                       not_exhaustive_prob: float = 0.05,
                       knobs: Optional[DifficultyKnobs] = None,
                       seed: int = 0,
                       write_images: bool = True,
                       splits: Sequence[str] = ('train', 'val',
                                                'pretrain')) -> Dict[str, str]:
    """Write the LVIS-like data set to ``out_dir`` (see the module doc).

    Args:
        out_dir (str): Destination folder.
        num_categories (int): ``C`` (3-1230). Defaults to 100.
        frequent_max_images (int): Largest training-image count of a
            frequent category. Defaults to 150.
        categories_per_image (float): Mean categories per training image;
            sets the number of training images,
            ``max(ceil(sum(counts) / categories_per_image), max(counts))``.
            The same density is used for the other splits. Defaults to 5.5.
        val_images_per_category (tuple): Validation images per rare, common
            and frequent category. Defaults to (12, 24, 36).
        pretrain_images_per_category (int): Images per category in the
            balanced pretraining set. Defaults to 6.
        image_size (int): Side of the square images. Defaults to 160.
        heldout_images_per_category (int): Cap of CDB held-out images per
            category. Defaults to 10.
        heldout_max_fraction (float): Largest fraction of a category's
            training images that may be held out. Defaults to 0.5.
        neg_categories_per_image (int): Size of each image's
            ``neg_category_ids``. Defaults to 10.
        not_exhaustive_prob (float): Probability that an image leaves one
            instance of a two-instance category unannotated. Defaults to 0.05.
        knobs (DifficultyKnobs, optional): Visual difficulty.
        seed (int): Random seed; the same arguments give identical files.
        write_images (bool): False lays out and writes the json files only
            (no JPEGs; for quick checks of the statistics).
        splits (Sequence[str]): Any of 'train' (also writes the CDB split),
            'val', 'pretrain'.

    Returns:
        dict: Paths of the written annotation files, keyed 'train', 'val',
        'train_cdb', 'heldout', 'pretrain' (those written).
    """
    knobs = knobs or DifficultyKnobs()
    knobs.check()
    unknown = set(splits) - {'train', 'val', 'pretrain'}
    if unknown:
        raise ValueError(f'unknown splits {sorted(unknown)}; use train, val, '
                         'pretrain')
    if not categories_per_image >= 1:
        raise ValueError('categories_per_image must be >= 1, got '
                         f'{categories_per_image!r}')
    if len(val_images_per_category) != 3 or min(val_images_per_category) < 1:
        raise ValueError('val_images_per_category must be three ints >= 1 '
                         f'(rare, common, frequent), got '
                         f'{val_images_per_category!r}')
    for name, value in (('pretrain_images_per_category',
                         pretrain_images_per_category),
                        ('image_size', image_size),
                        ('heldout_images_per_category',
                         heldout_images_per_category)):
        if isinstance(value, bool) or not isinstance(
                value, (int, np.integer)) or value < 1:
            raise ValueError(f'{name} must be an int >= 1, got {value!r}')
    if image_size < 32:
        raise ValueError(f'image_size must be >= 32, got {image_size}')
    if neg_categories_per_image < 0:
        raise ValueError('neg_categories_per_image must be >= 0, got '
                         f'{neg_categories_per_image!r}')
    if not 0 <= not_exhaustive_prob <= 1:
        raise ValueError('not_exhaustive_prob must be in [0, 1], got '
                         f'{not_exhaustive_prob!r}')
    plans = plan_categories(num_categories, frequent_max_images, knobs, seed)
    args = dict(num_categories=num_categories,
                frequent_max_images=frequent_max_images,
                categories_per_image=categories_per_image,
                val_images_per_category=list(val_images_per_category),
                pretrain_images_per_category=pretrain_images_per_category,
                image_size=image_size,
                heldout_images_per_category=heldout_images_per_category,
                heldout_max_fraction=heldout_max_fraction,
                neg_categories_per_image=neg_categories_per_image,
                not_exhaustive_prob=not_exhaustive_prob, seed=seed,
                knobs={k: (list(v) if isinstance(v, tuple) else v)
                       for k, v in asdict(knobs).items()})
    info = dict(
        description='lt_plugins LVIS-like long-tailed detection set (LVIS '
        'v0.5 format)', version='0.5', year=2019, contributor='lt_plugins',
        date_created='2019-01-01', generator=args,
        appearance=[dict(id=p.id, shape=p.shape, pattern=p.pattern,
                         rgb=list(p.rgb), cluster=p.cluster,
                         planned_frequency=p.frequency,
                         planned_train_images=p.train_images)
                    for p in plans])
    licenses = [dict(id=1, name='CC BY 4.0', url='')]
    ann_dir = osp.join(out_dir, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)

    def n_images(counts):
        return max(int(math.ceil(sum(counts) / categories_per_image)),
                   int(max(counts)))

    def image_dir(name):
        return osp.join(out_dir, name) if write_images else None

    # one random stream per split, so a split's content does not depend on
    # which other splits are written
    def stream(k):
        return np.random.RandomState([seed, k]), [seed, k, 1]

    paths: Dict[str, str] = {}
    # the training layout is always made: the other splits carry its
    # category records (counts and groups), as LVIS val does
    counts = [p.train_images for p in plans]
    rng, pixel_seed = stream(0)
    per_image = _assign(rng, n_images(counts), counts)
    imgs, anns = _render_split(
        rng, pixel_seed, plans, per_image,
        image_dir('train2017') if 'train' in splits else None,
        'lvislike_train', 1, 1, image_size, knobs, neg_categories_per_image,
        not_exhaustive_prob)
    train = dict(info=info, licenses=licenses, images=imgs, annotations=anns,
                 categories=_categories(plans, anns))
    if 'train' in splits:
        paths['train'] = osp.join(ann_dir, 'lvis_v0.5_train.json')
        dump_lvis_json(train, paths['train'])
        train_cdb, heldout, _ = split_lvis_heldout(
            train, images_per_category=heldout_images_per_category,
            seed=seed, max_heldout_fraction=heldout_max_fraction)
        paths['train_cdb'] = osp.join(ann_dir, 'lvis_v0.5_train_cdb.json')
        paths['heldout'] = osp.join(ann_dir, 'lvis_v0.5_heldout.json')
        dump_lvis_json(train_cdb, paths['train_cdb'])
        dump_lvis_json(heldout, paths['heldout'])
    if 'val' in splits:
        counts = [val_images_per_category['rcf'.index(p.frequency)]
                  for p in plans]
        rng, pixel_seed = stream(1)
        per_image = _assign(rng, n_images(counts), counts)
        imgs, anns = _render_split(
            rng, pixel_seed, plans, per_image, image_dir('val2017'),
            'lvislike_val', 1_000_001, 10_000_001, image_size, knobs,
            neg_categories_per_image, not_exhaustive_prob)
        val = dict(info=info, licenses=licenses, images=imgs,
                   annotations=anns, categories=train['categories'])
        paths['val'] = osp.join(ann_dir, 'lvis_v0.5_val.json')
        dump_lvis_json(val, paths['val'])
    if 'pretrain' in splits:
        counts = [pretrain_images_per_category] * len(plans)
        rng, pixel_seed = stream(2)
        per_image = _assign(rng, n_images(counts), counts)
        imgs, anns = _render_split(
            rng, pixel_seed, plans, per_image, image_dir('pretrain2017'),
            'lvislike_pretrain', 2_000_001, 20_000_001, image_size, knobs,
            neg_categories_per_image, not_exhaustive_prob)
        pre = dict(info=info, licenses=licenses, images=imgs,
                   annotations=anns, categories=_categories(plans, anns))
        paths['pretrain'] = osp.join(ann_dir, 'balanced_pretrain.json')
        dump_lvis_json(pre, paths['pretrain'])
    return paths

