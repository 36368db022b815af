"""Count-aware class performance: shrink a measurement made on few held-out
instances towards its group's mean.

CDB's difficulty ``d_c = 1 - A_c`` (CDB paper eq. 2) takes the held-out
performance ``A_c`` at face value. A rare LVIS category is measured on 1-5
held-out images, so its AP scatters widely around its validation AP and its
weight ``d_c ** tau`` follows the scatter. The standard answer to noisy
small-sample rates is empirical-Bayes shrinkage (the "Bayesian average":
Efron and Morris, *Data analysis using Stein's estimator and its
generalizations*, JASA 1975; for rates, a Beta prior centred on the group's
mean whose strength is ``k`` pseudo-observations):

    A_c' = (n_c * A_c + k * mean_g(A)) / (n_c + k)

with ``n_c`` the class's held-out instances, ``g`` its group (LVIS'
frequency group: rare, common, frequent) and ``mean_g(A)`` the unweighted
mean of the measured classes of that group. A class measured on many
instances keeps its own value; a class measured on one moves most of the way
to its group's mean. ``k`` is fixed before any run (docs/detection.md says
which value the configs use and why); it is not tuned.

Unmeasured classes (NaN) stay unmeasured: the difficulty hook's rule for
them (SPEC section 1) applies unchanged. A group without a measured class
shrinks towards the mean of every measured class.
"""
from typing import Sequence

import numpy as np

from .validation import check_real, check_real_sequence


def shrink_performance(performance: Sequence[float],
                       counts: Sequence[float],
                       groups: Sequence,
                       k: float) -> np.ndarray:
    """Shrink each class's performance towards its group's mean.

    Args:
        performance (Sequence[float]): ``A_c`` per class, shape (C,), in
            [0, 1]; NaN for a class that was not measured.
        counts (Sequence[float]): Held-out instances of each class
            (``n_c``), shape (C,), >= 0.
        groups (Sequence): A group label per class, shape (C,) (e.g. LVIS'
            ``'r'``, ``'c'``, ``'f'``).
        k (float): Prior strength in instances, > 0.

    Returns:
        np.ndarray: ``A_c'`` per class, float64, shape (C,); NaN where
        ``performance`` is NaN.

    Raises:
        ValueError: For mismatched lengths, a performance outside [0, 1], a
            negative count or ``k <= 0``.
    """
    k = check_real('k', k, 0.0, low_open=True)
    perf = np.asarray(performance, dtype=np.float64)
    if perf.ndim != 1:
        raise ValueError(f'performance must be 1-d, got shape {perf.shape}')
    measured = ~np.isnan(perf)
    check_real_sequence('performance (measured classes)', perf[measured],
                        low=0.0, high=1.0, min_length=0)
    n = check_real_sequence('counts', counts, length=perf.size, low=0.0)
    groups = list(groups)
    if len(groups) != perf.size:
        raise ValueError(f'{len(groups)} group labels for {perf.size} '
                         'classes')
    out = perf.copy()
    if not measured.any():
        return out
    overall = float(perf[measured].mean())
    labels = np.asarray(groups, dtype=object)
    for g in dict.fromkeys(groups):
        in_g = labels == g
        seen = in_g & measured
        prior = float(perf[seen].mean()) if seen.any() else overall
        idx = np.flatnonzero(seen)
        out[idx] = (n[idx] * perf[idx] + k * prior) / (n[idx] + k)
    return out
