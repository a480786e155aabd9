"""Orchestrator: one concentric-needle recording with its ground truth (:func:`simulate_needle`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from edxkit.simulate.emg import disease
from edxkit.simulate.emg.bank import get_bank
from edxkit.simulate.emg.firing import force, recruitment_frequency_hz
from edxkit.simulate.emg.instrument import Instrument, Placer, band_noise_uv, make_instrument
from edxkit.simulate.emg.params import muscle_params
from edxkit.simulate.emg.placement import REACH_MM, Placement, outside_needle, place_tip, visible_units
from edxkit.simulate.emg.pool import (
    FIBRE_RADIUS_MM,
    LOCAL_RADIUS_MM,
    Fibres,
    IntArray,
    Pool,
    local_units,
    make_pool,
    place_fibres,
)
from edxkit.simulate.emg.spontaneous import GRADES, grade_summary, normalise_grades, simulate_spontaneous
from edxkit.simulate.emg.truth import DischargeTruth, NeedleSimulation, UnitTruth
from edxkit.simulate.emg.voluntary import (
    MINIMAL_OVERSHOOT,
    active_units,
    drive_for,
    simulate_unit,
    target_force,
)
from edxkit.waveform import Waveform

CONDITIONS = ("rest", "minimal", "moderate", "maximal")
PATHOLOGIES = ("normal", "neurogenic", "myopathic")
CHRONICITIES = ("acute", "chronic_active", "chronic")
MODEL_VERSION = "4"
_STREAMS = ("geometry", "ageing", "drive", "disease", "shape", "firing", "spontaneous", "noise", "placement")


@dataclass(frozen=True, slots=True)
class _Site:
    """The muscle around the needle after ageing and disease (``normal``: before disease, after ageing)."""

    normal: Pool
    pool: Pool
    fibres: Fibres
    local: IntArray
    needle_offset_mm: float
    normal_fibres: Fibres

    def visible(self, *, normal: bool = False) -> IntArray:
        """Units with a crisp MUAP at this tip (see :func:`.placement.visible_units`)."""
        return visible_units(
            self.normal if normal else self.pool, self.normal_fibres if normal else self.fibres
        )


def _streams(rng: np.random.Generator) -> dict[str, np.random.Generator]:
    """Independent child generators (one per model part) drawn from ``rng``."""
    seeds = rng.integers(0, 2**63 - 1, size=len(_STREAMS))
    return {name: np.random.default_rng(int(s)) for name, s in zip(_STREAMS, seeds, strict=True)}


def _check(
    condition: str, pathology: str, severity: float, duration_s: float, chronicity: str, noise: float
) -> None:
    if condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}; got {condition!r}")
    if pathology not in PATHOLOGIES:
        raise ValueError(f"pathology must be one of {', '.join(PATHOLOGIES)}; got {pathology!r}")
    if chronicity not in CHRONICITIES:
        raise ValueError(f"chronicity must be one of {', '.join(CHRONICITIES)}; got {chronicity!r}")
    if not (math.isfinite(severity) and 0.0 <= severity <= 1.0):
        raise ValueError(f"severity must be within [0, 1]; got {severity!r}")
    if not (math.isfinite(duration_s) and 0.0 < duration_s <= 3600.0):
        raise ValueError(f"duration_s must be within (0, 3600] s; got {duration_s!r}")
    if not (math.isfinite(noise) and noise >= 0.0):
        raise ValueError(f"noise_uv_rms must be a finite value ≥ 0; got {noise!r}")


def _site(g: dict[str, np.random.Generator], muscle: str, age_years: float, margin_mm: float) -> _Site:
    """Normal (aged) muscle around the insertion point.

    ``margin_mm`` widens the local-unit and fibre radii so that the tip can later move that far
    (:func:`_moved`) and still have every unit and fibre it needs.
    """
    params = muscle_params(muscle)
    pool = make_pool(g["geometry"], params)
    local = local_units(pool, LOCAL_RADIUS_MM + margin_mm)
    offset = float(g["geometry"].uniform(2.0, 15.0) * g["geometry"].choice([-1.0, 1.0]))
    fibres = place_fibres(g["geometry"], pool, local, offset, FIBRE_RADIUS_MM + margin_mm)
    pool, fibres = disease.ageing(g["ageing"], pool, fibres, age_years)
    return _Site(pool, pool, fibres, local, offset, fibres)


def _moved(site: _Site, tip_mm: np.ndarray) -> _Site:
    """The site seen from a tip at ``tip_mm``: local units and fibres re-selected with the standard radii.

    Fibres inside the needle's track are dropped (:func:`.placement.outside_needle`); every condition goes
    through here, rest/moderate/maximal with the tip where it was inserted.
    """
    normal, pool = site.normal.moved(tip_mm), site.pool.moved(tip_mm)
    local = local_units(pool)

    def crop(fibres: Fibres) -> Fibres:
        moved = fibres.moved(tip_mm)
        return outside_needle(moved.select(np.isin(moved.unit, local) & (moved.r_mm < FIBRE_RADIUS_MM)))

    return _Site(normal, pool, crop(site.fibres), local, site.needle_offset_mm, crop(site.normal_fibres))


def _minimal_force(g: dict[str, np.random.Generator], site: _Site, placed: Placement | None) -> float:
    """Force asked for at minimal effort; at a placed site at least enough to recruit the unit aimed at."""
    asked = target_force(g["drive"], "minimal", site.normal, site.visible(normal=True))
    if placed is None:
        return asked
    needed = force(site.pool, float(site.pool.threshold[placed.unit]) * (1.0 + MINIMAL_OVERSHOOT))
    return max(asked, needed)


def _diseased(
    g: dict[str, np.random.Generator], site: _Site, pathology: str, severity: float, chronicity: str
) -> _Site:
    if pathology == "neurogenic":
        pool, fibres = disease.neurogenic(g["disease"], site.pool, site.fibres, severity, chronicity)
    elif pathology == "myopathic":
        pool, fibres = disease.myopathic(g["disease"], site.pool, site.fibres, severity)
    else:
        return site
    return _Site(site.normal, pool, fibres, site.local, site.needle_offset_mm, site.normal_fibres)


def _voluntary(
    g: dict[str, np.random.Generator],
    site: _Site,
    excitation: float,
    inst: Instrument,
    duration_s: float,
    n_variants: int,
) -> tuple[UnitTruth, ...]:
    if excitation <= 0.0:
        return ()
    bank = get_bank(site.pool.params.half_length_mm)
    units, rates = active_units(site.pool, site.local, excitation)
    out = []
    for unit, rate in zip(units, rates, strict=True):
        made = simulate_unit(
            (g["shape"], g["firing"]),
            int(unit),
            site.pool,
            site.fibres,
            float(rate),
            (bank, inst, duration_s, n_variants),
        )
        if made is not None:
            out.append(made)
    return tuple(out)


def _assemble(
    n: int, units: tuple[UnitTruth, ...], spont: tuple[DischargeTruth, ...], fs_hz: float
) -> np.ndarray:
    longest = max([u.variants_uv.shape[1] for u in units] + [d.template_uv.size for d in spont] + [1])
    placer = Placer(n, longest)
    for unit in units:
        samples = np.rint(unit.firing_times_s * fs_hz).astype(np.int64)
        for v in range(unit.variants_uv.shape[0]):
            placer.add(unit.variants_uv[v], unit.template_index, samples[unit.variant_index == v])
    for dis in spont:
        placer.add(
            dis.template_uv, dis.template_index, np.rint(dis.times_s * fs_hz).astype(np.int64), dis.scales
        )
    return placer.signal


def simulate_needle(
    rng: np.random.Generator,
    *,
    muscle: str = "biceps_brachii",
    condition: str = "minimal",
    pathology: str = "normal",
    severity: float = 0.5,
    spontaneous: Mapping[str, str | int] | None = None,
    duration_s: float = 10.0,
    fs_hz: float = 48000.0,
    age_years: float = 45.0,
    noise_uv_rms: float = 8.0,
    chronicity: str = "chronic_active",
    band_hz: tuple[float, float] = (2.0, 10000.0),
    n_variants: int = 8,
) -> NeedleSimulation:
    """Simulate a concentric-needle EMG recording with exact ground truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness; the same seed gives identical samples and truth.
    muscle : str
        Muscle id or alias (``biceps_brachii``, ``TA``, ``FDI`` ...); unlisted muscles use default parameters.
    condition : {"rest", "minimal", "moderate", "maximal"}
        Voluntary effort: none; the force at which a normal muscle shows 2–4 crisp units at this site, with
        the needle moved, as for quantitative MUAP analysis, to 50–300 µm from a fibre of one of the first
        recruited units (:mod:`.placement`); 30 % of normal maximal force; maximal drive (interference
        pattern). Rest, moderate and maximal are recorded wherever the needle was inserted.
    pathology : {"normal", "neurogenic", "myopathic"}
        Remodelling of the pool (see :mod:`.disease`), graded by ``severity`` in [0, 1].
    spontaneous : mapping, optional
        Spontaneous activity type → grade ``"0"``, ``"1+"`` … ``"4+"`` (types: fibrillation,
        positive_sharp_wave, fasciculation, myotonic, complex_repetitive, myokymic, end_plate).
    duration_s : float
        Recording length (s).
    fs_hz : float
        Sampling rate (Hz), ≥ 1 kHz; the band-pass upper edge is kept ≤ 0.4·fs.
    age_years : float
        Age; above 60 years 1 %/year of units is lost with reinnervation.
    noise_uv_rms : float
        Rms of the band-limited amplifier/electrode noise (µV); 0 gives the clean signal.
    chronicity : {"acute", "chronic_active", "chronic"}
        Neurogenic only: no reinnervation yet / ongoing with immature unstable sprouts / mature.
    band_hz : (float, float)
        Band-pass edges (Hz).
    n_variants : int
        Discharge-shape variants per unit (jitter/blocking).

    Returns
    -------
    NeedleSimulation
        ``waveform`` (µV, channel "needle"), ``units``, ``spontaneous``, ``grades``, ``truth()``.
        ``derived`` also holds ``placed_unit`` / ``placed_distance_mm`` (the unit the needle was placed for
        at minimal effort and the tip's distance from its chosen fibre; None otherwise) and
        ``recruitment_frequency_hz`` over the crisp units at the tip.
    """
    _check(condition, pathology, severity, duration_s, chronicity, noise_uv_rms)
    grades = normalise_grades(spontaneous or {})
    inst = make_instrument(fs_hz, band_hz)
    g = _streams(rng)
    site = _site(g, muscle, age_years, REACH_MM if condition == "minimal" else 0.0)
    site = _diseased(g, site, pathology, severity, chronicity)
    placed: Placement | None = None
    if condition == "minimal":
        placed = place_tip(g["placement"], site.pool, site.fibres)
        site = _moved(site, placed.tip_mm if placed is not None else np.zeros(2))
        target = _minimal_force(g, site, placed)
    else:
        site = _moved(site, np.zeros(2))
        target = target_force(g["drive"], condition, site.normal, site.local)
    excitation = drive_for(site.pool, target) if condition != "rest" else 0.0
    n = round(duration_s * fs_hz)
    units = _voluntary(g, site, excitation, inst, n / fs_hz, max(1, int(n_variants)))
    spont = simulate_spontaneous(
        g["spontaneous"], grades, site.pool, site.fibres, site.local, inst, n / fs_hz
    )
    clean = _assemble(n, units, spont, fs_hz)
    noise = band_noise_uv(g["noise"], n, inst, noise_uv_rms)
    waveform = Waveform(
        samples=clean + noise, fs_hz=float(fs_hz), units="uV", channel="needle", source="simulated"
    )
    parameters: dict[str, Any] = {
        "model_version": MODEL_VERSION,
        "muscle": site.pool.params.muscle,
        "condition": condition,
        "pathology": pathology,
        "severity": float(severity),
        "chronicity": chronicity,
        "spontaneous": dict(grades),
        "duration_s": n / fs_hz,
        "fs_hz": float(fs_hz),
        "age_years": float(age_years),
        "noise_uv_rms": float(noise_uv_rms),
        "band_hz": [inst.low_hz, inst.high_hz],
        "n_variants": int(n_variants),
    }
    derived = {
        "excitation": float(excitation),
        "needle_offset_mm": site.needle_offset_mm,
        "units_alive": int(site.pool.alive.sum()),
        "units_in_pool": site.pool.size,
        "local_units": int(site.local.size),
        "recruitment_frequency_hz": recruitment_frequency_hz(site.pool, site.visible()),
        "placed_unit": None if placed is None else placed.unit,
        "placed_distance_mm": None if placed is None else round(placed.distance_mm, 4),
    }
    summary, others = grade_summary(grades)
    return NeedleSimulation(waveform, units, spont, summary, others, parameters, derived, clean)


__all__ = ["CONDITIONS", "GRADES", "PATHOLOGIES", "simulate_needle"]
