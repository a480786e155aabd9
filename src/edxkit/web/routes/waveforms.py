"""Needle recordings for the viewer: windows at screen resolution (min/max decimation), full-resolution
float32 windows for sound, and the detected discharges and motor units with their templates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from edxkit.emg.result import NeedleResult
from edxkit.store.studies import get_study
from edxkit.web.decimation import trace_window, window_indices
from edxkit.web.deps import CtxDep, IdPath, app_state
from edxkit.web.service import analysed

router = APIRouter()
MAX_AUDIO_S = 30.0
MAX_TEMPLATES = 8


@router.get("/api/waveforms/{waveform_id}")
def waveform_window(
    request: Request,
    waveform_id: IdPath,
    ctx: CtxDep,
    start_s: float = Query(0.0, ge=0.0),
    stop_s: float | None = Query(None, gt=0.0),
    points: int = Query(2000, ge=16, le=20_000),
    format: Literal["json", "f32"] = "json",
) -> Response:
    """Samples of ``[start_s, stop_s)`` (s from the recording start): at most ``points`` values as min/max
    pairs when decimated (JSON), or every sample as little-endian float32 (``format=f32``, at most 30 s)."""
    ctx.require("study.view")
    state = app_state(request)
    with state.db.sessions() as session:
        trace = state.traces.get(session, waveform_id)
    stop = trace.duration_s if stop_s is None else min(stop_s, trace.duration_s)
    if stop <= start_s:
        raise HTTPException(
            400,
            f"empty window: start_s {start_s:g} ≥ stop_s {stop:g} (recording lasts {trace.duration_s:.3f} s)",
        )
    if format == "f32":
        if stop - start_s > MAX_AUDIO_S:
            raise HTTPException(400, f"a full-resolution window is at most {MAX_AUDIO_S:g} s")
        i0, i1 = window_indices(trace.samples.shape[0], trace.fs_hz, start_s, stop)
        data = np.nan_to_num(trace.samples[i0:i1]).astype("<f4").tobytes()
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"X-Fs-Hz": repr(trace.fs_hz), "X-T0-S": repr(i0 / trace.fs_hz), "X-Units": trace.units},
        )
    window = trace_window(trace.samples, trace.fs_hz, start_s=start_s, stop_s=stop, points=points)
    values = np.round(window.values, 2)
    body = {
        "id": trace.waveform_id,
        "fs_hz": trace.fs_hz,
        "units": trace.units,
        "n_samples": int(trace.samples.shape[0]),
        "duration_s": trace.duration_s,
        "t0_s": window.t0_s,
        "dt_s": window.dt_s,
        "full": window.full,
        "n_window_samples": window.n_window_samples,
        "values": values.tolist(),
    }
    import json

    return Response(json.dumps(body, allow_nan=False), media_type="application/json")


def _slug(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", ref).strip("_")


@router.get("/api/waveforms/{waveform_id}/events")
def waveform_events(request: Request, waveform_id: IdPath, ctx: CtxDep) -> dict[str, Any]:
    """Detected spontaneous discharges and decomposed motor units (firing times, templates) of a recording."""
    ctx.require("study.view")
    state = app_state(request)
    with state.db.sessions() as session:
        trace = state.traces.get(session, waveform_id)
        version = get_study(session, trace.study_id).version
    if trace.role != "needle":
        raise HTTPException(400, "events exist for needle recordings only")
    item = analysed(state, trace.study_id, version, ctx.user)
    found = _needle_result(item.result.emg, trace.ref, trace.muscle, trace.side)
    if found is None:
        return {"discharges": [], "units": [], "classification": None}
    discharges = found.spontaneous.to_dict() if found.spontaneous is not None else []
    units = []
    for unit in sorted(found.accepted_units, key=lambda u: -u.measures.amplitude_uv)[:MAX_TEMPLATES]:
        template = np.asarray(unit.unit.template_uv, dtype=np.float64)
        units.append(
            {
                "id": unit.unit.id,
                "firing_times_s": [round(float(t), 5) for t in unit.unit.firing_times_s],
                "amplitude_uv": round(float(unit.measures.amplitude_uv), 1),
                "duration_ms": None
                if unit.measures.duration_ms is None
                else round(float(unit.measures.duration_ms), 2),
                "phases": unit.measures.phases,
                "template_t0_ms": round(-1000.0 * unit.unit.template_index / found.fs_hz, 4),
                "template_dt_ms": round(1000.0 / found.fs_hz, 6),
                "template_uv": np.round(template, 2).tolist(),
            }
        )
    return {
        "discharges": [
            {"type": d["type"], "times_s": d.get("times_s", []), "count": d.get("count")} for d in discharges
        ],
        "units": units,
        "classification": found.classification.label if found.classification is not None else None,
    }


def _needle_result(muscles: list[Any], ref: str, muscle: str | None, side: str) -> NeedleResult | None:
    match = re.fullmatch(r"emg\[(\d+)\]\.recordings\[(\d+)\]", ref)
    for m in muscles:
        if m.muscle != muscle or m.side != side:
            continue
        for rec in m.recordings:
            path = Path(rec.file)
            if _slug(ref) in (path.stem, path.parent.name):
                found: NeedleResult = rec
                return found
        if match and int(match.group(2)) < len(m.recordings) and not m.errors:
            by_index: NeedleResult = m.recordings[int(match.group(2))]
            return by_index
    return None
