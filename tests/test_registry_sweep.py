"""Every component lt_plugins registers refuses meaningless numbers and
switches at construction, not hours into training.

The components are found in the registries (mmengine's, mmdet's and
mmpretrain's: every registered class whose module is under ``lt_plugins``),
their numeric and boolean constructor arguments from the signature (a
default of type bool/int/float, or an ``int``/``float``/``bool`` annotation,
``Optional`` included). Each such argument is given NaN, infinity, a
negative value and values of the wrong type (a string, a bool where a number
belongs, a float where an int belongs, a number where a bool belongs), and
the construction must raise ``TypeError`` or ``ValueError``, unless the
value is listed in :data:`ALLOWED` with the reason it is meaningful. A new
component is swept without new test code; it only needs the arguments it
cannot be built without in :data:`REQUIRED` when its name is not there yet.

Hooks and data samplers (the ``HOOKS`` and ``DATA_SAMPLERS`` registries)
are not swept here: their arguments are checked by their own tests.
"""
import inspect
import json
import math
import typing

import pytest
import torch.nn as nn
from mmengine.dataset import BaseDataset
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope, Registry

import lt_plugins.cls  # noqa: F401  (registers the mmpretrain side)
import lt_plugins.det  # noqa: F401  (registers the mmdet side)
from lt_plugins.det.synthetic_lvis import synthetic_lvis

#: Registries whose components are not swept here: hooks and data samplers
#: check their arguments in their own tests.
NOT_SWEPT = ('hook', 'data sampler')

#: Values that are meaningful although the sweep tries them, by
#: (component, argument, case). Keep this short; every entry says why.
ALLOWED = {
    # a negative label marks "ignore this sample" (torch's default is -100)
    ('CDBLoss', 'ignore_index', 'negative'):
        'ignore_index is a label value; torch uses -100',
    ('CDBCrossEntropyLoss', 'ignore_index', 'negative'):
        'ignore_index is a label value; mmdet and torch use -100',
    ('CDBFocalLoss', 'ignore_index', 'negative'):
        'ignore_index is a label value; mmdet and torch use -100',
}

#: The cases tried on each kind of argument.
CASES = {
    'float': dict(nan=math.nan, inf=math.inf, negative=-1.0,
                  string='1.0', bool=True),
    'int': dict(nan=math.nan, inf=math.inf, negative=-1, string='1',
                float=2.5, bool=True),
    'bool': dict(nan=math.nan, negative=-1, string='True', int=1),
}


def _registries():
    import mmdet.registry
    import mmengine.registry
    import mmpretrain.registry
    for module in (mmengine.registry, mmdet.registry, mmpretrain.registry):
        for value in vars(module).values():
            if isinstance(value, Registry):
                yield value


def _components():
    """``{class: (scope, registry name)}`` of every lt_plugins class in any
    registry."""
    found = {}
    for registry in _registries():
        for cls in registry.module_dict.values():
            if inspect.isclass(cls) and \
                    cls.__module__.startswith('lt_plugins') and \
                    cls not in found:
                found[cls] = (registry.scope, registry.name)
    return found


COMPONENTS = _components()


def _kind(annotation, default) -> typing.Optional[str]:
    """'bool', 'int', 'float' or None (not a number or switch)."""
    if isinstance(default, bool):
        return 'bool'
    if isinstance(default, int):
        return 'int'
    if isinstance(default, float):
        return 'float'
    args = typing.get_args(annotation) if \
        typing.get_origin(annotation) is typing.Union else (annotation, )
    args = [a for a in args if a is not type(None)]
    if len(args) == 1 and args[0] in (bool, int, float):
        return args[0].__name__
    return None


