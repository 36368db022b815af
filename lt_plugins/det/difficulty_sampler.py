"""Difficulty-driven repeat-factor sampling for detection (CDB-S, issue 25).

The CDB paper samples by difficulty (CDB-S, sec. 3.2.2, eq. 15: class ``c``
drawn with probability ``w_c / sum(w)``). A detection image holds several
categories, so "draw a class, then an image of it" does not carry over;
instead the difficulty enters the mechanism LVIS training already uses for
long tails, repeat factor sampling (RFS; Gupta et al., LVIS, 2019): every
category gets a repeat factor, an image the largest factor of its
categories, and an epoch repeats each image about that many times. RFS
derives the category factor from rarity, ``r_c^RFS = max(1, sqrt(t / f_c))``
with ``f_c`` the fraction of training images holding ``c``; here it comes
from the CDB weights ``w`` (SPEC section 1: ``w_c = d_c ** tau``, normalised
to mean 1 over the classes), in one of two forms:

* ``'difficulty'``: ``r_c = max(1, w_c)``, the difficulty alone;
* ``'rfs_x_difficulty'``: ``r_c = max(1, r_c^RFS * w_c)``, RFS scaled by
  the difficulty.

The framework-free parts (RFS category factors, the two forms, image
factors, one epoch's plan) are plain functions of numpy arrays; the
registered :class:`DifficultyRepeatFactorSampler` holds the data set's
categories, the current weights and the epoch.
"""
import math
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.registry import DATA_SAMPLERS
from mmengine.dataset import ClassBalancedDataset
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from lt_plugins.core.validation import (check_bool, check_choice, check_int,
                                        check_real, check_real_sequence)
from lt_plugins.engine.difficulty_consumer import DifficultyWeightConsumer

#: The forms of the category repeat factor (see the module docstring).
FORMS = ('difficulty', 'rfs_x_difficulty')

#: Key of the sampler state inside an mmengine checkpoint.
SAMPLER_CHECKPOINT_KEY = 'cdb_repeat_factor_sampler'


# ------------------------------------------------------------------ math
def rfs_category_factors(image_cats: Sequence[np.ndarray], num_classes: int,
                         oversample_thr: float) -> np.ndarray:
    """RFS category repeat factors ``max(1, sqrt(t / f_c))``.

    Computed as mmengine's ``ClassBalancedDataset._get_repeat_factors``
    (the class mmdet 3.3's LVIS configs use for RFS) computes them, number
    for number: ``f_c`` is the number of images holding ``c`` divided by
    the number of images (empty images included), ``t`` the threshold.

    Args:
        image_cats (Sequence[np.ndarray]): The distinct labels of every
            image, N arrays of ints in ``[0, num_classes)``.
        num_classes (int): C.
        oversample_thr (float): The threshold ``t``.

    Returns:
        np.ndarray: Factors, shape (C,), float64, each >= 1; 1 for a
        category without an image (ClassBalancedDataset has no factor for
        it, and no image needs one).
    """
    num_images = len(image_cats)
    flat = np.concatenate([np.asarray(c, dtype=np.int64) for c in image_cats]
                          ) if num_images else np.zeros(0, np.int64)
    counts = np.bincount(flat, minlength=num_classes).astype(np.float64)
    factors = np.ones(num_classes, dtype=np.float64)
    present = counts > 0
    freq = counts[present] / num_images
    # np.sqrt and math.sqrt are both the correctly rounded IEEE square root
    factors[present] = np.maximum(1.0, np.sqrt(oversample_thr / freq))
    return factors


