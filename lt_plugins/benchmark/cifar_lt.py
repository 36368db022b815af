"""The classification benchmark (CIFAR-100-LT-shaped data): its grid, how one
run trains and evaluates, and its report. ``tools/run_cls_benchmark.py`` is
its command line; the grid machinery is :mod:`lt_plugins.benchmark.grid`.

Runs every method of :data:`METHODS` for every seed on the CIFAR-100-LT-shaped
benchmark data (``tools/make_cifar_lt_bench.py``), one work directory per run
(``<work-root>/<method>/seed<k>/``), then writes into ``<out-dir>``:

* ``results.json``: every run's top-1, many/medium/few and per-class
  accuracy, training class counts and wall time, and the summary over seeds;
* ``table.md``: top-1 and many/medium/few as mean +- std over seeds, and
  top-1 minus CE's top-1 of the same seed (mean +- std of the paired
  differences);
* small PNGs: per-class accuracy against class size (CE against each
  method), IWB's per-class classifier norms before and after stage 2 (IWB
  paper Fig. 1), Difficulty-Net's predicted difficulty against the measured
  accuracy over epochs, and CDB's weights and difficulty over epochs.

A run is finished when its ``result.json`` exists; finished runs are skipped,
so the command resumes an interrupted grid. An interrupted training resumes
from its last checkpoint. Started once per core, invocations share the
grid: a run another invocation trains is skipped, a second stage whose
first stage another invocation is training is put off to the end of the
plan and waits for it there (:mod:`lt_plugins.engine.run_lock`). A failed
run is recorded in its ``failed.json`` and in the report, and the grid goes
on; runs that need its checkpoint (a second stage) are reported as blocked.

The report also archives every finished run's ``result.json`` and the small
files its plots read (:data:`ARCHIVED_FILES`; no checkpoint, no log) into
``<out-dir>/runs/<method>/seed<k>/`` (:mod:`lt_plugins.engine.run_archive`).
At the start of a run and of ``--report-only``, a run missing from the work
root but archived with the current data arguments is restored from there
and skipped, so a grid continues on a fresh clone from the committed
report; one archived on other data is trained again. A restored run has no
checkpoint: a second stage or post-hoc method that needs it fails, naming
the checkpoint and how to train the first stage again. ``--keep-partial``
keeps every unfinished run's latest checkpoint in
``<out-dir>/partial/<method>/seed<k>/`` (with its held-out selection and
histories): on a fresh clone that run resumes from it instead of starting
over, and it is removed once the run is archived as finished.

Seeds vary the training (``randomness.seed``: initialisation, data order,
augmentation); the data split (long tail, held-out split) is the same for
all runs. A second stage (IWB stage 2, cRT, LAS) loads the first stage of
the same seed; post-hoc methods evaluate CE's checkpoint of the same seed.

Per-class accuracy comes from this script's ``--evaluate`` mode, which tests
a checkpoint with the config's ``ShotGroupAccuracy`` (``classwise=True``) and
writes the metric and the training class counts to a json file.

Examples::

    python tools/make_cifar_lt_bench.py                 # data/cifar_lt_bench
    python tools/run_cls_benchmark.py --dry-run         # the plan
    python tools/run_cls_benchmark.py                   # run / resume, report
    python tools/run_cls_benchmark.py --methods ce cdb-w-ce --seeds 0
    python tools/run_cls_benchmark.py --report-only
    python tools/run_cls_benchmark.py --size large      # papers' schedule
"""
import argparse
import glob
import os
import os.path as osp
import re
import shlex
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from lt_plugins.engine import run_archive
from lt_plugins.engine.run_archive import read_json, write_json

from . import grid
from .grid import (FAILED_FILE, REPO, RESULT_FILE, Cell, Grid, GridMethod,
                   call, check_folders, finish, make_plan, rel, write_text)
from .report import fmt as _fmt
from .report import (machine_description, machines_text, seeds_text,
                     uninterrupted_time)
from .report import markdown_table as table_lines
from .stats import mean_std as _mean_std
from .stats import paired_difference


@dataclass(frozen=True)
class Method(GridMethod):
    """One row of the benchmark
    (:class:`~lt_plugins.benchmark.grid.GridMethod`: ``name`` is also the
    config file stem in the size's config directory; ``needs`` the method
    whose checkpoint of the same seed this one starts from or, with
    ``train=False``, evaluates; ``versus``, for a variant, the paper default
    it is compared with in a table of its own).

    Attributes:
        train (bool): False for post-hoc methods: the config only changes
            the prediction, nothing is trained.
    """

    train: bool = True


#: The grid, in an order where every method comes after what it needs. A
#: method whose config file does not exist (yet) is reported as unavailable;
#: to add one, put ``<name>.py`` into configs/cls/bench/ (every other size
#: writes it on its own size base) and a row here.
METHODS = (
    Method('ce', 'CE'),
    Method('cdb-w-ce', 'CDB-W-CE'),
    # robust variants of CDB-W-CE (off by default in the hook), each one
    # option changed, reported next to the paper default
    Method('cdb-w-ce-official',
           "CDB-W-CE, authors' ImageNet-LT tau (<= 2)",
           versus='cdb-w-ce'),
    Method('cdb-w-ce-official-cifar',
           "CDB-W-CE, authors' CIFAR-LT tau (< 1)",
           versus='cdb-w-ce'),
    Method('cdb-w-ce-warmup', 'CDB-W-CE, CE warm-up (first third)',
           versus='cdb-w-ce'),
    Method('cdb-w-ce-momentum', 'CDB-W-CE, difficulty momentum 0.5',
           versus='cdb-w-ce'),
    Method('cdb-w-ce-floor', 'CDB-W-CE, weight floor 0.1',
           versus='cdb-w-ce'),
    Method('cdb-w-ce-weight-sum', 'CDB-W-CE, loss / batch weight sum',
           versus='cdb-w-ce'),
    Method('cdb-s', 'CDB-S'),
    Method('ala', 'ALA'),
    Method('iwb-stage1', 'IWB stage 1'),
    Method('iwb-stage2', 'IWB stage 2', needs='iwb-stage1'),
    Method('difficulty-net', 'Difficulty-Net'),
    Method('dnet-las', 'Difficulty-Net + LAS', needs='difficulty-net'),
    Method('la-loss', 'logit-adjusted loss'),
    Method('la-posthoc', 'post-hoc logit adjustment', needs='ce',
           train=False),
    Method('balanced-softmax', 'Balanced Softmax'),
    Method('ldam-drw', 'LDAM-DRW'),
    Method('crt', 'cRT', needs='ce'),
    Method('tau-norm', 'tau-normalisation', needs='ce', train=False),
    Method('tau-norm-heldout', 'tau-normalisation, tau chosen on held-out',
           needs='ce', train=False),
)
METHODS_BY_NAME = {m.name: m for m in METHODS}
BASELINE = 'ce'
#: Methods trained with ``CDBClsHook`` (they write ``cdb_history.json``).
CDB_METHODS = ('cdb-w-ce', 'cdb-w-ce-official', 'cdb-w-ce-official-cifar',
               'cdb-w-ce-warmup',
               'cdb-w-ce-momentum', 'cdb-w-ce-floor', 'cdb-w-ce-weight-sum',
               'cdb-s')
#: A CDB class weight (mean 1 over the classes) below this is counted as
#: switched off: the class gets less than a twentieth of the average
#: weight (below the 0.1 / mean that ``weight_floor=0.1`` leaves, about
#: 0.097, so that floored classes do not count as switched off).
OFF_WEIGHT = 0.05

#: Where each size's configs live, where it trains and where it reports,
#: and which seeds it runs without ``--seeds`` (``seeds``, else 0 1 2).
SIZES = {
    'default': dict(
        config_dir='configs/cls/bench',
        work_root='work_dirs/cls_bench',
        out_dir='docs/cls_bench',
        schedule='ResNet-32 at half width (8-16-32 channels), 15 epochs, '
        'batch 128, SGD lr 0.1, warm-up 1 epoch, lr x0.01 after epochs 12 '
        'and 14; second stages 10 epochs'),
    # the papers' model and schedule: like the sweep sizes below, the
    # method configs of configs/cls/bench on another size base, written
    # into the work root by :func:`size_configs`
    'large': dict(
        size_base='configs/cls/bench/_base_/size_large.py',
        work_root='work_dirs/cls_bench_large',
        out_dir='docs/cls_bench/large',
        schedule='ResNet-32 (16-32-64 channels), 200 epochs, batch 128, SGD '
        'lr 0.1, warm-up 5 epochs, lr x0.01 after epochs 160 and 180; '
        'second stages 10 epochs'),
    # the schedule sweep: the default size trained longer (the method
    # configs of configs/cls/bench on another size base, written into the
    # work root by :func:`size_configs`)
    'e60': dict(
        size_base='configs/cls/bench/_base_/size_e60.py',
        work_root='work_dirs/cls_bench_e60',
        out_dir='docs/cls_bench/e60',
        seeds=(0, 1),
        schedule='ResNet-32 at half width (8-16-32 channels), 60 epochs, '
        'batch 128, SGD lr 0.1, warm-up 2 epochs, lr x0.01 after epochs 48 '
        'and 54; second stages 10 epochs'),
    'e200': dict(
        size_base='configs/cls/bench/_base_/size_e200.py',
        work_root='work_dirs/cls_bench_e200',
        out_dir='docs/cls_bench/e200',
        seeds=(0, 1),
        schedule='ResNet-32 at half width (8-16-32 channels), 200 epochs, '
        'batch 128, SGD lr 0.1, warm-up 5 epochs, lr x0.01 after epochs 160 '
        'and 180; second stages 10 epochs'),
    # the data-sensitivity set: the default size on data generated with
    # --group-size 1 (no hue-only groups of confusable classes)
    'g1': dict(
        size_base='configs/cls/bench/_base_/size_g1.py',
        work_root='work_dirs/cls_bench_g1',
        out_dir='docs/cls_bench/g1',
        seeds=(0, 1),
        data_root='data/cifar_lt_bench_g1',
        # pixel noise calibrated against CE alone (seed 0, this size): CE
        # top-1 70.7 / 67.8 / 32.1 / 42.1 / 46.0 at noise 0.08 / 0.16 /
        # 0.8 / 0.58 / 0.52, the last within 2 points of the default
        # data's 44.5 (docs/cls_bench/g1/calibration/calibration.md,
        # written by tools/calibrate_cls_bench.py)
        data_args=dict(group_size=1, pixel_noise=0.52),
        # its report sets each method's gap to CE next to the same gap on
        # the benchmark data (data_sensitivity.{md,png})
        reference='default',
        schedule='ResNet-32 at half width (8-16-32 channels), 15 epochs, '
        'batch 128, SGD lr 0.1, warm-up 1 epoch, lr x0.01 after epochs 12 '
        'and 14; second stages 10 epochs; data generated with group size '
        '1'),
}
#: The size base every method config of configs/cls/bench names.
DEFAULT_SIZE_BASE = './_base_/size_default.py'
DATA_ROOT = 'data/cifar_lt_bench'

