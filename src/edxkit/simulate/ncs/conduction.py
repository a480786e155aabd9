"""Conduction of every axon through the segments of a nerve, with pathology and temperature.

Segment 0 runs from the distal stimulation site to the recording site (for motor nerves it is the
terminal segment, conducted at ``terminal_cv_fraction`` of the trunk CV, followed by the NMJ
delay); segment ``j`` runs from site ``j−1`` to site ``j``; an optional last segment
(:data:`~edxkit.simulate.ncs.params.PROXIMAL`) runs on to the spinal cord.

Random draws are made in a fixed order and number whatever the pathology, so the same seed gives
the same axons with and without disease.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.ncs.fibres import Population, TemperatureEffect
from edxkit.simulate.ncs.params import Pathology

FloatArray = NDArray[np.float64]

#: Largest demyelinating CV reduction of any axon (keeps every CV positive).
MAX_SLOWING = 0.95
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of nerve: its name (the site at its proximal end), length in mm and CV scale."""

    name: str
    length_mm: float
    cv_scale: float


@dataclass(frozen=True, slots=True)
class Conduction:
    """Per-segment (rows) and per-axon (columns) conduction.

    ``time_ms`` is the conduction time through each segment, ``cv_m_s`` the axon's mean CV there,
    ``conducting[j]`` whether the axon is alive and unblocked in segments ``0..j``, ``blocked``
    the axons blocked in each segment, and ``nmj_ms`` the NMJ delay (motor) of each axon.
    """

    segments: tuple[Segment, ...]
    time_ms: FloatArray
    cv_m_s: FloatArray
    conducting: BoolArray
    blocked: BoolArray
    nmj_ms: FloatArray

    def arrival_ms(self, site: int) -> FloatArray:
        """Time each axon's impulse reaches the muscle/recording site when stimulated at ``site``."""
        return self.nmj_ms + self.time_ms[: site + 1].sum(axis=0)

    def index(self, name: str) -> int:
        """Row of the segment called ``name``."""
        return [s.name for s in self.segments].index(name)


def _select_lowest(scores: FloatArray, eligible: BoolArray, fraction: float) -> BoolArray:
    """The ``round(fraction·n)`` eligible axons with the lowest scores."""
    chosen = np.zeros(scores.shape, dtype=bool)
    k = round(fraction * int(eligible.sum()))
    if k > 0:
        order = np.flatnonzero(eligible)[np.argsort(scores[eligible], kind="stable")]
        chosen[order[:k]] = True
    return chosen


def _segment_time(
    seg: Segment, cv: FloatArray, pathology: Pathology, dispersion_u: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Conduction time (ms) and mean CV (m/s) of every axon through one segment."""
    cv_seg = cv * seg.cv_scale * (1.0 - pathology.temporal_dispersion.get(seg.name, 0.0) * dispersion_u)
    slowing = pathology.focal_slowing.get(seg.name, 0.0)
    lesion = min(pathology.lesion_length_mm.get(seg.name, seg.length_mm), seg.length_mm)
    time = (seg.length_mm - lesion) / cv_seg + lesion / (cv_seg * (1.0 - slowing))
    return time, seg.length_mm / time


def conduct(
    rng: np.random.Generator,
    population: Population,
    segments: tuple[Segment, ...],
    pathology: Pathology,
    temperature: TemperatureEffect,
) -> Conduction:
    """Conduct every axon through ``segments`` (distal first) under ``pathology`` and temperature."""
    n = population.n
    loss_u, dem_u = rng.random(n), rng.random(n)
    seg_u = rng.random((len(segments), 2, n))
    loss = 1.0 if pathology.absent else pathology.axonal_loss
    alive = ~_select_lowest(loss_u, np.ones(n, dtype=bool), loss)
    spread = pathology.demyelination_spread * (2.0 * dem_u - 1.0)
    slowing = np.clip(pathology.demyelination * (1.0 + spread), 0.0, MAX_SLOWING)
    cv = population.cv_m_s * temperature.cv_factor * (1.0 - slowing)
    times, cvs, conducting, blocked = [], [], [], []
    through = alive
    for j, seg in enumerate(segments):
        time, seg_cv = _segment_time(seg, cv, pathology, seg_u[j, 1])
        block = _select_lowest(seg_u[j, 0], through, pathology.conduction_block.get(seg.name, 0.0))
        through = through & ~block
        times.append(time)
        cvs.append(seg_cv)
        conducting.append(through)
        blocked.append(block)
    nmj = population.nmj_ms * temperature.nmj_factor
    return Conduction(segments, np.array(times), np.array(cvs), np.array(conducting), np.array(blocked), nmj)
