"""Where the examiner leaves the needle for a quantitative (minimal-contraction) recording.

Quantitative MUAP analysis accepts only potentials whose main spike is sharp — rise time < 0.5 ms
(Stålberg et al. 1986 terminology proposal; muap-norms C21) — and a concentric needle records such a spike
only when its core lies within a few tenths of a millimetre of fibres of the unit (the spike component comes
from fibres within ≈0.5 mm, Nandedkar et al. 1988; here a single fibre's rise time passes 0.5 ms at ≈0.5 mm,
see :mod:`.conductor`). So the examiner inserts the needle, asks for a weak contraction and moves the tip by
fractions of a millimetre until the first-recruited units look crisp and loud. The model does the same:

* insertion: a random tip position, as for rest and stronger efforts (which are recorded wherever the needle
  happens to be);
* candidates: the living units with a fibre within :data:`SEARCH_MM` of the insertion point, in recruitment
  order; the examiner settles on one of the first :data:`CANDIDATES` (the units that fire at minimal effort;
  in a neurogenic muscle these are the surviving, reinnervated units);
* the tip ends at a distance drawn uniformly over the annulus :data:`DISTANCE_MM` (50–300 µm, i.e. area-
  uniform: most accepted sites are not the very closest) from one of that unit's fibres within reach. A
  fibre at 0.3 mm gives the core a 0.3 mV spike rising in 0.3 ms, which leaves room for the unit's other
  fibres (dispersed by ≈0.5 ms) before the MUAP's rise time reaches the 0.5 ms limit; at 0.5 mm a single
  fibre's spike already rises in 0.5 ms and is only 0.1 mV. (Sites 50–450 µm away were tried: up to a third
  of those MUAPs then failed the rise-time criterion.)

Nothing else moves: it is the same muscle seen from a new tip. The rest of the pool (other units, their
fibres, end-plates) keeps its positions, so the other active units appear at random distances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edxkit.simulate.emg.pool import Fibres, FloatArray, IntArray, Pool

SEARCH_MM = 1.0  # how far from the insertion point the examiner looks (small needle adjustments)
CANDIDATES = 2  # the examiner aims for one of the first two recruited units in reach
DISTANCE_MM = (0.05, 0.3)  # tip to the chosen fibre (see module docstring)
CRISP_RADIUS_MM = DISTANCE_MM[1]  # a unit with a fibre this close gives a crisp, distinct MUAP
REACH_MM = SEARCH_MM + DISTANCE_MM[1]  # largest possible tip displacement from the insertion point


@dataclass(frozen=True, slots=True)
class Placement:
    """The examiner's choice: the unit aimed at, the new tip (insertion coordinates), the distance."""

    unit: int
    tip_mm: FloatArray
    distance_mm: float


def place_tip(rng: np.random.Generator, pool: Pool, fibres: Fibres) -> Placement | None:
    """Choose the tip position for a minimal-contraction recording (None when no living unit is in reach)."""
    near = fibres.r_mm < SEARCH_MM
    units = np.unique(fibres.unit[near])
    units = units[pool.alive[units]]
    if units.size == 0:
        return None
    order = units[np.argsort(pool.threshold[units], kind="stable")]
    unit = int(order[int(rng.integers(0, min(CANDIDATES, order.size)))])
    rows = np.flatnonzero(near & (fibres.unit == unit))
    row = int(rows[int(rng.integers(0, rows.size))])
    lo, hi = DISTANCE_MM
    distance = float(np.sqrt(rng.uniform(lo * lo, hi * hi)))
    angle = float(rng.uniform(0.0, 2.0 * np.pi))
    tip = np.array([fibres.x_mm[row] + distance * np.cos(angle), fibres.y_mm[row] + distance * np.sin(angle)])
    return Placement(unit=unit, tip_mm=tip, distance_mm=distance)


def visible_units(pool: Pool, fibres: Fibres) -> IntArray:
    """Living units with a fibre within :data:`CRISP_RADIUS_MM` of the tip: those an examiner sees as
    distinct, crisp MUAPs (a single fibre there gives ≥ 0.3 mV with a rise time ≤ 0.3 ms) and counts when
    judging recruitment (minimal effort, recruitment frequency). Farther units add smaller, blunter
    potentials to the background."""
    units = np.unique(fibres.unit[fibres.r_mm < CRISP_RADIUS_MM])
    return units[pool.alive[units]].astype(np.int64)
