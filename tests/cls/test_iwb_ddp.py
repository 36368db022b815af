"""IWB stage 2 under DDP: two gloo processes (torchrun), frozen encoder.

mmengine wraps the model in DistributedDataParallel before ``load_from``;
``FrozenEncoderClassifier`` freezes the encoder when the model is built, so
DDP only syncs ``head.fc`` and the BatchNorm statistics stay those of stage
1 on every rank. This file is also the worker that torchrun starts.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import torch
from mmengine.runner import Runner
from toy_cfg_plain import toy_cfg
from tests.ddp_launch import free_port

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HEAD_PARAMS = {'head.fc.weight', 'head.fc.bias'}


def _worker(data_root, work_dir, load_from, out_dir):
    """Stage 2 on one rank; each rank writes what its model ended with."""
    import lt_plugins.cls  # noqa: F401
    from lt_plugins.engine.cpu_distributed import (close_distributed,
                                                   prepare_cpu_distributed)

    cfg = toy_cfg('toy_iwb_stage2_cifar10-lt.py', data_root, work_dir)
    cfg.load_from = load_from
    # what tools/train.py does: gloo group, DDP wrapper without device ids
    cfg.launcher = 'pytorch'
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model.module
    s1 = torch.load(load_from, map_location='cpu',
                    weights_only=False)['state_dict']
    s2 = model.state_dict()
    rank = int(os.environ['RANK'])
    result = dict(
        wrapper=type(runner.model).__name__,
        trainable=sorted(n for n, p in model.named_parameters()
                         if p.requires_grad),
        changed=sorted(k for k, v in s1.items()
                       if not torch.equal(s2[k], v)),
        fc_weight=s2['head.fc.weight'].flatten().tolist())
    with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(result, f)
    close_distributed()


def test_stage2_two_process_ddp_keeps_encoder(toy_root, tmp_path):
    import lt_plugins.cls  # noqa: F401
    s1_dir = str(tmp_path / 'stage1')
    runner = Runner.from_cfg(
        toy_cfg('toy_iwb_stage1_cifar10-lt.py', toy_root, s1_dir))
    runner.train()
    ckpt = osp.join(s1_dir, 'epoch_2.pth')

    out = str(tmp_path / 'out')
    os.makedirs(out)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO + (
        os.pathsep + os.environ['PYTHONPATH']
        if os.environ.get('PYTHONPATH') else ''))
    cmd = [sys.executable, '-m', 'torch.distributed.run',
           '--nproc_per_node=2', f'--master_port={free_port()}', __file__,
           toy_root, str(tmp_path / 'stage2'), ckpt, out]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    ranks = []
    for r in (0, 1):
        with open(osp.join(out, f'rank{r}.json')) as f:
            ranks.append(json.load(f))
    for res in ranks:
        assert res['wrapper'] == 'MMDistributedDataParallel'
        assert set(res['trainable']) == HEAD_PARAMS
        # only the classifier changed; BN running stats are stage 1's
        assert set(res['changed']) == HEAD_PARAMS
    # DDP kept the classifier identical on both ranks
    assert ranks[0]['fc_weight'] == ranks[1]['fc_weight']


if __name__ == '__main__':
    _worker(*sys.argv[1:5])