def numeric_arguments(cls) -> typing.List[typing.Tuple[str, str]]:
    """``(name, kind)`` of each numeric or boolean argument of ``cls``.

    Where ``__init__`` passes ``**kwargs`` on to a parent class of
    lt_plugins, the parent's arguments count too (those passed on to mmdet
    or mmpretrain classes are theirs to check).
    """
    out: typing.List[typing.Tuple[str, str]] = []
    seen = set()
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        if not klass.__module__.startswith('lt_plugins'):
            break
        init = vars(klass)['__init__']
        try:
            hints = typing.get_type_hints(init)
        except Exception:  # an unresolvable annotation: use the raw ones
            hints = {}
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.name == 'self' or p.name in seen or \
                    p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            seen.add(p.name)
            default = None if p.default is p.empty else p.default
            kind = _kind(hints.get(p.name, p.annotation), default)
            if kind is not None:
                out.append((p.name, kind))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return out


def _swept(cls) -> bool:
    return COMPONENTS[cls][1] not in NOT_SWEPT and not issubclass(cls, Hook)


SWEPT = sorted((c for c in COMPONENTS if _swept(c)),
               key=lambda c: c.__name__)
CASE_IDS = [(cls, name, kind, case)
            for cls in SWEPT
            for name, kind in numeric_arguments(cls)
            for case in CASES[kind]
            if (cls.__name__, name, case) not in ALLOWED]


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('sweep')
    gt, _ = synthetic_lvis(2, num_categories=20, dets_per_image=2)
    ann_file = root / 'lvis.json'
    ann_file.write_text(json.dumps(gt))
    return dict(root=str(root), ann_file=str(ann_file))


def _classifier_parts():
    return dict(backbone=dict(type='ResNet_CIFAR_Thin', depth=20),
                head=dict(type='LinearClsHead', num_classes=3,
                          in_channels=64))


def required(cls, files) -> dict:
    """The arguments ``cls`` cannot be built without, by argument name."""
    by_name = dict(
        num_classes=3,
        in_channels=4,
        data_root=files['root'],
        ann_file=files['ann_file'],
        class_counts=[5, 3, 1],
        module=nn.Linear(2, 2),
        optim_wrapper_cfg=dict(
            classifier=dict(optimizer=dict(type='SGD', lr=0.1))),
        **_classifier_parts())
    params = inspect.signature(cls.__init__).parameters
    kw = {n: v for n, v in by_name.items()
          if n in params and params[n].default is params[n].empty}
    if cls.__name__ in ('FrozenEncoderClassifier',
                        'DifficultyNetClassifier'):
        kw.update(_classifier_parts())  # optional in the signature only
    if issubclass(cls, BaseDataset):
        kw['lazy_init'] = True  # the swept checks come before any file read
    if cls.__name__ == 'ShotGroupAccuracy':
        kw['class_counts'] = [5, 3, 1]
    return kw


def _build(cls, scope, kwargs):
    with DefaultScope.overwrite_default_scope(scope):
        return cls(**kwargs)


def test_the_sweep_finds_the_components():
    names = {c.__name__ for c in SWEPT}
    # a few of each side, so a broken discovery cannot pass vacuously
    assert {'CDBCrossEntropyLoss', 'CDBSigmoidFocalLoss', 'FastLVISMetric',
            'CDBLoss', 'ALALoss', 'IWBHead', 'ShotGroupAccuracy',
            'CIFAR10LT', 'DifficultyNetClassifier'} <= names
    assert len(CASE_IDS) > 200
    assert all(c.__module__.startswith('lt_plugins') for c in COMPONENTS)


@pytest.mark.parametrize('cls', [c for c in SWEPT if numeric_arguments(c)],
                         ids=lambda c: c.__name__)
def test_component_builds_with_its_required_arguments(cls, files):
    # the baseline the sweep changes one argument of; it must build
    _build(cls, COMPONENTS[cls][0], required(cls, files))


@pytest.mark.parametrize(
    'cls, name, kind, case', CASE_IDS,
    ids=[f'{c.__name__}.{n}={case}' for c, n, _, case in CASE_IDS])
def test_meaningless_value_is_refused_at_construction(cls, name, kind, case,
                                                      files):
    kwargs = dict(required(cls, files), **{name: CASES[kind][case]})
    with pytest.raises((TypeError, ValueError)) as info:
        _build(cls, COMPONENTS[cls][0], kwargs)
    # the message names the argument (a wrapped error may name its owner)
    assert name in str(info.value), str(info.value)
