"""A test hook that records what DifficultyRepeatFactorSampler does in a run.

Imported by the test configs (``custom_imports``); it writes one JSON line
per event to ``<work_dir>/sampler_probe_rank<k>.jsonl``, appending, so a
resumed run continues the interrupted run's file.
"""
import json
import os.path as osp

from mmengine.dist import get_rank
from mmengine.hooks import Hook

from lt_plugins.det.difficulty_sampler import find_difficulty_sampler
from mmdet.registry import HOOKS


@HOOKS.register_module()
class SamplerProbeHook(Hook):
    # after DistSamplerSeedHook's set_epoch and CDBDifficultyHook's
    # measurement (both NORMAL), before CheckpointHook (VERY_LOW)
    priority = 'LOW'

    def _write(self, runner, **record) -> None:
        sampler = find_difficulty_sampler(runner)
        record.update(
            runner_epoch=runner.epoch, runner_iter=runner.iter,
            runner_seed=runner.seed, seed=sampler.seed,
            sampler_epoch=sampler.epoch, served=sampler.served,
            weights=sampler.weights.tolist(),
            measured=None if sampler.measured is None else
            sampler.measured.tolist(),
            category_factors=sampler.category_factors.tolist(),
            image_factors=sampler.image_factors.tolist())
        path = osp.join(runner.work_dir, f'sampler_probe_rank{get_rank()}'
                        '.jsonl')
        with open(path, 'a') as f:
            f.write(json.dumps(record) + '\n')

    def before_train(self, runner) -> None:
        self._write(runner, event='before_train')

    def before_train_epoch(self, runner) -> None:
        self._iters = 0
        sampler = find_difficulty_sampler(runner)
        self._write(runner, event='before_train_epoch',
                    dataloader_len=len(runner.train_dataloader),
                    max_iters=runner.max_iters,
                    shard=list(iter(sampler)),
                    plan=sampler.epoch_plan().tolist())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self._iters += 1

    def after_train_epoch(self, runner) -> None:
        self._write(runner, event='after_train_epoch', iters=self._iters)
