"""One process per benchmark run.

The benchmark runners (``tools/run_lvis_like_benchmark.py``,
``tools/run_cls_benchmark.py``) train one run at a time with one OpenMP
thread. To use more cores, start the same command several times: each run's
work directory carries an advisory lock (``fcntl.flock`` on
``<work_dir>/.running``), a runner skips a run another runner holds, and a
run that needs another one's checkpoint is put off while that run is held
(:func:`is_held`) and waits for it only when nothing else is left.
The operating system releases the lock when its process ends, also when it
is killed, so a crashed runner never leaves a run blocked.

On a platform without ``fcntl`` (Windows) the lock always succeeds: runners
must then not be started side by side.
"""
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

#: Lock file in a run's work directory.
LOCK_FILE = '.running'


@contextmanager
def run_lock(work_dir: str, wait: bool = False) -> Iterator[bool]:
    """Hold the lock of ``work_dir`` (created if missing) for the block.

    Args:
        work_dir (str): The run's work directory.
        wait (bool): Block until another process releases the lock instead
            of giving up at once.

    Yields:
        bool: True when this process holds the lock; False (only with
        ``wait=False``) when another process holds it: the block must then
        leave the run alone.
    """
    os.makedirs(work_dir, exist_ok=True)
    if fcntl is None:  # pragma: no cover - not POSIX
        yield True
        return
    fd = os.open(osp.join(work_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            yield False
            return
        os.ftruncate(fd, 0)
        os.write(fd, f'{os.getpid()}\n'.encode())
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def wait_for_run(work_dir: str) -> None:
    """Return once no process holds ``work_dir``'s lock (at once if none
    does or the directory does not exist)."""
    if osp.isdir(work_dir):
        with run_lock(work_dir, wait=True):
            pass


def is_held(work_dir: str) -> bool:
    """Whether another process holds ``work_dir``'s lock now (False if the
    directory does not exist; always False without ``fcntl``)."""
    if not osp.isdir(work_dir):
        return False
    with run_lock(work_dir) as mine:
        return not mine
