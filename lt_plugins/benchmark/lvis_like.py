"""The LVIS-like benchmark: its grid, how one run trains and tests, and its
report (tables and plots). ``tools/run_lvis_like_benchmark.py`` is its
command line.

The CDB paper's protocol on the LVIS-like data (docs/lvis_like_benchmark.md):

1. generate the data set if it is missing (tools/make_lvis_like.py);
2. pretrain the detector once on the balanced set
   (configs/lvis_like/faster-rcnn_lvis-like_pretrain.py) and drop its
   class-specific box-head layers (``fc_cls``, ``fc_reg``), which every
   fine-tuning re-initialises;
3. fine-tune every method x training seed with tools/train.py, one work dir
   per run (``<work-root>/<method>/seed<k>/``), then evaluate the final
   checkpoint on the validation set with tools/test.py; the "-cls" variant
   starts from the CE-on-the-CDB-split run of the same seed, which runs
   first;
4. write ``results.json``, a markdown table (mean +- std over seeds, paired
   differences to CE over the same seeds) and plots into ``--out-dir``.

A run whose ``result.json`` exists is skipped, so the command resumes an
interrupted grid; an interrupted training resumes from its last checkpoint.
A failed run (its exit code and log tail go to ``failed.json`` and the
report) does not stop the grid; the next invocation retries it. To use more
cores, start the same command once per core: a run another invocation is
training is skipped (:mod:`lt_plugins.engine.run_lock`), pretraining and the
``-cls`` variant's starting run are waited for.

The report also archives every finished run's ``result.json`` (which
records the data's generator arguments, ``data_args``) and CDB history into
``<out-dir>/runs/<method>/seed<k>/`` (:mod:`lt_plugins.engine.run_archive`;
no checkpoint, no log). At the start of a run and of ``--report-only``, a
run missing from the work root but archived on the current data is restored
from there and skipped, so a grid continues on a fresh clone from the
committed report; one archived on other data is trained again. A restored
run has no checkpoint: a ``-cls`` run that would start from it fails,
naming the checkpoint and how to train its starting run again.
``--keep-partial`` keeps every unfinished run's latest checkpoint in
``<out-dir>/partial/<method>/seed<k>/``; on a fresh clone that run resumes
from it, and it is removed once the run is archived as finished.

Per-category AP: the test config's ``LVISPerCategoryMetric`` returns
``lvis/bbox_per_category_ap``; tools/test.py's logger hook dumps every test
metric, lists included, to ``<work_dir>/<timestamp>/<timestamp>.json``, which
this script reads into the run's ``result.json``.

Examples::

    python tools/run_lvis_like_benchmark.py                  # the whole grid
    python tools/run_lvis_like_benchmark.py --methods ce cdb-w-ce --seeds 0
    python tools/run_lvis_like_benchmark.py --dry-run        # print the plan
    python tools/run_lvis_like_benchmark.py --report-only    # table + plots
"""
import argparse
import glob
import os
import os.path as osp
import shlex
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from lt_plugins.engine import run_archive
from lt_plugins.engine.run_archive import read_json, write_json
from lt_plugins.engine.run_lock import run_lock

from .grid import (REPO, RESULT_FILE, Cell, Grid, GridMethod, absolute,
                   call, check_folders, finish, make_plan, rel,
                   resolve_methods)
from .report import fmt, machine_description, uninterrupted_time
from .stats import mean_std, paired_difference, spearman

CONFIG_DIR = 'configs/lvis_like'
METRICS = ('AP', 'APr', 'APc', 'APf')
#: Box-head layers whose shape follows the class set; dropped from the
#: pretrained detector, as the CDB paper's COCO detector has other classes.
CLASS_LAYERS = ('roi_head.bbox_head.fc_cls', 'roi_head.bbox_head.fc_reg')
#: LVIS' repeat-factor threshold 1e-3 times its ~57k training images: the
#: image count below which RFS repeats a category (see the rfs config).
RFS_MIN_IMAGES = 57
#: Per-run files the report reads besides result.json: archived with it.
ARCHIVED_FILES = ('cdb_history.json', )


@dataclass(frozen=True)
class Method(GridMethod):
    """One row of the grid (:class:`~lt_plugins.benchmark.grid.GridMethod`;
    ``needs``: the method whose checkpoint of the same seed the run starts
    from, None for the pretrained detector).

    Attributes:
        config (str): Config file name in configs/lvis_like.
        split (str): 'full' training set or the 'cdb' split (minus held-out).
        cdb_tau (str, optional): tau of the CDB hook, None without CDB.
        loss_num_classes (bool): The classification loss takes num_classes.
        rfs (bool): Training set wrapped in ClassBalancedDataset.
        freeze_cls (bool): Only fc_cls trains.
        reinit_cls (bool): fc_cls is dropped from the starting checkpoint
            and trained anew (a stage 2 from a detector whose classifier
            has another shape, e.g. Seesaw's).
        cdb_s (bool): The training set is drawn by
            ``DifficultyRepeatFactorSampler`` (CDB-S for detection).
        rotating_fold (bool): The sampler leaves out a rotating held-out
            fold of the training set and the hook measures on it (the
            config's ``fold_dataloader``).
        hook_options (tuple): Further ``(name, value)`` options of the CDB
            hook (a robust variant).
        pairs (tuple[str]): Methods besides CE (and, on the CDB split, CE
            on that split) that the report compares this one with, seed by
            seed.
        default (bool): Part of the grid when no method is named; False
            for rows that only run on the development data (choices made
            there, see docs/lvis_like_benchmark.md).
    """

    config: str = ''
    split: str = 'full'
    cdb_tau: Optional[str] = None
    loss_num_classes: bool = False
    rfs: bool = False
    freeze_cls: bool = False
    cdb_s: bool = False
    rotating_fold: bool = False
    reinit_cls: bool = False
    hook_options: Tuple[Tuple[str, object], ...] = ()
    pairs: Tuple[str, ...] = ()
    default: bool = True

    def references(self) -> List[str]:
        """Every method the report compares this one with, in order."""
        refs = ['ce']
        if self.split == 'cdb':
            refs.append('ce-cdb-split')
        return [r for r in refs + list(self.pairs) if r != self.name]


