"""Calibrating the classification benchmark's data against CE alone.

A generated benchmark's difficulty is a choice, and the only model allowed
to make it is the plain cross-entropy baseline: looking at any other
method's result while choosing the data would tune the data to a method.
:func:`calibrate` walks one generator argument (the *knob*: the class gap of
the default data, the pixel noise of the ``g1`` data) over *rungs*. At each
rung it writes the data (``tools/make_cifar_lt_bench.py``), trains and tests
CE with training seed 0 at a size of the benchmark
(``tools/run_cls_benchmark.py --methods ce --seeds 0 --data-root ...``), and
archives that run's ``result.json`` as ``ce_seed0_<knob><value>.json``. Two
ways to pick the rungs:

* a list of values, run in order (how the default data's class gap was
  chosen: ``class_gap 2.5 1.75 1.25``);
* a search for a target top-1: the starting values, then the secant through
  the two rungs closest to the target (:func:`next_value`), rounded to a
  step, until a rung's top-1 is within the tolerance of the target (how the
  ``g1`` data's pixel noise was matched to the default data's CE top-1).

A rung whose result is archived is read, not trained again, so the command
resumes, and run again on a complete archive it only rewrites
``calibration.md`` (the rungs in the order they were run, the top-1 and
many / medium / few of each, per kind of class, and the command) and
``calibration.png`` (the accuracies against the knob).
``tools/calibrate_cls_bench.py`` is its command line.
"""
import math
import os
import os.path as osp
import shlex
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from lt_plugins.engine.run_archive import read_json, write_json

from .grid import REPO, rel, write_text
from .report import machines_text
from .report import markdown_table as table_lines

#: What the report and the runs are named.
REPORT_FILE = 'calibration.md'
PLOT_FILE = 'calibration.png'
RESULT_PREFIX = 'ce_seed0_'
#: What an archived rung adds to the run's result: the runner size it
#: trained at and its knob value.
ARCHIVE_KEY = 'calibration'


def _num(x: float) -> str:
    return '-' if x is None or math.isnan(x) else f'{x:.1f}'


def value_text(value: float) -> str:
    """A knob value as it appears in file names and tables (``0.52``,
    ``2.5``, ``1.25``: rounding noise of a step grid left out)."""
    return f'{round(float(value), 10):.10g}'


class SearchStopped(Exception):
    """A search that cannot go on: the reason is the message."""


def next_value(points: Sequence[Tuple[float, float]], target: float,
               step: float, low: float, high: float) -> float:
    """The next rung of a search: the secant through the two rungs whose
    top-1 is closest to ``target``.

    With ``(v0, t0)`` the closest and ``(v1, t1)`` the second closest,
    ``v = v1 + (target - t1) * (v1 - v0) / (t1 - t0)`` (the midpoint when
    ``t1 == t0``), rounded to a multiple of ``step`` and clipped to
    ``[low, high]``. A rounded value already run gives way to its untried
    grid neighbour nearest the secant's value.

    Args:
        points: ``(value, top-1)`` of the rungs run so far (two at least).
        target (float): The top-1 the search looks for.
        step (float): Grid the values are rounded to (> 0).
        low, high (float): Range of the knob.

    Returns:
        float: The next value.

    Raises:
        ValueError: With fewer than two points.
        SearchStopped: When the secant points past a bound already run,
            or both grid neighbours of a value already run were run too
            (the target lies between two neighbouring grid values).
    """
    if len(points) < 2:
        raise ValueError(f'a secant needs two rungs, got {list(points)}')
    (v0, t0), (v1, t1) = sorted(points, key=lambda p: abs(p[1] - target))[:2]
    raw = v1 + (target - t1) * (v1 - v0) / (t1 - t0) if t1 != t0 \
        else (v0 + v1) / 2
    v = min(high, max(low, round(raw / step) * step))
    tried = {value_text(p[0]) for p in points}
    if value_text(v) not in tried:
        return float(value_text(v))
    if not low <= raw <= high:
        raise SearchStopped(
            f'the secant points to {value_text(raw)}, past the bound '
            f'{value_text(v)}, which has run')
    near = [u for u in sorted((v - step, v + step), key=lambda u: abs(u - raw))
            if low - step / 2 <= u <= high + step / 2
            and value_text(u) not in tried]
    if not near:
        raise SearchStopped(
            f'the secant points to {value_text(raw)}, and {value_text(v)} '
            'and its grid neighbours have run: the target lies between two '
            'neighbouring values of the step grid (a finer --step goes on)')
    return float(value_text(near[0]))


