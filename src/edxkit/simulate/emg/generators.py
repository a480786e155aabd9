"""Templates of spontaneous generators (raw, µV, at the internal rate), from the same line-source model.

* Fibrillation: one denervated, atrophic fibre (diameter 40 ± 6 µm, so slower and smaller) within 0.5 mm of
  the tip firing from a site 3–15 mm away: the approaching wave gives the initial positive phase, then the
  negative spike and the positive after-phase (biphasic/triphasic, 1–5 ms).
* Positive sharp wave: the same kind of fibre whose propagation is blocked at the needle (Dumitru's model):
  the fibre ends (sealed, needle-damaged) 0–0.3 mm past the tip and the membrane of its last 1 mm repolarises
  slowly (τ 3–8 ms) instead of in ≈1 ms. The approaching front gives the sharp positive deflection; the
  stuck depolarisation next to the core gives the slow negative phase (≥ 10 ms). Computed by the direct
  fibre integrator, since the voltage is no longer a free Rosenfalck wave.
* Complex repetitive discharge: 3–8 fibres near the tip activated one after the other by ephaptic
  transmission (0.3–2 ms apart) → a polyphasic complex.
* End-plate spike: a fibre activated at its end-plate right at the needle (|d| < 0.3 mm): the wave starts
  under the electrode, so there is no approaching positive phase → initially negative biphasic.
* End-plate noise (miniature end-plate potentials): a local end-plate current, not a propagated potential —
  a monophasic negative alpha-function (time constant 0.25–0.45 ms, 1–2 ms long); its size varies per event.
"""

from __future__ import annotations

import numpy as np

from edxkit.simulate.emg.bank import SfapBank
from edxkit.simulate.emg.conductor import (
    IAP_PEAK_MM,
    NeedleGeometry,
    direct_fibre_potential_mv,
    iap_mv,
)
from edxkit.simulate.emg.muap import FibreSet, fibre_sum_uv, time_window_ms
from edxkit.simulate.emg.params import fibre_cv_m_s
from edxkit.simulate.emg.pool import FloatArray


def _single(r_mm: float, d_mm: float, diameter_um: float, delay_ms: float = 0.0) -> FibreSet:
    d = np.array([diameter_um])
    return FibreSet(
        r_mm=np.array([r_mm]),
        endplate_mm=np.array([d_mm]),
        cv_m_s=fibre_cv_m_s(d),
        delay_ms=np.array([delay_ms]),
        weight=(d / 50.0) ** 2,
    )


def _concat(sets: list[FibreSet]) -> FibreSet:
    fields = ("r_mm", "endplate_mm", "cv_m_s", "delay_ms", "weight")
    return FibreSet(*(np.concatenate([getattr(s, f) for s in sets]) for f in fields))


def _render(bank: SfapBank, fs: FibreSet, internal_hz: float) -> FloatArray:
    t_ms = time_window_ms(bank, fs, internal_hz)
    return fibre_sum_uv(bank, fs, t_ms)


def fibrillation_raw(rng: np.random.Generator, bank: SfapBank, internal_hz: float) -> FloatArray:
    """A fibrillation potential: a denervated fibre near the tip, origin 3–15 mm away."""
    r = float(np.sqrt(rng.uniform(0.03**2, 0.5**2)))
    d = float(rng.uniform(3.0, 15.0) * rng.choice([-1.0, 1.0]))
    return _render(bank, _single(r, d, float(np.clip(rng.normal(40.0, 6.0), 25.0, 55.0))), internal_hz)


def end_plate_spike_raw(rng: np.random.Generator, bank: SfapBank, internal_hz: float) -> FloatArray:
    """An end-plate spike: a fibre excited at its end-plate under the needle (initially negative)."""
    r = float(rng.uniform(0.1, 0.5))
    d = float(rng.uniform(-0.3, 0.3))
    return _render(bank, _single(r, d, float(rng.normal(55.0, 5.0))), internal_hz)


def crd_raw(rng: np.random.Generator, bank: SfapBank, internal_hz: float) -> FloatArray:
    """A complex repetitive discharge complex: 3–8 fibres firing in an ephaptic chain."""
    n = int(rng.integers(3, 9))
    delays = np.cumsum(rng.uniform(0.3, 2.0, n)) - 0.3
    sets = [
        _single(
            float(np.sqrt(rng.uniform(0.05**2, 0.6**2))),
            float(rng.uniform(2.0, 12.0) * rng.choice([-1.0, 1.0])),
            float(rng.normal(50.0, 8.0)),
            float(delays[i]),
        )
        for i in range(n)
    ]
    return _render(bank, _concat(sets), internal_hz)


def end_plate_noise_raw(rng: np.random.Generator, internal_hz: float) -> FloatArray:
    """A miniature end-plate potential: monophasic negative alpha function, peak −30 µV before scaling."""
    tau_ms = float(rng.uniform(0.25, 0.45))
    t = np.arange(int(12 * tau_ms * internal_hz / 1000.0)) * 1000.0 / internal_hz
    return np.asarray(-30.0 * (t / tau_ms) * np.exp(1.0 - t / tau_ms))


def _psw_voltage(
    t_ms: FloatArray, z_mm: FloatArray, origin_mm: float, block_mm: float, cv: float, tau_ms: float
) -> FloatArray:
    """Depolarisation (mV) of a fibre blocked at ``block_mm``, repolarising slowly in its last 1 mm."""
    lam = cv * t_ms[:, None] - np.abs(z_mm[None, :] - origin_mm)
    normal = iap_mv(lam)
    peak = iap_mv(np.array([IAP_PEAK_MM]))[0]
    slow = np.where(lam <= IAP_PEAK_MM, normal, peak * np.exp(-(lam - IAP_PEAK_MM) / (cv * tau_ms)))
    damaged = np.clip((z_mm - (block_mm - 1.0)) / 0.5, 0.0, 1.0)[None, :]
    return np.asarray((1.0 - damaged) * normal + damaged * slow)


def psw_raw(rng: np.random.Generator, internal_hz: float, needle: NeedleGeometry | None = None) -> FloatArray:
    """A positive sharp wave (µV): fibre 0.05–0.3 mm away, blocked 0–0.3 mm past the tip, origin 4–12 mm."""
    r = float(rng.uniform(0.05, 0.3))
    origin = -float(rng.uniform(4.0, 12.0))
    block = float(rng.uniform(0.0, 0.3))
    diameter = float(np.clip(rng.normal(40.0, 6.0), 25.0, 55.0))
    cv = float(fibre_cv_m_s(np.array([diameter]))[0])
    tau = float(rng.uniform(3.0, 8.0))
    z = np.arange(origin - 5.0, block + 1e-9, 0.02)
    t = np.arange(0.0, (block - origin) / cv + 5.0 * tau, 1000.0 / internal_hz)
    v = _psw_voltage(t, z, origin, block, cv, tau)
    return 1000.0 * direct_fibre_potential_mv(v, z, r, needle or NeedleGeometry(), diameter)
