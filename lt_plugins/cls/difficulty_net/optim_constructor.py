"""Two optimisers for Difficulty-Net: the classifier's and ``D``'s."""
import copy
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DifficultyNetOptimWrapperConstructor:
    """Builds ``OptimWrapperDict(classifier=..., difficulty_net=...)``.

    Each part is built by mmengine's ``DefaultOptimWrapperConstructor``: the
    ``classifier`` wrapper on every child of the model except ``D`` (so a
    ``paramwise_cfg`` written for the plain classifier, e.g.
    ``custom_keys={'backbone': ...}``, keeps its meaning), the
    ``difficulty_net`` wrapper on ``D`` alone. The runner saves and resumes
    both optimiser states (``OptimWrapperDict.state_dict``) and builds one
    list of parameter schedulers per wrapper; give
    ``param_scheduler=dict(classifier=[...], difficulty_net=[])`` to keep
    ``D``'s learning rate constant, as the paper does (a plain list would
    schedule both; :class:`DifficultyNetHook` then drops ``D``'s copy).

    ``difficulty_net`` may be left out: ``D`` then gets the SPEC section 2
    default, Adam with lr 1e-3 and weight decay 1e-4
    (:attr:`DEFAULT_DIFFICULTY_NET`).

    The hyper-parameters of ``D``'s parameter groups as built (lr, weight
    decay, betas ...) are kept on the ``difficulty_net`` wrapper under
    :attr:`CONFIGURED_ATTR`, so that :class:`DifficultyNetHook` can undo
    what the runner does to them behind the config's back
    (``--auto-scale-lr``, a shared ``param_scheduler`` list).

    Example::

        optim_wrapper = dict(
            constructor='DifficultyNetOptimWrapperConstructor',
            classifier=dict(optimizer=dict(
                type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
            difficulty_net=dict(optimizer=dict(
                type='Adam', lr=1e-3, weight_decay=1e-4)))  # the default

    Args:
        optim_wrapper_cfg (dict): ``classifier`` and, optionally,
            ``difficulty_net`` optim wrapper configs (each may hold its own
            ``paramwise_cfg``).
        paramwise_cfg (dict, optional): Not accepted at the top level; put
            it inside the wrapper it belongs to.
    """

    KEYS = ('classifier', 'difficulty_net')
    # SPEC section 2: D is trained with Adam, lr 1e-3, weight decay 1e-4
    DEFAULT_DIFFICULTY_NET = dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4))
    CONFIGURED_ATTR = 'configured_param_groups'

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError(
                'a top-level paramwise_cfg is ambiguous with two optimisers; '
                'move it into classifier=dict(..., paramwise_cfg=...)')
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        cfg.setdefault('difficulty_net',
                       copy.deepcopy(self.DEFAULT_DIFFICULTY_NET))
        unknown = sorted(set(cfg) - set(self.KEYS))
        missing = [k for k in self.KEYS if k not in cfg]
        if unknown or missing:
            raise ValueError(f'optim_wrapper takes the keys {self.KEYS} '
                             f'(difficulty_net optional); missing {missing}, '
                             f'unknown {unknown}')
        self.constructors = {}
        for key in self.KEYS:
            sub = dict(cfg[key])
            sub_paramwise = sub.pop('paramwise_cfg', None)
            if 'optimizer' not in sub:
                raise ValueError(f"optim_wrapper.{key} has no 'optimizer'")
            self.constructors[key] = DefaultOptimWrapperConstructor(
                sub, sub_paramwise)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        d_net = getattr(model, 'difficulty_net', None)
        if not isinstance(d_net, nn.Module):
            raise TypeError(f'{type(model).__name__} has no difficulty_net '
                            'module; DifficultyNetOptimWrapperConstructor is '
                            'for DifficultyNetClassifier')
        # A view of the model without D: same child names, so paramwise
        # custom keys match as for the full classifier.
        classifier = nn.Module()
        for name, child in model.named_children():
            if child is not d_net:
                classifier.add_module(name, child)
        if list(model._parameters):
            raise ValueError('parameters registered directly on the model '
                             f'({list(model._parameters)}) are not supported')
        cls_wrapper = self.constructors['classifier'](classifier)
        d_wrapper = self.constructors['difficulty_net'](d_net)
        setattr(d_wrapper, self.CONFIGURED_ATTR, [
            {k: copy.deepcopy(v) for k, v in group.items() if k != 'params'}
            for group in d_wrapper.optimizer.param_groups
        ])
        return OptimWrapperDict(
            classifier=cls_wrapper, difficulty_net=d_wrapper)
