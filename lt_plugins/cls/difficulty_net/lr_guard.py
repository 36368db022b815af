"""Keep ``D``'s optimiser settings what the config says they are.

mmengine's runner changes the hyper-parameters of every wrapper of an
``OptimWrapperDict`` in two places that a Difficulty-Net config does not
see (``mmengine/runner/runner.py``, ``Runner.train``):

* ``Runner.scale_lr`` (``--auto-scale-lr``) multiplies the learning rate of
  *every* wrapper by ``world_size * batch_size / base_batch_size``. The
  linear scaling rule is about the classifier's gradient, a mean over the
  training batch; ``D``'s gradient (driver loss plus meta-gradient, Eq. 10)
  does not grow with the training batch, and SPEC section 2 fixes ``D``'s
  lr at 1e-3.
* ``Runner.build_param_scheduler`` builds a plain ``param_scheduler`` list
  (or a single scheduler dict) once *for each wrapper*, so a classifier
  schedule (warm-up, step decay, cosine) would also drive ``D``'s Adam.
  Only the dict form ``dict(classifier=[...], difficulty_net=[...])`` gives
  ``D`` a schedule of its own.

:func:`keep_difficulty_net_lr` undoes both after the runner has built the
optimisers and schedulers (and resumed them); :class:`DifficultyNetHook`
calls it in ``before_train``.
"""
import math
from typing import Optional

from mmengine.optim import OptimWrapperDict

from .optim_constructor import DifficultyNetOptimWrapperConstructor

_KEY = 'difficulty_net'


def _shared_scheduler_cfg(cfg) -> Optional[bool]:
    """Whether the config's ``param_scheduler`` is one schedule for all
    wrappers (None: the runner was not built from a config)."""
    raw = cfg.get('param_scheduler', None) if cfg is not None else None
    if raw is None:
        return None
    if isinstance(raw, dict):
        return 'type' in raw
    return True  # a list (or a built scheduler) goes to every wrapper


def keep_difficulty_net_lr(runner) -> None:
    """Undo ``--auto-scale-lr`` and a shared schedule on ``D``'s optimiser.

    1. ``param_scheduler`` given as one list (or one scheduler) for all
       wrappers: the copy built for ``D`` is dropped from
       ``runner.param_schedulers`` and every hyper-parameter it set (lr,
       momentum / Adam's beta_0, ...) goes back to the value built from the
       config. ``D``'s learning rate stays constant, as in the paper.
    2. ``D``'s initial learning rate differs from the configured one (only
       ``Runner.scale_lr`` changes it before the schedulers are built): the
       lr, ``initial_lr`` and the base values of ``D``'s own lr schedulers
       are scaled back by ``configured / initial``.

    Both steps log a warning naming what was undone. Idempotent: after a
    resume (the checkpoint holds the restored values) nothing changes.

    Args:
        runner (Runner): After ``Runner.train`` built the optimisers and the
            schedulers, i.e. from ``before_train`` on.
    """
    optim_wrapper = runner.optim_wrapper
    if not isinstance(optim_wrapper, OptimWrapperDict) or (
            _KEY not in optim_wrapper):
        return
    d_wrapper = optim_wrapper[_KEY]
    groups = d_wrapper.optimizer.param_groups
    configured = getattr(
        d_wrapper, DifficultyNetOptimWrapperConstructor.CONFIGURED_ATTR, None)
    if configured is None or len(configured) != len(groups):
        runner.logger.warning(
            "DifficultyNetHook: the 'difficulty_net' optimiser was not built "
            'by DifficultyNetOptimWrapperConstructor, so --auto-scale-lr and '
            "a shared param_scheduler are not undone on D's learning rate")
        return

    schedulers = runner.param_schedulers
    d_schedulers = (schedulers.get(_KEY) or []) if isinstance(
        schedulers, dict) else []
    if d_schedulers:
        shared = _shared_scheduler_cfg(getattr(runner, 'cfg', None))
        names = [type(s).__name__ for s in d_schedulers]
        if shared:
            schedulers[_KEY] = []
            for group, conf in zip(groups, configured):
                for name in {s.param_name for s in d_schedulers}:
                    group.pop(f'initial_{name}', None)
                    if name not in conf:  # e.g. 'momentum' added for Adam
                        group.pop(name, None)
                group.update({k: v for k, v in conf.items()
                              if k not in ('params', 'initial_lr')})
            d_schedulers = []
            runner.logger.warning(
                'DifficultyNetHook: param_scheduler is one list for both '
                f'optimisers, so mmengine built {names} for D as well; they '
                "are dropped and D keeps its configured settings (lr "
                f"{[g['lr'] for g in groups]}). To schedule D, give "
                "param_scheduler=dict(classifier=[...], "
                'difficulty_net=[...]).')
        elif shared is None:
            runner.logger.warning(
                f'DifficultyNetHook: D\'s learning rate is scheduled by '
                f'{names}; the paper keeps it constant')

    rescaled = []
    for i, (group, conf) in enumerate(zip(groups, configured)):
        want = conf['lr']
        have = group.get('initial_lr', group['lr'])
        if math.isclose(have, want, rel_tol=1e-9, abs_tol=0.0):
            continue
        factor = want / have
        group['lr'] *= factor
        if 'initial_lr' in group:
            group['initial_lr'] = want
        for s in d_schedulers:
            if s.param_name == 'lr':
                s.base_values[i] *= factor
                if getattr(s, '_last_value', None) is not None:
                    s._last_value[i] *= factor
        rescaled.append((have, want))
    if rescaled:
        runner.logger.warning(
            "DifficultyNetHook: D's learning rate was changed from the "
            'configured value (by --auto-scale-lr / auto_scale_lr.enable); '
            f'restored (initial lr, configured lr): {rescaled}. D\'s '
            'gradient does not scale with the training batch size.')
