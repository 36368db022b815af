#!/usr/bin/env python
"""Generate the toy long-tailed LVIS v0.5 data set (deterministic)."""
import argparse
import json
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.toy_lvis import generate_toy_lvis


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', default='data/toy_lvis',
                        help='output folder (default: data/toy_lvis)')
    parser.add_argument('--train-images', type=int, default=900)
    parser.add_argument('--val-images', type=int, default=300)
    parser.add_argument('--image-size', type=int, default=160)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    paths = generate_toy_lvis(args.out, args.train_images, args.val_images,
                              args.image_size, seed=args.seed)
    with open(paths['train']) as f:
        cats = json.load(f)['categories']
    groups = {g: [c['name'] for c in cats if c['frequency'] == g]
              for g in 'rcf'}
    for g, label in zip('rcf', ('rare', 'common', 'frequent')):
        print(f'{label:9s} {len(groups[g]):2d}: {", ".join(groups[g])}')
    print(f'wrote {paths["train"]} and {paths["val"]}')


if __name__ == '__main__':
    main()
