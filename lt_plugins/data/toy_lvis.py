"""A deterministic toy long-tailed data set in genuine LVIS format.

Images are small JPEGs of coloured polygons on a noisy background; the
annotation json follows LVIS v0.5 or, on request, LVIS v1 (``images`` with
``neg_category_ids`` and ``not_exhaustive_category_ids``; ``annotations``
with boxes and polygon masks; ``categories`` with ``synset``, ``synonyms``,
``def``, ``frequency``, ``image_count`` and ``instance_count``). The two
versions hold the same images and annotations; they differ as the real
releases do (see :mod:`lt_plugins.data.lvis_version`): a v0.5 image record
names its file by ``file_name``, a v1 record only by ``coco_url``
(``http://images.cocodataset.org/<folder>/<12-digit id>.jpg``), and some v1
validation images lie in ``train2017/`` as in LVIS v1, whose val set draws
on COCO 2017 train images.

Class difficulty deliberately does not follow class frequency: three pairs of
frequent categories share a shape and differ only by a moderate colour shift
(confusable, hence hard), while most rare categories have a unique colour
(distinctive, hence easy). One rare category (``maroon_square``) is both rare
and confusable with the frequent squares.
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

from lt_plugins.data.lvis_split import frequency_group
from lt_plugins.data.lvis_version import LVIS_VERSIONS

#: Prefix of a v1 ``coco_url``; mmdet's ``LVISV1Dataset`` strips it to get
#: the image path under the data root.
COCO_URL_PREFIX = 'http://images.cocodataset.org/'
#: In the v1 layout every ``V1_VAL_IN_TRAIN_EVERY``-th validation image lies
#: in ``train2017/`` (its ``coco_url`` says so), as in real LVIS v1.
V1_VAL_IN_TRAIN_EVERY = 4

# name, shape, RGB colour, number of training images it appears in.
# LVIS groups: rare 1-10, common 11-100, frequent > 100 training images.
TOY_CATEGORIES: Tuple[Tuple[str, str, Tuple[int, int, int], int], ...] = (
    ('red_square', 'square', (205, 45, 45), 360),
    ('crimson_square', 'square', (170, 30, 85), 300),
    ('blue_circle', 'circle', (45, 70, 205), 330),
    ('navy_circle', 'circle', (35, 40, 135), 260),
    ('green_triangle', 'triangle', (45, 175, 65), 220),
    ('olive_triangle', 'triangle', (125, 145, 45), 150),
    ('yellow_hexagon', 'hexagon', (235, 215, 45), 90),
    ('orange_diamond', 'diamond', (240, 140, 30), 70),
    ('cyan_pentagon', 'pentagon', (45, 200, 215), 50),
    ('gray_cross', 'cross', (128, 128, 128), 36),
    ('pink_ellipse', 'ellipse', (240, 130, 190), 26),
    ('brown_rectangle', 'rectangle', (120, 80, 40), 18),
    ('teal_square', 'square', (30, 130, 120), 12),
    ('purple_star', 'star', (150, 50, 205), 10),
    ('white_cross', 'cross', (245, 245, 245), 8),
    ('black_circle', 'circle', (15, 15, 15), 7),
    ('gold_star', 'star', (225, 185, 20), 5),
    ('magenta_hexagon', 'hexagon', (225, 30, 185), 4),
    ('lime_diamond', 'diamond', (150, 240, 40), 3),
    ('maroon_square', 'square', (135, 25, 40), 2),
)
TOY_CLASSES: Tuple[str, ...] = tuple(c[0] for c in TOY_CATEGORIES)


def _shape_polygon(shape: str, cx: float, cy: float, r: float,
                   angle: float) -> List[Tuple[float, float]]:
    """Vertices of a shape of radius ``r`` centred at (cx, cy)."""

    def ring(n, radii, phase=0.0, sx=1.0, sy=1.0):
        pts = []
        for k in range(n):
            a = phase + angle + 2 * math.pi * k / n
            rr = radii[k % len(radii)]
            pts.append((cx + sx * rr * math.cos(a), cy + sy * rr * math.sin(a)))
        return pts

    if shape == 'circle':
        return ring(24, [r])
    if shape == 'ellipse':
        return ring(24, [r], sx=1.0, sy=0.55)
    if shape == 'square':
        return ring(4, [r], phase=math.pi / 4)
    if shape == 'rectangle':
        return [(cx - r, cy - 0.5 * r), (cx + r, cy - 0.5 * r),
                (cx + r, cy + 0.5 * r), (cx - r, cy + 0.5 * r)]
    if shape == 'diamond':
        return ring(4, [r], sx=0.7)
    if shape == 'triangle':
        return ring(3, [r], phase=-math.pi / 2)
    if shape == 'pentagon':
        return ring(5, [r], phase=-math.pi / 2)
    if shape == 'hexagon':
        return ring(6, [r])
    if shape == 'star':
        return ring(10, [r, 0.45 * r], phase=-math.pi / 2)
    if shape == 'cross':
        t = 0.33 * r
        return [(cx - t, cy - r), (cx + t, cy - r), (cx + t, cy - t),
                (cx + r, cy - t), (cx + r, cy + t), (cx + t, cy + t),
                (cx + t, cy + r), (cx - t, cy + r), (cx - t, cy + t),
                (cx - r, cy + t), (cx - r, cy - t), (cx - t, cy - t)]
    raise ValueError(f'unknown shape {shape!r}')


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter + 1e-9)


def _assign_categories(rng: np.random.RandomState, num_images: int,
                       counts: Sequence[int]) -> List[List[int]]:
    """Spread category c over exactly ``counts[c]`` distinct images."""
    per_image: List[List[int]] = [[] for _ in range(num_images)]
    load = np.zeros(num_images)
    for c in np.argsort(counts)[::-1]:
        n = min(int(counts[c]), num_images)
        # prefer lightly loaded images so every image gets something
        noise = rng.rand(num_images)
        chosen = np.argsort(load + noise)[:n]
        for i in chosen:
            per_image[i].append(int(c))
        load[chosen] += 1
    return per_image


def _image_record(version: str, out_dir: str, folder: str, prefix: str,
                  image_id: int, size: int, neg: List[int],
                  not_exhaustive: List[int]) -> Tuple[dict, str]:
    """LVIS image record of the given version and the file it names."""
    if version == 'v0.5':
        file_name = f'{prefix}_{image_id:012d}.jpg'
        record = dict(id=image_id, file_name=file_name, width=size,
                      height=size, license=1, coco_url='', flickr_url='',
                      date_captured='2019-01-01 00:00:00',
                      neg_category_ids=neg,
                      not_exhaustive_category_ids=not_exhaustive)
        return record, osp.join(out_dir, folder, file_name)
    # v1: COCO 2017 naming, the folder only in the url, no file_name
    rel = f'{folder}/{image_id:012d}.jpg'
    record = dict(id=image_id, width=size, height=size, license=1,
                  coco_url=COCO_URL_PREFIX + rel, flickr_url='',
                  date_captured='2020-01-01 00:00:00',
                  neg_category_ids=neg,
                  not_exhaustive_category_ids=not_exhaustive)
    return record, osp.join(out_dir, rel)


def _render_split(rng: np.random.RandomState, out_dir: str, folder: str,
                  prefix: str, first_image_id: int, first_ann_id: int,
                  per_image: List[List[int]], image_size: int,
                  not_exhaustive_prob: float,
                  version: str = 'v0.5') -> Tuple[list, list]:
    num_cats = len(TOY_CATEGORIES)
    images, annotations = [], []
    ann_id = first_ann_id
    for k, cats in enumerate(per_image):
        image_id = first_image_id + k
        h = w = image_size
        tint = rng.randint(70, 170, size=3)
        bg = tint[None, None, :] + rng.randint(-25, 26, size=(h, w, 3))
        img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(img)
        boxes: List[List[float]] = []
        objs = []
        for c in cats:
            n_inst = 2 if rng.rand() < 0.2 else 1
            for _ in range(n_inst):
                for _try in range(20):
                    r = rng.uniform(0.09, 0.2) * image_size
                    cx = rng.uniform(r + 2, w - r - 2)
                    cy = rng.uniform(r + 2, h - r - 2)
                    poly = _shape_polygon(TOY_CATEGORIES[c][1], cx, cy, r,
                                          rng.uniform(-0.25, 0.25))
                    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
                    box = [min(xs), min(ys), max(xs) - min(xs),
                           max(ys) - min(ys)]
                    if all(_iou(box, b) < 0.1 for b in boxes):
                        break
                else:
                    continue
                boxes.append(box)
                colour = np.clip(
                    np.array(TOY_CATEGORIES[c][2]) + rng.randint(-12, 13, 3),
                    0, 255)
                draw.polygon(poly, fill=tuple(int(v) for v in colour))
                objs.append((c, poly, box))
        # not exhaustive: a category with two instances loses one annotation
        not_exhaustive = []
        present = sorted({o[0] for o in objs})
        dropped = None
        if rng.rand() < not_exhaustive_prob:
            multi = [c for c in present
                     if sum(o[0] == c for o in objs) >= 2]
            if multi:
                dropped = multi[rng.randint(len(multi))]
                not_exhaustive.append(dropped + 1)
        for c, poly, box in objs:
            if c == dropped:
                dropped = -1  # drop only the first instance
                continue
            seg = [round(v, 2) for p in poly for v in p]
            # polygon area by the shoelace formula
            area = 0.5 * abs(sum(poly[i][0] * poly[i - 1][1] -
                                 poly[i - 1][0] * poly[i][1]
                                 for i in range(len(poly))))
            annotations.append(
                dict(id=ann_id, image_id=image_id, category_id=c + 1,
                     bbox=[round(v, 2) for v in box], area=round(area, 2),
                     segmentation=[seg]))
            ann_id += 1
        absent = [c + 1 for c in range(num_cats) if c not in present]
        neg = sorted(rng.choice(absent, size=len(absent) // 2,
                                replace=False).tolist()) if absent else []
        img_folder = folder
        if (version == 'v1' and folder == 'val2017'
                and k % V1_VAL_IN_TRAIN_EVERY == V1_VAL_IN_TRAIN_EVERY - 1):
            img_folder = 'train2017'
        record, path = _image_record(version, out_dir, img_folder, prefix,
                                     image_id, image_size,
                                     [int(v) for v in neg],
                                     sorted(not_exhaustive))
        os.makedirs(osp.dirname(path), exist_ok=True)
        img.save(path, quality=92)
        images.append(record)
    return images, annotations


def category_entries(train_annotations: list) -> List[Dict]:
    """LVIS category records with counts taken from the training split."""
    img_sets: Dict[int, set] = {}
    inst = np.zeros(len(TOY_CATEGORIES), dtype=int)
    for a in train_annotations:
        img_sets.setdefault(a['category_id'], set()).add(a['image_id'])
        inst[a['category_id'] - 1] += 1
    cats = []
    for c, (name, shape, _, _) in enumerate(TOY_CATEGORIES):
        n_img = len(img_sets.get(c + 1, ()))
        cats.append({
            'id': c + 1,
            'name': name,
            'synset': f'{name}.n.01',
            'synonyms': [name],
            'def': f'a {name.replace("_", " ")} ({shape})',
            'frequency': frequency_group(n_img),
            'image_count': n_img,
            'instance_count': int(inst[c]),
        })
    return cats


def generate_toy_lvis(out_dir: str,
                      num_train_images: int = 900,
                      num_val_images: int = 300,
                      image_size: int = 160,
                      val_images_per_category: Tuple[int, int, int] = (12, 24,
                                                                       48),
                      seed: int = 0,
                      count_scale: float = 1.0,
                      version: str = 'v0.5') -> Dict[str, str]:
    """Write the toy data set to ``out_dir``.

    Layout for ``version='v0.5'`` (mirrors ``data/lvis_v0.5``; the images
    are named by ``file_name`` and read with ``data_prefix`` ``train2017/``
    or ``val2017/``)::

        out_dir/annotations/lvis_v0.5_train.json
        out_dir/annotations/lvis_v0.5_val.json
        out_dir/train2017/toy_train_<id>.jpg
        out_dir/val2017/toy_val_<id>.jpg

    Layout for ``version='v1'`` (mirrors ``data/lvis_v1``; the images are
    named by ``coco_url`` and read with ``data_prefix=dict(img='')``; every
    fourth validation image lies in ``train2017/``)::

        out_dir/annotations/lvis_v1_train.json
        out_dir/annotations/lvis_v1_val.json
        out_dir/train2017/<12-digit id>.jpg
        out_dir/val2017/<12-digit id>.jpg

    Both versions hold the same images, annotations and categories for the
    same arguments.

    Args:
        out_dir (str): Destination folder.
        num_train_images (int): Training images. Defaults to 900.
        num_val_images (int): Validation images. Defaults to 300.
        image_size (int): Side of the square images in pixels.
        val_images_per_category (tuple): Validation images per category for
            rare, common and frequent categories, so every group is scored.
        seed (int): Random seed; the same seed gives identical files.
        count_scale (float): Multiplies every category's number of training
            images (at least 1 each), for quick tests on a smaller set; the
            frequency groups are recomputed from the actual counts.
        version (str): ``'v0.5'`` (default) or ``'v1'``, the LVIS release
            whose format is written.

    Returns:
        dict: Paths of the two annotation files (``'train'``, ``'val'``).
    """
    if version not in LVIS_VERSIONS:
        raise ValueError(f'version must be one of {LVIS_VERSIONS}, got '
                         f'{version!r}')
    if count_scale <= 0:
        raise ValueError(f'count_scale must be > 0, got {count_scale!r}')
    counts = [max(1, int(round(c[3] * count_scale))) for c in TOY_CATEGORIES]
    if max(counts) > num_train_images:
        raise ValueError(f'num_train_images={num_train_images} is smaller '
                         f'than the largest category ({max(counts)} images)')
    rng = np.random.RandomState(seed)
    ann_dir = osp.join(out_dir, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    train_assign = _assign_categories(rng, num_train_images, counts)
    train_imgs, train_anns = _render_split(
        rng, out_dir, 'train2017', 'toy_train', 1, 1, train_assign,
        image_size, not_exhaustive_prob=0.05, version=version)
    val_counts = [
        min(num_val_images,
            val_images_per_category['rcf'.index(frequency_group(n))])
        for n in counts
    ]
    val_assign = _assign_categories(rng, num_val_images, val_counts)
    val_imgs, val_anns = _render_split(
        rng, out_dir, 'val2017', 'toy_val', 1_000_001, len(train_anns) + 1,
        val_assign, image_size, not_exhaustive_prob=0.05, version=version)
    cats = category_entries(train_anns)
    if version == 'v0.5':
        info = dict(description='lt_plugins toy long-tailed LVIS v0.5',
                    version='0.5', year=2019, contributor='lt_plugins',
                    date_created='2019-01-01')
    else:
        info = dict(description='lt_plugins toy long-tailed LVIS v1',
                    version='1.0', year=2020, contributor='lt_plugins',
                    date_created='2020-01-01')
    licenses = [dict(id=1, name='CC BY 4.0', url='')]
    paths = {}
    for split, imgs, anns in (('train', train_imgs, train_anns),
                              ('val', val_imgs, val_anns)):
        path = osp.join(ann_dir, f'lvis_{version}_{split}.json')
        with open(path, 'w') as f:
            json.dump(dict(info=info, licenses=licenses, images=imgs,
                           annotations=anns, categories=cats), f)
        paths[split] = path
    return paths
