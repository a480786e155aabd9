"""Bank of single-fibre action potentials (SFAPs) at the concentric needle, on a grid of r × d × s.

``r`` is the fibre's distance from the needle tip (mm, log grid 0.02–8 mm), ``d`` the axial offset of the
fibre's end-plate from the tip (mm, −20…20 in 0.5 mm steps) and ``s`` the distance each wavefront has
travelled from the end-plate (mm). A fibre with conduction velocity v (m/s = mm/ms) gives the potential
``bank(r, d, v·t)`` at time t (ms) after its end-plate fires, so one bank serves every velocity.

Fibres are symmetric about their end-plate with half-length ``half_length_mm`` (per muscle). The potential
for each (r, d) is evaluated exactly for the Rosenfalck profile (see :mod:`.conductor`): with
``Ψ(x−z) = 96 (x−z)³ e^{−(x−z)}`` the right-running half-fibre integral is
``96 e^{−x} Σ_j C(3,j) x^{3−j} (−1)^j ∫ z^j e^{z} w''(z) dz`` between the end-plate and min(front, fibre end),
and the left-running one is the mirror with ``e^{−z}``. Running integrals are taken with the trapezoid rule on
a z grid that is 5 µm fine within 4 mm of the tip and 50 µm beyond; all integration limits fall on grid
points. Rows for an end-plate offset are computed on first use and kept (a lazily filled cache).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import cumulative_trapezoid  # type: ignore[import-untyped]

from edxkit.simulate.emg.conductor import (
    AP_AMPLITUDE_MV_PER_MM3,
    FloatArray,
    NeedleGeometry,
    line_constant_mm2,
    needle_weighting,
    rosenfalck_mv,
)

R_MIN_MM = 0.02
R_MAX_MM = 8.0
_FINE_STEPS_PER_MM = 200  # 5 µm
_COARSE_STRIDE = 10  # 50 µm
_FINE_HALF_WIDTH_MM = 4
_S_STEP_MM = 0.05
_D_STEP_MM = 0.5
_D_MAX_MM = 20.0
_TAIL_MM = 20.0  # the AP has decayed below 1e-5 of its peak 20 mm behind the front
_BINOMIAL = (1.0, 3.0, 3.0, 1.0)


class SfapBank:
    """Lazily filled table of SFAPs (µV) at the needle for a fibre of the reference diameter (50 µm).

    Parameters
    ----------
    half_length_mm : float
        Fibre half-length (end-plate to tendon end), a multiple of 0.05 mm.
    needle : NeedleGeometry
        Concentric needle geometry.
    """

    def __init__(self, half_length_mm: float, needle: NeedleGeometry | None = None) -> None:
        self.half_length_mm = round(half_length_mm / _S_STEP_MM) * _S_STEP_MM
        self.needle = needle or NeedleGeometry()
        self.r_grid_mm = np.geomspace(R_MIN_MM, R_MAX_MM, 36)
        self.d_grid_mm = np.arange(-_D_MAX_MM, _D_MAX_MM + 1e-9, _D_STEP_MM)
        self.s_step_mm = _S_STEP_MM
        self.n_s = round((self.half_length_mm + _TAIL_MM) / _S_STEP_MM) + 1
        self.data_uv = np.zeros((self.r_grid_mm.size, self.d_grid_mm.size, self.n_s))
        self._done = np.zeros(self.d_grid_mm.size, dtype=bool)
        self._prepare_integrals()

    # -- set-up -------------------------------------------------------------------------------------------
    def _prepare_integrals(self) -> None:
        fine = _FINE_HALF_WIDTH_MM * _FINE_STEPS_PER_MM
        total = int(math.ceil((self.half_length_mm + _D_MAX_MM + _TAIL_MM) * _FINE_STEPS_PER_MM / 10) * 10)
        coarse = np.arange(fine + _COARSE_STRIDE, total + 1, _COARSE_STRIDE)
        k = np.concatenate([-coarse[::-1], np.arange(-fine, fine + 1), coarse])
        self._k_offset = int(total)
        self._pos = np.full(2 * total + 1, -1, dtype=np.int64)
        self._pos[k + total] = np.arange(k.size)
        z = k / _FINE_STEPS_PER_MM
        n_r = self.r_grid_mm.size
        self._cplus = np.empty((n_r, z.size, 4))
        self._dminus = np.empty((n_r, z.size, 4))
        self._w1 = np.empty((n_r, z.size))
        powers = np.stack([z**j for j in range(4)], axis=1)
        grow, decay = np.exp(z)[:, None], np.exp(-z)[:, None]
        for i, r in enumerate(self.r_grid_mm):
            self._w1[i], w2 = needle_weighting(z, float(r), self.needle)
            self._cplus[i] = cumulative_trapezoid(powers * grow * w2[:, None], z, axis=0, initial=0.0)
            down = cumulative_trapezoid((powers * decay * w2[:, None])[::-1], -z[::-1], axis=0, initial=0.0)
            self._dminus[i] = down[::-1]
        self._z = z

    def _index(self, z_mm: NDArray[np.float64]) -> NDArray[np.int64]:
        k = np.rint(z_mm * _FINE_STEPS_PER_MM).astype(np.int64) + self._k_offset
        return self._pos[k]

    # -- evaluation ---------------------------------------------------------------------------------------
    def _compute(self, d_idx: int) -> None:
        d = float(self.d_grid_mm[d_idx])
        length = self.half_length_mm
        s = np.arange(self.n_s) * _S_STEP_MM
        x_right = s + d
        lo_r = self._index(np.full_like(s, d))
        hi_r = self._index(np.minimum(d + length, x_right))
        x_left = d - s
        lo_l = self._index(np.maximum(d - length, x_left))
        hi_l = self._index(np.full_like(s, d))
        m_right = self._cplus[:, hi_r, :] - self._cplus[:, lo_r, :]  # (r, s, j)
        m_left = self._dminus[:, lo_l, :] - self._dminus[:, hi_l, :]
        right = np.zeros((self.r_grid_mm.size, s.size))
        left = np.zeros_like(right)
        for j in range(4):
            right += _BINOMIAL[j] * x_right ** (3 - j) * (-1.0) ** j * m_right[:, :, j]
            left += _BINOMIAL[j] * (-x_left) ** (3 - j) * m_left[:, :, j]
        right *= AP_AMPLITUDE_MV_PER_MM3 * np.exp(-x_right)
        left *= AP_AMPLITUDE_MV_PER_MM3 * np.exp(x_left)
        ends = self._index(np.array([d - length, d + length]))
        end_term = (self._w1[:, ends[1]] - self._w1[:, ends[0]])[:, None]
        boundary = -rosenfalck_mv(np.asarray(s - length, dtype=np.float64))[None, :] * end_term
        total_mv = (right + left + boundary) * line_constant_mm2()
        self.data_uv[:, d_idx, :] = total_mv * 1000.0
        self._done[d_idx] = True

    def ensure(self, d_indices: NDArray[np.int64]) -> None:
        """Compute the rows of every end-plate offset index in ``d_indices`` not yet computed."""
        for idx in np.unique(d_indices):
            if not self._done[idx]:
                self._compute(int(idx))

    def d_index(self, d_mm: FloatArray) -> NDArray[np.int64]:
        """Nearest end-plate-offset grid index for each offset (clipped to ±20 mm)."""
        raw = np.rint((np.clip(d_mm, -_D_MAX_MM, _D_MAX_MM) + _D_MAX_MM) / _D_STEP_MM)
        return raw.astype(np.int64)

    def sfap_uv(self, r_mm: float, d_mm: float, s_mm: FloatArray) -> FloatArray:
        """One SFAP (µV, reference diameter) sampled at front positions ``s_mm`` (nearest r and d)."""
        ri = int(np.argmin(np.abs(np.log(self.r_grid_mm / r_mm))))
        di = int(self.d_index(np.array([d_mm]))[0])
        self.ensure(np.array([di]))
        return np.interp(s_mm / _S_STEP_MM, np.arange(self.n_s), self.data_uv[ri, di], left=0.0, right=0.0)


@functools.lru_cache(maxsize=6)
def get_bank(half_length_mm: float) -> SfapBank:
    """The shared bank for a fibre half-length (cached per process)."""
    return SfapBank(half_length_mm)
