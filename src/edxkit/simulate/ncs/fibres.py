"""Axon populations (CV, size, unit-potential duration, NMJ delay) and the effect of temperature.

Temperature model (relative to ``reference_temp_c`` of the nerve, ``ΔT = T − T_ref``):

* conduction velocity × ``exp(0.035·ΔT − 0.001·ΔT²)`` (ΔT capped at +4 °C): ≈3.5 %/°C near the
  reference and larger in the cold (non-linear, Todnem 1989), i.e. ≈2 m/s/°C at 57 m/s;
* NMJ/activation delay × ``2.5^(−ΔT/10)`` (Q10 2.5), so the distal motor latency grows by
  ≈0.2 ms/°C of cooling together with the slower terminal conduction;
* unit-potential duration × ``cv_factor^−0.5``; unit amplitude × ``1 + g·max(−ΔT, 0)`` with
  ``g`` = 0.025 sensory, 0.01 motor (cold SNAPs are longer and larger).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.ncs.params import NerveParams

FloatArray = NDArray[np.float64]

_NORMAL = statistics.NormalDist()
_ERF = np.vectorize(math.erf, otypes=[np.float64])
_PPF = np.vectorize(_NORMAL.inv_cdf, otypes=[np.float64])


def normal_cdf(z: FloatArray) -> FloatArray:
    """Standard normal CDF, element-wise."""
    return np.asarray(0.5 * (1.0 + _ERF(np.asarray(z, dtype=np.float64) / math.sqrt(2.0))), dtype=np.float64)


def normal_ppf(q: FloatArray) -> FloatArray:
    """Standard normal quantile function, element-wise (``0 < q < 1``)."""
    return np.asarray(_PPF(np.asarray(q, dtype=np.float64)), dtype=np.float64)


_CV_SLOPE = 0.035
_CV_CURVE = -0.001
_NMJ_Q10 = 2.5
_CV_SHAPE_B = 2.2


@dataclass(frozen=True, slots=True)
class TemperatureEffect:
    """Multipliers that a limb temperature applies to the reference physiology."""

    cv_factor: float
    nmj_factor: float
    duration_factor: float
    amplitude_factor: float


def temperature_effect(temp_c: float, params: NerveParams) -> TemperatureEffect:
    """Multipliers for CV, NMJ delay, unit duration and unit amplitude at ``temp_c`` (°C)."""
    if not (math.isfinite(temp_c) and 20.0 <= temp_c <= 40.0):
        raise ValueError(f"temperature_c must be within 20–40 °C, got {temp_c!r}")
    delta = min(temp_c - params.reference_temp_c, 4.0)
    cv = math.exp(_CV_SLOPE * delta + _CV_CURVE * delta * delta)
    cold = max(-delta, 0.0)
    gain = 0.025 if params.kind == "sensory" else 0.01
    return TemperatureEffect(
        cv_factor=cv,
        nmj_factor=_NMJ_Q10 ** (-delta / 10.0),
        duration_factor=cv**-0.5,
        amplitude_factor=1.0 + gain * cold,
    )


@dataclass(frozen=True, slots=True)
class Population:
    """Per-unit properties of a healthy nerve at its reference temperature (index = unit).

    ``cv_m_s`` is the trunk CV, ``size`` the relative unit-potential amplitude (mean 1),
    ``duration_ms`` the negative-phase duration of the unit potential, ``nmj_ms`` the NMJ delay
    (0 for sensory) and ``rank`` a uniform 0–1 score of unit size used for recruitment order.
    """

    cv_m_s: FloatArray
    size: FloatArray
    duration_ms: FloatArray
    nmj_ms: FloatArray
    rank: FloatArray

    @property
    def n(self) -> int:
        return int(self.cv_m_s.shape[0])


def draw_population(rng: np.random.Generator, params: NerveParams) -> Population:
    """Draw the units of a healthy nerve.

    CVs are ``cv_m_s − cv_spread_m_s·u`` with ``u ~ Beta(1, 2.2)`` (densest at the fast end, so the
    fastest axons form the response take-off), sizes log-normal and correlated with CV through a
    Gaussian copula (``size_cv_correlation``), durations ±12 % and NMJ delays ±0.02 ms (sd).
    """
    n = params.n_units
    z_cv = rng.standard_normal(n)
    z_size = rng.standard_normal(n)
    z_dur = rng.standard_normal(n)
    z_nmj = rng.standard_normal(n)
    u = 1.0 - (1.0 - normal_cdf(z_cv)) ** (1.0 / _CV_SHAPE_B)
    cv = params.cv_m_s - params.cv_spread_m_s * u
    rho = params.size_cv_correlation
    z = -rho * z_cv + math.sqrt(1.0 - rho * rho) * z_size
    sigma = params.unit_size_sigma
    size = np.exp(sigma * z - 0.5 * sigma * sigma)
    duration = params.unit_duration_ms * np.clip(1.0 + 0.12 * z_dur + 0.05 * z, 0.6, 1.5)
    nmj = np.maximum(params.nmj_delay_ms + 0.02 * z_nmj, 0.0) if params.nmj_delay_ms > 0 else np.zeros(n)
    rank = (np.argsort(np.argsort(size)) + 0.5) / n
    return Population(cv, size, duration, nmj, rank.astype(np.float64))
