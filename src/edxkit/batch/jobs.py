"""The per-job work of a batch run: pure functions from a :class:`~edxkit.batch.discover.Job` to table rows.

:func:`run_job` never raises for a bad recording: any exception while reading or analysing becomes a row
with ``status == "error"`` and the one-line message in ``error`` (an :class:`~edxkit.errors.EdxInputError`
names file, field and reason; other exceptions are given as ``Type: message``), so one bad file cannot stop
a run of thousands. The analysis itself has no randomness, so the rows depend only on the file and the
context, never on the worker that computed them.
"""

from __future__ import annotations

import math
import os
import resource
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edxkit.batch.discover import Job
from edxkit.emg.result import NeedleResult
from edxkit.errors import EdxInputError

Row = dict[str, Any]
GRADE_TYPES = ("fibrillation", "positive_sharp_wave", "fasciculation")
VOLTAGE_UNITS = ("uV", "mV")


@dataclass(slots=True)
class JobOutput:
    """The rows of one job; which worker made them, its peak resident memory (MB), and the job's wall-clock
    and CPU seconds (CPU of the thread that ran the job, so a Dask worker's own threads are not counted;
    CPU < wall when the worker shared its core with other processes)."""

    job: str
    recordings: list[Row] = field(default_factory=list)
    motor_units: list[Row] = field(default_factory=list)
    ncs: list[Row] = field(default_factory=list)
    worker: str = ""
    peak_rss_mb: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0


