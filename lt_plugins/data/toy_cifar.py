"""A deterministic toy data set in the genuine CIFAR python-pickle format.

The files have the layout and content of the real archives
(https://www.cs.toronto.edu/~kriz/cifar.html), so any CIFAR reader (mmpretrain,
torchvision, the long-tailed data sets of :mod:`lt_plugins.cls.datasets`)
loads them unchanged:

* ``cifar-10-batches-py/``: ``data_batch_1`` .. ``data_batch_5``,
  ``test_batch`` (keys ``batch_label``, ``labels``, ``data``, ``filenames``)
  and ``batches.meta`` (``num_cases_per_batch``, ``label_names``,
  ``num_vis``);
* ``cifar-100-python/``: ``train`` and ``test`` (keys ``filenames``,
  ``batch_label``, ``fine_labels``, ``coarse_labels``, ``data``) and ``meta``
  (``fine_label_names``, ``coarse_label_names``).

``data`` is a uint8 array of shape (N, 3072): 1024 red, then 1024 green, then
1024 blue values of a 32x32 image in row-major order. The real files were
written by Python 2, whose ``str`` is a byte string: read with
``encoding='bytes'`` their keys are ``b'data'``, ``b'labels'`` ..., read with
``encoding='latin1'`` they are ``'data'``, ``'labels'`` .... The pickles
written here reproduce that (protocol 2, Python-2 string opcodes and the
``numpy.core.multiarray._reconstruct`` reference), so both reading styles
work as with the real files.

Images are learnable but not trivial: every class has its own colour and
stripe pattern (orientation and frequency); each image gets a random stripe
phase, a brightness jitter and Gaussian pixel noise. The md5 sums of the real
archives of course do not match, which is why the long-tailed data sets read
the pickles themselves instead of going through mmpretrain's md5-checking
``CIFAR10``.
"""
import colorsys
import os
import os.path as osp
import pickle
import struct
from typing import Dict, List, Optional, Sequence

import numpy as np

CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                   'frog', 'horse', 'ship', 'truck')

CIFAR100_CLASSES = (
    'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle',
    'bicycle', 'bottle', 'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel',
    'can', 'castle', 'caterpillar', 'cattle', 'chair', 'chimpanzee', 'clock',
    'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
    'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster',
    'house', 'kangaroo', 'keyboard', 'lamp', 'lawn_mower', 'leopard', 'lion',
    'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
    'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree',
    'pear', 'pickup_truck', 'pine_tree', 'plain', 'plate', 'poppy',
    'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
    'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail',
    'snake', 'spider', 'squirrel', 'streetcar', 'sunflower', 'sweet_pepper',
    'table', 'tank', 'telephone', 'television', 'tiger', 'tractor', 'train',
    'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf',
    'woman', 'worm')

CIFAR100_SUPERCLASSES = (
    'aquatic_mammals', 'fish', 'flowers', 'food_containers',
    'fruit_and_vegetables', 'household_electrical_devices',
    'household_furniture', 'insects', 'large_carnivores',
    'large_man-made_outdoor_things', 'large_natural_outdoor_scenes',
    'large_omnivores_and_herbivores', 'medium_mammals',
    'non-insect_invertebrates', 'people', 'reptiles', 'small_mammals',
    'trees', 'vehicles_1', 'vehicles_2')

#: Superclass (coarse label) of every CIFAR-100 fine label, as in the real
#: ``coarse_labels``.
CIFAR100_COARSE_OF_FINE = (
    4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11, 6, 11, 5,
    10, 7, 6, 13, 15, 3, 15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5, 5, 19, 8, 8,
    15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17, 10, 3, 2, 12,
    12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13, 16, 19, 2, 4, 6,
    19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13)

#: Sub-folder of each variant, as in the real archives.
CIFAR_FOLDERS = {'cifar10': 'cifar-10-batches-py',
                 'cifar100': 'cifar-100-python'}

_RECONSTRUCT = np.ndarray.__reduce_ex__(np.zeros(1), 2)[0]


