"""The batch API: :func:`analyze_paths` for notebooks, :func:`run_batch` for ``edx batch`` (files, resume)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from edxkit.batch.discover import Context, Job, discover
from edxkit.batch.jobs import JobOutput, run_job
from edxkit.batch.run import outputs
from edxkit.batch.tables import BatchTables, assemble, output_paths
from edxkit.errors import EdxInputError

CHECKPOINT_S = 60.0
Progress = bool | Callable[[int, int], None] | None


def _version() -> str:
    from edxkit import __version__

    return __version__


def default_workers(workers: int | None) -> int:
    """``workers`` checked, or every local core (``os.cpu_count()``) when None."""
    if workers is None:
        return os.cpu_count() or 1
    if workers < 1:
        raise EdxInputError("workers", "value", f"{workers} is not a number of worker processes (≥ 1)")
    return workers


@contextmanager
def _progress(progress: Progress, total: int) -> Iterator[Callable[[], None]]:
    """A callable advancing the progress display by one job: a rich bar on stderr when ``progress`` is
    True and stderr is a terminal, the user's ``callback(done, total)``, or nothing."""
    done = 0
    if callable(progress):
        callback = progress

        def advance() -> None:
            nonlocal done
            done += 1
            callback(done, total)

        yield advance
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    enabled = bool(progress) and console.is_terminal
    with Progress("{task.description}", *columns, console=console, disable=not enabled) as bar:
        task = bar.add_task("recordings", total=total)
        yield lambda: bar.advance(task)


def execute(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress = None,
    previous: BatchTables | None = None,
    checkpoint: Callable[[BatchTables], None] | None = None,
    checkpoint_s: float = CHECKPOINT_S,
) -> BatchTables:
    """Run the jobs not already done in ``previous`` and return its kept rows plus the new ones.

    A job of ``previous`` is done when all its rows are ``ok``; failed and skipped jobs found again are
    run again (their old rows are replaced); rows of jobs not found this time are kept. ``checkpoint``
    receives the tables so far every ``checkpoint_s`` seconds and when the run is interrupted.
    """
    n_workers = default_workers(workers)
    version = _version()
    done = previous.done_jobs() if previous is not None else set()
    todo = [j for j in jobs if j.id not in done]
    base = previous.without_jobs(j.id for j in todo) if previous is not None else BatchTables.empty()
    skipped = [run_job(j) for j in todo if j.kind == "skipped"]
    runnable = [j for j in todo if j.kind != "skipped"]
    results: list[JobOutput] = []
    last = time.monotonic()
    with _progress(progress, len(runnable)) as advance:
        try:
            for out in outputs(runnable, workers=n_workers, scheduler=scheduler):
                results.append(out)
                advance()
                if checkpoint is not None and time.monotonic() - last >= checkpoint_s:
                    checkpoint(assemble(base, [*skipped, *results], version))
                    last = time.monotonic()
        except KeyboardInterrupt:
            if checkpoint is not None:
                checkpoint(assemble(base, [*skipped, *results], version))
            raise
    return assemble(base, [*skipped, *results], version)


def analyze_paths(
    paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    muscle: str | None = None,
    age_years: float | None = None,
    condition: str | None = None,
    manifest: str | Path | None = None,
    progress: Progress = None,
    previous: BatchTables | None = None,
) -> BatchTables:
    """Analyse every recording and study folder under ``paths``; the tables of the results.

    Parameters
    ----------
    paths : iterable of str or Path
        Folders (searched recursively) and/or recording files; ids are relative to their common folder.
    workers : int, optional
        Local worker processes; default every core (``os.cpu_count()``); 1 runs in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://HOST:PORT``) or a Client: run on that cluster instead.
    muscle, age_years, condition : optional
        Context of needle recordings outside study folders (a manifest row overrides them).
    manifest : str or Path, optional
        CSV ``file,muscle,age,condition,channel`` (files relative to the CSV).
    progress : bool or callable, optional
        True: a rich progress bar on stderr (when it is a terminal); a callable gets ``(done, total)``.
    previous : BatchTables, optional
        Tables of an earlier run: jobs all ``ok`` there are not run again (resume).

    Notes
    -----
    Local workers are fresh processes (``forkserver``/``spawn``): a script calling this with
    ``workers > 1`` needs the usual ``if __name__ == "__main__":`` guard (notebooks do not).

    Returns
    -------
    BatchTables
        ``.recordings``, ``.motor_units``, ``.ncs`` (pyarrow Tables) and ``.workers`` (peak RSS, MB).

    Examples
    --------
    >>> from edxkit.batch import analyze_paths  # doctest: +SKIP
    >>> tables = analyze_paths(["recordings/"], muscle="biceps_brachii", workers=2)  # doctest: +SKIP
    >>> tables.recordings.to_pandas().groupby("classification").size()  # doctest: +SKIP
    """
    context = Context(muscle, age_years, condition)
    jobs = discover(paths, context=context, manifest=manifest)
    return execute(jobs, workers=workers, scheduler=scheduler, progress=progress, previous=previous)


def run_batch(
    paths: Iterable[str | Path],
    output: str | Path,
    *,
    resume: bool = False,
    checkpoint_s: float = CHECKPOINT_S,
    **options: Any,
) -> BatchTables:
    """:func:`analyze_paths` writing ``OUT.parquet`` (+ ``.motor_units`` / ``.ncs``), with resume.

    The tables are written atomically every ``checkpoint_s`` seconds, when interrupted and at the end, so
    that a long run stopped at any point can be resumed. With ``resume``, jobs already ``ok`` in the
    existing output are skipped and their rows kept; failed and skipped files are tried again.
    Without ``resume`` an existing output is replaced.
    """
    paths_out = output_paths(output)
    previous = BatchTables.read(output) if resume and paths_out["recordings"].exists() else None
    context = Context(*(options.pop(k, None) for k in ("muscle", "age_years", "condition")))
    jobs = discover(paths, context=context, manifest=options.pop("manifest", None))
    if not jobs and previous is None:
        where = ", ".join(str(p) for p in paths)
        raise EdxInputError(where, "folder", "no recordings (.edf .bdf .hea .npy) or study folders found")

    def save(tables: BatchTables) -> None:
        tables.write(output)

    tables = execute(jobs, previous=previous, checkpoint=save, checkpoint_s=checkpoint_s, **options)
    tables.write(output)
    return tables


def describe(tables: BatchTables, paths: dict[str, Path] | None = None) -> str:
    """One line on a run: recording rows ok / failed / skipped, motor units, NCS rows, and the files."""
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    status = tables.recordings.column("status")
    counts = {s: int(pc.sum(pc.equal(status, s)).as_py() or 0) for s in ("ok", "error", "skipped")}
    ncs_failed = int(pc.sum(pc.equal(tables.ncs.column("status"), "error")).as_py() or 0)
    text = (
        f"{tables.recordings.num_rows} recording rows: {counts['ok']} ok, {counts['error']} failed, "
        f"{counts['skipped']} skipped; {tables.motor_units.num_rows} motor units; "
        f"{tables.ncs.num_rows} NCS rows ({ncs_failed} failed)"
    )
    if paths:
        text += "\nwrote " + ", ".join(str(p) for p in paths.values())
    return text
