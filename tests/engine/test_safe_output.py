"""lt_plugins.engine.safe_output: an output is never an input or another
output (whatever the spelling), and the outputs of a run appear together or
not at all."""
import json
import os
import os.path as osp

import pytest

from lt_plugins.engine.safe_output import (AtomicOutputs, OutputConflictError,
                                           check_outputs, same_file)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'in.json').write_text('{"keep": 1}')
    return tmp_path


def _listing(root):
    return sorted(
        osp.relpath(osp.join(d, f), root)
        for d, dirs, files in os.walk(root) for f in files + dirs)


# ------------------------------------------------------------ same_file
def test_same_file_sees_through_spellings_links_and_hard_links(folder):
    src = str(folder / 'in.json')
    os.symlink(src, folder / 'link.json')
    os.link(src, folder / 'hard.json')
    (folder / 'sub').mkdir()
    os.symlink(folder / 'sub', folder / 'sublink')
    assert same_file(src, 'in.json')
    assert same_file(src, './sub/../in.json')
    assert same_file(src, str(folder / 'link.json'))
    assert same_file(src, 'hard.json')
    # not existing yet: compared by the resolved path
    assert same_file('sublink/new.json', str(folder / 'sub' / 'new.json'))
    assert not same_file(src, 'other.json')
    (folder / 'copy.json').write_text('{"keep": 1}')
    assert not same_file(src, 'copy.json')  # same bytes, another file


# --------------------------------------------------------- check_outputs
@pytest.mark.parametrize('kind', ['same', 'relative', 'symlink', 'hardlink'])
def test_output_aliasing_an_input_is_refused_with_both_spellings(
        folder, kind):
    src = str(folder / 'in.json')
    if kind == 'same':
        out = src
    elif kind == 'relative':
        out = 'sub/../in.json'
        (folder / 'sub').mkdir()
    elif kind == 'symlink':
        out = 'link.json'
        os.symlink(src, out)
    else:
        out = 'hard.json'
        os.link(src, out)
    with pytest.raises(OutputConflictError) as e:
        check_outputs({'--out': out}, {'annotations': src})
    msg = str(e.value)
    assert '--out' in msg and repr(out) in msg
    assert 'annotations' in msg and repr(src) in msg
    assert 'input' in msg
    assert (folder / 'in.json').read_text() == '{"keep": 1}'


def test_dangling_link_to_an_input_path_is_refused(folder):
    os.symlink(folder / 'missing_input.json', folder / 'out.json')
    with pytest.raises(OutputConflictError, match='symbolic link'):
        check_outputs(['out.json'], ['missing_input.json'])


@pytest.mark.parametrize('kind', ['same', 'relative', 'symlink', 'hardlink',
                                  'dangling'])
def test_two_outputs_that_are_one_file_are_refused(folder, kind):
    a = str(folder / 'a.json')
    if kind == 'same':
        b = a
    elif kind == 'relative':
        b = './a.json'
    elif kind == 'symlink':
        (folder / 'a.json').write_text('old')
        os.symlink(a, 'b.json')
        b = 'b.json'
    elif kind == 'hardlink':
        (folder / 'a.json').write_text('old')
        os.link(a, 'b.json')
        b = 'b.json'
    else:  # b does not exist; a is a link to b's path
        b = str(folder / 'b.json')
        os.symlink(b, a)
    with pytest.raises(OutputConflictError, match='same file') as e:
        check_outputs({'--out-a': a, '--out-b': b})
    assert '--out-a' in str(e.value) and '--out-b' in str(e.value)


def test_folder_outputs_and_files_as_folders_are_refused(folder):
    (folder / 'dir').mkdir()
    with pytest.raises(IsADirectoryError, match='is a folder'):
        check_outputs({'--out': 'dir'})
    with pytest.raises(NotADirectoryError, match='which is a file'):
        check_outputs({'--out': 'in.json/deeper/out.json'})


def test_distinct_outputs_pass_and_an_input_folder_may_hold_outputs(folder):
    check_outputs({'--a': 'a.json', '--b': 'new/b.json'},
                  {'work dir': str(folder), 'ann': 'in.json'})


# ---------------------------------------------------------- AtomicOutputs
def test_outputs_appear_only_at_commit(folder):
    with AtomicOutputs(['in.json']) as out:
        out.declare('a.json', '--a')
        out.write_json('a.json', {'x': 1})
        out.write_bytes('deep/b.bin', b'\x00\x01')
        assert not osp.exists('a.json') and not osp.exists('deep/b.bin')
    assert json.loads((folder / 'a.json').read_text()) == {'x': 1}
    assert (folder / 'deep' / 'b.bin').read_bytes() == b'\x00\x01'
    assert _listing(folder) == ['a.json', 'deep', 'deep/b.bin', 'in.json']


