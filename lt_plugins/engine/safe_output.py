"""Outputs that never overwrite inputs, and appear all at once or not at all.

A tool that reads some files and writes others refuses to start when an
output is one of its inputs, or when two of its outputs are the same file,
whatever the spelling: two paths name the same file when they resolve to the
same real path (``os.path.realpath``: symbolic links of the file or of a
folder above it, ``..``, relative spellings) or, for files that exist, when
they are the same file on disk (``(st_dev, st_ino)``: hard links). An output
that does not exist yet is compared by its resolved path, so a dangling link
to an input's path is caught as well.

Writing goes through :class:`AtomicOutputs`: every output is written to a
temporary file in its own folder and moved into place with ``os.replace``
only after every output of the run was produced. A run that fails part-way
(an exception inside the ``with`` block, or a conflict found at commit) leaves
the folders as they were: no output is replaced, the temporary files and the
folders the run created are removed. Only the final renames, one per output,
happen after the point of no return.

``os.replace`` replaces the output *path*: when an output path is a symbolic
link, the link is replaced by the new file and the file it pointed to is left
as it was; when it is one of several hard links of a file, the other links
keep the old content. Nothing is ever written through a link.

Example::

    with AtomicOutputs(inputs={'annotations': args.annotations}) as out:
        out.declare(args.out_train, '--out-train')    # checked here
        out.declare(args.out_heldout, '--out-heldout')
        ...                                           # the actual work
        out.write_json(args.out_train, train)
        out.write_json(args.out_heldout, heldout)
    # both files are in place here, or neither is

Only the standard library is used.
"""
import json
import os
import os.path as osp
import shutil
import stat
import tempfile
from contextlib import contextmanager
from typing import (IO, Any, Dict, Iterable, Iterator, List, Mapping,
                    Optional, Tuple, Union)

__all__ = [
    'OutputConflictError', 'AtomicOutputs', 'check_file_name',
    'check_outputs', 'same_file'
]

Paths = Union[Mapping[str, str], Iterable[str], None]


class OutputConflictError(ValueError):
    """An output is an input, or another output, of the same run."""


def _real(path: str) -> str:
    return osp.normcase(osp.realpath(osp.abspath(os.fspath(path))))


def _identity(path: str) -> Optional[Tuple[int, int]]:
    """``(st_dev, st_ino)`` of the file ``path`` names (links followed), or
    None when there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name the same file (see the module doc).

    Args:
        a (str): A path, existing or not.
        b (str): Another path.

    Returns:
        bool: True when both resolve to the same real path, or both exist and
        are the same file on disk.
    """
    if _real(a) == _real(b):
        return True
    ia = _identity(a)
    return ia is not None and ia == _identity(b)


def _how(a: str, b: str) -> str:
    """Why ``a`` and ``b`` are the same file, for the message."""
    if osp.abspath(a) == osp.abspath(b):
        return 'the same path'
    for link, other in ((a, b), (b, a)):
        if osp.islink(link):
            return (f'{link!r} is a symbolic link to '
                    f'{os.readlink(link)!r}')
    if _real(a) == _real(b):
        return f'both resolve to {osp.realpath(a)!r}'
    return 'hard links of one file'


def check_file_name(name: str, value: Any) -> str:
    """``value`` if it is a plain file name (no folder part).

    For arguments naming a file that a component writes into a folder it
    chooses (a hook's file in the work dir): a path there would write
    somewhere else.

    Args:
        name (str): Argument name, for the message.
        value: The given value.

    Returns:
        str: ``value``.

    Raises:
        TypeError: If ``value`` is not a str.
        ValueError: If it is empty, ``.``/``..`` or has a folder part.
    """
    if not isinstance(value, str):
        raise TypeError(f'{name} must be a file name (str), got {value!r} '
                        f'({type(value).__name__})')
    if value in ('', '.', '..') or osp.basename(value) != value or \
            (os.altsep and os.altsep in value):
        raise ValueError(f'{name} must be a plain file name without a '
                         f'folder (it is written into the work dir), got '
                         f'{value!r}')
    return value


