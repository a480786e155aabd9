"""Bank of single-fibre action potentials (SFAPs) at the concentric needle, on a grid of r × d × s.

``r`` is the fibre's distance from the needle tip (mm, log grid 0.02–8 mm), ``d`` the axial offset of the
fibre's end-plate from the tip (mm, −20…20 in 0.5 mm steps) and ``s`` the distance each wavefront has
travelled from the end-plate (mm). A fibre with conduction velocity v (m/s = mm/ms) gives the potential
``bank(r, d, v·t)`` at time t (ms) after its end-plate fires, so one bank serves every velocity.

Fibres are symmetric about their end-plate with half-length ``half_length_mm`` (per muscle). The potential
for each (r, d) is evaluated exactly for the IAP of :mod:`.conductor`,
``V(y) = e^{−y/ℓ} Σ_k a_k y^k + A e^{−y/L}``: the right-running half-fibre integral is
``e^{−x/ℓ} Σ_j b_j(x) ∫ z^j e^{z/ℓ} w''(z) dz + A e^{−x/L} ∫ e^{z/L} w''(z) dz`` between the end-plate and
min(front, fibre end), ``b_j(x) = (−1)^j Σ_{k≥j} a_k C(k, j) x^{k−j}``, and the left-running one is its
mirror with ``e^{−z/ℓ}``, ``e^{−z/L}``. Running integrals are taken with the trapezoid rule on a z grid that
is 5 µm fine within 4 mm of the tip and 50 µm beyond; all integration limits fall on grid points. Rows for an
end-plate offset are computed on first use and kept (a lazily filled cache).

The table stops 20ℓ after the fronts reach the fibre ends (:attr:`SfapBank.s_max_mm`); beyond that only the
exponential repolarisation is left on the fibre and the potential decays exactly as ``e^{−s/L}``
(:meth:`SfapBank.tail_factor`), which the MUAP synthesis uses to continue each fibre's slow terminal phase.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import cumulative_trapezoid  # type: ignore[import-untyped]

from edxkit.simulate.emg.conductor import (
    IAP_AMPLITUDE_MV,
    IAP_REPOLARISATION_MM,
    IAP_UPSTROKE_MM,
    FloatArray,
    NeedleGeometry,
    iap_mv,
    iap_polynomial,
    line_constant_mm2,
    needle_weighting,
)

R_MIN_MM = 0.02
R_MAX_MM = 8.0
_FINE_STEPS_PER_MM = 200  # 5 µm
_COARSE_STRIDE = 10  # 50 µm
_FINE_HALF_WIDTH_MM = 4
_S_STEP_MM = 0.05
_D_STEP_MM = 0.5
_D_MAX_MM = 20.0
_TAIL_MM = 20.0 * IAP_UPSTROKE_MM  # 20ℓ behind the front only the exponential repolarisation is left
_BINOMIAL = ((1.0,), (1.0, 1.0), (1.0, 2.0, 1.0), (1.0, 3.0, 3.0, 1.0))


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
        self._gplus = np.empty((n_r, z.size))
        self._gminus = np.empty((n_r, z.size))
        self._w1 = np.empty((n_r, z.size))
        powers = np.stack([z**j for j in range(4)], axis=1)
        grow, decay = np.exp(z / IAP_UPSTROKE_MM)[:, None], np.exp(-z / IAP_UPSTROKE_MM)[:, None]
        slow_grow = np.exp(z / IAP_REPOLARISATION_MM)
        slow_decay = np.exp(-z / IAP_REPOLARISATION_MM)
        for i, r in enumerate(self.r_grid_mm):
            self._w1[i], w2 = needle_weighting(z, float(r), self.needle)
            self._cplus[i] = cumulative_trapezoid(powers * grow * w2[:, None], z, axis=0, initial=0.0)
            down = cumulative_trapezoid((powers * decay * w2[:, None])[::-1], -z[::-1], axis=0, initial=0.0)
            self._dminus[i] = down[::-1]
            self._gplus[i] = cumulative_trapezoid(slow_grow * w2, z, initial=0.0)
            self._gminus[i] = cumulative_trapezoid((slow_decay * w2)[::-1], -z[::-1], initial=0.0)[::-1]
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
        coef = iap_polynomial()
        for j in range(4):
            # Σ_k a_k (x − z)^k = Σ_j z^j · (−1)^j Σ_{k≥j} a_k C(k, j) x^(k−j); mirrored for the left wave
            b_right = sum(coef[k] * _BINOMIAL[k][j] * x_right ** (k - j) for k in range(j, 4))
            b_left = sum(coef[k] * _BINOMIAL[k][j] * (-x_left) ** (k - j) for k in range(j, 4))
            right += (-1.0) ** j * b_right * m_right[:, :, j]
            left += b_left * m_left[:, :, j]
        right *= np.exp(-x_right / IAP_UPSTROKE_MM)
        left *= np.exp(x_left / IAP_UPSTROKE_MM)
        slow = IAP_AMPLITUDE_MV
        right += (
            slow * np.exp(-x_right / IAP_REPOLARISATION_MM) * (self._gplus[:, hi_r] - self._gplus[:, lo_r])
        )
        left += (
            slow * np.exp(x_left / IAP_REPOLARISATION_MM) * (self._gminus[:, lo_l] - self._gminus[:, hi_l])
        )
        ends = self._index(np.array([d - length, d + length]))
        end_term = (self._w1[:, ends[1]] - self._w1[:, ends[0]])[:, None]
        boundary = -iap_mv(np.asarray(s - length, dtype=np.float64))[None, :] * end_term
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
        row = self.data_uv[ri, di]
        inside = np.interp(s_mm / _S_STEP_MM, np.arange(self.n_s), row, left=0.0, right=0.0)
        beyond = s_mm > self.s_max_mm
        return np.where(beyond, row[-1] * self.tail_factor(s_mm - self.s_max_mm), inside)

    @property
    def s_max_mm(self) -> float:
        """Largest tabulated front distance; beyond it the potential decays as :meth:`tail_factor`."""
        return (self.n_s - 1) * _S_STEP_MM

    @staticmethod
    def tail_factor(beyond_mm: FloatArray) -> FloatArray:
        """Decay of the potential ``beyond_mm`` past :attr:`s_max_mm`.

        By then both fronts have left the fibre and the spike has died out (20ℓ behind the front it is
        below 2e-5 of its peak), so all that remains on the fibre is the afterpotential
        ``A e^(−(s − z)/L)``: every source term scales with ``e^(−s/L)``, and the potential decays exactly
        exponentially with the front distance.
        """
        return np.asarray(np.exp(-np.maximum(beyond_mm, 0.0) / IAP_REPOLARISATION_MM))


@functools.lru_cache(maxsize=6)
def get_bank(half_length_mm: float) -> SfapBank:
    """The shared bank for a fibre half-length (cached per process)."""
    return SfapBank(half_length_mm)
