"""Pieces of a benchmark report shared by the grids: number formatting,
the machine record and the markdown table layout."""
import os
import platform
from collections import Counter
from typing import Iterable, Optional, Sequence


def fmt(stat: Optional[dict], digits: int = 1, signed: bool = False,
        scale: float = 1.0, missing: str = '-') -> str:
    """``mean ± std`` of a :func:`~lt_plugins.benchmark.stats.mean_std`
    record.

    Args:
        stat (dict, optional): ``mean`` and ``std`` (either may be None).
        digits (int): Decimals.
        signed (bool): Print the mean's sign (a difference).
        scale (float): Factor applied to mean and std (100 for fractions
            shown in percent).
        missing (str): Text for a missing mean.

    Returns:
        str: e.g. ``'45.3 ± 1.2'``, ``'+2.1'`` (one seed) or ``missing``.
    """
    if not stat or stat.get('mean') is None:
        return missing
    sign = '+' if signed else ''
    mean = scale * stat['mean'] if scale != 1.0 else stat['mean']
    text = f'{mean:{sign}.{digits}f}'
    if stat.get('std') is not None:
        std = scale * stat['std'] if scale != 1.0 else stat['std']
        text += f' ± {std:.{digits}f}'
    return text


def seeds_text(seeds: Iterable) -> str:
    """``'0,1,2'``: the seeds column of a table."""
    return ','.join(map(str, seeds))


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]
                   ) -> list:
    """Lines of a markdown table (no trailing newline)."""
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return lines


def machine_description() -> str:
    """Operating system, processor, CPU count and Python of this machine,
    recorded with every result (GPU runs add the device)."""
    return (f'{platform.system()} {platform.machine()}, '
            f'{os.cpu_count()} CPU cores, Python '
            f'{platform.python_version()}')


def machines_text(runs: Iterable[dict]) -> str:
    """The machines recorded with ``runs`` (``machine`` and ``device`` of
    each run's record), each with its number of runs, e.g. ``'Linux x86_64,
    2 CPU cores, Python 3.11.7, cpu (12 runs)'``. The machine string's format
    changed once, so one machine may appear under two strings; the counts
    say which runs each covers. ``'-'`` for no runs."""
    counts = Counter(
        ', '.join(str(r[k]) for k in ('machine', 'device') if r.get(k))
        or 'not recorded' for r in runs)
    return '; '.join(f'{m} ({n} run{"" if n == 1 else "s"})'
                     for m, n in sorted(counts.items())) or '-'


def uninterrupted_time(run: dict, key: str) -> Optional[float]:
    """A run's recorded training time ``key`` (``train_seconds`` or
    ``train_cpu_seconds``), None where not recorded or where the training
    resumed (``train_resumed``): a resumed training timed only its part
    after the checkpoint."""
    return None if run.get('train_resumed') else run.get(key)
