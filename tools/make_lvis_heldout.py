#!/usr/bin/env python
"""Cut a class-balanced held-out split out of an LVIS training json.

Writes the remaining training split and the held-out split as two LVIS json
files and prints a summary per frequency group. No output may be the input or
another output (links and other spellings included), and the files appear
together at the end or not at all. An empty held-out split, or categories
left without a held-out image, give a warning, and exit 1 with nothing written
under ``--strict``. See docs/lvis_heldout_split.md.

Example (the file names the LVIS v0.5 CDB configs read)::

    python tools/make_lvis_heldout.py data/lvis_v0.5/annotations/lvis_v0.5_train.json \\
        --out-train data/lvis_v0.5/annotations/lvis_v0.5_train_cdb.json \\
        --out-heldout data/lvis_v0.5/annotations/lvis_v0.5_heldout.json \\
        --images-per-category 10 --seed 0 --max-heldout-fraction 0.5
"""
import argparse
import json
import os.path as osp
import sys


# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.lvis_split import (heldout_coverage_problems,
                                        split_lvis_heldout)
from lt_plugins.engine.safe_output import AtomicOutputs, check_outputs


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Shows the defaults and keeps the example's line breaks."""


def build_parser() -> argparse.ArgumentParser:
    """The command line parser (``--help`` ends with the example)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        epilog=__doc__[__doc__.index('Example'):].replace('::', ':'),
        formatter_class=_HelpFormatter)
    parser.add_argument('annotations', help='input LVIS training json')
    parser.add_argument('--out-train', required=True,
                        help='output json of the remaining training split')
    parser.add_argument('--out-heldout', required=True,
                        help='output json of the held-out split')
    parser.add_argument('--images-per-category', type=int, default=10,
                        help='cap of held-out images per category (>= 1)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the tie-breaking order')
    parser.add_argument('--min-train-images', type=int, default=1,
                        help='training images no category may go below '
                        '(>= 1)')
    parser.add_argument('--max-heldout-fraction', type=float, default=0.5,
                        metavar='F',
                        help='largest fraction of a category\'s images that '
                        'may be held out, in (0, 1]; a category with n '
                        'images gives at most floor(F * n)')
    parser.add_argument('--keep-counts', action='store_true',
                        help='keep the input\'s category image_count, '
                        'instance_count and frequency in the training json '
                        'instead of recomputing them from the new split')
    parser.add_argument('--summary-json', default=None,
                        help='also write the summary (per group and per '
                        'category) to this json file')
    parser.add_argument('--strict', action='store_true',
                        help='refuse to write the split (exit 1) when the '
                        'held-out split is empty or leaves a category '
                        'without a held-out image, instead of warning')
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.images_per_category < 1:
        parser.error('--images-per-category must be >= 1, got '
                     f'{args.images_per_category}')
    if args.min_train_images < 1:
        parser.error('--min-train-images must be >= 1, got '
                     f'{args.min_train_images}')
    if not 0 <= args.seed < 2**32:
        parser.error(f'--seed must be in [0, 2**32), got {args.seed}')
    if not 0.0 < args.max_heldout_fraction <= 1.0:
        parser.error('--max-heldout-fraction must be in (0, 1], got '
                     f'{args.max_heldout_fraction}')
    if not osp.isfile(args.annotations):
        parser.error(f'annotation file not found: {args.annotations}')
    # the same file whatever the spelling: links, hard links, '..'
    try:
        check_outputs(_outputs(args), {'annotations': args.annotations})
    except (OSError, ValueError) as e:  # also a folder given as a file
        parser.error(str(e))
    return parser, args


def _outputs(args) -> dict:
    """``{flag: path}`` of every file the run writes."""
    outs = {'--out-train': args.out_train, '--out-heldout': args.out_heldout}
    if args.summary_json:
        outs['--summary-json'] = args.summary_json
    return outs


def main(argv=None) -> int:
    parser, args = parse_args(argv)
    try:
        with open(args.annotations) as f:
            ann = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        parser.error(f'{args.annotations} is not valid json: {e}')
    try:
        train, heldout, summary = split_lvis_heldout(
            ann,
            images_per_category=args.images_per_category,
            seed=args.seed,
            min_train_images=args.min_train_images,
            recompute_frequency=not args.keep_counts,
            max_heldout_fraction=args.max_heldout_fraction)
    except (TypeError, ValueError) as e:
        parser.error(f'{args.annotations} is not a usable LVIS annotation '
                     f'file: {e}')
    print(summary.format_table())
    problems = heldout_coverage_problems(summary, ann['categories'])
    for problem in problems:
        print(f'warning: {args.annotations}: {problem}', file=sys.stderr)
    if problems and args.strict:
        print('make_lvis_heldout: --strict: nothing written', file=sys.stderr)
        return 1
    # every output appears at the end, or none (a failed write leaves the
    # folders as they were)
    try:
        with AtomicOutputs({'annotations': args.annotations}) as out:
            out.declare_all(_outputs(args))
            out.write_json(args.out_train, train)
            out.write_json(args.out_heldout, heldout)
            if args.summary_json:
                out.write_json(args.summary_json, summary.to_dict())
    except OSError as e:
        print(f'make_lvis_heldout: cannot write the outputs ({e}); nothing '
              'was written', file=sys.stderr)
        return 1
    print(f'wrote {args.out_train} and {args.out_heldout}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
