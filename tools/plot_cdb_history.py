#!/usr/bin/env python
"""Plot a CDB run's cdb_history.json: weights, difficulty and AP per class.

Writes three small PNGs next to the history (or into --out-dir): the class
weights per frequency group over epochs with tau below them (every class, as
training applies them), the difficulty per group over epochs (of the classes
measured at each epoch only), and each class's last measured AP (or accuracy)
against its training image count. Groups and counts come from the run's LVIS
training json (--lvis-ann) or, for classification, from a json of class
counts (--class-counts); without either, all classes form one group and the
third plot is skipped. See docs/detection.md, "Looking at a run's CDB
history".

Example::

    python tools/plot_cdb_history.py work_dirs/faster-rcnn_r50_fpn_1x_lvis-v0.5_cdb \\
        --lvis-ann data/lvis_v0.5/annotations/lvis_v0.5_train_cdb.json
"""
import argparse
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.engine.history_plots import plot_cdb_history
from lt_plugins.engine.safe_output import AtomicOutputs, OutputConflictError


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Shows the defaults and keeps the example's line breaks."""


def build_parser() -> argparse.ArgumentParser:
    """The command line parser (``--help`` ends with the example)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        epilog=__doc__[__doc__.index('Example'):].replace('::', ':'),
        formatter_class=_HelpFormatter)
    parser.add_argument(
        'history', help='cdb_history.json, or the work dir holding it')
    parser.add_argument(
        '--lvis-ann', default=None,
        help='the LVIS training annotation json the run trained on '
        '(frequency groups r/c/f and training image counts)')
    parser.add_argument(
        '--class-counts', default=None,
        help='json with the training image count of each class: a list in '
        'label order or a name -> count object (classification; groups '
        'few < 20, medium 20-100, many > 100)')
    parser.add_argument('--out-dir', default=None,
                        help='output directory (default: the history\'s)')
    parser.add_argument('--prefix', default='cdb',
                        help='prefix of the PNG file names')
    return parser


def main(argv=None) -> dict:
    """Parse ``argv``, draw the plots, print their paths.

    Returns:
        dict: What :func:`plot_cdb_history` returned.
    """
    args = build_parser().parse_args(argv)
    if args.lvis_ann and args.class_counts:
        raise SystemExit('give --lvis-ann or --class-counts, not both')
    history = args.history
    if osp.isdir(history):
        history = osp.join(history, 'cdb_history.json')
    out_dir = args.out_dir or osp.dirname(osp.abspath(history))
    names = ['weights', 'difficulty']
    if args.lvis_ann or args.class_counts:
        names.append('performance_vs_count')
    inputs = {'history': history, '--lvis-ann': args.lvis_ann,
              '--class-counts': args.class_counts}
    # no PNG may be an input or another PNG (links included); checked
    # before drawing, and the PNGs appear together at the end or not at all
    with AtomicOutputs(inputs) as outputs:
        try:
            for name in names:
                outputs.declare(
                    osp.join(out_dir, f'{args.prefix}_{name}.png'),
                    f'the {name} plot')
        except (OutputConflictError, IsADirectoryError,
                NotADirectoryError) as e:
            raise SystemExit(f'plot_cdb_history: {e}')
        out = plot_cdb_history(history, outputs.stage_dir(out_dir),
                               args.lvis_ann, args.class_counts, args.prefix)
        for result in out.values():
            result['path'] = outputs.final_path(result['path'])
    for name, result in out.items():
        print(f'{name}: {result["path"]}')
    if 'performance' not in out:
        print('no class counts given (--lvis-ann or --class-counts): '
              'the performance-against-count plot is skipped')
    return out


if __name__ == '__main__':
    main()