def category_repeat_factors(weights: np.ndarray,
                            rfs_factors: np.ndarray,
                            form: str,
                            measured: Optional[np.ndarray] = None
                            ) -> np.ndarray:
    """Category repeat factors from CDB weights, in one of :data:`FORMS`.

    ``'difficulty'``: ``r_c = max(1, w_c)``; ``'rfs_x_difficulty'``:
    ``r_c = max(1, r_c^RFS * w_c)``. A category whose difficulty was never
    measured (``measured[c]`` False: no held-out instance, or too few to
    get an AP) takes the factor it would have without difficulty: 1 in
    ``'difficulty'``, ``r_c^RFS`` in ``'rfs_x_difficulty'``, instead of the
    factor of the mean difficulty the hook fills in for it (SPEC section 1).

    Args:
        weights (np.ndarray): CDB weights, shape (C,), mean 1 as the hook
            normalises them.
        rfs_factors (np.ndarray): ``r_c^RFS``, shape (C,)
            (:func:`rfs_category_factors`).
        form (str): One of :data:`FORMS`.
        measured (np.ndarray, optional): Bool, shape (C,); None means every
            category is measured.

    Returns:
        np.ndarray: Factors, shape (C,), float64, each >= 1.
    """
    w = np.asarray(weights, dtype=np.float64)
    if measured is not None:
        w = np.where(np.asarray(measured, dtype=bool), w, 1.0)
    if form == 'difficulty':
        return np.maximum(1.0, w)
    if form == 'rfs_x_difficulty':
        return np.maximum(1.0, np.asarray(rfs_factors, np.float64) * w)
    raise ValueError(f'form must be one of {FORMS}, got {form!r}')


def image_repeat_factors(image_cats: Sequence[np.ndarray],
                         category_factors: np.ndarray) -> np.ndarray:
    """Per image the largest factor of its categories (RFS's ``r(I)``).

    Args:
        image_cats (Sequence[np.ndarray]): The distinct labels of every
            image, N arrays.
        category_factors (np.ndarray): Shape (C,), each >= 1.

    Returns:
        np.ndarray: Shape (N,), float64; 1 for an image without
        annotations, as in mmengine's ``ClassBalancedDataset``.
    """
    sizes = np.array([len(c) for c in image_cats], dtype=np.int64)
    out = np.ones(len(image_cats), dtype=np.float64)
    if sizes.sum():
        flat = np.concatenate([np.asarray(c, np.int64) for c in image_cats])
        owner = np.repeat(np.arange(len(image_cats)), sizes)
        # factors are >= 1, so starting from 1 changes no maximum
        np.maximum.at(out, owner, np.asarray(category_factors)[flat])
    return out


