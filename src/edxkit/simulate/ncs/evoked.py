"""Motor (CMAP) and sensory (SNAP) studies stimulated at several sites, with exact truth.

Each stimulation site gives one sweep: the sum of the unit potentials of every axon that conducts
from that site to the recording electrode, each arriving at its own time (distal latency + the sum
of segment conduction times). Temporal dispersion and phase cancellation at proximal sites emerge
from the spread of axon CVs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from edxkit.simulate.ncs.artifacts import RecordingSpec
from edxkit.simulate.ncs.conduction import Conduction
from edxkit.simulate.ncs.model import NerveModel, build_model, conduct_model, nerve_segments
from edxkit.simulate.ncs.params import NerveParams, Pathology, SiteGeometry, SiteSpec, resolve_sites
from edxkit.simulate.ncs.potentials import UnitSum
from edxkit.simulate.ncs.recording import Labels, assemble
from edxkit.simulate.ncs.result import EvokedSimulation
from edxkit.simulate.ncs.truth import ResponseTruth, measure_response, pct_change

ARTIFACT_FACTOR = {"motor": 2.0, "sensory": 10.0}


def _fastest(values: np.ndarray, keep: np.ndarray) -> float | None:
    return float(values[keep].max()) if keep.any() else None


def _site_truth(
    geometry: SiteGeometry, truth: ResponseTruth, params: NerveParams, cond: Conduction, k: int
) -> dict[str, Any]:
    """Truth of the sweep from site ``k``: its distance (and segment from the previous site)."""
    distance_mm = geometry.distances_mm[k]
    out: dict[str, Any] = {
        "site": geometry.names[k],
        "distance_mm": distance_mm,
        "segment_mm": geometry.segments_mm[k - 1] if k > 0 else None,
        **truth.to_dict(params.units),
    }
    if params.kind == "sensory" and k == 0:
        onset = truth.onset_latency_ms
        out["cv_m_s"] = distance_mm / onset if onset else None
        out["model_cv_fastest_m_s"] = _fastest(cond.cv_m_s[0], cond.conducting[0])
    return out


def _segment_truth(
    geometry: SiteGeometry, truths: list[ResponseTruth], cond: Conduction, pathology: Pathology, j: int
) -> dict[str, Any]:
    """Truth of the segment from site ``j−1`` to site ``j``."""
    dist, prox = truths[j - 1], truths[j]
    seg_mm = geometry.segments_mm[j - 1]
    name = geometry.names[j]
    d_onset = (
        None
        if dist.onset_latency_ms is None or prox.onset_latency_ms is None
        else (prox.onset_latency_ms - dist.onset_latency_ms)
    )
    d_arrival = (
        None if dist.arrival_ms is None or prox.arrival_ms is None else prox.arrival_ms - dist.arrival_ms
    )
    entering = cond.conducting[j - 1]
    blocked = int((cond.blocked[j] & entering).sum())
    return {
        "from": geometry.names[j - 1],
        "to": name,
        "distance_mm": seg_mm,
        "cv_m_s": seg_mm / d_onset if d_onset and d_onset > 0 else None,
        "model_cv_fastest_m_s": _fastest(cond.cv_m_s[j], cond.conducting[j]),
        "model_cv_arrival_m_s": seg_mm / d_arrival if d_arrival and d_arrival > 0 else None,
        "amplitude_drop_pct": _neg(pct_change(dist.amplitude, prox.amplitude)),
        "area_drop_pct": _neg(pct_change(dist.area, prox.area)),
        "duration_increase_pct": pct_change(dist.duration_ms, prox.duration_ms),
        "conduction_block_pct": 100.0 * blocked / max(int(entering.sum()), 1),
        "temporal_dispersion": pathology.temporal_dispersion.get(name, 0.0),
        "focal_slowing": pathology.focal_slowing.get(name, 0.0),
    }


def _neg(value: float | None) -> float | None:
    return None if value is None else -value


def _responses(model: NerveModel, cond: Conduction, n_sites: int) -> list[UnitSum]:
    return [model.response(cond.arrival_ms(k), cond.conducting[k]) for k in range(n_sites)]


def simulate_nerve(
    rng: np.random.Generator,
    params: NerveParams,
    sites: Sequence[SiteSpec] | None,
    *,
    pathology: Pathology | None,
    temperature_c: float | None,
    recording: RecordingSpec,
    orthodromic: bool = False,
) -> EvokedSimulation:
    """Shared body of :func:`simulate_motor` and :func:`simulate_sensory`."""
    pathology = pathology or Pathology()
    geometry = resolve_sites(tuple(sites) if sites is not None else params.sites)
    model = build_model(rng, params, temperature_c=temperature_c, orthodromic=orthodromic)
    cond = conduct_model(rng, model, nerve_segments(params, geometry), pathology)
    fns = _responses(model, cond, len(geometry.names))
    truths = [measure_response(fn) for fn in fns]
    distances = geometry.distances_mm
    site_truth = [_site_truth(geometry, t, params, cond, k) for k, t in enumerate(truths)]
    segments = [_segment_truth(geometry, truths, cond, pathology, j) for j in range(1, len(truths))]
    labels = Labels(
        list(geometry.names),
        [_site_meta(params, n, d) for n, d in zip(geometry.names, distances, strict=True)],
    )
    return assemble(
        rng,
        kind=params.kind,
        model=model,
        pathology=pathology,
        recording=recording,
        responses=fns,
        reference=[t.amplitude for t in truths],
        truth=site_truth,
        labels=labels,
        artifact_factor=ARTIFACT_FACTOR[params.kind],
        segments=segments,
        summary={"orthodromic": orthodromic} if params.kind == "sensory" else {},
    )


def _site_meta(params: NerveParams, site: str, distance_mm: float) -> dict[str, str]:
    return {
        "nerve": params.nerve,
        "kind": params.kind,
        "record": params.record,
        "site": site,
        "distance_mm": f"{distance_mm:g}",
    }


def _require_kind(params: NerveParams, kind: str) -> None:
    if params.kind != kind:
        raise ValueError(f"{params.nerve} parameters are {params.kind}; use normal_params(..., {kind!r})")


def simulate_motor(
    rng: np.random.Generator,
    params: NerveParams,
    sites: Sequence[SiteSpec] | None = None,
    *,
    pathology: Pathology | None = None,
    temperature_c: float | None = None,
    snr_db: float | None = 30.0,
    artifact: bool = True,
    drift: bool = True,
    fs_hz: float = 20000.0,
    pre_ms: float = 5.0,
    sweep_ms: float = 50.0,
    artifact_scale: float = 1.0,
    drift_fraction: float = 0.03,
    saturation: float | None = None,
    noise_per_sweep: bool = False,
) -> EvokedSimulation:
    """Simulate a motor conduction study: one CMAP sweep (mV) per stimulation site.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness (same seed → same sweeps and truth).
    params : NerveParams
        Motor nerve physiology (:func:`normal_params`).
    sites : sequence of SiteSpec, optional
        Stimulation sites, distal first (default ``params.sites``).
    pathology : Pathology, optional
        Disease (default healthy).
    temperature_c : float, optional
        Limb temperature in °C (default ``params.reference_temp_c``).
    snr_db : float or None
        ``20·log10(|distal negative peak| / noise rms)``; the same noise rms is used for every
        site unless ``noise_per_sweep``; None gives no noise. For an absent response the healthy
        amplitude ``params.amplitude`` is the reference.
    artifact, drift : bool
        Add a stimulus artifact and a slow baseline drift.
    fs_hz, pre_ms, sweep_ms : float
        Sampling rate (Hz), pre-stimulus baseline (ms) and total sweep length including it (ms).
    artifact_scale, drift_fraction, saturation, noise_per_sweep
        See :class:`~edxkit.simulate.ncs.artifacts.RecordingSpec`.
    """
    _require_kind(params, "motor")
    recording = RecordingSpec(
        fs_hz,
        pre_ms,
        sweep_ms,
        snr_db,
        artifact,
        drift,
        artifact_scale,
        drift_fraction,
        saturation,
        noise_per_sweep,
    )
    return simulate_nerve(
        rng, params, sites, pathology=pathology, temperature_c=temperature_c, recording=recording
    )


def simulate_sensory(
    rng: np.random.Generator,
    params: NerveParams,
    sites: Sequence[SiteSpec] | None = None,
    *,
    pathology: Pathology | None = None,
    temperature_c: float | None = None,
    orthodromic: bool = False,
    snr_db: float | None = 30.0,
    artifact: bool = True,
    drift: bool = True,
    fs_hz: float = 40000.0,
    pre_ms: float = 5.0,
    sweep_ms: float = 20.0,
    artifact_scale: float = 1.0,
    drift_fraction: float = 0.03,
    saturation: float | None = None,
    noise_per_sweep: bool = False,
) -> EvokedSimulation:
    """Simulate a sensory conduction study: one SNAP sweep (µV) per stimulation site.

    Antidromic by default (recording over the digit/skin branch, small initial positivity);
    ``orthodromic=True`` gives a smaller SNAP (×0.5) with a larger initial positivity. The
    distal site's truth carries ``cv_m_s = distance_mm / onset_latency_ms``. Other parameters as
    :func:`simulate_motor`.
    """
    _require_kind(params, "sensory")
    recording = RecordingSpec(
        fs_hz,
        pre_ms,
        sweep_ms,
        snr_db,
        artifact,
        drift,
        artifact_scale,
        drift_fraction,
        saturation,
        noise_per_sweep,
    )
    return simulate_nerve(
        rng,
        params,
        sites,
        pathology=pathology,
        temperature_c=temperature_c,
        recording=recording,
        orthodromic=orthodromic,
    )
