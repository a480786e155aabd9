"""Recruitment physiology of the needle simulator at minimal effort (muap-norms §4, clinical.md §3.3).

Model rates and the recruitment frequency (``derived["recruitment_frequency_hz"]``: rate of the first crisp
unit at the needle when the second one is recruited) over 16 biceps sites (seeds 1000–1015, the seeds of
the bench/RESULTS.md recruitment tables). Normal: recruitment frequency ≈10 Hz (R11), fastest unit
≤ 12–15 Hz at low effort (R01/R02, Rubin & Lamb 2024). Myopathy: same motoneurons, smaller units, so more
units for the same force (early recruitment) at normal rates. Neurogenic loss: fewer units, the first ones
faster (Petajan 1991). Any change of the rate law or of the minimal-effort drive must keep these.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from edxkit.simulate.emg import simulate_needle

SEEDS = range(1000, 1016)
MIN_AMPLITUDE_UV = 100.0  # a unit an examiner would count and time


@cache
def _sites(pathology: str, severity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per site: recruitment frequency (Hz), fastest ≥ 100 µV unit (Hz), active local units, drive."""
    rf, fastest, units, drive = [], [], [], []
    for seed in SEEDS:
        sim = simulate_needle(
            np.random.default_rng(seed),
            condition="minimal",
            pathology=pathology,
            severity=severity,
            chronicity="chronic_active",
            duration_s=1.0,
            fs_hz=8000.0,
            n_variants=1,
            noise_uv_rms=0.0,
        )
        rf.append(sim.derived["recruitment_frequency_hz"])
        rates = [
            u.mean_rate_hz
            for u in sim.units
            if u.amplitude_uv >= MIN_AMPLITUDE_UV and u.firing_times_s.size >= 3
        ]
        fastest.append(max(rates, default=np.nan))
        units.append(len(sim.units))
        drive.append(sim.derived["excitation"])
    return np.array(rf), np.array(fastest), np.array(units), np.array(drive)


def test_normal_biceps_minimal_effort_recruitment_frequency_is_8_to_11_hz() -> None:
    rf, _, _, _ = _sites("normal", 0.0)
    assert 8.0 <= float(np.nanmedian(rf)) <= 11.0
    assert np.all((rf[np.isfinite(rf)] >= 5.0) & (rf[np.isfinite(rf)] <= 15.0))


def test_normal_biceps_minimal_effort_fastest_unit_fires_at_most_15_hz_at_every_site() -> None:
    _, fastest, _, _ = _sites("normal", 0.0)
    assert np.isfinite(fastest).sum() >= 12
    assert np.nanmax(fastest) <= 15.0


def test_myopathic_60_percent_recruitment_frequency_stays_8_to_11_hz_not_above_normal_plus_1_hz() -> None:
    rf_normal, _, _, _ = _sites("normal", 0.0)
    rf, _, _, _ = _sites("myopathic", 0.6)
    assert 8.0 <= float(np.nanmedian(rf)) <= 11.0
    assert float(np.nanmedian(rf)) <= float(np.nanmedian(rf_normal)) + 1.0


def test_myopathic_60_percent_fastest_unit_fires_at_most_15_hz_at_every_site() -> None:
    _, fastest, _, _ = _sites("myopathic", 0.6)
    assert np.nanmax(fastest) <= 15.0


def test_myopathic_60_percent_recruits_more_units_than_normal_at_80_percent_of_sites() -> None:
    _, _, units_normal, drive_normal = _sites("normal", 0.0)
    _, _, units, drive = _sites("myopathic", 0.6)
    # the same force from smaller units needs more drive (the tip is placed anew, so not at every site)
    assert float(np.median(drive)) > float(np.median(drive_normal))
    assert np.mean(units >= units_normal) >= 0.8
    assert units.sum() >= 1.3 * units_normal.sum()  # early recruitment


def test_neurogenic_90_percent_loss_fires_fewer_units_and_raises_recruitment_frequency_1_hz() -> None:
    rf_normal, _, units_normal, _ = _sites("normal", 0.0)
    rf, _, units, _ = _sites("neurogenic", 1.0)
    assert float(np.nanmedian(rf)) >= float(np.nanmedian(rf_normal)) + 1.0
    assert np.mean(units < units_normal) >= 0.8
    assert units.sum() <= 0.5 * units_normal.sum()
