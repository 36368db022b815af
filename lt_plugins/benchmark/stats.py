"""Statistics of a benchmark grid: mean and spread over training seeds, and
differences paired by seed.

Every table of the benchmarks compares methods over several training seeds.
A method's figure is the mean and the sample standard deviation (ddof 1)
over its finished seeds; a comparison of two methods is the mean and
standard deviation of their per-seed differences over the seeds both
finished, which removes what the seeds share (the data order of a seed, the
pretrained start) from the spread.
"""
import math
from typing import Dict, Mapping, Optional, Sequence

import numpy as np


def mean_std(values: Sequence[Optional[float]]) -> Dict[str, Optional[float]]:
    """Mean and sample standard deviation of the given values.

    None and NaN (a missing figure, e.g. a shot group without test images)
    are left out.

    Args:
        values (Sequence[float | None]): One value per seed.

    Returns:
        dict: ``mean`` (None without values), ``std`` (None with fewer
        than two values) and ``n``, the number of values used.
    """
    v = np.asarray([np.nan if x is None else x for x in values],
                   dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return dict(mean=None, std=None, n=0)
    return dict(mean=float(v.mean()),
                std=float(v.std(ddof=1)) if v.size > 1 else None,
                n=int(v.size))


def paired_difference(runs: Mapping, reference: Mapping,
                      key: str) -> Dict[str, object]:
    """``runs[s][key] - reference[s][key]`` over the seeds both have.

    Args:
        runs (Mapping): ``{seed: result}`` of one method.
        reference (Mapping): ``{seed: result}`` of the method it is
            compared with (same seed keys).
        key (str): The figure to compare.

    Returns:
        dict: :func:`mean_std` of the differences and ``seeds``, the seeds
        used (sorted). A seed where either figure is None or NaN is left
        out.
    """
    seeds = []
    diffs = []
    for seed in sorted(set(runs) & set(reference), key=_seed_order):
        a, b = runs[seed].get(key), reference[seed].get(key)
        if a is None or b is None or math.isnan(a) or math.isnan(b):
            continue
        seeds.append(seed)
        diffs.append(a - b)
    return dict(mean_std(diffs), seeds=seeds)


def _seed_order(seed):
    # seeds are ints in memory and strings in results.json
    return int(seed)


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, ties sharing the mean of their ranks (as
    ``scipy.stats.rankdata(method='average')``)."""
    v = np.asarray(values, dtype=np.float64)
    order = np.argsort(v, kind='stable')
    ranks = np.empty(v.size, dtype=np.float64)
    ranks[order] = np.arange(1, v.size + 1)
    _, inverse, counts = np.unique(v, return_inverse=True,
                                   return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def spearman(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Spearman's rank correlation of paired values: Pearson's correlation
    of their average ranks. None for fewer than 3 pairs or a constant
    side (no ranking to correlate).

    Args:
        x, y (Sequence[float]): Paired values, no NaN.

    Returns:
        float | None
    """
    if len(x) != len(y):
        raise ValueError(f'spearman needs paired values, got {len(x)} and '
                         f'{len(y)}')
    if len(x) < 3:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    norm = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    if norm == 0:
        return None
    return float((rx * ry).sum() / norm)
