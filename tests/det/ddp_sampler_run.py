"""Run under ``torchrun --nproc_per_node=2`` (gloo, CPU): every rank builds
DifficultyRepeatFactorSampler on the same LVIS json with a synchronised
seed and writes, for 20 epochs, the full plan and its own shard.

Arguments: data root, annotation file, comma-separated class names, output
directory.
"""
import json
import os.path as osp
import sys

import numpy as np
import torch.distributed as dist
from mmengine.dist import get_rank, get_world_size

from lt_plugins.det.difficulty_sampler import DifficultyRepeatFactorSampler
from mmdet.datasets import LVISV05Dataset

#: The weights and threshold of tests/det/test_difficulty_sampler.py.
WEIGHTS = [0.5, 1.5, 0.8, 1.2]
THR = 0.5


def main():
    root, ann_file, classes, out = sys.argv[1:5]
    dist.init_process_group(backend='gloo')
    dataset = LVISV05Dataset(data_root=root, ann_file=ann_file,
                             data_prefix=dict(img='train2017/'),
                             metainfo=dict(classes=tuple(classes.split(','))),
                             pipeline=[])
    # seed=None: one random seed, synchronised over the ranks
    sampler = DifficultyRepeatFactorSampler(
        dataset, form='rfs_x_difficulty', oversample_thr=THR)
    sampler.update_weights(np.array(WEIGHTS))
    epochs = []
    for epoch in range(20):
        sampler.set_epoch(epoch)
        epochs.append(dict(plan=sampler.epoch_plan().tolist(),
                           shard=list(iter(sampler)), len=len(sampler)))
    with open(osp.join(out, f'rank{get_rank()}.json'), 'w') as f:
        json.dump(dict(seed=sampler.seed, world_size=get_world_size(),
                       epochs=epochs), f)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
