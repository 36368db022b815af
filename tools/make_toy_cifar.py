#!/usr/bin/env python
"""Generate a toy data set in the genuine CIFAR python-pickle format."""
import argparse
import os.path as osp

import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.toy_cifar import CIFAR_FOLDERS, generate_toy_cifar
from lt_plugins.engine.safe_output import AtomicOutputs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', default='data/toy_cifar',
                        help='data root (default: data/toy_cifar)')
    parser.add_argument('--variant', choices=tuple(CIFAR_FOLDERS),
                        default='cifar10')
    parser.add_argument('--num-classes', type=int, default=None,
                        help='first classes of the variant (default: all)')
    parser.add_argument('--train-per-class', type=int, default=200)
    parser.add_argument('--test-per-class', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    # staged and moved into place at the end: a failed run changes nothing
    try:
        with AtomicOutputs() as outputs:
            generate_toy_cifar(outputs.stage_dir(args.out, '--out'),
                               args.variant, args.num_classes,
                               args.train_per_class, args.test_per_class,
                               args.seed)
    except (OSError, ValueError) as e:
        sys.exit(f'make_toy_cifar: {e}')
    print(f'wrote {osp.join(args.out, CIFAR_FOLDERS[args.variant])}')


if __name__ == '__main__':
    main()
