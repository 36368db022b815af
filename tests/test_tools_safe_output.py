"""Every tool that writes files: an output aliasing an input or another output
(same spelling, relative spelling, symbolic link, hard link) is refused with a
message and a non-zero exit, every input stays byte-identical, and a run that
fails part-way leaves its folder as it was.

The tools run in this process (``main(argv)``), as their ``__main__`` does,
except where a separate process is what is checked.
"""
import hashlib
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
KINDS = ('same', 'relative', 'symlink', 'hardlink')

_modules = {}


def _tool(name):
    if name not in _modules:
        spec = importlib.util.spec_from_file_location(
            f'_tool_{name}', osp.join(REPO, 'tools', f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[name] = module
    return _modules[name]


def _run(name, argv, capsys):
    """``(exit status, everything printed)`` of ``tools/<name>.py argv``."""
    try:
        result = _tool(name).main([str(a) for a in argv])
        # main returns an exit status, or what it made (plot_cdb_history)
        code, text = result if isinstance(result, int) else 0, ''
    except SystemExit as e:
        code, text = e.code, '' if isinstance(e.code, int) else str(e.code)
    printed = capsys.readouterr()
    return code, text + printed.out + printed.err


def _snapshot(root):
    """Path -> sha1 of every file under ``root`` (links followed), and the
    link targets, so that any change shows."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = osp.join(d, name)
            rel = osp.relpath(p, root)
            if osp.islink(p):
                out[rel] = ('link', os.readlink(p))
            elif osp.isfile(p):
                with open(p, 'rb') as f:
                    out[rel] = hashlib.sha1(f.read()).hexdigest()
            else:
                out[rel] = 'dir'
    return out


def _spell(kind, target, link_path, cwd):
    """A spelling of ``target`` of the given kind; links are made at
    ``link_path``."""
    if kind == 'same':
        return target
    if kind == 'relative':
        os.makedirs(osp.join(cwd, 'detour'), exist_ok=True)
        return osp.join('detour', '..', osp.relpath(target, cwd))
    os.makedirs(osp.dirname(link_path), exist_ok=True)
    if kind == 'symlink':
        os.symlink(target, link_path)
    else:
        os.link(target, link_path)
    return link_path


def _assert_refused(code, text, labels, conflict):
    assert code not in (0, None), text
    assert conflict in text, text
    for label in labels:
        assert label in text, (label, text)


# ------------------------------------------------- tools/make_lvis_heldout
def _lvis(tmp_path):
    ann = dict(info={}, licenses=[], images=[], annotations=[],
               categories=[dict(id=c, name=f'cat{c}', frequency='r')
                           for c in (1, 2)])
    for i in range(1, 7):
        ann['images'].append(dict(id=i, file_name=f'{i}.jpg', width=8,
                                  height=8, neg_category_ids=[],
                                  not_exhaustive_category_ids=[]))
        ann['annotations'].append(dict(id=i, image_id=i,
                                       category_id=1 + i % 2,
                                       bbox=[0, 0, 2, 2], area=4))
    path = tmp_path / 'data' / 'lvis_train.json'
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(ann))
    return str(path)


HELDOUT_OUTS = ('--out-train', '--out-heldout', '--summary-json')
HELDOUT_CASES = [(out, target, kind) for out in HELDOUT_OUTS
                 for target in ('annotations', ) + HELDOUT_OUTS
                 if target != out for kind in KINDS]


@pytest.mark.parametrize('out,target,kind', HELDOUT_CASES)
def test_make_lvis_heldout_refuses_aliased_outputs(tmp_path, monkeypatch,
                                                   capsys, out, target,
                                                   kind):
    monkeypatch.chdir(tmp_path)
    ann = _lvis(tmp_path)
    paths = {flag: str(tmp_path / 'out' / f'{flag[2:]}.json')
             for flag in HELDOUT_OUTS}
    os.makedirs(tmp_path / 'out')
    if target == 'annotations':
        target_path = ann
    else:
        target_path = paths[target]
        if kind == 'hardlink':  # a hard link needs an existing file
            with open(target_path, 'w') as f:
                f.write('previous output')
    paths[out] = _spell(kind, target_path, str(tmp_path / 'out' / 'alias'),
                        str(tmp_path))
    before = _snapshot(tmp_path)
    argv = [ann]
    for flag in HELDOUT_OUTS:
        argv += [flag, paths[flag]]
    code, text = _run('make_lvis_heldout', argv, capsys)
    conflict = ('would overwrite the input' if target == 'annotations' else
                'the same file')
    _assert_refused(code, text, [out, target], conflict)
    assert _snapshot(tmp_path) == before


def test_make_lvis_heldout_failing_part_way_writes_nothing(tmp_path):
    # the summary's folder cannot be created (not even by root); the two
    # splits were produced first and must not appear
    ann = _lvis(tmp_path)
    before = _snapshot(tmp_path)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'make_lvis_heldout.py'),
         ann, '--out-train', str(tmp_path / 'train.json'), '--out-heldout',
         str(tmp_path / 'heldout.json'), '--summary-json',
         '/proc/no_such_folder/summary.json'],
        capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert 'nothing was written' in proc.stderr
    assert _snapshot(tmp_path) == before


def test_make_lvis_heldout_writes_all_outputs_when_fine(tmp_path, capsys):
    ann = _lvis(tmp_path)
    out = {flag: str(tmp_path / 'new' / f'{flag[2:]}.json')
           for flag in HELDOUT_OUTS}
    argv = [ann]
    for flag, path in out.items():
        argv += [flag, path]
    code, text = _run('make_lvis_heldout', argv, capsys)
    assert code == 0, text
    assert sorted(os.listdir(tmp_path / 'new')) == [
        'out-heldout.json', 'out-train.json', 'summary-json.json'
    ]


# ---------------------------------------------------- tools/plot_cdb_history
PLOTS = ('cdb_weights.png', 'cdb_difficulty.png',
         'cdb_performance_vs_count.png')


def _history(path):
    records = [dict(epoch=e, tau=1.0, bias=1.0, ratio=2.0,
                    mean_performance=0.5, num_missing=0, missing=[],
                    never_measured=[], performance=[0.2, 0.8],
                    difficulty=[0.8, 0.2], weights=[1.5, 0.5])
               for e in (1, 2)]
    with open(path, 'w') as f:
        json.dump(dict(classes=['a', 'b'], metric='accuracy',
                       tau_mode='sigmoid', history=records), f)


PLOT_CASES = ([(plot, target, kind) for plot in PLOTS
               for target in ('history', '--class-counts') for kind in KINDS]
              + [(plot, other, kind) for plot in PLOTS for other in PLOTS
                 if other != plot for kind in ('symlink', 'hardlink')])


@pytest.mark.parametrize('plot,target,kind', PLOT_CASES)
def test_plot_cdb_history_refuses_aliased_outputs(tmp_path, monkeypatch,
                                                  capsys, plot, target,
                                                  kind):
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / 'plots'
    out_dir.mkdir()
    inputs = {'history': str(tmp_path / 'in' / 'cdb_history.json'),
              '--class-counts': str(tmp_path / 'in' / 'counts.json')}
    os.makedirs(tmp_path / 'in')
    plot_path = str(out_dir / plot)
    if target in inputs and kind in ('same', 'relative'):
        # the input lies where the plot goes, spelled as given
        inputs[target] = plot_path
        if kind == 'relative':
            inputs[target] = _spell('relative', plot_path, None,
                                    str(tmp_path))
    _history(inputs['history'] if osp.isabs(inputs['history']) else
             tmp_path / inputs['history'])
    counts = inputs['--class-counts']
    with open(counts if osp.isabs(counts) else tmp_path / counts, 'w') as f:
        json.dump([50, 5], f)
    if kind in ('symlink', 'hardlink'):
        if target in inputs:
            _spell(kind, inputs[target], plot_path, str(tmp_path))
        else:  # the other plot exists from an earlier run
            (out_dir / target).write_bytes(b'an earlier plot')
            _spell(kind, str(out_dir / target), plot_path, str(tmp_path))
    before = _snapshot(tmp_path)
    code, text = _run('plot_cdb_history', [
        inputs['history'], '--class-counts', inputs['--class-counts'],
        '--out-dir', str(out_dir)
    ], capsys)
    name = plot[len('cdb_'):-len('.png')]
    if target in inputs:
        _assert_refused(code, text, [f'the {name} plot', target],
                        'would overwrite the input')
    else:
        other = target[len('cdb_'):-len('.png')]
        _assert_refused(code, text,
                        [f'the {name} plot', f'the {other} plot'],
                        'the same file')
    assert _snapshot(tmp_path) == before


def test_plot_cdb_history_writes_its_plots_when_fine(tmp_path, capsys):
    _history(tmp_path / 'cdb_history.json')
    (tmp_path / 'counts.json').write_text('[50, 5]')
    code, text = _run('plot_cdb_history', [
        tmp_path, '--class-counts', tmp_path / 'counts.json'
    ], capsys)
    assert code == 0, text
    assert sorted(os.listdir(tmp_path)) == sorted(
        ['cdb_history.json', 'counts.json', *PLOTS])


# ------------------------------------------------------------ generators
GENERATORS = {
    'make_toy_lvis': (['--train-images', 60, '--val-images', 20,
                       '--image-size', 32, '--count-scale', 0.05],
                      ('annotations/lvis_v0.5_train.json',
                       'annotations/lvis_v0.5_val.json')),
    'make_lvis_like': (['--json-only', '--num-categories', 5,
                        '--frequent-max-images', 101,
                        '--val-images-per-category', 1, 1, 1,
                        '--pretrain-images-per-category', 1],
                       ('annotations/lvis_v0.5_train.json',
                        'annotations/lvis_v0.5_heldout.json')),
    'make_toy_cifar': (['--num-classes', 2, '--train-per-class', 1,
                        '--test-per-class', 1],
                       ('cifar-10-batches-py/data_batch_1',
                        'cifar-10-batches-py/test_batch')),
    'make_toy_mnist': (['--train-per-class', 1, '--test-per-class', 1],
                       ('train-images-idx3-ubyte.gz',
                        't10k-images-idx3-ubyte.gz')),
    'make_cifar_lt_bench': (['--train-per-class', 1, '--test-per-class', 1],
                            ('cifar-100-python/train',
                             'cifar-100-python/test')),
}


@pytest.mark.parametrize('kind', ['symlink', 'hardlink'])
@pytest.mark.parametrize('tool', sorted(GENERATORS))
def test_generators_refuse_outputs_that_are_one_file(tmp_path, capsys, tool,
                                                     kind):
    args, (first, second) = GENERATORS[tool]
    out = tmp_path / 'out'
    (out / first).parent.mkdir(parents=True, exist_ok=True)
    (out / second).parent.mkdir(parents=True, exist_ok=True)
    (out / first).write_bytes(b'an earlier file')
    _spell(kind, str(out / first), str(out / second), str(tmp_path))
    before = _snapshot(tmp_path)
    code, text = _run(tool, ['--out', out, *args], capsys)
    _assert_refused(code, text, [first, second], 'the same file')
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize('tool', sorted(GENERATORS))
def test_generators_write_through_no_link(tmp_path, capsys, tool):
    """An output path that is a link to a file elsewhere gets a file of its
    own; the file the link pointed to is not touched."""
    args, (first, _) = GENERATORS[tool]
    elsewhere = tmp_path / 'precious.bin'
    elsewhere.write_bytes(b'not to be overwritten')
    out = tmp_path / 'out'
    (out / first).parent.mkdir(parents=True)
    os.symlink(elsewhere, out / first)
    code, text = _run(tool, ['--out', out, *args], capsys)
    assert code == 0, text
    assert elsewhere.read_bytes() == b'not to be overwritten'
    assert not osp.islink(out / first) and osp.getsize(out / first) > 0
    assert not [n for n in os.listdir(out) if n.startswith('.')]


def test_generator_failing_part_way_leaves_the_folder_as_it_was(tmp_path,
                                                                capsys):
    # the training json is written before the held-out split fails on the
    # fraction 0
    out = tmp_path / 'out'
    (out / 'annotations').mkdir(parents=True)
    (out / 'annotations' / 'lvis_v0.5_train.json').write_text('earlier')
    before = _snapshot(tmp_path)
    args, _ = GENERATORS['make_lvis_like']
    code, text = _run('make_lvis_like', ['--out', out, *args,
                                         '--heldout-max-fraction', 0],
                      capsys)
    assert code not in (0, None)
    assert 'max_heldout_fraction' in text
    assert _snapshot(tmp_path) == before
