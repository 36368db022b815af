"""Finished benchmark runs kept next to their report.

The benchmark runners (``tools/run_lvis_like_benchmark.py``,
``tools/run_cls_benchmark.py``) train in ``<work_root>/<method>/seed<k>/``,
which is not kept under version control, and report into ``<out_dir>``,
which is. When they write the report they copy each finished run's
``result.json`` and the few small files its plots read into
``<out_dir>/runs/<method>/seed<k>/`` (no checkpoint, no log). A later
invocation whose work directory lacks a run's ``result.json`` copies the
archived files back (:func:`restore_run`) and skips the run like any
finished one, so a grid continues on a fresh clone from the committed
report.

A run is restored only when its recorded data arguments (``data_args`` in
``result.json``: the generator arguments of the benchmark data) equal the
current data's: a result on other data is trained again. A restored run has
no checkpoint; a run that starts from it must say so
(:func:`missing_checkpoint_message`) instead of training from nothing.

An *unfinished* run can be kept too, so that a training longer than one
sitting continues on a fresh clone instead of starting over:
:func:`keep_partial` copies its latest checkpoint (the one mmengine's
``last_checkpoint`` file names), the small files it resumes with and a
record of the data into ``<out_dir>/partial/<method>/seed<k>/``, and
:func:`restore_partial` copies them back into an empty work directory, with
``last_checkpoint`` pointing at the copy, so that the runner resumes from it
(``tools/train.py --resume``). The kept checkpoint is removed when the run
is archived as finished (:func:`drop_partial`).
"""
import json
import os
import os.path as osp
import shutil
from typing import Any, List, Optional, Sequence

from .run_lock import run_lock

#: The file that marks a run as finished, in its work and archive folder.
RESULT_FILE = 'result.json'
#: Sub-folder of the report folder that holds the archive.
ARCHIVE_DIR = 'runs'
#: Sub-folder of the report folder that keeps unfinished runs' checkpoints.
PARTIAL_DIR = 'partial'
#: The record of a kept unfinished run: its checkpoint's name and the data.
PARTIAL_FILE = 'partial.json'
#: mmengine's file naming a work directory's latest checkpoint.
CHECKPOINT_POINTER = 'last_checkpoint'
#: Outcomes of :func:`restore_status` / :func:`restore_run`.
PRESENT, ABSENT, OTHER_DATA, RESTORABLE, RESTORED, HELD = (
    'present', 'absent', 'other data', 'restorable', 'restored', 'held')


def archive_dir(out_dir: str, method: str, seed: int) -> str:
    """``<out_dir>/runs/<method>/seed<seed>``: the archive of one run."""
    return osp.join(out_dir, ARCHIVE_DIR, method, f'seed{int(seed)}')


def partial_dir(out_dir: str, method: str, seed: int) -> str:
    """``<out_dir>/partial/<method>/seed<seed>``: an unfinished run's kept
    checkpoint (:func:`keep_partial`)."""
    return osp.join(out_dir, PARTIAL_DIR, method, f'seed{int(seed)}')


