#!/usr/bin/env python
"""Cost of CDB for detection, measured side by side in one run.

1. ``CDBCrossEntropyLoss`` forward + backward against mmdet's
   ``CrossEntropyLoss`` on LVIS-sized input (1230 + 1 classes, 1024 RoIs),
   interleaved repetitions, median time of each and their ratio (goal
   <= 1.1x).
2. The difficulty hook's evaluation against a training epoch on the toy
   data: per-image training cost and per-image held-out inference cost of the
   toy Faster R-CNN, the LVIS evaluation time, and the hook's cost as a
   fraction of a training epoch; then an estimate for LVIS v0.5 from the same
   per-image cost ratio (57k training images, a held-out cap of 10 images
   per category, i.e. at most 12,300 held-out images).

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
    n_train, n_heldout = len(train_set), None
    heldout = osp.join(root, 'annotations', 'lvis_v0.5_heldout.json')
    if osp.isfile(heldout):
        with open(heldout) as f:
            n_heldout = len(json.load(f)['images'])
    n_heldout = n_heldout or 150
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
    ratio = (infer_per_img + eval_s / n_val) / train_per_img
    lvis_frac = 12300 / 57000 * ratio
    print(f'  LVIS v0.5 estimate: (12,300 / 57,000) x {ratio:.2f} '
          f'(held-out cost per image / training cost per image) = at most '
          f'{lvis_frac:.1%} of an epoch')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--reps', type=int, default=400)
    parser.add_argument('--images', type=int, default=48)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--skip-hook', action='store_true')
    args = parser.parse_args()
    bench_loss(args.reps, args.device)
    if not args.skip_hook:
        bench_hook(args.images)


if __name__ == '__main__':
    main()