EVAL_FILE = 'eval.json'
#: The checkpoint HeldOutSelectionHook keeps (the sweep sizes train with
#: it), its record, and the test of it the runner writes.
SELECTED_CHECKPOINT = 'best_heldout.pth'
SELECTION_FILE = 'heldout_selection.json'
SELECTED_EVAL_FILE = 'eval_selected.json'
TRAIN_DONE_FILE = 'train_done.json'
DNET_HISTORY_FILE = 'difficulty_history.json'
#: Per-run files the plots read besides result.json: archived with it.
ARCHIVED_FILES = ('cdb_history.json', DNET_HISTORY_FILE, 'weight_norms.json')


# ------------------------------------------------------------------ plan


def resolve_methods(names: Optional[Sequence[str]]) -> List[Method]:
    """The requested methods plus what they need, in grid order.

    CE always comes along: it is the baseline of the paired differences and
    of the per-class plot; so does the method a variant is compared with.

    Args:
        names (Sequence[str], optional): Method names; all when None.

    Returns:
        list[Method]: In :data:`METHODS` order.
    """
    return grid.resolve_methods(METHODS, names, always=(BASELINE, ))


def size_configs(size_base: str, out_dir: str,
                 source_dir: str = osp.join(REPO, 'configs', 'cls',
                                            'bench')) -> str:
    """Write every method config of ``source_dir`` on another size base.

    A method config of the benchmark names its size base once
    (:data:`DEFAULT_SIZE_BASE`) and refers to sizes only through it, so the
    same text on another base is the method at that size.

    Args:
        size_base (str): The size base (a path relative to the checkout or
            absolute).
        out_dir (str): Where the configs go (one file per method config).
        source_dir (str): The default size's method configs.

    Returns:
        str: ``out_dir``.

    Raises:
        ValueError: If a config that does not inherit another method config
            names no size base (it would silently train the default size).
    """
    base = size_base if osp.isabs(size_base) else osp.join(REPO, size_base)
    if not osp.isfile(base):
        raise FileNotFoundError(f'size base {size_base} does not exist')
    os.makedirs(out_dir, exist_ok=True)
    for path in sorted(glob.glob(osp.join(source_dir, '*.py'))):
        with open(path) as f:
            text = f.read()
        if repr(DEFAULT_SIZE_BASE) in text:
            text = text.replace(repr(DEFAULT_SIZE_BASE), repr(base))
        elif not re.search(r"_base_ = \[?'\./[\w-]+\.py'", text):
            raise ValueError(f'{path} names neither {DEFAULT_SIZE_BASE} nor '
                             'another method config as its base')
        header = (f'# {osp.basename(path)} of {rel(source_dir)} on '
                  f'{rel(base)} (written by tools/run_cls_benchmark.py)\n')
        write_text(osp.join(out_dir, osp.basename(path)), header + text)
    return out_dir


def _data_root_paths(node, path=()):
    """Where a config dict names a ``data_root``: key tuples."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'data_root':
                yield path + (key, )
            else:
                yield from _data_root_paths(value, path + (key, ))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _data_root_paths(value, path + (i, ))


def _override_text(tree) -> str:
    """A nested dict of keys whose leaves are the name ``data_root``."""
    if tree is None:
        return 'data_root'
    return '{' + ', '.join(f'{k!r}: {_override_text(v)}'
                           for k, v in tree.items()) + '}'


def data_root_base(size_base: str, data_root: str, path: str) -> str:
    """Write a size base that is ``size_base`` reading ``data_root``.

    What ``--data-root`` trains on: the method configs of a size are
    written on this base (:func:`size_configs`). It sets every
    ``data_root`` that ``size_base`` holds (the data sets, their loaders,
    the evaluators' class counts, a held-out selection hook's loader), so
    nothing else differs from the size; method configs take their data
    sets from the base's variables, so their hooks read it too.

    Args:
        size_base (str): The size base (relative to the checkout or
            absolute).
        data_root (str): The benchmark data (absolute, or relative to the
            checkout, where the runner trains).
        path (str): The file to write.

    Returns:
        str: ``path``.

    Raises:
        ValueError: If ``size_base`` names a data root inside a list (a
            config that inherits it cannot override one item of a list).
    """
    from mmengine.config import Config
    base = size_base if osp.isabs(size_base) else osp.join(REPO, size_base)
    tree: dict = {}
    for keys in _data_root_paths(Config.fromfile(base)._cfg_dict.to_dict()):
        if any(isinstance(k, int) for k in keys):
            raise ValueError(f'{rel(base)} names a data root inside a list '
                             f'({keys}); a size base on other data cannot '
                             'override it')
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = None
    tree.pop('data_root', None)
    lines = [f'# {rel(base)} on the data in {rel(data_root)} (written by '
             'tools/run_cls_benchmark.py --data-root)',
             f'_base_ = [{base!r}]', '', f'data_root = {rel(data_root)!r}']
    lines += [f'{key} = {_override_text(value)}'
              for key, value in tree.items()]
    write_text(path, '\n'.join(lines) + '\n')
    return path


def final_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint a finished training left (mmengine's
    ``last_checkpoint`` file names it), or None."""
    if not osp.isfile(osp.join(work_dir, TRAIN_DONE_FILE)):
        return None
    return run_archive.latest_checkpoint(work_dir)


# --------------------------------------------------------------- running


class ClsGrid(Grid):
    """Runs the plan with subprocesses ``<prefix> tools/train.py ...``.

    Args:
        cells (list[Cell]): The plan (:func:`~lt_plugins.benchmark.grid.
            make_plan`).
        config_dir (str): Directory of the size's method configs
            (``<method>.py``).
        work_root (str): Root of the work directories.
        command_prefix (list[str]): What runs a Python script, e.g.
            ``[sys.executable]``; tests put a fake command here.
        dry_run (bool): Print the commands, run nothing.
        data_args (dict, optional): The benchmark data's generator
            arguments, recorded with every result.
        out_dir (str): The report folder, whose archive (``runs/``) a
            failure message and a dry run name.
        log (callable, optional): Where progress lines go.
    """

    archived_files = ARCHIVED_FILES
    # a resumed run continues its held-out selection (and its histories,
    # which the hooks also keep in the checkpoint)
    partial_files = ARCHIVED_FILES + (SELECTION_FILE, SELECTED_CHECKPOINT)
    compared_keys = ('top1', 'many', 'medium', 'few')

    def __init__(self, cells: List[Cell], config_dir: str, work_root: str,
                 command_prefix: Sequence[str], out_dir: str,
                 dry_run: bool = False, data_args: Optional[dict] = None,
                 log=None, retrain_starts: bool = False) -> None:
        super().__init__(cells, METHODS_BY_NAME, work_root, out_dir,
                         data_args=data_args, log=log, tag='cls-bench')
        self.retrain_starts = retrain_starts
        self.config_dir = config_dir
        self.prefix = list(command_prefix)
        self.dry_run = dry_run

    def config(self, cell: Cell) -> str:
        return osp.join(self.config_dir, f'{cell.method}.py')

    def available(self, cell: Cell) -> bool:
        return osp.isfile(self.config(cell))

    def train_command(self, cell: Cell, load_from: Optional[str]
                      ) -> List[str]:
        cmd = self.prefix + [
            osp.join(REPO, 'tools', 'train.py'), self.config(cell),
            '--work-dir', cell.work_dir
        ]
        opts = [f'randomness.seed={cell.seed}']
        if load_from is not None:
            opts.append(f'load_from={load_from}')
        cmd += ['--cfg-options'] + opts
        if osp.isfile(osp.join(cell.work_dir, 'last_checkpoint')):
            # an interrupted training continues (train.py's --resume drops
            # load_from, which the checkpoint no longer needs)
            cmd.append('--resume')
        return cmd

    def eval_command(self, cell: Cell, checkpoint: str,
                     out_file: str = EVAL_FILE) -> List[str]:
        return self.prefix + [
            osp.join(REPO, 'tools', 'run_cls_benchmark.py'), '--evaluate',
            self.config(cell), checkpoint,
            osp.join(cell.work_dir, out_file)
        ]

    def start_checkpoint(self, cell: Cell) -> Optional[str]:
        return final_checkpoint(cell.work_dir)

    def run_one(self, cell: Cell) -> str:
        if not self.dry_run:
            return super().run_one(cell)
        status = self.status(cell)
        if status in ('done', 'unavailable'):
            return status
        if self.restorable(cell):
            self.say(cell, f'restore from {self.archive_dir(cell)}')
            return 'planned'
        if run_archive.partial_status(
                cell.work_dir, self.partial_dir(cell),
                self.data_args) == run_archive.RESTORABLE:
            self.say(cell, 'resume (--resume) from the checkpoint kept in '
                     f'{rel(self.partial_dir(cell))}')
        need = self.need(cell)
        load_from = None
        if need is not None:
            load_from = self.start_checkpoint(need) or \
                f'<{need.key} checkpoint>'
        if METHODS_BY_NAME[cell.method].train and not osp.isfile(
                osp.join(cell.work_dir, TRAIN_DONE_FILE)):
            cmd = self.train_command(cell, load_from)
        else:
            cmd = self.eval_command(
                cell, final_checkpoint(cell.work_dir) or load_from)
        self.say(cell, shlex.join(cmd))
        return 'planned'

    def execute(self, cell: Cell, start: Optional[str]) -> str:
        method = METHODS_BY_NAME[cell.method]
        train_s = train_cpu = None
        resumed = False
        checkpoint = start
        if method.train:
            done = read_json(osp.join(cell.work_dir, TRAIN_DONE_FILE),
                             missing_ok=True)
            if done is None:
                cmd = self.train_command(cell, start)
                # a resumed training's time is only the part after the
                # checkpoint: recorded, and left out of the time column
                resumed = '--resume' in cmd
                self.say(cell, 'training ...' if not resumed else
                         'training (resuming) ...')
                log_path = osp.join(cell.work_dir, 'train.out')
                rc, train_s, train_cpu = call(cmd, log_path)
                if rc != 0:
                    return self.fail(cell, 'train', cmd, rc, log_path)
                write_json(osp.join(cell.work_dir, TRAIN_DONE_FILE),
                           dict(seconds=train_s, cpu_seconds=train_cpu,
                                command=cmd, resumed=resumed))
            else:
                train_s = done.get('seconds')
                train_cpu = done.get('cpu_seconds')
                resumed = done.get('resumed', False)
            checkpoint = final_checkpoint(cell.work_dir)
            if checkpoint is None:
                return self.fail(cell, 'train', [], 0,
                                 osp.join(cell.work_dir, 'train.out'))
        cmd = self.eval_command(cell, checkpoint)
        log_path = osp.join(cell.work_dir, 'eval.out')
        rc, eval_s, _ = call(cmd, log_path)
        metrics = read_json(osp.join(cell.work_dir, EVAL_FILE),
                            missing_ok=True)
        if rc != 0 or metrics is None:
            return self.fail(cell, 'eval', cmd, rc, log_path)
        result = dict(method=cell.method, seed=cell.seed,
                      config=self.config(cell), checkpoint=checkpoint,
                      train_seconds=train_s, train_cpu_seconds=train_cpu,
                      **({'train_resumed': True} if resumed else {}),
                      eval_seconds=eval_s, machine=machine_description(),
                      data_args=self.data_args, **metrics)
        selection = read_json(osp.join(osp.dirname(checkpoint),
                                       SELECTION_FILE), missing_ok=True)
        best = osp.join(osp.dirname(checkpoint), SELECTED_CHECKPOINT)
        if selection is not None and osp.isfile(best):
            # the checkpoint with the best mean held-out accuracy, tested
            # like the last one (a post-hoc method: its start's selection)
            cmd = self.eval_command(cell, best, SELECTED_EVAL_FILE)
            log_path = osp.join(cell.work_dir, 'eval_selected.out')
            rc, _, _ = call(cmd, log_path)
            chosen = read_json(osp.join(cell.work_dir, SELECTED_EVAL_FILE),
                               missing_ok=True)
            if rc != 0 or chosen is None:
                return self.fail(cell, 'eval', cmd, rc, log_path)
            result['selected'] = dict(
                checkpoint=best, epoch=selection['selected_epoch'],
                heldout_accuracy=selection['selected_accuracy'],
                **{k: chosen[k] for k in ('top1', 'many', 'medium', 'few')})
        if cell.method == 'difficulty-net':
            try:
                difficulty_history(cell.work_dir)
            except Exception as exc:  # the plot is optional, the run is not
                self.say(cell, f'no difficulty history: {exc!r}')
        finish(cell, result)
        self.say(cell, f'top-1 {result["top1"]:.2f} '
                 f'(train {_minutes(train_s)} wall, {_minutes(train_cpu)} '
                 f'CPU; eval {eval_s:.0f} s)')
        return 'finished'


