"""Packaging: pyproject.toml builds a wheel that holds the package and its
metadata, and nothing of the checkout around it (tests, docs, tools, configs,
work directories, data)."""
import email
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import lt_plugins

REPO = Path(__file__).resolve().parents[1]
# what a checkout holds besides the package; none of it belongs in the wheel
CHECKOUT_ONLY = ('tests', 'docs', 'tools', 'configs', 'work_dirs', 'data',
                 '.ci')


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        tomllib = pytest.importorskip('tomli')
    with open(REPO / 'pyproject.toml', 'rb') as f:
        return tomllib.load(f)


def test_pyproject_is_the_only_build_script():
    assert not (REPO / 'setup.py').exists()
    assert not (REPO / 'setup.cfg').exists()
    project = _pyproject()['project']
    assert project['name'] == 'lt_plugins'
    assert project['dynamic'] == ['version']


def test_extras_keep_the_frameworks_apart():
    extras = _pyproject()['project']['optional-dependencies']
    names = {k: {re.split(r'[<>=!~ ;\[]', r, maxsplit=1)[0] for r in v}
             for k, v in extras.items()}
    assert {'mmdet', 'mmcv', 'lvis', 'pycocotools',
            'faster-coco-eval'} <= names['det']
    assert 'mmpretrain' not in names['det']
    assert names['cls'] == {'mmpretrain'}
    assert 'mmdet' not in names['cls']
    assert {'pytest', 'hypothesis'} <= names['test']


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout that also holds a work
    directory and a data folder, as a user's checkout does."""
    pytest.importorskip('setuptools')
    src = tmp_path_factory.mktemp('src')
    out = tmp_path_factory.mktemp('wheel')
    top_level = {'.git', 'work_dirs', 'data', 'build', 'dist',
                 '.pytest_cache', '.dist_test'}

    def ignore(folder, names):
        skip = {n for n in names
                if n == '__pycache__' or n.endswith('.egg-info')}
        if Path(folder) == REPO:  # lt_plugins/data is the package's own
            skip |= top_level & set(names)
        return skip

    shutil.copytree(REPO, src, dirs_exist_ok=True, ignore=ignore)
    for path in ('work_dirs/faster-rcnn_lvis-like_ce/epoch_12.pth',
                 'data/lvis_v0.5/annotations/lvis_v0.5_train.json'):
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text('{}')
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '--disable-pip-version-check', '-q',
         '-w', str(out), str(src)],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = list(out.glob('lt_plugins-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_holds_the_whole_package_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split('/')[0] for n in names}
    assert tops == {'lt_plugins',
                    f'lt_plugins-{lt_plugins.__version__}.dist-info'}, (
        f'the wheel holds {sorted(tops)}; the checkout\'s '
        f'{", ".join(CHECKOUT_ONLY)} stay out')
    # every module of the package, subpackages included
    expected = {p.relative_to(REPO).as_posix()
                for p in (REPO / 'lt_plugins').rglob('*.py')}
    assert expected <= set(names), sorted(expected - set(names))[:10]
    assert not [n for n in names if n.endswith(('.pyc', '.pth'))]


def test_wheel_metadata_version_and_extras(wheel):
    zf = zipfile.ZipFile(wheel)
    meta_name = next(n for n in zf.namelist() if n.endswith('/METADATA'))
    meta = email.message_from_string(zf.read(meta_name).decode())
    assert meta['Name'] == 'lt_plugins'
    assert meta['Version'] == lt_plugins.__version__
    assert set(meta.get_all('Provides-Extra')) >= {'det', 'cls', 'plots',
                                                   'test'}
    requires = meta.get_all('Requires-Dist')
    assert any(r.startswith('mmengine') for r in requires)
    assert any(r.startswith('mmdet') and 'extra == "det"' in r
               for r in requires)


def test_citation_and_changelog_name_the_package_version():
    yaml = pytest.importorskip('yaml')
    citation = yaml.safe_load((REPO / 'CITATION.cff').read_text())
    assert citation['cff-version'] == '1.2.0'
    assert str(citation['version']) == lt_plugins.__version__
    changelog = (REPO / 'CHANGELOG.md').read_text()
    assert f'## [{lt_plugins.__version__}] - ' in changelog
    assert '## [Unreleased]' in changelog
