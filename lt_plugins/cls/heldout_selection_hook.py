"""Keep the checkpoint with the best mean held-out accuracy, and test it.

The authors' CIFAR-LT code of CDB (``CIFAR-LT/cifar_train.py`` in their
CDB-loss repository) measures the class-wise accuracy on the held-out split
after every epoch, keeps the weights whose mean over the classes is the
highest so far (``if val_accuracy > best_val_accuracy``) and tests those
(``cifar_test.py``). :class:`HeldOutSelectionHook` does the same for any
classification config. The held-out split is neither train nor test (SPEC
section 1), so choosing the checkpoint on it looks at no test image, and CE
and every long-tail method can be given the same chance.
"""
import logging
import os
import os.path as osp
import shutil
from typing import List, Optional, Union

import numpy as np
import torch
from mmengine.dist import barrier, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint
from mmpretrain.registry import HOOKS
from torch.utils.data import DataLoader

from lt_plugins.core.validation import check_bool, check_int
from lt_plugins.engine.run_archive import write_json

from .cdb.cdb_cls_hook import heldout_class_counts
from .heldout_loader import build_heldout_loader, heldout_loader_cfg
from .sample_overlap import shared_samples

#: Key of the hook state inside an mmengine checkpoint.
CHECKPOINT_KEY = 'heldout_selection'


