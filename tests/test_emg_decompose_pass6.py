"""Decomposition pass 6: the expected-firing search of the residual (:mod:`edxkit.emg.decompose.gapfill`)
and the reassignment of an intruding firing of another accepted unit."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decompose_synth import regular_train, spike
from edxkit.emg.decompose import gapfill
from edxkit.emg.decompose.absorb import MIN_SIDE
from edxkit.emg.decompose.match import Events, MatchTemplate, Z, placement
from edxkit.emg.decompose.reassign import reassign
from edxkit.emg.decompose.templates import nrmse

FS = 20000.0


def events_at(times_s: np.ndarray, k: int, templates: list[MatchTemplate]) -> Events:
    start = np.round(times_s * FS).astype(np.int64) - templates[k].peak
    return Events(
        np.full(times_s.size, k, dtype=np.int64), start, np.zeros(times_s.size), np.ones(times_s.size)
    )


def positions(g: Events, ref: np.ndarray) -> np.ndarray:
    return np.sort(g.start + ref[g.unit] + g.fraction) / FS


def _small_unit(seed: int, noise_uv: float, with_discharges: bool = True):
    """A 10 Hz unit whose template removes only ~4 noise SDs of the score (below the matching bar of 5):
    the matched train misses a random 35 % of its discharges; the residual holds them (or only noise)."""
    rng = np.random.default_rng(seed)
    times = regular_train(rng, 10.0, 8.0)
    tpl = MatchTemplate(spike(4.0, 0.2, amp_uv=1.0), 30)
    # energy so that the score's noise term 2·σ·‖T‖ is a quarter of the energy: Z_EXPECTED passes, Z does not
    scale = 2.0 * 4.0 * noise_uv / np.sqrt(tpl.energy)
    tpl = MatchTemplate(tpl.wave * scale, 30)
    assert 2.0 * noise_uv * np.sqrt(tpl.energy) * Z > tpl.energy > 2.0 * noise_uv * np.sqrt(tpl.energy) * 2.0
    n = int(8.0 * FS)
    matched = rng.random(times.size) >= 0.35
    g = events_at(times[matched], 0, [tpl])
    resid = rng.normal(0.0, noise_uv, n)
    if with_discharges:
        missed = events_at(times[~matched], 0, [tpl])
        resid += placement(n, tpl, missed.start, missed.fraction)
    return tpl, g, resid, times


def test_the_35pct_missed_discharges_of_a_small_10hz_unit_are_found_95pct_within_a_sample() -> None:
    tpl, g, resid, times = _small_unit(11, 8.0)
    ref = np.array([float(tpl.peak)])
    out, r = gapfill.fill_gaps([g], [tpl], ref, resid, 8.0)
    got = positions(out[0], ref)
    near = np.min(np.abs(got[:, None] - times[None, :]), axis=0)
    assert np.mean(near <= 1.0 / FS) >= 0.95
    assert got.size <= times.size
    # the found discharges were subtracted: the residual is back to the noise
    assert float(np.std(r)) < 1.05 * 8.0


def test_no_firing_is_added_to_a_gapped_train_when_the_residual_holds_only_noise() -> None:
    tpl, g, resid, _ = _small_unit(12, 8.0, with_discharges=False)
    ref = np.array([float(tpl.peak)])
    out, r = gapfill.fill_gaps([g], [tpl], ref, resid, 8.0)
    # a chance fit of the template in 0.6 × 100 ms of noise at the lowered bar is rare, not impossible
    assert out[0].size - g.size <= 2
    assert np.array_equal(r, resid) or out[0].size > g.size


def test_a_potential_of_another_shape_in_the_gap_normalised_residual_0p64_is_not_taken() -> None:
    rng = np.random.default_rng(13)
    tpl = MatchTemplate(spike(4.0, 0.2), 30)
    times = regular_train(rng, 10.0, 6.0)
    n = int(6.0 * FS)
    g = events_at(times[::2], 0, [tpl])
    # a wider potential of the same size at each expected firing time
    other = MatchTemplate(spike(6.0, 0.6), 30)
    assert nrmse(tpl, other) > 0.6
    ev = events_at(times[1::2], 0, [other])
    resid = rng.normal(0.0, 5.0, n) + placement(n, other, ev.start, ev.fraction)
    ref = np.array([float(tpl.peak)])
    out, _ = gapfill.fill_gaps([g], [tpl], ref, resid, 5.0)
    assert out[0].size == g.size


def test_a_discharge_riding_on_unexplained_activity_10x_the_noise_energy_is_not_taken() -> None:
    rng = np.random.default_rng(16)
    tpl = MatchTemplate(spike(4.0, 0.2), 30)
    times = regular_train(rng, 10.0, 6.0)
    n = int(6.0 * FS)
    lost = rng.random(times.size) < 0.35
    g = events_at(times[~lost], 0, [tpl])
    missed = events_at(times[lost], 0, [tpl])
    # the unit's own discharge plus activity orthogonal to its template (the fitted amplitude stays 1)
    extra = rng.normal(0.0, 1.0, (missed.size, tpl.wave.size))
    extra -= np.outer(extra @ tpl.wave / tpl.energy, tpl.wave)
    extra *= np.sqrt(10.0 * tpl.wave.size * 5.0**2 / np.sum(extra**2, axis=1))[:, None]
    resid = rng.normal(0.0, 5.0, n) + placement(n, tpl, missed.start, missed.fraction)
    for s0, w in zip(missed.start.tolist(), extra, strict=True):
        resid[s0 : s0 + w.size] += w
    ref = np.array([float(tpl.peak)])
    out, _ = gapfill.fill_gaps([g], [tpl], ref, resid, 5.0)
    assert out[0].size == g.size
    clean = rng.normal(0.0, 5.0, n) + placement(n, tpl, missed.start, missed.fraction)
    out_clean, _ = gapfill.fill_gaps([g], [tpl], ref, clean, 5.0)
    assert out_clean[0].size >= g.size + 0.9 * missed.size


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_groups=st.integers(0, 3),
    noise=st.floats(0.0, 200.0),
    rate=st.floats(3.0, 40.0),
)
def test_gap_search_on_any_train_keeps_every_firing_and_spaces_new_ones_0p6_median_isi_apart(
    seed: int, n_groups: int, noise: float, rate: float
) -> None:
    rng = np.random.default_rng(seed)
    n = int(3.0 * FS)
    templates = [
        MatchTemplate(spike(float(rng.uniform(2, 6)), float(rng.uniform(0, 1))), 30) for _ in range(2)
    ]
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    groups = []
    for _ in range(n_groups):
        t = regular_train(rng, rate, 3.0, cv=float(rng.uniform(0.05, 0.5)))
        t = t[rng.random(t.size) < 0.7]
        groups.append(events_at(t, int(rng.integers(0, 2)), templates))
    resid = rng.normal(0.0, noise, n) + placement(n, templates[0], rng.integers(0, n - 61, 20), np.zeros(20))
    out, r = gapfill.fill_gaps(groups, templates, ref, resid, max(noise, 1.0))
    assert len(out) == len(groups) and r.shape == resid.shape and np.isfinite(r).all()
    for before, after in zip(groups, out, strict=True):
        old = positions(before, ref)
        new = positions(after, ref)
        assert after.size >= before.size
        assert np.all(np.isin(old, new))
        added = new[~np.isin(new, old)]
        if added.size and old.size >= 3:
            m = float(np.median(np.diff(old)))
            # each new firing keeps MIN_SIDE median ISIs from the firings it was placed between
            for p in added:
                others = new[new != p]
                assert np.min(np.abs(others - p)) >= MIN_SIDE * m * 0.5


def test_an_intruder_of_a_similar_unit_filling_a_gap_is_reassigned_though_its_shape_favours_b() -> None:
    rng = np.random.default_rng(14)
    n = int(6.0 * FS)
    a_t = MatchTemplate(spike(4.0, 0.2), 30)
    b_t = MatchTemplate(0.92 * spike(4.3, 0.3), 30)
    templates = [a_t, b_t]
    ref = np.array([30.0, 30.0])
    a = regular_train(rng, 10.0, 6.0)
    b = regular_train(rng, 11.0, 6.0) + 0.047
    stolen = 20
    i = int(np.searchsorted(b, a[stolen]))
    # B's firings around it: the stolen one sits inside one of B's intervals, 20 ms or more from each end
    assert 0 < i < b.size and min(a[stolen] - b[i - 1], b[i] - a[stolen]) > 0.02
    x = rng.normal(0.0, 5.0, n)
    x += placement(n, a_t, events_at(np.delete(a, stolen), 0, templates).start, np.zeros(a.size - 1))
    x += placement(n, b_t, events_at(b, 1, templates).start, np.zeros(b.size))
    # A's discharge there is distorted towards B's shape: B's template fits it better than A's
    s0 = round(a[stolen] * FS) - 30
    x[s0 : s0 + 61] += 0.4 * a_t.wave + 0.6 * b_t.wave
    ga = events_at(np.delete(a, stolen), 0, templates)
    gb = events_at(np.sort(np.append(b, a[stolen])), 1, templates)
    resid = x - placement(n, a_t, ga.start, ga.fraction) - placement(n, b_t, gb.start, gb.fraction)
    out, _, _ = reassign([ga, gb], [], templates, ref, resid, FS)
    assert np.min(np.abs(positions(out[0], ref) - a[stolen])) <= 0.25e-3
    assert np.min(np.abs(positions(out[1], ref) - a[stolen])) > 1e-3
    assert out[1].size == b.size
