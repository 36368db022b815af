"""The grid machinery both benchmarks share: plan, locks, resume,
dependencies, failures and the archive, on a small grid whose runs write
their result directly (the benchmarks' own tests run it with fake training
commands: tests/test_lvis_like_runner.py, tests/test_cls_benchmark_runner.py).
"""
import json
import os
import os.path as osp
import shutil
import threading

import pytest

from lt_plugins.benchmark.grid import (FAILED_FILE, Cell, Grid, GridMethod,
                                       finish, make_plan, resolve_methods)
from lt_plugins.engine.run_lock import run_lock

TABLE = (
    GridMethod('base', 'Base'),
    GridMethod('stage1', 'Stage 1'),
    GridMethod('stage2', 'Stage 2', needs='stage1'),
    GridMethod('stage3', 'Stage 3', needs='stage2'),
    GridMethod('variant', 'Variant', versus='stage1'),
)


class ToyGrid(Grid):
    """A run writes a checkpoint file and its result; ``fail`` names
    methods whose runs fail."""

    archived_files = ('extra.json', )
    compared_keys = ('value', )
    offset = 0.0  # added to every value: a training that does not reproduce

    def __init__(self, tmp_path, methods, seeds, fail=(), data_args=None):
        work = str(tmp_path / 'work')
        super().__init__(make_plan(resolve_methods(TABLE, methods), seeds,
                                   work), {m.name: m for m in TABLE}, work,
                         str(tmp_path / 'out'), data_args=data_args,
                         log=self.lines.append, tag='toy')
        self.fail_methods = set(fail)
        self.calls = []

    lines: list = []

    def execute(self, cell, start):
        self.calls.append((cell.key, start))
        if cell.method in self.fail_methods:
            log = osp.join(cell.work_dir, 'train.log')
            os.makedirs(cell.work_dir, exist_ok=True)
            with open(log, 'w') as f:
                f.write('loss is nan\n')
            return self.fail(cell, 'train', ['train', cell.key], 3, log)
        ckpt = osp.join(cell.work_dir, 'final.pth')
        with open(ckpt, 'w') as f:
            f.write(cell.key)
        with open(osp.join(cell.work_dir, 'extra.json'), 'w') as f:
            json.dump(dict(seed=cell.seed), f)
        finish(cell, dict(method=cell.method, seed=cell.seed,
                          checkpoint=ckpt, data_args=self.data_args,
                          value=cell.seed + 0.5 + self.offset))
        return 'finished'

    def start_checkpoint(self, cell):
        result = cell.result()
        return None if result is None else result['checkpoint']


@pytest.fixture(autouse=True)
def _fresh_lines():
    ToyGrid.lines = []


def test_resolve_methods_adds_what_a_method_needs_and_is_compared_with():
    names = [m.name for m in resolve_methods(TABLE, ['stage3'])]
    assert names == ['stage1', 'stage2', 'stage3']
    names = [m.name for m in resolve_methods(TABLE, ['variant'],
                                             always=['base'])]
    assert names == ['base', 'stage1', 'variant']
    assert resolve_methods(TABLE, None) == list(TABLE)
    with pytest.raises(ValueError, match=r"\['nope', 'other'\].*'base'"):
        resolve_methods(TABLE, ['base', 'nope', 'other'])


def test_plan_is_seed_major():
    cells = make_plan(TABLE[:2], [3, 1], '/w')
    assert [c.key for c in cells] == ['base/seed3', 'stage1/seed3',
                                      'base/seed1', 'stage1/seed1']
    assert cells[0].work_dir == '/w/base/seed3'


def test_a_run_starts_from_its_dependency_of_the_same_seed(tmp_path):
    grid = ToyGrid(tmp_path, ['stage3'], [0, 1])
    statuses = grid.run_all()
    assert set(statuses.values()) == {'finished'}
    starts = dict(grid.calls)
    assert starts['stage1/seed0'] is None
    assert starts['stage2/seed1'] == str(tmp_path / 'work' / 'stage1' /
                                         'seed1' / 'final.pth')
    assert starts['stage3/seed0'].endswith('stage2/seed0/final.pth')
    # finished runs are skipped by the next invocation
    again = ToyGrid(tmp_path, ['stage3'], [0, 1])
    assert set(again.run_all().values()) == {'done'} and again.calls == []