def read_json(path: str, missing_ok: bool = False) -> Any:
    """The content of a json file.

    Args:
        path (str): The file.
        missing_ok (bool): Return None for a missing file instead of
            raising ``FileNotFoundError``.
    """
    if missing_ok and not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path: str, data: Any) -> None:
    """Write ``data`` to ``path`` (its folder created) through a temporary
    name, so that a killed runner never leaves half a file and two runners
    writing at once do not collide."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = _tmp(path)
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def _tmp(path: str) -> str:
    # one name per process: two runners reporting at once do not collide
    return f'{path}.{os.getpid()}.tmp'


def _copy(src: str, dst: str) -> None:
    # through a temporary name: a killed runner never leaves half a file
    tmp = _tmp(dst)
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def _normalised(value: Any) -> Any:
    """``value`` as it reads back from json (tuples become lists), so a
    record from a pickle or from code compares equal to one from a file."""
    return json.loads(json.dumps(value))


def archive_run(result: dict, work_dir: str, dest: str,
                files: Sequence[str] = ()) -> List[str]:
    """Archive one finished run.

    Args:
        result (dict): The run's result, written as ``dest/result.json``
            (the caller may have added what an older result lacks).
        work_dir (str): The run's work directory.
        dest (str): Its archive folder (:func:`archive_dir`).
        files (Sequence[str]): Names of further small files in ``work_dir``
            the report reads; those that exist are copied, those that do not
            are removed from ``dest`` (an archive never mixes two runs).

    Returns:
        list[str]: The names written to ``dest``, ``result.json`` first.
    """
    os.makedirs(dest, exist_ok=True)
    written = []
    for name in files:
        if name == RESULT_FILE or osp.sep in name:
            raise ValueError(f'{name!r} is not a plain file name other than '
                             f'{RESULT_FILE!r}')
        src, dst = osp.join(work_dir, name), osp.join(dest, name)
        if osp.isfile(src):
            _copy(src, dst)
            written.append(name)
        else:
            try:
                os.remove(dst)
            except FileNotFoundError:
                pass
    # result.json last: an archive with it is complete
    write_json(osp.join(dest, RESULT_FILE), result)
    return [RESULT_FILE] + written


def restore_status(work_dir: str, src: str, data_args: Any) -> str:
    """What :func:`restore_run` would do, without doing it.

    Args:
        work_dir (str): The run's work directory.
        src (str): Its archive folder.
        data_args: The current data's generator arguments (None when there
            is no record); compared with the archived ``data_args``.

    Returns:
        str: :data:`PRESENT` (the work directory has a result),
        :data:`ABSENT` (no archive), :data:`OTHER_DATA` (archived on data
        generated with other arguments) or :data:`RESTORABLE`.
    """
    if osp.isfile(osp.join(work_dir, RESULT_FILE)):
        return PRESENT
    archived = read_json(osp.join(src, RESULT_FILE), missing_ok=True)
    if archived is None:
        return ABSENT
    if _normalised(archived.get('data_args')) != _normalised(data_args):
        return OTHER_DATA
    return RESTORABLE


def restore_run(work_dir: str, src: str, data_args: Any) -> str:
    """Copy an archived run back into its work directory.

    Every file of the archive is copied, ``result.json`` last, while this
    process holds the run's lock (:mod:`lt_plugins.engine.run_lock`): a run
    another process is training is left alone.

    Args:
        work_dir (str): The run's work directory.
        src (str): Its archive folder.
        data_args: The current data's generator arguments (None when there
            is no record); a run archived with other ones is not restored.

    Returns:
        str: :data:`RESTORED`, :data:`HELD` (another process holds the
        run), or what :func:`restore_status` says otherwise.
    """
    status = restore_status(work_dir, src, data_args)
    if status != RESTORABLE:
        return status
    with run_lock(work_dir) as mine:
        if not mine:
            return HELD
        if osp.isfile(osp.join(work_dir, RESULT_FILE)):
            return PRESENT  # finished while we looked
        for name in sorted(os.listdir(src)):
            if name != RESULT_FILE and osp.isfile(osp.join(src, name)) \
                    and not name.endswith('.tmp'):
                _copy(osp.join(src, name), osp.join(work_dir, name))
        _copy(osp.join(src, RESULT_FILE), osp.join(work_dir, RESULT_FILE))
    return RESTORED


def missing_checkpoint_message(run: str, start: str, checkpoint: str,
                               start_work_dir: str,
                               start_archive: str) -> str:
    """Why ``run`` cannot start: the run it starts from has a result but
    not its checkpoint (it was restored from the archive, or the checkpoint
    was deleted), and how to train that run again.

    Args:
        run (str): The run that needs the checkpoint.
        start (str): The run it starts from.
        checkpoint (str): The missing checkpoint (as recorded, or a
            description when none is recorded).
        start_work_dir (str): ``start``'s work directory.
        start_archive (str): ``start``'s archive folder.
    """
    return (f'{run} needs the checkpoint of {start}, {checkpoint}, which does '
            f'not exist ({start} has a result, restored from {start_archive} '
            f'or with its checkpoint deleted). To train {start} again, '
            f'delete {start_archive} and {start_work_dir}, then run the grid '
            'again.')


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir``'s ``last_checkpoint`` names, if it
    exists (a relative or moved path is looked up in ``work_dir``)."""
    pointer = osp.join(work_dir, CHECKPOINT_POINTER)
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        path = f.read().strip()
    if not path:
        return None
    if not osp.isfile(path):
        path = osp.join(work_dir, osp.basename(path))
    return path if osp.isfile(path) else None


