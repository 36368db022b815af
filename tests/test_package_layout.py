"""Package layout: the detection side never imports mmpretrain, the
classification side never imports mmdet, the core imports neither, and every
component is registered where configs look for it."""
import ast
import os.path as osp
import pathlib
import subprocess
import sys

import pytest

PKG = pathlib.Path(__file__).resolve().parents[1] / 'lt_plugins'


def _imports(folder):
    for path in sorted((PKG / folder).rglob('*.py')):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    yield path, a.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module


@pytest.mark.parametrize('folder,forbidden', [
    ('det', ('mmpretrain', 'lt_plugins.cls')),
    ('cls', ('mmdet', 'lt_plugins.det')),
    ('core', ('mmdet', 'mmpretrain', 'mmengine', 'lt_plugins.det',
              'lt_plugins.cls')),
    ('engine', ('mmdet', 'mmpretrain')),
    ('data', ('mmdet', 'mmpretrain', 'torch')),
])
def test_subpackage_does_not_import(folder, forbidden):
    bad = [(str(p.relative_to(PKG)), m) for p, m in _imports(folder)
           if m.split('.')[0] in forbidden or m.startswith(forbidden)]
    assert not bad, f'{folder} imports {bad}'


def test_detection_plugin_loads_without_mmpretrain_modules():
    code = ('import sys, lt_plugins.det; '
            'print(sorted(m for m in sys.modules if m.startswith("mmpretrain")'
            ' or m.startswith("lt_plugins.cls")))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=osp.dirname(PKG))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == '[]'


def test_components_are_registered_in_their_frameworks():
    import lt_plugins.cls  # noqa: F401
    import lt_plugins.det  # noqa: F401
    from mmdet.registry import HOOKS as DET_HOOKS
    from mmdet.registry import METRICS as DET_METRICS
    from mmdet.registry import MODELS as DET_MODELS
    from mmpretrain.registry import DATASETS as CLS_DATASETS
    from mmpretrain.registry import METRICS as CLS_METRICS
    for name in ('CDBCrossEntropyLoss', 'CDBFocalLoss', 'CDBSigmoidFocalLoss'):
        assert DET_MODELS.get(name) is not None, name
    assert DET_HOOKS.get('CDBDifficultyHook') is not None
    assert DET_METRICS.get('LVISPerCategoryMetric') is not None
    for name in ('CIFAR10LT', 'CIFAR100LT', 'ImageNetLT', 'PlacesLT'):
        assert CLS_DATASETS.get(name) is not None, name
    assert CLS_METRICS.get('ShotGroupAccuracy') is not None
