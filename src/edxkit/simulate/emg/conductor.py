"""Muscle fibre action potential, anisotropic volume conductor and concentric needle weighting.

Model (all lengths in mm, potentials in mV unless the name says ``_uv``):

* Intracellular action potential (IAP) along the fibre, λ = distance behind the wavefront (mm), mV above rest:
  ``V(λ) = A e^(−λ/L) P(3, cλ)`` with ``P(3, x) = 1 − e^(−x)(1 + x + x²/2)`` (the regularised incomplete
  gamma function), ``c = 1/ℓ − 1/L``: a smooth cubic foot and a fast upstroke on the scale ℓ = 0.2 mm, then
  an exponential repolarisation of length L = 4.4 mm; A = 183 mV. Two of the three numbers keep
  Rosenfalck's (1969) profile ``96 λ³ e^(−λ)`` where it is well founded — its peak (129 mV above rest) and
  its half-amplitude width (4.1 mm ≈ 1.1 ms at 3.7 m/s) — and the third replaces its upstroke, which is too
  slow: Rosenfalck's 10–90 % upstroke of 1.64 mm makes even a fibre touching a point electrode give a
  positive-to-negative rise time of 0.54 ms (0.36 ms after the SFEMG 500 Hz–10 kHz filter), whereas
  single-fibre potentials rise in 0.1–0.2 ms and an SFEMG electrode accepts (rise < 300 µs) fibres out to
  its ≈300 µm uptake radius (Stålberg & Trontelj, *Single Fibre Electromyography*); SFAPs recorded at
  minimal distance have their power at ≈1–2.4 kHz (Gath & Stålberg 1975, biceps), far above Rosenfalck's
  ≈0.5 kHz. ℓ = 0.2 mm is the value at which that SFEMG criterion is met exactly at 0.3 mm (0.15–0.18 ms
  at 30–100 µm); the upstroke is then 0.65 mm (0.18 ms) with a maximal rate of rise ≈600 V/s, as in
  mammalian fast fibres at 37 °C (TB). The peak-to-peak size and sharpness of a near SFAP follow the
  depolarisation, its terminal phase and the far field the repolarisation (Rodriguez-Falces et al. 2012);
  the slow exponential repolarisation is also what gives MUAPs their slow terminal phase (McGill & Lateva
  2001, the "negative afterpotential").
* Line source: the transmembrane current per unit length is ``σ_i π a² ∂²V/∂z²`` (σ_i = 1.01 S/m, a = fibre
  radius), with sealed fibre ends. Two wavefronts start at the end-plate and run to the fibre ends at the
  conduction velocity; the kink of V at the end-plate (generation) and the end currents (extinction) follow
  from the same expression, so no extra sources are invented.
* Anisotropic, homogeneous, infinite volume conductor: σ_r = 0.1 S/m radial, σ_z = 0.5 S/m axial (the values
  of most recent EMG models, e.g. Farina & Merletti 2001; Farina et al. 2004); a point current I at radial
  distance ρ and axial offset z gives ``φ = I / (4π σ_r √(K ρ² + z²))`` with ``K = σ_z/σ_r`` = 5. The older
  pair 0.063/0.33 S/m (Andreassen & Rosenfalck 1981) has the same anisotropy but is a low-frequency value:
  the transverse conductivity of muscle rises with frequency because the fibre membranes conduct
  capacitively, and four-electrode measurements at sub-millimetre spacing find it frequency dependent
  across the EMG band (Gielen, Wallinga-de Jonge & Boon 1984); the spike components, which set MUAP
  amplitudes and the interference pattern, lie at 0.5–3 kHz. With 0.063 S/m a normal biceps interference
  pattern at maximal effort has a ≈1.3 mV rms (1st–99th-percentile envelope ≈6 mV), well above the 2–4 mV
  seen clinically; with 0.1 S/m it is ≈0.85 mV (≈4 mV).
* Concentric needle inserted perpendicular to the fibres: the core (elliptical bevel surface 0.58 × 0.15 mm,
  long axis across the fibres; a 7 × 3-point average) minus the cannula, the mean potential over the first
  10 mm of shaft behind the tip (40 points). The bank is indexed by the fibre's distance ``r`` from the tip
  only, so every electrode point's potential is averaged over the fibre's direction around the tip: for a
  point at in-plane offset ``u`` the fibre–point distance is ``√(r² + u² − 2ru·cos φ)``, and the mean of
  ``1/√(K(d² + a²) + z²)`` over φ is the complete elliptic integral
  ``(2/π) K(m) / √(z² + K((r+u)² + a²))``, ``1 − m = (z² + K((r−u)² + a²)) / (z² + K((r+u)² + a²))``.
  ``a`` is the closest the fibre axis can come: the fibre radius (25 µm) for core points, the cannula radius
  (0.23 mm) for the shaft. (The earlier approximation ``d = √(r² + u²)``, the rms distance, underrated the
  reference's pick-up of fibres passing beside the shaft and so overstated the far field by 30–40 % at
  2–3 mm.) The first and second z-derivatives of the weighting are taken by finite differences of this
  closed form on the integration grid (:mod:`edxkit.simulate.emg.bank`).

Integrating by parts twice moves the derivatives from V to the electrode weighting ``w(z)``:
``φ(t) = c [∫ V w'' dz − V(b) w'(b) + V(a) w'(a)]`` over the fibre ``[a, b]``, ``c = σ_i a²/(4 σ_r)``.
Because V is a sum of a quadratic times ``e^(−λ/ℓ)`` and a pure ``e^(−λ/L)``, each half-fibre integral is a
combination of running integrals ``∫ z^j e^{±z/ℓ} w''(z) dz`` (j = 0..3) and ``∫ e^{±z/L} w''(z) dz``, so a
whole bank of potentials costs a few cumulative sums (see :mod:`edxkit.simulate.emg.bank`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ellipkm1  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]

IAP_UPSTROKE_MM = 0.2  # ℓ: scale of the foot and upstroke (see module docstring)
IAP_REPOLARISATION_MM = 4.4  # L: decay length of the repolarisation
IAP_AMPLITUDE_MV = 183.0  # A: gives a 129 mV peak (Rosenfalck's) with a 4.1 mm half-amplitude width
SIGMA_INTRACELLULAR_S_M = 1.01
SIGMA_RADIAL_S_M = 0.1
SIGMA_AXIAL_S_M = 0.5
ANISOTROPY = SIGMA_AXIAL_S_M / SIGMA_RADIAL_S_M
REFERENCE_DIAMETER_UM = 50.0  # bank potentials are for this fibre diameter; scale by (d/50)²


@dataclass(frozen=True, slots=True)
class NeedleGeometry:
    """Standard concentric needle (e.g. 37 mm × 0.46 mm, core recording area ≈0.07 mm²).

    Parameters
    ----------
    core_long_mm, core_short_mm : float
        Semi-axes of the elliptical core surface on the bevel (long axis across the fibres).
    cannula_start_mm, cannula_length_mm : float
        The shaft from ``cannula_start_mm`` to ``cannula_length_mm`` behind the tip is the reference input.
    cannula_points : int
        Number of quadrature points along that length.
    cannula_radius_mm : float
        Shaft radius: the closest a fibre axis comes to the shaft's axis.
    fibre_radius_mm : float
        The closest a fibre axis comes to a core point (the fibre's own radius).
    """

    core_long_mm: float = 0.29
    core_short_mm: float = 0.075
    cannula_start_mm: float = 0.4
    cannula_length_mm: float = 10.0
    cannula_points: int = 40
    cannula_radius_mm: float = 0.23
    fibre_radius_mm: float = 0.025


def iap_polynomial() -> tuple[float, float, float, float]:
    """``(a0, a1, a2, a3)`` with ``V(y) = e^(−y/ℓ) Σ a_k y^k + A e^(−y/L)`` for y ≥ 0 (mV, mm)."""
    amp = IAP_AMPLITUDE_MV
    c = 1.0 / IAP_UPSTROKE_MM - 1.0 / IAP_REPOLARISATION_MM
    return -amp, -amp * c, -0.5 * amp * c * c, 0.0


def iap_mv(lam_mm: FloatArray) -> FloatArray:
    """Intracellular action potential (mV above rest) at ``lam_mm`` behind the wavefront (0 ahead of it)."""
    lam = np.asarray(lam_mm, dtype=np.float64)
    y = np.maximum(lam, 0.0)
    a0, a1, a2, a3 = iap_polynomial()
    value = np.exp(-y / IAP_UPSTROKE_MM) * (a0 + y * (a1 + y * (a2 + y * a3)))
    value += IAP_AMPLITUDE_MV * np.exp(-y / IAP_REPOLARISATION_MM)
    return np.asarray(np.where(lam > 0.0, value, 0.0))


_PEAK_GRID_MM = np.linspace(0.0, 10.0, 20001)
IAP_PEAK_MM = float(_PEAK_GRID_MM[int(np.argmax(iap_mv(_PEAK_GRID_MM)))])  # ≈1.2 mm behind the front


def line_constant_mm2(diameter_um: float = REFERENCE_DIAMETER_UM) -> float:
    """``c = σ_i a² / (4 σ_r)`` in mm², the factor between ∫V·w'' (mV/mm²·mm) and the potential (mV)."""
    radius_mm = diameter_um / 2000.0
    return SIGMA_INTRACELLULAR_S_M * radius_mm**2 / (4.0 * SIGMA_RADIAL_S_M)


def _electrode_points(needle: NeedleGeometry) -> list[tuple[float, float, float, float]]:
    """``(in-plane offset, axial offset, closest approach, weight)`` of every electrode point.

    Core points carry positive weights summing to 1, cannula points negative weights summing to −1. Core
    points at ±u have the same direction average, so each |u| appears once with the summed weight.
    """
    points: list[tuple[float, float, float, float]] = []
    n_u, n_w = 7, 3
    u_mid = (np.arange(n_u) + 0.5) / n_u * 2.0 - 1.0  # strip midpoints across the ellipse, in units of a
    chord = np.sqrt(1.0 - u_mid**2)  # relative chord length of each strip
    w_mid = ((np.arange(n_w) + 0.5) / n_w * 2.0 - 1.0)[None, :] * chord[:, None]
    weight = np.repeat(chord[:, None] / n_w, n_w, axis=1)
    weight /= weight.sum()
    merged: dict[tuple[float, float], float] = {}
    for i in range(n_u):
        for j in range(n_w):
            key = (
                round(abs(float(u_mid[i])) * needle.core_long_mm, 9),
                float(w_mid[i, j]) * needle.core_short_mm,
            )
            merged[key] = merged.get(key, 0.0) + float(weight[i, j])
    points.extend((u, w, needle.fibre_radius_mm, wt) for (u, w), wt in merged.items())
    x = np.linspace(needle.cannula_start_mm, needle.cannula_length_mm, needle.cannula_points)
    points.extend((float(xi), 0.0, needle.cannula_radius_mm, -1.0 / x.size) for xi in x)
    return points


def _direction_mean(z_mm: FloatArray, r_mm: float, u_mm: float, a_mm: float) -> FloatArray:
    """Mean over the fibre's direction of ``1/√(K(d² + a²) + z²)``, d the fibre–point in-plane distance."""
    z2 = z_mm * z_mm
    outer = z2 + ANISOTROPY * ((r_mm + u_mm) ** 2 + a_mm * a_mm)
    inner = z2 + ANISOTROPY * ((r_mm - u_mm) ** 2 + a_mm * a_mm)
    return np.asarray((2.0 / np.pi) * ellipkm1(inner / outer) / np.sqrt(outer))


def needle_weighting_value(z_mm: FloatArray, r_mm: float, needle: NeedleGeometry) -> FloatArray:
    """``w(z)`` (core minus cannula, 1/mm) for a fibre at ``r_mm``; ``z_mm``: axial offset from the tip."""
    out = np.zeros_like(z_mm, dtype=np.float64)
    for u, w, a, weight in _electrode_points(needle):
        out += weight * _direction_mean(z_mm - w, r_mm, u, a)
    return out


def needle_weighting(z_mm: FloatArray, r_mm: float, needle: NeedleGeometry) -> tuple[FloatArray, FloatArray]:
    """``w'(z)`` and ``w''(z)`` on the (possibly non-uniform, increasing) grid ``z_mm``.

    Second-order finite differences of :func:`needle_weighting_value` on the grid itself; the grid must
    resolve the weighting (the bank's is 5 µm within 4 mm of the tip, where the narrowest feature is
    ≈√K·25 µm ≈ 60 µm wide).
    """
    w = needle_weighting_value(z_mm, r_mm, needle)
    d1 = np.gradient(w, z_mm, edge_order=2)
    h_left = np.diff(z_mm)[:-1]
    h_right = np.diff(z_mm)[1:]
    d2 = np.empty_like(w)
    d2[1:-1] = (
        2.0
        * (h_left * w[2:] - (h_left + h_right) * w[1:-1] + h_right * w[:-2])
        / (h_left * h_right * (h_left + h_right))
    )
    d2[0], d2[-1] = d2[1], d2[-2]
    return np.asarray(d1), np.asarray(d2)


def direct_fibre_potential_mv(
    v_mv: FloatArray, z_mm: FloatArray, r_mm: float, needle: NeedleGeometry, diameter_um: float
) -> FloatArray:
    """Potential (mV) of a discretised fibre with arbitrary membrane voltage ``v_mv[t, z]``.

    The transmembrane current is the second difference of V with sealed ends (so it sums to zero at every
    instant); used for fibres whose voltage is not a freely propagating Rosenfalck wave (blocked fibres).
    ``z_mm`` must be uniformly spaced.
    """
    dz = float(z_mm[1] - z_mm[0])
    padded = np.concatenate([v_mv[:, :1], v_mv, v_mv[:, -1:]], axis=1)
    current = (padded[:, 2:] - 2.0 * padded[:, 1:-1] + padded[:, :-2]) / dz  # per segment, mV/mm
    weight = needle_weighting_value(z_mm, r_mm, needle)
    return np.asarray(line_constant_mm2(diameter_um) * (current @ weight))
