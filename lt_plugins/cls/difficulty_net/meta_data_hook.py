"""Meta batches and per-class meta-split accuracy for Difficulty-Net."""
import copy
from typing import Iterator, Optional

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmpretrain.registry import HOOKS

from lt_plugins.core.validation import check_int
from .grad_sync import all_reduce_sum_
from .lr_guard import keep_difficulty_net_lr


@HOOKS.register_module()
class DifficultyNetHook(Hook):
    """Feeds meta batches to Difficulty-Net and measures ``A`` every epoch.

    The meta split (a small class-balanced held-out set, neither train nor
    test) serves twice, as in the paper (Sec. 3.2: "S^meta is reusable as
    S^val"):

    * **meta batches**: the hook owns an endless iterator over
      ``meta_dataloader`` and, before every training iteration, puts the next
      batch into the training batch as ``data_batch['meta_batch']``, where
      :meth:`DifficultyNetClassifier.train_step` takes it from (not with
      ``meta_grad=False``, which needs none). When the iterator is
      exhausted it starts a new pass (a new shuffle). Under
      distributed training the loader's sampler gives each process its own
      shard, like the training loader.
    * **per-class accuracy** ``A``: after every ``interval`` training epochs
      the hook runs the classifier (eval mode) over ``accuracy_dataloader``
      (default: ``meta_dataloader`` without shuffling or padding) and writes
      the top-1 accuracy of each class into the model's ``class_accuracy``
      buffer. Per-class hits and counts are summed over all processes, so
      every process stores the same vector (mmengine's DDP does not
      broadcast buffers). Being a buffer, ``A`` is saved in checkpoints and
      restored on resume; before the first measurement it is all zeros
      (SPEC section 2). A class without meta samples keeps its previous
      accuracy, with a warning.

    * **D's optimiser settings**: before training the hook undoes what
      mmengine's runner does to ``D``'s optimiser behind the config's back,
      ``--auto-scale-lr`` (which scales every optimiser's lr) and a
      ``param_scheduler`` list (which mmengine applies to every optimiser);
      see ``lr_guard.keep_difficulty_net_lr``.

    The priority (NORMAL) runs the measurement before the checkpoint hook
    (VERY_LOW) at the end of an epoch, so a checkpoint holds the accuracy
    that the next epoch uses.

    Args:
        meta_dataloader (dict): Data loader config (``Runner.build_dataloader``
            style: ``batch_size``, ``num_workers``, ``sampler``, ``dataset``
            ...) of the meta split, with the test pipeline (no augmentation,
            as in the official code).
        accuracy_dataloader (dict, optional): Loader for measuring ``A``;
            defaults to ``meta_dataloader`` with
            ``sampler=dict(type='DefaultSampler', shuffle=False,
            round_up=False)``.
        interval (int): Measure every ``interval`` epochs. Defaults to 1.
    """

    priority = 'NORMAL'

    def __init__(self,
                 meta_dataloader: dict,
                 accuracy_dataloader: Optional[dict] = None,
                 interval: int = 1) -> None:
        if not isinstance(meta_dataloader, dict):
            raise TypeError('meta_dataloader must be a data loader config '
                            f'dict, got {type(meta_dataloader).__name__}')
        interval = check_int('interval', interval, 1)
        if accuracy_dataloader is not None and \
                not isinstance(accuracy_dataloader, dict):
            raise TypeError('accuracy_dataloader must be a data loader config '
                            f'dict or None, got '
                            f'{type(accuracy_dataloader).__name__}')
        self.meta_dataloader_cfg = copy.deepcopy(meta_dataloader)
        if accuracy_dataloader is None:
            accuracy_dataloader = copy.deepcopy(meta_dataloader)
            # round_up=False: padding would count some samples twice
            accuracy_dataloader['sampler'] = dict(
                type='DefaultSampler', shuffle=False, round_up=False)
        self.accuracy_dataloader_cfg = accuracy_dataloader
        self.interval = interval
        self._meta_loader = None
        self._meta_iter: Optional[Iterator] = None
        self._meta_pass = 0
        self._accuracy_loader = None

    @staticmethod
    def _model(runner: Runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'set_class_accuracy'):
            raise TypeError('DifficultyNetHook needs a DifficultyNetClassifier'
                            f', got {type(model).__name__}')
        return model

    def before_train(self, runner: Runner) -> None:
        self._model(runner)
        if is_model_wrapper(runner.model) and not hasattr(
                type(runner.model), 'DELEGATES_TRAIN_STEP'):
            # mmengine's default wrapper re-implements train_step and would
            # fail later with an obscure optim_context error
            raise RuntimeError(
                f'{type(runner.model).__name__} does not run the model\'s own '
                'train_step, so the Difficulty-Net meta update would be '
                'bypassed; set '
                "model_wrapper_cfg=dict(type='DifficultyNetDDP')")
        keep_difficulty_net_lr(runner)
        self._meta_loader = runner.build_dataloader(
            self.meta_dataloader_cfg, seed=runner.seed)
        self._accuracy_loader = runner.build_dataloader(
            self.accuracy_dataloader_cfg, seed=runner.seed)
        self._meta_pass = 0
        self._meta_iter = None

    def _next_meta_batch(self):
        if self._meta_iter is not None:
            try:
                return next(self._meta_iter)
            except StopIteration:
                self._meta_pass += 1
        sampler = getattr(self._meta_loader, 'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(self._meta_pass)
        self._meta_iter = iter(self._meta_loader)
        try:
            return next(self._meta_iter)
        except StopIteration:
            raise RuntimeError('the meta data loader yields no batch (empty '
                               'meta split?)') from None

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch=None) -> None:
        if not isinstance(data_batch, dict):
            raise TypeError('DifficultyNetHook needs dict training batches, '
                            f'got {type(data_batch).__name__}')
        if not self._model(runner).meta_grad:
            return  # meta_grad=False uses no meta batch; skip the loading
        data_batch['meta_batch'] = self._next_meta_batch()

    def after_train_epoch(self, runner: Runner) -> None:
        if self.every_n_epochs(runner, self.interval):
            self.measure(runner)

    @torch.no_grad()
    def measure(self, runner: Runner) -> torch.Tensor:
        """Measure and store the per-class accuracy on the meta split.

        Returns:
            Tensor: The stored accuracy vector, shape (C,).
        """
        model = self._model(runner)
        num_classes = model.num_classes
        device = model.class_accuracy.device
        hits = torch.zeros(num_classes, dtype=torch.float64, device=device)
        counts = torch.zeros(num_classes, dtype=torch.float64, device=device)
        was_training = model.training
        model.eval()
        try:
            for batch in self._accuracy_loader:
                data = model.data_preprocessor(batch, False)
                logits = model(data['inputs'], mode='tensor')
                labels = model._labels(data['data_samples']).to(device)
                if int(labels.max()) >= num_classes or int(labels.min()) < 0:
                    raise ValueError(
                        f'meta labels range over [{int(labels.min())}, '
                        f'{int(labels.max())}], outside [0, {num_classes})')
                correct = (logits.argmax(dim=1) == labels).double()
                hits.index_add_(0, labels, correct)
                counts.index_add_(0, labels, torch.ones_like(correct))
        finally:
            model.train(was_training)
        all_reduce_sum_(hits)
        all_reduce_sum_(counts)
        accuracy = model.class_accuracy.clone().double()
        seen = counts > 0
        accuracy[seen] = hits[seen] / counts[seen]
        missing = (~seen).nonzero().flatten().tolist()
        if missing:
            runner.logger.warning(
                f'DifficultyNetHook: classes {missing[:20]}'
                f'{" ..." if len(missing) > 20 else ""} have no sample in the '
                'meta split; they keep their previous accuracy')
        model.set_class_accuracy(accuracy.float())
        weights = model.class_weights()
        if dist.is_main_process():
            runner.logger.info(
                f'DifficultyNetHook: meta-split accuracy mean '
                f'{float(accuracy.mean()):.4f} '
                f'(min {float(accuracy.min()):.4f}'
                f', max {float(accuracy.max()):.4f}); class weights range '
                f'[{float(weights.min()):.4f}, {float(weights.max()):.4f}]')
        return model.class_accuracy
