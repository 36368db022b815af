"""``--report-only`` redraws the committed benchmark reports from their
archived runs: the benchmarks' grid core changes nothing they report.

The data is generated again (annotation files only: the report reads the
categories and the generator arguments, not the images) and the runs come
from the archive under docs/, as on a fresh clone. The report records where
it ran (work root, data root, this machine, the CDB history files in the
work root); those lines are compared after replacing this test's folders by
the default ones and its machine by the committed one.
"""
import json
import os.path as osp
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _copy_report(src: str, dst) -> str:
    shutil.copytree(osp.join(REPO, src), str(dst), ignore=shutil.ignore_patterns('*.png', 'large'))
    return str(dst)


def test_lvis_like_report_only_reproduces_the_committed_report(tmp_path):
    from lt_plugins.benchmark import lvis_like
    data = tmp_path / 'data'
    subprocess.run([sys.executable, osp.join(REPO, 'tools',
                                              'make_lvis_like.py'),
                    '--json-only', '--out', str(data)], check=True,
                   capture_output=True)
    out = _copy_report('docs/lvis_like', tmp_path / 'out')
    work = tmp_path / 'work'
    committed_json = open(osp.join(REPO, 'docs/lvis_like/results.json')).read()
    committed_md = open(osp.join(REPO, 'docs/lvis_like/results.md')).read()
    machine = json.loads(committed_json)['machine']
    assert lvis_like.main(['--report-only', '--data-root', str(data),
                           '--work-root', str(work), '--out-dir', out]) == 0

    def normalised(text: str) -> str:
        text = text.replace(str(work), 'work_dirs/lvis_like_bench')
        text = text.replace(str(data), 'data/lvis_like')
        return text.replace(lvis_like.machine_description(), machine)

    assert normalised(open(osp.join(out, 'results.json')).read()) == \
        committed_json
    assert normalised(open(osp.join(out, 'results.md')).read()) == \
        committed_md


def test_cls_report_only_reproduces_the_committed_report(tmp_path):
    from lt_plugins.benchmark import cifar_lt
    data = tmp_path / 'data'
    subprocess.run([sys.executable, osp.join(REPO, 'tools',
                                              'make_cifar_lt_bench.py'),
                    '--out', str(data)], check=True, capture_output=True)
    out = _copy_report('docs/cls_bench', tmp_path / 'out')
    committed_json = open(osp.join(REPO, 'docs/cls_bench/results.json')).read()
    committed_table = open(osp.join(REPO, 'docs/cls_bench/table.md')).read()
    assert cifar_lt.main(['--report-only', '--data-root', str(data),
                          '--work-root', str(tmp_path / 'work'),
                          '--out-dir', out]) == 0

    def normalised(text: str) -> str:
        return text.replace(str(data), 'data/cifar_lt_bench')

    got = normalised(open(osp.join(out, 'results.json')).read())
    assert got == committed_json
    assert normalised(open(osp.join(out, 'table.md')).read()) == \
        committed_table


@pytest.mark.parametrize('tool', ['run_lvis_like_benchmark.py',
                                  'run_cls_benchmark.py'])
def test_tools_are_thin_command_lines(tool):
    """The runners' logic lives in lt_plugins.benchmark; the scripts only
    call it (so that nothing between them is written twice)."""
    text = open(osp.join(REPO, 'tools', tool)).read()
    code = [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith('#')]
    assert len(code) < 40, tool