_METHODS = (
    Method('ce', 'CE', config='faster-rcnn_lvis-like_ce.py'),
    Method('ce-cdb-split', 'CE, CDB split',
           config='faster-rcnn_lvis-like_ce-cdb-split.py', split='cdb'),
    Method('cdb-w-ce', 'CDB-W-CE (sigmoid tau)',
           config='faster-rcnn_lvis-like_cdb-w-ce.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True),
    Method('cdb-w-ce-official', 'CDB-W-CE (official_sigmoid tau)',
           config='faster-rcnn_lvis-like_cdb-w-ce-official.py', split='cdb',
           cdb_tau='official_sigmoid', loss_num_classes=True),
    Method('cdb-w-ce-cls', 'CDB-W-CE-cls', needs='ce-cdb-split',
           config='faster-rcnn_lvis-like_cdb-w-ce-cls.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True, freeze_cls=True,
           pairs=('ce-cls', )),
    Method('rfs', 'RFS', config='faster-rcnn_lvis-like_rfs.py', rfs=True,
           pairs=('ce-rfs-iters', )),
    Method('seesaw', 'Seesaw', config='faster-rcnn_lvis-like_seesaw.py',
           loss_num_classes=True),
    Method('eqlv2', 'EQLv2', config='faster-rcnn_lvis-like_eqlv2.py',
           loss_num_classes=True),
    Method('cdb-rfs', 'CDB-W-CE + RFS',
           config='faster-rcnn_lvis-like_cdb-rfs.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True, rfs=True,
           pairs=('rfs-cdb-split', )),
    # difficulty on top of strong detectors, against the same stage 2 with
    # plain CE (CE-cls): docs/lvis_like_benchmark.md
    Method('ce-cls', 'CE-cls', needs='ce-cdb-split',
           config='faster-rcnn_lvis-like_ce-cls.py', split='cdb',
           freeze_cls=True),
    Method('rfs-cdb-split', 'RFS, CDB split',
           config='faster-rcnn_lvis-like_rfs-cdb-split.py', split='cdb',
           rfs=True, pairs=('rfs', )),
    # stage 2 from RFS: uniform sampling or RFS again, chosen on the
    # development data (RFS again: higher mean APr of RFS -> CDB-W-CE-cls,
    # docs/lvis_like_benchmark.md); the uniform rows stay development-only
    Method('rfs_ce-cls', 'RFS -> CE-cls', needs='rfs-cdb-split',
           config='faster-rcnn_lvis-like_rfs_ce-cls.py', split='cdb',
           freeze_cls=True, pairs=('rfs-cdb-split', ), default=False),
    Method('rfs_cdb-w-ce-cls', 'RFS -> CDB-W-CE-cls', needs='rfs-cdb-split',
           config='faster-rcnn_lvis-like_rfs_cdb-w-ce-cls.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True, freeze_cls=True,
           pairs=('rfs-cdb-split', 'rfs_ce-cls'), default=False),
    Method('rfs_ce-cls_rfs-stage2', 'RFS -> CE-cls, RFS in stage 2',
           needs='rfs-cdb-split',
           config='faster-rcnn_lvis-like_rfs_ce-cls_rfs-stage2.py',
           split='cdb', rfs=True, freeze_cls=True,
           pairs=('rfs-cdb-split', )),
    Method('rfs_cdb-w-ce-cls_rfs-stage2',
           'RFS -> CDB-W-CE-cls, RFS in stage 2', needs='rfs-cdb-split',
           config='faster-rcnn_lvis-like_rfs_cdb-w-ce-cls_rfs-stage2.py',
           split='cdb', cdb_tau='sigmoid', loss_num_classes=True, rfs=True,
           freeze_cls=True,
           pairs=('rfs-cdb-split', 'rfs_ce-cls_rfs-stage2')),
    # the robust options of the difficulty hook, one changed at a time
    Method('cdb-w-ce-momentum', 'CDB-W-CE, difficulty momentum 0.5',
           config='faster-rcnn_lvis-like_cdb-w-ce-momentum.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True,
           hook_options=(('difficulty_momentum', 0.5), ),
           pairs=('cdb-w-ce', )),
    Method('cdb-w-ce-floor', 'CDB-W-CE, weight floor 0.1',
           config='faster-rcnn_lvis-like_cdb-w-ce-floor.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True,
           hook_options=(('weight_floor', 0.1), ), pairs=('cdb-w-ce', )),
    Method('cdb-w-ce-cls-momentum', 'CDB-W-CE-cls, difficulty momentum 0.5',
           needs='ce-cdb-split',
           config='faster-rcnn_lvis-like_cdb-w-ce-cls-momentum.py',
           split='cdb', cdb_tau='sigmoid', loss_num_classes=True,
           freeze_cls=True, hook_options=(('difficulty_momentum', 0.5), ),
           pairs=('ce-cls', 'cdb-w-ce-cls')),
    Method('cdb-w-ce-cls-floor', 'CDB-W-CE-cls, weight floor 0.1',
           needs='ce-cdb-split',
           config='faster-rcnn_lvis-like_cdb-w-ce-cls-floor.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True, freeze_cls=True,
           hook_options=(('weight_floor', 0.1), ),
           pairs=('ce-cls', 'cdb-w-ce-cls')),
    # count-aware difficulty (k fixed before any run)
    Method('cdb-w-ce-count', 'CDB-W-CE, count-aware difficulty (k = 5)',
           config='faster-rcnn_lvis-like_cdb-w-ce-count.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True,
           hook_options=(('count_shrinkage', 5), ), pairs=('cdb-w-ce', )),
    Method('cdb-w-ce-cls-count',
           'CDB-W-CE-cls, count-aware difficulty (k = 5)',
           needs='ce-cdb-split',
           config='faster-rcnn_lvis-like_cdb-w-ce-cls-count.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True, freeze_cls=True,
           hook_options=(('count_shrinkage', 5), ),
           pairs=('ce-cls', 'cdb-w-ce-cls')),
    # training length: CE with RFS's iteration count
    Method('ce-rfs-iters', "CE, RFS's iteration count",
           config='faster-rcnn_lvis-like_ce-rfs-iters.py'),
    # mmdet's LVIS recipe for Seesaw loss: on the RFS-resampled set
    Method('seesaw-rfs', 'Seesaw on RFS',
           config='faster-rcnn_lvis-like_seesaw-rfs.py', rfs=True,
           loss_num_classes=True, pairs=('rfs', 'seesaw')),
    Method('seesaw-rfs-cdb-split', 'Seesaw on RFS, CDB split',
           config='faster-rcnn_lvis-like_seesaw-rfs-cdb-split.py',
           split='cdb', rfs=True, loss_num_classes=True,
           pairs=('rfs-cdb-split', 'seesaw-rfs')),
    # the two stage 2s from Seesaw: fc_cls re-initialised (Seesaw's has two
    # more outputs)
    Method('seesaw-cdb-split', 'Seesaw, CDB split',
           config='faster-rcnn_lvis-like_seesaw-cdb-split.py', split='cdb',
           loss_num_classes=True, pairs=('seesaw', )),
    Method('seesaw_ce-cls', 'Seesaw -> CE-cls', needs='seesaw-cdb-split',
           config='faster-rcnn_lvis-like_seesaw_ce-cls.py', split='cdb',
           freeze_cls=True, reinit_cls=True, pairs=('seesaw-cdb-split', )),
    Method('seesaw_cdb-w-ce-cls', 'Seesaw -> CDB-W-CE-cls',
           needs='seesaw-cdb-split',
           config='faster-rcnn_lvis-like_seesaw_cdb-w-ce-cls.py', split='cdb',
           cdb_tau='sigmoid', loss_num_classes=True, freeze_cls=True,
           reinit_cls=True, pairs=('seesaw-cdb-split', 'seesaw_ce-cls')),
    # CDB-S for detection: repeat factors from the class difficulty, in two
    # forms; the development data chose RFS x difficulty (higher mean AP,
    # docs/lvis_like_benchmark.md), which the Seesaw and rotating-fold rows
    # take; the difficulty-alone form stays development-only
    Method('cdb-s', 'CDB-S (difficulty repeat factors)',
           config='faster-rcnn_lvis-like_cdb-s.py', split='cdb',
           cdb_tau='sigmoid', cdb_s=True, pairs=('rfs-cdb-split', ),
           default=False),
    Method('cdb-s-rfs-x-difficulty', 'CDB-S (RFS x difficulty factors)',
           config='faster-rcnn_lvis-like_cdb-s-rfs-x-difficulty.py',
           split='cdb', cdb_tau='sigmoid', cdb_s=True,
           pairs=('rfs-cdb-split', 'seesaw-rfs-cdb-split')),
    Method('cdb-s-seesaw', 'CDB-S (RFS x difficulty) with Seesaw loss',
           config='faster-rcnn_lvis-like_cdb-s-seesaw.py', split='cdb',
           cdb_tau='sigmoid', cdb_s=True, loss_num_classes=True,
           pairs=('seesaw-rfs-cdb-split', 'cdb-s-rfs-x-difficulty')),
    # the rotating held-out fold: the whole training set, no fixed split;
    # on the benchmark data only if it holds up on the development data
    Method('cdb-s-rotating-fold',
           'CDB-S (RFS x difficulty), rotating held-out fold (K = 4)',
           config='faster-rcnn_lvis-like_cdb-s-rotating-fold.py',
           cdb_tau='sigmoid', cdb_s=True, rotating_fold=True,
           pairs=('rfs', 'seesaw-rfs', 'cdb-s-rfs-x-difficulty'),
           default=False),
)
#: The grid's methods by name, every method after the one it starts from.
METHODS: Dict[str, Method] = {m.name: m for m in _METHODS}
PRETRAIN_CONFIG = 'faster-rcnn_lvis-like_pretrain.py'
#: Data and work roots per size (tools/make_lvis_like.py --size).
SIZES = {
    'default': dict(data_root='data/lvis_like',
                    work_root='work_dirs/lvis_like_bench',
                    out_dir='docs/lvis_like'),
    'large': dict(data_root='data/lvis_like_large',
                  work_root='work_dirs/lvis_like_bench_large',
                  out_dir='docs/lvis_like/large'),
}
TRAIN_FILES = {'full': 'lvis_v0.5_train.json',
               'cdb': 'lvis_v0.5_train_cdb.json'}


def with_dependencies(methods: Optional[Sequence[str]]) -> List[str]:
    """``methods`` plus what they start from, in grid order; without
    methods, the default grid (every method but the development-only
    rows)."""
    if not methods:
        methods = [m.name for m in _METHODS if m.default]
    return [m.name for m in resolve_methods(_METHODS, methods)]


# ----------------------------------------------------------------- helpers
def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint mmengine recorded last in ``work_dir`` (or None)."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    if path and not osp.isabs(path):
        path = osp.join(REPO, path)
    return path if path and osp.isfile(path) else None


def strip_class_layers(src: str, dst: str,
                       prefixes: Sequence[str] = CLASS_LAYERS) -> List[str]:
    """Write ``src``'s weights without the class-specific layers to ``dst``.

    Args:
        src (str): An mmengine checkpoint (or a bare state dict).
        dst (str): Output checkpoint, ``{'state_dict': ..., 'meta': ...}``;
            loading it with ``load_from`` leaves the dropped layers as the
            model's initialisation made them.
        prefixes (Sequence[str]): Parameter name prefixes to drop.

    Returns:
        list[str]: The dropped parameter names.
    """
    import torch  # only here: the rest of the runner does not need torch
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{src} holds no state dict')
    kept = {k: v for k, v in state.items()
            if not any(k == p or k.startswith(p + '.') for p in prefixes)}
    dropped = sorted(set(state) - set(kept))
    if not dropped:
        raise ValueError(f'{src} has no parameter under {list(prefixes)}; '
                         f'is it a Faster R-CNN checkpoint?')
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(dict(state_dict=kept,
                    meta=dict(source=rel(src),
                              dropped=dropped)), dst)
    return dropped


def read_test_metrics(test_dir: str) -> dict:
    """Metrics of the newest tools/test.py run in ``test_dir``.

    mmengine's logger hook dumps them, lists included, to
    ``<test_dir>/<timestamp>/<timestamp>.json``.
    """
    files = sorted(f for f in glob.glob(osp.join(test_dir, '*', '*.json'))
                   if osp.basename(f)[:-5] == osp.basename(osp.dirname(f)))
    if not files:
        raise RuntimeError(f'no metrics json under {test_dir}')
    raw = read_json(files[-1])
    out = {}
    for m in METRICS:
        key = f'lvis/bbox_{m}'
        if key not in raw:
            raise RuntimeError(f'{files[-1]} has no {key} (keys: '
                               f'{sorted(raw)})')
        out[m] = float(raw[key])
    per_cat = raw.get('lvis/bbox_per_category_ap')
    if per_cat is None:
        raise RuntimeError(f'{files[-1]} has no lvis/bbox_per_category_ap; '
                           'is the test evaluator LVISPerCategoryMetric?')
    out['per_category_ap'] = [float(v) for v in per_cat]
    out['metrics_file'] = rel(files[-1])
    return out


# ------------------------------------------------------------------- data
class DataInfo:
    """What the runner needs from the generated annotation files."""

    def __init__(self, data_root: str):
        ann = osp.join(data_root, 'annotations')
        train = read_json(osp.join(ann, TRAIN_FILES['full']))
        self.categories = sorted(train['categories'], key=lambda c: c['id'])
        # visual difficulty recorded by the generator: confusable or not
        appearance = train.get('info', {}).get('appearance', [])
        self.confusable = {a['id']: a['cluster'] >= 0 for a in appearance}
        #: tools/make_lvis_like.py's arguments: recorded with every result,
        #: an archived run on other data is not restored
        self.generator = train.get('info', {}).get('generator')
        self.num_classes = len(self.categories)
        self.num_images = {'full': len(train['images'])}
        cdb = osp.join(ann, TRAIN_FILES['cdb'])
        if osp.isfile(cdb):
            self.num_images['cdb'] = len(read_json(cdb)['images'])

    def rfs_threshold(self, split: str) -> float:
        """LVIS' RFS threshold scaled to the size of the training split."""
        return RFS_MIN_IMAGES / self.num_images[split]


def size_override(method: Method, data: DataInfo, data_root: str,
                  base_config: str) -> str:
    """Config text that retargets a default-size config to other data.

    Used for ``--size large``: data root, classes, num_classes (box head and
    loss), the RFS threshold and the CDB hook's held-out loader.
    """
    root = data_root.rstrip('/') + '/'
    lines = [
        '# written by tools/run_lvis_like_benchmark.py: the config below '
        'retargeted to other data',
        f'_base_ = {base_config!r}',
        f'data_root = {root!r}',
        f'num_classes = {data.num_classes}',
        "classes = tuple(f'cat_{i:04d}' for i in range(num_classes))",
        'metainfo = dict(classes=classes)',
        'loss_cls = ' + ('dict(num_classes=num_classes)'
                         if method.loss_num_classes else 'dict()'),
        'model = dict(roi_head=dict(bbox_head=dict(num_classes=num_classes, '
        'loss_cls=loss_cls)))',
        '_data = dict(data_root=data_root, metainfo=metainfo)',
    ]
    if method.rfs:
        lines.append('train_dataloader = dict(dataset=dict(oversample_thr='
                     f'{data.rfs_threshold(method.split)!r}, dataset=_data))')
    elif method.cdb_s:
        lines.append('train_dataloader = dict(dataset=_data, sampler=dict('
                     f'oversample_thr={data.rfs_threshold(method.split)!r}))')
    else:
        lines.append('train_dataloader = dict(dataset=_data)')
    lines += [
        'test_dataloader = dict(dataset=_data)',
        "test_evaluator = dict(ann_file=data_root + "
        "'annotations/lvis_v0.5_val.json')",
        'heldout_dataloader = dict(dataset=_data)',
    ]
    if method.cdb_tau is not None:
        hooks = []
        if method.freeze_cls:
            hooks.append("dict(type='FreezeAllButHook', "
                         "trainable=['roi_head.bbox_head.fc_cls'])")
        # the base's hook holds the base's held-out loader: rebuild it from
        # the base's heldout_dataloader (mmengine exposes ``_base_`` while
        # a config file runs) with this data root
        loader = ('fold_dataloader' if method.rotating_fold else
                  'heldout_dataloader')
        options = list(method.hook_options)
        if method.rotating_fold:
            options.append(('rotating_fold', True))
        hooks.append("dict(type='CDBDifficultyHook', dataloader=dict("
                     f'_base_.{loader}, dataset=dict(_base_.'
                     f'{loader}.dataset, **_data)), '
                     "metric='bbox', interval=1, "
                     f'tau={method.cdb_tau!r}' + ''.join(
                         f', {k}={v!r}' for k, v in options) + ')')
        lines.append('custom_hooks = [' + ', '.join(hooks) + ']')
    return '\n'.join(lines) + '\n'


# ----------------------------------------------------------------- runner
class Benchmark(Grid):
    """The grid: pretrain once, then fine-tune and test every run; collect
    and report.

    Args:
        args (argparse.Namespace): The command line
            (:func:`parse_args`).
    """

    archived_files = ARCHIVED_FILES
    partial_files = ARCHIVED_FILES
    compared_keys = METRICS

    def __init__(self, args):
        self.args = args
        size = SIZES[args.size]
        self.size = args.size
        self.data_root = args.data_root or size['data_root']
        work_root = osp.join(REPO, args.work_root or size['work_root'])
        out_dir = osp.join(REPO, args.out_dir or size['out_dir'])
        self.seeds = list(args.seeds)
        self.train_cmd = shlex.split(args.train_cmd)
        self.test_cmd = shlex.split(args.test_cmd)
        self._data: Optional[DataInfo] = None
        self._timings: Dict[str, dict] = {}
        self.pretrained_ok = True
        check_folders({'--work-root': work_root, '--out-dir': out_dir},
                      {'--data-root': osp.join(REPO, self.data_root)})
        methods = [METHODS[m] for m in with_dependencies(args.methods)]
        super().__init__(make_plan(methods, self.seeds, work_root), METHODS,
                         work_root, out_dir, tag='lvis-like')
        self.retrain_starts = bool(getattr(args, 'retrain_starts', False))
        self.data_args = self.data_args_now()

    # --------------------------------------------------------- locations
    def run_dir(self, method: str, seed: int) -> str:
        return self.cell(method, seed).work_dir

    @property
    def pretrain_dir(self) -> str:
        return osp.join(self.work_root, 'pretrain')

    @property
    def pretrained(self) -> str:
        return osp.join(self.pretrain_dir, 'pretrained_no_cls.pth')

    @property
    def data(self) -> DataInfo:
        if self._data is None:
            self._data = DataInfo(osp.join(REPO, self.data_root))
        return self._data

    @property
    def has_data(self) -> bool:
        """Whether the data's training json exists."""
        return osp.isfile(osp.join(REPO, self.data_root, 'annotations',
                                   TRAIN_FILES['full']))

    def data_args_now(self) -> Optional[dict]:
        """The data's generator arguments (None without data)."""
        return self.data.generator if self.has_data else None

    def needs_pretraining(self, restorable=()) -> bool:
        """Whether a run to train starts from the pretrained detector.

        Args:
            restorable: ``(method, seed)`` pairs the archive will provide.
        """
        return any(self.methods[c.method].needs is None and not c.done
                   and (c.method, c.seed) not in restorable
                   for c in self.cells)

    def config(self, method: Optional[str]) -> str:
        """Config path of ``method`` (None: pretraining) for this size."""
        name = METHODS[method].config if method else PRETRAIN_CONFIG
        path = osp.join(REPO, CONFIG_DIR, name)
        if self.size == 'default' and self.args.data_root is None:
            return path
        spec = METHODS[method] if method else Method('pretrain', 'pretrain',
                                                     config=name)
        text = size_override(spec, self.data, self.data_root, path)
        out = osp.join(self.work_root, '_configs', name)
        os.makedirs(osp.dirname(out), exist_ok=True)
        with open(out, 'w') as f:
            f.write(text)
        return out

    # ------------------------------------------------------------ steps
    def plan(self) -> List[str]:
        """Human-readable steps, in the order they would run."""
        steps = []
        val = osp.join(REPO, self.data_root, 'annotations',
                       'lvis_v0.5_val.json')
        if not osp.isfile(val):
            steps.append(f'generate the data: tools/make_lvis_like.py --size '
                         f'{self.size} --out {self.data_root}')
        restorable = {(c.method, c.seed) for c in self.archived()
                      if self.restorable(c)}
        if not osp.isfile(self.pretrained) and \
                self.needs_pretraining(restorable):
            steps.append(f'pretrain: {PRETRAIN_CONFIG} -> '
                         f'{rel(self.pretrained)}')
        for c in self.cells:
            action = 'run'
            if c.done:
                action = 'skip (done)'
            elif (c.method, c.seed) in restorable:
                action = 'restore (archived)'
            need = METHODS[c.method].needs
            start = 'pretrained detector' if need is None else \
                f'{need} seed {c.seed}'
            steps.append(f'{action} {c.method} seed {c.seed}: '
                         f'{METHODS[c.method].config}, from {start}')
        return steps

    # ---------------------------------------------------------- archive
    def restore(self, cells=None) -> List[str]:
        """Restore every archived run missing from the work root (not only
        the requested methods': the report covers the whole work root)."""
        return super().restore(self.archived() if cells is None else cells)

    def relocate(self, cell: Cell) -> None:
        path = osp.join(cell.work_dir, RESULT_FILE)
        result = read_json(path)
        history = osp.join(cell.work_dir, 'cdb_history.json')
        if result.get('cdb_history') is not None:
            result['cdb_history'] = rel(history) if osp.isfile(history) \
                else None
            write_json(path, result)

    def archive(self, runs) -> int:
        """Archive every finished run (:data:`ARCHIVED_FILES`, no
        checkpoint); returns how many.

        Args:
            runs: ``{method: {seed: result}}``.
        """
        results = {}
        for method, by_seed in runs.items():
            for seed, result in by_seed.items():
                if 'data_args' not in result and self.has_data:
                    # a result from before the runner recorded its data was
                    # trained in this work root, on the data it reports
                    result = dict(result, data_args=self.data_args)
                results[(method, seed)] = result
        return super().archive(results)

    def _env(self) -> dict:
        env = dict(os.environ)
        # one OpenMP thread per process: on 2 cores, more threads next to a
        # data-loading worker made training slower, not faster
        env.setdefault('OMP_NUM_THREADS', '1')
        return env

    def ensure_data(self) -> bool:
        val = osp.join(REPO, self.data_root, 'annotations',
                       'lvis_v0.5_val.json')
        if osp.isfile(val):
            return True
        cmd = [sys.executable, 'tools/make_lvis_like.py', '--size',
               self.size, '--out', self.data_root]
        log = osp.join(self.work_root, 'make_data.log')
        self.log(f'generating {self.data_root}')
        rc, _, _ = call(cmd, log, self._env(), append=True)
        if rc != 0:
            self.fail(None, 'generate', cmd, rc, log, name='data')
        return rc == 0

    def train(self, name: str, config: str, work_dir: str, seed: int,
              load_from: Optional[str], extra: Sequence[str] = ()) -> bool:
        """tools/train.py, resuming from ``work_dir``'s last checkpoint."""
        options = [f'randomness.seed={seed}', *extra]
        resume = last_checkpoint(work_dir) is not None
        if not resume:
            options.append(f'load_from={load_from}' if load_from else
                           'load_from=None')
        cmd = self.train_cmd + [config, '--work-dir', work_dir,
                                *(['--resume'] if resume else []),
                                '--cfg-options', *options]
        log = osp.join(work_dir, 'train.log')
        self.log(f'train {name}' + (' (resuming)' if resume else ''))
        rc, seconds, cpu = call(cmd, log, self._env(), append=True)
        # a resumed training's time is only the part after the checkpoint
        self._timings[name] = dict(train_seconds=round(seconds, 1),
                                   train_cpu_seconds=None if cpu is None
                                   else round(cpu, 1),
                                   **({'train_resumed': True} if resume
                                      else {}))
        if rc != 0 or last_checkpoint(work_dir) is None:
            self.fail(None, 'train', cmd, rc, log, name=name,
                      work_dir=work_dir)
            return False
        return True

    def pretrain(self) -> bool:
        if osp.isfile(self.pretrained):
            return True
        work_dir = self.pretrain_dir
        if not self.train('pretrain', self.config(None), work_dir, 0, None):
            return False
        try:
            dropped = strip_class_layers(last_checkpoint(work_dir),
                                         self.pretrained)
        except (ValueError, RuntimeError, OSError) as e:
            log = osp.join(work_dir, 'train.log')
            with open(log, 'a') as f:
                f.write(f'\nstripping the class layers failed: {e}\n')
            self.fail(None, 'strip', ['strip_class_layers'], 1, log,
                      name='pretrain', work_dir=work_dir)
            return False
        self.log(f'pretrained detector without {len(dropped)} '
                 f'class-specific tensors: {self.pretrained}')
        return True

    # ---------------------------------------------------------- grid
    def start_checkpoint(self, cell: Cell) -> Optional[str]:
        result = cell.result()
        return absolute(result['checkpoint']) if result else None

    def blocked(self, cell: Cell, need: Cell) -> str:
        return self.fail(cell, 'dependency', [need.method], None,
                         osp.join(need.work_dir, 'train.log'))

    def execute(self, cell: Cell, start: Optional[str]) -> str:
        spec = METHODS[cell.method]
        name, work_dir = cell.key, cell.work_dir
        if start is None:  # from the pretrained detector
            if self.pretrained_ok and not osp.isfile(self.pretrained):
                # a run trained again (retrain_starts) after the grid
                # decided that no run needed pretraining
                with run_lock(self.pretrain_dir, wait=True):
                    self.pretrained_ok = self.pretrain()
            if not self.pretrained_ok:
                return self.fail(cell, 'dependency', ['pretrain'], None,
                                 osp.join(self.pretrain_dir, 'train.log'))
            start = self.pretrained
        extra = []
        if spec.rfs:
            extra.append('train_dataloader.dataset.oversample_thr='
                         f'{self.data.rfs_threshold(spec.split)!r}')
        if spec.cdb_s:
            extra.append('train_dataloader.sampler.oversample_thr='
                         f'{self.data.rfs_threshold(spec.split)!r}')
        config = self.config(cell.method)
        load_from = start
        if spec.reinit_cls and not last_checkpoint(work_dir):
            load_from = osp.join(work_dir, 'start_without_fc_cls.pth')
            strip_class_layers(start, load_from,
                               ('roi_head.bbox_head.fc_cls', ))
        if not self.train(name, config, work_dir, cell.seed, load_from,
                          extra):
            return 'failed'
        ckpt = last_checkpoint(work_dir)
        test_dir = osp.join(work_dir, 'test')
        cmd = self.test_cmd + [config, ckpt, '--work-dir', test_dir]
        log = osp.join(work_dir, 'test.log')
        self.log(f'test {name}')
        rc, seconds, _ = call(cmd, log, self._env(), append=True)
        try:
            if rc != 0:
                raise RuntimeError(f'tools/test.py exited with {rc}')
            metrics = read_test_metrics(test_dir)
        except RuntimeError as e:
            with open(log, 'a') as f:
                f.write(f'\n{e}\n')
            return self.fail(cell, 'test', cmd, rc, log)
        result = dict(method=cell.method, seed=cell.seed, size=self.size,
                      data_args=self.data.generator,
                      config=rel(config),
                      checkpoint=rel(ckpt),
                      start_from=rel(start),
                      test_seconds=round(seconds, 1),
                      **self._timings.get(name, {}), **metrics)
        history = osp.join(work_dir, 'cdb_history.json')
        if osp.isfile(history):
            result['cdb_history'] = rel(history)
        finish(cell, result)
        self.log(f'{name}: ' + ' '.join(
            f'{m} {100 * result[m]:.1f}' for m in METRICS))
        return 'finished'

    def run(self) -> int:
        os.makedirs(self.work_root, exist_ok=True)
        if not self.ensure_data():
            self.report()
            return 1
        self.data_args = self.data_args_now()
        self.restore()
        if self.needs_pretraining():
            # a second invocation waits for the first one's pretraining
            with run_lock(self.pretrain_dir, wait=True):
                self.pretrained_ok = self.pretrain()
        self.run_all()
        self.report()
        return 1 if self.failures else 0

    # ----------------------------------------------------------- report
    def collect(self) -> Dict[str, Dict[int, dict]]:
        """Every finished run under the work root: ``{method: {seed: r}}``."""
        runs: Dict[str, Dict[int, dict]] = {}
        for method in METHODS:
            for path in sorted(glob.glob(osp.join(self.work_root, method,
                                                  'seed*', RESULT_FILE))):
                r = read_json(path)
                runs.setdefault(method, {})[int(r['seed'])] = r
        return runs

    def report(self) -> dict:
        """Write results.json, results.md and the plots; return the dict."""
        runs = self.collect()
        summary = summarise(runs)
        data = self.data if self.has_data else None
        results = dict(
            size=self.size, data_root=self.data_root,
            work_root=rel(self.work_root),
            machine=machine_description(),
            categories=None if data is None else [
                dict(id=c['id'], name=c['name'], frequency=c['frequency'],
                     train_images=c['image_count'],
                     confusable=data.confusable.get(c['id']))
                for c in data.categories],
            methods={m: dict(label=METHODS[m].label, **summary[m],
                             runs={str(s): r
                                   for s, r in sorted(runs[m].items())})
                     for m in summary},
            failures=self.stored_failures(self.failures))
        results['cdb_effect'] = {
            m: e for m in CDB_EFFECT_METHODS
            for e in [cdb_effect(runs, results['categories'] or [], m)]
            if e is not None}
        results['heldout_signal'] = heldout_signal(runs)
        os.makedirs(self.out_dir, exist_ok=True)
        write_json(osp.join(self.out_dir, 'results.json'), results)
        with open(osp.join(self.out_dir, 'results.md'), 'w') as f:
            f.write(markdown_report(results))
        archived = self.archive(runs)
        train_ann = osp.join(REPO, self.data_root, 'annotations',
                             TRAIN_FILES['full'])
        plots = draw_plots(results, runs, self.out_dir,
                           train_ann if data is not None else None)
        self.log(f'report: {rel(self.out_dir)}/results.{{json,md}}' +
                 (f' and {len(plots)} plots' if plots else '') +
                 f', {archived} runs archived in {run_archive.ARCHIVE_DIR}/')
        return results


# --------------------------------------------------------------- statistics
def run_cost(run: dict) -> Tuple[Optional[float], Optional[float]]:
    """A run's training wall time and, of it, the difficulty hook's
    measurements, in minutes (None where not recorded: the hook records
    ``measure_seconds`` per measurement since it times them, and a resumed
    training's time covers only the part after its checkpoint)."""
    train = uninterrupted_time(run, 'train_seconds')
    hook = None
    path = run.get('cdb_history')
    if path and osp.isfile(absolute(path)):
        records = read_json(absolute(path))['history']
        if records and all('measure_seconds' in r for r in records):
            hook = sum(r['measure_seconds'] for r in records) / 60
    return (None if train is None else train / 60), hook


def run_cpu_minutes(run: dict) -> Optional[float]:
    """A run's training CPU time in minutes: what it computed, which other
    runs beside it on the machine change far less than its wall time (None
    where not recorded or where the training resumed)."""
    cpu = uninterrupted_time(run, 'train_cpu_seconds')
    return None if cpu is None else cpu / 60


def reference_key(method: str) -> str:
    """Key of the paired differences against ``method`` in a summary."""
    return 'vs_' + method.replace('-', '_')


def summarise(runs: Dict[str, Dict[int, dict]]) -> Dict[str, dict]:
    """Per method: mean/std of each metric and paired differences.

    Differences are taken seed by seed against CE (``vs_ce``), for a
    method trained on the CDB split against CE on that split
    (``vs_ce_cdb_split``), and against the method's further ``pairs``
    (``vs_<name>``, ``-`` as ``_``), over the seeds both have.
    """
    out = {}
    for method, by_seed in runs.items():
        entry = dict(seeds=sorted(by_seed),
                     summary={m: mean_std([r[m] for r in by_seed.values()])
                              for m in METRICS})
        costs = [run_cost(r) for r in by_seed.values()]
        entry['cost'] = dict(
            train_minutes=mean_std([c[0] for c in costs]),
            hook_minutes=mean_std([c[1] for c in costs]),
            cpu_minutes=mean_std([run_cpu_minutes(r)
                                  for r in by_seed.values()]))
        refs = [(reference_key(r), r) for r in METHODS[method].references()]
        for key, ref in refs:
            if ref == method or ref not in runs:
                continue
            common = sorted(set(by_seed) & set(runs[ref]))
            if not common:
                continue
            entry[key] = {m: paired_difference(by_seed, runs[ref], m)
                          for m in METRICS}
        out[method] = entry
    return out


def _fmt(stat: Optional[dict], signed: bool = False) -> str:
    """A fraction's ``mean ± std`` in percent."""
    return fmt(stat, signed=signed, scale=100, missing='n/a')


def _cost(cost: Optional[dict]) -> str:
    """``train (hook)`` minutes of a summary's cost, ``-`` where not
    recorded."""
    if not cost or cost['train_minutes']['mean'] is None:
        return '-'
    text = f'{cost["train_minutes"]["mean"]:.0f}'
    hook = cost['hook_minutes']['mean']
    return text + (f' ({hook:.1f})' if hook is not None else '')


def _cpu(cost: Optional[dict]) -> str:
    """Mean training CPU minutes of a summary's cost, ``-`` where not
    recorded."""
    stat = (cost or {}).get('cpu_minutes')
    if not stat or stat['mean'] is None:
        return '-'
    return f'{stat["mean"]:.0f}'


def _span(values: Sequence[int]) -> str:
    """``lo-hi`` of some counts, or the count when they agree."""
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f'{lo}-{hi}'


def markdown_report(results: dict) -> str:
    """The tables of results.md."""
    seeds = sorted({s for e in results['methods'].values()
                    for s in e['seeds']}) or [0, 1, 2]
    lines = [
        f'# LVIS-like benchmark ({results["size"]} size)', '',
        f'Data: `{results["data_root"]}` (tools/make_lvis_like.py); runs in '
        f'`{results["work_root"]}`; machine: {results["machine"]}.',
        'Bounding-box AP on the validation set (LVIS protocol), in percent: '
        'mean ± sample standard deviation over the training seeds listed.', '',
        'Reproduce: `python tools/run_lvis_like_benchmark.py --size '
        f'{results["size"]} --seeds {" ".join(map(str, seeds))}` (it skips '
        'finished runs; `--report-only` redraws from them).', '',
        'Cost: training wall time per run (the stage itself for a stage 2) '
        'and, of it, the difficulty hook\'s held-out measurements, in '
        'minutes, mean over the seeds that trained without interruption '
        '(`-`: not recorded). Wall times on the machine above with other '
        'runs beside them (one to four): good to about a factor 1.5, '
        'comparable between rows only roughly. CPU: the training\'s CPU '
        'time in minutes (`train_cpu_seconds` in results.json), which the '
        'runs beside it change far less; recorded for the runs trained '
        'since it was added.', '',
        '| method | seeds | AP | APr | APc | APf | training (hook), min '
        '| CPU, min |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for m, entry in results['methods'].items():
        lines.append(f'| {entry["label"]} | '
                     f'{",".join(map(str, entry["seeds"]))} | ' + ' | '.join(
                         _fmt(entry['summary'][k]) for k in METRICS) +
                     f' | {_cost(entry.get("cost"))} '
                     f'| {_cpu(entry.get("cost"))} |')
    diffs = [(m, e) for m, e in results['methods'].items()
             if any(reference_key(r) in e
                    for r in METHODS[m].references())]
    if diffs:
        lines += ['', 'Paired differences (same training seed), in AP '
                  'points: mean ± std of the per-seed differences.', '',
                  '| method | against | seeds | ΔAP | ΔAPr | ΔAPc | ΔAPf |',
                  '|---|---|---|---|---|---|---|']
        for m, e in diffs:
            for r in METHODS[m].references():
                key, ref = reference_key(r), METHODS[r].label
                if key in e:
                    seeds = e[key]['AP']['seeds']
                    lines.append(
                        f'| {e["label"]} | {ref} | '
                        f'{",".join(map(str, seeds))} | ' + ' | '.join(
                            _fmt(e[key][k], signed=True) for k in METRICS) +
                        ' |')
    effects = results.get('cdb_effect') or {}
    if effects:
        lines += ['', 'Where CDB acts (`cdb_effect.png`): per frequency '
                  'group, the CDB weight averaged over the epochs and '
                  'categories (mean 1 over all categories), the share of '
                  'categories whose weight averaged below 0.5, and the '
                  'validation AP change against CE on the CDB split '
                  '(per-category, paired seeds), in AP points.', '',
                  '| method | seeds | group | mean weight | weight < 0.5 | '
                  'ΔAP per category |', '|---|---|---|---|---|---|']
        for m, e in effects.items():
            for g, v in e['groups'].items():
                delta = ('-' if v['delta_ap'] is None else
                         f'{100 * v["delta_ap"]:+.1f}')
                lines.append(
                    f'| {METHODS[m].label} | '
                    f'{",".join(map(str, e["seeds"]))} | {GROUP_NAMES[g]} | '
                    f'{v["mean_weight"]:.2f} | '
                    f'{100 * v["below_half"]:.0f}% | {delta} |')
    signal = results.get('heldout_signal') or {}
    if signal:
        lines += ['', 'Held-out signal: Spearman rank correlation between '
                  "each category's most recent AP the difficulty hook "
                  'measured (the held-out split, or for the rotating fold '
                  'the last fold that held it) and the same run\'s '
                  'validation AP, over the categories with both; mean ± std '
                  'over seeds.', '',
                  '| method | seeds | rank correlation | categories |',
                  '|---|---|---|---|']
        for m, e in signal.items():
            rho = e['summary']
            value = ('n/a' if rho['mean'] is None else
                     f'{rho["mean"]:.2f}' + (
                         '' if rho['std'] is None else f' ± {rho["std"]:.2f}'))
            lines.append(f'| {METHODS[m].label} | '
                         f'{",".join(map(str, e["seeds"]))} | {value} | '
                         f'{_span(e["categories"])} |')
    if results['failures']:
        lines += ['', '## Failed runs', '']
        for f in results['failures']:
            lines.append(f'- {f["run"]}: {f["stage"]} failed (exit code '
                         f'{f["returncode"]}), log `{f["log"]}`' +
                         (f'. {f["message"]}' if f.get('message') else ''))
    return '\n'.join(lines) + '\n'


def _ap_array(values: Sequence[float]) -> np.ndarray:
    """Per-category AP as an array, NaN where it is -1 (no validation
    ground truth)."""
    a = np.asarray(values, dtype=np.float64)
    return np.where(a < 0, np.nan, a)


def _seed_mean(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Per-category mean over seeds, NaN left out; NaN where every seed is
    NaN."""
    rows = np.asarray(rows, dtype=np.float64)
    out = np.full(rows.shape[1], np.nan)
    seen = ~np.isnan(rows).all(axis=0)
    out[seen] = np.nanmean(rows[:, seen], axis=0)
    return out


def category_delta(runs: Dict[str, Dict[int, dict]], method: str,
                   base: str, seeds: Sequence) -> np.ndarray:
    """Per category: ``method``'s validation AP minus ``base``'s, seed by
    seed, averaged over ``seeds`` (fractions). A seed where either run has
    no AP for the category (-1) is left out of that category; NaN where
    every seed is."""
    return _seed_mean([_ap_array(runs[method][s]['per_category_ap']) -
                       _ap_array(runs[base][s]['per_category_ap'])
                       for s in seeds])


def cdb_effect(runs: Dict[str, Dict[int, dict]], cats: List[dict],
               method: str = 'cdb-w-ce',
               base: str = 'ce-cdb-split') -> Optional[dict]:
    """Where a CDB method's AP changes come from, per category.

    Over the training seeds both ``method`` and ``base`` (CE on the same
    training split) finished, per category: the CDB class weight averaged
    over the epochs of the run (``w_c`` of CDB eq. 4, normalised to mean 1
    over the categories, the weight the loss used), the paired validation
    AP difference ``method - base``, the AP the hook measured on the
    held-out split after the last epoch and ``method``'s own validation AP.
    Seed means; NaN where a category has no validation ground truth or was
    not measured on the held-out split.

    Args:
        runs (dict): ``{method: {seed: result}}``.
        cats (list[dict]): ``results['categories']`` (label order).
        method (str): The CDB method.
        base (str): Its like-for-like CE run.

    Returns:
        dict or None: ``seeds``, per-category lists ``mean_weight``,
        ``delta_ap``, ``heldout_ap``, ``val_ap``, and ``groups``: per
        frequency group the mean of ``mean_weight`` and of ``delta_ap``, and
        the share of categories whose mean weight is below 0.5 (a category
        the loss all but ignores). None without a paired seed with a
        history.
    """
    seeds = sorted(s for s, r in runs.get(method, {}).items()
                   if s in runs.get(base, {}) and r.get('cdb_history')
                   and osp.isfile(absolute(r['cdb_history'])))
    if not seeds or not cats:
        return None
    weights, heldout, val = [], [], []
    for s in seeds:
        run = runs[method][s]
        history = read_json(absolute(run['cdb_history']))['history']
        weights.append(np.mean([r['weights'] for r in history], axis=0))
        heldout.append(np.asarray(
            [np.nan if x is None else x
             for x in history[-1]['performance']], dtype=np.float64))
        val.append(_ap_array(run['per_category_ap']))
    mean_weight = np.mean(weights, axis=0)
    delta = category_delta(runs, method, base, seeds)
    held, own = _seed_mean(heldout), _seed_mean(val)
    freq = np.asarray([c['frequency'] for c in cats])
    groups = {}
    for g in 'rcf':
        in_g = freq == g
        if not in_g.any():
            continue
        groups[g] = dict(
            mean_weight=float(mean_weight[in_g].mean()),
            delta_ap=float(np.nanmean(delta[in_g]))
            if not np.isnan(delta[in_g]).all() else None,
            below_half=float((mean_weight[in_g] < 0.5).mean()))

    def listed(a):
        return [None if np.isnan(x) else float(x) for x in a]

    return dict(method=method, base=base, seeds=seeds,
                mean_weight=[float(x) for x in mean_weight],
                delta_ap=listed(delta), heldout_ap=listed(held),
                val_ap=listed(own), groups=groups)


def latest_measured(history: List[dict]) -> List[Optional[float]]:
    """Each category's most recent measured held-out AP over a run's
    history (None if never measured). With a fixed held-out split this is
    the last measurement; with the rotating fold each category's value
    comes from the last fold that held it."""
    latest = [None] * len(history[0]['performance'])
    for record in history:
        for c, p in enumerate(record['performance']):
            if p is not None:
                latest[c] = p
    return latest


def heldout_signal(runs: Dict[str, Dict[int, dict]]) -> Dict[str, dict]:
    """How well the difficulty hook's measurement ranks the categories
    as the validation set does, per CDB method.

    Per run: Spearman's rank correlation between each category's most
    recent held-out AP (:func:`latest_measured`) and the run's own
    validation AP, over the categories with both. The question of the
    rotating held-out fold (issue 25): does a measurement on images the
    model trained on in earlier epochs carry the signal a fixed, unseen
    split carries?

    Returns:
        dict: ``{method: {seeds, rho: [per seed], summary: mean_std,
        categories: [per seed]}}`` for every method with histories.
    """
    out = {}
    for method, by_seed in runs.items():
        if METHODS[method].cdb_tau is None:
            continue
        seeds, rhos, counts = [], [], []
        for seed, run in sorted(by_seed.items()):
            path = run.get('cdb_history')
            if not path or not osp.isfile(absolute(path)):
                continue
            history = read_json(absolute(path))['history']
            if not history:
                continue
            held = np.array([np.nan if x is None else x
                             for x in latest_measured(history)])
            val = np.asarray(run['per_category_ap'], dtype=np.float64)
            both = ~np.isnan(held) & (val >= 0)
            seeds.append(seed)
            rhos.append(spearman(held[both], val[both]))
            counts.append(int(both.sum()))
        if seeds:
            out[method] = dict(seeds=seeds, rho=rhos, categories=counts,
                               summary=mean_std(rhos))
    return out


def repeat_factor_trajectory(history_file: str, train_ann: str) -> dict:
    """The repeat factors a CDB-S run drew its epochs with, next to RFS's.

    Recomputed from the run's ``cdb_history.json`` (the weights after each
    measurement, the categories never measured, the sampler's form and
    threshold the hook records) and the training json, with the sampler's
    own functions (:mod:`lt_plugins.det.difficulty_sampler`): entry 0 is
    the first epoch (weight 1), entry k the epochs after measurement k.

    Args:
        history_file (str): The run's ``cdb_history.json``.
        train_ann (str): The json the run trained on (images without
            annotations are left out, as the training set filters them).

    Returns:
        dict: ``form``, ``epochs`` (the epoch each entry's factors start
        at, 1-based), per frequency group ``group_mean`` (the mean category
        factor, a list per entry) and ``rfs_group_mean`` (RFS's with the
        same threshold), ``epoch_images`` (the expected images per epoch,
        ``sum_i r_i``, over the data set's size) and ``rfs_epoch_images``
        (``sum_i ceil(r_i^RFS)`` over the size: mmdet's
        ``ClassBalancedDataset``).
    """
    from lt_plugins.det.difficulty_sampler import (category_repeat_factors,
                                                   image_repeat_factors,
                                                   rfs_category_factors)
    hist = read_json(history_file)
    records = hist['history']
    info = next((r['sampler'] for r in records if r.get('sampler')), None)
    if info is None:
        raise ValueError(f'{history_file} records no difficulty sampler')
    data = read_json(train_ann)
    label = {c['id']: k for k, c in enumerate(data['categories'])}
    freq = np.array([c['frequency'] for c in data['categories']])
    per_image: Dict[int, set] = {}
    for a in data['annotations']:
        per_image.setdefault(a['image_id'], set()).add(label[a['category_id']])
    image_cats = [np.array(sorted(per_image[i['id']]), dtype=np.int64)
                  for i in data['images'] if i['id'] in per_image]
    num = len(label)
    rfs = rfs_category_factors(image_cats, num, info['oversample_thr'])
    names = hist['classes']
    steps = [(1, np.ones(num), None)] + [
        (r['epoch'] + 1, np.asarray(r['weights'], dtype=np.float64),
         ~np.isin(names, r['never_measured'])) for r in records]
    out = dict(form=info['form'], epochs=[e for e, _, _ in steps],
               group_mean={g: [] for g in 'rcf' if (freq == g).any()},
               epoch_images=[])
    for _, weights, measured in steps:
        cat = category_repeat_factors(weights, rfs, info['form'], measured)
        for g in out['group_mean']:
            out['group_mean'][g].append(float(cat[freq == g].mean()))
        out['epoch_images'].append(float(
            image_repeat_factors(image_cats, cat).sum() / len(image_cats)))
    out['rfs_group_mean'] = {g: float(rfs[freq == g].mean())
                             for g in out['group_mean']}
    out['rfs_epoch_images'] = float(
        np.ceil(image_repeat_factors(image_cats, rfs)).sum() /
        len(image_cats))
    return out


def _plot_repeat_factors(plt, runs, data_root: str, out_dir: str
                         ) -> Optional[str]:
    """repeat_factors.png: per CDB-S method (first seed with a history),
    the mean category repeat factor of each frequency group over the epochs
    and the expected epoch length, next to RFS's (dashed)."""
    curves = []
    for m, spec in METHODS.items():
        if not spec.cdb_s:
            continue
        for seed, run in sorted(runs.get(m, {}).items()):
            path = run.get('cdb_history')
            if not path or not osp.isfile(absolute(path)):
                continue
            ann = osp.join(REPO, data_root, 'annotations',
                           TRAIN_FILES[spec.split])
            try:
                curves.append((spec.label, seed, repeat_factor_trajectory(
                    absolute(path), ann)))
            except (OSError, ValueError):
                continue  # no sampler record, or no data: no curve
            break
    if not curves:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, (label, seed, c) in enumerate(curves):
        for g, values in c['group_mean'].items():
            axes[0].step(c['epochs'], values, where='post',
                         color=GROUP_COLOURS[g],
                         linestyle=['-', '-.', ':'][i % 3],
                         label=f'{label}, seed {seed}: {GROUP_NAMES[g]}')
        axes[1].step(c['epochs'], c['epoch_images'], where='post',
                     color=f'C{i}', label=f'{label}, seed {seed}')
    first = curves[0][2]
    for g, v in first['rfs_group_mean'].items():
        axes[0].axhline(v, color=GROUP_COLOURS[g], linestyle='--', lw=1,
                        label=f'RFS: {GROUP_NAMES[g]}')
    axes[1].axhline(first['rfs_epoch_images'], color='k', linestyle='--',
                    lw=1, label='RFS (ClassBalancedDataset)')
    axes[0].set_ylabel('mean category repeat factor')
    axes[1].set_ylabel('images per epoch / training images')
    for ax in axes:
        ax.set_xlabel('epoch')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    fig.suptitle('CDB-S repeat factors over the epochs (from the measured '
                 'weights) next to RFS\'s', fontsize=9)
    fig.tight_layout()
    path = osp.join(out_dir, 'repeat_factors.png')
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# ------------------------------------------------------------------ plots
GROUP_COLOURS = {'r': 'tab:red', 'c': 'tab:orange', 'f': 'tab:blue'}
GROUP_NAMES = {'r': 'rare', 'c': 'common', 'f': 'frequent'}
#: CDB methods compared per category with CE on the same split.
CDB_EFFECT_METHODS = ('cdb-w-ce', 'cdb-w-ce-official', 'cdb-w-ce-cls')


def draw_plots(results: dict, runs: Dict[str, Dict[int, dict]],
               out_dir: str, train_ann: Optional[str] = None) -> List[str]:
    """PNG plots of the finished runs; returns the written paths.

    Args:
        results (dict): What :meth:`Benchmark.report` writes.
        runs (dict): ``{method: {seed: result}}``.
        out_dir (str): Destination folder.
        train_ann (str, optional): The full training json (groups and image
            counts of the single-run CDB plots).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    written = []
    if results['methods']:
        written.append(_plot_metrics(plt, results, out_dir))
        written.append(_plot_apr_apf(plt, results, out_dir))
    cats = results['categories']
    if cats and any(m in runs for p in PER_CATEGORY_PAIRS for m in p):
        written.append(_plot_per_category(plt, results, runs, out_dir))
    path = _plot_stage2_effect(plt, results, runs, out_dir)
    written += [path] if path else []
    histories = {m: [r['cdb_history'] for r in runs.get(m, {}).values()
                     if r.get('cdb_history') and
                     osp.isfile(absolute(r['cdb_history']))]
                 for m, spec in METHODS.items() if spec.cdb_tau}
    if results.get('cdb_effect'):
        written.append(_plot_cdb_effect(plt, results, out_dir))
    if cats and any(histories.values()):
        written.append(_plot_trajectories(plt, cats, histories, out_dir))
        written += _plot_single_runs(runs, histories, out_dir, train_ann)
    if train_ann is not None:
        data_root = osp.dirname(osp.dirname(train_ann))
        path = _plot_repeat_factors(plt, runs, data_root, out_dir)
        written += [path] if path else []
    return written


def _log_axis(axis) -> None:
    """A log axis labelled with plain numbers and no crowded minor labels;
    linear when the plotted values span less than a factor of 3 (a log axis
    would carry a single label there). Call it after plotting."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    low, high = axis.get_view_interval()
    if not 0 < low < high / 3:
        return
    if axis.axis_name == 'x':
        axis.axes.set_xscale('log')
    else:
        axis.axes.set_yscale('log')
    axis.set_major_locator(LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
    axis.set_major_formatter(FuncFormatter(lambda x, _: f'{x:g}'))
    axis.set_minor_formatter(NullFormatter())


def _plot_cdb_effect(plt, results: dict, out_dir: str) -> str:
    """Per category, for each CDB method: the validation AP change against
    CE on the same split over the CDB weight the loss gave the category,
    and the AP the hook measured on the held-out split against the
    validation AP (how well the difficulty signal tracks the reported
    one)."""
    effects = results['cdb_effect']
    freq = [c['frequency'] for c in results['categories']]
    fig, axes = plt.subplots(len(effects), 2, figsize=(10, 3.4 * len(effects)),
                             squeeze=False)
    for row, (method, e) in zip(axes, effects.items()):
        label = f'{METHODS[method].label}, seeds {e["seeds"]}'
        for g in 'rcf':
            pts = [(w, 100 * d) for w, d, f in
                   zip(e['mean_weight'], e['delta_ap'], freq)
                   if f == g and d is not None]
            row[0].scatter(*zip(*pts) if pts else ([], []), s=12,
                           c=GROUP_COLOURS[g], label=GROUP_NAMES[g],
                           alpha=0.75)
            pts = [(100 * v, 100 * h) for v, h, f in
                   zip(e['val_ap'], e['heldout_ap'], freq)
                   if f == g and v is not None and h is not None]
            row[1].scatter(*zip(*pts) if pts else ([], []), s=12,
                           c=GROUP_COLOURS[g], label=GROUP_NAMES[g],
                           alpha=0.75)
        row[0].axhline(0, color='grey', lw=0.8)
        row[0].axvline(1, color='grey', lw=0.8, ls='--')
        _log_axis(row[0].xaxis)
        row[0].set_xlabel('CDB weight, mean over epochs (mean 1)')
        row[0].set_ylabel('ΔAP vs CE on the CDB split (points)')
        row[0].set_title(label, fontsize=9)
        row[1].plot([0, 100], [0, 100], color='grey', lw=0.8, ls='--')
        row[1].set_xlabel('validation AP of the run (%)')
        row[1].set_ylabel('held-out AP after the last epoch (%)')
        row[1].set_title('difficulty signal: held-out against validation AP',
                         fontsize=9)
        for ax in row:
            ax.legend(fontsize=7)
    fig.tight_layout()
    path = osp.join(out_dir, 'cdb_effect.png')
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _plot_single_runs(runs, histories: Dict[str, List[str]], out_dir: str,
                      train_ann: Optional[str]) -> List[str]:
    """tools/plot_cdb_history.py's plots of each CDB method's first seed.

    Groups and image counts come from the full training set, whose groups
    are the ones APr/APc/APf use.
    """
    from lt_plugins.engine.history_plots import plot_cdb_history
    written = []
    for method, paths in histories.items():
        if not paths:
            continue
        seed = min(s for s, r in runs[method].items()
                   if r.get('cdb_history'))
        out = plot_cdb_history(absolute(runs[method][seed]['cdb_history']),
                               out_dir=out_dir, lvis_ann=train_ann,
                               prefix=f'{method}_seed{seed}')
        written += [v['path'] for v in out.values()]
    return written


def _plot_metrics(plt, results: dict, out_dir: str) -> str:
    methods = list(results['methods'])
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(methods) + 2), 3.6))
    width = 0.8 / len(METRICS)
    for j, metric in enumerate(METRICS):
        means, errs = [], []
        for m in methods:
            s = results['methods'][m]['summary'][metric]
            means.append(100 * (s['mean'] or 0))
            errs.append(100 * (s['std'] or 0))
        ax.bar([i + (j - 1.5) * width for i in range(len(methods))], means,
               width, yerr=errs, capsize=2, label=metric)
    ax.set_xticks(range(len(methods)))
    ax.set_xticklabels([results['methods'][m]['label'] for m in methods],
                       rotation=25, ha='right', fontsize=8)
    ax.set_ylabel('AP (%)')
    ax.set_title('LVIS-like validation AP: mean ± std over seeds',
                 fontsize=10)
    ax.legend(fontsize=8, ncol=4)
    fig.tight_layout()
    path = osp.join(out_dir, 'metrics_by_method.png')
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _plot_apr_apf(plt, results: dict, out_dir: str) -> str:
    """APr against APf per method, mean ± std over seeds: the trade-off
    between rare and frequent categories a method makes. Each point carries
    its row's number and the legend beside the axes names the rows, so the
    crowded middle of the plot stays readable."""
    fig, ax = plt.subplots(figsize=(10.5, 5.2))
    markers = 'osD^v<>p'
    number = 0
    for m, entry in results['methods'].items():
        s = entry['summary']
        if s['APr']['mean'] is None:
            continue
        number += 1
        color = f'C{(number - 1) % 10}'
        x, y = 100 * s['APf']['mean'], 100 * s['APr']['mean']
        ax.errorbar(x, y, xerr=100 * (s['APf']['std'] or 0),
                    yerr=100 * (s['APr']['std'] or 0),
                    fmt=markers[(number - 1) // 10 % len(markers)], ms=4,
                    capsize=2, color=color,
                    label=f'{number}. {entry["label"]} '
                          f'({len(entry["seeds"])})')
        ax.annotate(str(number), (x, y), xytext=(3, 2),
                    textcoords='offset points', fontsize=7, color=color)
    ax.set_xlabel('APf (%)')
    ax.set_ylabel('APr (%)')
    ax.set_title('Rare against frequent AP, mean ± std over seeds '
                 '(seeds in brackets)', fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6.5, loc='upper left', bbox_to_anchor=(1.01, 1.0),
              frameon=False)
    fig.tight_layout()
    path = osp.join(out_dir, 'apr_vs_apf.png')
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


#: Panels of per_category_ap.png: (baseline, method) on the same images.
PER_CATEGORY_PAIRS = (('ce', 'ce-cdb-split'), ('ce-cdb-split', 'cdb-w-ce'),
                      ('ce-cdb-split', 'cdb-w-ce-cls'))


def _plot_per_category(plt, results: dict, runs, out_dir: str) -> str:
    """Per-category AP against training images, one panel per pair of
    :data:`PER_CATEGORY_PAIRS` that has runs: what holding out images costs
    CE, then what CDB does against CE on the same training split."""
    cats = results['categories']
    counts = [c['train_images'] for c in cats]
    pairs = [p for p in PER_CATEGORY_PAIRS if any(m in runs for m in p)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.6 * len(pairs), 3.8),
                             squeeze=False, sharey=True)
    for ax, pair in zip(axes[0], pairs):
        for method, marker, colour in zip(pair, ('o', '^'),
                                          ('tab:blue', 'tab:red')):
            if method not in runs:
                continue
            seeds = list(runs[method].values())
            points = {True: ([], []), False: ([], [])}
            for k, n in enumerate(counts):
                aps = [r['per_category_ap'][k] for r in seeds
                       if r['per_category_ap'][k] >= 0]
                if aps:
                    xs, ys = points[bool(cats[k].get('confusable'))]
                    xs.append(n)
                    ys.append(100 * sum(aps) / len(aps))
            label = f'{METHODS[method].label} ({len(seeds)} seeds)'
            ax.scatter(*points[False], s=12, marker=marker, c=colour,
                       alpha=0.7, label=label + ', distinct')
            # confusable categories (a cluster of similar colours) hollow
            ax.scatter(*points[True], s=12, marker=marker,
                       facecolors='none', edgecolors=colour, alpha=0.8,
                       label=label + ', confusable')
        for edge in (10.5, 100.5):
            ax.axvline(edge, color='grey', lw=0.8, ls='--')
        ax.set_xscale('log')
        ax.set_xlabel('training images of the category (full set)')
        ax.legend(fontsize=6, loc='upper left')
    axes[0][0].set_ylabel('AP (%), mean over seeds')
    fig.suptitle('Per-category validation AP (rare | common | frequent)',
                 fontsize=10)
    fig.tight_layout()
    path = osp.join(out_dir, 'per_category_ap.png')
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def stage2_pairs() -> List[tuple]:
    """``(CE-cls control, CDB-cls method)`` for every CDB stage 2 of the
    grid: the control is its pair that retrains the classifier with plain
    CE from the same start (issue 23's control), in grid order."""
    pairs = []
    for m in _METHODS:
        if not (m.freeze_cls and m.cdb_tau):
            continue
        controls = [p for p in m.pairs
                    if METHODS[p].freeze_cls and not METHODS[p].cdb_tau]
        if controls:
            pairs.append((controls[0], m.name))
    return pairs


def stage2_effect(runs: Dict[str, Dict[int, dict]], control: str,
                  method: str) -> Optional[Dict[str, object]]:
    """Per category: ``method``'s AP minus ``control``'s, seed by seed,
    averaged over the seeds both finished.

    A category without a validation instance (AP -1) in either run of a
    seed is left out of that seed; one left out of every seed is None.

    Args:
        runs (dict): ``{method: {seed: result}}``, each result with
            ``per_category_ap`` (fractions, -1 for no instance).
        control (str): The method subtracted (a CE-cls stage 2).
        method (str): The method compared with it.

    Returns:
        dict | None: ``seeds`` (the common ones) and ``delta_ap`` (one
        value or None per category, in points); None without a common
        seed.
    """
    if control not in runs or method not in runs:
        return None
    seeds = sorted(set(runs[control]) & set(runs[method]), key=int)
    if not seeds:
        return None
    delta = category_delta(runs, method, control, seeds)
    return dict(seeds=seeds, delta_ap=[None if np.isnan(d) else 100 * d
                                       for d in delta])


def _plot_stage2_effect(plt, results: dict, runs, out_dir: str
                        ) -> Optional[str]:
    """Per-category AP of each CDB-cls stage 2 minus its CE-cls pair (same
    start, same frozen detector, same schedule) against the category's
    training images: where the difficulty weights move AP, with each
    frequency group's mean as a line."""
    cats = results['categories']
    panels = [(c, m, stage2_effect(runs, c, m)) for c, m in stage2_pairs()]
    panels = [p for p in panels if p[2] is not None]
    if not cats or not panels:
        return None
    counts = [c['train_images'] for c in cats]
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols,
                             figsize=(4.2 * ncols, 3.4 * nrows),
                             squeeze=False, sharey=True)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (control, method, effect) in zip(axes.flat, panels):
        for g in GROUP_NAMES:
            pts = [(n, d) for n, d, c in zip(counts, effect['delta_ap'], cats)
                   if c['frequency'] == g and d is not None]
            if not pts:
                continue
            xs, ys = zip(*pts)
            mean = sum(ys) / len(ys)
            ax.scatter(xs, ys, s=10, c=GROUP_COLOURS[g], alpha=0.7,
                       label=f'{GROUP_NAMES[g]}: mean {mean:+.1f}')
            ax.hlines(mean, min(xs), max(xs), colors=GROUP_COLOURS[g],
                      lw=1.5)
        ax.axhline(0, color='grey', lw=0.8)
        ax.set_xscale('log')
        ax.set_xlabel('training images of the category (full set)')
        ax.set_title(f'{METHODS[method].label}\n− {METHODS[control].label} '
                     f'(seeds {",".join(map(str, effect["seeds"]))})',
                     fontsize=8)
        if ax.collections:
            ax.legend(fontsize=6, loc='upper right')
    for row in axes:
        row[0].set_ylabel('ΔAP per category (points),\nmean over seeds')
    fig.tight_layout()
    path = osp.join(out_dir, 'stage2_effect.png')
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def group_trajectories(history: dict, groups: Dict[str, str]) -> dict:
    """Per epoch and frequency group: mean weight and mean difficulty.

    Args:
        history (dict): A ``cdb_history.json`` (classes + history records).
        groups (dict): Class name -> 'r'/'c'/'f'.

    Returns:
        dict: ``epochs``, ``tau`` and, for each of ``weights`` and
        ``difficulty``, ``{group: [mean per epoch]}``.
    """
    names = history['classes']
    out = dict(epochs=[], tau=[], weights={g: [] for g in 'rcf'},
               difficulty={g: [] for g in 'rcf'})
    for rec in history['history']:
        out['epochs'].append(rec['epoch'])
        out['tau'].append(rec['tau'])
        for key in ('weights', 'difficulty'):
            for g in 'rcf':
                vals = [v for n, v in zip(names, rec[key])
                        if groups.get(n) == g]
                out[key][g].append(sum(vals) / len(vals) if vals else
                                   float('nan'))
    return out


