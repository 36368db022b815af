"""Plots of a CDB run's history (``cdb_history.json``).

:class:`~lt_plugins.engine.difficulty_hook.DifficultyHookBase` writes, after
every measurement, ``<work_dir>/cdb_history.json`` with the keys ``classes``
(names in label order), ``metric`` (``bbox``/``segm`` AP or ``accuracy``),
``tau_mode`` and ``history``: one record per measurement with ``epoch``,
``tau``, ``bias``, ``performance`` (``None`` where a class was not measured),
``difficulty`` and ``weights``. This module turns such a file into three
small PNGs:

* weights over epochs per class group (median and inter-quartile band, plus
  the classes with the largest and the smallest last weight) above ``tau``
  over epochs; every class, measured or not, since these are the weights
  training applies;
* difficulty over epochs per group, drawn the same way but over the
  classes measured at each epoch only: the hook fills in a difficulty for a
  class it could not measure (its previous one, or the mean), and such a
  value is no measurement; the legend gives how many of a group's classes
  were measured;
* the last measured AP (or accuracy) of every class against its training
  image count, log x, coloured by group.

Groups are LVIS's frequency groups (rare 1-10, common 11-100, frequent > 100
training images; the ``frequency`` field of an LVIS annotation file) or, for
classification, the shot groups few (< 20), medium (20-100) and many (> 100);
without class counts every class is in one group and the third plot is
skipped.

Only ``json`` and ``numpy`` are imported at module level; matplotlib is
imported when a plot is drawn, and its object-oriented API with the Agg
canvas is used, so drawing never changes the caller's pyplot backend.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from lt_plugins.data.lvis_split import frequency_group

LVIS_GROUPS: Tuple[str, ...] = ('r', 'c', 'f')
SHOT_GROUPS: Tuple[str, ...] = ('few', 'medium', 'many')
ALL_GROUP = 'all'
GROUP_LABELS = {
    'r': 'rare (1-10 images)',
    'c': 'common (11-100)',
    'f': 'frequent (>100)',
    'few': 'few (<20 images)',
    'medium': 'medium (20-100)',
    'many': 'many (>100)',
    ALL_GROUP: 'all classes',
}
GROUP_COLORS = {
    'r': 'tab:red', 'c': 'tab:orange', 'f': 'tab:blue',
    'few': 'tab:red', 'medium': 'tab:orange', 'many': 'tab:blue',
    ALL_GROUP: 'tab:gray',
}
# small files: a few tens of KB per figure
FIGSIZE = (6.4, 4.0)
DPI = 100


# ---------------------------------------------------------------- reading


def load_history(path: str) -> dict:
    """Read and check a ``cdb_history.json``.

    Args:
        path (str): The json file, or the work directory holding
            ``cdb_history.json``.

    Returns:
        dict: The file's content (keys ``classes``, ``metric``,
        ``tau_mode``, ``history``).

    Raises:
        FileNotFoundError: If there is no such file.
        ValueError: If a key is missing, there is no record, or a record's
            per-class lists do not have one entry per class.
    """
    if osp.isdir(path):
        path = osp.join(path, 'cdb_history.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'no CDB history at {path!r}')
    with open(path) as f:
        data = json.load(f)
    for key in ('classes', 'history'):
        if key not in data:
            raise ValueError(f'{path} has no {key!r} key; is it a '
                             'cdb_history.json written by the CDB hook?')
    if not data['history']:
        raise ValueError(f'{path} holds no measurement yet')
    num_classes = len(data['classes'])
    for i, record in enumerate(data['history']):
        for key in ('epoch', 'tau', 'performance', 'difficulty', 'weights'):
            if key not in record:
                raise ValueError(f'record {i} of {path} has no {key!r}')
        for key in ('performance', 'difficulty', 'weights'):
            if len(record[key]) != num_classes:
                raise ValueError(
                    f'record {i} of {path} has {len(record[key])} {key} '
                    f'values for {num_classes} classes')
    return data


def history_arrays(data: dict) -> Dict[str, np.ndarray]:
    """The history as arrays, one row per measurement.

    Args:
        data (dict): A history as returned by :func:`load_history`.

    Returns:
        dict[str, np.ndarray]: ``epoch`` and ``tau`` of shape (E,);
        ``weights``, ``difficulty`` and ``performance`` of shape (E, C)
        as written (``performance`` NaN where a class was not measured;
        ``weights`` and ``difficulty`` hold the hook's filled-in values
        there); ``measured``, bool of shape (E, C): whether the class's
        performance was measured at that record.
    """
    records = data['history']
    measured = np.array([[v is not None for v in r['performance']]
                         for r in records], dtype=bool)

    def rows(key):
        return np.array([[np.nan if v is None else v for v in r[key]]
                         for r in records], dtype=np.float64)

    return dict(
        epoch=np.array([r['epoch'] for r in records], dtype=np.float64),
        tau=np.array([r['tau'] for r in records], dtype=np.float64),
        weights=rows('weights'),
        difficulty=rows('difficulty'),
        performance=rows('performance'),
        measured=measured.reshape(len(records), -1))


def lvis_class_stats(ann_file: str,
                     classes: Sequence[str]) -> Tuple[List[str], np.ndarray]:
    """Frequency group and training image count of each class.

    The count is a category's ``image_count`` (LVIS v0.5 and v1 ship it),
    else the number of images with an annotation of it; the group is its
    ``frequency``, else the group of that count.

    Args:
        ann_file (str): An LVIS-format annotation json (the training split).
        classes (Sequence[str]): Class names in label order, as in the
            history; matched to the categories' ``name``.

    Returns:
        tuple[list[str], np.ndarray]: Groups (``'r'``, ``'c'``, ``'f'``) and
        counts (int64), each of length C.

    Raises:
        ValueError: If a class name is not a category of the file.
    """
    with open(ann_file) as f:
        ann = json.load(f)
    by_name = {c['name']: c for c in ann['categories']}
    missing = [n for n in classes if n not in by_name]
    if missing:
        raise ValueError(
            f'{len(missing)} of the {len(classes)} classes of the history '
            f'are not categories of {ann_file}, e.g. {missing[:5]}; is it the '
            'annotation file of the same data set?')
    images: Dict[int, set] = {}
    if any('image_count' not in by_name[n] for n in classes):
        for a in ann.get('annotations', []):
            images.setdefault(a['category_id'], set()).add(a['image_id'])
    counts = np.array([
        by_name[n]['image_count'] if 'image_count' in by_name[n] else len(
            images.get(by_name[n]['id'], ())) for n in classes
    ], dtype=np.int64)
    groups = [
        by_name[n].get('frequency') or frequency_group(int(k))
        for n, k in zip(classes, counts)
    ]
    return groups, counts


def read_class_counts(path: str, classes: Sequence[str]) -> np.ndarray:
    """Training image count of each class from a json file.

    Args:
        path (str): A json list of C counts in label order, or an object
            mapping every class name to its count.
        classes (Sequence[str]): Class names in label order.

    Returns:
        np.ndarray: Counts, shape (C,), int64.

    Raises:
        ValueError: If the file does not give one count >= 0 per class.
    """
    with open(path) as f:
        raw = json.load(f)
    if not isinstance(raw, (list, dict)):
        raise ValueError(
            f'{path} must hold a list of {len(classes)} counts or a '
            f'name -> count object, got a json {type(raw).__name__}: '
            f'{raw!r:.60}')
    if isinstance(raw, dict):
        missing = [n for n in classes if n not in raw]
        if missing:
            raise ValueError(f'{path} has no count for {len(missing)} '
                             f'classes, e.g. {missing[:5]}')
        raw = [raw[n] for n in classes]
    if len(raw) != len(classes):
        raise ValueError(
            f'{path} must hold a list of {len(classes)} counts or a '
            f'name -> count object, got a list of length {len(raw)}')
    counts = np.asarray(raw, dtype=np.float64)
    if not np.isfinite(counts).all() or (counts < 0).any() or \
            (counts != np.round(counts)).any():
        raise ValueError(f'class counts in {path} must be integers >= 0, '
                         f'got min={counts.min()} max={counts.max()}')
    return counts.astype(np.int64)


def shot_group(count: int) -> str:
    """Shot group of a class from its training image count (SPEC 5)."""
    if count < 20:
        return 'few'
    if count <= 100:
        return 'medium'
    return 'many'


# -------------------------------------------------------------- summaries


def group_order(groups: Sequence[str]) -> List[str]:
    """The groups present, in the order rare/few first."""
    known = LVIS_GROUPS + SHOT_GROUPS + (ALL_GROUP, )
    present = [g for g in known if g in set(groups)]
    return present + sorted(set(groups) - set(present))


def group_quantiles(values: np.ndarray,
                    groups: Sequence[str]) -> Dict[str, Dict[str, np.ndarray]]:
    """Per-group median and quartiles over classes, for every measurement.

    Args:
        values (np.ndarray): Shape (E, C); NaN entries are left out.
        groups (Sequence[str]): Group of each of the C classes.

    Returns:
        dict[str, dict[str, np.ndarray]]: For each group, ``median``,
        ``q25`` and ``q75`` of shape (E,) (NaN where no class of the group
        has a value), ``num_values`` of shape (E,) (the group's classes
        with a value, int) and ``num_classes``.
    """
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(list(groups))
    if values.ndim != 2 or values.shape[1] != len(groups):
        raise ValueError(f'values must have shape (E, {len(groups)}), got '
                         f'{values.shape}')
    out = {}
    for g in group_order(groups):
        cols = values[:, groups == g]
        stats = {}
        for name, q in (('q25', 25), ('median', 50), ('q75', 75)):
            stats[name] = np.array([
                np.percentile(row[~np.isnan(row)], q)
                if (~np.isnan(row)).any() else np.nan for row in cols
            ])
        stats['num_values'] = (~np.isnan(cols)).sum(axis=1)
        stats['num_classes'] = int(cols.shape[1])
        out[g] = stats
    return out


def last_measured(performance: np.ndarray) -> np.ndarray:
    """Each class's last measured value.

    Args:
        performance (np.ndarray): Shape (E, C), NaN where not measured.

    Returns:
        np.ndarray: Shape (C,), NaN for a class never measured.
    """
    out = np.full(performance.shape[1], np.nan)
    for row in performance:
        seen = ~np.isnan(row)
        out[seen] = row[seen]
    return out


# ---------------------------------------------------------------- drawing


def _figure(nrows: int = 1, height_ratios=None):
    # the object-oriented API with an explicit Agg canvas: no pyplot, no
    # global backend switch, works without a display
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(FIGSIZE[0], FIGSIZE[1] * (1.4 if nrows > 1 else 1)),
                 dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, 1, sharex=True, squeeze=False,
                        gridspec_kw=dict(height_ratios=height_ratios))[:, 0]
    return fig, axes


def _log_axis(axis, set_scale) -> None:
    """Log scale with plain numbers: majors, and minors at 2 and 5."""
    from matplotlib.ticker import FuncFormatter
    set_scale('log')
    axis.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
    axis.set_minor_formatter(FuncFormatter(
        lambda v, _: f'{v:g}' if f'{v:.0e}'[0] in '25' else ''))


def _epoch_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel('epoch (measured after it)')


def _save(fig, path: str) -> str:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return path


def _measured_label(num_values: np.ndarray, num_classes: int) -> str:
    """``'2 measured of 5'`` (or ``'0-2 measured of 5'`` when the number
    changes over the epochs)."""
    lo, hi = int(num_values.min()), int(num_values.max())
    n = str(lo) if lo == hi else f'{lo}-{hi}'
    return f'{n} measured of {num_classes}'


def _draw_groups(ax, epochs, values, groups, classes, title, ylabel,
                 log_y=False, count_label=None):
    """Median line and inter-quartile band per group, plus the classes with
    the largest and the smallest last value (NaN entries left out).

    ``count_label(stats)`` gives the count part of a group's legend entry;
    by default the group's number of classes.

    Returns:
        dict: The per-group summary (:func:`group_quantiles`), plus
        ``extremes`` (tag -> class name), ``legend`` (the legend's labels)
        and ``title``.
    """
    if count_label is None:
        def count_label(stats):
            return f'{stats["num_classes"]} classes'
    summary = group_quantiles(values, groups)
    for g, s in summary.items():
        color = GROUP_COLORS.get(g, None)
        ax.plot(epochs, s['median'], color=color, marker='o', ms=3,
                label=f'{GROUP_LABELS.get(g, g)}, {count_label(s)}: median')
        ax.fill_between(epochs, s['q25'], s['q75'], color=color, alpha=0.2,
                        linewidth=0)
    # the classes with the largest and the smallest last value they have
    last = last_measured(values)
    extremes = {}
    if np.isfinite(last).any():
        hi = int(np.nanargmax(last))
        lo = int(np.nanargmin(last))
        for idx, style, tag in ((hi, '--', 'largest'), (lo, ':', 'smallest')):
            ax.plot(epochs, values[:, idx], color='black', linestyle=style,
                    linewidth=1, marker='.', ms=3,
                    label=f'{tag}: {classes[idx]}')
            extremes[tag] = classes[idx]
    if log_y:
        _log_axis(ax.yaxis, ax.set_yscale)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    legend = ax.legend(fontsize=7, loc='best')
    summary['extremes'] = extremes
    summary['legend'] = [t.get_text() for t in legend.get_texts()]
    summary['title'] = title
    return summary


def weights_have_mean_one(weights: np.ndarray, rtol: float = 1e-3) -> bool:
    """Whether every record's weights average to 1 (``normalize=True`` in
    the CDB loss), which the history file does not record.

    Args:
        weights (np.ndarray): Shape (E, C).
        rtol (float): Tolerance on the mean; the hook writes float32
            weights rounded in json.

    Returns:
        bool: True if ``|mean_c w_c - 1| <= rtol`` for every record.
    """
    means = np.asarray(weights, dtype=np.float64).mean(axis=1)
    return bool(np.all(np.abs(means - 1.0) <= rtol))


def _pop_drawn(summary: dict, path: str) -> dict:
    """The plot functions' result: groups, extremes, legend, title, path."""
    extras = {k: summary.pop(k) for k in ('extremes', 'legend', 'title')}
    return dict(groups=summary, path=path, **extras)


