"""Recruitment, rate coding, force and discharge trains.

* Excitation E ∈ [0, 1] (fraction of maximal voluntary drive) recruits every living unit with threshold ≤ E.
* Rate of a recruited unit (threshold T): ``onset + 4·(1 − e^{−(E−T)/(0.1·T)}) + g·(E − T)`` Hz — onset
  5–8 Hz, a quick rise of ≈4 Hz within 10–30 % excitation above threshold (the initial acceleration of human
  motoneurons, Monster & Chan 1977; muap-norms R07: the rate rises 3–5 Hz before the next unit is recruited),
  then linear rate coding with the common drive (Fuglevand 1993), the gain g bringing each unit to its peak
  rate (25–35 Hz) at maximal drive.
* Force of a unit ∝ its force weight (fibres × cross-section) × ``f³/(f³ + 12³)`` (fusion of twitches,
  half-maximal near 12 Hz; Fuglevand-type saturating force–rate relation, TB).
* Condition → drive: rest 0; minimal = the force at which a normal muscle recruits the 2nd–4th unit with a
  crisp MUAP at the tip (what an examiner asks for; at a placed site at least the unit aimed at); moderate =
  30 % of normal maximal force; maximal = 1.
  A diseased muscle is asked for the same force as the normal one (so neurogenic muscles fire fewer units
  faster and myopathic ones recruit more units); when it cannot produce it the drive is maximal.
* Discharges: renewal process with gamma-distributed intervals, ISI CV ``0.1 + 0.1·e^{−(rate−onset)/4}``
  (≈0.2 at recruitment, ≈0.1 at high rates; Clamann 1969, Matthews 1996), random phase at the start.
"""

from __future__ import annotations

import numpy as np

from edxkit.simulate.emg.pool import FloatArray, IntArray, Pool

INITIAL_ACCELERATION_HZ = 4.0
INITIAL_SCALE = 0.1
FORCE_HALF_RATE_HZ = 12.0
MODERATE_FORCE = 0.3


def firing_rates_hz(pool: Pool, excitation: float) -> FloatArray:
    """Mean firing rate (Hz) of every unit at ``excitation`` (0 for units not recruited or lost)."""
    active = pool.alive & (pool.threshold <= excitation)
    above = np.where(active, excitation - pool.threshold, 0.0)
    gain = np.maximum(pool.peak_rate_hz - pool.onset_rate_hz - INITIAL_ACCELERATION_HZ, 0.0) / np.maximum(
        1.0 - pool.threshold, 1e-3
    )
    rate = (
        pool.onset_rate_hz
        + INITIAL_ACCELERATION_HZ * (1.0 - np.exp(-above / (INITIAL_SCALE * pool.threshold)))
        + gain * above
    )
    return np.where(active, rate, 0.0)


def force(pool: Pool, excitation: float) -> float:
    """Muscle force (arbitrary units, comparable between pools of the same muscle) at ``excitation``."""
    rate = firing_rates_hz(pool, excitation)
    fusion = rate**3 / (rate**3 + FORCE_HALF_RATE_HZ**3)
    return float(np.sum(pool.force_weight * fusion))


def excitation_for_force(pool: Pool, target: float) -> float:
    """Smallest excitation whose force reaches ``target`` (bisection; 1.0 when unreachable)."""
    if target <= 0.0:
        return 0.0
    if force(pool, 1.0) <= target:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if force(pool, mid) < target else (lo, mid)
    return hi


def isi_cv(rate_hz: FloatArray, onset_hz: FloatArray) -> FloatArray:
    """Coefficient of variation of the interspike intervals at a given rate."""
    return np.asarray(0.1 + 0.1 * np.exp(-np.maximum(rate_hz - onset_hz, 0.0) / 4.0))


def renewal_train(rng: np.random.Generator, rate_hz: float, cv: float, duration_s: float) -> FloatArray:
    """Discharge times (s) in [0, duration) of a stationary gamma renewal process."""
    if rate_hz <= 0.0 or duration_s <= 0.0:
        return np.empty(0)
    shape = 1.0 / (cv * cv)
    n = int(duration_s * rate_hz * 1.5 + 4.0 * np.sqrt(duration_s * rate_hz + 1.0) + 5)
    isi = rng.gamma(shape, 1.0 / (rate_hz * shape), n)
    start = -rng.uniform(0.0, 1.0) * isi[0]
    times = start + np.cumsum(isi)
    while times[-1] < duration_s:
        more = rng.gamma(shape, 1.0 / (rate_hz * shape), n)
        times = np.concatenate([times, times[-1] + np.cumsum(more)])
    return times[(times >= 0.0) & (times < duration_s)]


def recruitment_frequency_hz(pool: Pool, units: IntArray) -> float:
    """Rate (Hz) of the first living unit of ``units`` when the second one is recruited (nan if < 2 units).

    Clinically ``units`` are the units the examiner can tell apart at the needle (the orchestrator passes
    those with a crisp MUAP, :func:`.placement.visible_units`); counted over every unit whose territory
    reaches the tip (≈140 in biceps) the next one is only ≈1 % higher in threshold and the value stays near
    the onset rate. With the crisp units it is ≈9–10 Hz in normal muscle (clinical ≈10 Hz, clinical.md §3.3;
    Petajan & Philip 1969: recruitment interval 90 ± 19 ms in limb muscles) and higher where units are lost.
    """
    alive = units[pool.alive[units]]
    if alive.size < 2:
        return float("nan")
    order = alive[np.argsort(pool.threshold[alive])]
    return float(firing_rates_hz(pool, float(pool.threshold[order[1]]))[order[0]])