def calibrate(measure: Callable[[float], float], values: Sequence[float],
              target: Optional[float] = None, tolerance: float = 2.0,
              step: float = 0.01, low: float = 0.0, high: float = math.inf,
              max_rungs: int = 8) -> Tuple[List[Tuple[float, float]], str]:
    """Run the rungs of a calibration.

    Args:
        measure: Top-1 of CE at a knob value (trains, or reads the
            archive).
        values: The starting values, run in order.
        target (float, optional): Search for this top-1 (None: run
            ``values`` and stop).
        tolerance (float): A search stops at the first rung within this
            distance of ``target`` (also among the starting values).
        step, low, high: Grid and range of the search
            (:func:`next_value`).
        max_rungs (int): A search that has not arrived after this many
            rungs stops (a list of values runs whole).

    Returns:
        tuple: ``(value, top-1)`` in the order run, and why a search
        stopped before a rung arrived ('' when it arrived or without a
        target).
    """
    points: List[Tuple[float, float]] = []
    pending = [float(v) for v in values]
    while pending:
        if target is not None and len(points) >= max_rungs:
            return points, f'{max_rungs} rungs (--max-rungs) have run'
        v = pending.pop(0)
        points.append((v, float(measure(v))))
        if target is not None and abs(points[-1][1] - target) <= tolerance:
            return points, ''
        if target is not None and not pending and len(points) >= 2:
            try:
                pending.append(next_value(points, target, step, low, high))
            except SearchStopped as e:
                return points, str(e)
    return points, ''


def kind_shot_accuracy(result: dict) -> Dict[str, List[float]]:
    """Mean per-class accuracy of the classes with a look of their own and
    of the confusable ones, per shot group (many / medium / few), from a
    run's per-class accuracy and the class structure its data arguments
    give (:func:`~lt_plugins.data.cifar_lt_bench.class_structure`)."""
    from lt_plugins.data.cifar_lt_bench import class_structure
    from lt_plugins.engine.history_plots import shot_group
    args = result['data_args']
    structure = class_structure(args['num_distinct'], args['group_size'],
                                args['class_gap'], args['hue_jitter'],
                                args['seed'])
    acc = np.asarray(result['classwise'], float)
    counts = np.asarray(result['class_counts'])
    distinct = np.asarray(structure['distinct'])
    group = np.array([shot_group(int(c)) for c in counts])
    shots = [group == g for g in ('many', 'medium', 'few')]
    out = {}
    for kind, mask in (('distinct', distinct), ('confusable', ~distinct)):
        out[kind] = [float(acc[mask & s].mean()) if (mask & s).any()
                     else math.nan for s in shots]
    return out


def result_path(out_dir: str, knob: str, value: float) -> str:
    """Where a rung's archived result lives."""
    return osp.join(out_dir, f'{RESULT_PREFIX}{knob}{value_text(value)}.json')


def rung_args(knob: str, value: float, fixed: Dict[str, object]) -> dict:
    """Every generator argument of a rung (the defaults, ``fixed``, the
    knob), typed as the generator records them."""
    from lt_plugins.data.cifar_lt_bench import DEFAULTS
    args = dict(DEFAULTS)
    for key, v in {**fixed, knob: value}.items():
        if key not in DEFAULTS:
            raise ValueError(f'{key!r} is not a generator argument; valid: '
                             f'{sorted(DEFAULTS)}')
        kind = type(DEFAULTS[key])
        if kind is int and float(v) != int(float(v)):
            raise ValueError(f'{key} takes whole numbers, got {v!r}')
        args[key] = kind(float(v)) if kind is int else kind(v)
    return args


