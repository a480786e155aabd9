"""Batch analysis at scale: every needle recording and study folder under a folder, on local cores or Dask.

>>> from edxkit.batch import analyze_paths  # doctest: +SKIP
>>> tables = analyze_paths(["data/"], muscle="biceps_brachii", age_years=50)  # doctest: +SKIP
>>> tables.recordings.to_pandas()  # doctest: +SKIP

:mod:`.discover` finds the jobs, :mod:`.jobs` / :mod:`.study_job` turn one job into rows, :mod:`.tables`
defines the tables (``edxkit.batch/1``) and writes them, :mod:`.run` executes jobs locally or on Dask,
:mod:`.api` puts it together (``edx batch`` is :func:`run_batch`).
"""

from edxkit.batch.api import analyze_paths, describe, execute, run_batch
from edxkit.batch.discover import Context, Job, discover
from edxkit.batch.jobs import JobOutput, run_job
from edxkit.batch.run import dask_worker_config, local_cluster
from edxkit.batch.tables import SCHEMAS, BatchTables, drop_timing, output_paths

__all__ = [
    "SCHEMAS",
    "BatchTables",
    "Context",
    "Job",
    "JobOutput",
    "analyze_paths",
    "dask_worker_config",
    "describe",
    "discover",
    "drop_timing",
    "execute",
    "local_cluster",
    "output_paths",
    "run_batch",
    "run_job",
]
