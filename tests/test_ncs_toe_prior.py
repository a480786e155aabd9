"""CMAP and SNAP onsets: the fitted toe is shrunk towards the toe of real responses (inverse variance).

The toe ``(t₃₀ − onset)/(t₈₀ − t₃₀)`` of simulated CMAPs of every nerve and pathology has median 0.71 and
IQR 0.63–0.86, and the toe of a fitted onset scatters with SD ≈ 0.9·√(σ_smooth/A); antidromic SNAPs keep
a nearly constant lead ``t₃₀ − onset`` (median 0.273 ms, IQR 0.244–0.312) whose fitted value scatters with
SD ≈ 0.45·√(σ_smooth/A) ms. The weighted mean of measurement and prior is the onset
(``KindSpec.toe_shrinkage`` / ``lead_shrinkage``); the segment alignment keeps the onset as fitted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import edxkit.ncs.kinds as kinds
from edxkit.ncs.markers import analyse_sweep
from edxkit.ncs.onset import shrink_to_prior
from edxkit.simulate.ncs import Pathology, normal_params, simulate_motor, simulate_sensory

PRIOR = kinds.SPECS["motor"].toe_shrinkage


def test_priors_are_motor_toe_0_72_sd_0_17_and_antidromic_sensory_lead_0_273_ms_sd_0_05() -> None:
    assert PRIOR == (0.72, 0.17, 0.9)
    assert kinds.SPECS["sensory"].lead_shrinkage == (0.273, 0.05, 0.45)
    assert kinds.SPECS["sensory"].toe_shrinkage is None and kinds.SPECS["motor"].lead_shrinkage is None
    assert kinds.ORTHODROMIC.lead_shrinkage is None  # its own toe prior (test_ncs_orthodromic.py)


def test_clean_edge_keeps_its_toe_and_a_noisy_one_goes_to_the_prior_median() -> None:
    assert PRIOR is not None
    assert shrink_to_prior(1.0, 0.0, PRIOR) == pytest.approx(1.0)
    assert shrink_to_prior(1.0, 1e6, PRIOR) == pytest.approx(0.72, abs=1e-6)
    # measurement SD equal to the prior SD (0.9·√r = 0.17): half way
    r = (0.17 / 0.9) ** 2
    assert shrink_to_prior(1.0, r, PRIOR) == pytest.approx(0.86)


def _cmaps(seeds: range, snr_db: float) -> list[tuple[object, float]]:
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        nerve = ("median", "ulnar", "peroneal", "tibial")[seed % 4]
        pathology = (Pathology(), Pathology(axonal_loss=0.6), Pathology(demyelination=0.3))[seed % 3]
        sim = simulate_motor(rng, normal_params(nerve, "motor"), pathology=pathology, snr_db=snr_db)
        out += [
            (w, t["onset_latency_ms"])
            for w, t in zip(sim.sweeps, sim.truth, strict=True)
            if t["response"] == "present"
        ]
    return out


def test_cmap_onsets_at_22_db_are_closer_with_the_toe_prior_and_alignment_keeps_the_fitted_onset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """About 30 CMAPs at 22 dB (median/ulnar/peroneal/tibial; normal, axonal, demyelinating): the
    median |onset error| falls by at least a fifth and the 90th centile does not rise; the onset the
    alignment uses is the one fitted without the prior."""
    sweeps = _cmaps(range(12), 22.0)
    with_prior = [analyse_sweep(w, "motor") for w, _ in sweeps]  # type: ignore[arg-type]
    monkeypatch.setitem(kinds.SPECS, "motor", dataclasses.replace(kinds.SPECS["motor"], toe_shrinkage=None))
    without = [analyse_sweep(w, "motor") for w, _ in sweeps]  # type: ignore[arg-type]
    truth = np.array([t for _, t in sweeps])
    e_with = np.abs(np.array([a.markers.onset_latency_ms for a in with_prior], dtype=float) - truth)
    e_without = np.abs(np.array([a.markers.onset_latency_ms for a in without], dtype=float) - truth)
    assert len(sweeps) >= 24
    assert np.median(e_with) < 0.8 * np.median(e_without)
    assert np.percentile(e_with, 90) <= np.percentile(e_without, 90) + 0.01
    for a, b in zip(with_prior, without, strict=True):
        assert a.fitted_onset_ms == pytest.approx(b.markers.onset_latency_ms, abs=1e-12)


def test_antidromic_snap_onsets_at_25_db_are_closer_with_the_toe_prior(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Median/ulnar/sural antidromic SNAPs at 25 dB, 20 kHz: the 90th centile of |onset error| falls by
    at least a quarter and the median does not rise by more than 0.01 ms."""
    sweeps = []
    for seed in range(16):
        rng = np.random.default_rng(100 + seed)
        nerve = ("median", "ulnar", "sural")[seed % 3]
        sim = simulate_sensory(rng, normal_params(nerve, "sensory"), snr_db=25.0, fs_hz=20000.0)
        sweeps += [
            (w, t["onset_latency_ms"])
            for w, t in zip(sim.sweeps, sim.truth, strict=True)
            if t["response"] == "present"
        ]
    truth = np.array([t for _, t in sweeps])

    def errors() -> np.ndarray:
        onsets = [analyse_sweep(w, "sensory").markers.onset_latency_ms for w, _ in sweeps]
        return np.abs(np.array(onsets, dtype=float) - truth)

    e_with = errors()
    monkeypatch.setitem(
        kinds.SPECS, "sensory", dataclasses.replace(kinds.SPECS["sensory"], lead_shrinkage=None)
    )
    e_without = errors()
    assert len(sweeps) >= 16
    assert np.percentile(e_with, 90) < 0.75 * np.percentile(e_without, 90)
    assert np.median(e_with) <= np.median(e_without) + 0.01
