"""LVIS-sized synthetic ground truth and detections for evaluation checks.

The cost and the corner cases of LVIS evaluation depend on the number of
categories (1230 in LVIS v0.5), the federated lists of each image and the
detections per image, none of which the 20-category toy set has. This
generator writes an LVIS v0.5-format annotation dict and mmdet-style result
records (``results2json``) with what real data has:

* 1230 categories in the three frequency groups, a share of them without any
  ground truth in the split (absent categories),
* per image ``neg_category_ids`` (federated negatives, partly absent
  categories) and ``not_exhaustive_category_ids``,
* ground truth of every area range (small, medium, large) as polygons, one
  zero-area box (``LVISEval`` drops it),
* detections per image around 300, some images with more than 300 (the
  cap; their lowest-scored detections are good boxes), some with none;
  true hits, localisation errors, confusions with negative categories, and
  background boxes; scores rounded in part to 3 decimals so
  that equal scores occur; with ``masks=True`` each detection has an RLE
  ``segmentation`` as mmdet's ``results2json`` writes it.

Only numpy (and pycocotools for ``masks=True``) is used.
"""
from typing import List, Tuple

import numpy as np

FREQUENCIES = ('r', 'c', 'f')


def _polygon(x: float, y: float, w: float, h: float) -> List[float]:
    """An octagon inscribed in the box (closer to a mask than the box)."""
    cx, cy = x + w / 2, y + h / 2
    pts = []
    for k in range(8):
        a = 2 * np.pi * k / 8
        pts += [cx + w / 2 * np.cos(a), cy + h / 2 * np.sin(a)]
    return [float(v) for v in pts]


def _polygon_area(poly: List[float]) -> float:
    xs, ys = np.asarray(poly[0::2]), np.asarray(poly[1::2])
    return float(0.5 * abs(np.dot(xs, np.roll(ys, 1)) -
                           np.dot(ys, np.roll(xs, 1))))


def synthetic_lvis(num_images: int,
                   num_categories: int = 1230,
                   dets_per_image: int = 300,
                   masks: bool = False,
                   seed: int = 0,
                   absent_fraction: float = 0.2,
                   over_cap_fraction: float = 0.15,
                   no_detection_fraction: float = 0.1,
                   image_size: Tuple[int, int] = (480, 640)
                   ) -> Tuple[dict, List[dict]]:
    """Synthetic LVIS annotations and detections.

    Args:
        num_images (int): Images.
        num_categories (int): Categories (LVIS v0.5: 1230).
        dets_per_image (int): Detections of a typical image (the LVIS cap is
            300); ``over_cap_fraction`` of the images get 1.2 times as many.
        masks (bool): Give every detection an RLE ``segmentation``.
        seed (int): Random seed.
        absent_fraction (float): Share of categories without ground truth.
        over_cap_fraction (float): Share of images with more detections than
            ``dets_per_image``.
        no_detection_fraction (float): Share of images without detections.
        image_size (tuple[int, int]): (height, width) of every image.

    Returns:
        tuple[dict, list[dict]]: LVIS annotation dict, result records.
    """
    rng = np.random.default_rng(seed)
    height, width = image_size
    cats = [dict(id=c + 1, name=f'cat_{c + 1}', synset=f'cat_{c + 1}.n.01',
                 frequency=FREQUENCIES[c % 3], image_count=1,
                 instance_count=1) for c in range(num_categories)]
    cat_ids = np.arange(1, num_categories + 1)
    absent = set(rng.choice(cat_ids, int(absent_fraction * num_categories),
                            replace=False).tolist())
    present_pool = np.array([c for c in cat_ids if c not in absent])
    if masks:
        from pycocotools import mask as mask_utils

    images, anns, dets = [], [], []

    def box(scale: str):
        side = dict(small=rng.uniform(8, 30), medium=rng.uniform(35, 90),
                    large=rng.uniform(100, 300))[scale]
        w = side * rng.uniform(0.7, 1.3)
        h = side * rng.uniform(0.7, 1.3)
        x = rng.uniform(0, width - w - 1)
        y = rng.uniform(0, height - h - 1)
        return [float(x), float(y), float(w), float(h)]

    def add_det(img_id, cat, b, score):
        b = [float(b[0]), float(b[1]), max(float(b[2]), 0.5),
             max(float(b[3]), 0.5)]
        rec = dict(image_id=img_id, category_id=int(cat), bbox=b,
                   score=score)
        if masks:
            rle = mask_utils.merge(
                mask_utils.frPyObjects([_polygon(*b)], height, width))
            rle['counts'] = rle['counts'].decode()
            rec['segmentation'] = rle
        dets.append(rec)

    for i in range(1, num_images + 1):
        present = rng.choice(present_pool, rng.integers(1, 7),
                             replace=False).tolist()
        others = [int(c) for c in rng.choice(cat_ids, 20, replace=False)
                  if c not in present]
        neg = sorted(others[:int(rng.integers(3, 15))])
        not_exhaustive = ([int(rng.choice(present))]
                          if rng.uniform() < 0.3 else [])
        images.append(dict(id=i, width=width, height=height,
                           file_name=f'{i:012d}.jpg', neg_category_ids=neg,
                           not_exhaustive_category_ids=not_exhaustive))
        img_gts = []
        for cat in present:
            for _ in range(int(rng.integers(1, 5))):
                b = box(rng.choice(('small', 'medium', 'large'),
                                   p=(0.4, 0.4, 0.2)))
                poly = _polygon(*b)
                anns.append(dict(id=len(anns) + 1, image_id=i,
                                 category_id=int(cat), bbox=b,
                                 area=_polygon_area(poly),
                                 segmentation=[poly]))
                img_gts.append((int(cat), b))
        if i == 1:  # a degenerate box: LVISEval's 0 < area filter drops it
            anns.append(dict(id=len(anns) + 1, image_id=i,
                             category_id=int(present[0]),
                             bbox=[5.0, 5.0, 0.0, 10.0], area=0.0,
                             segmentation=[[5.0, 5.0, 5.0, 15.0, 5.0, 5.0]]))
        u = rng.uniform()
        if u < no_detection_fraction and i > 1:
            continue
        n_dets = dets_per_image
        n_start = len(dets)
        if u > 1 - over_cap_fraction:
            # beyond the cap: good boxes with the lowest scores, which count
            # unless the 300 best are kept
            n_dets = int(dets_per_image * 1.2)
            for k in range(n_dets - dets_per_image):
                cat, (x, y, w, h) = img_gts[k % len(img_gts)]
                add_det(i, cat, [x + 0.05 * w, y, w, h],
                        float(np.float32(rng.uniform(0.0, 0.01))))
        for cat, (x, y, w, h) in img_gts:
            for _ in range(4):  # near and far hits, sometimes confused
                j = rng.normal(0, 0.15, 4) * [w, h, w, h]
                c = cat if rng.uniform() < 0.8 or not neg else rng.choice(neg)
                add_det(i, c, [x + j[0], y + j[1], w + j[2], h + j[3]],
                        float(np.float32(rng.uniform(0.2, 1.0))))
        candidates = present + neg + rng.choice(cat_ids, 10).tolist()
        while len(dets) - n_start < n_dets:
            c = candidates[int(rng.integers(len(candidates)))]
            score = float(np.float32(rng.uniform(0.0, 0.6)))
            if rng.uniform() < 0.3:  # equal scores happen in real output
                score = round(score, 3)
            add_det(i, c, box(rng.choice(('small', 'medium', 'large'))),
                    score)
    gt = dict(info=dict(description='synthetic LVIS v0.5-format'),
              images=images, annotations=anns, categories=cats)
    return gt, dets
