"""Schedule, state and logging of a CDB difficulty measurement.

The detection and classification hooks differ only in how they measure the
per-class performance on the held-out split and where they push the weights;
everything else (SPEC section 1: schedule, weights, unmeasured classes,
checkpointing, logging, history) lives here.
"""
import json
import logging
import math
import os
import os.path as osp
import time
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from lt_plugins.core.difficulty import TAU_MODES, compute_cdb_weights
from lt_plugins.core.performance_shrinkage import shrink_performance
from lt_plugins.core.validation import check_bool, check_int, check_real
from .difficulty_consumer import attach_hook
from .safe_output import check_file_name

#: Key of the hook state inside an mmengine checkpoint.
CHECKPOINT_KEY = 'cdb_difficulty'

#: Settings that change what a measurement computes; written once into the
#: history file (``options``) and into the checkpoint state.
OPTION_NAMES = ('interval', 'tau', 't_max', 'eps', 'd_min', 'power',
                'normalize', 'measure_before_train', 'tau_max',
                'difficulty_momentum', 'warmup_epochs', 'weight_floor',
                'count_shrinkage')


def _check_real(name: str, value, low: float, high: float = math.inf,
                low_open: bool = False) -> float:
    """``value`` as a float, refused unless a finite real number in range.

    The rule of :func:`lt_plugins.core.validation.check_real` (the core
    functions the hook calls use the same one); ``high`` is included.

    Raises:
        TypeError: If ``value`` is not a real number (bools are refused).
        ValueError: If it is NaN, infinite or out of range.
    """
    return check_real(name, value, low, high, low_open)


def describe_dataset_cfg(cfg) -> str:
    """A data set config in a message: its type and the keys that say
    which samples it holds."""
    if not isinstance(cfg, dict):
        return type(cfg).__name__
    keys = ('data_root', 'ann_file', 'split', 'heldout_per_class',
            'indices')
    shown = ', '.join(f'{k}={cfg[k]!r}' for k in keys
                      if cfg.get(k) not in (None, ''))
    return f'{cfg.get("type", "data set")}({shown})'


def build_heldout_dataloader(build, cfg: dict, owner: str,
                             hint: str = 'give the hook a held-out split '
                             'with images of every class'):
    """``build(cfg)``, with an empty held-out data set named in the error.

    mmengine serialises a data set's samples when it is built and fails on
    an empty one inside numpy (``need at least one array to concatenate``),
    which names neither the data set nor its file.

    Args:
        build (callable): Builds the dataloader from ``cfg``.
        cfg (dict): The held-out dataloader config.
        owner (str): The hook's name, for the message.
        hint (str): What to do, for the message.

    Raises:
        ValueError: If the data set holds no sample, naming its config.
    """
    try:
        loader = build(cfg)
    except ValueError as e:
        if 'need at least one array to concatenate' not in str(e):
            raise
        empty = True
    else:
        empty = len(loader.dataset) == 0
    if empty:
        dataset = cfg.get('dataset') if isinstance(cfg, dict) else None
        raise ValueError(
            f'{owner}: the held-out split {describe_dataset_cfg(dataset)} '
            f'has no images, so no class can be measured; {hint}')
    return loader


