"""Run under ``torchrun --nproc_per_node=2``: toy CDB training with both the
CDB loss and the CDB sampler; every rank writes what it ended with."""
import json
import os.path as osp
import sys

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.cdb import CDBClsHook
from lt_plugins.engine.cpu_distributed import (close_distributed,
                                               prepare_cpu_distributed)

sys.path.insert(0, osp.dirname(__file__))
from cls_toy_config import toy_config  # noqa: E402


class _Shares(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.plans, self.shares = {}, {}

    def before_train_epoch(self, runner):
        sampler = runner.train_dataloader.sampler
        self.plans[runner.epoch] = sampler.epoch_plan().tolist()
        self.shares[runner.epoch] = list(iter(sampler))


def main():
    toy_root, work_dir = sys.argv[1], sys.argv[2]
    cfg = toy_config(
        toy_root, work_dir, 'toy_cifar10-lt_cdb-s.py', **{
            'model.head.loss': dict(_delete_=True, type='CDBLoss',
                                    num_classes=10),
            'env_cfg.dist_cfg.backend': 'gloo',
        })
    # what tools/train.py does: gloo group, DDP wrapper without device ids
    cfg.launcher = 'pytorch'
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    shares = _Shares()
    runner.register_hook(shares)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, CDBClsHook))
    # count what one measurement sees over both ranks
    counts = torch.zeros(10)
    for batch in hook.dataloader:
        counts += torch.bincount(
            torch.cat([s.gt_label for s in batch['data_samples']]),
            minlength=10)
    torch.distributed.all_reduce(counts)
    model = runner.model.module
    assert type(runner.model).__name__ == 'MMDistributedDataParallel'
    val = {
        k: runner.message_hub.get_scalar(f'val/shot/{k}').current()
        for k in ('top1', 'many', 'medium', 'few')
    }
    out = dict(
        world_size=get_world_size(),
        loss_weights=model.head.loss_module.class_weight.tolist(),
        sampler_weights=runner.train_dataloader.sampler.weights.tolist(),
        hook_weights=hook.weights.tolist(),
        history=hook.history,
        val_metrics=val,
        plans={str(k): v for k, v in shares.plans.items()},
        shares={str(k): v for k, v in shares.shares.items()},
        heldout_total=int(counts.sum()))
    with open(osp.join(work_dir, f'rank{get_rank()}.json'), 'w') as f:
        json.dump(out, f)
    close_distributed()


if __name__ == '__main__':
    main()
