"""H reflex (tibial nerve at the popliteal fossa → soleus) at rising stimulus intensity.

Per sweep at intensity ``I`` (mA):

* M wave: motor axons whose electrical threshold (log-normal around ``m_threshold_ma``, larger
  axons lower) is below ``I`` (±2 % trial-to-trial) fire directly;
* Ia volley: fraction ``a(I) = Φ((I − ia_threshold_ma)/ia_sd_ma)`` of afferents (less under a
  ``"proximal"`` conduction block);
* reflex: motor neurons fire in size order (small first) up to ``h_pool_fraction·a(I)·e``, ``e`` a
  trial excitability (log-normal, sd 10 %), reduced by recurrent (Renshaw) inhibition
  ``1 − recurrent_inhibition·(M fraction)``; a neuron whose axon was directly stimulated produces
  no H (collision with its antidromic impulse), so H rises then falls while M grows;
* H latency of a unit = afferent time (cord distance / Ia CV) + ``central_delay_ms`` + efferent
  time through the proximal segment + its M latency, ±0.1 ms synaptic jitter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.ncs.artifacts import RecordingSpec
from edxkit.simulate.ncs.conduction import Conduction
from edxkit.simulate.ncs.fibres import normal_cdf, normal_ppf
from edxkit.simulate.ncs.model import NerveModel, build_model, conduct_model, nerve_segments
from edxkit.simulate.ncs.normal import normal_params
from edxkit.simulate.ncs.params import PROXIMAL, NerveParams, Pathology, resolve_sites
from edxkit.simulate.ncs.potentials import ResponseSum, UnitSum
from edxkit.simulate.ncs.recording import assemble, series_labels
from edxkit.simulate.ncs.result import EvokedSimulation
from edxkit.simulate.ncs.truth import ResponseTruth, measure_response


@dataclass(frozen=True, slots=True)
class ReflexSpec:
    """H-reflex physiology (thresholds in mA, delays in ms); see the module docstring."""

    m_threshold_ma: float = 4.8
    m_threshold_sigma: float = 0.12
    ia_threshold_ma: float = 2.5
    ia_sd_ma: float = 0.45
    h_pool_fraction: float = 0.75
    recurrent_inhibition: float = 0.8
    ia_cv_factor: float = 1.2
    central_delay_ms: float = 1.0


def _afferent_ms(params: NerveParams, model: NerveModel, pathology: Pathology, spec: ReflexSpec) -> float:
    """Ia conduction time from the popliteal fossa to the cord, ms."""
    cv = spec.ia_cv_factor * params.cv_m_s * model.temperature.cv_factor * (1.0 - pathology.demyelination)
    dist = params.cord_distance_mm
    lesion = min(pathology.lesion_length_mm.get(PROXIMAL, dist), dist)
    slowing = pathology.focal_slowing.get(PROXIMAL, 0.0)
    return (dist - lesion) / cv + lesion / (cv * (1.0 - slowing))


def _thresholds(rng: np.random.Generator, model: NerveModel, spec: ReflexSpec) -> tuple[NDArray, NDArray]:
    """Electrical (mA) and reflex (0–1, small first) thresholds of every motor neuron."""
    n = model.population.n
    z = normal_ppf(model.population.rank)
    electrical = spec.m_threshold_ma * np.exp(
        spec.m_threshold_sigma * (-0.6 * z + 0.8 * rng.standard_normal(n))
    )
    reflex = normal_cdf(z + 0.15 * rng.standard_normal(n))
    return electrical, np.asarray(reflex, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Arc:
    cond: Conduction
    electrical: NDArray
    reflex: NDArray
    h_latency_ms: NDArray
    ia_block: float


def _sweep(
    rng: np.random.Generator, model: NerveModel, arc: _Arc, spec: ReflexSpec, intensity_ma: float
) -> tuple[UnitSum, UnitSum]:
    """M and H responses at one intensity."""
    n = model.population.n
    direct = arc.cond.conducting[0] & (arc.electrical * (1.0 + 0.02 * rng.standard_normal()) <= intensity_ma)
    excitability = float(np.exp(0.1 * rng.standard_normal()))
    jitter = rng.normal(0.0, 0.1, n)
    volley = float(normal_cdf(np.array([(intensity_ma - spec.ia_threshold_ma) / spec.ia_sd_ma]))[0]) * (
        1.0 - arc.ia_block
    )
    m_fraction = float(direct.sum()) / n
    drive = (
        spec.h_pool_fraction * volley * excitability * max(1.0 - spec.recurrent_inhibition * m_fraction, 0.0)
    )
    reflex = arc.cond.conducting[-1] & (arc.reflex < drive) & ~direct
    m_fn = model.response(arc.cond.arrival_ms(0), direct)
    return m_fn, model.response(arc.h_latency_ms + jitter, reflex)


def _h_truth(intensity: float, m: ResponseTruth, h: ResponseTruth) -> dict[str, Any]:
    return {
        "intensity_ma": intensity,
        "m_present": m.present,
        "m_n_units": m.n_units,
        "m_onset_latency_ms": m.onset_latency_ms,
        "m_peak_latency_ms": m.peak_latency_ms,
        "m_amplitude_mv": m.amplitude,
        "m_peak_to_peak_mv": m.peak_to_peak,
        "m_negative_end_ms": m.negative_end_ms,
        "h_present": h.present,
        "h_n_units": h.n_units,
        "h_arrival_ms": h.arrival_ms,
        "h_onset_latency_ms": h.onset_latency_ms,
        "h_peak_latency_ms": h.peak_latency_ms,
        "h_amplitude_mv": h.amplitude,
        "h_peak_to_peak_mv": h.peak_to_peak,
        "h_negative_end_ms": h.negative_end_ms,
    }


def h_summary(truth: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Study-level H truth: latency, Hmax, Mmax, their ratio and the intensities."""
    h_rows = [t for t in truth if t["h_present"]]
    m_rows = [t for t in truth if t["m_present"]]
    hmax = max(h_rows, key=lambda t: t["h_peak_to_peak_mv"], default=None)
    mmax = max((t["m_peak_to_peak_mv"] for t in m_rows), default=None)
    return {
        "h_latency_ms": min((t["h_onset_latency_ms"] for t in h_rows), default=None),
        "h_latency_at_hmax_ms": hmax["h_onset_latency_ms"] if hmax else None,
        "hmax_mv": hmax["h_peak_to_peak_mv"] if hmax else None,
        "intensity_hmax_ma": hmax["intensity_ma"] if hmax else None,
        "mmax_mv": mmax,
        "hmax_mmax": hmax["h_peak_to_peak_mv"] / mmax if hmax and mmax else None,
        "h_threshold_ma": min((t["intensity_ma"] for t in h_rows), default=None),
        "m_threshold_ma": min((t["intensity_ma"] for t in m_rows), default=None),
        "m_latency_ms": min((t["m_onset_latency_ms"] for t in m_rows), default=None),
    }


