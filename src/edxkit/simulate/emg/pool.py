"""Motor-unit pool of a muscle and the muscle fibres around the needle tip.

Pool (Fuglevand, Winter & Patla 1993 style, index = recruitment rank):

* innervation numbers rise exponentially with rank over a 10-fold range (mean = the muscle's ratio), with a
  15 % lognormal spread; twitch force ∝ fibres × fibre cross-section, so with the larger fibres of
  high-threshold (type II) units the force range is ≈30-fold;
* recruitment thresholds rise exponentially over a 30-fold range up to the muscle's last-recruitment
  excitation (large limb muscles ≈0.85, small hand muscles ≈0.5 of maximal excitation);
* each unit's territory is a disc whose area holds its fibres at 2.5 fibres/mm² (SFEMG fibre density, see
  params), its
  centre uniform over the muscle cross-section, whose area is all fibres at the muscle's packing density.

Around the needle (tip at the origin of the cross-section, fibres running along z) every unit whose territory
comes within 2 mm of the tip is kept (farther units add only slow potentials of
some tens of µV, part of the background), with all its fibres within 8 mm (beyond that a fibre adds < 0.1 µV).
Fibres are uniform inside the territory. The needle sits 2–15 mm from the centre of the innervation zone
(examiners avoid the end-plate zone, but not always); units' mean end-plate positions spread with SD 1.8 mm
and the end-plates of one unit with SD 0.7 mm, the unit's terminal-branch delays with SD 0.1 ms and its fibre
diameters with CV 6 % (see :mod:`.params` for the sources). Fibres inside the needle's track are removed
later (:func:`.placement.outside_needle`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.emg.params import (
    BRANCH_DELAY_SD_MS,
    ENDPLATE_SCATTER_SD_MM,
    ENDPLATE_ZONE_SD_MM,
    FIBRE_DIAMETER_CV,
    INNERVATION_RANGE,
    JITTER_SD_US,
    MU_FIBRE_DENSITY_PER_MM2,
    RECRUITMENT_RANGE,
    MuscleParams,
    total_fibre_density_per_mm2,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

LOCAL_RADIUS_MM = 2.0
FIBRE_RADIUS_MM = 8.0
BASE_NMJ_DELAY_MS = 1.0


@dataclass(frozen=True, slots=True)
class Pool:
    """Whole-muscle motor-unit pool (arrays indexed by recruitment rank).

    ``n_fibres`` and ``force_weight`` reflect disease (loss, adoption); ``alive`` is False for lost units.
    """

    params: MuscleParams
    n_fibres: FloatArray
    threshold: FloatArray
    onset_rate_hz: FloatArray
    peak_rate_hz: FloatArray
    diameter_um: FloatArray
    centre_mm: FloatArray
    territory_mm: FloatArray
    force_weight: FloatArray
    alive: BoolArray
    stable: BoolArray

    @property
    def size(self) -> int:
        return int(self.n_fibres.size)

    def with_(self, **changes: object) -> Pool:
        return replace(self, **changes)  # type: ignore[arg-type]

    def moved(self, tip_mm: FloatArray) -> Pool:
        """The pool seen from a needle tip at ``tip_mm`` (cross-section coordinates become tip-relative)."""
        return replace(self, centre_mm=self.centre_mm - np.asarray(tip_mm)[None, :])


@dataclass(frozen=True, slots=True)
class Fibres:
    """Muscle fibres near the needle (one entry per fibre, grouped by unit).

    ``r_mm`` distance from the tip in the cross-section, ``endplate_mm`` axial offset of the fibre's end-plate
    from the tip, ``delay_ms`` terminal-branch + NMJ delay, ``jitter_us`` NMJ jitter SD, ``block_prob``
    probability that a discharge fails at the NMJ.
    """

    unit: IntArray
    x_mm: FloatArray
    y_mm: FloatArray
    endplate_mm: FloatArray
    delay_ms: FloatArray
    diameter_um: FloatArray
    jitter_us: FloatArray
    block_prob: FloatArray

    @property
    def r_mm(self) -> FloatArray:
        return np.asarray(np.hypot(self.x_mm, self.y_mm))

    def rows_of(self, unit: int) -> IntArray:
        """Indices of the fibres of ``unit`` (fibres are grouped by unit, in ascending unit order)."""
        lo, hi = np.searchsorted(self.unit, [unit, unit + 1])
        return np.arange(lo, hi, dtype=np.int64)

    def select(self, keep: BoolArray | IntArray) -> Fibres:
        return Fibres(*(getattr(self, f)[keep] for f in _FIBRE_FIELDS))

    def moved(self, tip_mm: FloatArray) -> Fibres:
        """The fibres seen from a needle tip at ``tip_mm`` (``x_mm``/``y_mm`` become tip-relative)."""
        return replace(self, x_mm=self.x_mm - float(tip_mm[0]), y_mm=self.y_mm - float(tip_mm[1]))

    def concat(self, other: Fibres) -> Fibres:
        merged = Fibres(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _FIBRE_FIELDS))
        return merged.select(np.argsort(merged.unit, kind="stable"))


_FIBRE_FIELDS = ("unit", "x_mm", "y_mm", "endplate_mm", "delay_ms", "diameter_um", "jitter_us", "block_prob")


def make_pool(rng: np.random.Generator, params: MuscleParams) -> Pool:
    """Draw the whole-muscle pool for ``params`` (normal muscle)."""
    n = params.n_units
    rank = np.arange(n) / max(n - 1, 1)
    shape = INNERVATION_RANGE**rank
    fibres = shape * rng.lognormal(0.0, 0.15, n)
    fibres *= params.mean_fibres / fibres.mean()
    threshold = params.last_recruit * RECRUITMENT_RANGE ** (rank - 1.0)
    onset = np.clip(rng.normal(6.5, 0.8, n), 5.0, 8.0)  # 5–8 Hz at recruitment (muap-norms R06, V)
    peak = np.clip(35.0 - 10.0 * rank + rng.normal(0.0, 2.0, n), 22.0, 40.0)  # Fuglevand 1993 PFR 35→25 Hz
    diameter = params.fibre_diameter_um * (0.9 + 0.2 * rank)  # type I (early) fibres smaller than type II
    muscle_radius = np.sqrt(
        n * params.mean_fibres / total_fibre_density_per_mm2(params.fibre_diameter_um) / np.pi
    )
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    radius = muscle_radius * np.sqrt(rng.uniform(0.0, 1.0, n))
    centre = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return Pool(
        params=params,
        n_fibres=fibres,
        threshold=threshold,
        onset_rate_hz=onset,
        peak_rate_hz=peak,
        diameter_um=diameter,
        centre_mm=centre,
        territory_mm=np.sqrt(fibres / (np.pi * MU_FIBRE_DENSITY_PER_MM2)),
        force_weight=fibres * (diameter / params.fibre_diameter_um) ** 2,
        alive=np.ones(n, dtype=bool),
        stable=np.ones(n, dtype=bool),
    )


def local_units(pool: Pool, radius_mm: float = LOCAL_RADIUS_MM) -> IntArray:
    """Units whose territory comes within ``radius_mm`` of the tip (alive or not)."""
    distance = np.hypot(pool.centre_mm[:, 0], pool.centre_mm[:, 1])
    return np.flatnonzero(distance < pool.territory_mm + radius_mm).astype(np.int64)


def _lens_area(r1: FloatArray, r2: float, dist: FloatArray) -> FloatArray:
    """Area of the intersection of discs of radii r1 and r2 whose centres are ``dist`` apart."""
    d = np.maximum(dist, 1e-9)
    a1 = r1**2 * np.arccos(np.clip((d**2 + r1**2 - r2**2) / (2 * d * r1), -1, 1))
    a2 = r2**2 * np.arccos(np.clip((d**2 + r2**2 - r1**2) / (2 * d * r2), -1, 1))
    tri = 0.5 * np.sqrt(np.clip((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2), 0, None))
    lens = a1 + a2 - tri
    inside = d + np.minimum(r1, r2) <= np.maximum(r1, r2)
    return np.where(inside, np.pi * np.minimum(r1, r2) ** 2, np.where(d >= r1 + r2, 0.0, lens))


def _points_in_lenses(
    rng: np.random.Generator, counts: IntArray, centres: FloatArray, radii: FloatArray, disc: float
) -> FloatArray:
    """``counts[i]`` points uniform in (disc ``radii[i]`` at ``centres[i]``) ∩ (disc ``disc`` at the origin).

    Rejection sampling from the smaller of the two discs, all units at once; rows are grouped by unit.
    """
    small = radii < disc
    sample_centre = np.where(small[:, None], centres, 0.0)
    sample_radius = np.minimum(radii, disc)
    need = np.asarray(counts, dtype=np.int64).copy()
    found: list[tuple[IntArray, FloatArray]] = []
    while need.sum() > 0:
        draws = np.where(need > 0, 2 * need + 8, 0)
        owner = np.repeat(np.arange(need.size), draws)
        ang = rng.uniform(0.0, 2.0 * np.pi, owner.size)
        rad = sample_radius[owner] * np.sqrt(rng.uniform(0.0, 1.0, owner.size))
        pts = sample_centre[owner] + np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
        ok = (np.hypot(pts[:, 0], pts[:, 1]) <= disc) & (np.hypot(*(pts - centres[owner]).T) <= radii[owner])
        owner, pts = owner[ok], pts[ok]
        start = np.searchsorted(owner, np.arange(need.size))
        rank = np.arange(owner.size) - start[owner]  # index of each accepted point within its unit
        take = rank < need[owner]
        found.append((owner[take], pts[take]))
        need -= np.bincount(owner[take], minlength=need.size)
    if not found:
        return np.empty((0, 2))
    owners = np.concatenate([o for o, _ in found])
    points = np.vstack([p for _, p in found])
    return points[np.argsort(owners, kind="stable")]


def place_fibres(
    rng: np.random.Generator,
    pool: Pool,
    units: IntArray,
    needle_offset_mm: float,
    radius_mm: float = FIBRE_RADIUS_MM,
) -> Fibres:
    """Fibres of ``units`` within ``radius_mm`` of the tip, normal muscle.

    ``needle_offset_mm`` is the axial distance of the tip from the innervation-zone centre.
    """
    dist = np.hypot(pool.centre_mm[units, 0], pool.centre_mm[units, 1])
    share = _lens_area(pool.territory_mm[units], radius_mm, dist) / (np.pi * pool.territory_mm[units] ** 2)
    counts = rng.binomial(np.rint(pool.n_fibres[units]).astype(np.int64), np.clip(share, 0.0, 1.0))
    points = _points_in_lenses(rng, counts, pool.centre_mm[units], pool.territory_mm[units], radius_mm)
    unit = np.repeat(units, counts)
    total = int(counts.sum())
    zone = rng.normal(0.0, ENDPLATE_ZONE_SD_MM, units.size)
    endplate = np.repeat(zone, counts) + rng.normal(0.0, ENDPLATE_SCATTER_SD_MM, total) - needle_offset_mm
    diameter = np.repeat(pool.diameter_um[units], counts) * np.clip(
        rng.normal(1.0, FIBRE_DIAMETER_CV, total), 0.5, 1.6
    )
    return Fibres(
        unit=unit.astype(np.int64),
        x_mm=points[:, 0],
        y_mm=points[:, 1],
        endplate_mm=endplate,
        delay_ms=BASE_NMJ_DELAY_MS + rng.normal(0.0, BRANCH_DELAY_SD_MS, total),
        diameter_um=diameter,
        jitter_us=JITTER_SD_US * rng.lognormal(0.0, 0.25, total),
        block_prob=np.zeros(total),
    )
