"""One needle recording, end to end: windows → preprocessing → spontaneous activity or decomposition →
MUAP measures → recruitment and interference → classification (``edx emg FILE``).

What is analysed depends on the contraction level, as in the EMG lab:

* ``rest``: spontaneous activity (types, trains, fib/PSW/fasciculation grades);
* ``minimal``: decomposition into motor units, MUAP measures of each unit, recruitment;
* ``moderate``: the same plus the interference pattern;
* ``maximal``: the interference pattern only (single units cannot be separated reliably);
* not given: each window is decomposed first; a window with regularly firing units (:func:`infer_condition`)
  is voluntary, the others are searched for spontaneous activity; the recording is ``minimal`` when any
  regularly firing unit is found over the whole, ``rest`` otherwise, and the result says the condition was
  inferred. A very regular spontaneous discharge (a complex repetitive discharge at 5–100 Hz) can pass for a
  voluntary unit here: give the condition when it is known, as a study file always does.

Long recordings are read and analysed in windows (:mod:`.windows`); each window contributes only the events in
its core, then trains and units of consecutive windows are joined.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edxkit.emg.classify import classify_muscle
from edxkit.emg.decompose import DecomposedUnit, Decomposition, decompose, merge_decompositions
from edxkit.emg.interference import Interference, interference
from edxkit.emg.muap import SHARP_RISE_MS, measure_muap
from edxkit.emg.prepare import BAND_HZ, Prepared, prepare
from edxkit.emg.recruitment import recruitment
from edxkit.emg.result import MotorUnitResult, NeedleResult
from edxkit.emg.spontaneous import SpontaneousResult, analyze_spontaneous, merge_spontaneous
from edxkit.emg.stability import stability
from edxkit.emg.summary import summarize
from edxkit.emg.windows import OVERLAP_S, WINDOW_S, Window, memory_windows, recording_windows
from edxkit.norms.muap import MuapNormTable
from edxkit.waveform import Waveform

CONDITIONS = ("rest", "minimal", "moderate", "maximal")
MIN_UNIT_FIRINGS = 5
VOLUNTARY_MAX_ISI_CV = 0.5
VOLUNTARY_MIN_RATE_HZ = 4.0
MIN_AMPLITUDE_UV = 50.0


@dataclass(frozen=True, slots=True)
class EmgSettings:
    """How a needle recording is analysed: windows, band, normative table (None: the default table)."""

    window_s: float = WINDOW_S
    overlap_s: float = OVERLAP_S
    band_hz: tuple[float, float] = BAND_HZ
    norms: MuapNormTable | str | Path | None = None


def _check_condition(condition: str | None) -> None:
    if condition is not None and condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}; got {condition!r}")


def _in_core(times: np.ndarray, window: Window) -> np.ndarray:
    return (times >= window.core_start_s) & (times < window.core_stop_s)


def _trim_spontaneous(result: SpontaneousResult, window: Window, core_valid_s: float) -> SpontaneousResult:
    """The trains' discharges in the window's core; ``analysed_s`` becomes the core's valid seconds."""
    trains = []
    for train in result.trains:
        keep = _in_core(train.times_s, window)
        if keep.any():
            trains.append(train if keep.all() else replace(train, times_s=train.times_s[keep]))
    return replace(result, trains=tuple(trains), analysed_s=core_valid_s)


def _trim_units(result: Decomposition, window: Window) -> Decomposition:
    units: list[DecomposedUnit] = []
    for unit in result.units:
        keep = _in_core(unit.firing_times_s, window)
        if keep.any():
            units.append(unit if keep.all() else replace(unit, firing_times_s=unit.firing_times_s[keep]))
    return replace(result, units=tuple(units))


def _weighted_interference(parts: Sequence[tuple[Interference, float]]) -> Interference | None:
    """The window with the most signal stands for the recording (interference is judged at the strongest
    effort); windows are of similar length, so the largest envelope wins."""
    if not parts:
        return None
    return max(parts, key=lambda p: (p[0].envelope_uv, p[1]))[0]