def mean_class_accuracy(correct: np.ndarray, total: np.ndarray) -> float:
    """Mean over the classes of the percentage predicted right.

    Args:
        correct (np.ndarray): Correct predictions per class, shape (C,).
        total (np.ndarray): Held-out images per class, shape (C,).

    Returns:
        float: ``100 * mean_c(correct_c / total_c)`` over the classes with
        at least one held-out image (a class without any is left out, not
        counted as 0).

    Raises:
        ValueError: If no class has a held-out image.
    """
    correct = np.asarray(correct, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    measured = total > 0
    if not measured.any():
        raise ValueError('the held-out split has no image: no checkpoint can '
                         'be chosen on it')
    return float(100.0 * (correct[measured] / total[measured]).mean())


@HOOKS.register_module()
class HeldOutSelectionHook(Hook):
    """Save the checkpoint with the best mean per-class held-out accuracy.

    After every ``interval`` epochs (epochs ``interval``, ``2 * interval``,
    ...) the model, in eval mode, predicts the held-out split (each rank a
    disjoint share under DDP, counts summed over the ranks); the mean over
    the classes of the per-class top-1 accuracy is the score. When a score
    beats every earlier one (strictly: of equal scores the first is kept,
    as in the authors' code), the model is saved as ``best_heldout.pth`` in
    the work dir with ``runner.save_checkpoint`` (a normal mmengine
    checkpoint without optimizer state, usable as ``load_from`` and by
    ``tools/test.py``; its ``meta['epoch']`` is the selected epoch).
    ``heldout_selection.json`` in the work dir is rewritten after every
    measurement: ``metric``, ``interval``, ``checkpoint``,
    ``selected_epoch``, ``selected_accuracy`` and ``history`` (per
    measurement ``epoch``, ``mean_class_accuracy`` in percent,
    ``num_images`` and ``class_accuracy``, percent per class, None for a
    class without held-out images).

    With ``test_selected=True``, ``before_test`` loads the weights of
    ``best_heldout.pth`` from the work dir, so that ``runner.test()`` (also
    ``tools/test.py`` with the training's work dir) tests the selected
    checkpoint whatever was loaded before; a missing file is an error.

    The best score, its epoch and the history are saved into every
    checkpoint and restored by ``--resume`` (not by ``load_from``, which
    starts a new selection). On a resume whose ``best_heldout.pth`` does not
    hold the restored selection (written after the resumed checkpoint by
    the interrupted run, or missing), the file is written again from the
    resumed model when the selection is the resumed epoch, else copied from
    ``epoch_<k>.pth`` in the work dir, else removed with a warning until a
    later measurement beats the restored best.

    Example (any classification config)::

        custom_hooks = [
            dict(type='HeldOutSelectionHook', interval=1, test_selected=True,
                 dataloader=dict(batch_size=256, num_workers=2,
                                 dataset={{_base_.heldout_dataset}})),
        ]

    Refused before the first iteration: a held-out split that shares images
    with the training set (:mod:`lt_plugins.cls.sample_overlap`; a warning
    when the images cannot be identified), an ``interval`` beyond
    ``max_epochs`` and an iteration-based loop (no epoch to measure after).

    Args:
        dataloader (dict | DataLoader): The held-out split, as
            ``val_dataloader``; without a sampler it gets
            ``DefaultSampler(shuffle=False, round_up=False)`` and a
            ``DefaultSampler`` gets ``round_up=False``, so that under DDP no
            image is counted twice.
        interval (int): Measure after every ``interval`` epochs, >= 1.
            Defaults to 1 (the authors' code).
        test_selected (bool): Test the selected checkpoint instead of the
            loaded weights. Defaults to False.
    """

    # after CDBClsHook (NORMAL) at the end of an epoch, before
    # PostHocTauSearchHook (LOW) at the test, so a tau is chosen for the
    # selected weights, and before CheckpointHook (VERY_LOW), so the epoch's
    # checkpoint holds the state that includes its own measurement
    priority = 'BELOW_NORMAL'
    checkpoint_name = 'best_heldout.pth'
    result_name = 'heldout_selection.json'

    def __init__(self,
                 dataloader: Union[dict, DataLoader],
                 interval: int = 1,
                 test_selected: bool = False) -> None:
        if not isinstance(dataloader, (dict, DataLoader)):
            raise TypeError('HeldOutSelectionHook: dataloader must be a '
                            'dataloader config (dict) or a DataLoader, got '
                            f'{dataloader!r} ({type(dataloader).__name__})')
        self.interval = check_int('interval', interval, 1)
        self.test_selected = check_bool('test_selected', test_selected)
        self._dataloader = heldout_loader_cfg(dataloader)
        self.best_accuracy: Optional[float] = None
        self.best_epoch: Optional[int] = None
        self.history: List[dict] = []

    # ------------------------------------------------------------ helpers
    @property
    def dataloader(self) -> DataLoader:
        self._dataloader = build_heldout_loader(self._dataloader)
        return self._dataloader

    @staticmethod
    def _unwrap(model):
        return model.module if is_model_wrapper(model) else model

    def _num_classes(self, runner) -> int:
        head = getattr(self._unwrap(runner.model), 'head', None)
        num_classes = getattr(head, 'num_classes', None)
        if num_classes is None:
            classes = self.dataloader.dataset.metainfo.get('classes')
            if classes is None:
                raise ValueError(
                    'HeldOutSelectionHook cannot tell the number of classes: '
                    'the model has no head.num_classes and the held-out data '
                    'set no metainfo classes')
            num_classes = len(classes)
        return int(num_classes)

    def _path(self, runner, name: str) -> str:
        return osp.join(runner.work_dir, name)

    # ------------------------------------------------------------- checks
    def _check_schedule(self, runner) -> None:
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            raise ValueError(
                'HeldOutSelectionHook measures after training epochs, but '
                'this run trains with an iteration-based loop '
                f'({type(loop).__name__}, max_iters={loop.max_iters}); train '
                'by epochs (train_cfg=dict(by_epoch=True, max_epochs=...))')
        max_epochs = getattr(loop, 'max_epochs', None)
        if isinstance(max_epochs, int) and self.interval > max_epochs:
            raise ValueError(
                f'HeldOutSelectionHook(interval={self.interval}) never '
                f'measures in this run: max_epochs={max_epochs}, and a '
                'measurement follows every interval-th epoch; use an '
                f'interval in [1, {max_epochs}] (the authors measure after '
                'every epoch, interval=1)')

    def _check_disjoint(self, runner) -> None:
        train = runner.train_dataloader.dataset
        heldout = self.dataloader.dataset
        shared = shared_samples(train, heldout)
        if shared is None:
            runner.logger.warning(
                'HeldOutSelectionHook cannot tell whether the held-out split '
                f'({type(heldout).__name__}) shares images with the training '
                f'set ({type(train).__name__}): their samples have neither '
                'source_id nor img_path; make sure they are disjoint')
        elif shared:
            raise ValueError(
                f'HeldOutSelectionHook: the held-out split '
                f'({type(heldout).__name__}) shares {len(shared)} images with '
                f'the training set ({type(train).__name__}), e.g. '
                f'{shared[0]}; a checkpoint must be chosen on images the '
                'model is not trained on. CIFAR-LT: build train and heldout '
                'with the same heldout_per_class and seed')

    # -------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        self._check_schedule(runner)
        self._check_disjoint(runner)
        if self.best_epoch is not None:  # restored by --resume
            self._repair_after_resume(runner)

    def after_train_epoch(self, runner) -> None:
        epoch = runner.epoch + 1  # finished epochs
        if epoch % self.interval == 0:
            self.update(runner, epoch)

    def after_train(self, runner) -> None:
        if self.best_epoch is None:
            return
        path = self._path(runner, self.checkpoint_name)
        runner.logger.info(
            f'held-out selection: epoch {self.best_epoch} '
            f'({self.best_accuracy:.2f}% mean per-class held-out accuracy, '
            f'best of {len(self.history)} measurements) in {path}')

    def before_test(self, runner) -> None:
        if not self.test_selected:
            return
        barrier()  # rank 0 may still be writing the file
        path = self._path(runner, self.checkpoint_name)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'HeldOutSelectionHook(test_selected=True): {path} does not '
                'exist. Train with this work dir first (the hook writes it), '
                'or test a checkpoint of your choice with '
                'test_selected=False')
        checkpoint = load_checkpoint(
            self._unwrap(runner.model), path, map_location='cpu',
            strict=True, logger='current')
        epoch = checkpoint.get('meta', {}).get('epoch')
        runner.logger.info(
            f'HeldOutSelectionHook: testing the checkpoint selected on the '
            f'held-out split, {path} (epoch {epoch}), instead of the weights '
            'loaded before')

    # ------------------------------------------------------- measurement
    @torch.no_grad()
    def measure(self, runner) -> np.ndarray:
        """Correct and total held-out predictions per class.

        Called on every rank; the counts are summed over the ranks, so every
        rank returns the same array.

        Returns:
            np.ndarray: float64, shape (2, C): row 0 correct, row 1 total.
        """
        return heldout_class_counts(runner.model, self.dataloader,
                                    self._num_classes(runner))

    def update(self, runner, epoch: int) -> dict:
        """Measure after ``epoch`` finished epochs; save the model if best.

        Returns:
            dict: The history record of this measurement.
        """
        correct, total = self.measure(runner)
        accuracy = mean_class_accuracy(correct, total)
        with np.errstate(invalid='ignore', divide='ignore'):
            per_class = np.where(total > 0, 100.0 * correct / total, np.nan)
        record = dict(
            epoch=int(epoch),
            mean_class_accuracy=accuracy,
            num_images=int(total.sum()),
            class_accuracy=[None if np.isnan(a) else float(a)
                            for a in per_class])
        self.history.append(record)
        # the counts are summed over the ranks, so every rank decides alike
        improved = self.best_accuracy is None or accuracy > self.best_accuracy
        if improved:
            self.best_accuracy, self.best_epoch = accuracy, int(epoch)
            self._save_model(runner, epoch)
        runner.visualizer.add_scalars(
            {'heldout_selection/mean_class_accuracy': accuracy}, step=epoch)
        runner.logger.info(
            f'held-out selection after epoch {epoch}: mean per-class '
            f'accuracy {accuracy:.2f}% on {record["num_images"]} images; '
            + (f'new best, saved {self.checkpoint_name}' if improved else
               f'best remains epoch {self.best_epoch} '
               f'({self.best_accuracy:.2f}%)'))
        self._write_result(runner)
        return record

    def _save_model(self, runner, epoch: int) -> None:
        # master_only inside; meta epoch given so the file says which epoch
        runner.save_checkpoint(
            runner.work_dir, self.checkpoint_name, save_optimizer=False,
            save_param_scheduler=False,
            meta=dict(epoch=int(epoch), iter=runner.iter))

    def _write_result(self, runner) -> None:
        if not is_main_process():
            return
        write_json(self._path(runner, self.result_name), dict(
            metric='mean per-class top-1 accuracy on the held-out split (%)',
            interval=self.interval,
            checkpoint=self.checkpoint_name,
            selected_epoch=self.best_epoch,
            selected_accuracy=self.best_accuracy,
            history=self.history))

    def _repair_after_resume(self, runner) -> None:
        """Make ``best_heldout.pth`` hold the restored selection.

        The interrupted run may have written it after the checkpoint that
        was resumed (a later epoch the restored state knows nothing of).
        """
        if is_main_process():
            self._repair_file(runner)
            # the file may hold measurements of the interrupted run that
            # the resumed state does not have
            self._write_result(runner)
        barrier()

    def _repair_file(self, runner) -> None:
        path = self._path(runner, self.checkpoint_name)
        held = None
        if osp.isfile(path):
            held = _load_checkpoint(path, map_location='cpu').get(
                'meta', {}).get('epoch')
        if held == self.best_epoch:
            return
        what = ('is missing' if held is None else
                f'holds epoch {held}, not the selected epoch '
                f'{self.best_epoch} restored by the resume')
        epoch_file = self._path(runner, f'epoch_{self.best_epoch}.pth')
        if runner.epoch == self.best_epoch:
            # the resumed weights are those of the selected epoch
            self._save_model(runner, self.best_epoch)
            how = 'written again from the resumed checkpoint'
        elif osp.isfile(epoch_file):
            shutil.copyfile(epoch_file, path)
            how = f'copied from {epoch_file}'
        else:
            if held is not None:
                os.remove(path)
            print_log(
                f'HeldOutSelectionHook: {path} {what}, and the weights of '
                f'epoch {self.best_epoch} are not at hand (no '
                f'{epoch_file}); the file is removed and written again only '
                f'when a measurement beats {self.best_accuracy:.2f}%',
                logger='current', level=logging.WARNING)
            return
        print_log(f'HeldOutSelectionHook: {path} {what}; {how}',
                  logger='current', level=logging.WARNING)

    # -------------------------------------------------------------- state
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = self.state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine calls this for load_from too; only a resume continues
        # the interrupted run's selection
        if not getattr(runner, '_resume', False):
            return
        state = checkpoint.get(CHECKPOINT_KEY)
        if state is None:
            runner.logger.warning(
                'the resumed checkpoint has no held-out selection state; '
                'the selection starts again with the next measurement')
            return
        self.load_state_dict(state)

    def state_dict(self) -> dict:
        """Plain-python state, loadable with ``torch.load(weights_only)``."""
        return dict(best_accuracy=self.best_accuracy,
                    best_epoch=self.best_epoch, interval=self.interval,
                    history=list(self.history))

    def load_state_dict(self, state: dict) -> None:
        self.best_accuracy = state['best_accuracy']
        self.best_epoch = state['best_epoch']
        self.history = list(state['history'])
