#!/usr/bin/env python
"""Cost of CDB for detection, measured side by side in one run.

1. ``CDBCrossEntropyLoss`` forward + backward against mmdet's
   ``CrossEntropyLoss`` on LVIS-sized input (1230 + 1 classes, 1024 RoIs),
   interleaved repetitions, median time of each and their ratio (goal
   <= 1.1x).
2. The difficulty hook's evaluation against a training epoch on the toy
   data: per-image training cost and per-image held-out inference cost of the
   toy Faster R-CNN, the LVIS evaluation time, and the hook's cost as a
   fraction of a training epoch (the held-out split is the one
   ``tools/make_lvis_heldout.py`` cuts for the demo).
3. LVIS v0.5 scale: ``LVISEval`` on a synthetic LVIS-sized set (1230
   categories, about 12 ground-truth boxes and 300 detections per image),
   since its cost grows with the number of categories and cannot be read off
   the 20-category toy set; then an estimate for LVIS v0.5 (57k training
   images, a held-out cap of 10 images per category, i.e. at most 12,300
   held-out images) from the toy model's inference / training cost ratio
   plus the measured evaluation cost. ``tools/benchmark_lvis_eval.py``
   times the fast evaluation backend (the hook's default) beside
   ``LVISEval`` on such a set, with peak memory and worker processes.

Prints its figures; it asserts nothing. Run with OMP_NUM_THREADS=1 on a quiet
machine for stable numbers.
"""
import argparse
import json
import os.path as osp
import statistics
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def bench_loss(reps: int, device: str) -> None:
    from mmdet.models.losses import CrossEntropyLoss

    from lt_plugins.det import CDBCrossEntropyLoss
    torch.manual_seed(0)
    n, c = 1024, 1230
    score = torch.randn(n, c + 1, device=device, requires_grad=True)
    label = torch.randint(0, c + 1, (n, ), device=device)
    label_weight = torch.ones(n, device=device)
    ce = CrossEntropyLoss().to(device)
    cdb = CDBCrossEntropyLoss(num_classes=c).to(device)
    cdb.update_weights(torch.rand(c) + 0.5)

    def step(loss_fn):
        if device == 'cuda':
            torch.cuda.synchronize()
        t = time.perf_counter()
        loss = loss_fn(score, label, label_weight, avg_factor=float(n))
        loss.backward()
        score.grad = None
        if device == 'cuda':
            torch.cuda.synchronize()
        return time.perf_counter() - t

    for _ in range(20):
        step(ce), step(cdb)
    times = {'ce': [], 'cdb': []}
    for rep in range(reps):
        # interleaved, alternating which goes first, so that drift and
        # cache effects hit both alike
        order = (('ce', ce), ('cdb', cdb)) if rep % 2 else (('cdb', cdb),
                                                             ('ce', ce))
        for name, fn in order:
            times[name].append(step(fn))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'loss forward+backward, {n} RoIs x {c + 1} classes, {device}, '
          f'median of {reps}:')
    print(f'  mmdet CrossEntropyLoss  {med["ce"] * 1e3:8.3f} ms')
    print(f'  CDBCrossEntropyLoss     {med["cdb"] * 1e3:8.3f} ms')
    print(f'  ratio CDB / CE          {med["cdb"] / med["ce"]:8.3f}x')
    # each repetition's pair ran back to back: its ratio cancels drift
    pairs = sorted(b / a for a, b in zip(times['ce'], times['cdb']))
    q = len(pairs) // 4
    print(f'  per-repetition ratio    {statistics.median(pairs):8.3f}x median, '
          f'{pairs[q]:.3f}-{pairs[-q - 1]:.3f} interquartile')