def test_a_failed_run_is_recorded_blocks_its_dependents_and_is_retried(
        tmp_path):
    grid = ToyGrid(tmp_path, ['stage2', 'base'], [0], fail=['stage1'])
    statuses = grid.run_all()
    assert statuses == {'base/seed0': 'finished', 'stage1/seed0': 'failed',
                        'stage2/seed0': 'blocked'}
    record = json.load(open(tmp_path / 'work' / 'stage1' / 'seed0' /
                            FAILED_FILE))
    assert record['run'] == 'stage1/seed0' and record['returncode'] == 3
    assert record['stage'] == 'train' and 'loss is nan' in record['log_tail']
    assert [f['run'] for f in grid.stored_failures()] == ['stage1/seed0']
    assert grid.status(grid.cell('stage1', 0)) == 'failed'
    retry = ToyGrid(tmp_path, ['stage2', 'base'], [0])
    assert retry.run_all() == {'base/seed0': 'done',
                               'stage1/seed0': 'finished',
                               'stage2/seed0': 'finished'}
    assert not (tmp_path / 'work' / 'stage1' / 'seed0' /
                FAILED_FILE).exists()
    assert retry.stored_failures() == []


def test_a_run_another_process_holds_is_left_to_it(tmp_path):
    grid = ToyGrid(tmp_path, ['base'], [0, 1])
    with run_lock(str(tmp_path / 'work' / 'base' / 'seed1')) as mine:
        assert mine
        statuses = grid.run_all()
    assert statuses == {'base/seed0': 'finished', 'base/seed1': 'elsewhere'}
    assert '[toy] base/seed1: skipped, another process runs it' in grid.lines


def test_a_run_whose_start_trains_elsewhere_is_put_off_to_the_end(
        tmp_path):
    stage1 = tmp_path / 'work' / 'stage1' / 'seed0'
    grid = ToyGrid(tmp_path, ['stage2', 'base'], [0, 1])
    held, release = threading.Event(), threading.Event()

    def other_process():  # trains stage1/seed0 for a while
        with run_lock(str(stage1)):
            held.set()
            release.wait(10)
            ToyGrid(tmp_path, ['stage1'], [0]).execute(
                Cell('stage1', 0, str(stage1)), None)

    thread = threading.Thread(target=other_process)
    thread.start()
    held.wait(10)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    statuses = grid.run_all()
    thread.join()
    order = [k for k, _ in grid.calls]
    # everything else first, stage2/seed0 last, from the other's checkpoint
    assert order == ['base/seed0', 'base/seed1', 'stage1/seed1',
                     'stage2/seed1', 'stage2/seed0']
    assert statuses['stage1/seed0'] == 'elsewhere'
    assert dict(grid.calls)['stage2/seed0'] == str(stage1 / 'final.pth')


def test_archive_and_restore_round_trip_on_the_same_data_only(tmp_path):
    data = dict(seed=0)
    grid = ToyGrid(tmp_path, ['stage2'], [0, 1], data_args=data)
    grid.run_all()
    results = {(c.method, c.seed): c.result() for c in grid.cells}
    assert grid.archive(results) == 4
    archive = tmp_path / 'out' / 'runs' / 'stage2' / 'seed1'
    assert sorted(os.listdir(archive)) == ['extra.json', 'result.json']
    # a fresh clone: the work root is gone
    shutil.rmtree(tmp_path / 'work')
    fresh = ToyGrid(tmp_path, ['stage2'], [0, 1], data_args=data)
    assert all(fresh.restorable(c) for c in fresh.cells)
    assert sorted(fresh.restore()) == ['stage1/seed0', 'stage1/seed1',
                                       'stage2/seed0', 'stage2/seed1']
    assert json.load(open(tmp_path / 'work' / 'stage2' / 'seed1' /
                          'extra.json')) == dict(seed=1)
    assert set(fresh.run_all().values()) == {'done'}
    # on other data nothing is restored
    shutil.rmtree(tmp_path / 'work')
    other = ToyGrid(tmp_path, ['stage2'], [0], data_args=dict(seed=7))
    assert other.restore() == []
    assert '[toy] stage1/seed0: not restored, archived on data generated ' \
        'with other arguments' in other.lines
    assert [c.key for c in other.archived()] == [
        'stage1/seed0', 'stage1/seed1', 'stage2/seed0', 'stage2/seed1']


