"""Nerve-conduction simulator with exact ground truth: CMAPs, SNAPs, F waves, H reflex and RNS.

Model (details in the module docstrings):

* a nerve is a population of motor units (100–200) or sensory fibre groups (300), each with its
  own axon CV (fastest ≈ the clinical CV, 8–22 m/s spread, densest at the fast end), unit-potential
  size (log-normal, bigger units faster), duration and NMJ delay (:mod:`.fibres`);
* each stimulation site (distal first) gives one sweep: every conducting unit's surface potential
  (:mod:`.potentials`) arrives at distal latency (distance / terminal CV + NMJ delay) plus the sum
  of segment conduction times, so dispersion and phase cancellation emerge (:mod:`.evoked`);
* pathology (:class:`Pathology`): axonal loss, global demyelination with dispersion, per-segment
  conduction block, temporal dispersion and focal slowing (entrapment), absent responses
  (:mod:`.conduction`); temperature changes CV, NMJ delay, durations and SNAP size (:mod:`.fibres`);
* recording (:mod:`.artifacts`): stimulus artifact, slow drift and white noise at a chosen SNR,
  ``SNR = 20·log10(|negative-peak amplitude| / noise rms)``, any sampling rate and pre-stimulus time;
* late responses (:mod:`.late` F waves, :mod:`.hreflex` H reflex) and repetitive stimulation
  (:mod:`.rns`).

Truth (:mod:`.truth`) is measured on the clean, continuous-time response, independent of sampling,
noise, artifact and drift: ``onset_latency_ms`` is the first time the response departs from 0 by
more than :data:`ONSET_FRACTION` (1 %) of its negative peak; ``arrival_ms`` is the model's
fastest-unit arrival; amplitudes are baseline (0) to negative peak; duration and area are those of
the negative phase.
"""

from edxkit.simulate.ncs.artifacts import RecordingSpec
from edxkit.simulate.ncs.evoked import simulate_motor, simulate_sensory
from edxkit.simulate.ncs.hreflex import ReflexSpec, simulate_h_reflex
from edxkit.simulate.ncs.late import simulate_f_waves
from edxkit.simulate.ncs.normal import normal_params, supported_nerves
from edxkit.simulate.ncs.params import PROXIMAL, NerveParams, Pathology, SiteSpec
from edxkit.simulate.ncs.potentials import UnitSum
from edxkit.simulate.ncs.result import EvokedSimulation
from edxkit.simulate.ncs.rns import simulate_rns
from edxkit.simulate.ncs.truth import ONSET_FRACTION, ResponseTruth, measure_response

__all__ = [
    "ONSET_FRACTION",
    "PROXIMAL",
    "EvokedSimulation",
    "NerveParams",
    "Pathology",
    "RecordingSpec",
    "ReflexSpec",
    "ResponseTruth",
    "SiteSpec",
    "UnitSum",
    "measure_response",
    "normal_params",
    "simulate_f_waves",
    "simulate_h_reflex",
    "simulate_motor",
    "simulate_rns",
    "simulate_sensory",
    "supported_nerves",
]