def plot_weights(arrays: Dict[str, np.ndarray], groups: Sequence[str],
                 classes: Sequence[str], path: str,
                 tau_mode: Optional[str] = None) -> dict:
    """Weights per group over epochs (top) and tau over epochs (bottom).

    All classes are drawn, also at the epochs where a class was not
    measured: its weight is then computed from the difficulty the hook
    filled in, and it is the weight training applies. The title says so,
    and says "mean 1" only when the weights do average to 1.

    Args:
        arrays (dict): As returned by :func:`history_arrays`.
        groups (Sequence[str]): Group of each class.
        classes (Sequence[str]): Class names.
        path (str): Output PNG.
        tau_mode (str, optional): Shown in the title.

    Returns:
        dict: The per-group summary drawn (:func:`group_quantiles`) under
        ``groups``, the classes drawn as extremes under ``extremes``, the
        ``legend`` labels, the ``title`` and ``path``.
    """
    fig, (ax, ax_tau) = _figure(2, height_ratios=[3, 1])
    weights = arrays['weights']
    mean_one = ', mean 1' if weights_have_mean_one(weights) else ''
    title = f'CDB class weights as applied in training{mean_one}'
    if not arrays['measured'].all():
        title += ('\n(unmeasured classes included, with the weight of '
                  'their filled-in difficulty)')
    summary = _draw_groups(
        ax, arrays['epoch'], weights, groups, classes, title, 'weight w_c',
        log_y=bool((weights > 0).all()),
        count_label=lambda s: f'{s["num_classes"]} classes '
        '(measured or not)')
    ax_tau.plot(arrays['epoch'], arrays['tau'], color='black', marker='o',
                ms=3)
    ax_tau.set_ylabel('tau')
    _epoch_axis(ax_tau)
    ax_tau.grid(alpha=0.3)
    if tau_mode is not None:
        ax_tau.set_title(f'tau ({tau_mode})', fontsize=9)
    return _pop_drawn(summary, _save(fig, path))


