"""A CIFAR-100-shaped benchmark data set with controlled visual difficulty.

The files are the genuine CIFAR-100 python pickles (``cifar-100-python/``
with ``train``, ``test`` and ``meta``, written by the writer of
:mod:`lt_plugins.data.toy_cifar`), so the project's ``CIFAR100LT`` and
mmpretrain's ``CIFAR100`` read them unchanged. The training file is a
class-balanced *pool*; ``CIFAR100LT`` draws the long tail from it exactly as
from the real CIFAR-100. With the default 550 images per class and the CDB
paper's hold-out of 50 images per class, ``CIFAR100LT(imbalance_ratio=100,
heldout_per_class=50)`` keeps ``floor(500 * 100 ** (-i / 99))`` images of
class ``i``: 500 in the head class and 5 in the tail, the real CIFAR-100-LT
profile (10847 images), and a class-balanced held-out split of 50 per class
disjoint from it. The test file holds ``test_per_class`` (100) images of
every class, as the real test set.

**Difficulty is decoupled from class size.** Every class has a *look*: a
foreground shape (one of :data:`SHAPES`), a background grating (orientation
and tint) and a foreground hue. Classes fall into two kinds:

* *distinct* classes (``num_distinct``, default 20) have a look of their
  own; they are easy whatever their size;
* *confusable* classes form groups of ``group_size`` (default 4) that share
  shape and background and differ only in hue: member ``j`` of a group has
  hue ``h_g + (j - (k - 1) / 2) * class_gap * hue_jitter``. Every image's hue
  is drawn around its class hue with standard deviation ``hue_jitter``, so
  ``class_gap`` (in units of that standard deviation) sets how much
  neighbouring classes overlap: the Bayes error between two neighbours is
  ``Phi(-class_gap / 2)`` on hue alone. With ``group_size=1`` there is no
  such group: every class has a look of its own (the data-sensitivity
  variant, ``tools/make_cifar_lt_bench.py --group-size 1``).

Class size is a function of the label (``CIFAR100LT`` makes class 0 the head
class). The distinct classes are spread evenly over the label range (one in
every block of ``100 / num_distinct`` consecutive labels, at a seeded
position), so some tail classes are easy by construction; the confusable
ones are grouped by a seeded permutation of their labels, independent of
size, which puts two or more of the 34 many-shot classes into several groups
(9 of the 20 groups with seed 0). Looks are drawn without
replacement from the grid of shapes x background orientations x background
tints, so no two groups (or distinct classes) share all three.

Per-image nuisances, the same for every class: position, scale and rotation
of the shape, grating phase and orientation jitter, brightness, small
distractor shapes under the object (``num_distractors``) and Gaussian pixel
noise (``pixel_noise``).

The generator arguments and the resulting class structure are stored in the
meta file under ``'lt_bench'`` (see :func:`read_bench_info`). The same
arguments give byte-identical files.

The defaults were calibrated against plain cross-entropy only (the
benchmark's default size, ``configs/cls/bench/ce.py``, training seed 0):
CE top-1 59.0 with ``class_gap=2.5``, 54.0 with 1.75 and 44.5 with 1.25
(many / medium / few 80.6 / 38.0 / 9.8), the range the CIFAR-100-LT papers
report for CE; no other method's result was looked at.
"""
import math
import os
import os.path as osp
import pickle
from typing import Dict, List, Optional

import numpy as np

from .toy_cifar import (CIFAR100_CLASSES, CIFAR100_COARSE_OF_FINE,
                        CIFAR100_SUPERCLASSES, CIFAR_FOLDERS,
                        dump_py2_pickle)

NUM_CLASSES = 100
IMAGE_SIZE = 32
#: Foreground shapes, each a signed-distance function of unit size.
SHAPES = ('disc', 'square', 'triangle', 'diamond', 'cross', 'ring', 'bar',
          'half_disc')