def _plot_trajectories(plt, cats, histories: Dict[str, List[str]],
                       out_dir: str) -> str:
    """Per CDB method two panels, the mean weight and the mean difficulty
    per frequency group over the epochs (one line per seed), with the range
    of tau in the weight panel's title (a line in the weight panel would
    need its own axis, and tau is constant in most runs); two methods per
    row keep the figure small with a dozen methods."""
    groups = {c['name']: c['frequency'] for c in cats}
    rows = [m for m in histories if histories[m]]
    per_row = 2
    n_rows = -(-len(rows) // per_row)
    fig, axes = plt.subplots(n_rows, 2 * per_row,
                             figsize=(14, 2.6 * n_rows), squeeze=False)
    for ax in axes.flat[2 * len(rows):]:
        ax.axis('off')
    for k, method in enumerate(rows):
        row = axes[k // per_row][2 * (k % per_row):2 * (k % per_row) + 2]
        trajs = [group_trajectories(read_json(absolute(p)), groups)
                 for p in histories[method]]
        for ax, key in zip(row, ('weights', 'difficulty')):
            for g in 'rcf':
                for t in trajs:
                    ax.plot(t['epochs'], t[key][g], color=GROUP_COLOURS[g],
                            alpha=0.8, lw=1)
                ax.plot([], [], color=GROUP_COLOURS[g], label=GROUP_NAMES[g])
            if key == 'weights':  # weights span orders of magnitude
                _log_axis(ax.yaxis)
            ax.set_xlabel('epoch', fontsize=8)
            ax.set_ylabel(f'mean {key[:-1] if key == "weights" else key}',
                          fontsize=8)
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6)
        taus = [x for t in trajs for x in t['tau']]
        low, high = min(taus), max(taus)
        tau = (f'tau {low:.2f}' if high - low < 0.005 else
               f'tau {low:.2f}-{high:.2f}')
        row[0].set_title(f'{METHODS[method].label}, {len(trajs)} seed(s)\n'
                         f'weight by group ({tau})', fontsize=7)
        row[1].set_title('difficulty by group', fontsize=7)
    fig.tight_layout()
    path = osp.join(out_dir, 'cdb_trajectories.png')
    fig.savefig(path, dpi=75)
    plt.close(fig)
    return path


# -------------------------------------------------------------------- cli
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='tools/run_lvis_like_benchmark.py',
        description='Run (or resume) the LVIS-like benchmark grid and '
        'report it (lt_plugins.benchmark.lvis_like).',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='methods: ' + ', '.join(f'{k} ({v.label})'
                                       for k, v in METHODS.items()))
    parser.add_argument('--size', choices=sorted(SIZES), default='default')
    parser.add_argument('--methods', nargs='+', default=None,
                        metavar='METHOD', help='default: every method but '
                        'the development-only rows (' + ', '.join(
                            m.name for m in _METHODS if not m.default) +
                        '); a method\'s starting point (cdb-w-ce-cls: '
                        'ce-cdb-split) is added')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--dry-run', action='store_true',
                        help='print the plan and exit')
    parser.add_argument('--report-only', action='store_true',
                        help='only regenerate results, table and plots '
                        'from finished runs')
    parser.add_argument('--keep-partial', action='store_true',
                        help='train nothing, keep every unfinished run\'s '
                        'latest checkpoint (and its CDB history) in '
                        '<out-dir>/partial/<method>/seed<k>/, so that a '
                        'later invocation on a fresh clone resumes it '
                        'instead of starting over; safe while runs train. '
                        'Archiving the finished run removes it')
    parser.add_argument('--retrain-starts', action='store_true',
                        help='when a run starts from a run restored from '
                        'the archive (which keeps no checkpoint), train '
                        'that run again and record whether it reproduces '
                        'the archived figures, instead of failing')
    parser.add_argument('--data-root', help='default: data/lvis_like '
                        '(data/lvis_like_large for --size large)')
    parser.add_argument('--work-root', help='default: '
                        'work_dirs/lvis_like_bench[_large]')
    parser.add_argument('--out-dir', help='results and plots (default: '
                        'docs/lvis_like, docs/lvis_like/large for --size '
                        'large)')
    python = shlex.quote(sys.executable)
    parser.add_argument('--train-cmd', default=f'{python} tools/train.py',
                        help='command prefix the config and options are '
                        'appended to')
    parser.add_argument('--test-cmd',
                        default=f'{python} tools/test.py')
    args = parser.parse_args(argv)
    try:
        with_dependencies(args.methods)
    except ValueError as e:
        parser.error(str(e))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    bench = Benchmark(args)
    if args.dry_run:
        for step in bench.plan():
            print(step)
        return 0
    if args.keep_partial:
        kept = bench.keep_partial()
        print(f'kept {len(kept)} unfinished run(s) in '
              f'{rel(osp.join(bench.out_dir, run_archive.PARTIAL_DIR))}')
        return 0
    if args.report_only:
        bench.restore()
        bench.report()
        return 0
    return bench.run()