def check_archived(path: str, args: dict, size: str) -> dict:
    """An archived rung, refused when it is not CE seed 0 at ``size`` on
    the rung's data (an archive of another calibration in the same
    folder)."""
    result = read_json(path)
    recorded = result.get('data_args') or {}
    wrong = {k: recorded.get(k) for k, v in args.items()
             if recorded.get(k) != v}
    trained = (result.get(ARCHIVE_KEY) or {}).get('size')
    if wrong or trained != size or result.get('method') != 'ce' \
            or result.get('seed') != 0:
        raise SystemExit(
            f'{rel(path)} is not CE seed 0 at size {size!r} on {args} (it '
            f'records method {result.get("method")!r}, seed '
            f'{result.get("seed")!r}, size {trained!r}, data {wrong}); move '
            'it or pick another --out-dir')
    return result


def write_report(out_dir: str, knob: str, points, results: Dict[str, dict],
                 command: str, size: str, target: Optional[float],
                 tolerance: float, fixed: Dict[str, object],
                 stopped: str = '') -> str:
    """``calibration.md``: the rungs in the order run and the command."""
    within = target is not None
    rows = []
    for value, top1 in points:
        r = results[value_text(value)]
        ks = kind_shot_accuracy(r)
        row = [value_text(value), _num(top1), _num(r['many']),
               _num(r['medium']), _num(r['few']),
               ' / '.join(_num(x) for x in ks['distinct']),
               ' / '.join(_num(x) for x in ks['confusable']),
               _num((r.get('train_cpu_seconds') or math.nan) / 60)]
        if within:
            row.append('yes' if abs(top1 - target) <= tolerance else 'no')
        rows.append(row)
    header = [f'`{knob}`', 'CE top-1', 'many', 'medium', 'few',
              'own look: many / medium / few',
              'confusable: many / medium / few', 'CPU, min']
    if all(row[6] == '- / - / -' for row in rows):  # no confusable class
        header = header[:5] + header[7:]
        rows = [row[:5] + row[7:] for row in rows]
    if within:
        header.append(f'within {tolerance:g} of {target:g}')
    fixed_text = ', '.join(f'`{k}={v}`' for k, v in fixed.items()) or 'none'
    how = (f'searched for CE top-1 {target:g} (tolerance {tolerance:g}): '
           'the starting values, then the secant through the two rungs '
           'closest to it, rounded to the step' if target is not None
           else 'the values in the order given')
    if stopped:
        how += f'; **the search stopped before a rung arrived**: {stopped}'
    machines = machines_text(results.values())
    text = '\n'.join([
        f'# Calibration of `{knob}` against CE alone', '',
        f'CE only, training seed 0, size `{size}` of '
        '`tools/run_cls_benchmark.py`; no other method was run. Generator '
        f'arguments besides the defaults and `{knob}`: {fixed_text}. '
        f'Rungs: {how}. Per-class accuracy by kind of class: classes with '
        'a look of their own and the confusable ones (groups differing only '
        'in hue), per shot group (many > 100, few < 20 training images). '
        f'Machine (runs): {machines}. One `{RESULT_PREFIX}<knob><value>'
        '.json` per rung (the run\'s `result.json`).', '',
        *table_lines(header, rows), '',
        f'![CE against {knob}]({PLOT_FILE})', '',
        'Regenerate (rungs archived here are read, not trained again):', '',
        '```bash', command, '```', ''])
    path = osp.join(out_dir, REPORT_FILE)
    write_text(path, text)
    plot_calibration(osp.join(out_dir, PLOT_FILE), knob, points, results,
                     target, tolerance)
    return path


