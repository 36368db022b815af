"""A grid of (method, training seed) runs: plan, run, resume and archive.

Both benchmarks (:mod:`lt_plugins.benchmark.lvis_like`,
:mod:`lt_plugins.benchmark.cifar_lt`) are such a grid. Each declares its
methods (:class:`GridMethod`: a name, a label, and the method whose run of
the same seed it starts from) and how one run is trained and evaluated
(:meth:`Grid.execute`); this module does the rest, the same way for both:

* **plan**: the requested methods plus what they start from
  (:func:`resolve_methods`), seed-major (:func:`make_plan`), so that a
  complete table for the first seed comes first;
* **resume**: a run is finished when its work directory
  ``<work_root>/<method>/seed<k>/`` holds ``result.json``; finished runs are
  skipped, so the command resumes an interrupted grid;
* **several cores**: started once per core, invocations share the grid. A
  run holds the advisory lock of its work directory while it trains
  (:mod:`lt_plugins.engine.run_lock`); a run another invocation holds is
  skipped, and a run whose starting run another invocation is training is
  put off to the end of the plan, where it waits for it;
* **failures**: a failed run writes ``failed.json`` (stage, exit code, the
  command, the log's tail) and the grid goes on; the next invocation retries
  it. A run whose starting run did not finish is *blocked*;
* **archive**: finished runs' ``result.json`` and the small files the
  report reads are copied into ``<out_dir>/runs/<method>/seed<k>/``
  (:mod:`lt_plugins.engine.run_archive`) and restored from there into an
  empty work root, so a grid continues on a fresh clone from the committed
  report. A restored run has no checkpoint: a run that starts from it fails
  with :func:`~lt_plugins.engine.run_archive.missing_checkpoint_message`;
* **unfinished runs across clones**: :meth:`Grid.keep_partial` copies each
  unfinished run's latest checkpoint into ``<out_dir>/partial/<method>/
  seed<k>/``; a later invocation whose work directory has no checkpoint
  resumes from it (same data only), and archiving the finished run removes
  it, so a training longer than one sitting is not started over on a fresh
  clone.
"""
import glob
import os
import os.path as osp
import resource
import shlex
import subprocess
import time
from dataclasses import dataclass
from typing import (Callable, Dict, Iterable, List, Mapping, Optional,
                    Sequence, Tuple)

from lt_plugins.engine import run_archive
from lt_plugins.engine.run_archive import read_json, write_json
from lt_plugins.engine.run_lock import is_held, run_lock, wait_for_run

#: The checkout the benchmarks run in: their configs, tools and default
#: data and work folders are named relative to it.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The file that marks a run as finished.
RESULT_FILE = run_archive.RESULT_FILE
#: The file a failed run leaves (removed when the run finishes).
FAILED_FILE = 'failed.json'
#: A finished run's result set aside because its start was trained again.
SET_ASIDE_FILE = 'result.before_retrain.json'


def rel(path: str) -> str:
    """``path`` relative to :data:`REPO` if inside it, else absolute."""
    path = osp.abspath(path)
    return osp.relpath(path, REPO) if path.startswith(REPO + os.sep) \
        else path


