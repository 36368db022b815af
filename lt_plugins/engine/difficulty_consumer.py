"""Class-weight consumers and the rule that a difficulty hook serves each.

A CDB loss or sampler (a *consumer*) applies class weights that a difficulty
hook measures and pushes with ``update_weights``; until then every weight is
1. Without a hook the weights stay 1 for the whole run, and a "CDB" run
trains another method under the CDB name: plain cross-entropy for a CDB
loss, class-balanced sampling for ``CDBSampler``, plain repeat-factor or
uniform sampling for a detection sampler. A config that forgets
``custom_hooks``, or whose own ``custom_hooks`` replaces (does not extend)
the ``_base_`` config's list, does exactly that. So a consumer refuses to
train unless a hook serves it, or it was built with ``fixed_weights=True``
(weights fixed on purpose: class-balanced sampling for cRT, weights loaded
with a checkpoint).

**Why the consumer checks, not the hook.** A hook can only check the
consumers of a run it is part of; the run to catch is the one without any
hook. So the check lives in the consumer and runs when the consumer is first
used for training, which every run reaches and which comes after every
hook's ``before_train``:

* a loss (an ``nn.Module``, :class:`DifficultyWeightedModule`) checks at its
  first forward in training mode after ``.train()`` was called on it.
  Training loops call ``model.train()`` (mmengine's at the start of every
  epoch), so the check runs before the first optimizer step; a loss that is
  only built and called (a unit test, a timing benchmark) is never switched
  with ``.train()`` and is not checked;
* a sampler checks each time it is iterated (mmengine's epoch-based loop
  iterates it after ``before_train``).

**Interface** (duck-typed; :class:`DifficultyWeightConsumer` implements it):

* ``requires_difficulty_hook`` (bool): True unless built with
  ``fixed_weights=True``;
* ``attach_difficulty_hook(hook)``: every difficulty hook calls it in
  ``before_train`` on each consumer it updates, before its first
  ``update_weights``;
* ``update_weights(weights)``: the hook pushes the weights, shape (C,);
* ``num_classes`` (int): C, checked against the held-out classes.

:func:`find_weight_consumers` finds the consumers of a run (model modules
and the training dataloader's sampler and batch sampler) the same way for
every hook.
"""
from typing import Optional, Tuple

import torch.nn as nn

from lt_plugins.core.validation import check_bool

__all__ = [
    'MissingDifficultyHookError', 'DifficultyWeightConsumer',
    'DifficultyWeightedModule', 'attach_hook', 'find_weight_consumers',
    'is_weight_consumer'
]


class MissingDifficultyHookError(RuntimeError):
    """A CDB loss or sampler is used for training without a difficulty hook
    that sets its weights."""


