"""F waves: supramaximal stimuli at the distal site, each with the M response and a small late response.

Per stimulus an F wave is present with probability ``persistence``; it is made of ``1 + Poisson(λ)``
motor neurons that backfire (drawn without replacement, weighted by ``size²``: large, fast motor
neurons backfire more often, which keeps chronodispersion near the normative 4–6 ms), each
producing its own surface MUAP (the same unit potential as in the M response) at

    F latency = distal arrival (terminal conduction + NMJ) + 2 · (time from the stimulation site
    to the cord) + turnaround (1 ms ± 0.05 ms per discharge).

Only axons that conduct through every segment up to the cord can backfire, so proximal block,
demyelination and axonal loss act on F waves as on the M response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edxkit.simulate.ncs.artifacts import RecordingSpec
from edxkit.simulate.ncs.conduction import Conduction
from edxkit.simulate.ncs.model import NerveModel, build_model, conduct_model, nerve_segments
from edxkit.simulate.ncs.params import NerveParams, Pathology, SiteSpec, resolve_sites
from edxkit.simulate.ncs.potentials import ResponseSum, UnitSum
from edxkit.simulate.ncs.recording import assemble, series_labels
from edxkit.simulate.ncs.result import EvokedSimulation
from edxkit.simulate.ncs.truth import ResponseTruth, measure_response


def _f_latencies_ms(cond: Conduction, turnaround_ms: float) -> np.ndarray:
    """F latency of every axon (ms), NaN for axons that do not reach the cord."""
    lat = cond.arrival_ms(0) + 2.0 * cond.time_ms[1:].sum(axis=0) + turnaround_ms
    return np.where(cond.conducting[-1], lat, np.nan)


def _draw_f(
    rng: np.random.Generator, model: NerveModel, f_lat: np.ndarray, persistence: float, mean_extra: float
) -> UnitSum | None:
    """One stimulus' F response (None when there is none)."""
    present = rng.random() < persistence
    n_units = 1 + int(rng.poisson(mean_extra))
    jitter = rng.normal(0.0, 0.05, size=f_lat.shape)
    eligible = np.flatnonzero(np.isfinite(f_lat))
    if not present or eligible.size == 0:
        return None
    weights = model.population.size[eligible] ** 2
    chosen = rng.choice(eligible, size=min(n_units, eligible.size), replace=False, p=weights / weights.sum())
    return model.response(f_lat + jitter, np.sort(chosen))


def _f_truth(k: int, m: dict[str, Any], f: ResponseTruth) -> dict[str, Any]:
    return {
        "stimulus": k + 1,
        **m,
        "f_present": f.present,
        "f_n_units": f.n_units,
        "f_arrival_ms": f.arrival_ms,
        "f_onset_latency_ms": f.onset_latency_ms,
        "f_peak_latency_ms": f.peak_latency_ms,
        "f_amplitude_mv": f.peak_to_peak,
        "f_negative_amplitude_mv": f.amplitude,
        "f_duration_ms": f.duration_ms,
        "f_negative_end_ms": f.negative_end_ms,
    }


def f_summary(truth: Sequence[dict[str, Any]], m: ResponseTruth, cord_mm: float) -> dict[str, Any]:
    """Study-level F truth: min/mean/max latency, persistence, chronodispersion, FWCV, amplitudes."""
    lat = [t["f_onset_latency_ms"] for t in truth if t["f_present"]]
    amp = [t["f_amplitude_mv"] for t in truth if t["f_present"]]
    f_min = min(lat) if lat else None
    fwcv = None
    if f_min is not None and m.onset_latency_ms is not None and f_min - m.onset_latency_ms - 1.0 > 0:
        fwcv = 2.0 * cord_mm / (f_min - m.onset_latency_ms - 1.0)
    return {
        "n_stimuli": len(truth),
        "n_f": len(lat),
        "persistence_pct": 100.0 * len(lat) / len(truth) if truth else None,
        "f_min_latency_ms": f_min,
        "f_mean_latency_ms": float(np.mean(lat)) if lat else None,
        "f_max_latency_ms": max(lat) if lat else None,
        "chronodispersion_ms": max(lat) - min(lat) if lat else None,
        "f_mean_amplitude_mv": float(np.mean(amp)) if amp else None,
        "f_max_amplitude_mv": max(amp) if amp else None,
        "m_amplitude_mv": m.amplitude,
        "m_peak_to_peak_mv": m.peak_to_peak,
        "f_m_ratio_pct": 100.0 * float(np.mean(amp)) / m.peak_to_peak if amp and m.peak_to_peak else None,
        "fwcv_m_s": fwcv,
        "cord_distance_mm": cord_mm,
    }


