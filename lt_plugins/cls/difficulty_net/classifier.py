"""An mmpretrain image classifier trained with Difficulty-Net.

Sinha & Ohashi, "Difficulty-Net: Learning to Predict Difficulty for
Long-Tailed Recognition" (WACV 2023), Sec. 3.2 and SPEC section 2.
"""
import logging
from collections import OrderedDict
from contextlib import nullcontext
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as F
from mmengine import dist
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from torch.func import functional_call

from lt_plugins.core.validation import check_bool, check_choice, check_real
from .class_weights import difficulty_class_weights
from .driver_loss import driver_loss
from .forward_output_cache import ForwardOutputCache, ReplayMismatch
from .grad_sync import all_reduce_mean
from .virtual_step import virtual_step

META_GRAD_IMPLS = ('forward_ad', 'double_backward')


@MODELS.register_module()
class DifficultyNetClassifier(ImageClassifier):
    """Image classifier whose CE loss is weighted by a meta-learned ``D``.

    One call of :meth:`train_step` is one iteration of the paper's 3-step
    algorithm (Eqs. 9-11) on one training batch and one meta batch:

    1. virtual step ``phi_hat = phi - alpha * grad_phi mean_i(w_{y_i}(theta)
       * CE_i)`` (Eq. 9), ``alpha`` the current learning rate of each
       parameter's optimiser group, ``w = C * D(A) / sum D(A)``;
    2. ``theta`` (the parameters of ``D``) takes one step of its own
       optimiser (Adam by default) on ``lambda * L_dr + mean CE(f(x_meta;
       phi_hat))`` (Eq. 10);
    3. the weights are recomputed with the new ``theta`` (no gradient) and
       the classifier takes its real step on the same training batch
       (Eq. 11) with its own optimiser.

    ``A`` is the buffer :attr:`class_accuracy` (all zeros until the first
    measurement), written once per epoch by
    :class:`~lt_plugins.cls.difficulty_net.DifficultyNetHook`, which also
    puts the meta batch into ``data['meta_batch']``.

    The meta-gradient ``d L_meta / d theta`` flows only through the class
    weights ``w``: ``phi_hat`` depends on ``theta`` through ``w``. It is
    computed exactly in one of two ways (``meta_grad_impl``, see
    :meth:`meta_weight_gradient`):

    * ``'double_backward'``: SPEC section 2 step 1 to the letter: the
      virtual gradient is taken with ``create_graph=True``, ``phi_hat`` is
      fed to the classifier with :func:`torch.func.functional_call`, and the
      meta loss is back-propagated through the gradient graph (second
      order).
    * ``'forward_ad'`` (default): a different construction of the same
      number (Eqs. 9-10 and the chain rule), without the second-order graph.
      ``phi_hat`` is linear in ``w``, so ``dL_meta/dw_c = -(1/b) sum_{i:
      y_i = c} <u, grad_phi CE_i>`` with ``u = alpha * dL_meta/dphi_hat``;
      the per-sample directional derivatives ``<u, grad_phi CE_i>`` come
      from one forward-mode (``torch.autograd.forward_ad``) pass of the
      training batch. Cheaper than ``'double_backward'`` (figures in
      docs/difficulty_net.md, "Cost"); the tests check both against finite
      differences and against each other.

    The forward pass of the training batch at ``phi_t`` is shared by the
    virtual step and the real step (both differentiate the same per-sample
    losses at ``phi_t``, with different weights), so BatchNorm running
    statistics move once per iteration, as in the official code. With
    ``'forward_ad'`` the forward-mode pass, at the same ``phi_t``, also
    takes the outputs of the convolution and linear layers from it
    (``reuse_forward_outputs``). The meta forward and the forward-mode pass
    run on one copy of the buffers.

    ``meta_grad=False`` reproduces the official code, which detaches the
    weights: the meta loss then has no gradient w.r.t. ``theta`` and ``D`` is
    trained by the driver loss alone. The virtual step and the meta forward,
    whose only product is that zero gradient, are skipped, so an iteration
    costs about as much as a plain CE iteration.

    Distributed training needs the model wrapper
    :class:`~lt_plugins.cls.difficulty_net.DifficultyNetDDP`
    (``model_wrapper_cfg=dict(type='DifficultyNetDDP')``); mmengine's
    default DDP wrapper never calls this :meth:`train_step`. Across
    processes the step averages, explicitly, the virtual gradient, the meta
    gradient w.r.t. ``phi_hat``, the gradient w.r.t. the class weights and
    the real gradient, so every process makes the update that one process
    would make on the concatenated batches (BatchNorm batch statistics
    aside, which stay per process as with any DDP training).

    Args:
        backbone (dict): Backbone config (see ``ImageClassifier``).
        neck (dict, optional): Neck config.
        head (dict): Head config; the head needs a ``loss_module`` that
            accepts ``reduction_override='none'`` (mmpretrain's
            ``CrossEntropyLoss`` does) and a ``num_classes`` attribute.
        difficulty_net (dict): Config of ``D``; ``type`` defaults to
            ``'DifficultyNet'`` and ``num_classes`` to the head's. Defaults to
            ``dict(hidden_dim=128)`` (the official CIFAR-100 setting).
        driver_loss_weight (float): ``lambda`` of Eq. 8/10. Defaults to 0.3.
        meta_grad (bool): Let the meta loss train ``D`` (the paper, default)
            or not (the official code). Defaults to True.
        meta_grad_impl (str): ``'forward_ad'`` or ``'double_backward'``.
        virtual_lr (float, optional): ``alpha`` of the virtual step. None
            (default) uses each parameter's current learning rate, as the
            paper and the official code do.
        driver_eps (float): Added to ``sum_k a_k`` in the driver loss target
            (official code: 1e-12), so the all-zero start gives target 1.
        reuse_forward_outputs (bool): ``'forward_ad'`` only: the
            forward-mode pass takes the primal outputs of the ``Conv`` and
            ``Linear`` layers from the shared training forward instead of
            recomputing them (same numbers, see
            :class:`ForwardOutputCache`). Turned off, with a warning, if the
            model's forward cannot be replayed (e.g. it modifies a
            convolution output in place). Defaults to True.
        **kwargs: ``pretrained``, ``train_cfg``, ``data_preprocessor``,
            ``init_cfg`` of ``ImageClassifier``.
    """

    CLASSIFIER_OPTIM = 'classifier'
    DIFFICULTY_OPTIM = 'difficulty_net'

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 difficulty_net: Optional[dict] = None,
                 driver_loss_weight: float = 0.3,
                 meta_grad: bool = True,
                 meta_grad_impl: str = 'forward_ad',
                 virtual_lr: Optional[float] = None,
                 driver_eps: float = 1e-12,
                 reuse_forward_outputs: bool = True,
                 **kwargs) -> None:
        if head is None:
            raise ValueError('DifficultyNetClassifier needs a head')
        # checked before the backbone is built
        driver_loss_weight = check_real('driver_loss_weight',
                                        driver_loss_weight, 0.0)
        check_bool('meta_grad', meta_grad)
        check_choice('meta_grad_impl', meta_grad_impl, META_GRAD_IMPLS)
        virtual_lr = check_real('virtual_lr', virtual_lr, 0.0, low_open=True,
                                allow_none=True)
        # 0 would make the all-zero start's target 0 / 0
        driver_eps = check_real('driver_eps', driver_eps, 0.0, low_open=True)
        check_bool('reuse_forward_outputs', reuse_forward_outputs)
        super().__init__(backbone=backbone, neck=neck, head=head, **kwargs)
        num_classes = getattr(self.head, 'num_classes', None)
        if num_classes is None:
            raise ValueError(f'head {type(self.head).__name__} has no '
                             'num_classes attribute')
        if not hasattr(self.head, 'loss_module'):
            raise ValueError(f'head {type(self.head).__name__} has no '
                             'loss_module to compute per-sample losses')
        d_cfg = dict(hidden_dim=128) if difficulty_net is None else dict(
            difficulty_net)
        d_cfg.setdefault('type', 'DifficultyNet')
        d_cfg.setdefault('num_classes', num_classes)
        if d_cfg['num_classes'] != num_classes:
            raise ValueError(f"difficulty_net num_classes="
                             f"{d_cfg['num_classes']} but the head has "
                             f'{num_classes} classes')
        self.difficulty_net = MODELS.build(d_cfg)
        self.num_classes = int(num_classes)
        self.driver_loss_weight = float(driver_loss_weight)
        self.meta_grad = bool(meta_grad)
        self.meta_grad_impl = meta_grad_impl
        self.virtual_lr = virtual_lr
        self.driver_eps = float(driver_eps)
        self.reuse_forward_outputs = bool(reuse_forward_outputs)
        # A of Eq. 4, measured on the meta split by DifficultyNetHook. A
        # buffer so that it is saved with the model and restored on resume.
        self.register_buffer('class_accuracy', torch.zeros(self.num_classes))
        self._in_train_step = False

    # ------------------------------------------------------------------
    # state written by the hook
    def set_class_accuracy(self, accuracy: torch.Tensor) -> None:
        """Store the per-class accuracy ``A`` measured on the meta split.

        Args:
            accuracy (Tensor): Shape (C,), values in [0, 1].
        """
        accuracy = torch.as_tensor(accuracy, dtype=torch.float32)
        if accuracy.shape != self.class_accuracy.shape:
            raise ValueError(f'accuracy must have shape '
                             f'{tuple(self.class_accuracy.shape)}, got '
                             f'{tuple(accuracy.shape)}')
        if bool((accuracy < 0).any()) or bool((accuracy > 1).any()):
            raise ValueError('accuracies must lie in [0, 1], got range '
                             f'[{float(accuracy.min())}, '
                             f'{float(accuracy.max())}]')
        self.class_accuracy.copy_(accuracy.to(self.class_accuracy.device))

    @torch.no_grad()
    def class_weights(self) -> torch.Tensor:
        """Current class weights ``w = C * D(A) / sum D(A)``, shape (C,)."""
        return difficulty_class_weights(
            self.difficulty_net(self.class_accuracy))

    # ------------------------------------------------------------------
    # helpers
    def classifier_parameters(self) -> List[Tuple[str, torch.nn.Parameter]]:
        """``phi``: the trainable parameters outside ``D``, with names."""
        return [(n, p) for n, p in self.named_parameters()
                if p.requires_grad and not n.startswith('difficulty_net.')]

    @staticmethod
    def _labels(data_samples) -> torch.Tensor:
        if not data_samples:
            raise ValueError('the batch has no data_samples (labels)')
        if 'gt_score' in data_samples[0]:
            raise ValueError(
                'soft labels (gt_score, e.g. from Mixup/CutMix batch '
                'augments) are not supported: Difficulty-Net weights each '
                'sample by the weight of its single class')
        return torch.cat([ds.gt_label for ds in data_samples])

    def per_sample_loss(self, cls_score: torch.Tensor,
                        labels: torch.Tensor) -> torch.Tensor:
        """Per-sample training loss ``CE_i`` of the head's loss module.

        Args:
            cls_score (Tensor): Logits, shape (B, C).
            labels (Tensor): Shape (B,).

        Returns:
            Tensor: Shape (B,).
        """
        loss = self.head.loss_module(
            cls_score, labels, reduction_override='none')
        if loss.shape != labels.shape:
            raise ValueError(
                f'{type(self.head.loss_module).__name__} returned shape '
                f'{tuple(loss.shape)} with reduction none; per-sample losses '
                f'of shape {tuple(labels.shape)} are needed')
        return loss

    def _virtual_lrs(self, optim_wrapper: OptimWrapper,
                     params: Sequence[Tuple[str, torch.Tensor]]
                     ) -> List[float]:
        if self.virtual_lr is not None:
            return [float(self.virtual_lr)] * len(params)
        lr_of = {}
        for group in optim_wrapper.optimizer.param_groups:
            for p in group['params']:
                lr_of[id(p)] = float(group['lr'])
        lrs = []
        for name, p in params:
            if id(p) not in lr_of:
                raise ValueError(
                    f'parameter {name} is trainable but not in the '
                    f"'{self.CLASSIFIER_OPTIM}' optimiser")
            lrs.append(lr_of[id(p)])
        return lrs

    def _split_optim_wrapper(self, optim_wrapper
                             ) -> Tuple[OptimWrapper, OptimWrapper]:
        keys = (self.CLASSIFIER_OPTIM, self.DIFFICULTY_OPTIM)
        if not isinstance(optim_wrapper, OptimWrapperDict) or any(
                k not in optim_wrapper for k in keys):
            raise TypeError(
                f'DifficultyNetClassifier needs an OptimWrapperDict with keys '
                f'{keys}, got {type(optim_wrapper).__name__}; use optim_'
                "wrapper=dict(constructor='DifficultyNetOptimWrapper"
                "Constructor', classifier=dict(...), difficulty_net="
                'dict(...))')
        wrappers = tuple(optim_wrapper[k] for k in keys)
        for key, w in zip(keys, wrappers):
            if isinstance(w, AmpOptimWrapper):
                raise NotImplementedError(
                    f"optim wrapper '{key}' is an AmpOptimWrapper; the meta "
                    'step differentiates gradients and is not implemented '
                    'with loss scaling')
            if getattr(w, '_accumulative_counts', 1) != 1:
                raise ValueError(
                    f"optim wrapper '{key}' has accumulative_counts="
                    f'{w._accumulative_counts}; gradient accumulation is not '
                    'supported by the 3-step meta update')
        return wrappers

    # ------------------------------------------------------------------
    # the three steps
    def virtual_params(self, per_sample_loss: torch.Tensor,
                       sample_weight: torch.Tensor,
                       params: Sequence[Tuple[str, torch.Tensor]],
                       lrs: Sequence[float],
                       create_graph: bool) -> Dict[str, torch.Tensor]:
        """Eq. 9: ``phi_hat`` as a dict name -> tensor.

        Under distributed training the gradient is averaged over processes
        first, so ``phi_hat`` is the same everywhere; its dependence on the
        weights (``create_graph=True``) stays the local one, which is what
        the meta-gradient computation below expects.

        Args:
            per_sample_loss (Tensor): ``CE_i`` at ``phi``, shape (B,).
            sample_weight (Tensor): ``w_{y_i}``, shape (B,).
            params (Sequence[tuple]): ``(name, phi)`` pairs.
            lrs (Sequence[float]): ``alpha`` per parameter.
            create_graph (bool): Keep the graph from the weights to
                ``phi_hat``.

        Returns:
            dict[str, Tensor]: ``phi_hat`` by parameter name.
        """
        names = [n for n, _ in params]
        phi = [p for _, p in params]
        loss = (sample_weight * per_sample_loss).mean()
        grads = torch.autograd.grad(
            loss, phi, retain_graph=True, create_graph=create_graph,
            allow_unused=True)
        for name, g in zip(names, grads):
            if g is None:
                raise ValueError(f'parameter {name} is trainable but gets no '
                                 'gradient from the training loss')
        if dist.get_world_size() > 1:
            mean = all_reduce_mean(grads)
            # value: the global mean; graph (create_graph): the local one
            grads = ([g + (m - g.detach()) for g, m in zip(grads, mean)]
                     if create_graph else mean)
        if not create_graph:
            phi = [p.detach() for p in phi]
        return dict(zip(names, virtual_step(phi, grads, lrs)))

    def meta_weight_gradient(self, inputs: torch.Tensor, labels: torch.Tensor,
                             per_sample_loss: torch.Tensor,
                             class_weight: torch.Tensor,
                             meta_inputs: torch.Tensor,
                             meta_labels: torch.Tensor,
                             lrs: Sequence[float],
                             params: Optional[Sequence[Tuple[
                                 str, torch.Tensor]]] = None,
                             forward_outputs: Optional[
                                 ForwardOutputCache] = None
                             ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``dL_meta / dw`` (shape (C,)) and ``L_meta`` of Eq. 10.

        ``L_meta = mean CE(f(x_meta; phi_hat(w)))`` with ``phi_hat`` from
        Eq. 9, the virtual step of SPEC section 2 step 1. The result is
        averaged over processes, so it is the gradient of the mean meta loss
        over all processes' meta batches.

        ``'double_backward'`` is SPEC section 2 step 1 to the letter: the
        virtual gradient is taken with ``create_graph=True``, so ``phi_hat``
        is a differentiable function of ``w``; the meta forward runs it
        through :func:`torch.func.functional_call`; ``L_meta`` is
        back-propagated through the gradient graph to ``w``.

        ``'forward_ad'`` (default) departs from that construction and gives
        the same number (exact, not an approximation: the tests compare it
        with finite differences and with ``'double_backward'``). Eq. 9 is
        linear in the weights, ``d phi_hat / d w_c = -(alpha / b) sum_{i:
        y_i = c} grad_phi CE_i``, so by the chain rule

            dL_meta/dw_c = -(1/b) sum_{i: y_i = c} <u, grad_phi CE_i>,
            u = alpha * dL_meta/dphi_hat

        (``alpha`` per parameter). ``phi_hat`` is taken from a plain
        (graph-free) virtual step, ``dL_meta/dphi_hat`` from one backward
        pass of the meta batch, and the per-sample directional derivatives
        ``<u, grad_phi CE_i>`` from one forward-mode pass
        (:mod:`torch.autograd.forward_ad`) of the training batch at
        ``phi_t``; no second-order graph is built. With ``forward_outputs``
        (recorded during the training forward at ``phi_t``) that pass takes
        the outputs of the convolution and linear layers from the recording
        instead of recomputing them (:class:`ForwardOutputCache`); same
        numbers, one convolution per layer less.

        Args:
            inputs (Tensor): Preprocessed training images.
            labels (Tensor): Training labels, shape (B,).
            per_sample_loss (Tensor): ``CE_i`` at ``phi`` with graph, (B,).
            class_weight (Tensor): ``w``, shape (C,); with a graph to
                ``theta`` for ``'double_backward'``.
            meta_inputs (Tensor): Preprocessed meta images.
            meta_labels (Tensor): Meta labels, shape (M,).
            lrs (Sequence[float]): ``alpha`` per classifier parameter.
            params (Sequence[tuple], optional): ``(name, phi)`` pairs, as
                :meth:`classifier_parameters` returns (built if None).
            forward_outputs (ForwardOutputCache, optional): Layer outputs
                recorded during the forward pass that gave
                ``per_sample_loss`` (``'forward_ad'`` only).

        Returns:
            tuple[Tensor, Tensor]: ``dL_meta/dw`` (C,) detached, and the
            local meta loss (scalar, detached).
        """
        if params is None:
            params = self.classifier_parameters()
        names = [n for n, _ in params]
        double = self.meta_grad_impl == 'double_backward'
        if double and not class_weight.requires_grad:
            class_weight = class_weight.detach().requires_grad_()
        sample_weight = (class_weight if double else
                         class_weight.detach())[labels]
        phi_hat = self.virtual_params(per_sample_loss, sample_weight, params,
                                      lrs, create_graph=double)
        if not double:
            phi_hat = {n: t.requires_grad_() for n, t in phi_hat.items()}
        # One copy of the buffers for the meta forward and the forward-mode
        # pass: training-mode BatchNorm updates the running statistics in
        # place, which must not reach the real model (only the real step
        # moves them); its outputs use the batch statistics, so sharing the
        # copy changes nothing.
        buffers = {n: b.clone() for n, b in self.named_buffers()}
        meta_logits = functional_call(
            self, {**buffers, **phi_hat}, (meta_inputs, ), {'mode': 'tensor'},
            strict=False)
        loss_meta = F.cross_entropy(meta_logits, meta_labels)
        hat = [phi_hat[n] for n in names]
        v = torch.autograd.grad(loss_meta, hat, retain_graph=double,
                                allow_unused=True)
        v = [torch.zeros_like(t) if g is None else g for g, t in zip(v, hat)]
        if dist.get_world_size() > 1:
            v = all_reduce_mean(v)
        if double:
            (grad_w, ) = torch.autograd.grad(
                hat, class_weight, grad_outputs=v, retain_graph=True,
                allow_unused=True)
            if grad_w is None:
                grad_w = torch.zeros_like(class_weight)
        else:
            directional = self._directional_derivatives(
                inputs, labels, params, v, lrs, buffers, forward_outputs)
            if directional is None:  # the loss does not depend on phi
                directional = torch.zeros_like(per_sample_loss)
            # d phi_hat / d w_c = -alpha * (1/b) sum_{i: y_i = c} grad CE_i
            grad_w = -torch.zeros(
                self.num_classes, device=labels.device,
                dtype=directional.dtype).index_add_(
                    0, labels, directional.detach()) / labels.numel()
        grad_w = grad_w.detach()
        if dist.get_world_size() > 1:
            grad_w = all_reduce_mean([grad_w])[0]
        return grad_w, loss_meta.detach()

    def _directional_derivatives(self, inputs, labels, params, v, lrs,
                                 buffers, forward_outputs):
        """``<alpha * v, grad_phi CE_i>`` for every training sample (B,),
        by one forward-mode pass at ``phi_t``."""
        # u = alpha * v, the direction of the forward-mode pass
        tangents = torch._foreach_mul(list(v), [float(lr) for lr in lrs])

        def jvp(cache):
            with fwAD.dual_level(), (cache.replay() if cache is not None
                                     else nullcontext()):
                duals = {
                    n: fwAD.make_dual(p.detach(), t)
                    for (n, p), t in zip(params, tangents)
                }
                logits = functional_call(
                    self, {**buffers, **duals}, (inputs, ),
                    {'mode': 'tensor'}, strict=False)
                loss = self.per_sample_loss(logits, labels)
                return fwAD.unpack_dual(loss).tangent

        if forward_outputs is not None:
            try:
                return jvp(forward_outputs)
            except ReplayMismatch as err:
                # exactness first: recompute the primal outputs from now on
                self.reuse_forward_outputs = False
                print_log(
                    'DifficultyNetClassifier: cannot reuse the forward '
                    f'outputs in the forward-mode pass ({err}); recomputing '
                    'them (reuse_forward_outputs=False from now on)',
                    logger='current', level=logging.WARNING)
        return jvp(None)

    def difficulty_net_gradient(self, accuracy: torch.Tensor,
                                meta: Optional[dict] = None
                                ) -> Tuple[List[torch.Tensor], dict]:
        """Eq. 10: the gradient of ``lambda * L_dr + L_meta`` w.r.t.
        ``theta``, one tensor per parameter of ``D``.

        The meta term is the chain rule ``w -> theta`` on
        ``dL_meta/dw`` from :meth:`meta_weight_gradient`. The virtual step
        sees the class weights as they are wired: with ``meta_grad=False``
        they are detached, as in the official code, so ``L_meta`` has no
        path to ``theta`` and its gradient is zero (``D`` learns from the
        driver loss alone). :meth:`train_step` therefore leaves the meta
        term out (``meta=None``) when ``meta_grad=False``.

        Args:
            accuracy (Tensor): ``A``, shape (C,).
            meta (dict, optional): The arguments of
                :meth:`meta_weight_gradient` other than ``class_weight``
                (``inputs``, ``labels``, ``per_sample_loss``,
                ``meta_inputs``, ``meta_labels``, ``lrs`` and optionally
                ``params``, ``forward_outputs``). None: driver term only.

        Returns:
            tuple[list[Tensor], dict]: The gradients (zeros where a
            parameter gets none) and log variables (``loss_driver``, and
            ``loss_meta``, ``meta_grad_w_norm`` with ``meta``).
        """
        theta = list(self.difficulty_net.parameters())
        difficulty = self.difficulty_net(accuracy)
        class_weight = difficulty_class_weights(difficulty)
        loss_dr = driver_loss(accuracy, difficulty, self.driver_eps)
        objective = self.driver_loss_weight * loss_dr
        log_vars = OrderedDict(loss_driver=loss_dr.detach())
        if meta is not None:
            # the official code detaches the weights in the virtual step
            weight = class_weight if self.meta_grad else class_weight.detach()
            grad_w, loss_meta = self.meta_weight_gradient(
                class_weight=weight, **meta)
            # chain rule w -> theta: adds dL_meta/dtheta to the driver term
            objective = objective + (weight * grad_w).sum()
            log_vars['loss_meta'] = loss_meta
            log_vars['meta_grad_w_norm'] = grad_w.norm()
        grads = torch.autograd.grad(objective, theta, allow_unused=True)
        return [torch.zeros_like(p) if g is None else g
                for g, p in zip(grads, theta)], log_vars

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """One Difficulty-Net iteration (Eqs. 9-11).

        Args:
            data (dict): A training batch from the data loader, with the meta
                batch under ``'meta_batch'`` (put there by
                :class:`DifficultyNetHook`; not needed when
                ``meta_grad=False``).
            optim_wrapper (OptimWrapperDict): With the wrappers
                ``'classifier'`` and ``'difficulty_net'``.

        Returns:
            dict[str, Tensor]: Log variables: ``loss`` (the weighted CE of the
            real step), ``loss_driver``, ``loss_meta`` (meta_grad only), and
            the range of the class weights used in the real step.
        """
        cls_wrapper, d_wrapper = self._split_optim_wrapper(optim_wrapper)
        if not isinstance(data, dict):
            raise TypeError('DifficultyNetClassifier expects a dict batch '
                            f'(inputs, data_samples), got {type(data)}')
        data = dict(data)
        meta_batch = data.pop('meta_batch', None)
        if self.meta_grad and meta_batch is None:
            raise RuntimeError(
                "no 'meta_batch' in the training batch: add "
                "dict(type='DifficultyNetHook', meta_dataloader=...) to "
                'custom_hooks (or set meta_grad=False)')
        self._in_train_step = True
        try:
            return self._train_step(data, meta_batch, cls_wrapper, d_wrapper)
        finally:
            self._in_train_step = False

    def _train_step(self, data, meta_batch, cls_wrapper, d_wrapper):
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        labels = self._labels(data['data_samples']).to(inputs.device)
        accuracy = self.class_accuracy.clone()
        theta = list(self.difficulty_net.parameters())
        params = self.classifier_parameters()  # once per step
        distributed = dist.get_world_size() > 1

        # The forward pass at phi_t, shared by Eq. 9 and Eq. 11 (and, with
        # forward_ad, by the forward-mode pass: its layer outputs).
        cache = None
        if (self.meta_grad and self.meta_grad_impl == 'forward_ad'
                and self.reuse_forward_outputs):
            cache = ForwardOutputCache(
                m for n, m in self.named_modules()
                if n.split('.')[0] != 'difficulty_net')
        with cache.record() if cache is not None else nullcontext():
            per_sample = self.per_sample_loss(self(inputs, mode='tensor'),
                                              labels)

        # Eq. 10: driver loss + meta loss -> theta.
        meta = None
        if self.meta_grad:
            meta_data = self.data_preprocessor(meta_batch, False)
            meta = dict(
                inputs=inputs, labels=labels, per_sample_loss=per_sample,
                meta_inputs=meta_data['inputs'],
                meta_labels=self._labels(meta_data['data_samples']).to(
                    inputs.device),
                lrs=self._virtual_lrs(cls_wrapper, params), params=params,
                forward_outputs=cache)
        theta_grads, log_vars = self.difficulty_net_gradient(accuracy, meta)
        # identical on every process already (same A, theta and grad_w);
        # averaging guards against any difference in floating point order
        if distributed:
            theta_grads = all_reduce_mean(theta_grads)
        for p, g in zip(theta, theta_grads):
            p.grad = g
        d_wrapper.step()
        d_wrapper.zero_grad()

        # Eq. 11: the real step with the new theta.
        with torch.no_grad():
            new_weight = difficulty_class_weights(
                self.difficulty_net(accuracy))
        loss_cls = (new_weight[labels] * per_sample).mean()
        cls_wrapper.backward(loss_cls)
        if distributed:
            with_grad = [p for _, p in params if p.grad is not None]
            for p, g in zip(with_grad,
                            all_reduce_mean([p.grad for p in with_grad])):
                p.grad.copy_(g)
        cls_wrapper.step()
        cls_wrapper.zero_grad()

        out = OrderedDict(loss=loss_cls.detach())
        out.update(log_vars)
        out['class_weight_max'] = new_weight.max()
        out['class_weight_min'] = new_weight.min()
        return out

    def loss(self, inputs: torch.Tensor, data_samples) -> dict:
        """Weighted CE with the current class weights (no meta step).

        Training goes through :meth:`train_step`; this is what a generic
        caller (e.g. mmengine's default DDP wrapper) would reach instead, so
        it refuses to run inside distributed training, where reaching it
        means the meta update is being bypassed.
        """
        if (self.training and not self._in_train_step
                and dist.get_world_size() > 1):
            raise RuntimeError(
                'DifficultyNetClassifier.loss() was called during distributed '
                'training: the model wrapper bypasses the meta update in '
                "train_step. Set model_wrapper_cfg=dict(type="
                "'DifficultyNetDDP').")
        logits = self(inputs, mode='tensor')
        labels = self._labels(data_samples).to(logits.device)
        weight = self.class_weights()
        return dict(loss=(weight[labels] *
                          self.per_sample_loss(logits, labels)).mean())
