"""Class-wise difficulty, performance bias, focusing parameter and weights.

Implements CDB (Sinha et al., "Class-Difficulty Based Methods for Long-Tailed
Visual Recognition", seed 001) as fixed by SPEC section 1:

* difficulty ``d_c = 1 - A_c`` (paper eq. 3), clamped to ``[d_min, 1]`` so a
  perfect class never gets weight 0;
* bias ``= max(max_c A_c / (min_c A_c + eps) - 1, 0)`` (paper eq. 5), upper
  bound ``B_M = 1 / eps - 1``;
* focusing parameter ``tau`` (paper eqs. 6-10), fixed or dynamic;
* weights ``w_c = d_c ** tau`` (paper eq. 4), normalised to mean 1 over the
  classes as the authors' code does. Mean 1 over classes is not mean 1 per
  sample: on a long-tailed training set a batch's mean weight is the
  frequency-weighted mean of ``w``, so the effective learning rate still
  moves with the weights (below 1 when the frequent classes are the easy
  ones). The authors' CIFAR-LT code has the same effect (it averages the
  weighted losses over the samples); their ImageNet-LT code divides by the
  sum of the batch's weights instead.

Categories that could not be measured (LVIS reports AP ``-1`` for a category
without ground truth in the held-out split; NaN is treated the same) keep their
previous difficulty, or the mean difficulty of the measured categories when
they never had one (SPEC section 1).

Robust variants, all off by default (the paper's method is the default and
none of them is part of it): a cap ``tau_max`` on the dynamic tau, an
exponential moving average of the difficulty across measurements
(``difficulty_momentum``) and a lower bound on the normalised weights
(``weight_floor``); see :func:`compute_cdb_weights`. With a class at AP 0 the
bias reaches ``B_M`` and the sigmoid tau ``T_M = 5``, so ``w ∝ (1 - A)^5``
gives an easy class almost no weight; these options bound that.
"""
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

import numpy as np

from .validation import (check_bool, check_choice, check_real,
                         check_real_sequence)

#: Dynamic tau schedules. ``sigmoid`` is the paper's choice and the default.
#: ``official_sigmoid`` and ``official_2sigmoid`` reproduce the authors' public
#: code, which departs from the paper (no ``T_M``, ratio instead of bias):
#: ``official_sigmoid`` is their CIFAR-LT code (``CIFAR-LT/losses/
#: cdb_loss.py``), ``official_2sigmoid`` their ImageNet-LT code
#: (``ImageNet-LT/loss/CDBSoftmaxLoss.py``).
TAU_MODES = ('linear', 'poly', 'log', 'sigmoid', 'official_sigmoid',
             'official_2sigmoid')


#: Valid range of each real option, written once: the core functions below
#: and the hooks that call them (through :func:`check_cdb_options`) refuse
#: the same values. ``eps`` stays below 1 because ``B_M = 1 / eps - 1`` must
#: be positive (the linear, poly and log taus divide by it).
OPTION_RANGES = dict(
    t_max=dict(low=0.0),
    eps=dict(low=0.0, high=1.0, low_open=True, high_open=True),
    d_min=dict(low=0.0, high=1.0, low_open=True),
    power=dict(low=0.0, low_open=True),
    tau=dict(low=0.0),  # a fixed tau
    tau_max=dict(low=0.0, allow_none=True),
    difficulty_momentum=dict(low=0.0, high=1.0, high_open=True,
                             allow_none=True),  # m = 1 would never update
    weight_floor=dict(low=0.0, high=1.0, low_open=True, allow_none=True),
)


def check_option(name: str, value):
    """``value`` checked against the range of option ``name``.

    Args:
        name (str): A key of :data:`OPTION_RANGES`.
        value: The given value.

    Returns:
        float | None: ``float(value)`` (None for an option that is off).

    Raises:
        TypeError: If ``value`` is not a real number (bools refused).
        ValueError: If it is NaN, infinite or outside the range.
    """
    rule = OPTION_RANGES[name]
    label = 'a fixed tau' if name == 'tau' else name
    return check_real(label, value, **rule)