#: Background grating orientations (radians) and tints (hues).
BG_ORIENTATIONS = (0.0, math.pi / 4, math.pi / 2, 3 * math.pi / 4)
BG_TINTS = (0.08, 0.42, 0.75)
#: The tint added to the grid when a structure needs more looks than
#: :data:`BG_TINTS` give (``group_size=1``: 100 looks), between two others.
BG_TINT_EXTRA = 0.25
#: Key of the generator record in the meta file.
META_KEY = 'lt_bench'
FORMAT_VERSION = 1

#: Default generator arguments (see :func:`generate_cifar_lt_bench`).
DEFAULTS = dict(
    train_per_class=550,
    test_per_class=100,
    num_distinct=20,
    group_size=4,
    class_gap=1.25,
    hue_jitter=0.025,
    rotation_jitter=25.0,
    num_distractors=2,
    pixel_noise=0.08,
    seed=0,
)


def _shape_sdf(name: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signed distance (negative inside) of a unit-size shape at (u, v)."""
    if name == 'disc':
        return np.sqrt(u * u + v * v) - 1.0
    if name == 'square':
        return np.maximum(np.abs(u), np.abs(v)) - 0.8
    if name == 'triangle':
        return np.maximum(-v - 0.5, np.abs(u) * 0.866 + v * 0.5 - 0.5)
    if name == 'diamond':
        return (np.abs(u) + np.abs(v)) / 1.2 - 1.0
    if name == 'cross':
        au, av = np.abs(u), np.abs(v)
        return np.minimum(np.maximum(au - 0.3, av - 1.0),
                          np.maximum(au - 1.0, av - 0.3))
    if name == 'ring':
        return np.abs(np.sqrt(u * u + v * v) - 0.72) - 0.28
    if name == 'bar':
        return np.sqrt(u * u + (v / 0.4)**2) - 1.0
    if name == 'half_disc':
        return np.maximum(np.sqrt(u * u + v * v) - 1.0, -v - 0.1)
    raise ValueError(f'unknown shape {name!r}; valid shapes are {SHAPES}')


def _hsv(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB in [0, 1]; inputs broadcast, output (..., 3)."""
    h, s, v = np.broadcast_arrays(np.mod(h, 1.0), s, v)
    i = np.floor(h * 6.0).astype(np.int64) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack([np.stack(c, -1) for c in (
        (v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))])
    return np.take_along_axis(table, i[None, ..., None], 0)[0]


def class_structure(num_distinct: int = DEFAULTS['num_distinct'],
                    group_size: int = DEFAULTS['group_size'],
                    class_gap: float = DEFAULTS['class_gap'],
                    hue_jitter: float = DEFAULTS['hue_jitter'],
                    seed: int = DEFAULTS['seed']) -> Dict[str, list]:
    """Look of every class: which group it is in and its mean attributes.

    Args:
        num_distinct (int): Classes with a look of their own, spread evenly
            over the labels. ``100 - num_distinct`` must be a multiple of
            ``group_size``.
        group_size (int): Classes per confusable group (>= 1). With 1
            there is no confusable group: every class has a look of its own
            and is marked distinct (the data-sensitivity variant). When
            more looks are needed than the 96 shape x orientation x tint
            combinations give (100 with ``group_size=1``), a fourth
            background tint (:data:`BG_TINT_EXTRA`) joins the grid; a
            structure that fits the base grid keeps its looks.
        class_gap (float): Hue distance between neighbouring members of a
            group, in units of ``hue_jitter``.
        hue_jitter (float): Per-image standard deviation of the hue (hue
            runs over [0, 1)).
        seed (int): Seed of the assignment.

    Returns:
        dict: Lists of length 100 in label order: ``group`` (group index;
        distinct classes have a group of their own), ``distinct`` (bool),
        ``shape`` (name), ``bg_orientation`` (radians), ``bg_tint`` (hue),
        ``hue`` (mean foreground hue).
    """
    if not isinstance(num_distinct, int) or not 0 <= num_distinct <= 100:
        raise ValueError(
            f'num_distinct must be an int in [0, 100], got {num_distinct!r}')
    if not isinstance(group_size, int) or group_size < 1:
        raise ValueError(f'group_size must be an int >= 1, got {group_size!r}')
    if (NUM_CLASSES - num_distinct) % group_size:
        raise ValueError(
            f'100 - num_distinct = {NUM_CLASSES - num_distinct} confusable '
            f'classes do not split into groups of {group_size}')
    if not class_gap > 0:
        raise ValueError(f'class_gap must be > 0, got {class_gap!r}')
    if not 0 < hue_jitter < 0.5:
        raise ValueError(f'hue_jitter must be in (0, 0.5), got {hue_jitter!r}')
    num_groups = (NUM_CLASSES - num_distinct) // group_size
    num_looks = num_groups + num_distinct
    tints = BG_TINTS
    if num_looks > len(SHAPES) * len(BG_ORIENTATIONS) * len(tints):
        # only a structure that needs it gets the extra tint, so every
        # structure that fits the base grid keeps its looks
        tints = BG_TINTS + (BG_TINT_EXTRA, )
    grid = len(SHAPES) * len(BG_ORIENTATIONS) * len(tints)
    if num_looks > grid:
        raise ValueError(f'{num_looks} looks needed but only {grid} '
                         'shape x orientation x tint combinations exist')
    rng = np.random.default_rng([seed, 1])
    # distinct classes: one per block of consecutive labels, so they cover
    # head, medium and tail classes alike
    distinct = []
    if num_distinct:
        edges = np.linspace(0, NUM_CLASSES, num_distinct + 1).round()
        distinct = [int(rng.integers(a, b)) for a, b in
                    zip(edges[:-1].astype(int), edges[1:].astype(int))]
    rest = np.setdiff1d(np.arange(NUM_CLASSES), distinct)
    rest = rest[rng.permutation(len(rest))]
    looks = rng.choice(grid, size=num_looks, replace=False)
    group = np.empty(NUM_CLASSES, np.int64)
    member = np.zeros(NUM_CLASSES)  # offset from the group's hue, in gaps
    for g in range(num_groups):
        members = np.sort(rest[g * group_size:(g + 1) * group_size])
        group[members] = g
        # members in a seeded hue order, so hue rank is not label rank
        member[members[rng.permutation(group_size)]] = (
            np.arange(group_size) - (group_size - 1) / 2)
    for k, c in enumerate(distinct):
        group[c] = num_groups + k
    base_hue = rng.uniform(0, 1, size=num_looks)
    hue = (base_hue[group] + member * class_gap * hue_jitter) % 1.0
    look = looks[group]
    n_or, n_ti = len(BG_ORIENTATIONS), len(tints)
    return dict(
        group=group.tolist(),
        distinct=[bool(c in distinct or group_size == 1)
                  for c in range(NUM_CLASSES)],
        shape=[SHAPES[int(x) // (n_or * n_ti)] for x in look],
        bg_orientation=[BG_ORIENTATIONS[int(x) // n_ti % n_or] for x in look],
        bg_tint=[tints[int(x) % n_ti] for x in look],
        hue=hue.tolist(),
    )


def render_class(structure: Dict[str, list], c: int, n: int,
                 rng: np.random.Generator, hue_jitter: float,
                 rotation_jitter: float, num_distractors: int,
                 pixel_noise: float) -> np.ndarray:
    """Render ``n`` 32x32 RGB images of class ``c``.

    Args:
        structure (dict): Output of :func:`class_structure`.
        c (int): Class label.
        n (int): Number of images.
        rng (np.random.Generator): Source of the per-image nuisances.
        hue_jitter (float): Per-image std of the foreground hue.
        rotation_jitter (float): Max rotation of the shape, in degrees.
        num_distractors (int): Small shapes of random colour drawn under
            the object.
        pixel_noise (float): Std of the Gaussian pixel noise as a fraction
            of 255.

    Returns:
        np.ndarray: uint8, shape (n, 3072), CIFAR channel-major rows.
    """
    s = IMAGE_SIZE
    yy, xx = (np.mgrid[0:s, 0:s].astype(np.float64) + 0.5) / s
    xx, yy = xx[None], yy[None]

    # background: a tinted grating at the class's orientation
    theta = (structure['bg_orientation'][c] +
             rng.normal(0, math.radians(8), n))[:, None, None]
    phase = rng.uniform(0, 2 * math.pi, n)[:, None, None]
    wave = np.sin(2 * math.pi * 3.0 * (xx * np.cos(theta) +
                                       yy * np.sin(theta)) + phase)
    bg_rgb = _hsv(np.full(n, structure['bg_tint'][c]), 0.35,
                  rng.uniform(0.45, 0.65, n))  # (n, 3)
    img = bg_rgb[:, :, None, None] * (1 + 0.35 * wave[:, None])

    def paint(color, sdf, radius):
        # anti-aliased mask: one pixel of soft edge
        px = 1.0 / (s * radius)
        mask = np.clip(0.5 - sdf / px[:, None, None], 0, 1)[:, None]
        return img * (1 - mask) + color[:, :, None, None] * mask

    for _ in range(num_distractors):
        r = rng.uniform(0.05, 0.09, n)
        cx, cy = rng.uniform(0.05, 0.95, (2, n))
        sdf = np.maximum(np.abs(xx - cx[:, None, None]),
                         np.abs(yy - cy[:, None, None])) / r[:, None, None]
        color = _hsv(rng.uniform(0, 1, n), rng.uniform(0.3, 1, n),
                     rng.uniform(0.3, 1, n))
        img = paint(color, sdf - 1.0, r)

    # the object: the class's shape in the class's hue
    radius = 0.24 * rng.uniform(0.8, 1.2, n)
    cx, cy = rng.uniform(0.3, 0.7, (2, n))
    rot = np.radians(rng.uniform(-rotation_jitter, rotation_jitter, n))
    dx = (xx - cx[:, None, None]) / radius[:, None, None]
    dy = (yy - cy[:, None, None]) / radius[:, None, None]
    cos, sin = np.cos(rot)[:, None, None], np.sin(rot)[:, None, None]
    u, v = cos * dx + sin * dy, -sin * dx + cos * dy
    hue = structure['hue'][c] + rng.normal(0, hue_jitter, n)
    color = _hsv(hue, rng.uniform(0.7, 0.95, n), rng.uniform(0.75, 1.0, n))
    img = paint(color, _shape_sdf(structure['shape'][c], u, v), radius)

    img = img * rng.uniform(0.85, 1.15, n)[:, None, None, None]
    img = img * 255.0 + rng.normal(0, pixel_noise * 255.0, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8).reshape(n, 3 * s * s)


def _check_args(args: dict) -> None:
    for key in ('train_per_class', 'test_per_class'):
        value = args[key]
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f'{key} must be a positive int, got {value!r}')
    if not 0 <= args['rotation_jitter'] <= 180:
        raise ValueError('rotation_jitter must be in [0, 180] degrees, got '
                         f"{args['rotation_jitter']!r}")
    nd = args['num_distractors']
    if not isinstance(nd, (int, np.integer)) or nd < 0:
        raise ValueError(f'num_distractors must be an int >= 0, got {nd!r}')
    if not 0 <= args['pixel_noise'] < 1:
        raise ValueError(
            f"pixel_noise must be in [0, 1), got {args['pixel_noise']!r}")


def _render_split(structure: dict, per_class: int, split: int, args: dict):
    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    data = np.empty((len(labels), 3 * IMAGE_SIZE * IMAGE_SIZE), np.uint8)
    for c in range(NUM_CLASSES):
        # one generator per (split, class): a class's images do not depend
        # on how many images the other classes get
        rng = np.random.default_rng([args['seed'], 2, split, c])
        data[labels == c] = render_class(
            structure, c, per_class, rng, args['hue_jitter'],
            args['rotation_jitter'], args['num_distractors'],
            args['pixel_noise'])
    # the real files are shuffled
    order = np.random.default_rng([args['seed'], 3, split]).permutation(
        len(labels))
    return labels[order], data[order]


def generate_cifar_lt_bench(out_dir: str,
                            train_per_class: int = DEFAULTS['train_per_class'],
                            test_per_class: int = DEFAULTS['test_per_class'],
                            num_distinct: int = DEFAULTS['num_distinct'],
                            group_size: int = DEFAULTS['group_size'],
                            class_gap: float = DEFAULTS['class_gap'],
                            hue_jitter: float = DEFAULTS['hue_jitter'],
                            rotation_jitter: float = DEFAULTS[
                                'rotation_jitter'],
                            num_distractors: int = DEFAULTS['num_distractors'],
                            pixel_noise: float = DEFAULTS['pixel_noise'],
                            seed: int = DEFAULTS['seed']) -> str:
    """Write the benchmark as genuine CIFAR-100 pickles.

    Args:
        out_dir (str): Data root; ``cifar-100-python/`` is created in it.
        train_per_class (int): Balanced training pool per class. 550 = 500
            for the long tail + 50 held out (CDB paper).
        test_per_class (int): Test images per class (100 as CIFAR-100).
        num_distinct (int): Classes with a look of their own.
        group_size (int): Classes per confusable group.
        class_gap (float): Hue distance of neighbouring group members in
            units of ``hue_jitter``; smaller is harder.
        hue_jitter (float): Per-image std of the foreground hue.
        rotation_jitter (float): Max shape rotation in degrees.
        num_distractors (int): Distractor shapes per image.
        pixel_noise (float): Gaussian pixel noise std as a fraction of 255.
        seed (int): Seed; the same arguments give byte-identical files.

    Returns:
        str: ``out_dir`` (the ``data_root`` of ``CIFAR100LT``).
    """
    args = dict(train_per_class=train_per_class,
                test_per_class=test_per_class, num_distinct=num_distinct,
                group_size=group_size, class_gap=float(class_gap),
                hue_jitter=float(hue_jitter),
                rotation_jitter=float(rotation_jitter),
                num_distractors=num_distractors,
                pixel_noise=float(pixel_noise), seed=int(seed))
    _check_args(args)
    structure = class_structure(num_distinct, group_size, class_gap,
                                hue_jitter, seed)
    names = list(CIFAR100_CLASSES)
    coarse = np.asarray(CIFAR100_COARSE_OF_FINE)
    folder = osp.join(out_dir, CIFAR_FOLDERS['cifar100'])
    os.makedirs(folder, exist_ok=True)
    for split_id, (split, per_class, kind) in enumerate(
            (('train', train_per_class, 'training'),
             ('test', test_per_class, 'testing'))):
        labels, data = _render_split(structure, per_class, split_id, args)
        dump_py2_pickle(
            {
                'filenames': [f'{names[lab]}_s_{i:06d}.png'
                              for i, lab in enumerate(labels)],
                'batch_label': f'{kind} batch 1 of 1',
                'fine_labels': labels.tolist(),
                'coarse_labels': coarse[labels].tolist(),
                'data': data,
            }, osp.join(folder, split))
    dump_py2_pickle(
        {
            'fine_label_names': names,
            'coarse_label_names': list(CIFAR100_SUPERCLASSES),
            META_KEY: dict(generator='lt_plugins.data.cifar_lt_bench',
                           version=FORMAT_VERSION, args=args,
                           classes=structure),
        }, osp.join(folder, 'meta'))
    return out_dir


def read_bench_info(data_root: str) -> Optional[dict]:
    """The generator record of a benchmark data root.

    Args:
        data_root (str): Folder holding ``cifar-100-python/``.

    Returns:
        dict or None: ``generator``, ``version``, ``args`` (the generator
        arguments) and ``classes`` (:func:`class_structure`), or None for a
        CIFAR-100 that this module did not write (the real one).
    """
    path = osp.join(data_root, CIFAR_FOLDERS['cifar100'], 'meta')
    with open(path, 'rb') as f:
        meta = pickle.load(f, encoding='latin1')
    return meta.get(META_KEY)


def group_kind(info: dict) -> List[str]:
    """``'distinct'`` or ``'confusable'`` for every class of a record."""
    return ['distinct' if d else 'confusable'
            for d in info['classes']['distinct']]