def draw_repeat_plan(image_factors: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """One epoch's indices: each image ``floor(r_i) + Bernoulli(frac(r_i))``
    times, shuffled.

    The stochastic rounding of detectron2's ``RepeatFactorTrainingSampler``:
    image ``i`` appears ``r_i`` times per epoch in expectation.

    Args:
        image_factors (np.ndarray): Shape (N,), each >= 1, or 0 for an image
            left out of the epoch (the rotating held-out fold).
        rng (np.random.Generator): The epoch's randomness.

    Returns:
        np.ndarray: Data set indices, int64, in random order; between
        ``sum(floor(r))`` and ``sum(ceil(r))`` of them.
    """
    f = np.asarray(image_factors, dtype=np.float64)
    whole = np.floor(f)
    counts = whole.astype(np.int64) + (rng.random(f.size) < f - whole)
    plan = np.repeat(np.arange(f.size, dtype=np.int64), counts)
    return plan[rng.permutation(plan.size)]


def fold_assignment(num_images: int, num_folds: int,
                    fold_seed: int) -> np.ndarray:
    """The rotating held-out folds: image ``i`` belongs to fold
    ``folds[i]``.

    A random partition into folds whose sizes differ by at most one:
    the images in the order of a permutation drawn from ``fold_seed``, dealt
    round-robin. It depends on the seed and the number of images only, so
    every rank, every seed of a run and a resumed run agree on it.

    Args:
        num_images (int): N.
        num_folds (int): K, 2 <= K <= N.
        fold_seed (int): Seed of the permutation.

    Returns:
        np.ndarray: Shape (N,), int64, values in ``[0, K)``.
    """
    order = np.random.default_rng([fold_seed]).permutation(num_images)
    folds = np.empty(num_images, dtype=np.int64)
    folds[order] = np.arange(num_images) % num_folds
    return folds


# --------------------------------------------------------------- sampler
def _image_categories(dataset) -> Tuple[List[np.ndarray], int]:
    """The distinct labels of every image and the number of classes.

    Read like ``ClassBalancedDataset`` reads them: ``set(get_cat_ids(i))``
    (an mmdet data set returns the labels ``0 .. C-1`` of its instances).
    """
    name = type(dataset).__name__
    if isinstance(dataset, ClassBalancedDataset):
        raise TypeError(
            'DifficultyRepeatFactorSampler: the training data set is '
            'already RFS-resampled (ClassBalancedDataset); give it the plain '
            "data set and use form='rfs_x_difficulty' for RFS times "
            'difficulty')
    if not callable(getattr(dataset, 'get_cat_ids', None)):
        raise TypeError(
            f'DifficultyRepeatFactorSampler needs the category ids of every '
            f'image, read with dataset.get_cat_ids(idx) as mmdet data sets '
            f'provide it; {name} has no get_cat_ids')
    if callable(getattr(dataset, 'full_init', None)):
        dataset.full_init()  # a lazily initialised data set
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if not classes:
        raise TypeError(
            f"DifficultyRepeatFactorSampler needs the data set's classes "
            f"(metainfo['classes']) to match the CDB weights; {name} has "
            f'none')
    num_classes = len(classes)
    cats = []
    for idx in range(len(dataset)):
        try:
            ids = dataset.get_cat_ids(idx)
        except NotImplementedError as err:
            raise TypeError(
                f'DifficultyRepeatFactorSampler needs the category ids of '
                f'every image, but {name}.get_cat_ids({idx}) is not '
                'implemented') from err
        ids = np.array(sorted({int(c) for c in ids}), dtype=np.int64)
        if ids.size and (ids[0] < 0 or ids[-1] >= num_classes):
            bad = int(ids[0] if ids[0] < 0 else ids[-1])
            raise ValueError(
                f'{name}.get_cat_ids({idx}) gives label {bad}, not a label '
                f'of the {num_classes} classes (0 .. {num_classes - 1})')
        cats.append(ids)
    if not cats:
        raise ValueError(f'DifficultyRepeatFactorSampler: {name} is empty')
    return cats, num_classes


@DATA_SAMPLERS.register_module()
class DifficultyRepeatFactorSampler(DifficultyWeightConsumer, Sampler):
    """Repeat factor sampling driven by CDB class difficulty (CDB-S).

    The CDB paper's sampler (sec. 3.2.2) as repeat factors for detection
    data (see the module docstring for the two forms, SPEC section 1 for
    the weights). :class:`~lt_plugins.det.CDBDifficultyHook` measures the
    difficulty on its held-out split after every ``interval`` epochs and
    calls :meth:`update_weights`; the next epoch draws with the new
    factors. Before the first measurement every weight is 1 (SPEC section
    1, schedule): form ``'difficulty'`` then visits every image once per
    epoch, form ``'rfs_x_difficulty'`` samples as RFS.

    Example::

        train_dataloader = dict(
            sampler=dict(type='DifficultyRepeatFactorSampler',
                         form='rfs_x_difficulty', oversample_thr=1e-3))
        custom_hooks = [dict(type='CDBDifficultyHook', ...)]

    **Why a sampler, not a data set wrapper** (as mmdet's
    ``ClassBalancedDataset``): the factors change every epoch, and a
    wrapper's length and index map are fixed when the dataloader is built;
    a sampler draws a new plan per epoch.

    **The plan.** Epoch ``e`` repeats image ``i`` ``floor(r_i) +
    Bernoulli(r_i - floor(r_i))`` times (the stochastic rounding of
    detectron2's ``RepeatFactorTrainingSampler``, so the expected count is
    ``r_i``) and shuffles, all from a generator seeded by ``(seed, e)``.
    The seed is shared by all ranks (the runner's seed, or one synchronised
    over ranks), so every rank draws the same plan; as in mmengine's
    ``DefaultSampler`` the plan is padded with its own first indices to a
    multiple of the world size (``round_up=True``) and rank ``k`` takes
    ``plan[k::world_size]``: disjoint shards of one plan.

    **Epoch length.** ``len(sampler)`` follows the current plan: about
    ``sum_i r_i`` images per epoch (at least ``N``, since every factor is at
    least 1). mmdet's ``ClassBalancedDataset`` repeats an image
    ``ceil(r_i)`` times instead, so with the same factors (form
    ``'rfs_x_difficulty'`` before the first measurement) an RFS epoch is
    ``sum_i (ceil(r_i) - r_i)`` images longer than this sampler's expected
    one; form ``'difficulty'`` makes epochs as long as the difficult
    categories ask, independent of RFS's length. mmengine's
    ``EpochBasedTrainLoop`` iterates the dataloader anew each epoch and
    logs ``[i/len(dataloader)]`` with the current length, but fixes
    ``runner.max_iters`` (and so the ETA) from the first epoch's length when
    it is built, and schedulers converted from epochs to iterations
    (``convert_to_iter_based=True``) assume that length too. Epoch-based
    schedules (the 1x steps) and iteration warm-ups are unaffected. A
    sampler of fixed length would keep ``max_iters`` exact but could not
    give an image its repeat factor without fixing the total, which is what
    decides how much the difficult categories are seen.

    **Unmeasured categories** (no held-out instance, or too few to measure;
    the hook fills in the mean difficulty for them) keep the factor they
    would have without difficulty: 1 in ``'difficulty'``, ``r_c^RFS`` in
    ``'rfs_x_difficulty'``. The hook passes its mask of categories ever
    measured (a category measured once and missing later keeps its previous
    difficulty, SPEC section 1, and counts as measured).

    **Checkpoint.** :meth:`state_dict` (seed, epoch, form, threshold,
    weights and the measured mask) is written by ``CDBDifficultyHook`` into
    every checkpoint under :data:`SAMPLER_CHECKPOINT_KEY` and restored on
    ``--resume``, so a resumed run draws the plan the interrupted run would
    have drawn, also when the resumed run's seed differs (mmengine builds
    the dataloader before it reads the checkpoint's seed).

    **Rotating held-out fold** (``heldout_folds=K``). Holding out a fixed
    split costs the training set those images in every epoch. With
    ``heldout_folds`` the training images are split into K folds
    (:func:`fold_assignment`, from ``fold_seed``, not from the run's seed),
    epoch ``e``'s plan leaves out fold ``e mod K`` (its images get factor 0)
    and ``CDBDifficultyHook(rotating_fold=True)`` measures on that fold
    after the epoch; every image trains in ``K - 1`` of every ``K`` epochs.
    The measurement is then on images the model saw in earlier epochs. The
    hook, not this sampler, knows the annotations: :meth:`fold_image_ids`
    gives it the fold's image ids.

    **Refused**, each with a message naming the value: a data set without
    per-image category ids (``get_cat_ids``) or without classes, one
    already wrapped in ``ClassBalancedDataset``, weights of the wrong
    length, NaN, infinite or negative weights, and factors that could make
    an epoch longer than ``max_epoch_factor`` times the data set (the check
    takes the longest possible plan, ``sum_i ceil(r_i)``). Iterating the
    sampler before any weights were pushed raises
    (:mod:`lt_plugins.engine.difficulty_consumer`): a run with this sampler
    and no hook serving it would silently train without difficulty.
    ``fixed_weights=True`` is the opt-out for repeat factors from weights
    fixed on purpose (``weights``, e.g. from an earlier run's
    ``cdb_history.json``; without them weight 1: RFS in form
    ``'rfs_x_difficulty'``, every image once in ``'difficulty'``); a hook
    in the same run is then refused, since it would overwrite them.

    Args:
        dataset: The training data set (an mmdet data set, with
            ``get_cat_ids`` and ``metainfo['classes']``).
        form (str): One of :data:`FORMS`. Defaults to 'difficulty'.
        oversample_thr (float): RFS threshold ``t`` of form
            ``'rfs_x_difficulty'`` (finite, >= 0; unused by the other
            form). Defaults to 1e-3, LVIS' and mmdet's value.
        seed (int, optional): Seed shared by all ranks, >= 0. Defaults to
            one synchronised over ranks (the runner passes its own seed).
        round_up (bool): Pad each epoch's plan to a multiple of the world
            size, so all ranks run equally many iterations. Defaults to
            True.
        max_epoch_factor (float): Largest allowed epoch, as a multiple of
            the data set's length (finite, >= 1). Defaults to 20.
        heldout_folds (int, optional): K >= 2 (and at most the number of
            images): leave out fold ``epoch mod K`` from each epoch, for a
            hook that measures on it (see above). Defaults to None (every
            epoch draws from every image; the held-out split is a file of
            its own).
        fold_seed (int): Seed of the fold partition, >= 0. Defaults to 0.
        fixed_weights (bool): Sample without a ``CDBDifficultyHook``, with
            ``weights`` (or weight 1). Defaults to False: iterating before
            a hook pushed weights is refused.
        weights (array-like, optional): The fixed CDB weights, shape (C,),
            finite, >= 0; only with ``fixed_weights=True``.
    """

    difficulty_hook_hint = ("dict(type='CDBDifficultyHook', dataloader="
                            '<held-out dataloader>) (docs/detection.md)')

    def __init__(self,
                 dataset,
                 form: str = 'difficulty',
                 oversample_thr: float = 1e-3,
                 seed: Optional[int] = None,
                 round_up: bool = True,
                 max_epoch_factor: float = 20.0,
                 heldout_folds: Optional[int] = None,
                 fold_seed: int = 0,
                 fixed_weights: bool = False,
                 weights=None) -> None:
        self.init_difficulty_consumer(fixed_weights)
        self.form = check_choice('form', form, FORMS)
        self.oversample_thr = check_real('oversample_thr', oversample_thr,
                                         0.0)
        seed = check_int('seed', seed, 0, allow_none=True)
        self.round_up = check_bool('round_up', round_up)
        self.max_epoch_factor = check_real('max_epoch_factor',
                                           max_epoch_factor, 1.0)
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.dataset = dataset
        self.image_cats, self.num_classes = _image_categories(dataset)
        self.num_images = len(self.image_cats)
        self.rfs_factors = rfs_category_factors(
            self.image_cats, self.num_classes, self.oversample_thr)
        self.heldout_folds = check_int('heldout_folds', heldout_folds, 2,
                                       allow_none=True)
        self.fold_seed = check_int('fold_seed', fold_seed, 0)
        self.folds = None
        self._img_ids = None  # img_id of every image, read once for folds
        if self.heldout_folds is not None:
            if self.heldout_folds > self.num_images:
                raise ValueError(
                    f'heldout_folds={self.heldout_folds} is more folds than '
                    f'the {self.num_images} images of the data set')
            self.folds = fold_assignment(self.num_images, self.heldout_folds,
                                         self.fold_seed)
            self._img_ids = np.array(
                [int(dataset.get_data_info(i)['img_id'])
                 for i in range(self.num_images)], dtype=np.int64)
        self.epoch = 0
        self.served = False  # set by the first update_weights
        self._set_weights(np.ones(self.num_classes), None)
        if weights is not None:
            if not self.fixed_weights:
                raise ValueError(
                    'DifficultyRepeatFactorSampler: weights are fixed '
                    'weights; pass fixed_weights=True with them (a '
                    'CDBDifficultyHook would replace them after its first '
                    'measurement)')
            self.update_weights(weights)
        self.served = self.served or self.fixed_weights

    # ------------------------------------------------------------ weights
    def update_weights(self, weights, measured=None) -> None:
        """Set the CDB weights the factors come from, from the next plan on.

        Args:
            weights (array-like | torch.Tensor): Shape (C,), finite, >= 0;
                the hook's normalised weights (mean 1).
            measured (array-like, optional): Bool, shape (C,): whether each
                category's difficulty comes from a measurement. An
                unmeasured category gets the factor of weight 1 (see the
                class docstring). None: all measured.

        Raises:
            ValueError: For weights of another length than the data set's
                classes, a NaN, infinite or negative weight, a mask of
                another length, or factors that could make an epoch longer
                than ``max_epoch_factor`` times the data set.
        """
        if torch.is_tensor(weights):
            weights = weights.detach().cpu().numpy()
        if np.ndim(weights) != 1 or len(weights) != self.num_classes:
            raise ValueError(
                f'DifficultyRepeatFactorSampler: the data set has '
                f'{self.num_classes} classes but got '
                f'{np.size(weights)} weights (shape {np.shape(weights)})')
        w = check_real_sequence('DifficultyRepeatFactorSampler weights',
                                weights, length=self.num_classes, low=0.0)
        if measured is not None:
            if torch.is_tensor(measured):
                measured = measured.detach().cpu().numpy()
            measured = np.asarray(measured)
            if measured.shape != (self.num_classes, ) or \
                    measured.dtype != bool:
                raise ValueError(
                    'measured must be a bool mask of shape '
                    f'({self.num_classes},), got dtype {measured.dtype} and '
                    f'shape {measured.shape}')
        self._set_weights(w, measured)
        self.served = True

    def _set_weights(self, weights: np.ndarray,
                     measured: Optional[np.ndarray]) -> None:
        cat_f = category_repeat_factors(weights, self.rfs_factors, self.form,
                                        measured)
        img_f = image_repeat_factors(self.image_cats, cat_f)
        longest = int(np.ceil(img_f).sum())
        if longest > self.max_epoch_factor * self.num_images:
            top = int(np.argmax(cat_f))
            raise ValueError(
                f'DifficultyRepeatFactorSampler: these repeat factors could '
                f'make an epoch of {longest} images, '
                f'{longest / self.num_images:.2f} times the '
                f'{self.num_images} images of the data set, above '
                f'max_epoch_factor={self.max_epoch_factor:g} (expected '
                f'length {img_f.sum():.1f}; largest category factor '
                f'{cat_f[top]:.3f}, label {top}, weight '
                f'{float(weights[top]):.3f}); raise max_epoch_factor or '
                'cap the weights (tau_max, weight_floor of the hook)')
        self.weights = np.array(weights, dtype=np.float64)
        self.measured = None if measured is None else np.array(measured)
        self.category_factors = cat_f
        self.image_factors = img_f
        self._plan_key = None
        self._plan = None

    # -------------------------------------------------------------- folds
    def heldout_fold(self, epoch: Optional[int] = None) -> Optional[int]:
        """The fold ``epoch`` (default: the current epoch) leaves out, or
        None without ``heldout_folds``."""
        if self.heldout_folds is None:
            return None
        return int((self.epoch if epoch is None else epoch) %
                   self.heldout_folds)

    def fold_image_ids(self, fold: int) -> List[int]:
        """The ``img_id`` of every image of ``fold``, in data set order.

        Raises:
            ValueError: Without ``heldout_folds``, or for a fold outside
                ``[0, K)``.
        """
        if self.heldout_folds is None:
            raise ValueError('this DifficultyRepeatFactorSampler has no '
                             'held-out folds (heldout_folds=None)')
        check_int('fold', fold, 0, self.heldout_folds - 1)
        return self._img_ids[self.folds == fold].tolist()

    # --------------------------------------------------------------- plan
    def epoch_plan(self) -> np.ndarray:
        """The current epoch's plan before sharding (the same on all ranks).

        Returns:
            np.ndarray: Data set indices, int64; none of the fold the epoch
            leaves out (``heldout_folds``).
        """
        key = (self.seed, self.epoch)
        if self._plan_key != key:
            rng = np.random.default_rng([self.seed, self.epoch])
            factors = self.image_factors
            if self.folds is not None:
                factors = np.where(self.folds == self.heldout_fold(), 0.0,
                                   factors)
            self._plan = draw_repeat_plan(factors, rng)
            self._plan_key = key
        return self._plan

    def _shard_sizes(self) -> Tuple[int, int]:
        """``(num_samples, total_size)`` of the current plan, as mmengine's
        ``DefaultSampler`` computes them."""
        n = len(self.epoch_plan())
        if self.round_up:
            num_samples = math.ceil(n / self.world_size)
            return num_samples, num_samples * self.world_size
        return math.ceil((n - self.rank) / self.world_size), n

    def attach_difficulty_hook(self, hook) -> None:
        """Record the hook that serves this sampler (its ``before_train``);
        refused with ``fixed_weights=True``, whose weights it would
        replace."""
        if self.fixed_weights:
            raise ValueError(
                f'DifficultyRepeatFactorSampler was built with '
                f'fixed_weights=True, but {type(hook).__name__} would '
                'replace its weights with measured ones; remove the hook, '
                'or fixed_weights (and weights) from the sampler')
        super().attach_difficulty_hook(hook)

    def __iter__(self) -> Iterator[int]:
        if not self.served:
            self.check_difficulty_hook()  # no hook: refused, naming both ways
            raise RuntimeError(
                'DifficultyRepeatFactorSampler has no weights yet: its '
                f'{", ".join(self.difficulty_hooks)} pushes them in '
                'before_train, which has not run')
        plan = self.epoch_plan()
        _, total = self._shard_sizes()
        if total > len(plan):  # pad with the plan's own start, as mmengine
            plan = np.resize(plan, total)
        return iter(plan[self.rank:total:self.world_size].tolist())

    def __len__(self) -> int:
        return self._shard_sizes()[0]

    def set_epoch(self, epoch: int) -> None:
        """Select the plan of ``epoch`` (mmengine's ``DistSamplerSeedHook``
        calls it before every epoch)."""
        self.epoch = epoch

    # -------------------------------------------------------------- state
    def state_dict(self) -> dict:
        """Plain-python state, loadable with ``torch.load(weights_only)``."""
        return dict(
            seed=int(self.seed),
            epoch=int(self.epoch),
            form=self.form,
            oversample_thr=self.oversample_thr,
            num_images=self.num_images,
            weights=self.weights.tolist(),
            measured=None if self.measured is None else
            self.measured.tolist(),
            served=self.served,
            heldout_folds=self.heldout_folds,
            fold_seed=self.fold_seed)

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`'s state (on ``--resume``).

        Raises:
            ValueError: If the state belongs to a data set of another size
                or class count, or to other held-out folds (the resumed run
                would measure on images it trained on in this cycle); a
                changed form or threshold is taken from the current config
                (the hook pushes the weights again before the next epoch).
        """
        if state['num_images'] != self.num_images or \
                len(state['weights']) != self.num_classes:
            raise ValueError(
                f'the checkpoint\'s DifficultyRepeatFactorSampler state is '
                f'for {state["num_images"]} images and '
                f'{len(state["weights"])} classes, the data set has '
                f'{self.num_images} images and {self.num_classes} classes')
        old_k, old_seed = state.get('heldout_folds'), state.get(
            'fold_seed', 0)
        if old_k != self.heldout_folds or (old_k is not None and
                                           old_seed != self.fold_seed):
            raise ValueError(
                f'the checkpoint\'s DifficultyRepeatFactorSampler was built '
                f'with heldout_folds={old_k}, fold_seed={old_seed}, this '
                f'config has heldout_folds={self.heldout_folds}, fold_seed='
                f'{self.fold_seed}; resume with the folds the run started '
                'with')
        self.seed = int(state['seed'])
        self.epoch = int(state['epoch'])
        measured = state['measured']
        self._set_weights(
            np.asarray(state['weights'], dtype=np.float64),
            None if measured is None else np.asarray(measured, dtype=bool))
        self.served = bool(state['served'])


# ------------------------------------------------------- runner lookups
def find_difficulty_sampler(runner) -> Optional[DifficultyRepeatFactorSampler]:
    """The run's :class:`DifficultyRepeatFactorSampler`, if it has one.

    Looks at the training dataloader once the train loop is built, never
    building it (a test run has none): ``dataloader.sampler``, or
    ``dataloader.batch_sampler.sampler`` when a batch sampler (mmdet's
    ``AspectRatioBatchSampler``) wraps it; mmengine then gives the
    ``DataLoader`` no sampler of its own.

    Args:
        runner: The mmengine runner.

    Returns:
        DifficultyRepeatFactorSampler | None
    """
    loop = getattr(runner, '_train_loop', None)
    loader = getattr(loop, 'dataloader', None)
    if loader is None or isinstance(loop, dict):
        return None
    for sampler in (getattr(loader, 'sampler', None),
                    getattr(getattr(loader, 'batch_sampler', None),
                            'sampler', None)):
        if isinstance(sampler, DifficultyRepeatFactorSampler):
            return sampler
    return None


def save_sampler_state(runner, checkpoint: dict) -> None:
    """Write the run's sampler state into ``checkpoint`` (if it has one)."""
    sampler = find_difficulty_sampler(runner)
    if sampler is not None:
        checkpoint[SAMPLER_CHECKPOINT_KEY] = sampler.state_dict()


def load_sampler_state(runner, checkpoint: dict) -> None:
    """Restore the sampler state on ``--resume`` (``load_from`` starts a new
    run: its sampler keeps its own seed and weight 1)."""
    if not getattr(runner, '_resume', False):
        return
    sampler = find_difficulty_sampler(runner)
    state = checkpoint.get(SAMPLER_CHECKPOINT_KEY)
    if sampler is None:
        return
    if state is None:
        runner.logger.warning(
            'the checkpoint has no DifficultyRepeatFactorSampler state; the '
            "resumed run draws its plans from this run's seed")
        return
    sampler.load_state_dict(state)