def plot_calibration(path: str, knob: str, points,
                     results: Dict[str, dict], target: Optional[float],
                     tolerance: float) -> str:
    """CE's top-1 and many / medium / few accuracy against the knob, each
    rung numbered in the order run, the target band of a search shaded."""
    from .cifar_lt import _figure, _save
    fig, axes = _figure(1, 1, 5.0, 3.4)
    ax = axes[0, 0]
    order = sorted(range(len(points)), key=lambda i: points[i][0])
    xs = [points[i][0] for i in order]
    if target is not None:
        ax.axhspan(target - tolerance, target + tolerance, color='0.9',
                   label=f'target {target:g} ± {tolerance:g}')
    for key, style in (('many', ':'), ('medium', '-.'), ('few', '--')):
        ax.plot(xs, [results[value_text(x)][key] for x in xs], style,
                color='0.5', lw=1, label=key)
    ax.plot(xs, [points[i][1] for i in order], 'o-', color='C0',
            label='top-1')
    for n, (x, top1) in enumerate(points, 1):
        ax.annotate(str(n), (x, top1), textcoords='offset points',
                    xytext=(4, 4), fontsize=8, color='C0')
    ax.set_xlabel(f'{knob} (numbers: order run)')
    ax.set_ylabel('CE test accuracy, %')
    ax.set_title(f'CE seed 0 against {knob}', fontsize=10)
    ax.legend(fontsize=7, loc='best')
    return _save(fig, path)


def run_rung(knob: str, value: float, fixed: Dict[str, object], size: str,
             data_dir: str, work_dir: str, out_dir: str,
             command_prefix: Sequence[str], dry_run: bool = False
             ) -> Optional[dict]:
    """Write a rung's data if missing, train and test CE seed 0 on it
    (resuming), archive and return its result (None on a dry run).

    The data go to ``<data_dir>/<tag>`` and the run to
    ``<work_dir>/<size>/<tag>``, the tag naming the ``fixed`` arguments and
    the knob with their values, sorted (``group_size1-pixel_noise0.52``).
    """
    from lt_plugins.data.cifar_lt_bench import (generate_cifar_lt_bench,
                                                read_bench_info)
    from lt_plugins.engine.safe_output import AtomicOutputs

    from . import cifar_lt
    args = rung_args(knob, value, fixed)
    archived = result_path(out_dir, knob, value)
    if osp.isfile(archived):
        if dry_run:
            print(f'{value_text(value)}: archived in {rel(archived)}')
        return check_archived(archived, args, size)
    tag = '-'.join(f'{k}{value_text(args[k])}'
                   for k in sorted({**fixed, knob: value}))
    data_root = osp.join(data_dir, tag)
    work_root = osp.join(work_dir, size, tag)
    runner = ['--size', size, '--methods', 'ce', '--seeds', '0',
              '--data-root', data_root, '--work-root', work_root,
              '--out-dir', osp.join(work_root, 'report'),
              '--command-prefix', shlex.join(command_prefix)]
    if dry_run:
        flags = ' '.join(f'--{k.replace("_", "-")} {v}'
                         for k, v in args.items())
        shown = shlex.join(rel(a) if osp.isabs(a) else a
                           for a in runner[:-2])
        print(f'{value_text(value)}: python tools/make_cifar_lt_bench.py '
              f'{flags} --out {rel(data_root)}\n'
              f'    python tools/run_cls_benchmark.py {shown}')
        return None
    if osp.isdir(osp.join(data_root, 'cifar-100-python')):
        info = read_bench_info(data_root) or {}
        if info.get('args') != args:
            raise SystemExit(
                f'{rel(data_root)} holds data generated with '
                f'{info.get("args")}, not {args}; remove it')
    else:
        with AtomicOutputs() as outputs:
            generate_cifar_lt_bench(outputs.stage_dir(data_root, 'data'),
                                    **args)
    if cifar_lt.main(runner) != 0:
        raise SystemExit(f'CE at {knob}={value_text(value)} failed; its '
                         f'work directory: {rel(work_root)}/ce/seed0')
    result = read_json(osp.join(work_root, 'ce', 'seed0', 'result.json'))
    result[ARCHIVE_KEY] = dict(size=size, knob=knob, value=args[knob])
    os.makedirs(out_dir, exist_ok=True)
    write_json(archived, result)
    return check_archived(archived, args, size)