class DifficultyWeightConsumer:
    """Mixin of everything whose class weights a difficulty hook sets.

    Call :meth:`init_difficulty_consumer` in ``__init__`` and
    :meth:`check_difficulty_hook` where training first uses the consumer
    (:class:`DifficultyWeightedModule` does both for losses).

    Class attributes:
        difficulty_hook_hint (str): The hook that serves this consumer and
            where it is documented, for the message.
    """

    difficulty_hook_hint = 'a difficulty hook'
    requires_difficulty_hook = True
    fixed_weights = False
    difficulty_hooks: Tuple[str, ...] = ()

    def init_difficulty_consumer(self, fixed_weights: bool) -> None:
        """Set up the bookkeeping; ``fixed_weights`` is the opt-out.

        Args:
            fixed_weights (bool): True: the weights are fixed on purpose
                (left at 1, set with ``update_weights`` or loaded with a
                checkpoint) and no hook is required.
        """
        self.fixed_weights = check_bool('fixed_weights', fixed_weights)
        self.requires_difficulty_hook = not fixed_weights
        self.difficulty_hooks = ()

    def attach_difficulty_hook(self, hook) -> None:
        """Record that ``hook`` updates this consumer (called by the hook in
        ``before_train``)."""
        name = type(hook).__name__
        if name not in self.difficulty_hooks:
            self.difficulty_hooks = (*self.difficulty_hooks, name)

    @property
    def served_by_difficulty_hook(self) -> bool:
        """Whether a hook attached itself, or none is required."""
        return bool(self.difficulty_hooks) or \
            not self.requires_difficulty_hook

    def describe_consumer(self) -> str:
        """How the message names this consumer (override to add details)."""
        n = getattr(self, 'num_classes', None)
        return type(self).__name__ + ('' if n is None else
                                      f'(num_classes={n})')

    def check_difficulty_hook(self) -> None:
        """Raise unless a difficulty hook serves this consumer.

        Raises:
            MissingDifficultyHookError: Naming the consumer, what training
                without the hook would be, and both ways to configure it.
        """
        if self.served_by_difficulty_hook:
            return
        raise MissingDifficultyHookError(
            f'{self.describe_consumer()} is used for training, but no '
            'difficulty hook updates its class weights: they would stay 1 '
            'for the whole run, which trains another method under the CDB '
            f'name. Add {self.difficulty_hook_hint} to custom_hooks (a '
            "config's own custom_hooks list replaces its _base_ config's "
            'list, it does not extend it), or, to train with fixed weights '
            f'on purpose, build {type(self).__name__} with '
            'fixed_weights=True.')


def _check_before_forward(module: 'DifficultyWeightedModule', args) -> None:
    """Forward pre-hook of a :class:`DifficultyWeightedModule`."""
    if module.training and module._switched_to_training:
        module.check_difficulty_hook()


class DifficultyWeightedModule(DifficultyWeightConsumer, nn.Module):
    """An ``nn.Module`` consumer (a CDB loss): checked at its first forward
    in training mode after ``.train()`` (see the module doc).

    Subclasses call ``super().__init__()`` and then
    :meth:`init_difficulty_consumer`.
    """

    def init_difficulty_consumer(self, fixed_weights: bool) -> None:
        super().init_difficulty_consumer(fixed_weights)
        self._switched_to_training = False
        self.register_forward_pre_hook(_check_before_forward)

    def train(self, mode: bool = True) -> 'DifficultyWeightedModule':
        if mode:
            self._switched_to_training = True
        return super().train(mode)


def is_weight_consumer(obj) -> bool:
    """Whether ``obj`` takes class weights from a difficulty hook: it has
    ``update_weights`` and ``attach_difficulty_hook`` or the
    ``requires_difficulty_hook`` marker (see the module doc)."""
    return hasattr(obj, 'update_weights') and (
        hasattr(obj, 'attach_difficulty_hook')
        or hasattr(obj, 'requires_difficulty_hook'))


def attach_hook(consumer, hook) -> None:
    """``consumer.attach_difficulty_hook(hook)`` where it has one."""
    attach = getattr(consumer, 'attach_difficulty_hook', None)
    if attach is not None:
        attach(hook)


def find_weight_consumers(model: Optional[nn.Module] = None,
                          dataloader=None) -> Tuple[list, list]:
    """The consumers of a run.

    Args:
        model (nn.Module, optional): The model (a wrapper is searched
            through, since ``modules()`` reaches the wrapped model).
        dataloader (optional): The training dataloader; its ``sampler``,
            ``batch_sampler`` and the batch sampler's ``sampler`` are
            searched (mmengine leaves ``sampler`` at the default when a
            batch sampler is configured).

    Returns:
        tuple[list, list]: ``(modules, samplers)``, each without duplicates.
    """
    modules = [] if model is None else [
        m for m in model.modules() if is_weight_consumer(m)
    ]
    samplers: list = []
    if dataloader is not None:
        batch_sampler = getattr(dataloader, 'batch_sampler', None)
        for s in (getattr(dataloader, 'sampler', None), batch_sampler,
                  getattr(batch_sampler, 'sampler', None)):
            if s is not None and is_weight_consumer(s) and \
                    all(s is not t for t in samplers):
                samplers.append(s)
    return modules, samplers