class DifficultyHookBase(Hook):
    """Measure class difficulty every ``interval`` epochs and set weights.

    After epoch k (``k % interval == 0``) the subclass measures per-class
    performance ``A_c`` on the held-out split; the weights computed from it
    are used from epoch k + 1 on. Before the first measurement every weight
    is 1 (SPEC section 1, schedule), unless ``measure_before_train`` asks
    for a measurement before the first epoch (see below).

    Under DDP every rank takes part in the measurement and computes the
    weights from the same numbers (so a bad value raises on every rank alike
    instead of leaving the others waiting); rank 0's result is then
    broadcast so all ranks hold bit-identical weights.

    The state (difficulties, smoothed ones with ``difficulty_momentum``,
    weights, tau, bias, the epoch they came from, the option values and the
    full history) is written into every checkpoint and restored on
    ``--resume``. A checkpoint given as ``load_from`` (fine-tuning, a
    decoupled second stage) is a new run: its CDB state is not restored and
    the weights start at 1 (or at a fresh measurement with
    ``measure_before_train``), also in a loss whose ``class_weight`` buffer
    came with the loaded model. The history is also written as JSON to
    ``<work_dir>/<history_file>``: ``classes``, ``metric``, ``tau_mode``,
    ``options`` (every setting of :data:`OPTION_NAMES`, once) and
    ``history``, one record per measurement with the raw ``performance``,
    its ``measured_difficulty`` ``clip(1 - A_c, d_min, 1)``, the
    ``difficulty`` used (smoothed with ``difficulty_momentum``), ``tau``,
    ``tau_uncapped``, ``bias``, ``num_floored``, ``weights`` and
    ``measure_seconds`` (the wall time of the measurement on rank 0: what
    the hook costs the run).

    Robust variants, all off by default (the defaults are the paper's
    method; see :func:`lt_plugins.core.difficulty.compute_cdb_weights` for
    the exact formulas): ``tau_max`` caps the dynamic tau,
    ``difficulty_momentum`` smooths the difficulty across measurements,
    ``warmup_epochs`` trains with weight 1 for that many epochs before the
    first measurement, ``weight_floor`` bounds the normalised weights from
    below.

    Args:
        interval (int): Measure after every ``interval`` epochs. Defaults
            to 1 (the paper's ``t``).
        tau (str | float): A fixed, finite tau >= 0, or a dynamic mode
            from :data:`lt_plugins.core.difficulty.TAU_MODES`. Defaults to
            'sigmoid' (paper eq. 10).
        t_max (float): ``T_M``, finite and >= 0 (a negative one would invert
            the weights). Defaults to 5.
        eps (float): Bias smoothing ``eps``, finite and > 0 (``B_M = 1/eps
            - 1``). Defaults to 0.01.
        d_min (float): Lower clamp of the difficulty, in (0, 1] (0 would give
            a perfect class weight 0). Defaults to 1e-3.
        power (float): Exponent of the 'poly' tau mode, finite and > 0.
            Defaults to 2.
        normalize (bool): Normalise the weights to mean 1. Defaults to True.
        history_file (str): File name of the JSON history in the work dir.
        measure_before_train (bool): Measure once in ``before_train``, so the
            first epoch already trains with difficulty weights; recorded as
            the measurement after ``runner.epoch`` finished epochs (0 for a
            new run). Meant for a decoupled second stage that starts from a
            trained model (the ``-cls`` variant); a model trained from
            scratch measures AP 0 everywhere and gets weight 1 anyway. It is
            skipped when ``--resume`` restored measured weights. Defaults to
            False (the paper's schedule: weight 1 before the first
            measurement). Refused together with ``warmup_epochs > 0``.
        tau_max (float, optional): Cap on the dynamic tau, ``tau =
            min(tau, tau_max)``, finite and >= 0. Refused with a fixed tau
            (set that lower instead). Defaults to None (no cap).
        difficulty_momentum (float, optional): ``m`` in ``[0, 1)``: a class
            measured again gets ``d_t = m * d_{t-1} + (1 - m) *
            d_measured``, one measured for the first time ``d_measured``;
            unmeasured classes follow SPEC (previous difficulty, or the mean
            of the measured ones). Bias and tau use the raw performance
            (paper eq. 5). Defaults to None (no smoothing).
        warmup_epochs (int): Epochs trained with weight 1 before the first
            measurement, >= 0. Measurements follow the finished epochs ``e``
            with ``e >= max(warmup_epochs, 1)`` and ``(e - warmup_epochs) %
            interval == 0``: 0 gives the paper's schedule (after epochs
            ``interval``, ``2 * interval``, ...), 3 with interval 2 measures
            after epochs 3, 5, 7, ... Defaults to 0.
        weight_floor (float, optional): ``f`` in ``(0, 1]``: the mean-1
            weights are raised to at least ``f`` and normalised to mean 1
            again. Defaults to None (no floor).
        count_shrinkage (float, optional): ``k > 0``: count-aware
            performance. Each measured class's ``A_c`` is replaced by
            ``(n_c A_c + k mean_g(A)) / (n_c + k)`` before the difficulty is
            computed, ``n_c`` its held-out instances and ``g`` its group
            (:func:`lt_plugins.core.performance_shrinkage.
            shrink_performance`; the subclass says what the counts and
            groups are: :meth:`measurement_counts`, :meth:`class_groups`).
            A class measured on few instances moves towards its group's
            mean. The history records the raw ``performance`` and the
            ``shrunk_performance`` used. Defaults to None (the paper: the
            measurement as it is).

    Refused in ``before_train``, before the first iteration: a run in which
    the hook would never measure (:meth:`check_schedule`: ``interval`` or
    ``warmup_epochs`` beyond ``max_epochs``, or an iteration-based loop,
    unless ``measure_before_train``). Every CDB loss and sampler the hook
    updates is served by it (:meth:`weight_consumers`); one that no hook
    serves refuses to train on its own
    (:mod:`lt_plugins.engine.difficulty_consumer`).

    Raises:
        TypeError, ValueError: For an argument outside its range, naming it
            and its value, before any training starts.
    """

    priority = 'NORMAL'  # before CheckpointHook (VERY_LOW): a checkpoint
    # written after epoch k holds the weights measured after epoch k.
    metric_name = 'performance'

    def __init__(self,
                 interval: int = 1,
                 tau: Union[str, float] = 'sigmoid',
                 t_max: float = 5.0,
                 eps: float = 0.01,
                 d_min: float = 1e-3,
                 power: float = 2.0,
                 normalize: bool = True,
                 history_file: str = 'cdb_history.json',
                 measure_before_train: bool = False,
                 tau_max: Optional[float] = None,
                 difficulty_momentum: Optional[float] = None,
                 warmup_epochs: int = 0,
                 weight_floor: Optional[float] = None,
                 count_shrinkage: Optional[float] = None):
        interval = check_int('interval', interval, 1)
        self.count_shrinkage = check_real(
            'count_shrinkage', count_shrinkage, 0.0, low_open=True,
            allow_none=True)
        if isinstance(tau, str):
            if tau not in TAU_MODES:
                raise ValueError(f'unknown tau {tau!r}; use a float or one of '
                                 f'{TAU_MODES}')
        else:
            tau = _check_real('a fixed tau', tau, 0.0)
        # checked here, not at the first measurement: a bad value would
        # otherwise surface (or silently skew the weights) an epoch later
        self.t_max = _check_real('t_max', t_max, 0.0)
        self.eps = _check_real('eps', eps, 0.0, low_open=True)
        self.d_min = _check_real('d_min', d_min, 0.0, 1.0, low_open=True)
        self.power = _check_real('power', power, 0.0, low_open=True)
        check_bool('measure_before_train', measure_before_train)
        check_bool('normalize', normalize)
        check_file_name('history_file', history_file)
        if tau_max is not None:
            tau_max = _check_real('tau_max', tau_max, 0.0)
            if not isinstance(tau, str):
                raise ValueError(
                    f'tau_max={tau_max!r} caps a dynamic tau, but tau={tau!r} '
                    'is fixed; set the fixed tau to the value you want')
        if difficulty_momentum is not None:
            m = _check_real('difficulty_momentum', difficulty_momentum,
                            -math.inf)
            if not 0.0 <= m < 1.0:  # m = 1 would never update
                raise ValueError('difficulty_momentum must be a finite '
                                 'number in [0, 1), got '
                                 f'{difficulty_momentum!r}')
            difficulty_momentum = m
        if weight_floor is not None:
            weight_floor = _check_real('weight_floor', weight_floor, 0.0,
                                       1.0, low_open=True)
        warmup_epochs = check_int('warmup_epochs', warmup_epochs, 0)
        if warmup_epochs and measure_before_train:
            # one asks for weights in epoch 1, the other for weight 1 there
            raise ValueError(
                f'warmup_epochs={warmup_epochs} trains the first epochs with '
                'weight 1, measure_before_train=True weights the first epoch; '
                'use one of them')
        self.interval = interval
        self.tau = tau
        self.normalize = normalize
        self.history_file = history_file
        self.measure_before_train = measure_before_train
        self.tau_max = tau_max
        self.difficulty_momentum = difficulty_momentum
        self.warmup_epochs = warmup_epochs
        self.weight_floor = weight_floor
        self.difficulty: Optional[np.ndarray] = None
        # classes whose difficulty comes from a measurement (the others hold
        # the mean of the measured ones, re-filled at every measurement)
        self.known: Optional[np.ndarray] = None
        self.ratio: Optional[float] = None
        self.weights: Optional[np.ndarray] = None
        self.history: List[dict] = []

    # ------------------------------------------------------------ subclass
    def class_names(self, runner) -> Sequence[str]:
        """Names of the C classes, in label order."""
        raise NotImplementedError

    def measure(self, runner) -> np.ndarray:
        """Per-class performance on the held-out split, shape (C,).

        Must be called on every rank and return the same array on every
        rank; -1 (or NaN) marks a class that could not be measured.
        """
        raise NotImplementedError

    def apply_weights(self, runner, weights: np.ndarray) -> None:
        """Push the (C,) weights into the model (and sampler)."""
        raise NotImplementedError

    def training_class_counts(self, runner) -> Optional[np.ndarray]:
        """Training samples per class, shape (C,), or None when the hook
        cannot count them. With counts, each history record gets
        ``sample_mean_weight``: the training set's mean weight per sample,
        ``sum_c n_c w_c / sum_c n_c``. Mean-1 class weights keep the mean
        over classes at 1, not the mean over samples: on a long-tailed set
        the loss (the mean of the weighted per-sample losses, as the
        authors' CIFAR code computes it) shrinks by this factor."""
        return None

    def measurement_info(self, runner) -> dict:
        """JSON-ready facts about the measurement just taken, added to its
        history record (e.g. which held-out fold it used). Defaults to
        none."""
        return {}

    def measurement_counts(self, runner) -> np.ndarray:
        """Held-out instances per class, shape (C,) (``count_shrinkage``)."""
        raise NotImplementedError(
            f'{type(self).__name__} does not offer count_shrinkage: it has '
            'no held-out instance counts')

    def class_groups(self, runner) -> Sequence:
        """A group label per class, shape (C,) (``count_shrinkage``)."""
        raise NotImplementedError(
            f'{type(self).__name__} does not offer count_shrinkage: it has '
            'no class groups')

    def weight_consumers(self, runner) -> list:
        """The CDB losses and samplers this hook updates.

        Each gets ``attach_difficulty_hook(self)`` in :meth:`before_train`,
        which is what lets it train (see
        :mod:`lt_plugins.engine.difficulty_consumer`: a CDB loss or sampler
        that no hook serves refuses to train).
        """
        raise NotImplementedError

    # --------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        """Check the schedule, serve the consumers, set the first weights.

        Refuses (before the first iteration) a run in which the hook would
        never measure (:meth:`check_schedule`).
        """
        self.check_schedule(runner)
        if self.count_shrinkage is not None:
            # a hook without counts or groups refuses before training, not
            # at its first measurement
            self.measurement_counts(runner)
            self.class_groups(runner)
        for consumer in self.weight_consumers(runner):
            attach_hook(consumer, self)
        if self.weights is not None:  # restored by --resume
            num_classes = len(self.class_names(runner))
            if len(self.weights) != num_classes:
                source = getattr(runner, '_load_from', None) or \
                    'the checkpoint being resumed'
                raise ValueError(
                    f'{source} holds CDB difficulty weights for '
                    f'{len(self.weights)} classes, but this config has '
                    f'{num_classes}: resume with the config the checkpoint '
                    'was trained with, or start a new run from it with '
                    'load_from (which does not restore the CDB state)')
            self.apply_weights(runner, self.weights)
        elif self.measure_before_train:
            # a decoupled stage starts from a trained model: its difficulty
            # is already meaningful, so the first epoch need not train with
            # plain weights
            self.update(runner, runner.epoch)
        else:  # SPEC: all weights are 1 before the first measurement
            self.apply_weights(runner,
                               np.ones(len(self.class_names(runner))))

    def check_schedule(self, runner) -> None:
        """Refuse a run in which this hook would never measure.

        A measurement follows the finished epochs of :meth:`measures_after`
        and weights the epochs after it. When none of the run's remaining
        epochs is followed by one (``interval`` or ``warmup_epochs`` beyond
        ``max_epochs``), every epoch would train with weight 1 and no history
        would be written: refused, unless ``measure_before_train`` measures
        before the first epoch or ``--resume`` restored measured weights.
        When the only measurement follows the last epoch, no epoch trains
        with its weights: a warning.

        mmengine runs an iteration-based loop (``IterBasedTrainLoop``) as a
        single epoch that ends with training, so there the hook's only
        use is ``measure_before_train``; without it the run is refused.

        Args:
            runner: The mmengine runner.

        Raises:
            ValueError: Naming ``interval``, ``warmup_epochs`` and
                ``max_epochs`` (or ``max_iters``), and what would work.
        """
        if self.weights is not None or self.measure_before_train:
            return  # restored weights, or a measurement before epoch 1
        name = type(self).__name__
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            raise ValueError(
                f'{name} measures after training epochs, but this run trains '
                f'with an iteration-based loop ({type(loop).__name__}, '
                f'max_iters={loop.max_iters}), which mmengine runs as a '
                'single epoch that ends with training: no measurement would '
                'weight any iteration, and the run would train with weight 1 '
                "throughout. Train by epochs (train_cfg=dict(by_epoch=True, "
                "max_epochs=...)), or set measure_before_train=True to "
                'measure once before training')
        max_epochs = getattr(loop, 'max_epochs', None)
        if not isinstance(max_epochs, int):
            return  # a loop without epochs: nothing to check against
        start = int(runner.epoch)
        after = [e for e in range(start + 1, max_epochs + 1)
                 if self.measures_after(e)]
        warm = (f', warmup_epochs={self.warmup_epochs}'
                if self.warmup_epochs else '')
        if not after:
            resumed = f' (resumed after epoch {start})' if start else ''
            first = max(self.warmup_epochs, 1)
            raise ValueError(
                f'{name}(interval={self.interval}{warm}) never measures in '
                f'this run: max_epochs={max_epochs}{resumed}, and a '
                f'measurement follows epoch e only for e >= {first} with '
                f'(e - {self.warmup_epochs}) % {self.interval} == 0. Every '
                'epoch would train with weight 1 (plain training under the '
                'CDB name) and no history would be written. Use an interval '
                f'below max_epochs (the paper measures after every epoch, '
                f'interval=1)' + (', fewer warmup_epochs'
                                  if self.warmup_epochs else '') +
                ', or measure_before_train=True')
        if after[0] >= max_epochs:
            runner.logger.warning(
                f'{name}(interval={self.interval}{warm}) with max_epochs='
                f'{max_epochs}: the only measurement follows the last '
                'epoch, so every epoch trains with weight 1; it only records '
                'the difficulty')

    def measures_after(self, epoch: int) -> bool:
        """Whether a measurement follows ``epoch`` finished epochs.

        Args:
            epoch (int): Number of finished epochs (1 after the first).

        Returns:
            bool: True for ``epoch >= max(warmup_epochs, 1)`` with
            ``(epoch - warmup_epochs) % interval == 0``.
        """
        return epoch >= max(self.warmup_epochs, 1) and \
            (epoch - self.warmup_epochs) % self.interval == 0

    def after_train_epoch(self, runner) -> None:
        if not self.measures_after(runner.epoch + 1):
            return
        self.update(runner, runner.epoch + 1)

    @property
    def options(self) -> dict:
        """The settings of :data:`OPTION_NAMES`, JSON-ready."""
        return {name: getattr(self, name) for name in OPTION_NAMES}

    def update(self, runner, epoch: int) -> dict:
        """Measure, compute the weights, push them, log them.

        Args:
            runner: The mmengine runner.
            epoch (int): Number of finished epochs the measurement follows.

        Returns:
            dict: The history record of this measurement.
        """
        start = time.perf_counter()
        performance = np.asarray(self.measure(runner), dtype=np.float64)
        measure_seconds = time.perf_counter() - start
        used = performance
        if self.count_shrinkage is not None:
            # unmeasured classes (-1 or NaN) stay unmeasured
            raw = np.where(performance < 0, np.nan, performance)
            shrunk = shrink_performance(raw, self.measurement_counts(runner),
                                        self.class_groups(runner),
                                        self.count_shrinkage)
            used = np.where(np.isnan(shrunk), performance, shrunk)
        result = compute_cdb_weights(
            used, self.tau, self.difficulty, self.t_max, self.eps,
            self.d_min, self.power, self.normalize, self.known, self.ratio,
            tau_max=self.tau_max,
            difficulty_momentum=self.difficulty_momentum,
            weight_floor=self.weight_floor)
        names = list(self.class_names(runner))
        if len(names) != len(result.weights):
            raise ValueError(f'{len(names)} class names but '
                             f'{len(result.weights)} measured classes')
        measured = performance[result.measured]
        record = dict(
            epoch=int(epoch),
            tau=result.tau,
            tau_uncapped=result.tau_uncapped,
            bias=result.bias,
            ratio=result.ratio,
            mean_performance=float(measured.mean())
            if measured.size else None,
            num_missing=result.num_missing,
            missing=[n for n, m in zip(names, result.measured) if not m],
            never_measured=[n for n, k in zip(names, result.known) if not k],
            performance=[float(p) if m else None
                         for p, m in zip(performance, result.measured)],
            **({} if self.count_shrinkage is None else dict(
                shrunk_performance=[
                    float(p) if m else None
                    for p, m in zip(used, result.measured)])),
            measured_difficulty=[
                float(d) if m else None for d, m in zip(
                    result.measured_difficulty, result.measured)
            ],
            difficulty=result.difficulty.tolist(),
            num_floored=result.num_floored,
            weights=result.weights.tolist())
        record['measure_seconds'] = measure_seconds
        record.update(self.measurement_info(runner))
        train_counts = self.training_class_counts(runner)
        if train_counts is not None:
            n = np.asarray(train_counts, dtype=np.float64)
            record['sample_mean_weight'] = float(
                (n * result.weights).sum() / n.sum())
        shared = [record]
        broadcast_object_list(shared, src=0)
        record = shared[0]
        self.difficulty = np.asarray(record['difficulty'])
        self.weights = np.asarray(record['weights'])
        self.ratio = record['ratio']
        never = set(record['never_measured'])
        self.known = np.array([n not in never for n in names])
        self.history.append(record)
        self.apply_weights(runner, self.weights)
        self._log(runner, record)
        return record

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = self.state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine calls this for load_from too; only a resume continues the
        # interrupted run's CDB state
        if not getattr(runner, '_resume', False):
            if CHECKPOINT_KEY in checkpoint:
                runner.logger.info(
                    'load_from: the CDB difficulty state of the loaded '
                    'checkpoint is not restored (only --resume does that); '
                    + ('they are measured before the first epoch'
                       if self.measure_before_train else
                       'weights start at 1'))
            return
        state = checkpoint.get(CHECKPOINT_KEY)
        if state is None:
            runner.logger.warning(
                'the checkpoint has no CDB difficulty state; weights start '
                'at 1 and are measured again after the next interval')
            return
        self.load_state_dict(state)

    # --------------------------------------------------------------- state
    def state_dict(self) -> dict:
        """Plain-python state, loadable with ``torch.load(weights_only)``."""
        return dict(
            difficulty=None if self.difficulty is None else
            self.difficulty.tolist(),
            known=None if self.known is None else self.known.tolist(),
            ratio=self.ratio,
            weights=None if self.weights is None else self.weights.tolist(),
            options=self.options,
            history=self.history)

    def load_state_dict(self, state: dict) -> None:
        self.difficulty = None if state['difficulty'] is None else \
            np.asarray(state['difficulty'], dtype=np.float64)
        # checkpoints written before `known`/`ratio` existed: every stored
        # difficulty counts as measured, the ratio follows from the bias
        known = state.get('known')
        self.known = None if known is None else np.asarray(known, dtype=bool)
        self.ratio = state.get('ratio')
        if self.ratio is None and state['history']:
            self.ratio = state['history'][-1]['bias'] + 1.0
        self.weights = None if state['weights'] is None else \
            np.asarray(state['weights'], dtype=np.float64)
        self.history = list(state['history'])
        # checkpoints written before `options` existed ran the paper's
        # method; a resume with other settings continues from the restored
        # (e.g. smoothed) difficulty under the new ones
        saved = state.get('options')
        if saved is not None:
            changed = {k: (saved[k], v) for k, v in self.options.items()
                       if k in saved and saved[k] != v}
            if changed:
                print_log(
                    'CDB: the checkpoint was written with other settings; '
                    'continuing with the current ones: ' + ', '.join(
                        f'{k}={new!r} (was {old!r})'
                        for k, (old, new) in changed.items()),
                    logger='current', level=logging.WARNING)

    # ------------------------------------------------------------- logging
    def _log(self, runner, record: dict) -> None:
        w = np.asarray(record['weights'])
        mean_perf = record['mean_performance']
        scalars = {
            'cdb/tau': record['tau'],
            'cdb/bias': record['bias'],
            'cdb/weight_min': float(w.min()),
            'cdb/weight_max': float(w.max()),
            'cdb/weight_std': float(w.std()),
            'cdb/num_missing': record['num_missing'],
        }
        if mean_perf is not None:
            scalars[f'cdb/mean_{self.metric_name}'] = mean_perf
        if self.tau_max is not None:
            scalars['cdb/tau_uncapped'] = record['tau_uncapped']
        if self.weight_floor is not None:
            scalars['cdb/num_floored'] = record['num_floored']
        runner.visualizer.add_scalars(scalars, step=record['epoch'])
        missing = record['missing']
        capped = '' if record['tau'] == record['tau_uncapped'] else \
            f' (capped from {record["tau_uncapped"]:.4f})'
        floored = '' if self.weight_floor is None else \
            f'; {record["num_floored"]} weights raised to the floor'
        msg = (f'CDB after epoch {record["epoch"]}: tau={record["tau"]:.4f}'
               f'{capped} bias={record["bias"]:.4f} mean held-out '
               f'{self.metric_name}='
               + ('n/a' if mean_perf is None else f'{mean_perf:.4f}') +
               f' weights min/mean/max={w.min():.3f}/{w.mean():.3f}/'
               f'{w.max():.3f}{floored}; {len(missing)} of {len(w)} classes '
               f'without {self.metric_name}')
        if missing:
            shown = ', '.join(missing[:10])
            more = f' (+{len(missing) - 10} more)' if len(missing) > 10 else ''
            never = len(record['never_measured'])
            msg += (f' ({shown}{more}); {len(missing) - never} keep their '
                    f'previous difficulty, {never} never measured take the '
                    'mean difficulty of the measured classes')
        runner.logger.info(msg)
        if is_main_process():
            self._write_history(runner)

    def _write_history(self, runner) -> None:
        names = list(self.class_names(runner))
        path = osp.join(runner.work_dir, self.history_file)
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(classes=names, metric=self.metric_name,
                           tau_mode=self.tau, options=self.options,
                           history=self.history), f)
        os.replace(tmp, path)
