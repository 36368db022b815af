"""Run under ``torchrun --nproc_per_node=2`` (gloo, CPU); every rank saves
what it ended with to ``<work_dir>/rank<r>.pt``.

Part 1 trains the toy Difficulty-Net config with a real Runner
(``DifficultyNetDDP`` from the config). Part 2 calls the wrapper's
``train_step`` twice on fixed batches: rank r gets the r-th half of a global
batch, so the test can compare with one process on the whole batch. Part 3
tries mmengine's default DDP wrapper, which must refuse to run.
"""
import os.path as osp
import sys

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner

import lt_plugins.cls  # noqa: F401
from lt_plugins.cls.difficulty_net import DifficultyNetDDP
from lt_plugins.engine.cpu_distributed import (close_distributed,
                                               prepare_cpu_distributed)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from dnet_toy import build_model, build_optim, raw_batch, toy_cfg  # noqa

# part 2: a fixed global batch; BatchNorm in eval mode (norm_eval) makes the
# loss a per-sample sum, so two halves = the whole up to rounding
GLOBAL_LABELS = [0, 1, 2, 3, 3, 5, 5, 9]
GLOBAL_META = [0, 2, 4, 5, 7, 9, 1, 8]


def exactness_model():
    model = build_model(backbone=dict(type='ResNet_CIFAR_Thin', depth=20,
                                      stem_channels=8, base_channels=8,
                                      norm_eval=True))
    model.train()  # applies norm_eval: BatchNorm layers in eval mode
    assert not any(m.training for m in model.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))
    return model


def exactness_optim(model):
    return build_optim(
        model,
        cls_optim=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
        d_optim=dict(type='Adam', lr=1e-2, weight_decay=1e-4))


def exactness_batches(step, part=slice(None)):
    batch = raw_batch(GLOBAL_LABELS, seed=10 + step)
    meta = raw_batch(GLOBAL_META, seed=20 + step)
    cut = lambda b: dict(inputs=b['inputs'][part],  # noqa: E731
                         data_samples=b['data_samples'][part])
    out = cut(batch)
    out['meta_batch'] = cut(meta)
    return out


def _error(fn):
    try:
        fn()
    except RuntimeError as e:
        return str(e)
    return None


def main():
    toy_root, work_dir = sys.argv[1], sys.argv[2]
    cfg = toy_cfg('toy_difficulty_net.py', toy_root, work_dir)
    # what tools/train.py does: gloo group, DDP wrapper without device ids
    cfg.launcher = 'pytorch'
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    rank, world = get_rank(), get_world_size()
    model = runner.model.module
    out = dict(
        world_size=world,
        wrapper=type(runner.model).__name__,
        state={k: v.clone() for k, v in model.state_dict().items()},
        optim=runner.optim_wrapper.state_dict())

    # part 2
    model = exactness_model()
    ddp = DifficultyNetDDP(module=model)
    ow = exactness_optim(ddp)
    half = len(GLOBAL_LABELS) // world
    part = slice(rank * half, (rank + 1) * half)
    logs = []
    for step in range(2):
        logs.append({k: float(v) for k, v in ddp.train_step(
            exactness_batches(step, part), ow).items()})
    out['exact_state'] = {k: v.clone() for k, v in model.state_dict().items()}
    out['exact_logs'] = logs

    # part 3: mmengine's default wrapper would bypass the meta update; the
    # hook refuses it before training, the model if reached without hook
    cfg = toy_cfg('toy_difficulty_net.py', toy_root, work_dir + '/plain')
    cfg.launcher = 'pytorch'
    cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                                 device_ids=None)
    out['hook_error'] = _error(Runner.from_cfg(cfg).train)
    plain = MMDistributedDataParallel(module=exactness_model(),
                                      device_ids=None)
    optim = OptimWrapper(torch.optim.SGD(plain.parameters(), lr=0.1))
    out['model_error'] = _error(
        lambda: plain.train_step(exactness_batches(0, part), optim))
    torch.save(out, osp.join(work_dir, f'rank{rank}.pt'))
    close_distributed()


if __name__ == '__main__':
    main()
