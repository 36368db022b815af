"""Starting and ending a gloo run on a CPU-only machine."""
import datetime

import pytest
import torch
import torch.distributed as torch_dist
from mmengine.config import Config

from lt_plugins.engine.cpu_distributed import (close_distributed,
                                               prepare_cpu_distributed)
from tests.ddp_launch import free_port

pytestmark = pytest.mark.skipif(
    torch.cuda.is_available(), reason='the CPU set-up is a no-op with a GPU')


def test_non_distributed_run_is_left_alone():
    cfg = Config(dict(launcher='none'))
    assert prepare_cpu_distributed(cfg) is False
    assert 'model_wrapper_cfg' not in cfg
    assert not torch_dist.is_initialized()
    close_distributed()  # nothing to close: no error


def test_other_launchers_are_refused_by_name():
    with pytest.raises(RuntimeError, match="'slurm'"):
        prepare_cpu_distributed(Config(dict(launcher='slurm')))


def test_gloo_group_is_started_and_closed(monkeypatch):
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    cfg = Config(dict(launcher='pytorch', find_unused_parameters=True))
    try:
        assert prepare_cpu_distributed(cfg) is True
        assert torch_dist.is_initialized()
        assert torch_dist.get_backend() == 'gloo'
        assert cfg.model_wrapper_cfg == dict(
            type='MMDistributedDataParallel', broadcast_buffers=False,
            find_unused_parameters=True, device_ids=None)
        close_distributed()
        assert not torch_dist.is_initialized()
        close_distributed()  # a second call does nothing
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()


def _group_timeout() -> datetime.timedelta:
    group = torch_dist.distributed_c10d._get_default_group()
    return group._get_backend(torch.device('cpu')).options._timeout


def test_gloo_group_takes_the_configs_timeout(monkeypatch):
    # the LVIS configs raise it above an LVIS evaluation on rank 0
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(
        dist_cfg=dict(backend='nccl', timeout=7200))))
    try:
        assert prepare_cpu_distributed(cfg) is True
        assert _group_timeout() == datetime.timedelta(seconds=7200)
    finally:
        close_distributed()
