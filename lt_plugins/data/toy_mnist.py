"""A deterministic toy data set in the genuine MNIST idx format.

Writes the four files of the MNIST distribution
(http://yann.lecun.com/exdb/mnist/), gzip-compressed as distributed or
extracted:

* ``train-images-idx3-ubyte``: magic 0x00000803 (unsigned bytes, 3
  dimensions), then the big-endian int32 sizes N, 28, 28, then N*28*28 pixel
  bytes in row-major order;
* ``train-labels-idx1-ubyte``: magic 0x00000801, N, then N label bytes;
* ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``: the same for
  the test images.

Every digit class is a fixed random pattern of three strokes on a dark
background; digits ``d`` and ``d + 5`` share two of them. Each image shifts
the pattern by up to 3 pixels, scales its brightness and adds strong noise,
so the classes are learnable but the shared-stroke pairs are not trivial.
"""
import gzip
import os
import os.path as osp
import struct

import numpy as np

SIZE = 28


def _stroke(rng: np.random.Generator) -> np.ndarray:
    """A thick random line segment on a (28, 28) canvas, values in [0, 1]."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    (y0, x0), (y1, x1) = rng.uniform(6, 22, size=(2, 2))
    t = np.linspace(0, 1, 40)[:, None, None]
    py, px = y0 + t * (y1 - y0), x0 + t * (x1 - x0)
    dist = np.sqrt((yy - py)**2 + (xx - px)**2).min(axis=0)
    return np.clip(2.0 - dist, 0, 1).astype(np.float32)


def _templates(rng: np.random.Generator) -> np.ndarray:
    """One (28, 28) pattern in [0, 1] per digit, three strokes each.

    Digits ``d`` and ``d + 5`` share two strokes (like a real 4 and 9, the
    pair of the CDB paper's setting), so they are the hard pairs.
    """
    strokes = [[_stroke(rng) for _ in range(3)] for _ in range(5)]
    strokes += [s[:2] + [_stroke(rng)] for s in strokes]
    return np.stack([np.maximum.reduce(s) for s in strokes])


def _render(labels: np.ndarray, templates: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    n = len(labels)
    shifts = rng.integers(-3, 4, size=(n, 2)) + 3
    bright = rng.uniform(0.7, 1.0, size=(n, 1, 1)).astype(np.float32)
    # every template at every shift: (10, 7, 7, 28, 28)
    rolled = np.stack([
        np.stack([np.roll(templates, (dy, dx), axis=(1, 2))
                  for dx in range(-3, 4)], axis=1) for dy in range(-3, 4)
    ], axis=1)
    imgs = np.empty((n, SIZE, SIZE), np.uint8)
    for s in range(0, n, 4096):  # float32 in blocks: bounded memory
        part = slice(s, s + 4096)
        img = rolled[labels[part], shifts[part, 0], shifts[part, 1]]
        img = img * (bright[part] * 255) + 60 * rng.standard_normal(
            img.shape, dtype=np.float32)
        imgs[part] = np.clip(img, 0, 255).astype(np.uint8)
    return imgs


def _write(path: str, magic: int, array: np.ndarray, compress: bool) -> None:
    data = struct.pack(f'>{1 + array.ndim}i', magic, *array.shape) + \
        array.astype(np.uint8).tobytes()
    if compress:
        # level 1: the noise does not compress anyway, level 9 takes long
        with gzip.open(path + '.gz', 'wb', compresslevel=1) as f:
            f.write(data)
    else:
        with open(path, 'wb') as f:
            f.write(data)


def generate_toy_mnist(root: str, train_per_class: int = 600,
                       test_per_class: int = 100, seed: int = 0,
                       compress: bool = True) -> str:
    """Write a toy MNIST in the idx format into ``root``.

    Args:
        root (str): Output folder (created).
        train_per_class (int): Training images of each digit.
        test_per_class (int): Test images of each digit.
        seed (int): Seed of the patterns and the per-image randomness.
        compress (bool): Write ``.gz`` files as distributed (default) or
            the extracted files.

    Returns:
        str: ``root``.
    """
    if train_per_class < 1 or test_per_class < 1:
        raise ValueError('train_per_class and test_per_class must be >= 1, '
                         f'got {train_per_class} and {test_per_class}')
    rng = np.random.default_rng(seed)
    templates = _templates(rng)
    os.makedirs(root, exist_ok=True)
    for group, per_class in (('train', train_per_class),
                             ('t10k', test_per_class)):
        # shuffled as in the real files, where digits are interleaved
        labels = rng.permutation(np.repeat(np.arange(10), per_class))
        imgs = _render(labels, templates, rng)
        _write(osp.join(root, f'{group}-images-idx3-ubyte'), 0x803, imgs,
               compress)
        _write(osp.join(root, f'{group}-labels-idx1-ubyte'), 0x801, labels,
               compress)
    return root
