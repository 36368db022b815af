#!/usr/bin/env python
"""Cost of a Difficulty-Net iteration relative to a plain CE iteration.

Both are full ``train_step`` calls of mmpretrain models with the same
backbone and head (default: ResNet-32 on 32x32 CIFAR-100 images, batch 128,
meta batch 100 as in the official code), on the CPU:

* ``ce``: ``ImageClassifier.train_step`` (forward, backward, SGD step);
* ``dnet`` (meta_grad_impl ``forward_ad``, the default), ``dnet-recompute``
  (the same with ``reuse_forward_outputs=False``: the forward-mode pass
  recomputes the convolution outputs), ``dnet-dbl`` (``double_backward``)
  and ``dnet-official`` (``meta_grad=False``):
  ``DifficultyNetClassifier.train_step`` (virtual step, update of D, real
  step).

The variants run side by side: each repetition times one iteration of every
variant, after warm-up, in an order rotated from one repetition to the next
(so no variant always runs first, right after another one or in the same
slot of a load pattern). Each repetition gives each variant's time relative
to that repetition's CE iteration; the report gives the median time of each
variant, the median of its per-repetition ratios to CE and their spread
(min-max). ``meta_grad=False`` does strictly more work than CE (the driver
loss and a step of the small ``D`` on top of the same forward and backward
pass), so a ratio below 1.0 for it is a measurement artefact
(a loaded or noisy machine), and the script says so.

Example::

    OMP_NUM_THREADS=2 python tools/benchmark_difficulty_net.py --reps 7
"""
import argparse
import platform
import statistics
import time

import torch
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import lt_plugins.cls  # noqa: F401
import lt_plugins.cls.backbones  # noqa: F401
from lt_plugins.cls.difficulty_net import DifficultyNetOptimWrapperConstructor

VARIANTS = {
    'dnet': dict(meta_grad=True, meta_grad_impl='forward_ad'),
    'dnet-recompute': dict(meta_grad=True, meta_grad_impl='forward_ad',
                           reuse_forward_outputs=False),
    'dnet-dbl': dict(meta_grad=True, meta_grad_impl='double_backward'),
    'dnet-official': dict(meta_grad=False),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--depth', type=int, default=32,
                        help='ResNet_CIFAR_Thin depth (default 32)')
    parser.add_argument('--num-classes', type=int, default=100)
    parser.add_argument('--hidden-dim', type=int, default=128,
                        help='hidden width h of D (default 128)')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--meta-batch-size', type=int, default=100)
    parser.add_argument('--image-size', type=int, default=32)
    parser.add_argument('--reps', type=int, default=7,
                        help='timed repetitions per variant (default 7)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads (default: torch default)')
    return parser.parse_args(argv)


def model_cfg(args, **extra):
    cfg = dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR_Thin', depth=args.depth),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=args.num_classes,
                  in_channels=64, loss=dict(type='CrossEntropyLoss')),
        data_preprocessor=dict(num_classes=args.num_classes,
                               mean=[127.5] * 3, std=[64.0] * 3))
    cfg.update(extra)
    return cfg


def batch(n, args, gen):
    size = args.image_size
    return dict(
        inputs=[torch.randint(0, 256, (3, size, size), generator=gen,
                              dtype=torch.uint8) for _ in range(n)],
        data_samples=[
            DataSample().set_gt_label(
                int(torch.randint(0, args.num_classes, (1, ), generator=gen)))
            for _ in range(n)
        ])


def build(args):
    steps = {}
    torch.manual_seed(0)
    ce = MODELS.build(model_cfg(args))
    ce_optim = OptimWrapper(torch.optim.SGD(ce.parameters(), lr=0.1,
                                            momentum=0.9, weight_decay=1e-4))
    steps['ce'] = (ce, ce_optim)
    for name in args.variants:
        torch.manual_seed(0)
        model = MODELS.build(model_cfg(
            args, type='DifficultyNetClassifier',
            difficulty_net=dict(hidden_dim=args.hidden_dim),
            **VARIANTS[name]))
        model.set_class_accuracy(torch.rand(args.num_classes))
        optim = DifficultyNetOptimWrapperConstructor(dict(
            classifier=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
                                           weight_decay=1e-4)),
            difficulty_net=dict(optimizer=dict(type='Adam', lr=1e-3,
                                               weight_decay=1e-4))))(model)
        steps[name] = (model, optim)
    for model, _ in steps.values():
        model.train()
    return steps


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    steps = build(args)
    gen = torch.Generator().manual_seed(0)
    data = batch(args.batch_size, args, gen)
    meta = batch(args.meta_batch_size, args, gen)
    names = list(steps)
    times = {name: [] for name in names}
    for rep in range(args.warmup + args.reps):
        # rotate the order: repetition r starts with variant r mod n
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            model, optim = steps[name]
            d = dict(data)
            if name != 'ce':
                d['meta_batch'] = meta
            t0 = time.perf_counter()
            model.train_step(d, optim)
            dt = time.perf_counter() - t0
            if rep >= args.warmup:
                times[name].append(dt)
    med = {name: statistics.median(t) for name, t in times.items()}
    ratios = {
        name: [t / c for t, c in zip(times[name], times['ce'])]
        for name in names
    }
    print(f'ResNet_CIFAR_Thin depth {args.depth}, {args.num_classes} '
          f'classes, D hidden {args.hidden_dim}, batch {args.batch_size} '
          f'+ meta batch {args.meta_batch_size}, {args.image_size}x'
          f'{args.image_size} images')
    print(f'CPU: {platform.processor() or platform.machine()}, '
          f'torch threads {torch.get_num_threads()}, torch {torch.__version__}'
          f'; {args.reps} repetitions (order rotated) after {args.warmup} '
          'warm-up')
    print(f'{"variant":<15}{"median s/iter":>15}{"x CE median":>13}'
          f'{"x CE min-max":>16}')
    for name in names:
        r = ratios[name]
        print(f'{name:<15}{med[name]:>15.3f}{statistics.median(r):>13.2f}'
              f'{min(r):>9.2f}-{max(r):.2f}')
    if 'dnet-official' in ratios and statistics.median(
            ratios['dnet-official']) < 1.0:
        print('WARNING: dnet-official (meta_grad=False) reads below 1.0x '
              'although it does strictly more work than CE (the same '
              'forward and backward pass, plus the driver loss and a step '
              'of the small D): timing noise (other load on the machine) '
              'is larger than that difference; read the other ratios with '
              'the same margin, or use more --reps or an idle machine')
    return dict(median=med,
                ratio={n: statistics.median(r) for n, r in ratios.items()},
                ratio_range={n: (min(r), max(r)) for n, r in ratios.items()})


if __name__ == '__main__':
    main()