def _minutes(seconds: Optional[float]) -> str:
    return '-' if seconds is None else f'{seconds / 60:.1f} min'


# ------------------------------------------------------------ evaluation


def evaluate_checkpoint(config: str, checkpoint: str, out_file: str,
                        work_dir: Optional[str] = None) -> dict:
    """Test a checkpoint with per-class accuracy and write it to json.

    The config's ``test_evaluator`` must be a ``ShotGroupAccuracy``; it is
    switched to ``classwise=True``.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint to load (non-strict, as
            ``tools/test.py``).
        out_file (str): Output json.
        work_dir (str, optional): mmengine's work dir for the test logs;
            defaults to ``<dir of out_file>/eval``.

    Returns:
        dict: ``top1``, ``many``, ``medium``, ``few`` (percent),
        ``classwise`` (per-class accuracy in percent, label order),
        ``class_counts`` (training images per class), ``device`` and, when
        the config chooses a post-hoc tau on the held-out split
        (``PostHocTauSearchHook``), ``tau_search`` (the chosen tau and each
        candidate's held-out accuracy).
    """
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    import lt_plugins.compat  # noqa: F401  (torch.load defaults)
    cfg = Config.fromfile(config)
    evaluator = cfg.test_evaluator
    if not isinstance(evaluator, dict) or \
            evaluator.get('type') != 'ShotGroupAccuracy':
        raise ValueError(f'{config}: test_evaluator must be one '
                         f'ShotGroupAccuracy, got {evaluator!r}')
    cfg.test_evaluator = dict(evaluator, classwise=True)
    cfg.work_dir = work_dir or osp.join(osp.dirname(osp.abspath(out_file)),
                                        'eval')
    cfg.load_from = checkpoint
    cfg.launcher = 'none'
    cfg.resume = False
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    metric = runner.test_evaluator.metrics[0]
    prefix = metric.prefix + '/' if metric.prefix else ''
    device = (torch.cuda.get_device_name(0)
              if torch.cuda.is_available() else 'cpu')

    def number(x) -> Optional[float]:
        # NaN (a shot group or class without test images) is not JSON
        return None if np.isnan(float(x)) else float(x)

    out = dict(
        top1=number(metrics[prefix + 'top1']),
        many=number(metrics[prefix + 'many']),
        medium=number(metrics[prefix + 'medium']),
        few=number(metrics[prefix + 'few']),
        classwise=[number(x) for x in metrics[prefix + 'classwise']],
        class_counts=[int(x) for x in metric.class_counts],
        device=device)
    from lt_plugins.cls.baselines import PostHocTauSearchHook
    for hook in runner.hooks:
        if isinstance(hook, PostHocTauSearchHook) and hook.result:
            out['tau_search'] = hook.result
    write_json(out_file, out)
    return out


def difficulty_history(work_dir: str) -> Optional[dict]:
    """Difficulty-Net's measured accuracy and predicted difficulty per epoch.

    Read from the run's ``epoch_<k>.pth`` checkpoints: ``class_accuracy``
    is ``A`` measured on the meta split after epoch ``k`` and
    ``difficulty_net`` is ``D`` after epoch ``k``, so ``D(A)`` is the
    difficulty (and ``C D(A) / sum D(A)`` the class weight) that epoch
    ``k + 1`` trains with. Cached in ``difficulty_history.json``.

    Args:
        work_dir (str): Work dir of a Difficulty-Net stage-1 run.

    Returns:
        dict or None: ``epochs`` and per epoch ``accuracy``,
        ``difficulty``, ``weights`` (lists of C floats); None without
        checkpoints.
    """
    path = osp.join(work_dir, DNET_HISTORY_FILE)
    cached = read_json(path, missing_ok=True)
    if cached is not None:
        return cached
    ckpts = glob.glob(osp.join(work_dir, 'epoch_*.pth'))
    if not ckpts:
        return None
    import torch

    from lt_plugins.cls.difficulty_net.class_weights import \
        difficulty_class_weights
    from lt_plugins.cls.difficulty_net.difficulty_mlp import DifficultyNet

    def epoch_of(p):
        return int(re.search(r'epoch_(\d+)\.pth$', p).group(1))

    records = []
    for ckpt in sorted(ckpts, key=epoch_of):
        state = torch.load(ckpt, map_location='cpu', weights_only=False)
        state = state.get('state_dict', state)
        sub = {k[len('difficulty_net.'):]: v for k, v in state.items()
               if k.startswith('difficulty_net.')}
        acc = state['class_accuracy'].float()
        net = DifficultyNet(acc.numel(), sub['layers.0.weight'].shape[0])
        net.load_state_dict(sub)
        with torch.no_grad():
            difficulty = net(acc)
        records.append(dict(
            epoch=epoch_of(ckpt), accuracy=acc.tolist(),
            difficulty=difficulty.tolist(),
            weights=difficulty_class_weights(difficulty).tolist()))
    data = dict(source='checkpoints epoch_<k>.pth', history=records)
    write_json(path, data)
    return data


# ---------------------------------------------------------------- report


def all_runs(methods: dict) -> list:
    """Every run record of a report's ``methods`` (``{name: {'runs': {seed:
    record}}}``)."""
    return [r for e in methods.values() for r in e['runs'].values()]


def collect(bench: ClsGrid) -> Dict[str, dict]:
    """Per method: the results of its runs and the summary over seeds.

    The difference to CE is paired: top-1 of a seed minus CE's top-1 of the
    same seed, over the seeds both finished.
    """
    methods: Dict[str, dict] = {}
    for run in bench.cells:
        method = METHODS_BY_NAME[run.method]
        entry = methods.setdefault(run.method, dict(
            label=method.label, needs=method.needs,
            versus=method.versus, trained=method.train, runs={},
            status={}))
        entry['status'][str(run.seed)] = bench.status(run)
        result = run.result()
        if result is not None:
            entry['runs'][str(run.seed)] = result
            history = osp.join(run.work_dir, 'cdb_history.json')
            if osp.isfile(history):
                try:
                    entry.setdefault('cdb_stability', {})[str(run.seed)] = \
                        cdb_stability(history)
                except ValueError as exc:  # no measurement: no statistics
                    print(f'[{run.key}] {exc}')
        elif entry['status'][str(run.seed)] == 'failed':
            entry.setdefault('failures', {})[str(run.seed)] = read_json(
                osp.join(run.work_dir, FAILED_FILE), missing_ok=True)
    base = methods.get(BASELINE, dict(runs={}))['runs']
    for entry in methods.values():
        runs = entry['runs']
        summary = {k: _mean_std([r[k] for r in runs.values()])
                   for k in ('top1', 'many', 'medium', 'few')}
        for key in ('train_seconds', 'train_cpu_seconds'):
            summary[key] = _mean_std([uninterrupted_time(r, key)
                                      for r in runs.values()])
        paired = [r['top1'] - base[s]['top1'] for s, r in runs.items()
                  if s in base]
        summary['top1_minus_ce'] = _mean_std(paired)
        if entry['versus'] is not None:
            ref = methods.get(entry['versus'], dict(runs={}))['runs']
            for k in ('top1', 'many', 'medium', 'few'):
                summary[f'{k}_minus_versus'] = _mean_std(
                    [r[k] - ref[s][k] for s, r in runs.items() if s in ref
                     and r[k] is not None and ref[s][k] is not None])
        chosen = {sd: r['selected'] for sd, r in runs.items()
                  if r.get('selected')}
        if chosen:
            base_chosen = {sd: r['selected'] for sd, r in base.items()
                           if r.get('selected')}
            summary['selected'] = dict(
                {k: _mean_std([c[k] for c in chosen.values()])
                 for k in ('top1', 'many', 'medium', 'few')},
                minus_last=_mean_std([c['top1'] - runs[sd]['top1']
                                      for sd, c in chosen.items()]),
                minus_ce=_mean_std([c['top1'] - base_chosen[sd]['top1']
                                    for sd, c in chosen.items()
                                    if sd in base_chosen]),
                epochs=sorted(c['epoch'] for c in chosen.values()))
        stability = entry.get('cdb_stability', {})
        for k in ('tau_mean', 'off_share', 'weight_change', 'off_ever',
                  'zero_share', 'perfect_share', 'off_accuracy_min',
                  'off_accuracy_median'):
            summary[k] = _mean_std([v.get(k) for v in stability.values()])
        entry['summary'] = summary
    return methods