def _as_mapping(paths: Paths, kind: str) -> Dict[str, str]:
    """``{label: path}`` from a mapping, an iterable of paths or None."""
    if paths is None:
        return {}
    if isinstance(paths, Mapping):
        return {str(k): os.fspath(v) for k, v in paths.items()
                if v is not None}
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    return {f'{kind} {i + 1}': os.fspath(p)
            for i, p in enumerate(paths) if p is not None}


class _Registry:
    """Files seen so far, by resolved path and by disk identity."""

    def __init__(self) -> None:
        self.by_real: Dict[str, Tuple[str, str]] = {}
        self.by_id: Dict[Tuple[int, int], Tuple[str, str]] = {}

    def find(self, path: str) -> Optional[Tuple[str, str]]:
        hit = self.by_real.get(_real(path))
        if hit is None:
            ident = _identity(path)
            hit = None if ident is None else self.by_id.get(ident)
        return hit

    def add(self, label: str, path: str) -> None:
        self.by_real.setdefault(_real(path), (label, path))
        ident = _identity(path)
        if ident is not None:
            self.by_id.setdefault(ident, (label, path))


def check_outputs(outputs: Paths, inputs: Paths = None) -> None:
    """Refuse outputs that are inputs or each other, before anything runs.

    Args:
        outputs (Mapping[str, str] | Iterable[str]): The files the run will
            write, as ``{label: path}`` (the label, e.g. ``'--out-train'``,
            goes into the message) or as paths.
        inputs (Mapping[str, str] | Iterable[str], optional): The files (or
            folders) the run reads.

    Raises:
        OutputConflictError: Naming both labels, both spellings and why they
            are the same file.
        IsADirectoryError: If an output path is an existing folder.
        NotADirectoryError: If a folder above an output is a file.
    """
    # declaring writes nothing; the object is dropped uncommitted
    AtomicOutputs(inputs).declare_all(outputs)


