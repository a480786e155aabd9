"""Inputs of the nerve-conduction simulator: nerve physiology, stimulation sites and pathology.

All three are frozen dataclasses; change them with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["motor", "sensory"]
Limb = Literal["upper", "lower"]

#: Segment key of the path from the most proximal stimulation site to the spinal cord (F and H waves).
PROXIMAL = "proximal"


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """One stimulation site, listed distal first.

    Parameters
    ----------
    name : str
        Site id (``wrist``, ``below_elbow``, ...). It also names the segment that ends at this site.
    distance_mm : float or None
        Stimulus-to-recording distance in mm along the nerve. Required for the first (distal) site;
        for a later site it may replace ``segment_mm`` (the segment is then the difference).
    segment_mm : float or None
        Distance in mm from the previous (more distal) site.
    """

    name: str
    distance_mm: float | None = None
    segment_mm: float | None = None


@dataclass(frozen=True, slots=True)
class Pathology:
    """What is wrong with the nerve; the default is a healthy nerve.

    Segment-keyed fields map a site name to a value for the segment that *ends* at that site: the
    first (distal) site names the stimulus-to-recording segment (e.g. ``"wrist"`` for the carpal
    tunnel), ``"above_elbow"`` the below-elbow → above-elbow segment, and :data:`PROXIMAL`
    (``"proximal"``) the path from the most proximal site to the cord, used by F and H waves.

    Parameters
    ----------
    axonal_loss : float
        Fraction (0–1) of motor units / sensory fibres lost (random subset); lowers amplitude.
    demyelination : float
        Mean fractional CV reduction (0–0.9) of every segment, terminal segment included (prolongs
        the distal latency). Each axon is slowed by ``demyelination·(1 ± demyelination_spread)``
        (uniformly distributed, capped at 0.95), which widens the CV distribution; 0 spread is
        uniform slowing.
    demyelination_spread : float
        Relative non-uniformity (0–1) of the demyelinating slowing across axons.
    conduction_block : mapping of str to float
        Fraction (0–1) of the axons still conducting into the segment that are blocked in it;
        responses from that site and every site proximal to it lose those units.
    temporal_dispersion : mapping of str to float
        Extra CV spread in the segment: each axon's CV there is multiplied by ``1 − d·u`` with
        ``u ~ U(0, 1)`` drawn per axon (0–0.9).
    focal_slowing : mapping of str to float
        Fractional CV reduction (0–0.95) of all axons over the focal lesion in the segment.
    lesion_length_mm : mapping of str to float
        Length in mm of the focal lesion inside the segment; the whole segment when missing.
    absent : bool
        No response at all (every unit lost).
    """

    axonal_loss: float = 0.0
    demyelination: float = 0.0
    demyelination_spread: float = 0.5
    conduction_block: Mapping[str, float] = field(default_factory=dict)
    temporal_dispersion: Mapping[str, float] = field(default_factory=dict)
    focal_slowing: Mapping[str, float] = field(default_factory=dict)
    lesion_length_mm: Mapping[str, float] = field(default_factory=dict)
    absent: bool = False

    def __post_init__(self) -> None:
        _check_fraction("axonal_loss", self.axonal_loss, 1.0)
        _check_fraction("demyelination", self.demyelination, 0.9)
        _check_fraction("demyelination_spread", self.demyelination_spread, 1.0)
        for name, limit in (("conduction_block", 1.0), ("temporal_dispersion", 0.9), ("focal_slowing", 0.95)):
            for key, value in getattr(self, name).items():
                _check_fraction(f"{name}[{key!r}]", value, limit)
        for key, value in self.lesion_length_mm.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"Pathology.lesion_length_mm[{key!r}] must be > 0 mm, got {value!r}")

    def segment_keys(self) -> set[str]:
        """Every segment named by a segment-keyed field."""
        keys = set(self.conduction_block) | set(self.temporal_dispersion) | set(self.focal_slowing)
        return keys | set(self.lesion_length_mm)


def _check_fraction(name: str, value: float, upper: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= upper):
        raise ValueError(f"Pathology.{name} must be in [0, {upper}], got {value!r}")


@dataclass(frozen=True, slots=True)
class NerveParams:
    """Physiology of one nerve–muscle (motor) or nerve–recording-site (sensory) pair.

    Values are those of a healthy adult at ``reference_temp_c``; build them with
    :func:`edxkit.simulate.ncs.normal_params` and adjust with :func:`dataclasses.replace`.

    Parameters
    ----------
    nerve, kind, record, limb : str
        Canonical nerve id, ``motor`` | ``sensory``, recording muscle/site id, ``upper`` | ``lower``.
    cv_m_s : float
        Conduction velocity of the fastest axon in the forearm/leg segments, m/s.
    cv_spread_m_s : float
        Fastest minus slowest conducting axon CV, m/s.
    amplitude : float
        Healthy distal response amplitude (baseline to negative peak) at ``standard_distance_mm``,
        in mV (motor) or µV (sensory); the unit potentials are scaled to give exactly this.
    n_units : int
        Motor units (motor) or sensory fibre groups (sensory).
    unit_duration_ms : float
        Negative-phase duration of one unit potential (surface MUAP or SFAP), ms.
    unit_size_sigma : float
        Log-normal sigma of unit potential amplitudes (skew of unit sizes).
    size_cv_correlation : float
        Correlation between unit size and axon CV (bigger units have faster axons).
    terminal_cv_fraction : float
        CV of the distal (terminal) segment as a fraction of the axon's trunk CV.
    nmj_delay_ms : float
        Neuromuscular transmission and muscle activation delay, ms (0 for sensory).
    reference_temp_c : float
        Limb temperature at which these values hold, °C.
    standard_distance_mm : float
        Distal distance of the normative table the amplitude refers to, mm.
    sites : tuple of SiteSpec
        Default stimulation sites, distal first.
    cord_distance_mm : float
        Distal stimulation site to the spinal cord along the nerve, mm (F waves).
    proximal_cv_factor : float
        CV of the proximal (plexus/root) path relative to ``cv_m_s``.
    f_persistence : float
        Normal F-wave persistence, fraction of stimuli (0–1).
    age_years, height_cm : float
        Subject the values were adjusted for.
    unit_shape_exponent : float
        Envelope exponent ``r`` of the surface MUAP (motor only; see
        :mod:`edxkit.simulate.ncs.potentials`): larger gives a bigger, quicker positive phase.
    """

    nerve: str
    kind: Kind
    record: str
    limb: Limb
    cv_m_s: float
    cv_spread_m_s: float
    amplitude: float
    n_units: int
    unit_duration_ms: float
    unit_size_sigma: float
    size_cv_correlation: float
    terminal_cv_fraction: float
    nmj_delay_ms: float
    reference_temp_c: float
    standard_distance_mm: float
    sites: tuple[SiteSpec, ...]
    cord_distance_mm: float
    proximal_cv_factor: float
    f_persistence: float
    age_years: float
    height_cm: float
    unit_shape_exponent: float = 1.3

    def __post_init__(self) -> None:
        positive = ("cv_m_s", "amplitude", "unit_duration_ms", "standard_distance_mm", "terminal_cv_fraction")
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"NerveParams.{name} must be > 0, got {value!r}")
        if not 0 <= self.cv_spread_m_s < self.cv_m_s:
            raise ValueError(f"NerveParams.cv_spread_m_s must be in [0, cv_m_s), got {self.cv_spread_m_s!r}")
        if self.n_units < 1:
            raise ValueError(f"NerveParams.n_units must be >= 1, got {self.n_units!r}")
        if not 0.8 <= self.unit_shape_exponent <= 3.0:
            raise ValueError(
                f"NerveParams.unit_shape_exponent must be in [0.8, 3], got {self.unit_shape_exponent}"
            )
        if not 0 <= self.f_persistence <= 1:
            raise ValueError(f"NerveParams.f_persistence must be in [0, 1], got {self.f_persistence!r}")

    @property
    def units(self) -> Literal["mV", "uV"]:
        """Physical unit of sweeps and amplitudes: ``mV`` for motor, ``uV`` for sensory."""
        return "mV" if self.kind == "motor" else "uV"


@dataclass(frozen=True, slots=True)
class SiteGeometry:
    """Resolved site list: names, distal distance and segment lengths, all in mm."""

    names: tuple[str, ...]
    distal_mm: float
    segments_mm: tuple[float, ...]

    @property
    def distances_mm(self) -> tuple[float, ...]:
        """Stimulus-to-recording distance of every site, mm."""
        out = [self.distal_mm]
        for seg in self.segments_mm:
            out.append(out[-1] + seg)
        return tuple(out)


def resolve_sites(sites: Sequence[SiteSpec]) -> SiteGeometry:
    """Check a distal-first site list and compute its segment lengths.

    Raises
    ------
    ValueError
        Empty list, duplicate names, missing or non-positive distances.
    """
    if not sites:
        raise ValueError("sites: at least one stimulation site is needed")
    names = tuple(s.name for s in sites)
    if len(set(names)) != len(names) or PROXIMAL in names:
        raise ValueError(f"sites: names must be unique and not {PROXIMAL!r}, got {names}")
    first = sites[0].distance_mm
    if first is None or not (math.isfinite(first) and first > 0):
        raise ValueError(f"sites[0] ({names[0]}): distance_mm must be > 0 mm, got {first!r}")
    total, segments = first, []
    for i, site in enumerate(sites[1:], start=1):
        seg = site.segment_mm
        if seg is None and site.distance_mm is not None:
            seg = site.distance_mm - total
        if seg is None or not (math.isfinite(seg) and seg > 0):
            raise ValueError(f"sites[{i}] ({site.name}): segment must be > 0 mm (segment_mm or distance_mm)")
        segments.append(float(seg))
        total += seg
    return SiteGeometry(names, float(first), tuple(segments))