def check_cdb_options(tau: Union[str, float] = 'sigmoid',
                      t_max: float = 5.0,
                      eps: float = 0.01,
                      d_min: float = 1e-3,
                      power: float = 2.0,
                      normalize: bool = True,
                      tau_max: Optional[float] = None,
                      difficulty_momentum: Optional[float] = None,
                      weight_floor: Optional[float] = None) -> dict:
    """Check every option of :func:`compute_cdb_weights` at once.

    The rule of each option is :data:`OPTION_RANGES`; a hook that takes
    these options calls this in its constructor, so it refuses exactly what
    the core function refuses.

    Returns:
        dict: The options by name, reals as ``float``, ``tau`` a mode name
        or a float.

    Raises:
        TypeError: For a value of the wrong type (a bool where a number
            belongs, a string that is not a tau mode, a non-bool
            ``normalize``).
        ValueError: For a value out of range, or ``tau_max`` with a fixed
            tau.
    """
    if isinstance(tau, str):
        if tau not in TAU_MODES:
            raise ValueError(f'tau must be a fixed number >= 0 or one of the '
                             f'modes {TAU_MODES}, got {tau!r}')
    else:
        tau = check_option('tau', tau)
    out = dict(tau=tau)
    for name, value in (('t_max', t_max), ('eps', eps), ('d_min', d_min),
                        ('power', power), ('tau_max', tau_max),
                        ('difficulty_momentum', difficulty_momentum),
                        ('weight_floor', weight_floor)):
        out[name] = check_option(name, value)
    out['normalize'] = check_bool('normalize', normalize)
    if tau_max is not None and not isinstance(tau, str):
        raise ValueError(f'tau_max={tau_max!r} caps a dynamic tau; with a '
                         f'fixed tau={tau!r} set the fixed value instead')
    return out


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def performance_to_difficulty(performance: np.ndarray,
                              d_min: float = 1e-3) -> np.ndarray:
    """Difficulty ``d_c = clip(1 - A_c, d_min, 1)`` (paper eq. 3).

    Args:
        performance (np.ndarray): Per-class accuracy or AP in ``[0, 1]``,
            shape (C,).
        d_min (float): Lower clamp. Defaults to 1e-3.

    Returns:
        np.ndarray: Difficulties, shape (C,).
    """
    d_min = check_option('d_min', d_min)
    return np.clip(1.0 - np.asarray(performance, dtype=np.float64), d_min, 1.0)


def performance_ratio(performance: np.ndarray, eps: float = 0.01) -> float:
    """``max_c A_c / (min_c A_c + eps)``, the ratio inside paper eq. 5.

    The authors' code feeds this ratio, unclamped, to its sigmoid tau (see
    :func:`dynamic_tau`); the paper's bias is ``max(ratio - 1, 0)``.

    Args:
        performance (np.ndarray): Measured per-class performance, shape (C,).
        eps (float): Smoothing term. Defaults to 0.01.

    Returns:
        float: The ratio; 1.0 for an empty input.
    """
    eps = check_option('eps', eps)
    perf = np.asarray(performance, dtype=np.float64)
    if perf.size == 0:
        return 1.0
    return float(perf.max() / (perf.min() + eps))


def performance_bias(performance: np.ndarray, eps: float = 0.01) -> float:
    """Model performance bias (paper eq. 5).

    ``bias = max(max_c A_c / (min_c A_c + eps) - 1, 0)``; 0 when every class
    performs equally, at most ``1 / eps - 1``.

    Args:
        performance (np.ndarray): Measured per-class performance, shape (C,).
        eps (float): Smoothing term of the ratio. Defaults to 0.01.

    Returns:
        float: The bias.
    """
    return max(performance_ratio(performance, eps) - 1.0, 0.0)