def main_calibration(knob: str, values: Sequence[float],
                     fixed: Dict[str, object], out_dir: str, size: str,
                     data_dir: str, work_dir: str, command: str,
                     command_prefix: Sequence[str],
                     target: Optional[float] = None,
                     tolerance: float = 2.0, step: float = 0.01,
                     low: float = 0.0, high: float = math.inf,
                     max_rungs: int = 8, dry_run: bool = False
                     ) -> List[Tuple[float, float]]:
    """Run (or resume) a calibration and write its report; on a dry run,
    print what the starting rungs would run."""
    rung_args(knob, values[0], fixed)  # unknown names before anything runs
    if dry_run:
        for value in values:
            run_rung(knob, value, fixed, size, data_dir, work_dir, out_dir,
                     command_prefix, dry_run=True)
        if target is not None:
            print('then the secant rungs, which depend on these results')
        return []
    results: Dict[str, dict] = {}

    def measure(value: float) -> float:
        result = run_rung(knob, value, fixed, size, data_dir, work_dir,
                          out_dir, command_prefix)
        results[value_text(value)] = result
        return result['top1']

    points, stopped = calibrate(measure, values, target, tolerance, step,
                                low, high, max_rungs)
    path = write_report(out_dir, knob, points, results, command, size,
                        target, tolerance, fixed, stopped)
    print(f'wrote {rel(path)}' + (f' (the search stopped: {stopped})'
                                  if stopped else ''))
    return points


def parse_args(argv=None):
    import argparse
    import sys
    parser = argparse.ArgumentParser(
        prog='tools/calibrate_cls_bench.py',
        description='Calibrate a generator argument of the classification '
        'benchmark data against CE alone (lt_plugins.benchmark.calibration)'
        '.', epilog='examples: class_gap 2.5 1.75 1.25 --out-dir '
        'docs/cls_bench/calibration | pixel_noise 0.08 0.16 --target 44.5 '
        '--step 0.02 --bounds 0.02 0.9 --set group_size=1 --out-dir '
        'docs/cls_bench/g1/calibration')
    parser.add_argument('knob', help='the generator argument calibrated '
                        '(as in lt_plugins.data.cifar_lt_bench.DEFAULTS, '
                        'e.g. class_gap, pixel_noise)')
    parser.add_argument('values', nargs='+', type=float,
                        help='its starting values, run in order')
    parser.add_argument('--out-dir', required=True,
                        help='where the rungs\' results and calibration.md '
                        'go (a docs/cls_bench folder)')
    parser.add_argument('--target', type=float, default=None,
                        help='search for this CE top-1: after the starting '
                        'values (two at least), secant rungs until one is '
                        'within --tolerance (default: run the values only)')
    parser.add_argument('--tolerance', type=float, default=2.0)
    parser.add_argument('--step', type=float, default=0.01,
                        help='grid the searched values are rounded to')
    parser.add_argument('--bounds', nargs=2, type=float, default=None,
                        metavar=('LOW', 'HIGH'), help='range of a search')
    parser.add_argument('--max-rungs', type=int, default=8)
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='other generator arguments, fixed for every '
                        'rung (e.g. group_size=1)')
    parser.add_argument('--size', default='default',
                        help='the runner size CE trains at (default: '
                        'default, 15 epochs)')
    parser.add_argument('--data-dir', default='data/calibration',
                        help='where each rung\'s data is written')
    parser.add_argument('--work-dir', default='work_dirs/calibration',
                        help='where each rung trains')
    parser.add_argument('--command-prefix', default=shlex.quote(
        sys.executable), help='what runs a Python script (passed to the '
        'runner)')
    parser.add_argument('--dry-run', action='store_true',
                        help='print what the starting rungs run')
    args = parser.parse_args(argv)
    fixed = {}
    for item in args.set:
        key, sep, value = item.partition('=')
        if not sep or not key:
            parser.error(f'--set takes KEY=VALUE, got {item!r}')
        fixed[key.replace('-', '_')] = value
    if args.knob in fixed:
        parser.error(f'--set names the knob {args.knob!r} itself')
    if args.target is not None and len(args.values) < 2:
        parser.error('a search (--target) needs two starting values, got '
                     f'{args.values}')
    if args.target is not None and not args.bounds:
        parser.error('a search (--target) needs --bounds LOW HIGH: the '
                     'secant may point anywhere')
    if args.bounds and not args.bounds[0] < args.bounds[1]:
        parser.error(f'--bounds LOW HIGH needs LOW < HIGH, got '
                     f'{args.bounds}')
    if args.step <= 0 or args.max_rungs < 1 or args.tolerance < 0:
        parser.error('--step must be > 0, --max-rungs >= 1, --tolerance '
                     f'>= 0; got {args.step}, {args.max_rungs}, '
                     f'{args.tolerance}')
    return args, fixed


