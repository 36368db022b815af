"""Every hook lt_plugins registers, and ``CDBSampler``, refuses meaningless
constructor arguments when it is built, not epochs into training.

The hooks are found in the registries (mmengine's, mmdet's and
mmpretrain's: every registered ``Hook`` subclass whose module is under
``lt_plugins``); their numeric, boolean and file-name arguments come from
the signature (the annotation, ``Optional`` included, or the default's
type). Each gets NaN, infinity, a negative value and values of the wrong
type (a string, a bool where a number belongs, a float where an int
belongs, a number where a bool belongs), and the construction must raise
``TypeError`` or ``ValueError`` unless :data:`ALLOWED` lists the value with
the reason it is meaningful. A new hook is swept without new test code; it
only needs the arguments it cannot be built without in :data:`REQUIRED`.
"""
import inspect
import math
import typing

import numpy as np
import pytest
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope, Registry

import lt_plugins.cls  # noqa: F401  (registers the mmpretrain side)
import lt_plugins.det  # noqa: F401  (registers the mmdet side)
from lt_plugins.cls.cdb import CDBSampler

LOADER = dict(batch_size=2, dataset=dict(type='X', ann_file='held.json'))


class _Labels:
    """The least a data set needs for ``CDBSampler``."""

    metainfo = dict(classes=('a', 'b', 'c'))

    def get_gt_labels(self):
        return np.array([0, 1, 1, 2, 2, 2])

    def __len__(self):
        return 6


#: What a component cannot be built without, by class name.
REQUIRED = {
    'CDBDifficultyHook': dict(dataloader=LOADER),
    'CDBClsHook': dict(dataloader=LOADER),
    'PostHocTauSearchHook': dict(dataloader=LOADER),
    'HeldOutSelectionHook': dict(dataloader=LOADER),
    'DifficultyNetHook': dict(meta_dataloader=LOADER),
    'FreezeAllButHook': dict(trainable=['head']),
    'CDBSampler': dict(dataset=_Labels()),
}

#: Values the sweep tries that are meaningful, by (component, argument,
#: case), each with the reason.
ALLOWED = {}

CASES = {
    'float': dict(nan=math.nan, inf=math.inf, negative=-1.0,
                  string='1.0', bool=True),
    'int': dict(nan=math.nan, inf=math.inf, negative=-1, string='1',
                float=2.5, integral_float=2.0, bool=True),
    'bool': dict(nan=math.nan, negative=-1, string='True', int=1,
                 none=None),
    'file': dict(folder='sub/file.json', empty='', parent='..',
                 number=3),
}


def _kind(param: inspect.Parameter):
    """'float', 'int', 'bool', 'file' or None, from the annotation or the
    default."""
    ann = param.annotation
    if typing.get_origin(ann) is typing.Union:
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if float in args:
            return 'float'  # Union[str, float] (tau) included
        ann = args[0] if len(args) == 1 else ann
    if ann in (bool, int, float):
        return ann.__name__
    default = param.default
    if isinstance(default, bool):
        return 'bool'
    if isinstance(default, (int, float)):
        return type(default).__name__
    if isinstance(default, str) and default.endswith('.json') and \
            param.name.endswith('_file'):
        return 'file'
    return None


def _components():
    import mmdet.registry
    import mmengine.registry
    import mmpretrain.registry
    found = {CDBSampler: 'mmpretrain'}
    for module in (mmengine.registry, mmdet.registry, mmpretrain.registry):
        for registry in vars(module).values():
            if not isinstance(registry, Registry):
                continue
            for cls in registry.module_dict.values():
                if inspect.isclass(cls) and issubclass(cls, Hook) and \
                        cls.__module__.startswith('lt_plugins'):
                    found.setdefault(cls, registry.scope)
    return found


def _arguments(cls):
    """``(name, kind)`` of every swept argument, the base hook's ``**kwargs``
    included."""
    seen = {}
    for klass in cls.__mro__:
        if klass in (Hook, object) or '__init__' not in vars(klass):
            continue
        for p in inspect.signature(klass.__init__).parameters.values():
            if p.name in ('self', 'args', 'kwargs') or p.name in seen:
                continue
            kind = _kind(p)
            if kind:
                seen[p.name] = kind
    return sorted(seen.items())


COMPONENTS = _components()
SWEEP = [
    pytest.param(cls, arg, case, value, id=f'{cls.__name__}-{arg}-{case}')
    for cls in sorted(COMPONENTS, key=lambda c: c.__name__)
    for arg, kind in _arguments(cls)
    for case, value in CASES[kind].items()
    if (cls.__name__, arg, case) not in ALLOWED
]


def test_every_hook_is_found_and_has_arguments_to_sweep():
    names = {c.__name__ for c in COMPONENTS}
    assert {'CDBDifficultyHook', 'CDBClsHook', 'PostHocTauSearchHook',
            'DifficultyNetHook', 'FreezeAllButHook', 'ClassCountsHook',
            'WeightNormRecorderHook', 'CDBSampler'} <= names, names
    swept = {c.__name__ for c, *_ in (p.values for p in SWEEP)}
    for name in ('CDBDifficultyHook', 'CDBClsHook', 'CDBSampler',
                 'DifficultyNetHook', 'WeightNormRecorderHook',
                 'ClassCountsHook', 'PostHocTauSearchHook'):
        assert name in swept, name


@pytest.mark.parametrize('cls,arg,case,value', SWEEP)
def test_meaningless_argument_is_refused_at_construction(cls, arg, case,
                                                         value):
    kwargs = dict(REQUIRED.get(cls.__name__, {}), **{arg: value})
    with DefaultScope.overwrite_default_scope(COMPONENTS[cls]):
        with pytest.raises((TypeError, ValueError)) as e:
            cls(**kwargs)
    assert arg in str(e.value), str(e.value)


@pytest.mark.parametrize('cls', sorted(COMPONENTS, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_defaults_and_required_arguments_build(cls):
    with DefaultScope.overwrite_default_scope(COMPONENTS[cls]):
        cls(**REQUIRED.get(cls.__name__, {}))