def keep_partial(work_dir: str, dest: str, data_args: Any,
                 files: Sequence[str] = ()) -> Optional[str]:
    """Keep an unfinished run's latest checkpoint in ``dest``.

    Safe while the run trains: the checkpoint ``last_checkpoint`` names is
    complete (mmengine writes the pointer after the file), and when the
    training replaces it during the copy the newer one is copied instead.

    Args:
        work_dir (str): The run's work directory.
        dest (str): Its folder under ``<out_dir>/partial/``
            (:func:`partial_dir`); a checkpoint kept there before is
            replaced.
        data_args: The data's generator arguments, recorded so that the
            checkpoint is not resumed on other data.
        files (Sequence[str]): Names of further files in ``work_dir`` the
            resumed run needs (histories, a selected checkpoint); those
            that do not exist are removed from ``dest``.

    Returns:
        str or None: The kept checkpoint's file name; None when the run is
        finished or has no checkpoint yet (nothing is written).
    """
    for name in files:
        if osp.sep in name or name in (RESULT_FILE, PARTIAL_FILE,
                                       CHECKPOINT_POINTER):
            raise ValueError(f'{name!r} is not a plain file name of a run')
    if osp.isfile(osp.join(work_dir, RESULT_FILE)):
        return None
    for _ in range(5):
        ckpt = latest_checkpoint(work_dir)
        if ckpt is None:
            return None
        name = osp.basename(ckpt)
        if name in files or name in (PARTIAL_FILE, CHECKPOINT_POINTER):
            raise ValueError(f'{ckpt} has the name of a kept file')
        os.makedirs(dest, exist_ok=True)
        try:
            _copy(ckpt, osp.join(dest, name))
        except FileNotFoundError:
            continue  # replaced by a newer one while we looked
        if latest_checkpoint(work_dir) == ckpt:
            break
    else:
        raise RuntimeError(f'{work_dir}: the latest checkpoint kept changing '
                           'while it was copied')
    for name in files:
        src, dst = osp.join(work_dir, name), osp.join(dest, name)
        if osp.isfile(src):
            _copy(src, dst)
        elif osp.isfile(dst):
            os.remove(dst)
    keep = set(files) | {osp.basename(ckpt), PARTIAL_FILE}
    for name in os.listdir(dest):
        if name not in keep:  # an older checkpoint of the run
            os.remove(osp.join(dest, name))
    write_json(osp.join(dest, PARTIAL_FILE),
               dict(checkpoint=osp.basename(ckpt), data_args=data_args))
    return osp.basename(ckpt)


def partial_status(work_dir: str, src: str, data_args: Any) -> str:
    """What :func:`restore_partial` would do, without doing it:
    :data:`PRESENT` (the work directory has a result or a checkpoint of its
    own), :data:`ABSENT` (nothing kept), :data:`OTHER_DATA` (kept on data
    generated with other arguments) or :data:`RESTORABLE`."""
    if osp.isfile(osp.join(work_dir, RESULT_FILE)) or \
            latest_checkpoint(work_dir) is not None:
        return PRESENT
    record = read_json(osp.join(src, PARTIAL_FILE), missing_ok=True)
    if record is None or not osp.isfile(osp.join(src, record['checkpoint'])):
        return ABSENT
    if _normalised(record.get('data_args')) != _normalised(data_args):
        return OTHER_DATA
    return RESTORABLE


def restore_partial(work_dir: str, src: str, data_args: Any) -> str:
    """Copy a kept unfinished run (:func:`keep_partial`) into its work
    directory, with ``last_checkpoint`` naming the copied checkpoint, so
    that its training resumes from there. The caller holds the run's lock.

    Returns:
        str: :data:`RESTORED`, or what :func:`partial_status` says
        otherwise (nothing is copied then).
    """
    status = partial_status(work_dir, src, data_args)
    if status != RESTORABLE:
        return status
    record = read_json(osp.join(src, PARTIAL_FILE))
    os.makedirs(work_dir, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if name != PARTIAL_FILE and not name.endswith('.tmp'):
            _copy(osp.join(src, name), osp.join(work_dir, name))
    ckpt = osp.abspath(osp.join(work_dir, record['checkpoint']))
    tmp = _tmp(osp.join(work_dir, CHECKPOINT_POINTER))
    with open(tmp, 'w') as f:
        f.write(ckpt)
    os.replace(tmp, osp.join(work_dir, CHECKPOINT_POINTER))
    return RESTORED


def drop_partial(dest: str) -> bool:
    """Remove a kept checkpoint folder (its run has finished); returns
    whether there was one."""
    if not osp.isdir(dest):
        return False
    shutil.rmtree(dest)
    return True