def plot_difficulty(arrays: Dict[str, np.ndarray], groups: Sequence[str],
                    classes: Sequence[str], path: str) -> dict:
    """Difficulty ``d_c`` per group over epochs, of measured classes only.

    The hook writes a difficulty for every class, filling in one for a
    class it did not measure (its previous or the mean difficulty); such
    values are left out, so a group's median and quartiles at an epoch are
    over the classes measured then (NaN where none was). The legend gives
    the number measured of each group.

    Args:
        arrays (dict): As returned by :func:`history_arrays`.
        groups (Sequence[str]): Group of each class.
        classes (Sequence[str]): Class names.
        path (str): Output PNG.

    Returns:
        dict: As :func:`plot_weights`; each group's ``num_values`` is its
        number of measured classes per epoch.
    """
    fig, (ax, ) = _figure(1)
    difficulty = np.where(arrays['measured'], arrays['difficulty'], np.nan)
    summary = _draw_groups(
        ax, arrays['epoch'], difficulty, groups, classes,
        'CDB class difficulty d_c = 1 - A_c (measured classes only)',
        'difficulty',
        count_label=lambda s: _measured_label(s['num_values'],
                                              s['num_classes']))
    _epoch_axis(ax)
    return _pop_drawn(summary, _save(fig, path))


