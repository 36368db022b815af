"""Difficulty-Net under two-process DDP (torchrun, gloo, CPU)."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

sys.path.insert(0, osp.dirname(__file__))
from ddp_difficulty_net_run import (exactness_batches,  # noqa: E402
                                    exactness_model, exactness_optim)
from tests.ddp_launch import free_port  # noqa: E402

SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)),
                  'ddp_difficulty_net_run.py')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def ranks(toy_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('dnet_ddp'))
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    cmd = [sys.executable, '-m', 'torch.distributed.run',
           '--nproc_per_node=2', f'--master_port={free_port()}', SCRIPT,
           toy_root, work]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return [torch.load(osp.join(work, f'rank{r}.pt'), weights_only=False)
            for r in range(2)]


def test_both_ranks_end_with_identical_classifier_and_d(ranks):
    r0, r1 = ranks
    assert r0['world_size'] == r1['world_size'] == 2
    assert r0['wrapper'] == 'DifficultyNetDDP'
    params = [k for k in r0['state'] if not (
        'running_' in k or 'num_batches_tracked' in k)]
    assert any(k.startswith('difficulty_net.') for k in params)
    assert any(k.startswith('head.') for k in params)
    for k in params:
        assert torch.equal(r0['state'][k], r1['state'][k]), k
    # the per-class accuracy was measured over both shards and is the same
    assert r0['state']['class_accuracy'].sum() > 0
    assert torch.equal(r0['state']['class_accuracy'],
                       r1['state']['class_accuracy'])
    # the optimiser states (SGD momentum, Adam moments) agree as well
    for key in ('classifier', 'difficulty_net'):
        for idx, state in r0['optim'][key]['state'].items():
            for name, value in state.items():
                assert torch.equal(torch.as_tensor(value), torch.as_tensor(
                    r1['optim'][key]['state'][idx][name])), (key, name)


def test_two_processes_make_the_one_process_update(ranks):
    """Two ranks with half a batch each = one process with the whole batch
    (BatchNorm in eval mode, so samples do not interact)."""
    model = exactness_model()
    ow = exactness_optim(model)
    logs = [model.train_step(exactness_batches(step), ow)
            for step in range(2)]
    ref = model.state_dict()
    for r in ranks:
        for k, v in r['exact_state'].items():
            assert torch.allclose(v.float(), ref[k].float(), rtol=1e-4,
                                  atol=1e-6), k
    # the driver loss depends on A and theta only: same on all ranks
    assert ranks[0]['exact_logs'][1]['loss_driver'] == pytest.approx(
        float(logs[1]['loss_driver']), rel=1e-5)
    key = 'difficulty_net.layers.0.weight'
    d_moved = (ranks[0]['exact_state'][key] -
               exactness_model().state_dict()[key])
    assert d_moved.abs().max() > 0


def test_default_ddp_wrapper_is_refused(ranks):
    """mmengine's MMDistributedDataParallel.train_step never calls the
    model's train_step: the hook refuses that wrapper before training, and
    the model refuses to compute a loss behind the meta update's back."""
    for r in ranks:
        for key in ('hook_error', 'model_error'):
            assert r[key] is not None, key
            assert 'DifficultyNetDDP' in r[key], r[key]