def _build_arc(
    rng: np.random.Generator, params: NerveParams, model: NerveModel, pathology: Pathology, spec: ReflexSpec
) -> _Arc:
    geometry = resolve_sites(params.sites[:1])
    cond = conduct_model(rng, model, nerve_segments(params, geometry, to_cord=True), pathology)
    electrical, reflex = _thresholds(rng, model, spec)
    efferent = cond.time_ms[1:].sum(axis=0)
    h_lat = (
        cond.arrival_ms(0) + efferent + _afferent_ms(params, model, pathology, spec) + spec.central_delay_ms
    )
    return _Arc(cond, electrical, reflex, h_lat, pathology.conduction_block.get(PROXIMAL, 0.0))


def simulate_h_reflex(
    rng: np.random.Generator,
    params: NerveParams | None = None,
    *,
    intensities_ma: Sequence[float] | None = None,
    reflex: ReflexSpec | None = None,
    pathology: Pathology | None = None,
    temperature_c: float | None = None,
    snr_db: float | None = 40.0,
    artifact: bool = True,
    drift: bool = True,
    fs_hz: float = 20000.0,
    pre_ms: float = 5.0,
    sweep_ms: float = 70.0,
    artifact_scale: float = 1.0,
    drift_fraction: float = 0.01,
    saturation: float | None = None,
) -> EvokedSimulation:
    """Simulate an H-reflex recruitment series (soleus, mV), one sweep per intensity.

    Parameters
    ----------
    params : NerveParams, optional
        ``normal_params("tibial", "h_reflex", age_years=..., height_cm=...)`` by default; its first
        site is the stimulation site (popliteal fossa) and ``cord_distance_mm`` the reflex path.
    intensities_ma : sequence of float, optional
        Stimulus intensities in mA, in order (default 1.0–7.0 mA in 0.25 mA steps).
    reflex : ReflexSpec, optional
        Thresholds, reflex gain, recurrent inhibition and central delay.
    pathology : Pathology, optional
        ``"proximal"`` entries act on the reflex arc (S1 root): focal slowing delays H, block
        shrinks the Ia volley and the efferent discharge.
    snr_db : float or None
        SNR of the maximal M wave (Mmax, baseline to negative peak).
    Other parameters as :func:`simulate_motor`; the real sweeps in ``rcf-soleus-hreflex`` are
    3.2 kHz, 0–60 ms (``fs_hz=3200, pre_ms=0, sweep_ms=60``).
    """
    levels = [float(i) for i in (np.arange(1.0, 7.01, 0.25) if intensities_ma is None else intensities_ma)]
    if not levels or any(not (np.isfinite(i) and i >= 0) for i in levels):
        raise ValueError("intensities_ma must be a non-empty list of finite intensities >= 0 mA")
    recording = RecordingSpec(
        fs_hz, pre_ms, sweep_ms, snr_db, artifact, drift, artifact_scale, drift_fraction, saturation
    )
    params = params or normal_params("tibial", "h_reflex")
    spec = reflex or ReflexSpec()
    return _simulate(rng, params, levels, spec, pathology or Pathology(), temperature_c, recording)


def _simulate(
    rng: np.random.Generator,
    params: NerveParams,
    levels: list[float],
    spec: ReflexSpec,
    pathology: Pathology,
    temperature_c: float | None,
    recording: RecordingSpec,
) -> EvokedSimulation:
    if params.kind != "motor":
        raise ValueError(f"the H reflex needs motor parameters, got {params.kind}")
    model = build_model(rng, params, temperature_c=temperature_c)
    arc = _build_arc(rng, params, model, pathology, spec)
    pairs = [_sweep(rng, model, arc, spec, i) for i in levels]
    truth = [
        _h_truth(i, measure_response(m), measure_response(h)) for i, (m, h) in zip(levels, pairs, strict=True)
    ]
    mmax = measure_response(model.response(arc.cond.arrival_ms(0), arc.cond.conducting[0])).amplitude
    extra = [{"intensity_ma": f"{i:g}"} for i in levels]
    return assemble(
        rng,
        kind="h_reflex",
        model=model,
        pathology=pathology,
        recording=recording,
        responses=[ResponseSum((m, h)) for m, h in pairs],
        reference=[mmax] * len(levels),
        truth=truth,
        labels=series_labels(params, "h_reflex", params.sites[0].name, extra),
        artifact_factor=1.0,
        summary=h_summary(truth),
    )