class AtomicOutputs:
    """Collect a run's outputs and put them in place together at the end.

    Used as a context manager: the outputs are committed when the block ends
    normally and discarded when it raises (see the module doc). Outside a
    ``with`` block call :meth:`commit` or :meth:`abort` yourself.

    Args:
        inputs (Mapping[str, str] | Iterable[str], optional): The files (or
            folders) the run reads, ``{label: path}`` or paths. No output may
            be one of them.

    An input that does not exist is compared by its resolved path only.
    """

    def __init__(self, inputs: Paths = None) -> None:
        self._inputs = _Registry()
        for label, path in _as_mapping(inputs, 'input').items():
            self._inputs.add(label, path)
        self._outputs = _Registry()
        self._declared: Dict[str, str] = {}  # abspath -> label
        self._pending: Dict[str, str] = {}  # abspath -> temporary file
        self._stages: List[Tuple[str, str, str]] = []  # (stage, final, label)
        self._created_dirs: List[str] = []
        self._done = False

    # --------------------------------------------------------- declaring
    def declare(self, path: str, label: Optional[str] = None) -> str:
        """Register ``path`` as an output of the run, refusing conflicts.

        Args:
            path (str): The output path, as the user spelled it.
            label (str, optional): Its name in messages (a flag name).
                Defaults to the path.

        Returns:
            str: ``path``.

        Raises:
            OutputConflictError: If ``path`` is an input or an output
                declared before (also: the same path declared twice).
            IsADirectoryError: If ``path`` is an existing folder.
            NotADirectoryError: If a folder above ``path`` is a file.
        """
        path = os.fspath(path)
        label = path if label is None else label
        hit = self._inputs.find(path)
        if hit is not None:
            raise OutputConflictError(
                f'{label} would overwrite the input {hit[0]}: {path!r} is '
                f'{hit[1]!r} ({_how(path, hit[1])}); write the output to '
                'another file')
        hit = self._outputs.find(path)
        if hit is not None:
            raise OutputConflictError(
                f'{label} and {hit[0]} are the same file: {path!r} is '
                f'{hit[1]!r} ({_how(path, hit[1])}); one output would '
                'overwrite the other: give each output its own file')
        if osp.isdir(path):
            raise IsADirectoryError(
                f'{label} {path!r} is a folder; give a file path')
        parent = osp.dirname(osp.abspath(path))
        while not osp.exists(parent) and osp.dirname(parent) != parent:
            parent = osp.dirname(parent)
        if not osp.isdir(parent):
            raise NotADirectoryError(
                f'{label} {path!r} lies under {parent!r}, which is a file, '
                'not a folder')
        self._outputs.add(label, path)
        self._declared[osp.abspath(path)] = label
        return path

    def declare_all(self, outputs: Paths) -> None:
        """:meth:`declare` every ``{label: path}`` (or path) of ``outputs``."""
        for label, path in _as_mapping(outputs, 'output').items():
            self.declare(path, label)

    # ----------------------------------------------------------- writing
    def _check_open(self) -> None:
        if self._done:
            raise RuntimeError('the outputs were already committed or '
                               'discarded')

    def _makedirs(self, folder: str) -> None:
        """Create ``folder`` and remember each folder made, for abort."""
        missing = []
        f = osp.abspath(folder)
        while not osp.isdir(f):
            missing.append(f)
            parent = osp.dirname(f)
            if parent == f:
                break
            f = parent
        for f in reversed(missing):
            os.mkdir(f)
            self._created_dirs.append(f)

    def temp_path(self, path: str, label: Optional[str] = None) -> str:
        """A temporary file that becomes ``path`` at commit.

        For writers that need a file name (``savefig``, ``gzip.open``);
        ``path`` is declared if it was not. The temporary file lies in
        ``path``'s folder (created if missing), so the final ``os.replace``
        never crosses file systems.

        Args:
            path (str): The output path.
            label (str, optional): See :meth:`declare`.

        Returns:
            str: The temporary file's path (an empty file).
        """
        self._check_open()
        key = osp.abspath(path)
        if key not in self._declared:
            self.declare(path, label)
        old = self._pending.pop(key, None)
        if old is not None:
            _remove(old)
        folder = osp.dirname(key)
        self._makedirs(folder)
        fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(key)}.',
                                   suffix='.tmp', dir=folder)
        os.close(fd)
        os.chmod(tmp, _new_file_mode(key))
        self._pending[key] = tmp
        return tmp

    @contextmanager
    def open(self, path: str, mode: str = 'w', label: Optional[str] = None,
             **kwargs) -> Iterator[IO]:
        """``open()`` on the temporary file of output ``path``.

        Args:
            path (str): The output path.
            mode (str): 'w' or 'wb' (or 'x'/'xb'). Defaults to 'w'.
            label (str, optional): See :meth:`declare`.
            **kwargs: Passed to ``open``.
        """
        if not mode.startswith(('w', 'x')):
            raise ValueError(f'outputs are opened for writing, got mode '
                             f'{mode!r}')
        tmp = self.temp_path(path, label)
        with open(tmp, mode.replace('x', 'w'), **kwargs) as f:
            yield f

    def write_bytes(self, path: str, data: bytes,
                    label: Optional[str] = None) -> None:
        """Produce output ``path`` with ``data``."""
        with self.open(path, 'wb', label) as f:
            f.write(data)

    def write_text(self, path: str, text: str, label: Optional[str] = None,
                   encoding: str = 'utf-8') -> None:
        """Produce output ``path`` with ``text``."""
        with self.open(path, 'w', label, encoding=encoding) as f:
            f.write(text)

    def write_json(self, path: str, data: Any, label: Optional[str] = None,
                   **dump_kwargs) -> None:
        """Produce output ``path`` as ``json.dumps(data, **dump_kwargs)``."""
        self.write_text(path, json.dumps(data, **dump_kwargs), label)

    def stage_dir(self, folder: str, label: Optional[str] = None) -> str:
        """A staging folder whose files become outputs under ``folder``.

        For generators that write a whole tree: let them write into the
        returned folder; at commit every file under it, at relative path
        ``rel``, is declared as ``folder/rel`` (checked like any output) and
        moved there. The staging folder lies inside ``folder`` (created if
        missing), on the same file system, and is removed at the end.

        Args:
            folder (str): The real output folder.
            label (str, optional): Name of the folder in messages.

        Returns:
            str: The staging folder.

        Raises:
            NotADirectoryError: If ``folder`` exists and is not a folder.
        """
        self._check_open()
        label = folder if label is None else label
        if osp.exists(folder) and not osp.isdir(folder):
            raise NotADirectoryError(
                f'{label} {folder!r} is a file; give a folder')
        self._makedirs(folder)
        stage = osp.abspath(
            tempfile.mkdtemp(prefix='.staging-', dir=folder))
        self._stages.append((stage, osp.abspath(folder), label))
        return stage

    def final_path(self, path: str) -> str:
        """Where a file written under a :meth:`stage_dir` lands at commit
        (other paths are returned unchanged)."""
        a = osp.abspath(path)
        for stage, final, _ in self._stages:
            if a == stage or a.startswith(stage + os.sep):
                return osp.join(final, osp.relpath(a, stage))
        return path

    # --------------------------------------------------- commit / abort
    def commit(self) -> List[str]:
        """Check the staged files, then move every output into place.

        Returns:
            list[str]: The outputs now in place (absolute paths).

        Raises:
            OutputConflictError, IsADirectoryError, NotADirectoryError: For a
                staged file that conflicts; nothing is replaced then and the
                run is discarded.
            RuntimeError: If a declared output was never produced.
        """
        self._check_open()
        try:
            moves = [(tmp, dst) for dst, tmp in self._pending.items()]
            for stage, final, label in self._stages:
                for root, _, files in os.walk(stage):
                    for name in sorted(files):
                        src = osp.join(root, name)
                        dst = osp.join(final, osp.relpath(src, stage))
                        if dst in self._pending:
                            raise OutputConflictError(
                                f'{dst!r} was written twice, directly and '
                                f'under {label}')
                        if dst not in self._declared:
                            self.declare(dst, osp.join(
                                label, osp.relpath(src, stage)))
                        moves.append((src, dst))
            produced = {dst for _, dst in moves}
            never = [self._declared[d] for d in self._declared
                     if d not in produced]
            if never:
                raise RuntimeError(f'declared outputs never produced: '
                                   f'{", ".join(never)}')
            for _, dst in moves:
                self._makedirs(osp.dirname(dst))
        except BaseException:
            self.abort()
            raise
        for src, dst in moves:
            os.replace(src, dst)
        self._pending.clear()
        self._cleanup_stages()
        self._created_dirs.clear()  # they hold outputs now
        self._done = True
        return [dst for _, dst in moves]

    def abort(self) -> None:
        """Discard every output: temporary files, staging folders and the
        folders this run created. Safe to call twice."""
        for tmp in self._pending.values():
            _remove(tmp)
        self._pending.clear()
        self._cleanup_stages()
        for folder in reversed(self._created_dirs):
            try:
                os.rmdir(folder)  # only if empty: never someone else's file
            except OSError:
                pass
        self._created_dirs.clear()
        self._done = True

    def _cleanup_stages(self) -> None:
        for stage, _, _ in self._stages:
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()

    def __enter__(self) -> 'AtomicOutputs':
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._done:
            return False
        if exc_type is None:
            self.commit()
        else:
            self.abort()
        return False


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _new_file_mode(path: str) -> int:
    """The mode ``open(path, 'w')`` would leave: the existing regular file's,
    else 0o666 minus the umask."""
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
