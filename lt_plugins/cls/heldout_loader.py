"""The held-out dataloader of the hooks that measure on a held-out split.

``CDBClsHook`` (class difficulty) and ``PostHocTauSearchHook`` (choosing a
post-hoc head's tau) both take the held-out split as a dataloader config,
build it on first use and count every image once per measurement.
"""
import copy
from typing import Union

from torch.utils.data import DataLoader


def heldout_loader_cfg(dataloader: Union[dict, DataLoader]
                       ) -> Union[dict, DataLoader]:
    """A copy of a held-out dataloader config that counts each image once.

    Without a sampler the config gets ``DefaultSampler(shuffle=False)``; a
    ``DefaultSampler`` gets ``round_up=False``, so that under DDP no image is
    counted twice (round-up would repeat images to fill the last rank). A
    built ``DataLoader`` is returned as it is.
    """
    if not isinstance(dataloader, dict):
        return dataloader
    dataloader = copy.deepcopy(dataloader)
    sampler = dataloader.setdefault(
        'sampler', dict(type='DefaultSampler', shuffle=False))
    if sampler.get('type') in ('DefaultSampler', 'mmengine.DefaultSampler'):
        sampler['round_up'] = False
    return dataloader


def build_heldout_loader(dataloader: Union[dict, DataLoader]) -> DataLoader:
    """``dataloader`` built with ``Runner.build_dataloader`` if a config."""
    if isinstance(dataloader, DataLoader):
        return dataloader
    from mmengine.runner import Runner
    return Runner.build_dataloader(dataloader)
