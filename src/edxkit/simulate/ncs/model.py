"""A nerve ready to simulate: its units, unit-potential shape, temperature and amplitude scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edxkit.simulate.ncs.conduction import Conduction, Segment, conduct
from edxkit.simulate.ncs.fibres import Population, TemperatureEffect, draw_population, temperature_effect
from edxkit.simulate.ncs.params import PROXIMAL, NerveParams, Pathology, SiteGeometry
from edxkit.simulate.ncs.potentials import (
    SFAP_PRE_ANTIDROMIC,
    SFAP_PRE_ORTHODROMIC,
    FloatArray,
    ShapeSpec,
    UnitSum,
    muap_spec,
    sfap_spec,
)
from edxkit.simulate.ncs.truth import grid_ms

#: Orthodromic SNAPs (recorded over the nerve trunk) are about half the antidromic (digital) size.
ORTHODROMIC_AMPLITUDE_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class NerveModel:
    """Units of one nerve with everything needed to build responses."""

    params: NerveParams
    population: Population
    shape: ShapeSpec
    temperature: TemperatureEffect
    temperature_c: float
    scale: float

    def response(self, arrival_ms: FloatArray, keep: np.ndarray) -> UnitSum:
        """The clean response of the units selected by ``keep`` arriving at ``arrival_ms``."""
        pop, temp = self.population, self.temperature
        tau = pop.duration_ms[keep] * temp.duration_factor / (self.shape.x_neg_end - self.shape.x_neg_start)
        amp = self.scale * pop.size[keep] * temp.amplitude_factor
        return UnitSum(self.shape, np.asarray(arrival_ms[keep], dtype=np.float64), amp, tau)

    def distal_arrival_ms(self, distance_mm: float, *, reference: bool = False) -> FloatArray:
        """Healthy arrival time of every unit stimulated ``distance_mm`` from the recording site."""
        p, pop = self.params, self.population
        cv_factor = 1.0 if reference else self.temperature.cv_factor
        nmj_factor = 1.0 if reference else self.temperature.nmj_factor
        return distance_mm / (pop.cv_m_s * cv_factor * p.terminal_cv_fraction) + pop.nmj_ms * nmj_factor


def _healthy_amplitude(params: NerveParams, pop: Population, shape: ShapeSpec) -> float:
    """Negative-peak size of the healthy distal response at the standard distance with unit scale 1."""
    arrival = params.standard_distance_mm / (pop.cv_m_s * params.terminal_cv_fraction) + pop.nmj_ms
    tau = pop.duration_ms / (shape.x_neg_end - shape.x_neg_start)
    fn = UnitSum(shape, arrival, pop.size.copy(), tau)
    start, stop = fn.main_span_ms()
    dt = 0.02 * float(tau.min())
    t = grid_ms(start, stop, dt)
    return float(-fn(t).min())


def build_model(
    rng: np.random.Generator,
    params: NerveParams,
    *,
    temperature_c: float | None,
    orthodromic: bool = False,
) -> NerveModel:
    """Draw the units of ``params`` and scale them so the healthy distal response has ``params.amplitude``."""
    temp_c = params.reference_temp_c if temperature_c is None else float(temperature_c)
    temperature = temperature_effect(temp_c, params)
    pop = draw_population(rng, params)
    if params.kind == "motor":
        shape = muap_spec(params.unit_shape_exponent)
    else:
        shape = sfap_spec(SFAP_PRE_ORTHODROMIC if orthodromic else SFAP_PRE_ANTIDROMIC)
    target = params.amplitude * (ORTHODROMIC_AMPLITUDE_FACTOR if orthodromic else 1.0)
    scale = target / _healthy_amplitude(params, pop, shape)
    return NerveModel(params, pop, shape, temperature, temp_c, scale)


def nerve_segments(
    params: NerveParams, geometry: SiteGeometry, *, to_cord: bool = False
) -> tuple[Segment, ...]:
    """Segments of a site list, distal first; with ``to_cord`` the path on to the spinal cord too."""
    segs = [Segment(geometry.names[0], geometry.distal_mm, params.terminal_cv_fraction)]
    segs += [Segment(n, L, 1.0) for n, L in zip(geometry.names[1:], geometry.segments_mm, strict=True)]
    if to_cord:
        rest = params.cord_distance_mm - sum(geometry.segments_mm)
        if rest <= 0:
            raise ValueError(
                f"cord_distance_mm ({params.cord_distance_mm:.0f}) must exceed the stimulation segments "
                f"({sum(geometry.segments_mm):.0f} mm)"
            )
        segs.append(Segment(PROXIMAL, rest, params.proximal_cv_factor))
    return tuple(segs)


def check_pathology_keys(pathology: Pathology, segments: tuple[Segment, ...]) -> None:
    """Every segment-keyed pathology entry must name a segment of the study (or ``proximal``)."""
    known = {s.name for s in segments} | {PROXIMAL}
    unknown = sorted(pathology.segment_keys() - known)
    if unknown:
        raise ValueError(f"Pathology names unknown segments {unknown}; segments are {sorted(known)}")


def conduct_model(
    rng: np.random.Generator, model: NerveModel, segments: tuple[Segment, ...], pathology: Pathology
) -> Conduction:
    """Conduct the model's axons through ``segments`` under ``pathology``."""
    check_pathology_keys(pathology, segments)
    return conduct(rng, model.population, segments, pathology, model.temperature)
