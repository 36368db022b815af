"""Record per-class classifier weight norms during training."""
import json
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from lt_plugins.cls.class_counts import dataset_class_counts
from lt_plugins.core.validation import check_int
from lt_plugins.engine.safe_output import check_file_name

DEFAULT_PARAMS = ('head.fc.weight', 'head.weight')


def rank_correlation(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rank correlation (ties get their average rank).

    Args:
        a, b (Sequence[float]): Same length, at least 2.

    Returns:
        float: In [-1, 1]; nan when one of them is constant.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError(f'need two vectors of one length >= 2, got shapes '
                         f'{a.shape} and {b.shape}')

    def ranks(x):
        _, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
        first = np.concatenate([[0], np.cumsum(cnt)[:-1]])
        return (first + (cnt - 1) / 2.0)[inv]

    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = np.sqrt((ra**2).sum() * (rb**2).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float('nan')


@HOOKS.register_module()
class WeightNormRecorderHook(Hook):
    """Write the L2 norm of every classifier weight row to a JSON file.

    Records once before training (after ``load_from``, i.e. the stage-1
    classifier in IWB stage 2) and after every ``interval``-th training
    epoch, in ``<work_dir>/<out_file>``::

        {"param": "head.fc.weight",
         "class_counts": [...],            # training samples per class
         "records": [{"epoch": 0, "iter": 0, "norms": [...],
                      "spearman_vs_counts": 0.93}, ...]}

    ``epoch`` counts finished epochs. A positive rank correlation between
    norms and counts is the head-heavy classifier of plain CE; IWB inverts it
    (IWB paper Figs. 1 and 3). On resume, records of later epochs are dropped
    and new ones appended. Only the main process writes.

    Args:
        param (str, optional): Name of the (C, D) weight in the unwrapped
            model. Defaults to the first of ``head.fc.weight`` (linear heads)
            and ``head.weight`` (``ALAHead``) that exists.
        out_file (str): File name in the work dir.
            Defaults to ``'weight_norms.json'``.
        interval (int): Record every this many epochs. Defaults to 1.
    """

    priority = 'LOW'

    def __init__(self, param: Optional[str] = None,
                 out_file: str = 'weight_norms.json',
                 interval: int = 1) -> None:
        self.interval = check_int('interval', interval, 1)
        if param is not None and (not isinstance(param, str) or not param):
            raise TypeError('param must be a parameter name (str) or None, '
                            f'got {param!r}')
        self.param = param
        self.out_file = check_file_name('out_file', out_file)
        self._data: Optional[dict] = None

    def _weight(self, runner) -> torch.Tensor:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        params = dict(model.named_parameters())
        names = (self.param, ) if self.param else DEFAULT_PARAMS
        for name in names:
            if name in params:
                self.param = name
                w = params[name]
                if w.dim() != 2:
                    raise ValueError(f'{name} has shape {tuple(w.shape)}; a '
                                     '(num_classes, dim) weight is needed')
                return w.detach()
        raise KeyError(f'WeightNormRecorderHook: none of {names} is a '
                       'parameter of the model; set param=...')

    def _path(self, runner) -> str:
        return osp.join(runner.work_dir, self.out_file)

    def before_train(self, runner) -> None:
        try:
            counts = dataset_class_counts(runner.train_dataloader.dataset)
            counts = counts.tolist()
        except (TypeError, ValueError):
            counts = None
        records = []
        path = self._path(runner)
        if osp.isfile(path):  # resumed: keep what earlier epochs recorded
            with open(path) as f:
                records = [r for r in json.load(f).get('records', [])
                           if r['epoch'] < runner.epoch]
        self._data = dict(param=None, class_counts=counts, records=records)
        self._record(runner, runner.epoch)

    def after_train_epoch(self, runner) -> None:
        if self.every_n_epochs(runner, self.interval):
            self._record(runner, runner.epoch + 1)

    def _record(self, runner, epoch: int) -> None:
        norms = self._weight(runner).norm(dim=1).cpu().tolist()
        counts = self._data['class_counts']
        rho = None
        if counts is not None and len(counts) == len(norms):
            rho = rank_correlation(norms, counts)
            rho = None if np.isnan(rho) else rho
        self._data['param'] = self.param
        self._data['records'].append(
            dict(epoch=int(epoch), iter=int(runner.iter), norms=norms,
                 spearman_vs_counts=rho))
        if rho is not None:
            print_log(f'WeightNormRecorderHook: epoch {epoch}, rank '
                      f'correlation of {self.param} row norms with class '
                      f'counts {rho:+.3f}', logger='current')
        if is_main_process():
            with open(self._path(runner), 'w') as f:
                json.dump(self._data, f, indent=1)
