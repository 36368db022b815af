"""A test-only hook that records the CDB loss weights the model trains with.

Loaded by test configs through ``custom_imports``; it writes, per rank,
``weights_rank<r>.json`` in the work dir: the weights at the start of every
epoch and after every epoch (after the CDB hook has run).
"""
import json
import os.path as osp

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from lt_plugins.det.difficulty_hook import cdb_losses


@HOOKS.register_module()
class CDBWeightProbeHook(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.records = []

    def _record(self, runner, when):
        weights = [loss.foreground_weights.tolist()
                   for loss in cdb_losses(runner.model)]
        self.records.append(dict(when=when, epoch=runner.epoch,
                                 weights=weights))
        path = osp.join(runner.work_dir, f'weights_rank{get_rank()}.json')
        with open(path, 'w') as f:
            json.dump(self.records, f)

    def before_train_epoch(self, runner):
        self._record(runner, 'before_epoch')

    def after_train_epoch(self, runner):
        self._record(runner, 'after_epoch')
