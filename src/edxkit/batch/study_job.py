"""A study folder as one batch job: each needle recording with the study's context, and the nerve studies.

Needle recordings are analysed one by one with the muscle, side, patient age and contraction level that the
study gives them (the same call ``edx analyze`` makes), so a bad recording is one error row and the rest of
the study is still measured. Nerve studies are measured as in :func:`edxkit.analyze.analyze_study` (motor
and sensory conduction, F-wave, H-reflex, repetitive stimulation) and written in long form: one row per
measure of a site, a segment or a nerve summary, with the limit it was judged against and whether it is
abnormal. A nerve that cannot be measured is one error row.
"""

from __future__ import annotations

import posixpath
import time
from pathlib import PurePosixPath
from typing import Any

from edxkit.batch.discover import Job
from edxkit.batch.jobs import JobOutput, Row, analyze_recording, error_row, finite, one_line
from edxkit.model import NerveStudy, Study
from edxkit.ncs.nerve import NcsSettings


def _file_key(job: Job, file: str) -> str:
    """A study recording's path relative to the batch root (POSIX), like the ids of other jobs."""
    if PurePosixPath(file).is_absolute():
        return file
    return posixpath.normpath(posixpath.join(job.file, file.replace("\\", "/")))


def _measures(d: dict[str, Any]) -> list[tuple[str, float]]:
    """The numeric (and boolean, as 0/1) values of a result dict, in its order."""
    out = []
    for key, value in d.items():
        if isinstance(value, str | list | dict) or value is None:
            continue
        out.append((key, float(value)))
    return out


def _measure_rows(base: Row, level: str, location: str, d: dict[str, Any]) -> list[Row]:
    """Long-form rows of one site, segment or nerve summary (``d``: its public ``to_dict``)."""
    abnormal = set(d.get("abnormal", []))
    limits = d.get("limits", {})
    sources = d.get("sources", {})
    rows = []
    for name, value in _measures(d):
        limit = limits.get(name) or {}
        rows.append(
            base
            | {
                "level": level,
                "location": location,
                "measure": name,
                "value": finite(value),
                "abnormal": name in abnormal,
                "limit_bound": limit.get("bound"),
                "limit_value": limit.get("value"),
                "limit_source": limit.get("source"),
                "source": sources.get(name),
                "status": "ok",
            }
        )
    return rows


def nerve_rows(study: Study, nerve: NerveStudy, base: Row, settings: NcsSettings) -> list[Row]:
    """The long-form NCS rows of one nerve study; an exception becomes one error row."""
    from edxkit.ncs.nerve import analyze_conduction
    from edxkit.ncs.special import analyze_special

    base = base | {"nerve": nerve.nerve, "kind": nerve.kind, "side": nerve.side, "record": nerve.record}
    t0 = time.perf_counter()
    try:
        if nerve.kind in ("motor", "sensory"):
            result = analyze_conduction(study, nerve, settings)
        else:
            result = analyze_special(study, nerve, settings)
    except Exception as exc:
        return [base | {"status": "error", "error": one_line(exc), "elapsed_s": time.perf_counter() - t0}]
    rows: list[Row] = []
    for site in result.sites:
        d = site.to_dict()
        d["response_present"] = d.get("response") == "present"
        rows.extend(_measure_rows(base, "site", site.site, d))
    for seg in result.segments:
        rows.extend(_measure_rows(base, "segment", f"{seg.from_site}-{seg.to_site}", seg.to_dict()))
    if result.summary:
        rows.extend(_measure_rows(base, "nerve", "", result.to_dict()))
    elapsed = time.perf_counter() - t0
    return [r | {"elapsed_s": elapsed} for r in rows]


def study_job(job: Job, out: JobOutput) -> None:
    """Every needle recording and nerve study of the study folder ``job.path`` into ``out``."""
    from edxkit.io.study import load_study

    base: Row = {"job": job.id, "study": job.file}
    t0 = time.perf_counter()
    try:
        study = load_study(job.path)
    except Exception as exc:
        out.recordings.append(error_row(base | {"file": job.file}, exc, time.perf_counter() - t0))
        return
    base["study_id"] = study.id
    settings = NcsSettings()
    for nerve in study.ncs:
        out.ncs.extend(nerve_rows(study, nerve, base, settings))
    for exam in study.emg:
        for ref in exam.recordings:
            row = base | {
                "file": _file_key(job, ref.file),
                "side": exam.side,
                "channel_index": ref.channel if isinstance(ref.channel, int) else None,
                "channel": str(ref.channel),
                "muscle": exam.muscle,
                "age_years": float(study.patient.age),
                "condition": ref.condition,
            }
            analyze_recording(out, study.resolve(ref.file), ref.channel, row)