class _Py2Pickler(pickle._Pickler):
    """Protocol-2 pickler that writes text and bytes as Python-2 ``str``.

    Python 2's ``str`` is pickled with the ``BINSTRING`` opcodes, which
    Python 3 turns into ``bytes`` (``encoding='bytes'``) or ``str``
    (``encoding='latin1'``). That is how the real CIFAR files behave.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack('<i', n) + obj)
        self.memoize(obj)

    def save_str(self, obj: str) -> None:
        self.save_bytes(obj.encode('latin1'))

    dispatch[bytes] = save_bytes
    dispatch[str] = save_str

    def save_global(self, obj, name=None) -> None:
        # numpy 2 names the module numpy._core; the real files (numpy 1,
        # Python 2) say numpy.core, which numpy 2 still resolves.
        if obj is _RECONSTRUCT:
            self.write(pickle.GLOBAL + b'numpy.core.multiarray\n'
                       b'_reconstruct\n')
            self.memoize(obj)
            return
        super().save_global(obj, name)


def dump_py2_pickle(obj, path: str) -> None:
    """Write ``obj`` the way Python 2's ``cPickle.dump(obj, f, 2)`` would.

    Args:
        obj: Dicts, lists, ints, strings and numpy arrays.
        path (str): Output file.
    """
    with open(path, 'wb') as f:
        _Py2Pickler(f, protocol=2).dump(obj)


def class_names(variant: str, num_classes: Optional[int] = None) -> List[str]:
    """Names of the first ``num_classes`` classes of a CIFAR variant.

    Args:
        variant (str): ``'cifar10'`` or ``'cifar100'``.
        num_classes (int, optional): Defaults to 10 or 100.

    Returns:
        list[str]: Class names in label order.
    """
    if variant not in CIFAR_FOLDERS:
        raise ValueError(f'variant must be one of {tuple(CIFAR_FOLDERS)}, '
                         f'got {variant!r}')
    names = CIFAR10_CLASSES if variant == 'cifar10' else CIFAR100_CLASSES
    if num_classes is None:
        num_classes = len(names)
    if not 2 <= num_classes <= len(names):
        raise ValueError(f'num_classes must be in [2, {len(names)}] for '
                         f'{variant}, got {num_classes!r}')
    return list(names[:num_classes])


def class_style(c: int) -> Dict[str, float]:
    """Colour and stripe pattern that identify class ``c``.

    Hues are spread with the golden ratio so that neighbouring labels differ
    in colour; orientation and frequency cycle with other periods so that
    classes of similar hue still differ in pattern.

    Args:
        c (int): Class index.

    Returns:
        dict: ``rgb`` (3 floats in [0, 255]), ``theta`` (stripe orientation in
        radians) and ``freq`` (stripe cycles per image).
    """
    hue = (c * 0.6180339887) % 1.0
    sat = (0.55, 0.85, 0.7)[c % 3]
    val = (0.85, 0.6, 0.72, 0.95)[c % 4]
    rgb = np.array(colorsys.hsv_to_rgb(hue, sat, val)) * 255.0
    theta = np.pi * ((c * 0.3819660113) % 1.0)
    freq = (1.5, 2.5, 3.5, 4.5, 5.5)[c % 5]
    return dict(rgb=rgb, theta=float(theta), freq=freq)


def render_images(labels: np.ndarray, rng: np.random.Generator,
                  noise: float = 0.12) -> np.ndarray:
    """Render 32x32 RGB images of the given classes.

    Args:
        labels (np.ndarray): Class of each image, shape (N,).
        rng (np.random.Generator): Source of the per-image randomness.
        noise (float): Std of the Gaussian pixel noise as a fraction of 255.

    Returns:
        np.ndarray: uint8 array, shape (N, 3072), CIFAR channel-major rows.
    """
    n = len(labels)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float64) / 32.0
    out = np.empty((n, 3, 32, 32), dtype=np.float64)
    phase = rng.uniform(0, 2 * np.pi, size=n)
    bright = rng.uniform(0.85, 1.15, size=n)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        st = class_style(int(c))
        proj = xx * np.cos(st['theta']) + yy * np.sin(st['theta'])
        wave = np.sin(2 * np.pi * st['freq'] * proj[None] +
                      phase[idx, None, None])  # (n_c, 32, 32)
        shade = (0.7 + 0.3 * wave) * bright[idx, None, None]
        out[idx] = st['rgb'][None, :, None, None] * shade[:, None]
    out += rng.normal(0.0, noise * 255.0, size=out.shape)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8).reshape(n, 3072)


def _make_split(num_classes: int, per_class: int,
                rng: np.random.Generator):
    labels = np.repeat(np.arange(num_classes), per_class)
    labels = labels[rng.permutation(len(labels))]  # real files are shuffled
    return labels, render_images(labels, rng)


def _filenames(labels: np.ndarray, names: Sequence[str], start: int
               ) -> List[str]:
    return [f'{names[lab]}_s_{start + i:06d}.png'
            for i, lab in enumerate(labels)]


def generate_toy_cifar(out_dir: str,
                       variant: str = 'cifar10',
                       num_classes: Optional[int] = None,
                       train_per_class: int = 200,
                       test_per_class: int = 20,
                       seed: int = 0) -> str:
    """Write a class-balanced toy CIFAR data set in the real on-disk format.

    Long-tailed versions are drawn from it by the data sets in
    :mod:`lt_plugins.cls.datasets`, exactly as from the real CIFAR.

    Args:
        out_dir (str): Data root; the variant's folder
            (``cifar-10-batches-py`` or ``cifar-100-python``) is created in it.
        variant (str): ``'cifar10'`` or ``'cifar100'``.
        num_classes (int, optional): Use only the first classes of the
            variant. Defaults to all (10 or 100).
        train_per_class (int): Training images per class.
        test_per_class (int): Test images per class.
        seed (int): Seed; the same arguments give byte-identical files.

    Returns:
        str: ``out_dir`` (the ``data_root`` of the CIFAR data sets).
    """
    names = class_names(variant, num_classes)
    for key, value in (('train_per_class', train_per_class),
                       ('test_per_class', test_per_class)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f'{key} must be a positive int, got {value!r}')
    n_cls = len(names)
    rng = np.random.default_rng(seed)
    train_labels, train_data = _make_split(n_cls, train_per_class, rng)
    test_labels, test_data = _make_split(n_cls, test_per_class, rng)

    folder = osp.join(out_dir, CIFAR_FOLDERS[variant])
    os.makedirs(folder, exist_ok=True)
    if variant == 'cifar10':
        chunks = np.array_split(np.arange(len(train_labels)), 5)
        for b, idx in enumerate(chunks, start=1):
            dump_py2_pickle(
                {
                    'batch_label': f'training batch {b} of 5',
                    'labels': train_labels[idx].tolist(),
                    'data': train_data[idx],
                    'filenames': _filenames(train_labels[idx], names,
                                            int(idx[0]) if len(idx) else 0),
                }, osp.join(folder, f'data_batch_{b}'))
        dump_py2_pickle(
            {
                'batch_label': 'testing batch 1 of 1',
                'labels': test_labels.tolist(),
                'data': test_data,
                'filenames': _filenames(test_labels, names, 0),
            }, osp.join(folder, 'test_batch'))
        dump_py2_pickle(
            {
                'num_cases_per_batch': len(chunks[0]),
                'label_names': names,
                'num_vis': 3072,
            }, osp.join(folder, 'batches.meta'))
    else:
        coarse = np.asarray(CIFAR100_COARSE_OF_FINE)
        for split, labels, data, kind in (
                ('train', train_labels, train_data, 'training'),
                ('test', test_labels, test_data, 'testing')):
            dump_py2_pickle(
                {
                    'filenames': _filenames(labels, names, 0),
                    'batch_label': f'{kind} batch 1 of 1',
                    'fine_labels': labels.tolist(),
                    'coarse_labels': coarse[labels].tolist(),
                    'data': data,
                }, osp.join(folder, split))
        dump_py2_pickle(
            {
                'fine_label_names': names,
                'coarse_label_names': list(CIFAR100_SUPERCLASSES),
            }, osp.join(folder, 'meta'))
    return out_dir
