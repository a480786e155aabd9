"""Nerve-conduction simulator under random settings: never crashes, finite output, consistent truth."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.simulate.ncs import (
    EvokedSimulation,
    Pathology,
    normal_params,
    simulate_f_waves,
    simulate_motor,
    simulate_sensory,
    supported_nerves,
)

MOTOR = supported_nerves()["motor"]
SENSORY = supported_nerves()["sensory"]
PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

fractions = st.floats(0.0, 0.9)
recordings = st.fixed_dictionaries(
    {
        "snr_db": st.one_of(st.none(), st.floats(-5.0, 70.0)),
        "fs_hz": st.sampled_from([3200.0, 10000.0, 20000.0, 48000.0]) | st.floats(2000.0, 60000.0),
        "pre_ms": st.floats(0.0, 10.0),
        "artifact": st.booleans(),
        "drift": st.booleans(),
    }
)


@st.composite
def pathologies(draw: st.DrawFn, sites: tuple[str, ...]) -> Pathology:
    site = draw(st.sampled_from(sites))
    return Pathology(
        axonal_loss=draw(st.sampled_from([0.0, 0.5, 0.95, 1.0])),
        demyelination=draw(st.floats(0.0, 0.9)),
        demyelination_spread=draw(st.floats(0.0, 1.0)),
        conduction_block={site: draw(fractions)},
        temporal_dispersion={site: draw(st.floats(0.0, 0.8))},
        focal_slowing={site: draw(st.floats(0.0, 0.7))},
    )


def check_response_truth(t: dict[str, Any], units: str) -> None:
    """Ordering and signs every present response must satisfy; all None when absent."""
    u = units.lower()
    keys = ("onset_latency_ms", "peak_latency_ms", f"amplitude_{u}", "duration_ms", f"area_{u}_ms")
    if t["response"] == "absent":
        assert all(t[k] is None for k in keys)
        return
    assert all(isinstance(t[k], float) and math.isfinite(t[k]) for k in keys)
    assert t["arrival_ms"] < t["onset_latency_ms"] < t["peak_latency_ms"] < t["negative_end_ms"]
    assert t["onset_latency_ms"] <= t["negative_start_ms"] < t["peak_latency_ms"]
    assert t["duration_ms"] > 0 and t[f"area_{u}_ms"] > 0 and t[f"amplitude_{u}"] > 0
    assert t[f"peak_to_peak_{u}"] >= t[f"amplitude_{u}"]


def check_sweeps(sim: EvokedSimulation, sweep_ms: float) -> None:
    for sweep, clean, fn in zip(sim.sweeps, sim.clean, sim.responses, strict=True):
        assert sweep.n_samples == round(sweep_ms * sweep.fs_hz / 1000.0)
        assert np.isfinite(sweep.samples).all()
        assert sweep.stimulus_s == sim.recording.pre_ms / 1000.0
        np.testing.assert_allclose(clean.samples, fn(clean.times_ms_from_stimulus()), atol=1e-9)
    json.dumps(sim.to_dict(), allow_nan=False)


@PROPS
@given(
    nerve=st.sampled_from(MOTOR),
    seed=st.integers(0, 2**32 - 1),
    rec=recordings,
    temperature=st.floats(24.0, 37.0),
    data=st.data(),
)
def test_any_motor_study_gives_finite_sweeps_and_consistent_truth(
    nerve: str, seed: int, rec: dict[str, Any], temperature: float, data: st.DataObject
) -> None:
    params = normal_params(nerve, "motor")
    pathology = data.draw(pathologies(tuple(s.name for s in params.sites)))
    sweep_ms = rec["pre_ms"] + 45.0
    sim = simulate_motor(
        np.random.default_rng(seed),
        params,
        pathology=pathology,
        temperature_c=temperature,
        sweep_ms=sweep_ms,
        **rec,
    )
    check_sweeps(sim, sweep_ms)
    for t in sim.truth:
        check_response_truth(t, "mV")
    for seg in sim.segments:
        values = [seg[k] for k in ("cv_m_s", "amplitude_drop_pct", "area_drop_pct", "duration_increase_pct")]
        assert all(v is None or math.isfinite(v) for v in values)


@PROPS
@given(nerve=st.sampled_from(SENSORY), seed=st.integers(0, 2**32 - 1), rec=recordings, ortho=st.booleans())
def test_any_sensory_study_gives_finite_sweeps_and_consistent_truth(
    nerve: str, seed: int, rec: dict[str, Any], ortho: bool
) -> None:
    sweep_ms = rec["pre_ms"] + 15.0
    sim = simulate_sensory(
        np.random.default_rng(seed),
        normal_params(nerve, "sensory"),
        orthodromic=ortho,
        sweep_ms=sweep_ms,
        **rec,
    )
    check_sweeps(sim, sweep_ms)
    check_response_truth(sim.truth[0], "uV")


@PROPS
@given(seed=st.integers(0, 2**32 - 1), snr_db=st.floats(0.0, 60.0), fs_hz=st.floats(3000.0, 50000.0))
def test_noise_rms_is_exactly_the_snr_definition(seed: int, snr_db: float, fs_hz: float) -> None:
    sim = simulate_motor(np.random.default_rng(seed), normal_params("ulnar"), snr_db=snr_db, fs_hz=fs_hz)
    expected = sim.truth[0]["amplitude_mv"] / 10 ** (snr_db / 20.0)
    for k, sweep in enumerate(sim.sweeps):
        residual = sweep.samples - sim.clean[k].samples - sim.artifacts[k] - sim.drifts[k]
        assert math.isclose(float(np.sqrt(np.mean(residual**2))), expected, rel_tol=1e-6)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), fs=st.sampled_from([3200.0, 10000.0, 48000.0]), pre=st.floats(0.0, 8.0)
)
def test_truth_is_the_same_at_any_sampling_rate_and_pre_stimulus_time(
    seed: int, fs: float, pre: float
) -> None:
    params = normal_params("sural", "sensory")
    base = simulate_sensory(np.random.default_rng(seed), params)
    other = simulate_sensory(np.random.default_rng(seed), params, fs_hz=fs, pre_ms=pre, sweep_ms=pre + 15.0)
    assert base.truth == other.truth


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), persistence=st.floats(0.0, 1.0), fs=st.floats(3200.0, 30000.0))
def test_any_f_wave_series_is_finite_and_consistent(seed: int, persistence: float, fs: float) -> None:
    sim = simulate_f_waves(
        np.random.default_rng(seed),
        normal_params("ulnar", "f_wave"),
        n_stimuli=5,
        persistence=persistence,
        fs_hz=fs,
    )
    check_sweeps(sim, 60.0)
    for t in sim.truth:
        assert t["f_present"] == (t["f_onset_latency_ms"] is not None)
        if t["f_present"]:
            assert t["f_onset_latency_ms"] > t["onset_latency_ms"]