def test_a_run_from_a_restored_run_fails_naming_the_missing_checkpoint(
        tmp_path):
    data = dict(seed=0)
    grid = ToyGrid(tmp_path, ['stage1'], [0], data_args=data)
    grid.run_all()
    grid.archive({('stage1', 0): grid.cells[0].result()})
    shutil.rmtree(tmp_path / 'work')
    fresh = ToyGrid(tmp_path, ['stage2'], [0], data_args=data)
    fresh.restore()
    statuses = fresh.run_all()
    assert statuses == {'stage1/seed0': 'done', 'stage2/seed0': 'failed'}
    assert fresh.calls == []  # nothing trained from nothing
    record = json.load(open(tmp_path / 'work' / 'stage2' / 'seed0' /
                            FAILED_FILE))
    assert record['stage'] == 'dependency'
    assert str(tmp_path / 'work' / 'stage1' / 'seed0' / 'final.pth') in \
        record['message']
    assert f"delete {tmp_path / 'out' / 'runs' / 'stage1' / 'seed0'}" in \
        record['message']


def test_status_of_an_unavailable_run(tmp_path):

    class Partial(ToyGrid):
        def available(self, cell):
            return cell.method != 'stage1'

    grid = Partial(tmp_path, ['stage1', 'base'], [0])
    assert grid.run_all() == {'base/seed0': 'finished',
                              'stage1/seed0': 'unavailable'}


@pytest.mark.parametrize('offset', [0.0, 0.25])
def test_retrain_starts_trains_a_restored_start_again(tmp_path, offset):
    data = dict(seed=0)
    grid = ToyGrid(tmp_path, ['stage2'], [1], data_args=data)
    grid.run_all()
    grid.archive({(c.method, c.seed): c.result() for c in grid.cells})
    shutil.rmtree(tmp_path / 'work')
    fresh = ToyGrid(tmp_path, ['stage3'], [1], data_args=data)
    fresh.retrain_starts = True
    fresh.offset = offset
    fresh.restore()
    statuses = fresh.run_all()
    # stage3 starts from stage2, restored: stage2 trains again, and so does
    # stage1, which stage2 starts from
    assert [k for k, _ in fresh.calls] == ['stage1/seed1', 'stage2/seed1',
                                           'stage3/seed1']
    assert statuses == {'stage1/seed1': 'done', 'stage2/seed1': 'done',
                        'stage3/seed1': 'finished'}
    stage2 = tmp_path / 'work' / 'stage2' / 'seed1'
    result = json.load(open(stage2 / 'result.json'))
    archived = json.load(open(stage2 / 'result.archived.json'))
    assert archived['value'] == 1.5
    assert result['reproduces_archive'] is (offset == 0.0)
    assert result['archive_max_difference'] == offset
    assert dict(fresh.calls)['stage3/seed1'] == str(stage2 / 'final.pth')


def test_runs_from_a_changed_start_train_again(tmp_path):
    """When a start trained again does not reproduce its archived result,
    the plan's finished runs that started from the old checkpoint train
    again too, so that both runs of a pair share their start."""
    data = dict(seed=0)
    grid = ToyGrid(tmp_path, ['stage2', 'variant'], [0], data_args=data)
    grid.run_all()
    grid.archive({(c.method, c.seed): c.result() for c in grid.cells})
    shutil.rmtree(tmp_path / 'work')

    class TwoFromStage1(ToyGrid):
        pass

    table = dict(grid.methods, variant=GridMethod('variant', 'Variant',
                                                  needs='stage1'))
    fresh = TwoFromStage1(tmp_path, ['stage2', 'variant'], [0],
                          data_args=data)
    fresh.methods = table
    fresh.cells = [c for c in fresh.cells if c.method != 'base']
    fresh._by_key = {(c.method, c.seed): c for c in fresh.cells}
    fresh.retrain_starts = True
    fresh.offset = 0.25
    fresh.restore()
    # variant/seed0 is restored and finished; stage2 needs stage1's
    # checkpoint, restored without it
    shutil.rmtree(tmp_path / 'work' / 'stage2')
    statuses = fresh.run_all()
    order = [k for k, _ in fresh.calls]
    assert order == ['stage1/seed0', 'stage2/seed0', 'variant/seed0']
    assert statuses['variant/seed0'] == 'finished'
    stage1 = json.load(open(tmp_path / 'work' / 'stage1' / 'seed0' /
                            'result.json'))
    assert stage1['dependents_trained_again'] == ['variant/seed0']
    assert (tmp_path / 'work' / 'variant' / 'seed0' /
            'result.before_retrain.json').exists()