def cdb_stability(history_file: str) -> dict:
    """How much a CDB run's class weights swing from epoch to epoch.

    From the hook's ``cdb_history.json`` (one record per measurement, the
    weights that the following epochs train with):

    * ``tau_mean``: the mean tau over the measurements;
    * ``off_share``: the share of classes with a weight below
      :data:`OFF_WEIGHT` (less than a twentieth of the mean weight 1), averaged
      over the measurements: classes that the loss switches off;
    * ``weight_change``: the mean over classes and consecutive
      measurements of ``|w_t - w_{t-1}|`` (0 with one measurement): the
      all-or-nothing oscillation shows as a large value;
    * ``off_ever``: the share of classes switched off at least once;
    * ``zero_share`` and ``perfect_share``: the share of the measured
      held-out accuracies (class and measurement) that are 0 and 1;
    * ``off_accuracy_min`` and ``off_accuracy_median``: the held-out
      accuracy measured for a class at the measurements that switched it
      off (None if none did).

    Args:
        history_file (str): A ``cdb_history.json``.

    Returns:
        dict: The numbers above and ``measurements``.
    """
    from lt_plugins.engine.history_plots import history_arrays, load_history
    arrays = history_arrays(load_history(history_file))
    w = arrays['weights']
    off = w < OFF_WEIGHT
    change = (float(np.abs(np.diff(w, axis=0)).mean())
              if len(w) > 1 else 0.0)
    measured = arrays['measured']
    accuracy = arrays['performance'][measured]
    off_accuracy = arrays['performance'][off & measured]

    def share(mask) -> Optional[float]:
        return float(mask.mean()) if mask.size else None

    return dict(measurements=int(len(w)),
                tau_mean=float(arrays['tau'].mean()),
                off_share=float(off.mean()),
                weight_change=change,
                off_ever=float(off.any(axis=0).mean()),
                zero_share=share(accuracy == 0),
                perfect_share=share(accuracy == 1),
                off_accuracy_min=(float(off_accuracy.min())
                                  if off_accuracy.size else None),
                off_accuracy_median=(float(np.median(off_accuracy))
                                     if off_accuracy.size else None))


def markdown_table(methods: Dict[str, dict], seeds: Sequence[int]) -> str:
    """The table: one row per method, mean ± std over finished seeds."""
    lines = [
        '| method | seeds | top-1 | many | medium | few | top-1 − CE '
        '(paired) | training time per run, wall / CPU |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for name, entry in methods.items():
        s = entry['summary']
        done = s['top1']['n']
        status = entry['status'].values()
        if 'unavailable' in status:
            note = 'no config'
        else:
            note = f'{done}/{len(seeds)}'
            failed = [k for k, v in entry['status'].items() if v == 'failed']
            if failed:
                note += f' (failed: seed {", ".join(failed)})'
        delta = ('(baseline)' if name == BASELINE else
                 _fmt(s['top1_minus_ce'], signed=True))
        train = ('post-hoc' if not entry['trained'] else
                 f"{_minutes(s['train_seconds']['mean'])} / "
                 f"{_minutes(s['train_cpu_seconds']['mean'])}")
        lines.append(
            f'| {entry["label"]} | {note} | {_fmt(s["top1"])} | '
            f'{_fmt(s["many"])} | {_fmt(s["medium"])} | {_fmt(s["few"])} | '
            f'{delta} | {train} |')
    return '\n'.join(lines) + '\n'


def variants_table(methods: Dict[str, dict]) -> str:
    """CDB-W-CE's robust variants next to the paper default.

    One row per method trained with the CDB hook: top-1 and few, the
    paired difference (per seed) of each variant to the method it varies,
    and the weight statistics of :func:`cdb_stability` (mean ± std over
    seeds). Empty when no such method has a finished run.
    """
    rows = [(n, e) for n, e in methods.items()
            if n in CDB_METHODS and e['summary']['top1']['n']]
    if not rows:
        return ''
    lines = [
        '| method | seeds | top-1 | few | top-1 − paper default (paired) | '
        'many / medium / few − paper default (paired) | mean tau | '
        f'classes with weight < {OFF_WEIGHT} (share of measurements) | '
        'mean weight change per epoch | held-out accuracy 0 (share of '
        'measurements) | held-out accuracy of a switched-off class, '
        'min / median |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
    ]

    def percent(stat: dict) -> str:
        if stat['mean'] is None:
            return '-'
        return _fmt(dict(mean=100 * stat['mean'], std=None if stat['std']
                         is None else 100 * stat['std'])) + ' %'

    for name, entry in rows:
        s = entry['summary']
        if entry['versus'] is None:
            delta = groups = '(paper default)' if name == 'cdb-w-ce' else '-'
        else:
            delta = _fmt(s['top1_minus_versus'], signed=True)
            groups = ' / '.join(_fmt(s[f'{k}_minus_versus'], signed=True)
                                for k in ('many', 'medium', 'few'))
        off_accuracy = ' / '.join(percent(s[k]) for k in (
            'off_accuracy_min', 'off_accuracy_median'))
        lines.append(
            f'| {entry["label"]} | {s["top1"]["n"]} | {_fmt(s["top1"])} | '
            f'{_fmt(s["few"])} | {delta} | {groups} | '
            f'{_fmt(s["tau_mean"], 2)} | {percent(s["off_share"])} | '
            f'{_fmt(s["weight_change"], 2)} | {percent(s["zero_share"])} | '
            f'{off_accuracy} |')
    return '\n'.join(lines) + '\n'


def selected_table(methods: Dict[str, dict]) -> str:
    """The checkpoint chosen on the held-out split next to the last one.

    One row per method whose runs were trained with
    ``HeldOutSelectionHook`` (the sweep sizes): top-1 of the last and of
    the selected checkpoint, their paired difference, the selected one's
    paired difference to CE's selected one, few-shot accuracy of the
    selected one and the selected epochs. Empty when no run has one.
    """
    rows = [(n, e) for n, e in methods.items() if 'selected' in e['summary']]
    if not rows:
        return ''
    lines = ['| method | seeds | top-1, last | top-1, selected | selected − '
             'last (paired) | selected − CE selected (paired) | few, '
             'selected | selected epochs |',
             '|---|---|---|---|---|---|---|---|']
    for name, entry in rows:
        s, sel = entry['summary'], entry['summary']['selected']
        delta = ('(baseline)' if name == BASELINE else
                 _fmt(sel['minus_ce'], signed=True))
        lines.append(
            f'| {entry["label"]} | {sel["top1"]["n"]} | {_fmt(s["top1"])} | '
            f'{_fmt(sel["top1"])} | {_fmt(sel["minus_last"], signed=True)} | '
            f'{delta} | {_fmt(sel["few"])} | '
            f'{", ".join(map(str, sel["epochs"]))} |')
    return '\n'.join(lines) + '\n'


def tau_search_note(methods: Dict[str, dict]) -> str:
    """The post-hoc taus chosen on the held-out split, per method and seed.

    One line per method whose runs recorded a ``tau_search`` (see
    :func:`evaluate_checkpoint`): the chosen tau of each seed and its mean
    per-class accuracy on the held-out split. Empty when there is none.
    """
    lines = []
    for entry in methods.values():
        chosen = []
        for seed, run in sorted(entry['runs'].items(),
                                key=lambda kv: int(kv[0])):
            search = run.get('tau_search')
            if not search:
                continue
            acc = search['mean_class_accuracy'][search['taus'].index(
                search['tau'])]
            chosen.append(f'seed {seed}: tau {search["tau"]:g} '
                          f'(held-out {acc:.1f})')
        if chosen:
            lines.append(f'- {entry["label"]}: {"; ".join(chosen)}.')
    return '\n'.join(lines) + '\n' if lines else ''


def _figure(nrows: int, ncols: int, width: float, height: float):
    # object-oriented matplotlib on an Agg canvas: no display, no pyplot
    # state, the caller's backend is untouched
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=80)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _save(fig, path: str) -> str:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _mean_classwise(runs: Dict[str, dict]) -> Optional[np.ndarray]:
    rows = [[np.nan if v is None else v for v in r['classwise']]
            for r in runs.values() if r.get('classwise')]
    if not rows:
        return None
    return np.nanmean(np.asarray(rows, dtype=np.float64), axis=0)