def absolute(path: str) -> str:
    """Inverse of :func:`rel`."""
    return osp.normpath(osp.join(REPO, path))


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary name in the same
    folder (a killed runner never leaves half a file)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def log_tail(path: str, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file ('' if there is none)."""
    if not osp.isfile(path):
        return ''
    with open(path, errors='replace') as f:
        return ''.join(f.readlines()[-lines:])


def check_folders(outputs: Mapping[str, str],
                  inputs: Mapping[str, str]) -> None:
    """Refuse a benchmark's output folder that is one of its inputs or
    another output (the same folder under another spelling: a symbolic
    link, a relative path), before anything is written.

    Args:
        outputs: ``{flag: folder}`` the run writes (work root, report).
        inputs: ``{flag: folder}`` the run reads (the data).

    Raises:
        OutputConflictError: Naming both flags and spellings.
    """
    from lt_plugins.engine.safe_output import OutputConflictError, same_file
    items = list(outputs.items())
    for i, (flag, path) in enumerate(items):
        for other, other_path in items[i + 1:] + list(inputs.items()):
            if same_file(path, other_path):
                raise OutputConflictError(
                    f'{flag} {path!r} is the same folder as {other} '
                    f'{other_path!r}; give each its own folder')


# ------------------------------------------------------------------ plan
@dataclass(frozen=True)
class GridMethod:
    """One row of a grid.

    Attributes:
        name (str): Key of the method: its work directory and archive
            folder name.
        label (str): Name in the tables.
        needs (str, optional): Method whose run of the same seed this one
            starts from (its checkpoint); None for a run from the grid's
            common start (random initialisation or a pretrained model).
        versus (str, optional): For a variant, the method it varies; the
            report compares the two seed by seed.
    """

    name: str
    label: str
    needs: Optional[str] = None
    versus: Optional[str] = None


def resolve_methods(methods: Sequence[GridMethod],
                    names: Optional[Iterable[str]],
                    always: Iterable[str] = ()) -> List[GridMethod]:
    """The requested methods plus what they need, in table order.

    Args:
        methods (Sequence[GridMethod]): The grid's table, every method after
            the one it needs.
        names (Iterable[str], optional): Requested method names; all when
            None or empty.
        always (Iterable[str]): Methods that come along with any request
            (the baseline of the paired differences).

    Returns:
        list[GridMethod]: In table order, with the methods they start from,
        the methods they are compared with (``versus``) and ``always``.

    Raises:
        ValueError: Naming every unknown method and the valid names.
    """
    by_name = {m.name: m for m in methods}
    if not names:
        return list(methods)
    names = list(names)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f'unknown method(s) {unknown}; valid names are '
                         f'{list(by_name)}')
    wanted = set(names) | set(always)
    wanted |= {by_name[n].versus for n in names
               if by_name[n].versus is not None}
    for name in list(wanted):
        need = by_name[name].needs
        while need is not None:
            wanted.add(need)
            need = by_name[need].needs
    return [m for m in methods if m.name in wanted]


@dataclass(frozen=True)
class Cell:
    """One (method, seed) run of the grid."""

    method: str
    seed: int
    work_dir: str

    @property
    def key(self) -> str:
        return f'{self.method}/seed{self.seed}'

    @property
    def done(self) -> bool:
        """Whether the run finished (its ``result.json`` exists)."""
        return osp.isfile(osp.join(self.work_dir, RESULT_FILE))

    def result(self) -> Optional[dict]:
        """The run's ``result.json`` (None if unfinished)."""
        return read_json(osp.join(self.work_dir, RESULT_FILE),
                         missing_ok=True)


def make_plan(methods: Sequence[GridMethod], seeds: Sequence[int],
              work_root: str) -> List[Cell]:
    """Every run, seed-major (a complete table for one seed comes first).

    Args:
        methods (Sequence[GridMethod]): In dependency order.
        seeds (Sequence[int]): Training seeds.
        work_root (str): Root of the work directories.
    """
    return [Cell(m.name, int(s), osp.join(work_root, m.name, f'seed{int(s)}'))
            for s in seeds for m in methods]


# -------------------------------------------------------------- commands
def call(cmd: Sequence[str], log_path: str, env: Optional[dict] = None,
         append: bool = False) -> Tuple[int, float, float]:
    """Run ``cmd`` in :data:`REPO` with its output going to ``log_path``.

    Args:
        cmd (Sequence[str]): The command.
        log_path (str): Log file (its folder is created).
        env (dict, optional): Environment; the current one when None.
        append (bool): Append to the log (with the command line first)
            instead of replacing it.

    Returns:
        tuple: Exit status, wall seconds and CPU seconds (user + system of
        the command and its children, which on a shared machine says more
        about its cost than the wall time).
    """
    os.makedirs(osp.dirname(osp.abspath(log_path)), exist_ok=True)

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    start, cpu_start = time.time(), cpu()
    with open(log_path, 'a' if append else 'w') as f:
        if append:
            f.write(f'\n$ {shlex.join(list(cmd))}\n')
            f.flush()
        rc = subprocess.call(list(cmd), stdout=f, stderr=subprocess.STDOUT,
                             cwd=REPO, env=env)
    return rc, time.time() - start, cpu() - cpu_start


def record_failure(work_dir: Optional[str], run: str, stage: str,
                   command: Sequence[str], returncode: Optional[int],
                   log_path: str, message: Optional[str] = None,
                   tail_lines: int = 40) -> dict:
    """Write a failed run's ``failed.json`` and return its record.

    Args:
        work_dir (str, optional): The run's work directory; None for a
            step without one (e.g. generating data): nothing is written.
        run (str): The run's name.
        stage (str): What failed (``train``, ``test``, ``dependency`` ...).
        command (Sequence[str]): The command that failed.
        returncode (int, optional): Its exit status (None if it never ran).
        log_path (str): Its log.
        message (str, optional): What to do about it.
        tail_lines (int): Lines of the log kept in the record.
    """
    record = dict(run=run, stage=stage, returncode=returncode,
                  command=shlex.join(list(command)), log=rel(log_path),
                  log_tail=log_tail(log_path, tail_lines),
                  time=time.strftime('%Y-%m-%d %H:%M:%S'))
    if message:
        record['message'] = message
    if work_dir is not None:
        write_json(osp.join(work_dir, FAILED_FILE), record)
    return record


def finish(cell: Cell, result: dict) -> None:
    """Write ``result.json`` (the run is finished) and drop a stale
    ``failed.json``."""
    write_json(osp.join(cell.work_dir, RESULT_FILE), result)
    stale = osp.join(cell.work_dir, FAILED_FILE)
    if osp.isfile(stale):
        os.remove(stale)


# --------------------------------------------------------------- running
class Grid:
    """Runs a plan of cells, one at a time, under their run locks.

    A benchmark subclasses it and implements :meth:`execute` (train and
    evaluate one run, given the checkpoint it starts from) and
    :meth:`start_checkpoint` (the checkpoint a finished run leaves for the
    runs that start from it); it may override :meth:`blocked` (what to do
    when a run's starting run did not finish) and :meth:`available`.

    Args:
        cells (list[Cell]): The plan (:func:`make_plan`).
        methods (Mapping[str, GridMethod]): The grid's methods by name.
        work_root (str): Root of the work directories.
        out_dir (str): The report folder, whose ``runs/`` is the archive.
        data_args: The data's generator arguments, recorded with every
            result; a run archived on other data is not restored.
        log (callable): Where progress lines go.
        tag (str): Prefix of the progress lines.
    """

    #: Files of a run's work directory the report reads besides
    #: ``result.json``: archived with it.
    archived_files: Sequence[str] = ()
    #: Figures of a result compared with the archived one when a run is
    #: trained again (:meth:`retrain`).
    compared_keys: Sequence[str] = ()
    #: Files of an unfinished run's work directory, besides its latest
    #: checkpoint, that its training resumes with: kept with it
    #: (:meth:`keep_partial`).
    partial_files: Sequence[str] = ()
    #: Train a finished run without its checkpoint (restored from the
    #: archive) again when another run starts from it, instead of failing.
    retrain_starts: bool = False

    def __init__(self, cells: List[Cell], methods: Mapping[str, GridMethod],
                 work_root: str, out_dir: str, data_args=None,
                 log: Callable = None, tag: str = 'grid') -> None:
        self.cells = list(cells)
        self.methods = dict(methods)
        self.work_root = work_root
        self.out_dir = out_dir
        self.data_args = data_args
        self._print = log or _print_now
        self.tag = tag
        self._by_key = {(c.method, c.seed): c for c in self.cells}
        #: Failure records of this invocation.
        self.failures: List[dict] = []

    def log(self, message: str) -> None:
        """A progress line: ``[<tag>] message``."""
        self._print(f'[{self.tag}] {message}')

    def say(self, cell: Cell, text: str) -> None:
        """A progress line about one run: ``[<tag>] <method>/seed<k>:
        text``."""
        self.log(f'{cell.key}: {text}')

    # ------------------------------------------------------ to implement
    def execute(self, cell: Cell, start: Optional[str]) -> str:
        """Train and evaluate ``cell`` (its lock held); write its result
        with :func:`finish`.

        Args:
            cell (Cell): The run.
            start (str, optional): The checkpoint of the run it starts
                from; None for a run from the grid's common start.

        Returns:
            str: ``finished`` or ``failed``.
        """
        raise NotImplementedError

    def start_checkpoint(self, cell: Cell) -> Optional[str]:
        """The checkpoint ``cell`` leaves for the runs that start from it
        (None if it has none yet). A run whose starting run has no
        checkpoint is blocked while that run is unfinished, and fails with
        :func:`~lt_plugins.engine.run_archive.missing_checkpoint_message`
        once it is finished (restored from the archive)."""
        raise NotImplementedError

    def blocked(self, cell: Cell, need: Cell) -> str:
        """``need``, the run ``cell`` starts from, did not finish.

        Returns:
            str: The cell's status, ``blocked`` by default (nothing
            recorded: it runs once its starting run finishes).
        """
        self.say(cell, f'blocked, no finished {need.key}')
        return 'blocked'

    def available(self, cell: Cell) -> bool:
        """Whether the run can be planned at all (e.g. its config
        exists)."""
        return True

    # ------------------------------------------------------------ runs
    def cell(self, method: str, seed: int) -> Cell:
        """The plan's cell of ``method`` and ``seed``, or a new one under
        the work root."""
        return self._by_key.get((method, int(seed))) or Cell(
            method, int(seed),
            osp.join(self.work_root, method, f'seed{int(seed)}'))

    def need(self, cell: Cell) -> Optional[Cell]:
        """The run ``cell`` starts from (None: the common start)."""
        name = self.methods[cell.method].needs
        return None if name is None else self.cell(name, cell.seed)

    def status(self, cell: Cell) -> str:
        """``done``, ``unavailable``, ``failed`` or ``pending``."""
        if cell.done:
            return 'done'
        if not self.available(cell):
            return 'unavailable'
        if osp.isfile(osp.join(cell.work_dir, FAILED_FILE)):
            return 'failed'
        return 'pending'

    def run_one(self, cell: Cell) -> str:
        """Run ``cell`` unless it is finished or another process holds it.

        Returns:
            str: ``done``, ``unavailable``, ``elsewhere`` (another
            invocation holds it), ``blocked``, ``finished`` or ``failed``.
        """
        status = self.status(cell)
        if status == 'done':
            self.say(cell, 'skipped, done')
        if status in ('done', 'unavailable'):
            return status
        with run_lock(cell.work_dir) as mine:
            if not mine:
                self.say(cell, 'skipped, another process runs it')
                return 'elsewhere'
            if cell.done:  # finished while another process held it
                self.say(cell, 'skipped, done')
                return 'done'
            self.resume_partial(cell)
            start = self.start_of(cell)
            if start in ('blocked', 'failed'):
                return start
            return self.execute(cell, start)

    def start_of(self, cell: Cell) -> Optional[str]:
        """The checkpoint ``cell`` starts from (None: the common start), or
        its status (``blocked``, ``failed``) when there is none.

        The starting run's checkpoint is missing when that run was restored
        from the archive: the run fails, naming the checkpoint and how to
        train its starting run again, unless :attr:`retrain_starts` is set:
        then the starting run trains again in place
        (:meth:`retrain`), and the grid goes on from its new checkpoint.
        """
        need = self.need(cell)
        if need is None:
            return None
        # another invocation may be training it right now
        wait_for_run(need.work_dir)
        start = self.start_checkpoint(need)
        if start is not None and osp.isfile(start):
            return start
        if not need.done:
            return self.blocked(cell, need)
        if self.retrain_starts:
            return self.retrain(need, cell)
        # restored from the archive, which keeps no checkpoint: starting
        # from nothing would not be the method
        return self.fail(
            cell, 'dependency', [], None, osp.join(need.work_dir, 'train.log'),
            message=run_archive.missing_checkpoint_message(
                cell.key, need.key,
                rel(start) if start else recorded_checkpoint(need),
                rel(need.work_dir), rel(self.archive_dir(need))))

    def retrain(self, need: Cell, cell: Cell) -> Optional[str]:
        """Train ``need``, a finished run without its checkpoint, again,
        so that ``cell`` can start from it.

        The archived result is kept as ``result.archived.json``; the new
        result records whether it reproduced the archived figures
        (``reproduces_archive``: every number of :attr:`compared_keys` equal
        to the archived one, as a deterministic training on the same data
        and seed gives) and the largest difference. The report then shows
        the new run.

        Returns:
            str or None: The new checkpoint, or ``failed``.
        """
        with run_lock(need.work_dir, wait=True):
            start = self.start_checkpoint(need)
            if start is not None and osp.isfile(start):
                return start  # another invocation trained it meanwhile
            result = osp.join(need.work_dir, RESULT_FILE)
            archived = read_json(result)
            os.replace(result, osp.join(need.work_dir,
                                        'result.archived.json'))
            self.say(need, f'training again: {cell.key} starts from its '
                     'checkpoint, which the archive does not keep')
            need_start = self.start_of(need)
            status = need_start if need_start in ('blocked', 'failed') \
                else self.execute(need, need_start)
            if status != 'finished':
                return self.fail(cell, 'dependency', [], None,
                                 osp.join(need.work_dir, 'train.log'),
                                 message=f'training {need.key} again failed')
            new = need.result()
            diffs = [abs(new[k] - archived[k]) for k in self.compared_keys
                     if isinstance(new.get(k), (int, float)) and
                     isinstance(archived.get(k), (int, float))]
            new['reproduces_archive'] = bool(diffs) and max(diffs) == 0
            new['archive_max_difference'] = max(diffs) if diffs else None
            if not new['reproduces_archive']:
                new['dependents_trained_again'] = self.invalidate_dependents(
                    need, cell)
            write_json(result, new)
            self.say(need, 'trained again: ' + (
                'reproduces the archived result' if
                new['reproduces_archive'] else
                f'differs from the archived result by up to '
                f'{new["archive_max_difference"]}'))
            return self.start_checkpoint(need)

    def run_all(self) -> Dict[str, str]:
        """Run every cell of the plan; returns ``{key: status}``.

        A run whose starting run another invocation is training right now
        is put off to the end of the plan, so that this invocation trains
        the next runs instead of waiting; at the end it waits for it.
        """
        statuses, later = {}, []
        for cell in self.cells:
            need = self.need(cell)
            if need is not None and self.status(cell) == 'pending' and \
                    is_held(need.work_dir):
                self.say(cell, f'later, {need.key} is training in '
                         'another process')
                later.append(cell)
                continue
            statuses[cell.key] = self.run_one(cell)
        for cell in later:
            statuses[cell.key] = self.run_one(cell)
        elsewhere = [c.key for c in self.cells
                     if statuses[c.key] == 'elsewhere']
        if elsewhere:
            self.log('left to the other invocation(s) running them: ' +
                     ', '.join(elsewhere))
        return {c.key: statuses[c.key] for c in self.cells}

    @staticmethod
    def set_aside(cell: Cell) -> bool:
        """Whether ``cell``'s result was set aside to train it again
        (:meth:`invalidate_dependents`) and it has not finished since."""
        return not cell.done and osp.isfile(
            osp.join(cell.work_dir, SET_ASIDE_FILE))

    def invalidate_dependents(self, need: Cell, cell: Cell) -> List[str]:
        """After ``need`` was trained again without reproducing its
        archived result, the finished runs of the plan that started from
        its old checkpoint no longer share their start with the runs that
        start from the new one: their results are set aside
        (:data:`SET_ASIDE_FILE`; the archive does not restore them) and they
        train again, so that every pair the report draws starts from the same
        checkpoint.

        Returns:
            list[str]: The keys of the runs set aside.
        """
        out = []
        for other in self.cells:
            if other == cell or other.seed != need.seed or \
                    self.methods[other.method].needs != need.method or \
                    not other.done:
                continue
            os.replace(osp.join(other.work_dir, RESULT_FILE),
                       osp.join(other.work_dir, SET_ASIDE_FILE))
            self.say(other, f'trains again: {need.key} was trained again and '
                     'its checkpoint changed')
            out.append(other.key)
        return out

    def fail(self, cell: Optional[Cell], stage: str, cmd: Sequence[str],
             rc: Optional[int], log_path: str, name: Optional[str] = None,
             message: Optional[str] = None,
             work_dir: Optional[str] = None) -> str:
        """Record a failure (:func:`record_failure`) and say so; returns
        ``failed``.

        Args:
            cell (Cell, optional): The run; None for a step outside the
                plan (pass ``name`` and, to keep a record, ``work_dir``).
        """
        name = name or cell.key
        if work_dir is None and cell is not None:
            work_dir = cell.work_dir
        self.failures.append(record_failure(work_dir, name, stage, cmd, rc,
                                            log_path, message))
        self.log(f'FAILED {name} ({stage}, exit code {rc}); log: '
                 f'{rel(log_path)}' + (f'\n[{self.tag}] {message}'
                                       if message else ''))
        return 'failed'

    # --------------------------------------------------------- archive
    def archive_dir(self, cell: Cell) -> str:
        return run_archive.archive_dir(self.out_dir, cell.method, cell.seed)

    def restorable(self, cell: Cell) -> bool:
        """Whether :meth:`restore` would copy ``cell`` back."""
        if self.set_aside(cell):
            return False
        return run_archive.restore_status(
            cell.work_dir, self.archive_dir(cell),
            self.data_args) == run_archive.RESTORABLE

    def archived(self) -> List[Cell]:
        """A cell for every run of a known method in the archive."""
        out = []
        for method in self.methods:
            for path in sorted(glob.glob(osp.join(
                    self.out_dir, run_archive.ARCHIVE_DIR, method, 'seed*',
                    RESULT_FILE))):
                seed = osp.basename(osp.dirname(path))[len('seed'):]
                if seed.isdigit():
                    out.append(self.cell(method, int(seed)))
        return out

    def restore(self, cells: Optional[Sequence[Cell]] = None) -> List[str]:
        """Copy archived runs missing from the work root back.

        A run archived on data generated with other arguments is not
        restored (it is trained again); neither is one another invocation
        holds.

        Args:
            cells (Sequence[Cell], optional): The runs to look at; the plan
                when None.

        Returns:
            list[str]: Keys of the restored runs.
        """
        restored = []
        for cell in self.cells if cells is None else cells:
            if self.set_aside(cell):
                self.say(cell, 'not restored: set aside to train again '
                         '(its start was trained again)')
                continue
            src = self.archive_dir(cell)
            status = run_archive.restore_run(cell.work_dir, src,
                                             self.data_args)
            if status == run_archive.RESTORED:
                self.relocate(cell)
                restored.append(cell.key)
                self.say(cell, f'restored from {rel(src)}')
            elif status == run_archive.OTHER_DATA:
                self.say(cell, 'not restored, archived on data generated '
                         'with other arguments')
        return restored

    def relocate(self, cell: Cell) -> None:
        """Point a restored result's file paths at its work directory (the
        archive may come from another work root or clone)."""

    def archive(self, results: Mapping[Tuple[str, int], dict]) -> int:
        """Archive every finished run (:attr:`archived_files`, no
        checkpoint) into ``<out_dir>/runs/`` and drop its kept unfinished
        checkpoint (:meth:`keep_partial`); returns how many.

        Args:
            results: ``{(method, seed): result}`` of the finished runs.
        """
        for (method, seed), result in results.items():
            cell = self.cell(method, seed)
            run_archive.archive_run(result, cell.work_dir,
                                    self.archive_dir(cell),
                                    self.archived_files)
            if run_archive.drop_partial(self.partial_dir(cell)):
                self.say(cell, 'finished: its kept checkpoint removed from '
                         f'{rel(self.partial_dir(cell))}')
        return len(results)

    # ------------------------------------------------ unfinished runs
    def partial_dir(self, cell: Cell) -> str:
        return run_archive.partial_dir(self.out_dir, cell.method, cell.seed)

    def keep_partial(self, cells: Optional[Sequence[Cell]] = None
                     ) -> List[str]:
        """Keep every unfinished run's latest checkpoint and
        :attr:`partial_files` in ``<out_dir>/partial/<method>/seed<k>/``,
        replacing what was kept before, so that its training continues on a
        fresh clone (:meth:`resume_partial`). Safe while the runs train.

        Args:
            cells (Sequence[Cell], optional): The runs to look at; the plan
                when None.

        Returns:
            list[str]: Keys of the runs kept.
        """
        kept = []
        for cell in self.cells if cells is None else cells:
            name = run_archive.keep_partial(
                cell.work_dir, self.partial_dir(cell), self.data_args,
                self.partial_files)
            if name is not None:
                kept.append(cell.key)
                self.say(cell, f'kept {name} in {rel(self.partial_dir(cell))}')
        return kept

    def resume_partial(self, cell: Cell) -> bool:
        """Copy ``cell``'s kept unfinished checkpoint into its work
        directory when that has none (a fresh clone), so that its training
        resumes from it; the caller holds the run's lock. A checkpoint kept
        on other data is left alone (the run trains from the start).

        Returns:
            bool: Whether it was copied.
        """
        src = self.partial_dir(cell)
        status = run_archive.restore_partial(cell.work_dir, src,
                                             self.data_args)
        if status == run_archive.RESTORED:
            self.say(cell, f'resumes from the checkpoint kept in {rel(src)}')
        elif status == run_archive.OTHER_DATA:
            self.say(cell, f'not resumed from {rel(src)}: kept on data '
                     'generated with other arguments')
        return status == run_archive.RESTORED

    def stored_failures(self, recent: Sequence[dict] = ()) -> List[dict]:
        """Failures recorded under the work root whose run has not
        finished since, sorted by run name.

        Args:
            recent (Sequence[dict]): Records of this invocation, which take
                precedence over stored ones of the same run.
        """
        out = {f['run']: f for f in recent}
        for path in glob.glob(osp.join(self.work_root, '*', '*',
                                       FAILED_FILE)) + glob.glob(
                                           osp.join(self.work_root, '*',
                                                    FAILED_FILE)):
            if not osp.isfile(osp.join(osp.dirname(path), RESULT_FILE)):
                rec = read_json(path)
                out.setdefault(rec['run'], rec)
        return [out[k] for k in sorted(out)]


def _print_now(text: str) -> None:
    print(text, flush=True)  # progress lines reach a redirected log at once


def recorded_checkpoint(cell: Cell) -> str:
    """The checkpoint a finished run's result names (for messages)."""
    result = cell.result() or {}
    return str(result.get('checkpoint') or
               f'<the final checkpoint in {rel(cell.work_dir)}>')
