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
* the needle itself occupies a track: a concentric needle is a 0.46 mm cannula with a bevelled cutting tip,
  and the fibres that lay where it now is were cut or pushed aside on insertion (the insertional activity is
  their injury discharge; Kimura, *Electrodiagnosis in Diseases of Nerve and Muscle*). A cut fibre's
  action potential stops at the cut, before reaching the core, and a displaced one lies at the track's
  surface, so no intact fibre runs closer to the core than the cannula radius :data:`NEEDLE_TRACK_MM`
  (0.23 mm): :func:`outside_needle` removes the fibres inside it. The SFAP bank averages each fibre over
  its direction around the tip and so could not by itself keep fibres out of the needle's own body; before
  model version 3 fibres were kept down to 20 µm, where one fibre alone gives a 1.7 mV spike (more than the
  1.4 mV upper outlier limit of single normal biceps MUAPs, muap-norms S1), and crisp normal biceps MUAPs
  averaged ≈850 µV against 372 µV (UCY, Pattichis et al. 1995) and 436 ± 115 µV (Keypoint norms);
* the tip ends at a distance drawn uniformly over the annulus :data:`DISTANCE_MM` (230–300 µm, i.e. area-
  uniform) from one of that unit's fibres within reach: from the track's surface out to where a single
  fibre's spike rises in ≈0.3 ms with ≈0.4 mV (at 0.5 mm it rises in 0.45 ms with 0.15 mV, see
  :mod:`.conductor`), which leaves room for the unit's other fibres before the MUAP's rise time reaches the
  0.5 ms limit.

Nothing else moves: it is the same muscle seen from a new tip. The rest of the pool (other units, their
fibres, end-plates) keeps its positions, so the other active units appear at random distances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edxkit.simulate.emg.conductor import NeedleGeometry
from edxkit.simulate.emg.pool import Fibres, FloatArray, IntArray, Pool

NEEDLE_TRACK_MM = NeedleGeometry().cannula_radius_mm  # no intact fibre runs closer to the core (see above)
SEARCH_MM = 1.0  # how far from the insertion point the examiner looks (small needle adjustments)
CANDIDATES = 2  # the examiner aims for one of the first two recruited units in reach
DISTANCE_MM = (NEEDLE_TRACK_MM, 0.3)  # tip to the chosen fibre (see module docstring)
CRISP_RADIUS_MM = 0.38  # a unit with a fibre this close gives a crisp, distinct MUAP (see visible_units)
REACH_MM = SEARCH_MM + CRISP_RADIUS_MM  # largest possible tip displacement from the insertion point


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
    distinct, crisp MUAPs (a single fibre there gives ≥ 0.25 mV with a rise time ≤ 0.35 ms) and counts when
    judging recruitment (minimal effort, recruitment frequency). Farther units add smaller, blunter
    potentials to the background. No fibre lies nearer than :data:`NEEDLE_TRACK_MM`, so this is an annulus."""
    units = np.unique(fibres.unit[fibres.r_mm < CRISP_RADIUS_MM])
    return units[pool.alive[units]].astype(np.int64)


def outside_needle(fibres: Fibres) -> Fibres:
    """The fibres outside the needle's track (farther than :data:`NEEDLE_TRACK_MM` from the tip)."""
    return fibres.select(fibres.r_mm >= NEEDLE_TRACK_MM)