def plot_per_class_accuracy(methods: Dict[str, dict], path: str,
                            distinct: Optional[Sequence[bool]] = None
                            ) -> Optional[str]:
    """Per-class test accuracy (mean over seeds) against training class
    size, CE in grey against each method; one panel per method.

    Args:
        methods (dict): From :func:`collect`.
        path (str): Output PNG.
        distinct (Sequence[bool], optional): Classes with a look of their
            own in the benchmark data; drawn as triangles.

    Returns:
        str or None: ``path``, or None when CE or every other method lacks
        results.
    """
    ce = methods.get(BASELINE, dict(runs={}))['runs']
    ce_acc = _mean_classwise(ce)
    others = [(n, e) for n, e in methods.items()
              if n != BASELINE and _mean_classwise(e['runs']) is not None]
    if ce_acc is None or not others:
        return None
    counts = np.asarray(next(iter(ce.values()))['class_counts'])
    marks = (np.zeros(len(counts), bool) if distinct is None else
             np.asarray(distinct, bool))
    ncols = min(4, len(others))
    nrows = -(-len(others) // ncols)
    fig, axes = _figure(nrows, ncols, 2.6 * ncols, 2.3 * nrows)
    for ax in axes.flat[len(others):]:
        ax.axis('off')
    for ax, (name, entry) in zip(axes.flat, others):
        acc = _mean_classwise(entry['runs'])
        for sel, marker in ((~marks, 'o'), (marks, '^')):
            ax.scatter(counts[sel], ce_acc[sel], s=6, color='0.6',
                       marker=marker, label='CE' if marker == 'o' else None)
            ax.scatter(counts[sel], acc[sel], s=6, color='tab:red',
                       marker=marker,
                       label=entry['label'] if marker == 'o' else None)
        ax.set_xscale('log')
        ax.set_ylim(-3, 103)
        ax.set_title(f'{entry["label"]}\n{np.nanmean(acc):.1f} '
                     f'(CE {np.nanmean(ce_acc):.1f})', fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=6, loc='lower right')
    axes[-1, 0].set_xlabel('training images of the class', fontsize=7)
    axes[-1, 0].set_ylabel('test accuracy (%)', fontsize=7)
    if marks.any():
        fig.suptitle('triangles: classes with a look of their own; '
                     'circles: confusable groups', fontsize=7)
    return _save(fig, path)


def _first_seed_file(entry: Optional[dict], work_root: str, method: str,
                     name: str) -> Optional[str]:
    if entry is None:
        return None
    for seed in sorted(entry['runs'], key=int):
        path = osp.join(work_root, method, f'seed{seed}', name)
        if osp.isfile(path):
            return path
    return None


def plot_iwb_weight_norms(norms_file: str, path: str) -> str:
    """Per-class classifier weight norms before and after IWB stage 2.

    The first record of the stage-2 ``weight_norms.json`` is the stage-1
    classifier (recorded after ``load_from``), the last one the classifier
    after stage 2; classes are in label order, head first (IWB paper
    Fig. 1).
    """
    data = read_json(norms_file)
    first, last = data['records'][0], data['records'][-1]
    fig, axes = _figure(1, 1, 5.0, 2.8)
    ax = axes[0, 0]
    x = np.arange(len(first['norms']))

    def rho(r):
        v = r.get('spearman_vs_counts')
        return '' if v is None else f', Spearman vs count {v:+.2f}'

    ax.plot(x, first['norms'], color='0.5', lw=1,
            label=f'stage 1 (CE){rho(first)}')
    ax.plot(x, last['norms'], color='tab:red', lw=1,
            label=f'after stage 2, epoch {last["epoch"]}{rho(last)}')
    ax.set_xlabel('class (head → tail)', fontsize=8)
    ax.set_ylabel('‖w_c‖', fontsize=8)
    ax.set_title('IWB: per-class classifier weight norms', fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_difficulty_net(history: dict, counts: Sequence[int],
                        path: str) -> str:
    """Difficulty-Net's predicted difficulty against measured accuracy.

    Left: ``D(A)_c`` against ``A_c`` for every class at a few epochs, with
    the driver loss's target ``1 - A_c / sum_k A_k`` of each (SPEC section
    2) as a dashed line: with many classes it stays close to 1 for every
    class. Right: mean accuracy and mean predicted difficulty of the
    many/medium/few classes over epochs.
    """
    records = history['history']
    counts = np.asarray(counts)
    groups = {'many': counts > 100, 'medium': (counts >= 20) & (counts <= 100),
              'few': counts < 20}
    colors = {'many': 'tab:blue', 'medium': 'tab:orange', 'few': 'tab:red'}
    fig, axes = _figure(1, 2, 7.5, 2.9)
    ax, ax2 = axes[0]
    picks = sorted({0, len(records) // 2, len(records) - 1})
    cmap = __import__('matplotlib').colormaps['viridis']
    for i in picks:
        r = records[i]
        color = cmap(i / max(1, len(records) - 1))
        acc = np.asarray(r['accuracy'], dtype=float)
        ax.scatter(acc * 100, r['difficulty'], s=6, color=color,
                   label=f'after epoch {r["epoch"]}')
        if acc.sum() > 0:  # the driver target, a line in A_c
            ax.plot([0, 100], [1, 1 - 1 / acc.sum()], color=color, lw=0.8,
                    ls='--')
    ax.set_xlabel('measured accuracy A_c on the meta split (%)', fontsize=7)
    ax.set_ylabel('predicted difficulty D(A)_c', fontsize=7)
    ax.plot([], [], color='gray', lw=0.8, ls='--',
            label='driver target 1 - A_c / sum A')
    ax.legend(fontsize=6)
    ax.tick_params(labelsize=6)
    ax.grid(alpha=0.3)
    epochs = [r['epoch'] for r in records]
    acc = np.asarray([r['accuracy'] for r in records]) * 100
    dif = np.asarray([r['difficulty'] for r in records])
    ax3 = ax2.twinx()
    for g, sel in groups.items():
        if sel.any():
            ax2.plot(epochs, acc[:, sel].mean(1), color=colors[g], lw=1,
                     label=f'{g}: accuracy')
            ax3.plot(epochs, dif[:, sel].mean(1), color=colors[g], lw=1,
                     ls='--', label=f'{g}: difficulty')
    ax2.set_xlabel('epoch', fontsize=7)
    ax2.set_ylabel('mean accuracy (%), solid', fontsize=7)
    ax3.set_ylabel('mean D(A), dashed', fontsize=7)
    ax2.tick_params(labelsize=6)
    ax3.tick_params(labelsize=6)
    h2, l2 = ax2.get_legend_handles_labels()
    h3, l3 = ax3.get_legend_handles_labels()
    ax2.legend(h2 + h3, l2 + l3, fontsize=5, loc='best', ncol=2)
    fig.suptitle('Difficulty-Net: predicted difficulty vs measured accuracy',
                 fontsize=8)
    return _save(fig, path)


def plot_cdb_stability(histories: Dict[str, List[str]],
                       labels: Dict[str, str], path: str) -> Optional[str]:
    """tau, and the share of classes the CDB weights switch off, over the
    epochs, for every method trained with the CDB hook (one line per seed).

    Args:
        histories (dict): Method name -> its runs' ``cdb_history.json``.
        labels (dict): Method name -> label.
        path (str): Output PNG.

    Returns:
        str or None: ``path``, or None without any history.
    """
    from lt_plugins.engine.history_plots import history_arrays, load_history
    histories = {k: v for k, v in histories.items() if v}
    if not histories:
        return None
    fig, axes = _figure(1, 3, 10.5, 2.9)
    ax_tau, ax_off, ax_change = axes[0]
    colors = __import__('matplotlib').colormaps['tab10']
    for i, (name, files) in enumerate(histories.items()):
        for j, file in enumerate(files):
            a = history_arrays(load_history(file))
            label = labels[name] if j == 0 else None
            kw = dict(color=colors(i), lw=1, alpha=0.8, label=label,
                      marker='.', ms=3)
            ax_tau.plot(a['epoch'], a['tau'], **kw)
            ax_off.plot(a['epoch'],
                        100 * (a['weights'] < OFF_WEIGHT).mean(axis=1), **kw)
            if len(a['epoch']) > 1:
                ax_change.plot(a['epoch'][1:], np.abs(
                    np.diff(a['weights'], axis=0)).mean(axis=1), **kw)
    ax_tau.set_ylabel('tau', fontsize=7)
    ax_off.set_ylabel(f'classes with weight < {OFF_WEIGHT} (%)', fontsize=7)
    ax_change.set_ylabel('mean |w_t − w_(t−1)| over classes', fontsize=7)
    for ax in axes[0]:
        ax.set_xlabel('epoch of the measurement', fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
    ax_tau.legend(fontsize=5)
    fig.suptitle('CDB weights over the epochs: paper default and robust '
                 'variants (one line per seed)', fontsize=8)
    return _save(fig, path)


def plot_cdb_weight_maps(histories: Dict[str, str], labels: Dict[str, str],
                         path: str) -> Optional[str]:
    """Every class's CDB weight at every measurement, one panel per
    method: classes from head (top) to tail (bottom), epochs left to right,
    the weight on a log colour scale (below :data:`OFF_WEIGHT` is dark). A
    class switched off in one epoch and back on in the next shows as a
    flickering row.

    Args:
        histories (dict): Method name -> one run's ``cdb_history.json``.
        labels (dict): Method name -> label.
        path (str): Output PNG.

    Returns:
        str or None: ``path``, or None without any history.
    """
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import MaxNLocator

    from lt_plugins.engine.history_plots import history_arrays, load_history
    histories = {k: v for k, v in histories.items() if v}
    if not histories:
        return None
    ncols = min(3, len(histories))
    nrows = -(-len(histories) // ncols)
    height = 2.6 * nrows + 0.8
    fig, axes = _figure(nrows, ncols, 2.6 * ncols + 0.8, height)
    for ax in axes.flat[len(histories):]:
        ax.axis('off')
    image = None
    for ax, (name, file) in zip(axes.flat, histories.items()):
        a = history_arrays(load_history(file))
        w = np.clip(a['weights'].T, 1e-3, None)  # (classes, measurements)
        epochs = a['epoch']
        image = ax.imshow(w, aspect='auto', interpolation='nearest',
                          cmap='magma', norm=LogNorm(vmin=1e-3, vmax=10),
                          extent=(epochs[0] - 0.5, epochs[-1] + 0.5,
                                  w.shape[0] - 0.5, -0.5))
        ax.set_title(labels[name].replace(', ', ',\n', 1), fontsize=7)
        ax.set_xlabel('epoch of the measurement', fontsize=6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=6)
    for row in axes:
        row[0].set_ylabel('class (head → tail)', fontsize=6)
    # 0.7 in above the top row: the suptitle and a two-line panel title
    fig.subplots_adjust(hspace=0.6, wspace=0.25, top=1 - 0.7 / height)
    bar = fig.colorbar(image, ax=list(axes.flat), fraction=0.03, pad=0.02)
    bar.ax.tick_params(labelsize=6)
    bar.set_label('class weight (mean 1)', fontsize=6)
    fig.suptitle('CDB weight of every class over the epochs (first seed)',
                 fontsize=8)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path)  # no tight_layout: the colour bar spans the axes
    return path


def draw_plots(methods: Dict[str, dict], work_root: str, out_dir: str,
               distinct: Optional[Sequence[bool]] = None,
               log=print) -> List[str]:
    """Every plot the finished runs allow; returns the files written."""
    written = []
    p = plot_per_class_accuracy(methods,
                                osp.join(out_dir, 'per_class_accuracy.png'),
                                distinct)
    written += [p] if p else []
    norms = _first_seed_file(methods.get('iwb-stage2'), work_root,
                             'iwb-stage2', 'weight_norms.json')
    if norms:
        written.append(plot_iwb_weight_norms(
            norms, osp.join(out_dir, 'iwb_weight_norms.png')))
    dnet = methods.get('difficulty-net')
    if dnet is not None:
        for seed in sorted(dnet['runs'], key=int):
            wd = osp.join(work_root, 'difficulty-net', f'seed{seed}')
            try:
                history = difficulty_history(wd)
            except Exception as exc:
                log(f'difficulty history of {wd}: {exc!r}')
                history = None
            if history and history['history']:
                written.append(plot_difficulty_net(
                    history, dnet['runs'][seed]['class_counts'],
                    osp.join(out_dir, 'difficulty_net.png')))
                break
    histories = {
        name: [osp.join(work_root, name, f'seed{seed}', 'cdb_history.json')
               for seed in sorted(methods[name]['runs'], key=int)
               if osp.isfile(osp.join(work_root, name, f'seed{seed}',
                                      'cdb_history.json'))]
        for name in CDB_METHODS if name in methods}
    p = plot_cdb_stability(histories,
                           {n: methods[n]['label'] for n in histories},
                           osp.join(out_dir, 'cdb_stability.png'))
    written += [p] if p else []
    p = plot_cdb_weight_maps({n: v[0] for n, v in histories.items() if v},
                             {n: methods[n]['label'] for n in histories},
                             osp.join(out_dir, 'cdb_weight_maps.png'))
    written += [p] if p else []
    for name in ('cdb-w-ce', 'cdb-s'):  # the variants: in the two above
        hist = _first_seed_file(methods.get(name), work_root, name,
                                'cdb_history.json')
        if not hist:
            continue
        try:
            from lt_plugins.engine.history_plots import plot_cdb_history
        except ImportError as exc:
            log(f'CDB plots skipped: {exc!r}')
            break
        seed_dir = osp.dirname(hist)
        counts_file = osp.join(seed_dir, 'class_counts.json')
        result = read_json(osp.join(seed_dir, RESULT_FILE), missing_ok=True)
        write_json(counts_file, result['class_counts'])
        out = plot_cdb_history(hist, out_dir, class_counts=counts_file,
                               prefix=name)
        written += [v['path'] for v in out.values()]
    return written


def write_report(bench: ClsGrid, seeds: Sequence[int], size: str,
                 data_root: str, log=print) -> dict:
    """Collect the finished runs, write results.json, table.md and plots.

    Returns:
        dict: What went into ``results.json``.
    """
    work_root, out_dir = bench.work_root, bench.out_dir
    methods = collect(bench)
    info = None
    try:
        from lt_plugins.data.cifar_lt_bench import read_bench_info
        info = read_bench_info(data_root)
    except (OSError, KeyError) as exc:
        log(f'no generator record in {data_root}: {exc!r}')
    # a run trained on data generated with other arguments does not belong
    # in the table; it stays (results are never deleted) but is named
    stale = sorted(f'{name}/seed{seed}' for name, e in methods.items()
                   for seed, r in e['runs'].items()
                   if info is not None and r.get('data_args') is not None
                   and r['data_args'] != info['args'])
    report = dict(size=size, schedule=SIZES[size]['schedule'],
                  seeds=list(seeds), data_root=data_root,
                  data=None if info is None else info['args'],
                  machines=machines_text(all_runs(methods)),
                  stale_runs=stale, methods=methods)
    if osp.abspath(data_root).startswith(REPO + os.sep):
        data_root = osp.relpath(data_root, REPO)  # as the configs name it
        report['data_root'] = data_root
    os.makedirs(out_dir, exist_ok=True)
    write_json(osp.join(out_dir, 'results.json'), report)
    table = markdown_table(methods, seeds)
    header = (
        f'Size `{size}`: {SIZES[size]["schedule"]}. Data: `{data_root}` '
        f'(generator arguments in results.json). Seeds: '
        f'{", ".join(map(str, seeds))}; mean ± std (sample) over the finished '
        'seeds; top-1 − CE is the mean ± std of the per-seed differences. '
        'Training time: mean over the runs that trained without '
        'interruption (a resumed run timed only its part after the '
        'checkpoint; `-` where every run resumed). '
        'Machine, as each run recorded it (run count): '
        f'{report["machines"]}.\n\n')
    if stale:
        header += (f'**{len(stale)} runs were trained on data generated with '
                   f'other arguments than {data_root} now holds** '
                   f'({", ".join(stale)}); delete their work directories '
                   'and run again.\n\n')
        log(f'stale runs (other data): {stale}')
    variants = variants_table(methods)
    if variants:
        table += (
            '\nCDB-W-CE\'s robust variants next to the paper default '
            '(paired differences per seed; weight statistics from '
            f'cdb_history.json, a weight below {OFF_WEIGHT} of the mean '
            'counting as switched off):\n\n' + variants)
    taus = tau_search_note(methods)
    if taus:
        table += ('\nPost-hoc tau chosen on the held-out split (mean '
                  'per-class held-out accuracy at that tau, in percent):'
                  '\n\n' + taus)
    selected = selected_table(methods)
    if selected:
        table += ('\nThe checkpoint with the best mean per-class held-out '
                  'accuracy (HeldOutSelectionHook after every epoch, as the '
                  "authors' CIFAR-LT code keeps it; the held-out split is "
                  'neither train nor test) next to the last one, both '
                  'tested; a post-hoc method uses its start\'s selection:'
                  '\n\n' + selected)
    with open(osp.join(out_dir, 'table.md'), 'w') as f:
        f.write(header + table)
    distinct = None if info is None else info['classes']['distinct']
    plots = draw_plots(methods, work_root, out_dir, distinct, log)
    archived = bench.archive({
        (name, int(seed)): result for name, entry in methods.items()
        for seed, result in entry['runs'].items()})
    log(table)
    log(f'wrote {osp.join(out_dir, "results.json")}, table.md and '
        f'{len(plots)} plots; archived {archived} runs in '
        f'{osp.join(out_dir, run_archive.ARCHIVE_DIR)}')
    reference = SIZES[size].get('reference')
    if reference is not None:
        write_sensitivity_report(
            osp.join(REPO, SIZES[reference]['out_dir']), out_dir,
            ('benchmark data', f'{size} data'), log)
    return report


# ----------------------------------------------------------- schedule sweep

#: The schedule sweep: the sizes that train the default model on the default
#: data, by their number of epochs (issue 18: does a method's gap to CE hold
#: at the papers' schedule?).
SWEEP_SIZES = {15: 'default', 60: 'e60', 200: 'e200'}
#: ``<name>.md`` and ``<name>.png`` in the default size's out dir.
SWEEP_NAME = 'schedule_sweep'


def schedule_sweep(reports: Dict[int, dict]) -> Dict[str, dict]:
    """Per method and schedule length: top-1 and few-shot accuracy, and their
    differences to CE paired by seed.

    Args:
        reports (dict): ``{epochs: results.json of that size}``; a size not
            reported yet is left out.

    Returns:
        dict: ``{method: dict(label, by_epochs={epochs: figures})}`` in the
        order the methods first appear, each ``figures`` holding
        :func:`mean_std` records ``top1``, ``few``, ``top1_minus_ce``,
        ``few_minus_ce`` and, where the runs kept a held-out selected
        checkpoint, ``top1_selected`` and ``top1_selected_minus_ce``. A
        method without a finished run at a length has no entry there. Each
        method also has ``gap_change``: ``{epochs: mean_std}`` for every
        length after the shortest, how its top-1 gap to CE moved from the
        shortest length to that one, ``(m_e - ce_e) - (m_0 - ce_0)`` per
        seed over the seeds both lengths have for both methods (``seeds``
        names them).
    """
    sweep: Dict[str, dict] = {}
    gaps: Dict[str, Dict[int, dict]] = {}  # method -> epochs -> seed -> gap
    for epochs in sorted(reports):
        methods = reports[epochs]['methods']
        base = methods.get(BASELINE, dict(runs={}))['runs']
        base_selected = {s: r['selected'] for s, r in base.items()
                         if r.get('selected')}
        for name, entry in methods.items():
            runs = entry['runs']
            if not runs:
                continue
            figures = {k: _mean_std([r.get(k) for r in runs.values()])
                       for k in ('top1', 'few')}
            paired = {}
            for k in ('top1', 'few'):
                d = paired[k] = paired_difference(runs, base, k)
                figures[f'{k}_minus_ce'] = dict(
                    mean=d['mean'], std=d['std'], n=d['n'])
            gaps.setdefault(name, {})[epochs] = {  # str keys, as in json
                str(s): dict(gap=runs[s]['top1'] - base[s]['top1'])
                for s in paired['top1']['seeds']}
            selected = {s: r['selected'] for s, r in runs.items()
                        if r.get('selected')}
            if selected:
                figures['top1_selected'] = _mean_std(
                    [r['top1'] for r in selected.values()])
                d = paired_difference(selected, base_selected, 'top1')
                figures['top1_selected_minus_ce'] = dict(
                    mean=d['mean'], std=d['std'], n=d['n'])
            row = sweep.setdefault(name, dict(label=entry['label'],
                                              by_epochs={}))
            row['by_epochs'][epochs] = figures
    first = min(reports) if reports else None
    for name, row in sweep.items():
        by_epochs = gaps.get(name, {})
        row['gap_change'] = {
            e: paired_difference(by_epochs[e], by_epochs[first], 'gap')
            for e in sorted(by_epochs) if e != first and first in by_epochs}
    return sweep


def sweep_table(sweep: Dict[str, dict], epochs: Sequence[int]) -> str:
    """The sweep's markdown table.

    Args:
        sweep (dict): What :func:`schedule_sweep` returns.
        epochs (Sequence[int]): The lengths to show, in column order.

    Returns:
        str: One row per method: per length top-1 with its seed count, then
        per length top-1 minus CE and few-shot minus CE (paired by seed),
        then per length after the first the change of the top-1 gap to CE
        from the first length (paired by seed, with the seeds).
    """
    header = ['method']
    header += [f'top-1, {e} ep. (seeds)' for e in epochs]
    header += [f'top-1 − CE, {e} ep.' for e in epochs]
    header += [f'few − CE, {e} ep.' for e in epochs]
    later = list(epochs[1:])
    header += [f'gap change, {epochs[0]} → {e} ep. (paired seeds)'
               for e in later]
    rows = []
    for name, row in sweep.items():
        cells = [row['label']]
        for key in ('top1', 'top1_minus_ce', 'few_minus_ce'):
            for e in epochs:
                f = row['by_epochs'].get(e)
                if f is None:
                    cells.append('-')
                elif key == 'top1':
                    cells.append(f'{_fmt(f[key])} ({f[key]["n"]})')
                elif name == BASELINE:
                    cells.append('(baseline)')
                else:
                    cells.append(_fmt(f[key], signed=True))
        for e in later:
            change = row.get('gap_change', {}).get(e)
            if name == BASELINE:
                cells.append('(baseline)')
            elif not change or change['mean'] is None:
                cells.append('-')
            else:
                cells.append(f'{_fmt(change, signed=True)} '
                             f'({seeds_text(change["seeds"])})')
        rows.append(cells)
    return '\n'.join(table_lines(header, rows)) + '\n'


def plot_schedule_sweep(sweep: Dict[str, dict], path: str) -> Optional[str]:
    """Top-1 and few-shot accuracy, and top-1 minus CE's (paired by seed;
    CE's own line is 0), against training epochs. Each point is over the
    seeds of its length, so where lengths have different seeds a line's
    slope is not the table's gap change, which pairs seeds across lengths.

    Args:
        sweep (dict): What :func:`schedule_sweep` returns.
        path (str): The PNG to write.

    Returns:
        str | None: ``path``: one line per method with at least two
        lengths (mean over seeds, error bars the std); None without such
        a method.
    """
    lines = {n: r for n, r in sweep.items() if len(r['by_epochs']) >= 2}
    if not lines:
        return None
    fig, axes = _figure(1, 3, 12.5, 3.6)
    for ax, key, title in ((axes[0][0], 'top1', 'top-1 (%)'),
                           (axes[0][1], 'few', 'few-shot accuracy (%)'),
                           (axes[0][2], 'top1_minus_ce',
                            'top-1 − CE, paired by seed (points)')):
        for i, (name, row) in enumerate(lines.items()):
            epochs = sorted(row['by_epochs'])
            stats = [row['by_epochs'][e][key] for e in epochs]
            keep = [j for j, s in enumerate(stats) if s['mean'] is not None]
            ax.errorbar([epochs[j] for j in keep],
                        [stats[j]['mean'] for j in keep],
                        yerr=[stats[j]['std'] or 0.0 for j in keep],
                        marker='os^'[i // 10 % 3], ms=3, capsize=2,
                        ls=('-', '--', ':')[i // 10 % 3],
                        lw=1.6 if name == BASELINE else 0.9,
                        color='k' if name == BASELINE else f'C{i % 10}',
                        label=row['label'])
        ax.set_xscale('log')
        ax.set_xlim(10, 300)
        ax.set_xticks(sorted(SWEEP_SIZES))
        ax.set_xticklabels([str(e) for e in sorted(SWEEP_SIZES)])
        ax.set_xticks([], minor=True)
        ax.set_xlabel('training epochs')
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
    axes[0][2].legend(fontsize=6, loc='upper left', bbox_to_anchor=(1, 1))
    return _save(fig, path)


def read_report(out_dir: str) -> Optional[dict]:
    """A size's ``results.json`` (None if missing) without the runs it
    names as trained on other data (``stale_runs``)."""
    report = read_json(osp.join(out_dir, 'results.json'), missing_ok=True)
    if report is None:
        return None
    for key in report.get('stale_runs', []):
        name, seed = key.rsplit('/seed', 1)
        report['methods'].get(name, {}).get('runs', {}).pop(seed, None)
    return report


def write_sweep_report(out_dirs: Optional[Dict[int, str]] = None,
                       out_dir: Optional[str] = None,
                       log=print) -> Optional[dict]:
    """The schedule sweep's table and plot from the sizes' results.json.

    Args:
        out_dirs (dict, optional): ``{epochs: out dir of that size}``;
            default the sizes of :data:`SWEEP_SIZES` under the repository.
        out_dir (str, optional): Where ``schedule_sweep.{md,png}`` go;
            default the default size's out dir (``docs/cls_bench``).

    Returns:
        dict | None: The sweep (:func:`schedule_sweep`) with the sizes'
        schedules, or None when fewer than two sizes have a report.
    """
    if out_dirs is None:
        out_dirs = {e: osp.join(REPO, SIZES[s]['out_dir'])
                    for e, s in SWEEP_SIZES.items()}
    out_dir = out_dir or out_dirs[min(out_dirs)]
    reports = {}
    for epochs, d in out_dirs.items():
        report = read_report(d)
        if report is not None and any(e['runs'] for e in
                                      report['methods'].values()):
            reports[epochs] = report
    data = {e: r.get('data') for e, r in reports.items()}
    if len({repr(sorted((v or {}).items())) for v in data.values()}) > 1:
        raise ValueError(
            'the schedule sweep compares lengths on the same data, but the '
            f'reports were made on different data: {data}')
    if len(reports) < 2:
        log(f'schedule sweep: {len(reports)} size(s) reported, none written')
        return None
    sweep = schedule_sweep(reports)
    epochs = sorted(reports)
    runs = [r for rep in reports.values() for r in all_runs(rep['methods'])]
    text = (
        'Schedule sweep: the same data, model and step shape trained for '
        f'{", ".join(map(str, epochs))} epochs (schedules: '
        + '; '.join(f'{e} epochs: {reports[e]["schedule"]}' for e in epochs)
        + '). Mean ± std (sample) over the finished seeds, seed count in '
        'brackets; differences to CE are paired by seed, and the gap '
        'change is how a method\'s top-1 − CE moved from the shortest '
        'length, paired by seed over the seeds in brackets. The last '
        'checkpoint of every run; the sweep sizes also test the checkpoint '
        'selected on the held-out split (their table.md). Machine, as each '
        'run recorded it (run count): '
        f'{machines_text(runs)}. Regenerate with `python '
        'tools/run_cls_benchmark.py --sweep-report`.\n\n'
        + sweep_table(sweep, epochs))
    write_text(osp.join(out_dir, f'{SWEEP_NAME}.md'), text)
    plot = plot_schedule_sweep(sweep, osp.join(out_dir, f'{SWEEP_NAME}.png'))
    log(text)
    log(f'wrote {osp.join(out_dir, SWEEP_NAME)}.md'
        + (' and .png' if plot else ''))
    return dict(epochs=epochs, schedules={e: reports[e]['schedule']
                                          for e in epochs}, methods=sweep)


# --------------------------------------------------------- data sensitivity

#: ``<name>.md`` and ``<name>.png`` in the out dir of a size on other data
#: (``reference`` in :data:`SIZES`: the g1 size against the default one).
SENSITIVITY_NAME = 'data_sensitivity'


def data_sensitivity(reference: dict, report: dict) -> Dict[str, dict]:
    """Each method's top-1 gap to CE on two data sets, paired by seed.

    Args:
        reference (dict): ``results.json`` of a size on the benchmark data
            (the default size).
        report (dict): The same of a size with the same model and
            schedule on other data (g1).

    Returns:
        dict: For every method with a finished run in ``report``, in its
        order: ``label``; ``gap``, its top-1 minus CE's on ``report``'s
        data over the seeds both have there; ``reference_gap``, the same on
        the reference data over those of these seeds it has; ``change``,
        ``gap - reference_gap`` per seed over the seeds both data have
        (with ``seeds``); ``common``, the two gaps over those common
        seeds alone; and for a CDB method, ``off_share`` and
        ``reference_off_share``, the share of class measurements switched
        off (:func:`cdb_stability`) over the common seeds. All figures
        are :func:`~lt_plugins.benchmark.stats.mean_std` records.
    """
    ref_methods = reference['methods']
    ref_base = ref_methods.get(BASELINE, dict(runs={}))['runs']
    base = report['methods'].get(BASELINE, dict(runs={}))['runs']
    out: Dict[str, dict] = {}
    for name, entry in report['methods'].items():
        runs = entry['runs']
        if not runs:
            continue
        ref = ref_methods.get(name, dict(runs={}))
        gap = paired_difference(runs, base, 'top1')
        here = {s: dict(gap=runs[s]['top1'] - base[s]['top1'])
                for s in gap['seeds']}
        ref_gap = paired_difference(
            {s: ref['runs'][s] for s in here if s in ref['runs']},
            ref_base, 'top1')
        there = {s: dict(gap=ref['runs'][s]['top1'] - ref_base[s]['top1'])
                 for s in ref_gap['seeds']}
        change = paired_difference(here, there, 'gap')
        row = dict(label=entry['label'], gap=gap, reference_gap=ref_gap,
                   change=change, common=dict(
                       gap=_mean_std([here[s]['gap']
                                      for s in change['seeds']]),
                       reference_gap=_mean_std([there[s]['gap']
                                                for s in change['seeds']])))
        if name in CDB_METHODS:
            for key, e in (('off_share', entry),
                           ('reference_off_share', ref)):
                stability = e.get('cdb_stability', {})
                row[key] = _mean_std([
                    stability[s]['off_share'] for s in change['seeds']
                    if s in stability])
        out[name] = row
    return out


def sensitivity_table(rows: Dict[str, dict], names: Sequence[str]) -> str:
    """The markdown table of :func:`data_sensitivity`; ``names`` are the
    two data sets' names (reference first)."""
    ref, other = names

    def percent(stat: Optional[dict]) -> str:
        if stat is None or stat['mean'] is None:
            return '-'
        return _fmt(dict(mean=100 * stat['mean'], std=None if stat['std']
                         is None else 100 * stat['std'])) + ' %'

    lines = [f'| method | top-1 − CE, {ref} (seeds) | top-1 − CE, {other} '
             f'(seeds) | change of the gap, {other} − {ref} (paired) | '
             f'classes switched off, {ref} | classes switched off, '
             f'{other} |', '|---|---|---|---|---|---|']
    for name, row in rows.items():
        if name == BASELINE:
            continue
        cells = [f'{_fmt(row[k], signed=True)} ({row[k]["n"]})'
                 if row[k]['n'] else '-' for k in ('reference_gap', 'gap')]
        change = (_fmt(row['change'], signed=True) if row['change']['n']
                  else '-')
        lines.append(
            f'| {row["label"]} | {cells[0]} | {cells[1]} | {change} | '
            f'{percent(row.get("reference_off_share"))} | '
            f'{percent(row.get("off_share"))} |')
    return '\n'.join(lines) + '\n'


def plot_data_sensitivity(rows: Dict[str, dict], names: Sequence[str],
                          path: str) -> Optional[str]:
    """Each method's top-1 gap to CE on both data sets (mean over the
    seeds both have, error bars the std), and for the CDB methods the share
    of class measurements switched off on both; None without a method."""
    methods = [n for n in rows if n != BASELINE and rows[n]['change']['n']]
    if not methods:
        return None
    cdb = [n for n in methods if 'off_share' in rows[n]]
    fig, axes = _figure(1, 2, 10.0, 3.4)
    for ax, keys, names_, title, scale in (
            (axes[0][0], ('reference_gap', 'gap'), methods,
             'top-1 − CE, paired by seed (points)', 1.0),
            (axes[0][1], ('reference_off_share', 'off_share'), cdb,
             'class measurements switched off (%)', 100.0)):
        x = np.arange(len(names_))
        for j, (key, label) in enumerate(zip(keys, names)):
            # over the seeds both data have
            stats = [rows[n][key] if key.endswith('off_share') else
                     rows[n]['common'][key] for n in names_]
            ax.bar(x + (j - 0.5) * 0.38, [scale * (s['mean'] or 0.0)
                                           for s in stats], 0.38,
                   yerr=[scale * (s['std'] or 0.0) for s in stats],
                   capsize=2, color=('0.6', 'C0')[j], label=label)
        ax.set_xticks(x)
        ax.set_xticklabels([rows[n]['label'] for n in names_], rotation=30,
                           ha='right', fontsize=6)
        ax.axhline(0, color='k', lw=0.6)
        ax.set_ylabel(title, fontsize=7)
        ax.grid(axis='y', alpha=0.3)
    axes[0][0].legend(fontsize=6)
    return _save(fig, path)


def write_sensitivity_report(reference_dir: str, out_dir: str,
                             names: Sequence[str],
                             log=print) -> Optional[dict]:
    """``data_sensitivity.{md,png}`` in ``out_dir`` from the reports in
    ``reference_dir`` and ``out_dir``; None (nothing written) when either is
    missing."""
    reference, report = read_report(reference_dir), read_report(out_dir)
    if reference is None or report is None:
        log(f'data sensitivity: no report in {reference_dir} or {out_dir}')
        return None
    rows = data_sensitivity(reference, report)
    text = (
        'Data sensitivity: the same model and schedule '
        f'({reference["schedule"]}) on the {names[0]} '
        f'({reference.get("data_root")}) and on the '
        f'{names[1]} ({report.get("data_root")}). Each method\'s top-1 minus '
        'CE\'s of the same seed (mean ± std, seed count in brackets; on the '
        f'{names[0]} over the seeds the {names[1]} have), the change of that '
        'gap from one data set to the other paired by seed, and for the CDB '
        'methods the share of class measurements whose weight is below '
        f'{OFF_WEIGHT} of the mean (over the seeds both data have). '
        'Regenerate with `python tools/run_cls_benchmark.py --size g1 '
        '--report-only`.\n\n' + sensitivity_table(rows, names))
    write_text(osp.join(out_dir, f'{SENSITIVITY_NAME}.md'), text)
    plot = plot_data_sensitivity(
        rows, names, osp.join(out_dir, f'{SENSITIVITY_NAME}.png'))
    log(text)
    log(f'wrote {osp.join(out_dir, SENSITIVITY_NAME)}.md'
        + (' and .png' if plot else ''))
    return rows


# ------------------------------------------------------------------ main


def data_command(size: str, data_root: str) -> str:
    """The generator command that writes a size's data into ``data_root``."""
    flags = ''.join(f' --{k.replace("_", "-")} {v}'
                    for k, v in SIZES[size].get('data_args', {}).items())
    return f'python tools/make_cifar_lt_bench.py{flags} --out {data_root}'


def check_size_data(size: str, data_root: str, info: Optional[dict],
                    training: bool) -> None:
    """Refuse, before anything trains, the data of a size that names its
    generator arguments (``data_args``: the g1 size) when it is missing (and
    runs will train) or was generated with other values.

    Args:
        size (str): Key of :data:`SIZES`.
        data_root (str): The data folder the configs read.
        info (dict, optional): Its generator record
            (:func:`~lt_plugins.data.cifar_lt_bench.read_bench_info`), None
            when there is no data or no record.
        training (bool): Whether runs will train (a report needs no data).

    Raises:
        SystemExit: Naming the folder, the differing values and the
            command that writes the right data.
    """
    expected = SIZES[size].get('data_args')
    if not expected:
        return
    if info is None:
        if training and not osp.isdir(osp.join(data_root,
                                               'cifar-100-python')):
            raise SystemExit(
                f'no benchmark data in {data_root}; write it with: '
                f'{data_command(size, rel(data_root))}')
        return
    wrong = {k: info['args'].get(k) for k, v in expected.items()
             if info['args'].get(k) != v}
    if wrong:
        raise SystemExit(
            f'{data_root} was generated with {wrong}, but size {size!r} '
            f'is calibrated on {expected}; write its data with: '
            f'{data_command(size, rel(data_root))}')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='tools/run_cls_benchmark.py',
        description='Train the long-tailed classification benchmark grid '
        'and report it (lt_plugins.benchmark.cifar_lt).',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', choices=tuple(SIZES), default='default',
                        help='default: CPU-sized, 15 epochs; e60, e200: '
                        'the same model trained 60 or 200 epochs (schedule '
                        'sweep); large: the papers\' model and schedule '
                        '(GPU); g1: the default size on data generated '
                        'with --group-size 1 (data sensitivity)')
    parser.add_argument('--methods', nargs='+', default=None,
                        help='methods to run (first stages they need come '
                        f'along); default all: {[m.name for m in METHODS]}')
    parser.add_argument('--seeds', nargs='+', type=int, default=None,
                        help='default: 0 1 for the sizes e60, e200 and g1 '
                        '(the seeds their run sets plan), 0 1 2 for the '
                        'others')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the plan and the commands, run nothing')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing, report the finished runs')
    parser.add_argument('--command-prefix', default=shlex.quote(
        sys.executable), help='what runs a Python script, split like a '
        'shell line (default: this interpreter); tests put a fake here')
    parser.add_argument('--config-dir', default=None,
                        help='default: the size\'s configs/cls/bench*')
    parser.add_argument('--work-root', default=None,
                        help='default: the size\'s work_dirs/cls_bench*')
    parser.add_argument('--out-dir', default=None,
                        help='default: the size\'s docs/cls_bench*')
    parser.add_argument('--data-root', default=None,
                        help='benchmark data the runs train and test on, '
                        'and whose generator arguments the report records '
                        f'(default: the size\'s own data, {DATA_ROOT}; '
                        'g1: data/cifar_lt_bench_g1; relative to the '
                        'checkout). Other data: the size\'s configs are '
                        'written on a base reading it, into '
                        '<work-root>/_configs, and --work-root and '
                        '--out-dir must be given; with --config-dir, those '
                        'configs name the data and this only names the '
                        'record')
    parser.add_argument('--retrain-starts', action='store_true',
                        help='when a run starts from a run restored from '
                        'the archive (which keeps no checkpoint), train '
                        'that run again and record whether it reproduces '
                        'the archived figures, instead of failing')
    parser.add_argument('--keep-partial', action='store_true',
                        help='train nothing, keep every unfinished run\'s '
                        'latest checkpoint (and the files it resumes with) '
                        'in <out-dir>/partial/<method>/seed<k>/, so that a '
                        'later invocation on a fresh clone resumes it '
                        'instead of starting over; safe while runs train. '
                        'Archiving the finished run removes it')
    parser.add_argument('--sweep-report', action='store_true',
                        help='train nothing, write the schedule sweep '
                        '(docs/cls_bench/schedule_sweep.{md,png}) from the '
                        'reports of the sizes default, e60 and e200; '
                        'reporting one of those sizes writes it too')
    parser.add_argument('--evaluate', nargs=3,
                        metavar=('CONFIG', 'CHECKPOINT', 'OUT_JSON'),
                        help='only test CHECKPOINT with per-class accuracy '
                        'and write OUT_JSON (what the grid runs per run)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.evaluate:
        evaluate_checkpoint(*args.evaluate)
        return 0
    if args.sweep_report:
        write_sweep_report()
        return 0
    size = SIZES[args.size]
    seeds = args.seeds or list(size.get('seeds', (0, 1, 2)))
    work_root = osp.abspath(args.work_root or osp.join(REPO,
                                                       size['work_root']))
    out_dir = osp.abspath(args.out_dir or osp.join(REPO, size['out_dir']))
    data_root = args.data_root or size.get('data_root', DATA_ROOT)
    data_root = osp.normpath(data_root if osp.isabs(data_root) else osp.join(
        REPO, data_root))
    size_base = size.get('size_base',
                         osp.join(size.get('config_dir', ''), '_base_',
                                  osp.basename(DEFAULT_SIZE_BASE)))
    check_folders({'--work-root': work_root, '--out-dir': out_dir},
                  {'--data-root': data_root})
    own_data = data_root == osp.join(REPO, size.get('data_root', DATA_ROOT))
    if not own_data and not (args.work_root and args.out_dir):
        # a finished run in the size's work root counts as done whatever
        # data it saw: other data get folders of their own
        raise SystemExit(
            f'--data-root {args.data_root} is not the data of size '
            f'{args.size!r} ({size.get("data_root", DATA_ROOT)}): give its '
            'runs a --work-root and an --out-dir of their own')
    if args.config_dir:
        config_dir = args.config_dir
    elif not own_data:
        # other data: the size's configs on a base reading it
        config_dir = size_configs(
            data_root_base(size_base, data_root,
                           osp.join(work_root, '_size_base.py')),
            osp.join(work_root, '_configs'))
    elif 'size_base' in size:
        config_dir = size_configs(size_base, osp.join(work_root, '_configs'))
    else:
        config_dir = osp.join(REPO, size['config_dir'])
    info = None
    if osp.isdir(osp.join(data_root, 'cifar-100-python')):
        from lt_plugins.data.cifar_lt_bench import read_bench_info
        info = read_bench_info(data_root)
    check_size_data(args.size, data_root, info, training=not (
        args.dry_run or args.report_only or args.keep_partial))
    bench = ClsGrid(
        make_plan(resolve_methods(args.methods), seeds, work_root),
        config_dir, work_root, shlex.split(args.command_prefix), out_dir,
        dry_run=args.dry_run, data_args=None if info is None else
        info['args'], retrain_starts=args.retrain_starts)
    missing = sorted({c.method for c in bench.cells
                      if not bench.available(c)})
    if missing:
        print(f'no config for {missing} in {config_dir}: reported as '
              'unavailable')
    if args.keep_partial:
        kept = bench.keep_partial()
        print(f'kept {len(kept)} unfinished run(s) in '
              f'{rel(osp.join(out_dir, run_archive.PARTIAL_DIR))}')
        return 0
    statuses = {}
    if not args.dry_run:
        bench.restore()
    if not args.report_only:
        statuses = bench.run_all()
        if args.dry_run:
            return 0
    write_report(bench, seeds, args.size, data_root)
    if (args.size in SWEEP_SIZES.values() and not (
            args.out_dir or args.work_root or args.config_dir
            or args.data_root)):
        write_sweep_report()
    bad = sorted(k for k, v in statuses.items() if v in ('failed', 'blocked'))
    if bad:
        print(f'failed or blocked: {bad}')
    return 1 if bad else 0
