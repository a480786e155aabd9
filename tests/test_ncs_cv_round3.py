"""Conduction velocity, round 3: an SNR-dependent fit band for the segment alignment, and SNAP onsets on
the interpolated grid of a slowly sampled sweep fitted without an initial positivity.

Motor segment CV (``edxkit.ncs.align``): below 28 dB measured SNR both sweeps are re-low-passed at
600 Hz (420 Hz below 25 dB, 300 Hz below 20 dB) before the shift+stretch fit (``FIT_BANDS``).
Sensory onset (``KindSpec.fine_grid_lobes``): a 3.2-kHz SNAP's band-limited interpolation rings before
the edge, a spurious positivity that put 36 % of clean antidromic SNAPs' onsets 0.13–0.34 ms early.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edxkit.ncs.align as align
import edxkit.ncs.kinds as kinds
from edxkit.dsp.filters import lowpass
from edxkit.ncs.markers import SweepAnalysis, SweepMarkers, analyse_sweep
from edxkit.simulate.ncs import normal_params, simulate_motor, simulate_sensory


def _analysis(amplitude: float, sigma: float) -> SweepAnalysis:
    """An analysed 20-kHz sweep: a 3-ms negative edge of ``amplitude`` with white noise of rms ``sigma``."""
    t = np.arange(0.0, 30.0, 0.05)
    clean = -amplitude * np.clip((t - 5.0) / 3.0, 0.0, 1.0) * np.exp(-np.clip(t - 8.0, 0.0, None) / 3.0)
    centered = clean + sigma * np.random.default_rng(7).standard_normal(t.size)
    markers = SweepMarkers("present", "mV", onset_latency_ms=5.0, peak_latency_ms=8.0, amplitude=amplitude)
    smooth = lowpass(centered, 20000.0, 1000.0)
    return SweepAnalysis(markers, t, centered, smooth, sigma, sigma * 0.3, 20000.0, 1.0, 160)


def test_fit_band_is_own_smoothing_at_28_db_and_up_then_600_420_300_hz_below_28_25_20_db() -> None:
    assert ((28.0, None), (25.0, 600.0), (20.0, 420.0), (-math.inf, 300.0)) == align.FIT_BANDS
    cases = {40.0: None, 28.5: None, 27.0: 600.0, 24.0: 420.0, 19.0: 300.0, 8.0: 300.0}
    clean = _analysis(1.0, 10 ** (-40.0 / 20))
    for snr_db, cutoff in cases.items():
        noisy = _analysis(1.0, 10 ** (-snr_db / 20))
        assert align.measured_snr_db(noisy) == pytest.approx(snr_db)
        # the noisier sweep of the two sets the band
        assert align.fit_band_hz(clean, noisy) == cutoff
        assert align.fit_band_hz(noisy, clean) == cutoff


def test_resmoothed_sweep_noise_is_the_white_noise_through_the_narrower_filter() -> None:
    a = _analysis(1.0, 0.1)
    pure = dataclasses.replace(a, centered=0.1 * np.random.default_rng(3).standard_normal(200_000))
    out = align._resmoothed(pure, 300.0)
    measured = float(np.std(lowpass(pure.centered, pure.fs_hz, 300.0)))
    assert out.sigma_smooth == pytest.approx(measured, rel=0.02)
    assert out.sigma_smooth < 0.25 * a.sigma  # 300 Hz of a 10-kHz band: about a sixth of the rms


def _cv_errors(bands: tuple[tuple[float, float | None], ...], monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """|CV error| (m/s) of aligned segments of 30 motor studies at 18 dB, 5–20 kHz."""
    monkeypatch.setattr(align, "FIT_BANDS", bands)
    out = []
    for i in range(30):
        rng = np.random.default_rng(5200 + i)
        params = normal_params(("ulnar", "peroneal", "median")[i % 3], "motor", rng=rng, age_years=50.0)
        sim = simulate_motor(rng, params, snr_db=18.0, fs_hz=(5000.0, 10000.0, 20000.0)[i % 3], pre_ms=2.0)
        an = [analyse_sweep(w, "motor") for w in sim.sweeps]
        for k, seg in enumerate(sim.segments):
            diff = align.align_analyses(an[k], an[k + 1])
            ok = diff.delta_ms is not None and diff.delta_ms > 0
            out.append(abs(seg["distance_mm"] / diff.delta_ms - seg["cv_m_s"]) if ok else math.inf)
    return np.asarray(out)


def test_narrow_fit_band_at_18_db_cuts_the_segment_cv_error_p75_and_p90_by_a_third(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # measured: median 2.44 → 1.58, p75 6.03 → 2.76, p90 8.47 → 4.94 m/s (50 segments)
    new = _cv_errors(align.FIT_BANDS, monkeypatch)
    old = _cv_errors(((-math.inf, None),), monkeypatch)
    assert new.size == old.size == 50
    for q in (0.75, 0.9):
        assert np.quantile(new, q) < (2 / 3) * np.quantile(old, q)
    assert np.median(new) <= np.median(old)


def _snap_onset_errors(n: int = 24) -> np.ndarray:
    """Onset error (ms) of clean (45 dB) antidromic SNAPs sampled at 3.2 kHz."""
    out = []
    for i in range(n):
        rng = np.random.default_rng(4100 + i)
        params = normal_params(("median", "ulnar", "sural")[i % 3], "sensory", rng=rng, age_years=45.0)
        sim = simulate_sensory(rng, params, snr_db=45.0, fs_hz=3200.0, pre_ms=2.0)
        onset = analyse_sweep(sim.sweeps[0], "sensory").markers.onset_latency_ms
        assert onset is not None
        out.append(onset - sim.truth[0]["onset_latency_ms"])
    return np.asarray(out)


def test_3200_hz_snap_onset_is_not_put_early_by_the_interpolations_ringing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new = _snap_onset_errors()
    assert abs(float(np.median(new))) < 0.03
    assert np.quantile(new, 0.1) > -0.06 and np.quantile(new, 0.9) < 0.06
    # with a positivity allowed on the grid the ringing is taken for one: median 0.21 ms early
    monkeypatch.setitem(
        kinds.SPECS, "sensory", dataclasses.replace(kinds.SPECS["sensory"], fine_grid_lobes=True)
    )
    old = _snap_onset_errors()
    assert np.median(old) < -0.1


def test_snaps_fit_no_positivity_on_the_fine_grid_and_cmaps_keep_theirs() -> None:
    assert kinds.SPECS["sensory"].fine_grid_lobes is False
    assert kinds.ORTHODROMIC.fine_grid_lobes is False
    assert kinds.SPECS["motor"].fine_grid_lobes is True


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    snr_db=st.floats(5.0, 45.0),
    fs_hz=st.sampled_from([3200.0, 5000.0, 20000.0, 50000.0]),
)
def test_alignment_at_any_noise_level_gives_a_sane_difference_or_none(
    seed: int, snr_db: float, fs_hz: float
) -> None:
    rng = np.random.default_rng(seed)
    sim = simulate_motor(rng, normal_params("ulnar", "motor", rng=rng), snr_db=snr_db, fs_hz=fs_hz)
    an = [analyse_sweep(w, "motor") for w in sim.sweeps]
    for k in range(len(an) - 1):
        diff = align.align_analyses(an[k], an[k + 1])
        if diff.delta_ms is not None:
            assert math.isfinite(diff.delta_ms)
            assert 0.0 <= diff.weight <= 1.0
            assert diff.se_ms > 0.0