def simulate_f_waves(
    rng: np.random.Generator,
    params: NerveParams,
    sites: Sequence[SiteSpec] | None = None,
    *,
    n_stimuli: int = 20,
    persistence: float | None = None,
    mean_extra_units: float = 1.0,
    turnaround_ms: float = 1.0,
    pathology: Pathology | None = None,
    temperature_c: float | None = None,
    snr_db: float | None = 60.0,
    artifact: bool = True,
    drift: bool = True,
    fs_hz: float = 20000.0,
    pre_ms: float = 5.0,
    sweep_ms: float | None = None,
    artifact_scale: float = 1.0,
    drift_fraction: float = 0.005,
    saturation: float | None = None,
) -> EvokedSimulation:
    """Simulate an F-wave series (mV sweeps) from supramaximal stimulation at the distal site.

    Parameters
    ----------
    params : NerveParams
        Motor nerve (``normal_params(nerve, "f_wave", height_cm=...)``; ``cord_distance_mm``
        scales with height).
    sites : sequence of SiteSpec, optional
        Site list whose segments the F path crosses (default ``params.sites``); the first site is
        stimulated; pathology keys name these segments or ``"proximal"`` (root/plexus path).
    n_stimuli : int
        Number of stimuli (sweeps).
    persistence : float, optional
        Probability (0–1) that a stimulus evokes an F wave (default ``params.f_persistence``).
    mean_extra_units : float
        Mean number of motor neurons beyond the first in one F wave (Poisson).
    turnaround_ms : float
        Central turnaround time at the motor neuron, ms.
    snr_db : float or None
        SNR of the M response (default 60 dB, i.e. ~10 µV noise for a 10 mV M; F waves are ~1–5 % of M).
    sweep_ms : float, optional
        Total sweep length in ms (default 60 upper limb, 100 lower limb).
    Other parameters as :func:`simulate_motor`.
    """
    persist = params.f_persistence if persistence is None else float(persistence)
    if not (0.0 <= persist <= 1.0) or n_stimuli < 1 or params.kind != "motor":
        raise ValueError(
            f"F waves need motor params, persistence in [0, 1] and n_stimuli >= 1; got {persist!r}"
        )
    total_ms = sweep_ms if sweep_ms is not None else (60.0 if params.limb == "upper" else 100.0)
    recording = RecordingSpec(
        fs_hz, pre_ms, total_ms, snr_db, artifact, drift, artifact_scale, drift_fraction, saturation
    )
    protocol = FProtocol(n_stimuli, persist, mean_extra_units, turnaround_ms)
    site_list = tuple(sites) if sites is not None else params.sites
    return _simulate(rng, params, site_list, protocol, pathology or Pathology(), temperature_c, recording)


@dataclass(frozen=True, slots=True)
class FProtocol:
    """Number of stimuli, persistence (0–1), mean extra units per F and turnaround (ms)."""

    n_stimuli: int
    persistence: float
    mean_extra_units: float
    turnaround_ms: float


def _simulate(
    rng: np.random.Generator,
    params: NerveParams,
    sites: Sequence[SiteSpec],
    protocol: FProtocol,
    pathology: Pathology,
    temperature_c: float | None,
    recording: RecordingSpec,
) -> EvokedSimulation:
    geometry = resolve_sites(sites)
    model = build_model(rng, params, temperature_c=temperature_c)
    cond = conduct_model(rng, model, nerve_segments(params, geometry, to_cord=True), pathology)
    m_fn = model.response(cond.arrival_ms(0), cond.conducting[0])
    m_truth = measure_response(m_fn)
    f_lat = _f_latencies_ms(cond, protocol.turnaround_ms)
    n = protocol.n_stimuli
    f_fns = [_draw_f(rng, model, f_lat, protocol.persistence, protocol.mean_extra_units) for _ in range(n)]
    m_dict = m_truth.to_dict("mV")
    truth = [
        _f_truth(k, m_dict, measure_response(f) if f is not None else ResponseTruth(False))
        for k, f in enumerate(f_fns)
    ]
    summary = f_summary(truth, m_truth, params.cord_distance_mm)
    return assemble(
        rng,
        kind="f_wave",
        model=model,
        pathology=pathology,
        recording=recording,
        responses=[ResponseSum((m_fn,) if f is None else (m_fn, f)) for f in f_fns],
        reference=[m_truth.amplitude] * n,
        truth=truth,
        labels=series_labels(params, "f_wave", geometry.names[0], [{}] * n),
        artifact_factor=1.0,
        summary={**summary, "persistence_parameter": protocol.persistence},
    )
