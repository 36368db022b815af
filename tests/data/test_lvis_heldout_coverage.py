"""An empty held-out split, or categories left without a held-out image, are
reported by tools/make_lvis_heldout.py, and refused under --strict.

Before, the tool wrote an empty held-out file without a word (every category
in a single image) and training failed later inside mmengine.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from lt_plugins.data.lvis_split import (heldout_coverage_problems,
                                        split_lvis_heldout)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'make_lvis_heldout.py')


def _lvis(image_cats):
    """LVIS v0.5 dict; ``image_cats`` maps image id -> category ids."""
    cats = sorted({c for cs in image_cats.values() for c in cs})
    images, anns = [], []
    for i, cs in image_cats.items():
        images.append(dict(id=i, file_name=f'{i}.jpg', width=8, height=8,
                           neg_category_ids=[],
                           not_exhaustive_category_ids=[]))
        for c in cs:
            anns.append(dict(id=len(anns) + 1, image_id=i, category_id=c,
                             bbox=[0, 0, 2, 2], area=4))
    return dict(info={}, licenses=[], images=images, annotations=anns,
                categories=[dict(id=c, name=f'cat{c}', frequency='r')
                            for c in cats])


# every category in one image: nothing can be held out
ONE_IMAGE = {1: [1, 2, 3]}
# cat3 has a single image, so it is never held out
ONE_UNMEASURED = {1: [1], 2: [1], 3: [2], 4: [2], 5: [3]}
COVERED = {1: [1], 2: [1], 3: [2], 4: [2]}


def test_problems_of_an_empty_split():
    _, held, summary = split_lvis_heldout(_lvis(ONE_IMAGE))
    assert held['images'] == []
    (problem, ) = heldout_coverage_problems(summary)
    assert problem.startswith('the held-out split is empty')
    assert 'floor(0.5 * n)' in problem


def test_problems_name_the_unmeasured_categories():
    ann = _lvis(ONE_UNMEASURED)
    _, held, summary = split_lvis_heldout(ann)
    assert len(held['images']) == 2
    (problem, ) = heldout_coverage_problems(summary, ann['categories'])
    assert problem.startswith('1 of 3 categories have no held-out image '
                              '(rare 1): cat3.')
    assert heldout_coverage_problems(split_lvis_heldout(
        _lvis(COVERED))[2]) == []


def _run(tmp_path, image_cats, *flags):
    src = tmp_path / 'in.json'
    src.write_text(json.dumps(_lvis(image_cats)))
    proc = subprocess.run(
        [sys.executable, TOOL, str(src), '--out-train',
         str(tmp_path / 'train.json'), '--out-heldout',
         str(tmp_path / 'held.json'), *flags],
        capture_output=True, text=True)
    return proc, sorted(os.listdir(tmp_path))


@pytest.mark.parametrize('image_cats,expected', [
    (ONE_IMAGE, 'the held-out split is empty'),
    (ONE_UNMEASURED, '1 of 3 categories have no held-out image'),
])
def test_tool_warns_and_writes_by_default(tmp_path, image_cats, expected):
    proc, files = _run(tmp_path, image_cats)
    assert proc.returncode == 0, proc.stderr
    assert f'warning: {tmp_path / "in.json"}: {expected}' in proc.stderr
    assert files == ['held.json', 'in.json', 'train.json']


@pytest.mark.parametrize('image_cats,expected', [
    (ONE_IMAGE, 'the held-out split is empty'),
    (ONE_UNMEASURED, '1 of 3 categories have no held-out image'),
])
def test_tool_refuses_under_strict_and_writes_nothing(tmp_path, image_cats,
                                                      expected):
    proc, files = _run(tmp_path, image_cats, '--strict')
    assert proc.returncode == 1
    assert expected in proc.stderr and '--strict: nothing written' in \
        proc.stderr
    assert files == ['in.json']


def test_strict_passes_a_split_that_covers_every_category(tmp_path):
    proc, files = _run(tmp_path, COVERED, '--strict')
    assert proc.returncode == 0, proc.stderr
    assert 'warning' not in proc.stderr
    assert files == ['held.json', 'in.json', 'train.json']