def infer_condition(decomposition: Decomposition | None) -> str:
    """``minimal`` when regularly firing units are found (voluntary activity), ``rest`` otherwise."""
    if decomposition is None:
        return "rest"
    for unit in decomposition.units:
        rate_ok = unit.mean_rate_hz >= VOLUNTARY_MIN_RATE_HZ
        if unit.n_firings >= MIN_UNIT_FIRINGS and rate_ok and unit.isi_cv <= VOLUNTARY_MAX_ISI_CV:
            return "minimal"
    return "rest"


def _measure_units(decomposition: Decomposition, noise_uv: float) -> list[MotorUnitResult]:
    """Measure every unit's template and stability; a unit enters the muscle's MUAP summary (is *accepted*)
    when it fired at least :data:`MIN_UNIT_FIRINGS` times and its MUAP is sharp (rise time < 0.5 ms) and at
    least :data:`MIN_AMPLITUDE_UV` µV — the usual acceptance criteria of quantitative MUAP analysis for a
    MUAP recorded close to the needle (Stålberg et al. 1986); the others are reported with the reason. The
    rise time is counted in whole samples, so the limit allows one sample period (0.25 ms at 4 kHz,
    0.02 ms at 48 kHz) of quantization."""
    out = []
    for unit in decomposition.units:
        n_avg = max(1, min(unit.n_firings, int(unit.discharges_uv.shape[0]) or unit.n_firings))
        template_noise = noise_uv / math.sqrt(n_avg)
        measures = measure_muap(
            unit.template_uv, unit.fs_hz, template_index=unit.template_index, noise_uv=template_noise
        )
        stab = (
            stability(unit.discharges_uv, unit.fs_hz, template_index=unit.template_index)
            if unit.discharges_uv.shape[0] >= 3
            else None
        )
        reason = ""
        if unit.n_firings < MIN_UNIT_FIRINGS:
            reason = f"fewer than {MIN_UNIT_FIRINGS} firings"
        elif not measures.rise_time_ms < (max_rise := SHARP_RISE_MS + 1000.0 / unit.fs_hz):
            reason = f"rise time {measures.rise_time_ms:.2f} ms ≥ {max_rise:.2f} ms (distant unit)"
        elif measures.amplitude_uv < MIN_AMPLITUDE_UV:
            reason = f"amplitude {measures.amplitude_uv:.0f} µV < {MIN_AMPLITUDE_UV:g} µV"
        out.append(MotorUnitResult(unit, measures, stab, accepted=not reason, reject_reason=reason))
    return out


