#!/usr/bin/env python
"""Generate a toy data set in the genuine MNIST idx format (.gz files)."""
import argparse
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.toy_mnist import generate_toy_mnist  # noqa: E402
from lt_plugins.engine.safe_output import AtomicOutputs  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', default='data/toy_mnist',
                        help='data root (default: data/toy_mnist)')
    parser.add_argument('--train-per-class', type=int, default=600)
    parser.add_argument('--test-per-class', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--extracted', action='store_true',
                        help='write the extracted files instead of .gz')
    args = parser.parse_args(argv)
    # staged and moved into place at the end: a failed run changes nothing
    try:
        with AtomicOutputs() as outputs:
            generate_toy_mnist(outputs.stage_dir(args.out, '--out'),
                               args.train_per_class, args.test_per_class,
                               args.seed, compress=not args.extracted)
    except (OSError, ValueError) as e:
        sys.exit(f'make_toy_mnist: {e}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