def test_a_run_failing_part_way_leaves_the_folder_as_it_was(folder):
    (folder / 'a.json').write_text('previous a')
    before = _listing(folder)
    with pytest.raises(OSError, match='disk full'):
        with AtomicOutputs(['in.json']) as out:
            out.write_text('a.json', 'new a')
            out.write_text('new/dir/b.json', 'new b')
            raise OSError('disk full')
    assert _listing(folder) == before
    assert (folder / 'a.json').read_text() == 'previous a'


def test_an_output_conflicting_with_an_input_is_refused_before_writing(
        folder):
    with pytest.raises(OutputConflictError):
        with AtomicOutputs({'ann': 'in.json'}) as out:
            out.write_text('a.json', 'a')
            out.write_text('./in.json', 'clobbered')
    assert (folder / 'in.json').read_text() == '{"keep": 1}'
    assert _listing(folder) == ['in.json']


def test_a_symlinked_output_is_replaced_not_written_through(folder):
    (folder / 'target.json').write_text('target')
    os.symlink('target.json', 'out.json')
    with AtomicOutputs() as out:
        out.write_text('out.json', 'new')
    assert not osp.islink('out.json')
    assert (folder / 'out.json').read_text() == 'new'
    assert (folder / 'target.json').read_text() == 'target'


def test_existing_file_keeps_its_mode(folder):
    (folder / 'a.sh').write_text('old')
    os.chmod(folder / 'a.sh', 0o750)
    with AtomicOutputs() as out:
        out.write_text('a.sh', 'new')
    assert os.stat(folder / 'a.sh').st_mode & 0o777 == 0o750


def test_staged_tree_is_checked_and_moved_at_commit(folder):
    os.makedirs('data/annotations')
    with AtomicOutputs() as out:
        stage = out.stage_dir('data')
        os.makedirs(osp.join(stage, 'annotations'))
        os.makedirs(osp.join(stage, 'images'))
        for rel in ('annotations/train.json', 'images/1.jpg'):
            with open(osp.join(stage, rel), 'w') as f:
                f.write(rel)
        assert out.final_path(osp.join(stage, 'images', '1.jpg')) == \
            osp.join(str(folder / 'data'), 'images', '1.jpg')
        assert not osp.exists('data/images')
    assert _listing(folder / 'data') == [
        'annotations', 'annotations/train.json', 'images', 'images/1.jpg'
    ]


def test_staged_files_that_alias_each_other_are_refused_and_discarded(
        folder):
    os.makedirs('data')
    (folder / 'data' / 'a.json').write_text('old a')
    os.link(folder / 'data' / 'a.json', folder / 'data' / 'b.json')
    with pytest.raises(OutputConflictError, match='same file'):
        with AtomicOutputs() as out:
            stage = out.stage_dir('data')
            for name in ('a.json', 'b.json'):
                with open(osp.join(stage, name), 'w') as f:
                    f.write('new')
    assert _listing(folder / 'data') == ['a.json', 'b.json']
    assert (folder / 'data' / 'a.json').read_text() == 'old a'


def test_staged_file_that_is_an_input_is_refused(folder):
    os.makedirs('data')
    with pytest.raises(OutputConflictError, match='input'):
        with AtomicOutputs({'ann': 'data/in.json'}) as out:
            stage = out.stage_dir('data')
            with open(osp.join(stage, 'in.json'), 'w') as f:
                f.write('clobbered')
    assert _listing(folder / 'data') == []


def test_a_new_output_folder_is_removed_when_the_run_fails(folder):
    with pytest.raises(RuntimeError, match='boom'):
        with AtomicOutputs() as out:
            stage = out.stage_dir('fresh/data')
            with open(osp.join(stage, 'x'), 'w') as f:
                f.write('x')
            raise RuntimeError('boom')
    assert _listing(folder) == ['in.json']


def test_declared_output_never_produced_fails_the_commit(folder):
    with pytest.raises(RuntimeError, match='never produced: --b'):
        with AtomicOutputs() as out:
            out.declare('b.json', '--b')
            out.write_text('a.json', 'a')
    assert _listing(folder) == ['in.json']


def test_commit_twice_is_refused(folder):
    out = AtomicOutputs()
    out.write_text('a.json', 'a')
    assert out.commit() == [str(folder / 'a.json')]
    with pytest.raises(RuntimeError, match='already committed'):
        out.write_text('b.json', 'b')