def analyze_windows(
    windows: Iterator[Window],
    *,
    source: str,
    channel: str,
    fs_hz: float,
    duration_s: float,
    muscle: str | None = None,
    age_years: float | None = None,
    condition: str | None = None,
    settings: EmgSettings | None = None,
) -> NeedleResult:
    """Analyse a recording given as consecutive windows (see the module docstring)."""
    _check_condition(condition)
    settings = settings or EmgSettings()
    timing = {"prepare": 0.0, "spontaneous": 0.0, "decompose": 0.0, "interference": 0.0}
    want_units = condition in (None, "minimal", "moderate")
    want_ip = condition in ("moderate", "maximal")
    spont_parts: list[SpontaneousResult] = []
    unit_parts: list[Decomposition] = []
    ip_parts: list[tuple[Interference, float]] = []
    valid_s = excluded_s = 0.0
    noise: list[tuple[float, float]] = []
    n_nonfinite = n_clipped = 0
    for window in windows:
        t0 = time.perf_counter()
        prep: Prepared = prepare(window.waveform, band_hz=settings.band_hz, start_s=window.start_s)
        timing["prepare"] += time.perf_counter() - t0
        share = (window.core_stop_s - window.core_start_s) / max(prep.duration_s, 1e-12)
        valid_s += prep.valid_s * share
        excluded_s += prep.excluded_s * share
        n_nonfinite += prep.n_nonfinite
        n_clipped += prep.n_clipped
        noise.append((prep.noise_uv, prep.valid_s))
        voluntary = False
        if want_units:
            t0 = time.perf_counter()
            part = decompose(prep)
            unit_parts.append(_trim_units(part, window))
            voluntary = infer_condition(part) != "rest"
            timing["decompose"] += time.perf_counter() - t0
        if condition == "rest" or (condition is None and not voluntary):
            t0 = time.perf_counter()
            spont_parts.append(_trim_spontaneous(analyze_spontaneous(prep), window, prep.valid_s * share))
            timing["spontaneous"] += time.perf_counter() - t0
        if want_ip:
            t0 = time.perf_counter()
            ip_parts.append((interference(prep), prep.valid_s))
            timing["interference"] += time.perf_counter() - t0
    weight = sum(w for _, w in noise)
    noise_uv = sum(n * w for n, w in noise) / weight if weight > 0 else 0.0
    decomposition = merge_decompositions(unit_parts) if unit_parts else None
    inferred = condition is None
    if condition is None:
        condition = infer_condition(decomposition)
    result = NeedleResult(
        file=source,
        channel=channel,
        muscle=muscle,
        age_years=age_years,
        condition=condition,
        condition_inferred=inferred,
        fs_hz=fs_hz,
        duration_s=duration_s,
        analysed_s=valid_s,
        excluded_s=excluded_s,
        noise_uv=noise_uv,
        n_nonfinite=n_nonfinite,
        n_clipped=n_clipped,
        timing_s=timing,
    )
    if excluded_s > 0:
        result.warnings.append(
            f"{excluded_s:.3f} s excluded from analysis ({n_nonfinite} non-finite and {n_clipped} clipped "
            "samples with their filter guard); nothing was interpolated"
        )
    t0 = time.perf_counter()
    if condition == "rest":
        result.spontaneous = merge_spontaneous(spont_parts) if spont_parts else None
    elif decomposition is not None:
        result.motor_units = _measure_units(decomposition, noise_uv)
        accepted = result.accepted_units
        result.summary = summarize([u.measures for u in accepted], [u.stability for u in accepted])
        result.recruitment = recruitment([u.unit.firing_times_s for u in accepted], valid_s)
    result.interference = _weighted_interference(ip_parts)
    result.classification = classify_muscle(
        result.summary,
        muscle=muscle or "",
        age_years=age_years,
        spontaneous_grades=result.spontaneous.grades if result.spontaneous is not None else None,
        recruitment=result.recruitment,
        interference=result.interference if condition == "maximal" else None,
        norms=settings.norms,
    )
    timing["measure_classify"] = time.perf_counter() - t0
    return result


def analyze_needle(
    waveform: Waveform,
    *,
    muscle: str | None = None,
    age_years: float | None = None,
    condition: str | None = None,
    settings: EmgSettings | None = None,
) -> NeedleResult:
    """Analyse an in-memory needle recording (any units, ≥ 1 kHz)."""
    settings = settings or EmgSettings()
    return analyze_windows(
        memory_windows(waveform, settings.window_s, settings.overlap_s),
        source=waveform.source,
        channel=waveform.channel,
        fs_hz=waveform.fs_hz,
        duration_s=waveform.duration_s,
        muscle=muscle,
        age_years=age_years,
        condition=condition,
        settings=settings,
    )


def analyze_needle_file(
    path: str | Path,
    channel: int | str = 0,
    *,
    muscle: str | None = None,
    age_years: float | None = None,
    condition: str | None = None,
    settings: EmgSettings | None = None,
) -> NeedleResult:
    """Analyse one channel of a recording file, read window by window (bounded memory for any length)."""
    from edxkit.io.dispatch import open_recording

    settings = settings or EmgSettings()
    with open_recording(path) as recording:
        info = recording.channel(channel)
        return analyze_windows(
            recording_windows(recording, channel, window_s=settings.window_s, overlap_s=settings.overlap_s),
            source=str(path),
            channel=info.label,
            fs_hz=info.fs_hz,
            duration_s=info.duration_s,
            muscle=muscle,
            age_years=age_years,
            condition=condition,
            settings=settings,
        )
