"""The tidy tables of a batch run (Arrow schemas ``edxkit.batch/1``), their files and atomic writing.

Three tables, each with a ``job`` column (the job id, see :mod:`edxkit.batch.discover`), a ``status``
(``ok``, ``error`` or ``skipped``) with the one-line ``error`` (null when ok), the seconds the work took
(``elapsed_s``) and the ``edxkit_version`` that made the row:

* **recordings** — one row per analysed recording channel (and per failed or skipped file);
* **motor_units** — one row per decomposed motor unit of a recording;
* **ncs** — long form, one row per measure of a nerve study's site, segment or summary (study folders).

``OUT.parquet`` holds the recordings, ``OUT.motor_units.parquet`` and ``OUT.ncs.parquet`` the others. Rows
are ordered by job id and, within a job, in the order the job produced them (channel order, study order),
so that the tables are identical whatever the number of workers (apart from ``elapsed_s``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from edxkit.batch.jobs import JobOutput, Row
from edxkit.errors import EdxInputError

TABLE_SCHEMA = "edxkit.batch/1"
NAMES = ("recordings", "motor_units", "ncs")
TIMING_COLUMNS = ("elapsed_s",)

_STR, _F64, _I64, _BOOL = pa.string(), pa.float64(), pa.int64(), pa.bool_()
_KEY = [("job", _STR), ("file", _STR)]
_TAIL = [("status", _STR), ("error", _STR)]
_END = [("elapsed_s", _F64), ("edxkit_version", _STR)]

RECORDING_FIELDS: list[tuple[str, pa.DataType]] = [
    *_KEY,
    ("study", _STR),
    ("study_id", _STR),
    ("side", _STR),
    ("channel_index", _I64),
    ("channel", _STR),
    ("muscle", _STR),
    ("age_years", _F64),
    ("condition", _STR),
    ("condition_inferred", _BOOL),
    *_TAIL,
    ("fs_hz", _F64),
    ("duration_s", _F64),
    ("analysed_s", _F64),
    ("excluded_s", _F64),
    ("noise_uv", _F64),
    ("nonfinite_samples", _I64),
    ("clipped_samples", _I64),
    ("classification", _STR),
    ("n_units", _I64),
    ("n_accepted_units", _I64),
    ("muap_count", _I64),
    *[(n, _F64) for n in ("mean_amplitude_uv", "mean_duration_ms", "polyphasic_fraction", "mean_phases")],
    *[(n, _F64) for n in ("mean_turns", "mean_area_uv_ms", "mean_thickness_ms", "mean_size_index")],
    ("satellite_fraction", _F64),
    ("unstable_fraction", _F64),
    ("fibrillation", _STR),
    ("positive_sharp_wave", _STR),
    ("fasciculation", _STR),
    ("other_discharges", pa.list_(_STR)),
    ("recruitment", _STR),
    *[(n, _F64) for n in ("onset_rate_hz", "recruitment_frequency_hz", "fastest_rate_hz")],
    ("recruitment_ratio", _F64),
    ("interference", _STR),
    *[(n, _F64) for n in ("turns_per_s", "mean_amplitude_per_turn_uv", "interference_envelope_uv")],
    ("interference_activity_pct", _F64),
    ("warnings", pa.list_(_STR)),
    *_END,
]
MOTOR_UNIT_FIELDS: list[tuple[str, pa.DataType]] = [
    *_KEY,
    ("study", _STR),
    ("side", _STR),
    ("channel_index", _I64),
    ("channel", _STR),
    ("muscle", _STR),
    ("condition", _STR),
    ("unit_id", _I64),
    ("n_firings", _I64),
    ("mean_rate_hz", _F64),
    ("isi_cv", _F64),
    ("accepted", _BOOL),
    ("reject_reason", _STR),
    ("amplitude_uv", _F64),
    ("duration_ms", _F64),
    ("phases", _I64),
    ("turns", _I64),
    ("polyphasic", _BOOL),
    *[(n, _F64) for n in ("area_uv_ms", "thickness_ms", "size_index", "spike_duration_ms", "rise_time_ms")],
    ("satellite", _BOOL),
    ("satellite_latency_ms", _F64),
    ("jiggle_cad_pct", _F64),
    ("jiggle_ccc", _F64),
    ("unstable", _BOOL),
    ("edxkit_version", _STR),
]
NCS_FIELDS: list[tuple[str, pa.DataType]] = [
    ("job", _STR),
    ("study", _STR),
    ("study_id", _STR),
    ("nerve", _STR),
    ("kind", _STR),
    ("side", _STR),
    ("record", _STR),
    ("level", _STR),
    ("location", _STR),
    ("measure", _STR),
    ("value", _F64),
    ("abnormal", _BOOL),
    ("limit_bound", _STR),
    ("limit_value", _F64),
    ("limit_source", _STR),
    ("source", _STR),
    *_TAIL,
    *_END,
]


def _schema(fields: list[tuple[str, pa.DataType]], name: str) -> pa.Schema:
    return pa.schema(fields, metadata={"edxkit.schema": TABLE_SCHEMA, "edxkit.table": name})


SCHEMAS: dict[str, pa.Schema] = {
    "recordings": _schema(RECORDING_FIELDS, "recordings"),
    "motor_units": _schema(MOTOR_UNIT_FIELDS, "motor_units"),
    "ncs": _schema(NCS_FIELDS, "ncs"),
}


def output_paths(output: str | Path) -> dict[str, Path]:
    """``OUT.parquet`` → the recordings, ``OUT.motor_units.parquet`` and ``OUT.ncs.parquet``."""
    output = Path(output)
    if output.suffix.lower() != ".parquet":
        raise EdxInputError(output, "name", "the output is a Parquet file: give a name ending in .parquet")
    stem = output.with_suffix("")
    return {
        "recordings": output,
        "motor_units": stem.with_name(stem.name + ".motor_units.parquet"),
        "ncs": stem.with_name(stem.name + ".ncs.parquet"),
    }


def rows_table(rows: Sequence[Row], name: str, version: str) -> pa.Table:
    """Rows (dicts; missing columns are null) as a table of schema ``name``, stamped with ``version``."""
    schema = SCHEMAS[name]
    if not rows:
        return schema.empty_table()
    stamped = [r | {"edxkit_version": version} for r in rows]
    return pa.Table.from_pylist(stamped, schema=schema)


@dataclass(slots=True)
class BatchTables:
    """The three tables of a batch run, and each worker's peak resident memory (MB) in this run.

    Attributes
    ----------
    recordings, motor_units, ncs : pyarrow.Table
        See the module docstring; ``.to_pandas()`` gives data frames.
    workers : dict of str to float
        ``host:pid`` → peak RSS (MB, ``VmHWM``; see :func:`~edxkit.batch.jobs.peak_rss_mb`) of every
        process that ran a job.
    job_wall_s, job_cpu_s : float
        Wall-clock and CPU seconds summed over the jobs run in this call (CPU/wall near 1: every worker
        had a core to itself).
    """

    recordings: pa.Table
    motor_units: pa.Table
    ncs: pa.Table
    workers: dict[str, float] = field(default_factory=dict)
    job_wall_s: float = 0.0
    job_cpu_s: float = 0.0

    @classmethod
    def empty(cls) -> BatchTables:
        empty = [SCHEMAS[n].empty_table() for n in NAMES]
        return cls(empty[0], empty[1], empty[2])

    def table(self, name: str) -> pa.Table:
        out: pa.Table = getattr(self, name)
        return out

    def done_jobs(self) -> set[str]:
        """Jobs whose rows are all ``ok`` in every table: these are not run again on resume."""
        jobs = set(self.recordings.column("job").to_pylist()) | set(self.ncs.column("job").to_pylist())
        for name in ("recordings", "ncs"):
            status = self.table(name).column("status")
            failed = pc.filter(self.table(name).column("job"), pc.not_equal(status, "ok"))
            jobs -= set(failed.to_pylist())
        return jobs

    def without_jobs(self, jobs: Iterable[str]) -> BatchTables:
        """These tables with every row of ``jobs`` removed."""
        drop = pa.array(sorted(set(jobs)), type=pa.string())
        kept = [self.table(n).filter(pc.invert(pc.is_in(self.table(n).column("job"), drop))) for n in NAMES]
        return BatchTables(kept[0], kept[1], kept[2], workers=dict(self.workers))

    def write(self, output: str | Path) -> dict[str, Path]:
        """Write the three files atomically (temporary file, then rename); recordings last.

        The recordings table decides which jobs are done on resume, so it is replaced last: a run
        interrupted between the renames leaves older recordings, and resume redoes those jobs.
        """
        paths = output_paths(output)
        for name in ("motor_units", "ncs", "recordings"):
            write_atomic(self.table(name), paths[name])
        return paths

    @classmethod
    def read(cls, output: str | Path) -> BatchTables:
        """The tables of an earlier run (for ``--resume``); EdxInputError when they are not batch tables."""
        paths = output_paths(output)
        return cls(
            _read(paths["recordings"], "recordings"),
            _read(paths["motor_units"], "motor_units"),
            _read(paths["ncs"], "ncs"),
        )


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write Parquet to a temporary file in the same folder, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path, name: str) -> pa.Table:
    schema = SCHEMAS[name]
    if not path.exists():
        if name == "recordings":
            raise EdxInputError(path, "file", "not found")
        return schema.empty_table()
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise EdxInputError(path, "file", f"cannot be read as Parquet: {exc}") from None
    meta = table.schema.metadata or {}
    if meta.get(b"edxkit.schema") != TABLE_SCHEMA.encode() or table.schema.names != schema.names:
        raise EdxInputError(
            path, "schema", f"not an {TABLE_SCHEMA} {name} table; remove it or choose another output"
        )
    return table.cast(schema)


def assemble(base: BatchTables, outputs: Iterable[JobOutput], version: str) -> BatchTables:
    """``base`` (kept rows of an earlier run) plus the new job outputs, ordered by job id.

    Rows of one job keep the order the job produced them in (the sort on ``job`` is stable).
    """
    ordered = sorted(outputs, key=lambda o: o.job)
    workers = dict(base.workers)
    for out in ordered:
        if out.worker:
            workers[out.worker] = max(workers.get(out.worker, 0.0), out.peak_rss_mb)
    tables = []
    for name in NAMES:
        new = rows_table([r for o in ordered for r in getattr(o, name)], name, version)
        both = pa.concat_tables([base.table(name), new])
        tables.append(both.take(pc.sort_indices(both, sort_keys=[("job", "ascending")])))
    wall = sum(o.wall_s for o in ordered)
    cpu = sum(o.cpu_s for o in ordered)
    return BatchTables(tables[0], tables[1], tables[2], workers=workers, job_wall_s=wall, job_cpu_s=cpu)


def drop_timing(table: pa.Table) -> pa.Table:
    """The table without its timing columns (to compare runs)."""
    return table.drop_columns([c for c in TIMING_COLUMNS if c in table.column_names])
