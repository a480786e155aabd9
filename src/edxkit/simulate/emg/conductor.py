"""Muscle fibre action potential, anisotropic volume conductor and concentric needle weighting.

Model (all lengths in mm, potentials in mV unless the name says ``_uv``):

* Intracellular action potential along the fibre, Rosenfalck (1969):
  ``V(λ) = 96 λ³ e^(−λ)`` mV above rest, λ = distance behind the wavefront (mm). Peak +129 mV at λ = 3 mm.
* Line source: the transmembrane current per unit length is ``σ_i π a² ∂²V/∂z²`` (σ_i = 1.01 S/m, a = fibre
  radius), with sealed fibre ends. Two wavefronts start at the end-plate and run to the fibre ends at the
  conduction velocity; the kink of V at the end-plate (generation) and the end currents (extinction) follow
  from the same expression, so no extra sources are invented.
* Anisotropic, homogeneous, infinite volume conductor (Andreassen & Rosenfalck 1981): σ_r = 0.063 S/m
  radial, σ_z = 0.33 S/m axial; a point current I at radial distance ρ and axial offset z gives
  ``φ = I / (4π σ_r √(K ρ² + z²))`` with ``K = σ_z/σ_r``.
* Concentric needle inserted perpendicular to the fibres: the core (elliptical bevel surface 0.58 × 0.15 mm,
  a 9-point average) minus the cannula, approximated by the mean potential over the first 10 mm of shaft
  behind the tip. Both are averaged over the fibre's angle around the needle (the fibre's distance to a
  point offset ``u`` from the tip is taken as ``√(r² + u²)``), which keeps the weighting radially symmetric.

Integrating by parts twice moves the derivatives from V to the electrode weighting ``w(z)``:
``φ(t) = c [∫ V w'' dz − V(b) w'(b) + V(a) w'(a)]`` over the fibre ``[a, b]``, ``c = σ_i a²/(4 σ_r)``.
Because V is a cubic times an exponential, each half-fibre integral is a combination of running integrals
``∫ z^j e^{±z} w''(z) dz`` (j = 0..3), so a whole bank of potentials costs a few cumulative sums
(see :mod:`edxkit.simulate.emg.bank`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

AP_AMPLITUDE_MV_PER_MM3 = 96.0  # Rosenfalck 1969
SIGMA_INTRACELLULAR_S_M = 1.01
SIGMA_RADIAL_S_M = 0.063  # Andreassen & Rosenfalck 1981
SIGMA_AXIAL_S_M = 0.33
ANISOTROPY = SIGMA_AXIAL_S_M / SIGMA_RADIAL_S_M
REFERENCE_DIAMETER_UM = 50.0  # bank potentials are for this fibre diameter; scale by (d/50)²


@dataclass(frozen=True, slots=True)
class NeedleGeometry:
    """Standard concentric needle (e.g. 37 mm × 0.46 mm, core recording area ≈0.07 mm²).

    Parameters
    ----------
    core_long_mm, core_short_mm : float
        Semi-axes of the elliptical core surface on the bevel.
    cannula_length_mm : float
        Length of the shaft behind the tip whose mean potential is the reference (cannula) input.
    cannula_points : int
        Number of quadrature points along that length.
    """

    core_long_mm: float = 0.29
    core_short_mm: float = 0.075
    cannula_start_mm: float = 0.4
    cannula_length_mm: float = 10.0
    cannula_points: int = 12


def rosenfalck_mv(lam_mm: FloatArray) -> FloatArray:
    """Intracellular depolarisation (mV above rest) at ``lam_mm`` behind the wavefront (0 ahead of it)."""
    lam = np.maximum(lam_mm, 0.0)
    return np.asarray(AP_AMPLITUDE_MV_PER_MM3 * lam**3 * np.exp(-lam))


def line_constant_mm2(diameter_um: float = REFERENCE_DIAMETER_UM) -> float:
    """``c = σ_i a² / (4 σ_r)`` in mm², the factor between ∫V·w'' (mV/mm²·mm) and the potential (mV)."""
    radius_mm = diameter_um / 2000.0
    return SIGMA_INTRACELLULAR_S_M * radius_mm**2 / (4.0 * SIGMA_RADIAL_S_M)


def _quadrature(needle: NeedleGeometry) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Lateral offsets and axial offsets of the core points, and offsets/weights of the cannula points."""
    u = np.array([-0.7, 0.0, 0.7]) * needle.core_long_mm
    w = np.array([-0.67, 0.0, 0.67]) * needle.core_short_mm
    core_u, core_w = (a.ravel() for a in np.meshgrid(u, w))
    cann_x = np.linspace(needle.cannula_start_mm, needle.cannula_length_mm, needle.cannula_points)
    cann_weight = np.full(cann_x.size, 1.0 / cann_x.size)
    return core_u, core_w, cann_x, cann_weight


def _point_derivs(z_mm: FloatArray, rho_mm: float) -> tuple[FloatArray, FloatArray]:
    """First and second z-derivatives of ``1/√(K ρ² + z²)`` (the point-source weighting)."""
    z2 = z_mm * z_mm
    krho2 = ANISOTROPY * rho_mm * rho_mm
    inv = 1.0 / np.sqrt(krho2 + z2)
    inv3 = inv * inv * inv
    return -z_mm * inv3, (2.0 * z2 - krho2) * inv3 * inv * inv


def needle_weighting(z_mm: FloatArray, r_mm: float, needle: NeedleGeometry) -> tuple[FloatArray, FloatArray]:
    """``w'(z)`` and ``w''(z)`` of the concentric needle (core minus cannula) for a fibre at ``r_mm``.

    ``z_mm`` is the axial position along the fibre relative to the needle tip.
    """
    core_u, core_w, cann_x, cann_weight = _quadrature(needle)
    d1 = np.zeros_like(z_mm)
    d2 = np.zeros_like(z_mm)
    for u, w in zip(core_u, core_w, strict=True):
        a1, a2 = _point_derivs(z_mm - w, float(np.hypot(r_mm, u)))
        d1 += a1 / core_u.size
        d2 += a2 / core_u.size
    for x, weight in zip(cann_x, cann_weight, strict=True):
        a1, a2 = _point_derivs(z_mm, float(np.hypot(r_mm, x)))
        d1 -= weight * a1
        d2 -= weight * a2
    return d1, d2


def needle_weighting_value(z_mm: FloatArray, r_mm: float, needle: NeedleGeometry) -> FloatArray:
    """``w(z)`` itself (core minus cannula, 1/mm) — used by the direct fibre integrator."""
    core_u, core_w, cann_x, cann_weight = _quadrature(needle)
    out = np.zeros_like(z_mm)
    for u, w in zip(core_u, core_w, strict=True):
        out += (ANISOTROPY * (r_mm * r_mm + u * u) + (z_mm - w) ** 2) ** -0.5 / core_u.size
    for x, weight in zip(cann_x, cann_weight, strict=True):
        out -= weight * (ANISOTROPY * (r_mm * r_mm + x * x) + z_mm**2) ** -0.5
    return out


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
