"""Per-muscle motor-unit pool parameters (small table with sources; defaults for muscles not listed).

Columns: number of motor units, mean innervation ratio (fibres per unit), mean fibre diameter, fibre
half-length (end-plate to tendon, from fascicle length / 2), excitation at which the last unit is recruited.
Sources: Feinstein et al. 1955 (anatomical MU counts/innervation ratios: FDI 119/340, TA 445, brachioradialis
333/410, gastrocnemius medialis 579/1934), Christensen 1959 (biceps 774 units), Gath & Stålberg 1981
(innervation ratio biceps 209, TA 329, deltoid 239 — muap-norms.md C28, V), De Luca/Kukulka & Clamann
(small hand muscles recruit all units by ≈50 % MVC, large limb muscles by ≈80–90 %). Fibre diameters and
fascicle lengths are textbook ranges (TB). Values marked TB in the table are approximate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.anatomy import normalize_muscle

FloatArray = NDArray[np.float64]

# Shared constants of the pool model (TB unless stated).
MU_FIBRE_DENSITY_PER_MM2 = 2.5  # fibres of one unit per mm² of its territory, from the SFEMG fibre density
#   (normal ≈1.5 fibres within a ≈250 µm uptake radius → (1.5 − 1)/(π·0.25²) ≈ 2.5 /mm²; Stålberg & Trontelj).
#   A biceps unit of 209 fibres then spans ≈10 mm (Buchthal's territories 5–11 mm), and with ≈360 fibres/mm²
#   of muscle ≈140 units overlap at any point. The older estimate of 15–30 overlapping units (Buchthal's
#   "subunit" picture, refuted by SFEMG and glycogen-depletion studies, which find a unit's fibres scattered
#   singly) would need ≈12–25 fibres/mm² per unit, i.e. a normal fibre density of 3–5 — the neurogenic range.
#   Fewer, denser units would also make the interference pattern larger, not smaller: a unit's fibres near
#   the tip fire together, so the same fibres grouped into fewer units add more coherently (checked in biceps
#   at maximal effort: rms 0.82 → 1.43 mV, 1st–99th-percentile envelope 4.1 → 6.8 mV, when the per-unit
#   density goes from 2.5 to 10 /mm²). The interference-pattern size is set by the fibres near the tip and
#   their single-fibre potentials, see :mod:`.conductor`.
PACKING_FRACTION = 0.85  # fraction of muscle cross-section occupied by fibres
RECRUITMENT_RANGE = 30.0  # ratio of last to first recruitment threshold (Fuglevand et al. 1993)
INNERVATION_RANGE = 10.0  # ratio of largest to smallest innervation number (TB; force range adds fibre size)
ENDPLATE_ZONE_SD_MM = 1.8  # spread of units' mean end-plate position along the muscle (innervation zone)
ENDPLATE_SCATTER_SD_MM = 0.7  # spread of end-plates within one unit
#   Together the end-plates near the needle spread with SD √(1.8² + 0.7²) ≈ 1.9 mm, i.e. a band ≈8 mm wide
#   (±2 SD), the middle of the 5–10 mm innervation-zone width (Aquilonius et al. 1984). Most of that width is
#   between units: surface-array recordings locate each unit's innervation zone as a single point along the
#   fibres, the zones of different units being scattered along the band (Masuda, Miyano & Sadoyama 1983,
#   biceps), so the end-plates of one unit lie within a few mm (here ±1.4 mm, 2 SD).
#   Model version 2 split the band equally (1.4/1.4 mm). With a 0.2 ms branch-delay SD and 12 % within-unit
#   diameter scatter on top, the fibres of a unit near the tip then arrived with an SD of ≈0.47 ms (pairs
#   ≈0.67 ms), their 0.2 ms-wide spikes fell apart and 30–45 % of crisp normal MUAPs had > 4 phases (normal
#   ≤ 10–15 %, up to 25–35 % in deltoid/TA). Setting all three within-unit dispersions to zero gave 0 %;
#   each of the three contributed about a third (bench/RESULTS.md, "Simulated MUAP realism").
BRANCH_DELAY_SD_MS = 0.1  # terminal axon branch + NMJ delay dispersion within a unit
#   The last, unmyelinated terminal branches are a few hundred µm long (≈0.1–0.3 ms at 1–3 m/s) and similar
#   within a unit; the myelinated intramuscular branches (≈20–40 m/s) add 0.25–0.5 ms per cm of path-length
#   difference, and the paths to a unit's fibres near one needle site differ by millimetres (TB, not a
#   measured value). An SD of 0.1 ms keeps, together with the end-plate and velocity scatter, the
#   arrival-time SD of a unit's fibres at the tip at ≈0.25 ms (pairs ≈0.35 ms).
FIBRE_DIAMETER_CV = 0.06  # scatter of fibre diameters within one unit (fraction of the unit's mean)
#   A unit's fibres are of one histochemical type (Edström & Kugelberg 1968), so their diameters scatter less
#   than the muscle's (whose normal variability coefficient, < 250 in Dubowitz's terms, i.e. CV < 25 %,
#   includes the type I/II and unit-to-unit differences, which :func:`.pool.make_pool` models by rank). With
#   the CV-diameter slope of :func:`fibre_cv_m_s` 6 % gives a velocity CV ≈4.5 % within a unit.
JITTER_SD_US = 20.0  # per-fibre neuromuscular jitter SD; a fibre pair then has MCD ≈ 32 µs (normal 20–40 µs)


@dataclass(frozen=True, slots=True)
class MuscleParams:
    """Pool parameters of one muscle.

    Parameters
    ----------
    muscle : str
        Canonical muscle id.
    n_units : int
        Motor units in the muscle.
    mean_fibres : float
        Mean innervation ratio (fibres per unit).
    fibre_diameter_um : float
        Mean fibre diameter (µm); conduction velocity follows it (see :func:`fibre_cv_m_s`).
    half_length_mm : float
        End-plate to fibre end (mm).
    last_recruit : float
        Recruitment threshold of the last unit as a fraction of maximal excitation.
    source : str
        Where the numbers come from.
    """

    muscle: str
    n_units: int
    mean_fibres: float
    fibre_diameter_um: float
    half_length_mm: float
    last_recruit: float
    source: str


_TABLE: dict[str, tuple[int, float, float, float, float, str]] = {
    "biceps_brachii": (
        774,
        209.0,
        55.0,
        60.0,
        0.85,
        "Christensen 1959; Gath&Stålberg 1981; fascicle ≈12 cm TB",
    ),
    "brachialis": (600, 250.0, 55.0, 45.0, 0.85, "TB"),
    "triceps": (600, 250.0, 55.0, 50.0, 0.85, "TB"),
    "deltoid": (600, 239.0, 55.0, 50.0, 0.85, "Gath&Stålberg 1981 ratio; count TB"),
    "brachioradialis": (333, 410.0, 50.0, 60.0, 0.8, "Feinstein 1955"),
    "tibialis_anterior": (445, 329.0, 55.0, 40.0, 0.9, "Feinstein 1955 count; Gath&Stålberg 1981 ratio"),
    "vastus_lateralis": (500, 400.0, 60.0, 40.0, 0.85, "TB"),
    "vastus_medialis": (500, 400.0, 60.0, 40.0, 0.85, "TB"),
    "rectus_femoris": (500, 400.0, 60.0, 35.0, 0.85, "TB"),
    "gastrocnemius_medial": (579, 1934.0, 60.0, 25.0, 0.85, "Feinstein 1955"),
    "first_dorsal_interosseous": (119, 340.0, 45.0, 18.0, 0.5, "Feinstein 1955; De Luca 1982 (≈50% MVC)"),
    "abductor_pollicis_brevis": (100, 200.0, 45.0, 15.0, 0.5, "MUNE ≈100 TB"),
    "abductor_digiti_minimi_hand": (100, 200.0, 45.0, 18.0, 0.5, "TB"),
    "extensor_digitorum_brevis": (150, 150.0, 45.0, 20.0, 0.6, "TB"),
    "frontalis": (300, 25.0, 35.0, 15.0, 0.6, "facial muscles: small units (platysma IR 25, Feinstein 1955)"),
    "orbicularis_oculi": (300, 25.0, 30.0, 12.0, 0.6, "TB"),
}
_DEFAULT = (300, 250.0, 55.0, 40.0, 0.8, "default (muscle not in table)")


def muscle_params(muscle: str) -> MuscleParams:
    """Parameters for ``muscle`` (any name :func:`edxkit.anatomy.normalize_muscle` accepts).

    Muscles known to the anatomy table but not listed here get the default limb-muscle row.
    """
    canonical = normalize_muscle(muscle)
    row = _TABLE.get(canonical, _DEFAULT)
    return MuscleParams(canonical, *row)


def fibre_cv_m_s(diameter_um: FloatArray) -> FloatArray:
    """Conduction velocity (m/s) from fibre diameter (µm): ``2.2 + 0.05·(d − 25)``.

    Nandedkar & Stålberg 1983.

    Clipped to 1.5–6 m/s (atrophic fibres still conduct; hypertrophic ones do not exceed ≈6 m/s).
    """
    return np.asarray(np.clip(2.2 + 0.05 * (diameter_um - 25.0), 1.5, 6.0))


def total_fibre_density_per_mm2(diameter_um: float) -> float:
    """Fibres per mm² of muscle for a mean fibre diameter (µm) and the packing fraction."""
    area_mm2 = 3.141592653589793 * (diameter_um / 2000.0) ** 2
    return PACKING_FRACTION / area_mm2