def plot_performance_vs_count(arrays: Dict[str, np.ndarray],
                              groups: Sequence[str], counts: np.ndarray,
                              path: str, metric: str = 'AP') -> dict:
    """Last measured performance of each class against its training image
    count (log x), coloured by group.

    Classes never measured, and classes with no training image (no place on
    a log axis), are left out and counted in the title.

    Args:
        arrays (dict): As returned by :func:`history_arrays`.
        groups (Sequence[str]): Group of each class.
        counts (np.ndarray): Training image count of each class, shape (C,).
        path (str): Output PNG.
        metric (str): The history's metric, for the axis label.

    Returns:
        dict: ``x`` (counts) and ``y`` (performance) drawn per group under
        ``points``, ``num_left_out`` and ``path``.
    """
    perf = last_measured(arrays['performance'])
    counts = np.asarray(counts)
    groups = np.asarray(list(groups))
    shown = ~np.isnan(perf) & (counts > 0)
    fig, (ax, ) = _figure(1)
    points = {}
    for g in group_order(groups):
        sel = shown & (groups == g)
        points[g] = dict(x=counts[sel], y=perf[sel])
        ax.scatter(counts[sel], perf[sel], s=12,
                   color=GROUP_COLORS.get(g, None), alpha=0.8,
                   label=f'{GROUP_LABELS.get(g, g)} ({int(sel.sum())})')
    _log_axis(ax.xaxis, ax.set_xscale)
    ylabel = 'accuracy' if metric == 'accuracy' else f'{metric} AP'
    ax.set_xlabel('training images of the class')
    ax.set_ylabel(f'last measured {ylabel}')
    left_out = int((~shown).sum())
    title = f'per-class {ylabel} on the held-out split'
    if left_out:
        title += f' ({left_out} classes without a value left out)'
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which='both')
    ax.legend(fontsize=7, loc='best')
    return dict(points=points, num_left_out=left_out, path=_save(fig, path))