def dynamic_tau(bias: float,
                mode: str = 'sigmoid',
                t_max: float = 5.0,
                eps: float = 0.01,
                power: float = 2.0,
                ratio: Optional[float] = None) -> float:
    """Focusing parameter from the performance bias (paper eqs. 6-10).

    With ``B_M = 1 / eps - 1``:

    * ``linear``: ``T_M * bias / B_M`` (eq. 7)
    * ``poly``: ``T_M * (bias / B_M) ** power`` (eq. 8; the paper leaves the
      power open, SPEC fixes 2)
    * ``log``: ``T_M * log(1 + bias) / log(1 + B_M)`` (eq. 9; the paper
      prints a leading minus sign, a typo since tau must be >= 0)
    * ``sigmoid``: ``T_M * (2 * sigmoid(bias) - 1)`` (eq. 10)
    * ``official_sigmoid``: ``sigmoid(ratio)`` with the unclamped
      ``ratio = max A / (min A + eps)``, the authors' CIFAR-LT code
      (``CIFAR-LT/losses/cdb_loss.py``: ``bias = (1 - min d) / (1 - max d
      + 0.01)``, ``tau = sigmoid(bias)``); always below 1
    * ``official_2sigmoid``: ``2 * sigmoid(ratio - 1)``, the authors'
      ImageNet-LT code (``ImageNet-LT/loss/CDBSoftmaxLoss.py``: the same
      ratio minus 1, ``tau = 2 * sigmoid(bias)``); always below 2

    Both official forms use ``d = 1 - A``, so their ``(1 - min d) /
    (1 - max d + eps)`` is this ``ratio``.

    Args:
        bias (float): Performance bias from :func:`performance_bias`.
        mode (str): One of :data:`TAU_MODES`.
        t_max (float): ``T_M``, the largest tau. Defaults to 5.
        eps (float): The ``eps`` used for the bias; fixes ``B_M``.
        power (float): Exponent of the ``poly`` mode. Defaults to 2.
        ratio (float, optional): The unclamped ratio of
            :func:`performance_ratio`, used by the ``official_*`` modes. It
            differs from ``bias + 1`` only when every class lies within
            ``eps`` of the others; defaults to ``bias + 1``.

    Returns:
        float: tau >= 0.

    Raises:
        TypeError, ValueError: For an argument outside its rule
            (:data:`OPTION_RANGES`; ``bias`` and ``ratio`` finite and >= 0,
            ``mode`` one of :data:`TAU_MODES`).
    """
    bias = check_real('bias', bias, 0.0)
    check_choice('mode', mode, TAU_MODES)
    t_max = check_option('t_max', t_max)
    eps = check_option('eps', eps)
    power = check_option('power', power)
    if ratio is None:
        ratio = bias + 1.0
    ratio = check_real('ratio', ratio, 0.0)
    b_max = 1.0 / eps - 1.0
    if mode == 'linear':
        return t_max * bias / b_max
    if mode == 'poly':
        return t_max * (bias / b_max)**power
    if mode == 'log':
        return t_max * float(np.log1p(bias) / np.log1p(b_max))
    if mode == 'sigmoid':
        return t_max * (2.0 * _sigmoid(bias) - 1.0)
    if mode == 'official_sigmoid':
        return _sigmoid(ratio)
    if mode == 'official_2sigmoid':
        return 2.0 * _sigmoid(ratio - 1.0)
    raise AssertionError(mode)  # unreachable: checked above


@dataclass
class CDBWeights:
    """Everything one difficulty measurement produced.

    Attributes:
        weights (np.ndarray): Class weights ``w_c``, shape (C,).
        difficulty (np.ndarray): Difficulties ``d_c`` after filling the
            unmeasured classes, shape (C,).
        tau (float): Focusing parameter used.
        bias (float): Performance bias of the measured classes.
        measured (np.ndarray): Boolean mask of classes that had a valid
            performance value in this measurement, shape (C,).
        known (np.ndarray): Boolean mask of classes whose difficulty comes
            from a measurement, this one or an earlier one; the others hold
            the mean difficulty of the measured classes. Shape (C,).
        ratio (float): The unclamped ratio of :func:`performance_ratio`.
        measured_difficulty (np.ndarray): ``clip(1 - A_c, d_min, 1)`` of this
            measurement before any smoothing, NaN for unmeasured classes,
            shape (C,).
        tau_uncapped (float): tau before the ``tau_max`` cap (equal to
            ``tau`` without a cap).
        num_floored (int): Classes whose weight was raised to
            ``weight_floor`` (0 without a floor).
    """
    weights: np.ndarray
    difficulty: np.ndarray
    tau: float
    bias: float
    measured: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    known: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ratio: float = 1.0
    measured_difficulty: np.ndarray = field(
        default_factory=lambda: np.zeros(0))
    tau_uncapped: Optional[float] = None
    num_floored: int = 0

    def __post_init__(self):
        if self.tau_uncapped is None:
            self.tau_uncapped = self.tau

    @property
    def num_missing(self) -> int:
        return int((~self.measured).sum())


