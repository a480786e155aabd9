"""CMAP onsets: the fitted toe is shrunk towards the toe of real CMAPs by inverse-variance weighting.

The toe ``(t₃₀ − onset)/(t₈₀ − t₃₀)`` of simulated CMAPs of every nerve and pathology has median 0.71 and
IQR 0.63–0.86; the toe of a fitted onset scatters with SD ≈ 0.9·√(σ_smooth/A). Their weighted mean is the
onset (``edxkit.ncs.kinds.SPECS["motor"].toe_shrinkage``); the segment alignment keeps the onset as fitted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import edxkit.ncs.kinds as kinds
from edxkit.ncs.markers import analyse_sweep
from edxkit.ncs.onset import shrink_toe
from edxkit.simulate.ncs import Pathology, normal_params, simulate_motor

PRIOR = kinds.SPECS["motor"].toe_shrinkage


def test_toe_prior_is_the_motor_default_median_0_72_sd_0_17() -> None:
    assert PRIOR == (0.72, 0.17, 0.9)


def test_clean_edge_keeps_its_toe_and_a_noisy_one_goes_to_the_prior_median() -> None:
    assert PRIOR is not None
    assert shrink_toe(1.0, 0.0, PRIOR) == pytest.approx(1.0)
    assert shrink_toe(1.0, 1e6, PRIOR) == pytest.approx(0.72, abs=1e-6)
    # measurement SD equal to the prior SD (0.9·√r = 0.17): half way
    r = (0.17 / 0.9) ** 2
    assert shrink_toe(1.0, r, PRIOR) == pytest.approx(0.86)


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