def test_a_run_set_aside_is_not_restored(tmp_path):
    data = dict(seed=0)
    grid = ToyGrid(tmp_path, ['stage1'], [0], data_args=data)
    grid.run_all()
    grid.archive({(c.method, c.seed): c.result() for c in grid.cells})
    work = tmp_path / 'work' / 'stage1' / 'seed0'
    os.replace(work / 'result.json', work / 'result.before_retrain.json')
    again = ToyGrid(tmp_path, ['stage1'], [0], data_args=data)
    assert not again.restorable(again.cells[0])
    assert again.restore() == []
    assert again.run_all() == {'stage1/seed0': 'finished'}
    assert again.restorable(again.cells[0]) is False  # finished: present


def test_an_output_folder_that_is_an_input_or_another_output_is_refused(
        tmp_path):
    from lt_plugins.benchmark.grid import check_folders
    from lt_plugins.engine.safe_output import OutputConflictError
    data = tmp_path / 'data'
    data.mkdir()
    (tmp_path / 'link').symlink_to(data)
    with pytest.raises(OutputConflictError, match='--out-dir .*--data-root'):
        check_folders({'--work-root': str(tmp_path / 'work'),
                       '--out-dir': str(tmp_path / 'link')},
                      {'--data-root': str(data)})
    with pytest.raises(OutputConflictError, match='--work-root .*--out-dir'):
        check_folders({'--work-root': str(tmp_path / 'out'),
                       '--out-dir': str(tmp_path / 'sub' / '..' / 'out')},
                      {'--data-root': str(data)})
    check_folders({'--work-root': str(tmp_path / 'work'),
                   '--out-dir': str(tmp_path / 'out')},
                  {'--data-root': str(data)})


@pytest.mark.parametrize('tool', ['run_lvis_like_benchmark.py',
                                  'run_cls_benchmark.py'])
