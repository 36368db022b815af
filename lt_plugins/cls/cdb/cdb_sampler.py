"""CDB-S: class-difficulty based sampling (paper sec. 3.2.2, SPEC sec. 1)."""
import math
from typing import Iterator, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from lt_plugins.core.validation import check_bool, check_int
from lt_plugins.engine.difficulty_consumer import DifficultyWeightConsumer
from ..dataset_labels import count_labels, index_labels, num_classes_of


def class_sampling_probs(weights: np.ndarray,
                         class_sizes: np.ndarray) -> np.ndarray:
    """Probability of drawing each class: ``w_c / sum(w)`` (paper eq. 15).

    A class without any image cannot be drawn; its share goes to the others
    (renormalised), which is the only way to keep an epoch's length.

    Args:
        weights (np.ndarray): Class weights, shape (C,).
        class_sizes (np.ndarray): Images per class, shape (C,).

    Returns:
        np.ndarray: Probabilities, shape (C,), summing to 1.
    """
    w = np.where(class_sizes > 0, np.asarray(weights, np.float64), 0.0)
    if w.sum() <= 0:
        raise ValueError('every class with images has weight 0; cannot '
                         f'sample (weights={np.asarray(weights).tolist()})')
    return w / w.sum()


def cdb_sampling_plan(labels: np.ndarray, weights: np.ndarray,
                      num_draws: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Indices of one epoch of CDB-S.

    Each draw picks class ``c`` with probability ``w_c / sum(w)``, then an
    image of that class uniformly (with replacement).

    Args:
        labels (np.ndarray): Label of every image, shape (N,).
        weights (np.ndarray): Class weights, shape (C,).
        num_draws (int): Length of the plan.
        rng (np.random.Generator): Randomness of the epoch.

    Returns:
        np.ndarray: Data set indices, shape (num_draws,), int64.
    """
    labels = np.asarray(labels, dtype=np.int64)
    num_classes = len(weights)
    order = np.argsort(labels, kind='stable')
    sizes = np.bincount(labels, minlength=num_classes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    probs = class_sampling_probs(weights, sizes)
    classes = rng.choice(num_classes, size=num_draws, p=probs)
    # uniform position inside the drawn class
    offsets = np.floor(rng.random(num_draws) * sizes[classes]).astype(
        np.int64)
    return order[starts[classes] + offsets]


@DATA_SAMPLERS.register_module()
class CDBSampler(DifficultyWeightConsumer, Sampler):
    """Class-difficulty based sampler (CDB-S, paper eq. 15).

    Every epoch is a plan of ``len(dataset)`` draws (rounded up to a multiple
    of the world size): class ``c`` with probability ``w_c / sum(w)``, then
    an image uniformly inside the class. The plan depends only on
    ``(seed, epoch, weights)``, so every rank builds the same one and takes
    the disjoint share ``plan[rank::world_size]``, like mmengine's
    ``DefaultSampler``. Weights start at 1 (class-balanced sampling until the
    first difficulty measurement, SPEC section 1) and are changed by
    :meth:`update_weights` (:class:`CDBClsHook` calls it); a change takes
    effect at the next epoch.

    Iterating the sampler for training requires a :class:`CDBClsHook` that
    serves it: without one the weights would stay 1 for the whole run,
    which is class-balanced sampling, not CDB-S, so the sampler refuses
    (:mod:`lt_plugins.engine.difficulty_consumer`). ``fixed_weights=True``
    is the opt-out for sampling with fixed weights on purpose, as cRT's
    class-balanced sampling does.

    Example::

        train_dataloader = dict(sampler=dict(type='CDBSampler'), ...)
        custom_hooks = [dict(type='CDBClsHook', dataloader=...)]
        # class-balanced sampling (cRT), no hook:
        train_dataloader = dict(sampler=dict(type='CDBSampler',
                                             fixed_weights=True), ...)

    Args:
        dataset: A data set with ``get_gt_labels()``, or mmengine's
            ``ConcatDataset``, ``RepeatDataset`` or ``ClassBalancedDataset``
            around one. The plan holds indices of ``dataset`` itself, drawn
            with the labels those indices have through the wrapper, and has
            ``len(dataset)`` draws (``times`` epochs of the wrapped data set
            for a ``RepeatDataset``). Other wrappers are a ``TypeError``.
        seed (int, optional): Shared seed; defaults to a random seed that is
            synchronised over ranks.
        num_classes (int, optional): Defaults to the data set's class count.
        round_up (bool): Pad the plan to a multiple of the world size so all
            ranks draw equally many. Defaults to True.
        fixed_weights (bool): Sample with fixed weights (1 unless set with
            :meth:`update_weights`) without a :class:`CDBClsHook`. Defaults to
            False: a run without the hook is refused.
    """

    difficulty_hook_hint = ("dict(type='CDBClsHook', dataloader=<held-out "
                            "dataloader>) (docs/classification.md)")

    def __init__(self,
                 dataset,
                 seed: Optional[int] = None,
                 num_classes: Optional[int] = None,
                 round_up: bool = True,
                 fixed_weights: bool = False) -> None:
        seed = check_int('seed', seed, 0, allow_none=True)
        num_classes = check_int('num_classes', num_classes, 1,
                                allow_none=True)
        check_bool('round_up', round_up)
        self.init_difficulty_consumer(fixed_weights)
        rank, world_size = get_dist_info()
        self.rank, self.world_size = rank, world_size
        self.dataset = dataset
        self.seed = sync_random_seed() if seed is None else seed
        # labels of the indices this sampler hands out, i.e. of the wrapper
        # itself (RepeatDataset, ClassBalancedDataset, ConcatDataset), never
        # of the data set it wraps
        self.labels = index_labels(dataset)
        if num_classes is None:
            num_classes = num_classes_of(dataset, self.labels)
        self.class_sizes = count_labels(self.labels, num_classes)
        self.num_classes = len(self.class_sizes)
        self.weights = np.ones(self.num_classes, dtype=np.float64)
        self.round_up = round_up
        n = len(self.labels)
        if round_up:
            self.num_samples = math.ceil(n / world_size)
            self.total_size = self.num_samples * world_size
        else:
            self.num_samples = math.ceil((n - rank) / world_size)
            self.total_size = n
        self.epoch = 0

    def update_weights(
            self, weights: Union[np.ndarray, torch.Tensor,
                                 Sequence[float]]) -> None:
        """Set the class weights used from the next epoch on.

        Args:
            weights (array-like): Shape (num_classes,), finite, >= 0, not all
                zero on the classes that have images.
        """
        w = np.asarray(
            weights.detach().cpu() if torch.is_tensor(weights) else weights,
            dtype=np.float64)
        if w.shape != (self.num_classes, ):
            raise ValueError(f'CDBSampler has {self.num_classes} classes but '
                             f'got weights of shape {w.shape}')
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(
                f'class weights must be finite and >= 0, got {w.tolist()}')
        class_sampling_probs(w, self.class_sizes)  # rejects all-zero
        self.weights = w.copy()

    def epoch_plan(self) -> np.ndarray:
        """The full plan of the current epoch (all ranks), shape
        (total_size,)."""
        rng = np.random.default_rng([self.seed, self.epoch])
        return cdb_sampling_plan(self.labels, self.weights, self.total_size,
                                 rng)

    def __iter__(self) -> Iterator[int]:
        self.check_difficulty_hook()
        plan = self.epoch_plan()
        return iter(plan[self.rank:self.total_size:self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Select the plan of ``epoch`` (called by the train loop)."""
        self.epoch = epoch
