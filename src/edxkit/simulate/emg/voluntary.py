"""Voluntary activity: which units fire at a contraction level, their MUAP templates and discharges."""

from __future__ import annotations

import numpy as np

from edxkit.simulate.emg.bank import SfapBank
from edxkit.simulate.emg.firing import (
    MODERATE_FORCE,
    excitation_for_force,
    firing_rates_hz,
    force,
    isi_cv,
    renewal_train,
)
from edxkit.simulate.emg.instrument import Instrument, finish_templates
from edxkit.simulate.emg.measures import measure
from edxkit.simulate.emg.muap import fibre_set, time_window_ms, unit_variants_uv
from edxkit.simulate.emg.pool import Fibres, IntArray, Pool
from edxkit.simulate.emg.truth import UnitTruth

MINIMAL_OVERSHOOT = 0.02  # drive sits 2 % above the last wanted unit's threshold (it just fires)


def target_force(rng: np.random.Generator, condition: str, normal: Pool, local: IntArray) -> float:
    """Force asked of the patient for ``condition``, defined on the normal muscle at this needle site.

    minimal: the force at which the normal muscle just recruits the k-th (k = 2–4) of the units ``local``
    (the orchestrator passes the units with a crisp MUAP at the tip, :func:`.placement.visible_units`), as an
    examiner does who asks for "just enough to see two to four units" — smaller potentials of more distant
    units fire too and form the background; moderate: 30 % of normal maximal force; maximal: infinity
    (maximal drive); rest: 0.
    """
    if condition == "rest":
        return 0.0
    if condition == "maximal":
        return float("inf")
    if condition == "moderate":
        return MODERATE_FORCE * force(normal, 1.0)
    near = np.sort(normal.threshold[local[normal.alive[local]]])
    k = int(rng.integers(2, 5))
    level = float(near[min(k, near.size) - 1]) if near.size else float(normal.threshold.min())
    return force(normal, level * (1.0 + MINIMAL_OVERSHOOT))


def drive_for(pool: Pool, target: float) -> float:
    """Excitation that produces ``target`` (maximal when the target is infinite or out of reach)."""
    return 1.0 if not np.isfinite(target) else excitation_for_force(pool, target)


def _mean_rate(times_s: np.ndarray, model_rate_hz: float) -> float:
    return float(1.0 / np.mean(np.diff(times_s))) if times_s.size >= 2 else model_rate_hz


def simulate_unit(
    streams: tuple[np.random.Generator, np.random.Generator],
    unit: int,
    pool: Pool,
    fibres: Fibres,
    rate_hz: float,
    setting: tuple[SfapBank, Instrument, float, int],
) -> UnitTruth | None:
    """Template, variants and discharges of one active unit (None when it has no fibres near the needle)."""
    shape_rng, fire_rng = streams
    bank, inst, duration_s, n_variants = setting
    rows = fibres.rows_of(unit)
    if rows.size == 0:
        return None
    t_ms = time_window_ms(bank, fibre_set(fibres, rows), inst.internal_hz)
    raw = unit_variants_uv(shape_rng, bank, fibres, rows, t_ms, n_variants)
    templates, index = finish_templates(raw, inst)
    cv = float(isi_cv(np.array([rate_hz]), pool.onset_rate_hz[unit : unit + 1])[0])
    samples = np.unique(
        np.rint(renewal_train(fire_rng, rate_hz, cv, duration_s) * inst.fs_hz).astype(np.int64)
    )
    samples = samples[samples < round(duration_s * inst.fs_hz)]
    times = samples / inst.fs_hz
    m = measure(templates[0], inst.fs_hz)
    return UnitTruth(
        id=int(unit),
        firing_times_s=times,
        template_uv=templates[0],
        template_index=index,
        amplitude_uv=m.amplitude_uv,
        duration_ms=m.duration_ms,
        phases=m.phases,
        turns=m.turns,
        n_fibres=round(pool.n_fibres[unit]),
        mean_rate_hz=_mean_rate(times, rate_hz),
        stable=bool(pool.stable[unit]),
        rise_time_ms=m.rise_time_ms,
        variants_uv=templates[1:],
        variant_index=shape_rng.integers(0, n_variants, samples.size).astype(np.int64),
        nearest_fibre_mm=float(np.hypot(fibres.x_mm[rows], fibres.y_mm[rows]).min()),
        threshold=float(pool.threshold[unit]),
    )


def active_units(pool: Pool, local: IntArray, excitation: float) -> tuple[IntArray, np.ndarray]:
    """Local living units recruited at ``excitation`` (recruitment order) and their rates (Hz)."""
    rates = firing_rates_hz(pool, excitation)
    active = local[rates[local] > 0.0]
    active = active[np.argsort(pool.threshold[active])]
    return active, rates[active]
