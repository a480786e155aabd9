"""Normal physiology per nerve, tuned so simulated truth lands near the means of clinical.md §1.1/§1.2.

Base values are for a 40-year-old, 170 cm adult at 33 °C (upper limb) / 31 °C (lower limb), the
usual warmed-limb recording temperatures. Adjustments:

* age: CV −0.1 m/s per year over 40; amplitude −``age_amp_pct`` % per year over 40 (sensory legs
  most, clinical.md §1.5);
* height: leg CV −0.05 m/s per cm over 170 (taller → slower leg CV); the distance from the distal
  stimulation site to the cord is a fixed fraction of height (F-wave latency grows with height).

Distal latency = distal distance / (terminal CV fraction · CV) + NMJ delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from edxkit.anatomy import normalize_nerve
from edxkit.simulate.ncs.params import Kind, Limb, NerveParams, SiteSpec

StudyKind = Literal["motor", "sensory", "f_wave", "h_reflex", "rns"]


@dataclass(frozen=True, slots=True)
class _Row:
    record: str
    limb: Limb
    cv_m_s: float
    cv_spread_m_s: float
    amplitude: float
    n_units: int
    unit_duration_ms: float
    terminal_cv_fraction: float
    nmj_delay_ms: float
    sites: tuple[SiteSpec, ...]
    cord_fraction: float
    f_persistence: float = 0.9
    age_amp_pct: float = 0.5
    unit_size_sigma: float = 0.7
    proximal_cv_factor: float = 1.12
    shape_exponent: float = 1.3


_W = SiteSpec
# fmt: off
_MOTOR: dict[str, _Row] = {
    "median": _Row("abductor_pollicis_brevis", "upper", 58.0, 18.0, 10.0, 150, 5.0, 0.52, 1.0,
                   (_W("wrist", 80.0), _W("elbow", segment_mm=230.0)), 0.42),
    "ulnar": _Row("abductor_digiti_minimi_hand", "upper", 61.0, 18.0, 11.0, 180, 5.2, 0.63, 0.9,
                  (_W("wrist", 80.0), _W("below_elbow", segment_mm=210.0),
                   _W("above_elbow", segment_mm=100.0)),
                  0.42, f_persistence=0.85),
    "peroneal": _Row("extensor_digitorum_brevis", "lower", 49.0, 15.0, 6.0, 120, 5.0, 0.47, 1.1,
                     (_W("ankle", 80.0), _W("below_fibular_head", segment_mm=300.0),
                      _W("above_fibular_head", segment_mm=100.0)),
                     0.62, f_persistence=0.6, age_amp_pct=1.0),
    "tibial": _Row("abductor_hallucis", "lower", 49.0, 16.0, 12.0, 200, 5.0, 0.48, 1.1,
                   (_W("ankle", 80.0), _W("popliteal_fossa", segment_mm=380.0)), 0.62,
                   f_persistence=0.97, age_amp_pct=1.0),
    "radial": _Row("extensor_indicis", "upper", 62.0, 15.0, 5.0, 100, 4.5, 0.6, 0.8,
                   (_W("forearm", 60.0), _W("elbow", segment_mm=130.0),
                    _W("spiral_groove", segment_mm=100.0)),
                   0.42, f_persistence=0.7),
}
_SENSORY: dict[str, _Row] = {
    "median": _Row("digit_2", "upper", 60.0, 22.0, 35.0, 300, 0.8, 1.0, 0.0, (_W("wrist", 130.0),), 0.0,
                   age_amp_pct=0.8, unit_size_sigma=0.35),
    "ulnar": _Row("digit_5", "upper", 60.0, 22.0, 30.0, 300, 0.8, 1.0, 0.0, (_W("wrist", 110.0),), 0.0,
                  age_amp_pct=0.8, unit_size_sigma=0.35),
    "superficial_radial": _Row("snuffbox", "upper", 60.0, 22.0, 30.0, 300, 0.8, 1.0, 0.0,
                               (_W("forearm", 100.0),), 0.0, age_amp_pct=0.8, unit_size_sigma=0.35),
    "sural": _Row("lateral_ankle", "lower", 50.0, 18.0, 18.0, 300, 0.9, 1.0, 0.0, (_W("calf", 140.0),), 0.0,
                  age_amp_pct=1.2, unit_size_sigma=0.35),
    "superficial_peroneal": _Row("ankle", "lower", 50.0, 18.0, 12.0, 300, 0.9, 1.0, 0.0,
                                 (_W("lateral_calf", 120.0),), 0.0, age_amp_pct=1.2, unit_size_sigma=0.35),
}
_SOLEUS = _Row("soleus", "lower", 49.0, 7.0, 3.0, 200, 3.3, 0.7, 1.3, (_W("popliteal_fossa", 180.0),), 0.37,
               f_persistence=0.97, age_amp_pct=1.0, shape_exponent=2.0)
# fmt: on
_SENSORY_ALIASES = {"radial": "superficial_radial"}


def _lookup(nerve: str, kind: StudyKind) -> tuple[str, _Row, Kind]:
    if kind not in ("motor", "sensory", "f_wave", "h_reflex", "rns"):
        raise ValueError(f"kind must be motor, sensory, f_wave, h_reflex or rns, got {kind!r}")
    canonical = normalize_nerve(nerve)
    if kind == "h_reflex":
        if canonical != "tibial":
            raise ValueError(f"H-reflex is simulated for the tibial nerve (soleus) only, got {nerve!r}")
        return canonical, _SOLEUS, "motor"
    model_kind: Kind = "sensory" if kind == "sensory" else "motor"
    table = _SENSORY if kind == "sensory" else _MOTOR
    canonical = _SENSORY_ALIASES.get(canonical, canonical) if kind == "sensory" else canonical
    if canonical not in table:
        known = ", ".join(sorted(table))
        raise ValueError(f"no normal {kind} parameters for nerve {nerve!r}; known: {known}")
    return canonical, table[canonical], model_kind


def normal_params(
    nerve: str,
    kind: StudyKind = "motor",
    *,
    age_years: float = 50.0,
    height_cm: float = 170.0,
    rng: np.random.Generator | None = None,
) -> NerveParams:
    """Normal physiology of ``nerve`` for a ``kind`` of study, adjusted for age and height.

    ``f_wave`` and ``rns`` use the motor parameters; ``h_reflex`` (tibial only) uses the tibial
    motor axons with soleus as the recording muscle (see :func:`simulate_h_reflex`). Without
    ``rng`` the values are the population means; with it, one normal subject is drawn around them:
    CV × N(1, 3 %) and amplitude × log-normal(σ 0.2), both clipped at ±2 SD so that the values
    stay inside the clinical limits.
    """
    if not (18.0 <= age_years <= 100.0) or not (120.0 <= height_cm <= 230.0):
        raise ValueError(f"age_years must be 18–100 and height_cm 120–230, got {age_years!r}, {height_cm!r}")
    canonical, row, model_kind = _lookup(nerve, kind)
    cv_factor, amp_factor = _subject_factors(rng)
    older = max(age_years - 40.0, 0.0)
    cv = row.cv_m_s - 0.1 * older - (0.05 * (height_cm - 170.0) if row.limb == "lower" else 0.0)
    cv *= cv_factor
    amplitude = row.amplitude * max(1.0 - row.age_amp_pct / 100.0 * older, 0.1) * amp_factor
    return NerveParams(
        nerve=canonical,
        kind=model_kind,
        record=row.record,
        limb=row.limb,
        cv_m_s=cv,
        cv_spread_m_s=row.cv_spread_m_s,
        amplitude=amplitude,
        n_units=row.n_units,
        unit_duration_ms=row.unit_duration_ms,
        unit_size_sigma=row.unit_size_sigma,
        size_cv_correlation=0.7 if model_kind == "motor" else 0.5,
        terminal_cv_fraction=row.terminal_cv_fraction,
        nmj_delay_ms=row.nmj_delay_ms,
        reference_temp_c=33.0 if row.limb == "upper" else 31.0,
        standard_distance_mm=float(row.sites[0].distance_mm or 0.0),
        sites=row.sites,
        cord_distance_mm=row.cord_fraction * height_cm * 10.0,
        proximal_cv_factor=row.proximal_cv_factor,
        f_persistence=row.f_persistence,
        age_years=age_years,
        height_cm=height_cm,
        unit_shape_exponent=row.shape_exponent,
    )


def _subject_factors(rng: np.random.Generator | None) -> tuple[float, float]:
    """CV and amplitude multipliers of one normal subject (1, 1 without ``rng``)."""
    if rng is None:
        return 1.0, 1.0
    z_cv, z_amp = np.clip(rng.standard_normal(2), -2.0, 2.0)
    return 1.0 + 0.03 * float(z_cv), float(np.exp(0.2 * z_amp))


def supported_nerves() -> dict[str, tuple[str, ...]]:
    """Nerves with normal parameters, by kind (``motor``, ``sensory``)."""
    return {"motor": tuple(_MOTOR), "sensory": tuple(_SENSORY)}