def test_the_benchmark_tools_refuse_a_report_folder_that_is_the_data(
        tmp_path, tool):
    import subprocess
    import sys
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'keep.txt').write_text('input')
    proc = subprocess.run(
        [sys.executable, osp.join(repo, 'tools', tool), '--report-only',
         '--data-root', str(data), '--out-dir', str(data), '--work-root',
         str(tmp_path / 'work')], capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'same folder' in proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ['keep.txt']


# ----------------------------------------------- unfinished runs (partial)

class ResumingGrid(ToyGrid):
    """A toy grid whose runs note the checkpoint they resume from."""

    partial_files = ('extra.json', 'best.pth')

    def execute(self, cell, start):
        pointer = osp.join(cell.work_dir, 'last_checkpoint')
        self.resumed = open(pointer).read() if osp.isfile(pointer) else None
        return super().execute(cell, start)


def _interrupt(cell, epoch, best=True):
    """A run's work dir as a training interrupted after ``epoch`` leaves
    it: checkpoints, mmengine's pointer, a history and a selection."""
    os.makedirs(cell.work_dir, exist_ok=True)
    for e in range(max(1, epoch - 1), epoch + 1):
        with open(osp.join(cell.work_dir, f'epoch_{e}.pth'), 'w') as f:
            f.write(f'{cell.key} epoch {e}')
    with open(osp.join(cell.work_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(cell.work_dir, f'epoch_{epoch}.pth'))
    with open(osp.join(cell.work_dir, 'extra.json'), 'w') as f:
        json.dump(dict(epoch=epoch), f)
    if best:
        with open(osp.join(cell.work_dir, 'best.pth'), 'w') as f:
            f.write(f'best up to {epoch}')


def test_an_unfinished_run_is_kept_and_resumed_on_a_fresh_clone(tmp_path):
    data = dict(seed=0)
    grid = ResumingGrid(tmp_path, ['stage1'], [0, 1], data_args=data)
    run0, run1 = grid.cells
    _interrupt(run0, 10)
    # kept: the latest checkpoint and the files it resumes with, no older
    # checkpoint; run 1 never saved one and is not kept
    assert grid.keep_partial() == ['stage1/seed0']
    kept = tmp_path / 'out' / 'partial' / 'stage1' / 'seed0'
    assert sorted(os.listdir(kept)) == ['best.pth', 'epoch_10.pth',
                                        'extra.json', 'partial.json']
    assert json.load(open(kept / 'partial.json')) == dict(
        checkpoint='epoch_10.pth', data_args=data)
    assert '[toy] stage1/seed0: kept epoch_10.pth in ' in grid.lines[-1]
    # kept again later: the newer checkpoint replaces the older one, and a
    # file the run no longer has goes
    _interrupt(run0, 15, best=False)
    os.remove(osp.join(run0.work_dir, 'best.pth'))
    grid.keep_partial()
    assert sorted(os.listdir(kept)) == ['epoch_15.pth', 'extra.json',
                                        'partial.json']

    shutil.rmtree(tmp_path / 'work')  # a fresh clone
    other = ResumingGrid(tmp_path, ['stage1'], [0], data_args=dict(seed=7))
    assert other.run_one(other.cells[0]) == 'finished'
    assert other.resumed is None  # kept on other data: trained from start
    assert '[toy] stage1/seed0: not resumed from' in ' '.join(other.lines)
    shutil.rmtree(tmp_path / 'work')
    fresh = ResumingGrid(tmp_path, ['stage1'], [0], data_args=data)
    assert fresh.run_one(fresh.cells[0]) == 'finished'
    wd = tmp_path / 'work' / 'stage1' / 'seed0'
    # the pointer names the copy in the new work dir, not the old path
    assert fresh.resumed == str(wd / 'epoch_15.pth')
    assert (wd / 'epoch_15.pth').read_text() == 'stage1/seed0 epoch 15'
    assert f'resumes from the checkpoint kept in {kept}' in \
        ' '.join(fresh.lines)
    # archived as finished: the kept checkpoint goes
    fresh.archive({('stage1', 0): fresh.cells[0].result()})
    assert not kept.exists()
    assert (tmp_path / 'out' / 'runs' / 'stage1' / 'seed0' /
            'result.json').exists()


def test_a_work_dir_with_its_own_checkpoint_or_result_is_not_overwritten(
        tmp_path):
    grid = ResumingGrid(tmp_path, ['stage1'], [0, 1], data_args=None)
    run0, run1 = grid.cells
    _interrupt(run0, 10)
    grid.keep_partial()
    _interrupt(run0, 20)  # trained on since, in place
    assert grid.run_one(run0) == 'finished'
    assert grid.resumed == osp.join(run0.work_dir, 'epoch_20.pth')
    # a finished run is not kept
    assert grid.keep_partial() == []


def test_a_checkpoint_replaced_during_the_copy_is_copied_again(
        tmp_path, monkeypatch):
    """Kept while the run trains: when the training saves a newer
    checkpoint and removes the older one mid-copy, the newer one is kept."""
    from lt_plugins.engine import run_archive
    grid = ResumingGrid(tmp_path, ['stage1'], [0], data_args=None)
    run0 = grid.cells[0]
    _interrupt(run0, 10)
    copy, calls = run_archive._copy, []

    def racing_copy(src, dst):
        calls.append(osp.basename(src))
        if osp.basename(src) == 'epoch_10.pth':  # the trainer moves on
            _interrupt(run0, 15)
            os.remove(src)
        copy(src, dst)

    monkeypatch.setattr(run_archive, '_copy', racing_copy)
    assert grid.keep_partial() == ['stage1/seed0']
    assert calls[:2] == ['epoch_10.pth', 'epoch_15.pth']
    kept = tmp_path / 'out' / 'partial' / 'stage1' / 'seed0'
    assert sorted(os.listdir(kept)) == ['best.pth', 'epoch_15.pth',
                                        'extra.json', 'partial.json']


def test_keep_partial_refuses_a_file_name_it_would_confuse(tmp_path):
    """A partial file named like the run's result or the kept record is
    refused before anything is copied."""
    from lt_plugins.engine import run_archive
    grid = ResumingGrid(tmp_path, ['stage1'], [0], data_args=None)
    _interrupt(grid.cells[0], 10)
    dest = str(tmp_path / 'kept')
    for name in ('result.json', 'partial.json', 'sub/extra.json'):
        with pytest.raises(ValueError, match='not a plain file name'):
            run_archive.keep_partial(grid.cells[0].work_dir, dest, None,
                                     (name, ))
    assert not osp.exists(dest)