def one_line(exc: BaseException) -> str:
    """The error as one line: EdxInputError as ``file: field: reason``, others as ``Type: message``."""
    text = str(exc) if isinstance(exc, EdxInputError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def peak_rss_mb() -> float:
    """Peak resident set size of this process (MB).

    ``VmHWM`` of ``/proc/self/status`` on Linux: the process's own high-water mark (``ru_maxrss`` of a
    process started by fork + exec also counts the parent's peak before the exec). Elsewhere ``getrusage``
    ``ru_maxrss`` (KiB; bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def finite(value: Any) -> Any:
    """NaN and infinities as None (null in the tables); numpy scalars as Python values."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _base(job: Job) -> Row:
    ctx = job.context
    return {
        "job": job.id,
        "file": job.file,
        "muscle": ctx.muscle,
        "age_years": ctx.age_years,
        "condition": ctx.condition,
    }


def error_row(base: Row, exc: BaseException | str, elapsed_s: float) -> Row:
    """A recording row for a failure: the context known so far and the one-line error."""
    message = exc if isinstance(exc, str) else one_line(exc)
    return base | {"status": "error", "error": message, "elapsed_s": elapsed_s}


def _summary_columns(result: NeedleResult) -> Row:
    s = result.summary
    if s is None:
        return {}
    return {
        "muap_count": s.count,
        "mean_amplitude_uv": finite(s.mean_amplitude_uv),
        "mean_duration_ms": finite(s.mean_duration_ms),
        "polyphasic_fraction": finite(s.polyphasic_fraction),
        "mean_phases": finite(s.mean_phases),
        "mean_turns": finite(s.mean_turns),
        "mean_area_uv_ms": finite(s.mean_area_uv_ms),
        "mean_thickness_ms": finite(s.mean_thickness_ms),
        "mean_size_index": finite(s.mean_size_index),
        "satellite_fraction": finite(s.satellite_fraction),
        "unstable_fraction": finite(s.unstable_fraction),
    }


def _activity_columns(result: NeedleResult) -> Row:
    out: Row = {}
    spont = result.spontaneous
    if spont is not None:
        out |= {kind: spont.grades.get(kind) for kind in GRADE_TYPES}
        out["other_discharges"] = sorted(spont.other_discharges)
    rec = result.recruitment
    if rec is not None:
        out |= {
            "recruitment": rec.label,
            "onset_rate_hz": finite(rec.onset_rate_hz),
            "recruitment_frequency_hz": finite(rec.recruitment_frequency_hz),
            "fastest_rate_hz": finite(rec.fastest_rate_hz),
            "recruitment_ratio": finite(rec.ratio),
        }
    ip = result.interference
    if ip is not None:
        out |= {
            "interference": ip.label,
            "turns_per_s": finite(ip.turns_per_s),
            "mean_amplitude_per_turn_uv": finite(ip.mean_amplitude_per_turn_uv),
            "interference_envelope_uv": finite(ip.envelope_uv),
            "interference_activity_pct": finite(ip.activity_pct),
        }
    return out


def recording_row(result: NeedleResult, base: Row, elapsed_s: float) -> Row:
    """One recordings-table row from a needle result (``base``: job, file, study and channel columns)."""
    row = base | {
        "channel": result.channel,
        "muscle": result.muscle,
        "age_years": result.age_years,
        "condition": result.condition,
        "condition_inferred": result.condition_inferred,
        "status": "ok",
        "error": None,
        "fs_hz": result.fs_hz,
        "duration_s": finite(result.duration_s),
        "analysed_s": finite(result.analysed_s),
        "excluded_s": finite(result.excluded_s),
        "noise_uv": finite(result.noise_uv),
        "nonfinite_samples": result.n_nonfinite,
        "clipped_samples": result.n_clipped,
        "classification": result.classification.label if result.classification is not None else None,
        "n_units": len(result.motor_units),
        "n_accepted_units": len(result.accepted_units),
        "warnings": list(result.warnings),
        "elapsed_s": elapsed_s,
    }
    return row | _summary_columns(result) | _activity_columns(result)


def unit_rows(result: NeedleResult, base: Row) -> list[Row]:
    """One motor-units-table row per decomposed unit (accepted or not, with the reason)."""
    rows = []
    for mu in result.motor_units:
        u, m, st = mu.unit, mu.measures, mu.stability
        rows.append(
            base
            | {
                "channel": result.channel,
                "muscle": result.muscle,
                "condition": result.condition,
                "unit_id": int(u.id),
                "n_firings": int(u.n_firings),
                "mean_rate_hz": finite(u.mean_rate_hz),
                "isi_cv": finite(u.isi_cv),
                "accepted": mu.accepted,
                "reject_reason": mu.reject_reason or None,
                "amplitude_uv": finite(m.amplitude_uv),
                "duration_ms": finite(m.duration_ms),
                "phases": int(m.phases),
                "turns": int(m.turns),
                "polyphasic": bool(m.polyphasic),
                "area_uv_ms": finite(m.area_uv_ms),
                "thickness_ms": finite(m.thickness_ms),
                "size_index": finite(m.size_index),
                "spike_duration_ms": finite(m.spike_duration_ms),
                "rise_time_ms": finite(m.rise_time_ms),
                "satellite": bool(m.satellite),
                "satellite_latency_ms": finite(m.satellite_latency_ms),
                "jiggle_cad_pct": finite(st.cad_pct) if st is not None else None,
                "jiggle_ccc": finite(st.ccc) if st is not None else None,
                "unstable": st.unstable if st is not None else None,
            }
        )
    return rows


def _channels(path: str, channel: int | str | None) -> list[tuple[int, str]]:
    """(index, label) of the named channel, or of every voltage channel when none is named."""
    from edxkit.io.dispatch import open_recording

    with open_recording(path) as recording:
        if channel is not None:
            info = recording.channel(channel)
            return [(info.index, info.label)]
        found = [(c.index, c.label) for c in recording.info.channels if c.units in VOLTAGE_UNITS]
    if not found:
        raise EdxInputError(path, "channels", "no voltage channel (µV or mV) to analyse")
    return found


def analyze_recording(out: JobOutput, path: str | Path, channel: int | str, base: Row) -> None:
    """Analyse one channel into ``out``; a failure becomes an error row."""
    from edxkit.emg.analysis import analyze_needle_file

    t0 = time.perf_counter()
    try:
        result = analyze_needle_file(
            path,
            channel,
            muscle=base.get("muscle"),
            age_years=base.get("age_years"),
            condition=base.get("condition"),
        )
    except Exception as exc:
        out.recordings.append(error_row(base, exc, time.perf_counter() - t0))
        return
    out.recordings.append(recording_row(result, base, time.perf_counter() - t0))
    out.motor_units.extend(unit_rows(result, base))


def _needle_job(job: Job, out: JobOutput) -> None:
    base = _base(job)
    t0 = time.perf_counter()
    try:
        channels = _channels(job.path, job.channel)
    except Exception as exc:
        failed = base | {"channel": _label(job.channel)}
        out.recordings.append(error_row(failed, exc, time.perf_counter() - t0))
        return
    for index, label in channels:
        analyze_recording(out, job.path, index, base | {"channel_index": index, "channel": label})


def _label(channel: int | str | None) -> str | None:
    return None if channel is None else str(channel)


def run_job(job: Job) -> JobOutput:
    """Every row of one job (never raises for bad input: failures are rows with their error)."""
    from edxkit.batch.study_job import study_job

    out = JobOutput(job.id)
    wall, cpu = time.perf_counter(), time.thread_time()
    if job.kind == "skipped":
        out.recordings.append(_base(job) | {"status": "skipped", "error": job.reason, "elapsed_s": 0.0})
    elif job.kind == "study":
        study_job(job, out)
    else:
        _needle_job(job, out)
    out.worker = f"{socket.gethostname()}:{os.getpid()}"
    out.peak_rss_mb = peak_rss_mb()
    out.wall_s, out.cpu_s = time.perf_counter() - wall, time.thread_time() - cpu
    return out
