#!/usr/bin/env python
"""Generate the LVIS-like long-tailed detection set (genuine LVIS v0.5 json).

Writes the long-tailed training set, the validation set, CDB's training and
held-out split and a balanced pretraining set (see
lt_plugins/data/lvis_like.py and docs/lvis_like_benchmark.md). The same
arguments give the same files.

Example::

    python tools/make_lvis_like.py --out data/lvis_like              # default
    python tools/make_lvis_like.py --size large --out data/lvis_like_large
"""
import argparse
import json
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.lvis_like import (SIZE_PRESETS, DifficultyKnobs,
                                       generate_lvis_like)
from lt_plugins.engine.safe_output import AtomicOutputs

#: Output folder of each size (the configs' and the benchmark's data roots).
DEFAULT_OUT = {'default': 'data/lvis_like', 'large': 'data/lvis_like_large'}


def parse_args(argv=None):
    knobs = DifficultyKnobs()
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--size', choices=sorted(SIZE_PRESETS),
                        default='default',
                        help='preset of the size arguments below (each can '
                        'still be given to override it)')
    parser.add_argument('--out', help='output folder (default: '
                        'data/lvis_like, or data/lvis_like_large for '
                        '--size large)')
    parser.add_argument('--seed', type=int, default=0)
    size = parser.add_argument_group('size (default: from --size)')
    size.add_argument('--num-categories', type=int)
    size.add_argument('--frequent-max-images', type=int)
    size.add_argument('--categories-per-image', type=float)
    size.add_argument('--val-images-per-category', type=int, nargs=3,
                      metavar=('RARE', 'COMMON', 'FREQUENT'))
    size.add_argument('--pretrain-images-per-category', type=int)
    size.add_argument('--image-size', type=int)
    other = parser.add_argument_group('splits and federated lists')
    other.add_argument('--heldout-images-per-category', type=int, default=10)
    other.add_argument('--heldout-max-fraction', type=float, default=0.5)
    other.add_argument('--neg-categories-per-image', type=int, default=10)
    other.add_argument('--not-exhaustive-prob', type=float, default=0.05)
    diff = parser.add_argument_group(
        'difficulty (calibrated against the CE baseline only)')
    diff.add_argument('--background-noise', type=float,
                      default=knobs.background_noise)
    diff.add_argument('--pixel-noise', type=float, default=knobs.pixel_noise)
    diff.add_argument('--colour-jitter', type=float,
                      default=knobs.colour_jitter)
    diff.add_argument('--confusable-fraction', type=float,
                      default=knobs.confusable_fraction)
    diff.add_argument('--cluster-size', type=int, default=knobs.cluster_size)
    diff.add_argument('--confusable-hue-step', type=float,
                      default=knobs.confusable_hue_step)
    diff.add_argument('--size-range', type=float, nargs=2,
                      default=list(knobs.size_range), metavar=('MIN', 'MAX'))
    diff.add_argument('--distractors-per-image', type=int,
                      default=knobs.distractors_per_image)
    diff.add_argument('--second-instance-prob', type=float,
                      default=knobs.second_instance_prob)
    parser.add_argument('--json-only', action='store_true',
                        help='write the annotation files only, no images')
    return parser.parse_args(argv)


def build_kwargs(args) -> dict:
    """Arguments of ``generate_lvis_like`` from the parsed command line."""
    kwargs = dict(SIZE_PRESETS[args.size])
    for key in kwargs:
        value = getattr(args, key)
        if value is not None:
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    knobs = DifficultyKnobs(
        background_noise=args.background_noise,
        pixel_noise=args.pixel_noise, colour_jitter=args.colour_jitter,
        confusable_fraction=args.confusable_fraction,
        cluster_size=args.cluster_size,
        confusable_hue_step=args.confusable_hue_step,
        size_range=tuple(args.size_range),
        distractors_per_image=args.distractors_per_image,
        second_instance_prob=args.second_instance_prob)
    kwargs.update(
        heldout_images_per_category=args.heldout_images_per_category,
        heldout_max_fraction=args.heldout_max_fraction,
        neg_categories_per_image=args.neg_categories_per_image,
        not_exhaustive_prob=args.not_exhaustive_prob, knobs=knobs,
        seed=args.seed, write_images=not args.json_only)
    return kwargs


def summary(path: str) -> str:
    """One line per split: images, annotations, categories per group."""
    with open(path) as f:
        ann = json.load(f)
    groups = {g: sum(c['frequency'] == g for c in ann['categories'])
              for g in 'rcf'}
    return (f'{osp.basename(path)}: {len(ann["images"])} images, '
            f'{len(ann["annotations"])} annotations; categories by '
            f'frequency r/c/f = {groups["r"]}/{groups["c"]}/{groups["f"]}')


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out or DEFAULT_OUT[args.size]
    # staged and moved into place at the end: a failed run changes nothing
    try:
        with AtomicOutputs() as outputs:
            paths = generate_lvis_like(outputs.stage_dir(out, '--out'),
                                       **build_kwargs(args))
            lines = [summary(path) for path in paths.values()]
    except (OSError, ValueError) as e:
        sys.exit(f'make_lvis_like: {e}')
    for line in lines:
        print(line)
    print(f'wrote {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
