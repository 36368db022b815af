#!/usr/bin/env python
"""Generate the toy long-tailed LVIS data set (deterministic).

Writes the LVIS v0.5 format by default, the LVIS v1 format with
``--version v1`` (same images and annotations; image records named by
``coco_url``, files laid out as mmdet's ``LVISV1Dataset`` reads them).
"""
import argparse
import json
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.lvis_version import LVIS_VERSIONS
from lt_plugins.data.toy_lvis import generate_toy_lvis
from lt_plugins.engine.safe_output import AtomicOutputs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--version', choices=LVIS_VERSIONS, default='v0.5',
                        help='LVIS format to write (default: v0.5)')
    parser.add_argument('--out', default=None,
                        help='output folder (default: data/toy_lvis for '
                        'v0.5, data/toy_lvis_v1 for v1)')
    parser.add_argument('--train-images', type=int, default=900)
    parser.add_argument('--val-images', type=int, default=300)
    parser.add_argument('--image-size', type=int, default=160)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--count-scale', type=float, default=1.0,
                        help='multiplies every category\'s number of '
                        'training images (a smaller set for quick checks)')
    args = parser.parse_args(argv)
    out = args.out or ('data/toy_lvis' if args.version == 'v0.5' else
                       'data/toy_lvis_v1')
    # written into a staging folder and moved into place at the end: a
    # failed run leaves the folder as it was
    try:
        with AtomicOutputs() as outputs:
            paths = generate_toy_lvis(
                outputs.stage_dir(out, '--out'), args.train_images,
                args.val_images, args.image_size, seed=args.seed,
                count_scale=args.count_scale, version=args.version)
            with open(paths['train']) as f:
                cats = json.load(f)['categories']
            paths = {k: outputs.final_path(p) for k, p in paths.items()}
    except (OSError, ValueError) as e:
        sys.exit(f'make_toy_lvis: {e}')
    groups = {g: [c['name'] for c in cats if c['frequency'] == g]
              for g in 'rcf'}
    for g, label in zip('rcf', ('rare', 'common', 'frequent')):
        print(f'{label:9s} {len(groups[g]):2d}: {", ".join(groups[g])}')
    print(f'wrote {paths["train"]} and {paths["val"]} (LVIS {args.version})')


if __name__ == '__main__':
    main()
