"""Executors of a batch run: in-process, local worker processes, or a Dask cluster.

Each yields one :class:`~edxkit.batch.jobs.JobOutput` per job as jobs finish (in completion order; the
tables are ordered afterwards, so the order of completion does not matter).

* ``workers == 1``: the jobs run one after another in this process (no start-up cost).
* ``workers > 1``: a :class:`concurrent.futures.ProcessPoolExecutor` of fresh processes (``forkserver``
  start method on Linux, ``spawn`` elsewhere): no copy of the parent's memory or threads; on Linux the
  fork server imports the analysis modules once and each worker forks from it with them loaded.
* ``scheduler``: a ``distributed.Client`` for a ``tcp://HOST:PORT`` address (or a Client given directly);
  every worker must have edxkit installed and see the files under the same paths.

Workers run single-threaded BLAS/OpenMP (``OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1``): the
parallelism is over recordings, and threaded BLAS on top of it oversubscribes the cores (badly so on
small VMs). Local processes inherit the variables from the environment they are started in; Dask's nanny
sets the same variables in its workers by default (``distributed.nanny.pre-spawn-environ``).

That Dask default also sets ``MALLOC_TRIM_THRESHOLD_=65536``, which switches off glibc's dynamic mmap
threshold: every NumPy temporary above 128 kB is then a fresh ``mmap`` whose pages are faulted in and
zeroed, and the analysis takes about twice the CPU time per recording (measured: 7.3 s instead of 3.7 s
for 16 five-second recordings, the difference all system time). The nanny also writes the variable into
the ``os.environ`` of the process that made the cluster, so processes started there later inherit it.
:func:`local_cluster` starts a LocalCluster without it; for other clusters set that key to null in
``distributed.nanny.pre-spawn-environ`` (:func:`dask_worker_config`) or start workers with ``--no-nanny``.
:func:`dask` warns when the workers it is given have it set.

A job's own failures are rows (see :func:`~edxkit.batch.jobs.run_job`); a worker that dies (killed for
memory, a crash in native code) turns its jobs into error rows here, and the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from edxkit.batch.discover import Job
from edxkit.batch.jobs import JobOutput, error_row, one_line, run_job
from edxkit.errors import EdxInputError

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
CONNECT_TIMEOUT_S = 30
PRELOAD = ("edxkit.batch.jobs", "edxkit.batch.study_job", "edxkit.emg.analysis", "edxkit.io.dispatch")


@contextmanager
def single_threaded_env() -> Iterator[None]:
    """While worker processes are started: BLAS/OpenMP thread variables at 1 and no ``MALLOC_TRIM_THRESHOLD_``
    (a Dask LocalCluster made earlier in this process leaves it in ``os.environ``); restored after."""
    saved = {name: os.environ.get(name) for name in (*THREAD_VARIABLES, TRIM_VARIABLE)}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    os.environ.pop(TRIM_VARIABLE, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _init_worker() -> None:
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))


def crashed(job: Job, exc: BaseException) -> JobOutput:
    """The output of a job whose worker died: one error row saying so."""
    base = {"job": job.id, "file": job.file, "muscle": job.context.muscle, "condition": job.context.condition}
    out = JobOutput(job.id)
    out.recordings.append(error_row(base, f"worker failed: {one_line(exc)}", 0.0))
    return out


def serial(jobs: Sequence[Job]) -> Iterator[JobOutput]:
    """The jobs one after another in this process."""
    for job in jobs:
        yield run_job(job)


def local(jobs: Sequence[Job], workers: int) -> Iterator[JobOutput]:
    """The jobs on ``workers`` local processes."""
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":  # import the analysis once in the server; workers fork with it loaded
        context.set_forkserver_preload(["__main__", *PRELOAD])
    with single_threaded_env():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker)
        futures: dict[Future[JobOutput], Job] = {pool.submit(run_job, job): job for job in jobs}
    try:
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:
                yield crashed(futures[future], exc)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_worker_config() -> dict[str, Any]:
    """Dask configuration for workers that run edxkit jobs: the nanny's environment without
    ``MALLOC_TRIM_THRESHOLD_`` (see the module docstring), thread variables at 1.

    Use as ``with dask.config.set(dask_worker_config()): LocalCluster(...)``.
    """
    import dask

    environ: dict[str, Any] = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environ.update(dict.fromkeys(THREAD_VARIABLES, 1))
    environ[TRIM_VARIABLE] = None  # None: not set (distributed.nanny._get_env_variables)
    return {"distributed.nanny.pre-spawn-environ": environ}


def local_cluster(n_workers: int = 2, **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of single-threaded worker processes set up for edxkit jobs
    (:func:`dask_worker_config`); extra keyword arguments go to LocalCluster. Close it (or use ``with``).

    Dask's nanny writes its worker environment into this process's ``os.environ`` (so a LocalCluster made
    earlier leaves ``MALLOC_TRIM_THRESHOLD_`` there for every process started later): the variable is
    removed while the workers start.
    """
    import dask
    from distributed import LocalCluster

    options: dict[str, Any] = {"threads_per_worker": 1, "processes": True, "dashboard_address": None}
    with dask.config.set(dask_worker_config()), single_threaded_env():
        return LocalCluster(n_workers=n_workers, **(options | kwargs))


def _worker_trim() -> str | None:
    return os.environ.get(TRIM_VARIABLE)


def _warn_trim(client: Any) -> None:
    """Warn when the cluster's workers run with ``MALLOC_TRIM_THRESHOLD_`` (about 2× slower analysis)."""
    values = {v for v in client.run(_worker_trim).values() if v is not None}
    if values:
        warnings.warn(
            f"Dask workers run with {TRIM_VARIABLE}={sorted(values)[0]} (Dask's default), which about "
            "doubles the CPU time of edxkit's analysis; start them without it "
            "(edxkit.batch.dask_worker_config, or dask worker --no-nanny)",
            RuntimeWarning,
            stacklevel=2,
        )


def _client(scheduler: Any) -> tuple[Any, bool]:
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False), True
    except Exception as exc:  # OSError (refused, timed out), ValueError (bad address), ...
        raise EdxInputError("--scheduler", "address", f"cannot connect to {scheduler!r}: {exc}") from None


def dask(jobs: Sequence[Job], scheduler: Any) -> Iterator[JobOutput]:
    """The jobs on a Dask cluster (``scheduler``: an address such as ``tcp://host:8786`` or a Client)."""
    from distributed import as_completed as dask_completed

    client, owned = _client(scheduler)
    try:
        _warn_trim(client)
        futures = client.map(run_job, list(jobs), pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for future in dask_completed(futures, loop=client.loop):
            try:
                yield future.result()
            except Exception as exc:
                yield crashed(by_key[future.key], exc)
            future.release()
    finally:
        if owned:
            client.close()


def outputs(jobs: Sequence[Job], *, workers: int, scheduler: Any = None) -> Iterator[JobOutput]:
    """Run ``jobs`` with the chosen executor (see the module docstring)."""
    if not jobs:
        return iter(())
    if scheduler is not None:
        return dask(jobs, scheduler)
    if workers <= 1 or len(jobs) == 1:
        return serial(jobs)
    return local(jobs, min(workers, len(jobs)))
