#!/usr/bin/env python
"""LVIS evaluation backends side by side on one LVIS-sized synthetic set.

1. Writes a synthetic held-out set (``lt_plugins.det.synthetic_lvis``:
   1230 categories, federated lists, about 300 detections per image, some
   images over the cap, some without detections) as json.
2. Runs, each in a fresh subprocess (so that peak memory is its own), the
   ``lvis`` API (``backend='lvis'``, i.e. ``LVISEval`` as mmdet runs it) and
   the fast backend (``backend='faster_coco_eval'``) with 1, 2, ... worker
   processes; reports wall time, peak resident memory (``ru_maxrss`` of the
   process, and of its largest worker), the speed-up over the ``lvis`` API,
   and the largest per-category AP difference to the ``lvis`` API.
3. Puts the evaluation into an LVIS v0.5 epoch: the hook's cost is held-out
   inference plus one evaluation; with the measured evaluation time per
   image scaled to the held-out split (``--heldout-images``) and the
   held-out inference estimated from a training epoch's length and an
   inference/training cost ratio per image (``--epoch-minutes``,
   ``--infer-train-ratio``: measure them on your machine; the defaults are
   stated assumptions, printed with the result).

Prints its figures; it asserts nothing. Run with OMP_NUM_THREADS=1 on a
quiet machine for stable numbers::

    OMP_NUM_THREADS=1 python tools/benchmark_lvis_eval.py --images 500 \\
        --nproc 1 2
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def worker(gt_path: str, dt_path: str, iou_type: str, backend: str,
           nproc: int, cats_per_chunk: int, out_path: str) -> None:
    """One timed evaluation in this process; writes its figures as json."""
    sys.path.insert(0, REPO)
    # every import first, so that the memory before the evaluation holds
    # them for both backends alike
    import faster_coco_eval  # noqa: F401
    import lvis  # noqa: F401

    from lt_plugins.det.fast_lvis_eval import evaluate_lvis_ap
    with open(gt_path) as f:
        gt = json.load(f)
    with open(dt_path) as f:
        dets = json.load(f)
    rss = resource.getrusage
    loaded_kib = rss(resource.RUSAGE_SELF).ru_maxrss
    children_kib = rss(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    res = evaluate_lvis_ap(gt, dets, iou_type, backend=backend, nproc=nproc,
                           cats_per_chunk=cats_per_chunk or None)
    seconds = time.perf_counter() - t
    worker_kib = rss(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out_path, 'w') as f:
        json.dump(dict(
            seconds=seconds, backend=res.backend,
            loaded_mib=loaded_kib / 1024,
            peak_mib=rss(resource.RUSAGE_SELF).ru_maxrss / 1024,
            # the largest forked worker, if any ran (ru_maxrss of children
            # is their maximum; import-time helpers set the baseline)
            worker_peak_mib=(worker_kib / 1024
                             if worker_kib > children_kib else 0.0),
            per_category_ap=[res.per_category_ap[c] for c in res.cat_ids],
            summary=res.summary), f)


def run_one(gt_path, dt_path, iou_type, backend, nproc, cats_per_chunk,
            tmp) -> dict:
    out = osp.join(tmp, f'{backend}_{nproc}.json')
    cmd = [sys.executable, osp.abspath(__file__), '--worker', gt_path,
           dt_path, iou_type, backend, str(nproc), str(cats_per_chunk or 0),
           out]
    subprocess.run(cmd, check=True)
    with open(out) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('--images', type=int, default=500,
                        help='synthetic held-out images (default 500)')
    parser.add_argument('--categories', type=int, default=1230)
    parser.add_argument('--dets-per-image', type=int, default=300)
    parser.add_argument('--iou-type', default='bbox',
                        choices=('bbox', 'segm'))
    parser.add_argument('--nproc', type=int, nargs='+', default=[1, 2],
                        help='worker processes for the fast backend')
    parser.add_argument('--cats-per-chunk', type=int, default=0,
                        help='categories evaluated at a time (0: all)')
    parser.add_argument('--skip-lvis', action='store_true',
                        help='do not run the lvis API')
    parser.add_argument('--heldout-images', type=int, default=12300,
                        help='held-out images at LVIS v0.5 scale (10 per '
                        'category x 1230)')
    parser.add_argument('--train-images', type=int, default=57000,
                        help='LVIS v0.5 training images')
    parser.add_argument('--epoch-minutes', type=float, default=20.0,
                        help='one training epoch, wall clock (assumption: '
                        'Faster R-CNN R50-FPN on 8 GPUs)')
    parser.add_argument('--infer-train-ratio', type=float, default=0.35,
                        help='inference / training cost per image '
                        '(assumption; tools/benchmark_cdb.py measures the '
                        "toy model's)")
    parser.add_argument('--worker', nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        w = args.worker
        worker(w[0], w[1], w[2], w[3], int(w[4]), int(w[5]), w[6])
        return

    sys.path.insert(0, REPO)
    from lt_plugins.det.synthetic_lvis import synthetic_lvis
    t = time.perf_counter()
    gt, dets = synthetic_lvis(args.images, args.categories,
                              args.dets_per_image,
                              masks=args.iou_type == 'segm')
    gen_s = time.perf_counter() - t
    print(f'synthetic set: {args.images} images, {args.categories} '
          f'categories, {len(dets):,} detections, '
          f'{len(gt["annotations"]):,} ground truth ({gen_s:.1f} s to make); '
          f'{args.iou_type}; OMP_NUM_THREADS='
          f'{os.environ.get("OMP_NUM_THREADS", "unset")}, '
          f'{os.cpu_count()} CPUs')
    with tempfile.TemporaryDirectory() as tmp:
        gt_path, dt_path = osp.join(tmp, 'gt.json'), osp.join(tmp, 'dt.json')
        with open(gt_path, 'w') as f:
            json.dump(gt, f)
        with open(dt_path, 'w') as f:
            json.dump(dets, f)
        del gt, dets
        runs = []
        if not args.skip_lvis:
            runs.append(('lvis API (LVISEval)', run_one(
                gt_path, dt_path, args.iou_type, 'lvis', 1, 0, tmp)))
        for n in args.nproc:
            runs.append((f'faster-coco-eval, {n} process(es)', run_one(
                gt_path, dt_path, args.iou_type, 'faster_coco_eval', n,
                args.cats_per_chunk, tmp)))
    ref = runs[0][1] if not args.skip_lvis else None
    print(f'\n{"backend":34s} {"time":>8s} {"ms/img":>8s} {"speed-up":>9s} '
          f'{"peak RSS":>9s} {"+eval":>8s} {"worker":>8s} {"max |dAP|":>10s}')
    for name, r in runs:
        speed = (f'{ref["seconds"] / r["seconds"]:8.2f}x' if ref else '-')
        diff = '-'
        if ref is not None:
            diff = f'{max(abs(a - b) for a, b in zip(r["per_category_ap"], ref["per_category_ap"])):.1e}'  # noqa: E501
        worker_mib = (f'{r["worker_peak_mib"]:6.0f} M'
                      if r['worker_peak_mib'] > 0 else '-')
        print(f'{name:34s} {r["seconds"]:7.2f}s '
              f'{r["seconds"] / args.images * 1e3:8.2f} {speed:>9s} '
              f'{r["peak_mib"]:7.0f} M '
              f'{r["peak_mib"] - r["loaded_mib"]:6.0f} M {worker_mib:>8s} '
              f'{diff:>10s}')
    print('(peak RSS: the evaluating process, with the imports and the '
          'parsed json; +eval: its growth during the evaluation; worker: '
          'the largest forked worker)')
    if ref is not None:
        keys = ('AP', 'APr', 'APc', 'APf')
        for name, r in runs:
            print(f'  {name:34s} ' + ' '.join(
                f'{k}={r["summary"][k]:.6f}' for k in keys))

    # the hook at LVIS v0.5 scale
    h, n_train = args.heldout_images, args.train_images
    infer_share = h / n_train * args.infer_train_ratio
    epoch_s = args.epoch_minutes * 60
    print(f'\nhook at LVIS v0.5 scale ({h:,} held-out, {n_train:,} training '
          f'images; epoch {args.epoch_minutes:g} min and inference/training '
          f'cost {args.infer_train_ratio:g} per image are assumptions):')
    print(f'  held-out inference: {h:,} / {n_train:,} x '
          f'{args.infer_train_ratio:g} = {infer_share:.1%} of an epoch')
    for name, r in runs:
        eval_s = r['seconds'] / args.images * h
        print(f'  {name:34s} evaluation {eval_s / 60:6.2f} min = '
              f'{eval_s / epoch_s:6.1%} of an epoch; hook '
              f'{infer_share + eval_s / epoch_s:6.1%}')


if __name__ == '__main__':
    main()
