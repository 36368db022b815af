#!/usr/bin/env python
"""The main job: toy long-tailed LVIS data -> train a detector -> LVIS AP.

1. generates the toy LVIS v0.5 data set in ``data/toy_lvis`` if missing;
2. for ``--method cdb``, cuts the class-balanced held-out split from the toy
   training set with ``tools/make_lvis_heldout.py``;
3. trains with ``tools/train.py <config>`` (the config validates with the
   LVIS protocol at the end of training);
4. prints AP, APr, APc and APf (bbox, and segm for Mask R-CNN).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: Options of tools/make_lvis_heldout.py, as in every documented command.
HELDOUT_OPTIONS = ('--images-per-category', '10', '--seed', '0',
                   '--max-heldout-fraction', '0.5')
CONFIGS = {
    'ce': 'configs/toy/faster-rcnn_toy-lvis_ce.py',
    'cdb': 'configs/toy/faster-rcnn_toy-lvis_cdb.py',
}


def run(cmd):
    print('+', ' '.join(cmd), flush=True)
    # One OpenMP thread per process: on a 2-core machine, two threads per
    # process next to a data-loading worker made training several times
    # slower, not faster. Set OMP_NUM_THREADS yourself to override.
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    subprocess.run(cmd, check=True, cwd=REPO, env=env)


def final_metrics(work_dir: str) -> dict:
    """The last LVIS validation record in the run's ``scalars.json``."""
    runs = sorted(d for d in os.listdir(work_dir)
                  if osp.isfile(osp.join(work_dir, d, 'vis_data',
                                         'scalars.json')))
    if not runs:
        raise RuntimeError(f'no training log found in {work_dir}')
    last = {}
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        for line in f:
            rec = json.loads(line)
            if any(k.startswith('lvis/') for k in rec):
                last = rec
    if not last:
        raise RuntimeError(f'the run in {work_dir} logged no LVIS metrics')
    return last


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.
                                     RawDescriptionHelpFormatter)
    parser.add_argument('--method', choices=sorted(CONFIGS), default='ce')
    parser.add_argument('--config', help='overrides the config of --method')
    parser.add_argument('--work-dir')
    parser.add_argument('--seed', type=int, default=0,
                        help='training seed (the data set is always seed 0)')
    parser.add_argument(
        '--cdb-split', action='store_true',
        help='train on the CDB training split (the toy training set minus '
        'the held-out images) also for --method ce, for a like-for-like '
        'comparison with --method cdb')
    args = parser.parse_args()
    config = args.config or CONFIGS[args.method]
    name = osp.splitext(osp.basename(config))[0]
    suffix = '_cdb-split' if args.cdb_split and args.method == 'ce' else ''
    work_dir = args.work_dir or osp.join('work_dirs',
                                         f'{name}{suffix}_seed{args.seed}')
    data_root = 'data/toy_lvis'  # the toy configs' data_root
    ann = osp.join(data_root, 'annotations')
    py = sys.executable

    # (relative paths are the repository's: every command runs there)
    if not osp.isfile(osp.join(REPO, ann, 'lvis_v0.5_val.json')):
        run([py, 'tools/make_toy_lvis.py', '--out', data_root])
    needs_split = args.method == 'cdb' or args.cdb_split or '_cdb' in name
    if needs_split and not osp.isfile(
            osp.join(REPO, ann, 'lvis_v0.5_heldout.json')):
        run([py, 'tools/make_lvis_heldout.py',
             osp.join(ann, 'lvis_v0.5_train.json'),
             '--out-train', osp.join(ann, 'lvis_v0.5_train_cdb.json'),
             '--out-heldout', osp.join(ann, 'lvis_v0.5_heldout.json'),
             *HELDOUT_OPTIONS])
    start = time.time()
    options = [f'randomness.seed={args.seed}']
    if args.cdb_split:
        options.append('train_dataloader.dataset.ann_file='
                       'annotations/lvis_v0.5_train_cdb.json')
    run([py, 'tools/train.py', config, '--work-dir', work_dir,
         '--cfg-options', *options])
    minutes = (time.time() - start) / 60
    metrics = final_metrics(osp.join(REPO, work_dir))
    print(f'\n{config} on {data_root} (seed {args.seed}), '
          f'{minutes:.1f} min training + evaluation')
    for kind in ('bbox', 'segm'):
        if f'lvis/{kind}_AP' in metrics:
            print(f'{kind}: ' + '  '.join(
                f'{k}={100 * metrics[f"lvis/{kind}_{k}"]:.1f}'
                for k in ('AP', 'APr', 'APc', 'APf')))
    cdb = osp.join(REPO, work_dir, 'cdb_history.json')
    if osp.isfile(cdb):
        print(f'CDB weight history: {cdb}')


if __name__ == '__main__':
    main()