def plot_cdb_history(history: str,
                     out_dir: Optional[str] = None,
                     lvis_ann: Optional[str] = None,
                     class_counts: Optional[str] = None,
                     prefix: str = 'cdb') -> Dict[str, dict]:
    """Draw the plots of one run's ``cdb_history.json``.

    Args:
        history (str): The json file, or the work directory holding it.
        out_dir (str, optional): Where the PNGs go; defaults to the
            history's directory.
        lvis_ann (str, optional): The run's LVIS training annotation json,
            for frequency groups and image counts.
        class_counts (str, optional): A json of per-class training image
            counts (list in label order or name -> count), for
            classification; ignored when ``lvis_ann`` is given.
        prefix (str): File name prefix.

    Returns:
        dict[str, dict]: ``weights``, ``difficulty`` and, when class counts
        are known, ``performance``: each what the plot function returned
        (with its ``path``).
    """
    if osp.isdir(history):
        history = osp.join(history, 'cdb_history.json')
    data = load_history(history)
    classes = list(data['classes'])
    if out_dir is None:
        out_dir = osp.dirname(osp.abspath(history))
    counts = None
    if lvis_ann is not None:
        groups, counts = lvis_class_stats(lvis_ann, classes)
    elif class_counts is not None:
        counts = read_class_counts(class_counts, classes)
        groups = [shot_group(int(k)) for k in counts]
    else:
        groups = [ALL_GROUP] * len(classes)
    arrays = history_arrays(data)
    out = dict(
        weights=plot_weights(arrays, groups, classes,
                             osp.join(out_dir, f'{prefix}_weights.png'),
                             data.get('tau_mode')),
        difficulty=plot_difficulty(
            arrays, groups, classes,
            osp.join(out_dir, f'{prefix}_difficulty.png')))
    if counts is not None:
        out['performance'] = plot_performance_vs_count(
            arrays, groups, counts,
            osp.join(out_dir, f'{prefix}_performance_vs_count.png'),
            data.get('metric', 'AP'))
    return out