def bench_hook(images: int) -> None:
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    import lt_plugins.det  # noqa: F401
    from lt_plugins.data.toy_lvis import generate_toy_lvis
    from lt_plugins.det.lvis_per_category_metric import LVISPerCategoryMetric
    from mmdet.registry import DATASETS, MODELS

    init_default_scope('mmdet')
    root = osp.join(REPO, 'data', 'toy_lvis')
    if not osp.isfile(osp.join(root, 'annotations', 'lvis_v0.5_val.json')):
        generate_toy_lvis(root)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/toy/faster-rcnn_toy-lvis_ce.py'))
    cfg.train_dataloader.dataset.data_root = root + '/'
    cfg.val_dataloader.dataset.data_root = root + '/'
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    val_set = DATASETS.build(cfg.val_dataloader.dataset)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    bs = cfg.train_dataloader.batch_size
    batches = [pseudo_collate([train_set[(i * bs + j) % len(train_set)]
                               for j in range(bs)])
               for i in range(images // bs)]
    model.train()
    model.train_step(batches[0], optim)
    t = time.perf_counter()
    for b in batches:
        model.train_step(b, optim)
    train_per_img = (time.perf_counter() - t) / (len(batches) * bs)

    model.eval()
    n_val = min(images, len(val_set))
    metric = LVISPerCategoryMetric(
        ann_file=osp.join(root, 'annotations', 'lvis_v0.5_val.json'))
    metric.dataset_meta = val_set.metainfo
    t = time.perf_counter()
    with torch.no_grad():
        for i in range(0, n_val, bs):
            batch = pseudo_collate([val_set[k]
                                    for k in range(i, min(i + bs, n_val))])
            out = model.val_step(batch)
            metric.process(batch, [o.to_dict() for o in out])
    infer_per_img = (time.perf_counter() - t) / n_val
    # the evaluator scores every image of its file: write the subset
    from lt_plugins.data.lvis_split import write_lvis_subset
    with open(osp.join(root, 'annotations', 'lvis_v0.5_val.json')) as f:
        ann = json.load(f)
    ids = [val_set.get_data_info(k)['img_id'] for k in range(n_val)]
    with tempfile.TemporaryDirectory() as tmp:
        sub = osp.join(tmp, 'sub.json')
        write_lvis_subset(ann, ids, sub)
        metric2 = LVISPerCategoryMetric(ann_file=sub)
        metric2.dataset_meta = val_set.metainfo
        t = time.perf_counter()
        metric2.compute_metrics(metric.results)
        eval_s = time.perf_counter() - t
    n_train = len(train_set)
    heldout = osp.join(root, 'annotations', 'lvis_v0.5_heldout.json')
    if osp.isfile(heldout):
        with open(heldout) as f:
            n_heldout = len(json.load(f)['images'])
    else:  # the split the demo cuts (tools/demo.py --method cdb)
        from lt_plugins.data.lvis_split import split_lvis_heldout
        with open(osp.join(root, 'annotations', 'lvis_v0.5_train.json')) as f:
            _, held, _ = split_lvis_heldout(json.load(f), 10,
                                            max_heldout_fraction=0.5)
        n_heldout = len(held['images'])
    epoch_s = n_train * train_per_img
    hook_s = n_heldout * infer_per_img + eval_s * n_heldout / n_val
    print(f'\ntoy Faster R-CNN (configs/toy), CPU, '
          f'{torch.get_num_threads()} thread(s), {images} images each:')
    print(f'  training             {train_per_img * 1e3:8.1f} ms / image')
    print(f'  held-out inference   {infer_per_img * 1e3:8.1f} ms / image')
    print(f'  LVIS evaluation      {eval_s / n_val * 1e3:8.1f} ms / image')
    print(f'  toy epoch ({n_train} images)      {epoch_s:7.1f} s')
    print(f'  hook ({n_heldout} held-out images)  {hook_s:7.1f} s  = '
          f'{hook_s / epoch_s:.1%} of an epoch')
    return train_per_img, infer_per_img


def synthetic_lvis(num_images: int, seed: int = 0):
    """LVIS-sized ground truth and detections: 1230 categories, 12 boxes and
    300 detections per image (the LVIS v0.5 test protocol's cap)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    cats = [dict(id=c + 1, name=f'c{c}', synset=f'c{c}.n.01',
                 frequency='rcf'[c % 3], image_count=1, instance_count=1)
            for c in range(1230)]
    images, anns, dets = [], [], []
    for i in range(1, num_images + 1):
        present = rng.choice(1230, 4, replace=False) + 1
        negative = [int(c) for c in rng.choice(1230, 8, replace=False) + 1
                    if c not in present]
        images.append(dict(id=i, width=640, height=480, file_name=f'{i}.jpg',
                           neg_category_ids=negative,
                           not_exhaustive_category_ids=[]))
        for k in range(12):
            x, y = rng.uniform(0, 500), rng.uniform(0, 360)
            w, h = rng.uniform(20, 140), rng.uniform(20, 120)
            anns.append(dict(id=len(anns) + 1, image_id=i,
                             category_id=int(present[k % 4]),
                             bbox=[x, y, w, h], area=w * h,
                             segmentation=[[x, y, x + w, y, x + w, y + h]]))
            for _ in range(8):  # near and far hits of the right category
                j = rng.normal(0, 0.3, 4) * [w, h, w, h]
                dets.append(dict(image_id=i, category_id=int(present[k % 4]),
                                 bbox=[x + j[0], y + j[1], abs(w + j[2]) + 1,
                                       abs(h + j[3]) + 1],
                                 score=float(rng.uniform())))
        for c in rng.choice(1230, 300 - 96) + 1:  # the rest of the 300
            dets.append(dict(image_id=i, category_id=int(c),
                             bbox=[float(v) for v in rng.uniform(0, 300, 4)],
                             score=float(rng.uniform(0, 0.5))))
    gt = dict(images=images, annotations=anns, categories=cats)
    return gt, dets


def bench_lvis_scale(num_images: int, train_per_img: float,
                     infer_per_img: float) -> None:
    from lvis import LVIS, LVISEval, LVISResults

    from lt_plugins import compat
    compat.patch_lvis_numpy()
    gt, dets = synthetic_lvis(num_images)
    with tempfile.TemporaryDirectory() as tmp:
        gt_path, dt_path = osp.join(tmp, 'gt.json'), osp.join(tmp, 'dt.json')
        with open(gt_path, 'w') as f:
            json.dump(gt, f)
        with open(dt_path, 'w') as f:
            json.dump(dets, f)
        t = time.perf_counter()
        lvis_gt = LVIS(gt_path)
        ev = LVISEval(lvis_gt, LVISResults(lvis_gt, dt_path), 'bbox')
        ev.run()
        eval_per_img = (time.perf_counter() - t) / num_images
    heldout, train = 12300, 57000
    eval_s = heldout * eval_per_img
    ratio = infer_per_img / train_per_img
    print(f'\nLVIS v0.5 scale, LVISEval bbox on {num_images} synthetic images '
          '(1230 categories, 12 boxes and 300 detections per image):')
    print(f'  LVIS evaluation      {eval_per_img * 1e3:8.1f} ms / image, '
          f'{eval_s / 60:.1f} min for {heldout:,} held-out images')
    print(f'  estimate: held-out inference = ({heldout:,} / {train:,}) x '
          f'{ratio:.2f} (toy inference / training cost per image) = '
          f'{heldout / train * ratio:.1%} of an epoch, plus '
          f'{eval_s / 60:.1f} min of LVIS evaluation per measurement')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--reps', type=int, default=400)
    parser.add_argument('--images', type=int, default=48)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--lvis-images', type=int, default=200,
                        help='synthetic LVIS-sized images for the LVISEval '
                        'timing')
    parser.add_argument('--skip-hook', action='store_true')
    args = parser.parse_args()
    bench_loss(args.reps, args.device)
    if not args.skip_hook:
        train_per_img, infer_per_img = bench_hook(args.images)
        bench_lvis_scale(args.lvis_images, train_per_img, infer_per_img)


if __name__ == '__main__':
    main()
