#!/usr/bin/env python
"""Generate the CIFAR-100-LT-shaped benchmark data (genuine CIFAR-100 pickles).

Writes ``<out>/cifar-100-python/{train,test,meta}``: a balanced pool of
``--train-per-class`` training images per class (550 = 500 for the long tail
+ 50 held out) and ``--test-per-class`` test images per class. See
``lt_plugins/data/cifar_lt_bench.py`` for what the knobs do.
"""
import argparse
import os.path as osp
import sys

# this checkout's lt_plugins first, also when another clone is installed
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from lt_plugins.data.cifar_lt_bench import (DEFAULTS,  # noqa: E402
                                            generate_cifar_lt_bench)
from lt_plugins.engine.safe_output import AtomicOutputs  # noqa: E402

HELP = dict(
    train_per_class='balanced training pool per class',
    test_per_class='test images per class',
    num_distinct='classes with a look of their own (easy at any size)',
    group_size='classes per confusable group (1: no group, every class a '
    'look of its own)',
    class_gap='hue distance of neighbouring group members, in units of '
    '--hue-jitter (smaller: harder)',
    hue_jitter='per-image std of the object hue (hue in [0, 1))',
    rotation_jitter='max rotation of the object, degrees',
    num_distractors='small distractor squares per image',
    pixel_noise='Gaussian pixel noise std, fraction of 255',
    seed='seed; the same arguments give byte-identical files',
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default='data/cifar_lt_bench',
                        help='data root (default: data/cifar_lt_bench)')
    for key, default in DEFAULTS.items():
        parser.add_argument(f'--{key.replace("_", "-")}',
                            type=type(default), default=default,
                            help=f'{HELP[key]} (default: {default})')
    args = vars(parser.parse_args(argv))
    root = args.pop('out')
    # staged and moved into place at the end: a failed run changes nothing
    try:
        with AtomicOutputs() as outputs:
            generate_cifar_lt_bench(outputs.stage_dir(root, '--out'), **args)
    except (OSError, ValueError) as e:
        sys.exit(f'make_cifar_lt_bench: {e}')
    print(f'wrote {osp.join(root, "cifar-100-python")}')


if __name__ == '__main__':
    main()