def compute_cdb_weights(performance: Sequence[float],
                        tau: Union[str, float] = 'sigmoid',
                        prev_difficulty: Optional[np.ndarray] = None,
                        t_max: float = 5.0,
                        eps: float = 0.01,
                        d_min: float = 1e-3,
                        power: float = 2.0,
                        normalize: bool = True,
                        prev_known: Optional[np.ndarray] = None,
                        prev_ratio: Optional[float] = None,
                        tau_max: Optional[float] = None,
                        difficulty_momentum: Optional[float] = None,
                        weight_floor: Optional[float] = None) -> CDBWeights:
    """Class weights from one per-class performance measurement.

    Classes without a value (SPEC section 1) keep their previous difficulty
    when they had one from a measurement (``prev_known``); otherwise they get
    the mean difficulty of the classes measured now. When no class at all
    could be measured, the previous state is reused unchanged: the previous
    difficulties and ratio give the previous tau and weights (for the same
    tau mode); without a previous state every weight is 1 and tau is 0.

    Robust variants (each off with ``None``, the default; off, the result is
    bit for bit the paper's):

    * ``tau_max``: ``tau = min(tau, tau_max)`` for a dynamic tau. A fixed
      tau with a cap is refused (set the fixed tau lower instead).
    * ``difficulty_momentum`` ``m``: a class measured now whose difficulty
      came from an earlier measurement (``prev_known``) gets
      ``d_t = m * d_{t-1} + (1 - m) * clip(1 - A_c, d_min, 1)``; a class
      measured for the first time gets its measured difficulty. Unmeasured
      classes keep SPEC's rule (their previous, i.e. smoothed, difficulty,
      or the mean of the (smoothed) difficulties of the classes measured
      now). The bias and tau use the raw performance of this measurement, as
      paper eq. 5 defines them; only eq. 4 sees the smoothed difficulty.
    * ``weight_floor`` ``f``: after the mean-1 normalisation
      ``w' = w / mean(w)``, ``w'' = max(w', f)`` and the final weights are
      ``w'' / mean(w'')`` (mean 1 again, so a floored class ends slightly
      below ``f``, at ``f / mean(w'')``; the ratio of any weight to the
      largest is at least ``f / max(w')``). With ``normalize=False`` the
      floor is ``f * mean(w)`` and nothing is rescaled.

    Args:
        performance (Sequence[float]): Per-class accuracy or AP in ``[0, 1]``,
            shape (C,). ``-1`` (LVIS's "no AP") or NaN marks a class that
            could not be measured.
        tau (str | float): A fixed tau or one of :data:`TAU_MODES`.
        prev_difficulty (np.ndarray, optional): Difficulties of the previous
            measurement (``CDBWeights.difficulty``), shape (C,).
        t_max (float): ``T_M``. Defaults to 5.
        eps (float): Bias smoothing. Defaults to 0.01.
        d_min (float): Lower clamp of the difficulty. Defaults to 1e-3.
        power (float): Exponent of the ``poly`` tau mode.
        normalize (bool): Rescale the weights to mean 1. Defaults to True.
        prev_known (np.ndarray, optional): ``CDBWeights.known`` of the
            previous measurement, shape (C,). Defaults to every class of
            ``prev_difficulty`` being a measured value.
        prev_ratio (float, optional): ``CDBWeights.ratio`` of the previous
            measurement, reused when nothing is measured now.
        tau_max (float, optional): Cap on a dynamic tau, finite and >= 0.
            Defaults to None (no cap, the paper).
        difficulty_momentum (float, optional): ``m`` in ``[0, 1)``. Defaults
            to None (no smoothing, the paper).
        weight_floor (float, optional): ``f`` in ``(0, 1]``. Defaults to
            None (no floor, the paper).

    Returns:
        CDBWeights: Weights, difficulties (smoothed when asked), tau, bias,
        ratio, the masks, the raw measured difficulty, the uncapped tau and
        the number of floored classes.

    Raises:
        TypeError: For an option of the wrong type (see
            :func:`check_cdb_options`) or a boolean performance vector.
        ValueError: For a performance outside ``[0, 1]`` (other than -1/NaN),
            a shape mismatch, a previous difficulty outside ``[0, 1]``, a
            negative fixed tau, a fixed tau with ``tau_max``, or an option
            outside its range (:data:`OPTION_RANGES`).
    """
    opts = check_cdb_options(tau, t_max, eps, d_min, power, normalize,
                             tau_max, difficulty_momentum, weight_floor)
    tau, t_max, eps, d_min, power = (opts[k] for k in ('tau', 't_max', 'eps',
                                                       'd_min', 'power'))
    tau_max = opts['tau_max']
    difficulty_momentum = opts['difficulty_momentum']
    weight_floor = opts['weight_floor']
    if np.asarray(performance).dtype == bool:
        raise TypeError('performance must hold numbers (accuracy or AP per '
                        'class), got booleans')
    perf = np.asarray(performance, dtype=np.float64).reshape(-1)
    if perf.size == 0:
        raise ValueError('performance is empty; expected one value per class')
    unmeasured = np.isnan(perf) | (perf == -1.0)
    bad = ~unmeasured & ~((perf >= 0.0) & (perf <= 1.0 + 1e-6))
    if bad.any():
        idx = int(np.flatnonzero(bad)[0])
        raise ValueError(f'performance of class {idx} is {float(perf[idx])}; '
                         'expected a value in [0, 1] (or -1/NaN for '
                         'unmeasured classes)')
    measured = ~unmeasured
    known = measured.copy()
    if prev_difficulty is not None:
        prev_difficulty = np.asarray(prev_difficulty, dtype=np.float64)
        if prev_difficulty.shape != perf.shape:
            raise ValueError(
                f'prev_difficulty has shape {prev_difficulty.shape}, '
                f'performance has {perf.shape}')
        prev_difficulty = check_real_sequence(
            'prev_difficulty', prev_difficulty, perf.size, 0.0, 1.0)
        prev_known = np.ones(perf.shape, bool) if prev_known is None else \
            np.asarray(prev_known, dtype=bool).reshape(perf.shape)
        known |= prev_known
    measured_difficulty = np.full_like(perf, np.nan)

    if not measured.any():
        if prev_difficulty is None:
            return CDBWeights(np.ones_like(perf), np.ones_like(perf), 0.0, 0.0,
                              measured, known,
                              measured_difficulty=measured_difficulty)
        difficulty = prev_difficulty.copy()
        ratio = 1.0 if prev_ratio is None else check_real(
            'prev_ratio', prev_ratio, 0.0)
    else:
        ratio = performance_ratio(perf[measured], eps)
        measured_difficulty[measured] = performance_to_difficulty(
            perf[measured], d_min)
        difficulty = measured_difficulty.copy()
        if difficulty_momentum is not None and prev_difficulty is not None:
            # an exponential moving average over measurements; a class whose
            # previous value is only the mean fill starts from its own value
            smooth = measured & prev_known
            m = float(difficulty_momentum)
            difficulty[smooth] = (m * prev_difficulty[smooth] +
                                  (1.0 - m) * difficulty[smooth])
        carried = known & ~measured
        if carried.any():
            difficulty[carried] = prev_difficulty[carried]
        difficulty[~known] = difficulty[measured].mean()
    bias = max(ratio - 1.0, 0.0)  # paper eq. 5, from the raw performance

    if isinstance(tau, str):
        tau_value = dynamic_tau(bias, tau, t_max, eps, power, ratio)
    else:
        tau_value = tau
    tau_uncapped = float(tau_value)
    if tau_max is not None:
        tau_value = min(tau_value, tau_max)
    num_floored = 0
    weights = difficulty**tau_value  # paper eq. 4
    if normalize:
        if not weights.max() > 1e-150:
            # a large tau underflows every d ** tau towards 0 (0 / 0 = NaN);
            # the common factor (max d) ** tau, which the normalisation
            # removes, keeps the largest weight at 1
            weights = (difficulty / difficulty.max())**tau_value
        weights = weights / weights.mean()
    if weight_floor is not None:
        floor = float(weight_floor) if normalize else \
            float(weight_floor) * weights.mean()
        below = weights < floor
        num_floored = int(below.sum())
        weights = np.maximum(weights, floor)
        if normalize:
            weights = weights / weights.mean()
    return CDBWeights(weights, difficulty, float(tau_value), float(bias),
                      measured, known, float(ratio), measured_difficulty,
                      tau_uncapped, num_floored)
