"""Turn clean responses into recorded sweeps (:class:`edxkit.waveform.Waveform`) with their parts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edxkit.simulate.ncs.artifacts import (
    FloatArray,
    RecordingSpec,
    baseline_drift,
    stimulus_artifact,
    white_noise,
)
from edxkit.simulate.ncs.model import NerveModel
from edxkit.simulate.ncs.params import NerveParams, Pathology
from edxkit.simulate.ncs.potentials import Response, parts_of
from edxkit.simulate.ncs.result import EvokedSimulation
from edxkit.waveform import Units, Waveform

SOURCE = "edxkit.simulate.ncs"


@dataclass(frozen=True, slots=True)
class Recorded:
    """Sweeps and the parts they are the sum of (before any saturation clipping)."""

    sweeps: list[Waveform]
    clean: list[Waveform]
    artifacts: list[FloatArray]
    drifts: list[FloatArray]
    noises: list[FloatArray]
    noise_rms: list[float]


def _waveform(
    samples: FloatArray, spec: RecordingSpec, units: Units, channel: str, meta: dict[str, str]
) -> Waveform:
    return Waveform(
        samples=np.asarray(samples, dtype=np.float64),
        fs_hz=spec.fs_hz,
        units=units,
        channel=channel,
        source=SOURCE,
        start_s=0.0,
        stimulus_s=spec.pre_ms / 1000.0,
        metadata=dict(meta),
    )


def _noise_levels(spec: RecordingSpec, amplitudes: Sequence[float | None], fallback: float) -> list[float]:
    """Noise rms of every sweep: per study (first present response) or per sweep."""
    if spec.noise_per_sweep:
        return [spec.noise_rms(a if a else fallback) for a in amplitudes]
    reference = next((a for a in amplitudes if a), fallback)
    return [spec.noise_rms(reference)] * len(amplitudes)


def _sampled(fn: Response, t_ms: FloatArray, cache: dict[int, FloatArray]) -> FloatArray:
    """The clean response at the sample times; parts shared between sweeps are evaluated once."""
    total = np.zeros_like(t_ms)
    for part in parts_of(fn):
        if id(part) not in cache:
            cache[id(part)] = part(t_ms)
        total += cache[id(part)]
    return total


def record(
    rng: np.random.Generator,
    responses: Sequence[Response],
    amplitudes: Sequence[float | None],
    spec: RecordingSpec,
    *,
    units: Units,
    channels: Sequence[str],
    metadata: Sequence[dict[str, str]],
    fallback_amplitude: float,
    artifact_factor: float,
) -> Recorded:
    """Sample each clean response and add artifact, drift and noise.

    ``amplitudes`` are the truth negative-peak amplitudes (None when absent) used to set the noise
    (SNR) and the artifact/drift sizes; ``fallback_amplitude`` (the healthy response size) is used
    when no response is present. Random draws happen for every part even when it is switched off,
    so switching one off leaves the others unchanged.
    """
    t_ms = spec.times_ms()
    levels = _noise_levels(spec, amplitudes, fallback_amplitude)
    reference = next((a for a in amplitudes if a), fallback_amplitude)
    out = Recorded([], [], [], [], [], levels)
    cache: dict[int, FloatArray] = {}
    for fn, channel, meta, rms in zip(responses, channels, metadata, levels, strict=True):
        clean = _sampled(fn, t_ms, cache)
        art = stimulus_artifact(rng, t_ms, spec.fs_hz, artifact_factor * spec.artifact_scale * reference)
        drift = baseline_drift(rng, t_ms, spec.drift_fraction * reference)
        noise = white_noise(rng, t_ms.size, rms)
        art = art if spec.artifact else np.zeros_like(art)
        drift = drift if spec.drift else np.zeros_like(drift)
        total = clean + art + drift + noise
        if spec.saturation is not None:
            total = np.clip(total, -spec.saturation, spec.saturation)
        out.sweeps.append(_waveform(total, spec, units, channel, meta))
        out.clean.append(_waveform(clean, spec, units, channel, meta))
        out.artifacts.append(art)
        out.drifts.append(drift)
        out.noises.append(noise)
    return out


@dataclass(frozen=True, slots=True)
class Labels:
    """Channel names and per-sweep metadata of a series."""

    channels: list[str]
    metadata: list[dict[str, str]]


def assemble(
    rng: np.random.Generator,
    *,
    kind: str,
    model: NerveModel,
    pathology: Pathology,
    recording: RecordingSpec,
    responses: Sequence[Response],
    reference: Sequence[float | None],
    truth: list[dict[str, Any]],
    labels: Labels,
    artifact_factor: float,
    summary: dict[str, Any] | None = None,
    segments: list[dict[str, Any]] | None = None,
) -> EvokedSimulation:
    """Record the clean responses and bundle everything into an :class:`EvokedSimulation`.

    Every truth row gets ``within_sweep`` (and ``f_``/``m_``/``h_`` variants): whether the
    response's negative phase ends before the sweep does (None when the response is absent),
    ``noise_rms_mv``/``noise_rms_uv`` and ``snr_db`` (with the same prefixes) of its sweep.
    """
    mark_within_sweep(truth, recording.sweep_ms - recording.pre_ms)
    params = model.params
    rec = record(
        rng,
        responses,
        reference,
        recording,
        units=params.units,
        channels=labels.channels,
        metadata=labels.metadata,
        fallback_amplitude=params.amplitude,
        artifact_factor=artifact_factor,
    )
    mark_snr(truth, rec.noise_rms, params.units)
    return EvokedSimulation(
        kind=kind,
        params=params,
        pathology=pathology,
        temperature_c=model.temperature_c,
        recording=recording,
        sweeps=rec.sweeps,
        clean=rec.clean,
        artifacts=rec.artifacts,
        drifts=rec.drifts,
        noises=rec.noises,
        noise_rms=rec.noise_rms,
        responses=list(responses),
        truth=truth,
        segments=segments or [],
        summary=summary or {},
    )


def series_labels(params: NerveParams, kind: str, site: str, extra: Sequence[dict[str, str]]) -> Labels:
    """Labels ``site#1 … site#n`` of a series, each with the nerve metadata plus its ``extra`` keys."""
    base = {"nerve": params.nerve, "kind": kind, "record": params.record, "site": site}
    return Labels([f"{site}#{k + 1}" for k in range(len(extra))], [{**base, **e} for e in extra])


def mark_within_sweep(truth: list[dict[str, Any]], post_ms: float) -> None:
    """Add ``<prefix>within_sweep`` next to every ``<prefix>negative_end_ms`` of the truth rows."""
    for row in truth:
        for prefix in ("", "m_", "f_", "h_"):
            end = row.get(f"{prefix}negative_end_ms", ...)
            if end is not ...:
                row[f"{prefix}within_sweep"] = None if end is None else bool(end <= post_ms)


def mark_snr(truth: list[dict[str, Any]], noise_rms: Sequence[float], units: str) -> None:
    """Add the sweep's noise rms and the SNR of each negative-peak amplitude to the truth rows."""
    u = units.lower()
    keys = {
        "": f"amplitude_{u}",
        "m_": f"m_amplitude_{u}",
        "h_": f"h_amplitude_{u}",
        "f_": f"f_negative_amplitude_{u}",
    }
    for row, rms in zip(truth, noise_rms, strict=True):
        row[f"noise_rms_{u}"] = rms
        for prefix, key in keys.items():
            if key in row:
                amp = row[key]
                row[f"{prefix}snr_db"] = 20.0 * math.log10(amp / rms) if amp and rms > 0 else None
