"""Distributed training on CPU-only machines (torchrun + gloo).

mmengine 0.10.7 assumes a GPU per process under ``--launcher pytorch``: its
``init_dist`` calls ``torch.cuda.set_device(LOCAL_RANK)`` and its DDP
wrapper passes ``device_ids=[LOCAL_RANK]``; both fail without a GPU. With no
GPU, :func:`prepare_cpu_distributed` starts the gloo process group itself
(mmengine then skips its own ``init_dist``) and makes the DDP wrapper use
``device_ids=None``. On a GPU machine it does nothing.
:func:`close_distributed` ends a finished distributed run cleanly.
"""
import datetime
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> bool:
    """Set up gloo DDP on the CPU when launched distributed without a GPU.

    Args:
        cfg (Config): The run's config; ``cfg.launcher`` must be set. Its
            ``model_wrapper_cfg`` is adapted in place.

    Returns:
        bool: True when the CPU set-up was applied.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if cfg.launcher != 'pytorch':
        raise RuntimeError(
            f'launcher {cfg.launcher!r} without a GPU is not supported; use '
            'torchrun with --launcher pytorch (gloo backend)')
    if not torch_dist.is_initialized():
        # the config's timeout (seconds), as mmengine's init_dist takes it
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {} if timeout is None else dict(
            timeout=datetime.timedelta(seconds=timeout))
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    wrapper = cfg.get('model_wrapper_cfg', None)
    if wrapper is None:
        # what mmengine's default wrapper does, minus the GPU device id
        wrapper = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    return True


def close_distributed() -> None:
    """Destroy the default process group at the end of a successful run.

    A torchrun worker that exits with its gloo group still alive can abort
    during interpreter shutdown ("terminate called without an active
    exception", SIGABRT; pytorch/pytorch#190489): gloo's worker threads are
    torn down after Python. torchrun then reports the run as failed although
    it finished. The barrier lets every rank finish its last collective
    first. Call it only after the run succeeded: after an exception other
    ranks may be inside a collective and the barrier would hang.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