def _canonical_argv(args, out_dir: str) -> List[str]:
    """The arguments that decide a calibration's rungs and report, as the
    report shows its command (the local folders and the command prefix
    left out; defaults left out)."""
    argv = [args.knob, *map(value_text, args.values)]
    if args.target is not None:
        argv += ['--target', f'{args.target:g}']
        if args.tolerance != 2.0:
            argv += ['--tolerance', f'{args.tolerance:g}']
        argv += ['--step', f'{args.step:g}', '--bounds',
                 *(f'{b:g}' for b in args.bounds)]
        if args.max_rungs != 8:
            argv += ['--max-rungs', str(args.max_rungs)]
    if args.set:
        argv += ['--set', *args.set]
    if args.size != 'default':
        argv += ['--size', args.size]
    return argv + ['--out-dir', rel(out_dir)]


def main(argv=None) -> int:
    from . import cifar_lt
    args, fixed = parse_args(argv)
    if args.size not in cifar_lt.SIZES:
        raise SystemExit(f'--size {args.size!r} is not a size of the '
                         f'runner; valid: {sorted(cifar_lt.SIZES)}')
    if cifar_lt.SIZES[args.size].get('data_args'):
        raise SystemExit(
            f'--size {args.size!r} is calibrated on its own data '
            f'({cifar_lt.SIZES[args.size]["data_args"]}); calibrate at the '
            'size it shares the schedule with (default) and --set the '
            'other arguments')
    try:
        for value in args.values:
            rung_args(args.knob, value, fixed)
        if args.target is not None and isinstance(
                rung_args(args.knob, args.values[0], fixed)[args.knob], int) \
                and args.step != int(args.step):
            raise ValueError(f'{args.knob} takes whole numbers: --step must '
                             f'be one too, got {args.step}')
    except ValueError as e:
        raise SystemExit(f'calibrate_cls_bench: {e}')
    low, high = args.bounds or (0.0, math.inf)
    absolute = (lambda p: p if osp.isabs(p) else osp.join(REPO, p))
    command = 'OMP_NUM_THREADS=1 python tools/calibrate_cls_bench.py ' + \
        shlex.join(_canonical_argv(args, absolute(args.out_dir)))
    main_calibration(args.knob, args.values, fixed,
                     absolute(args.out_dir), args.size,
                     absolute(args.data_dir), absolute(args.work_dir),
                     command, shlex.split(args.command_prefix),
                     args.target, args.tolerance, args.step, low, high,
                     args.max_rungs, args.dry_run)
    return 0
