"""Unit potentials seen by surface electrodes, and their sum (the evoked response).

Both shapes are polynomials times a stretched-exponential envelope ``x^p e^(−x^r)`` of the
dimensionless time ``x = (t − arrival)/τ`` (zero before the arrival), with zero net area and a
smooth cosine taper to exactly zero where the potential has fallen below 10⁻⁴ of its peak:

* surface motor-unit potential (MUAP): ``−x^p e^(−x^r) (q − x)`` with ``p = 1.2`` (sharp take-off)
  and ``q`` solved for zero area; biphasic negative first, the negative phase lasts ``q·τ``; the
  envelope exponent ``r`` (``NerveParams.unit_shape_exponent``) sets the positive phase: 46 % of the
  negative peak for ``r = 1.3`` (hand and foot muscles), 63 % and quicker for ``r = 2`` (soleus);
* sensory fibre potential (SFAP): ``x² e^(−x) (x₀ − x)(x₁ − x)``, triphasic: a small initial
  positivity (``x₀`` sets its size: ~5 % antidromic, ~20 % orthodromic), the main negative phase
  and a positive phase ~45 % of it; ``x₁`` is solved for zero net area.

Each shape is scaled so that its negative peak is −1; a unit's ``amplitude`` is its negative-peak
size in the sweep's units. The arrival time is where the unit potential leaves zero. The
potentials are evaluated from a fine table (see :class:`ShapeSpec`), which makes a 20-nerve
study take a fraction of a second.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MUAP_P = 1.2
SFAP_P = 2.0
SFAP_PRE_ANTIDROMIC = 0.6
SFAP_PRE_ORTHODROMIC = 1.0
_TAIL_LEVEL = 1e-4
_TAPER_START = 0.75
TABLE_SIZE = 1 << 15


@dataclass(frozen=True, slots=True, eq=False)
class ShapeSpec:
    """A unit-potential shape in dimensionless time ``x``.

    ``p``, ``r`` and ``roots`` define the analytic form; ``table`` holds the scaled, tapered shape
    (float32) at ``TABLE_SIZE`` equally spaced points of ``[0, x_cut]`` plus one padding zero. The
    model's unit potential *is* the linear interpolation of this table (within ~10⁻⁷ of the peak
    of the analytic form), so sampled sweeps and truth use the very same function.
    ``x_neg_start``/``x_neg_end`` bound the negative phase and ``x_pos_peak`` is the time of the
    (last) positive peak.
    """

    p: float
    r: float
    roots: tuple[float, ...]
    x_neg_start: float
    x_neg_end: float
    x_pos_peak: float
    x_cut: float
    table: NDArray[np.float32]


def _raw(p: float, r: float, roots: tuple[float, ...], x: FloatArray) -> FloatArray:
    """Analytic shape ``±x^p e^(−x^r) Π(root − x)`` (sign makes the main phase negative)."""
    poly = np.ones_like(x)
    for root in roots:
        poly = poly * (root - x)
    sign = -1.0 if len(roots) % 2 else 1.0
    return np.asarray(sign * x**p * np.exp(-(x**r)) * poly, dtype=np.float64)


def _moment(p: float, r: float, k: int) -> float:
    """``∫₀^∞ x^(p+k) e^(−x^r) dx``."""
    return math.gamma((p + k + 1.0) / r) / r


def _build(p: float, r: float, roots: tuple[float, ...]) -> ShapeSpec:
    x = np.linspace(0.0, 80.0, 160_001)
    h = _raw(p, r, roots, x)
    peak = float(-h.min())
    x_cut = float(x[np.flatnonzero(np.abs(h) > _TAIL_LEVEL * peak)[-1]])
    x_pos_peak = float(x[int(np.argmax(np.where(x > roots[-1], h, -np.inf)))])
    xt = np.linspace(0.0, x_cut, TABLE_SIZE)
    phase = np.clip((xt - _TAPER_START * x_cut) / ((1.0 - _TAPER_START) * x_cut), 0.0, 1.0)
    table = _raw(p, r, roots, xt) / peak * 0.5 * (1.0 + np.cos(math.pi * phase))
    table = np.append(table, 0.0)  # padding: index ``i + 1`` stays valid at the end of the support
    neg_start = 0.0 if len(roots) == 1 else roots[0]
    return ShapeSpec(p, r, roots, neg_start, roots[-1], x_pos_peak, x_cut, table.astype(np.float32))


@functools.lru_cache(maxsize=16)
def muap_spec(r: float = 1.3, p: float = MUAP_P) -> ShapeSpec:
    """Biphasic negative-first surface MUAP; the root is solved for zero net area."""
    return _build(p, r, (_moment(p, r, 1) / _moment(p, r, 0),))


@functools.lru_cache(maxsize=16)
def sfap_spec(x0: float = SFAP_PRE_ANTIDROMIC, r: float = 1.0, p: float = SFAP_P) -> ShapeSpec:
    """Triphasic SFAP with an initial positivity ending at ``x0``; second root solved for zero area."""
    m0, m1, m2 = (_moment(p, r, k) for k in range(3))
    x1 = (m2 - x0 * m1) / (m1 - x0 * m0)
    return _build(p, r, (x0, float(x1)))


@dataclass(frozen=True, slots=True)
class UnitSum:
    """A response as the sum of unit potentials; a continuous function of time after the stimulus.

    Parameters
    ----------
    spec : ShapeSpec
        Shape shared by the units.
    arrival_ms : ndarray
        Time each unit potential leaves zero, ms after the stimulus.
    amplitude : ndarray
        Negative-peak size of each unit potential, in the sweep's units.
    tau_ms : ndarray
        Time scale of each unit potential, ms (its negative phase lasts ``x_neg_end·tau_ms``).
    """

    spec: ShapeSpec
    arrival_ms: FloatArray
    amplitude: FloatArray
    tau_ms: FloatArray

    @property
    def n_units(self) -> int:
        return int(self.arrival_ms.shape[0])

    def span_ms(self) -> tuple[float, float]:
        """First arrival and last end of any unit potential, ms (``(nan, nan)`` when empty)."""
        if self.n_units == 0:
            return math.nan, math.nan
        end = self.arrival_ms + self.spec.x_cut * self.tau_ms
        return float(self.arrival_ms.min()), float(end.max())

    def main_span_ms(self) -> tuple[float, float]:
        """First arrival and the time every unit is past its last positive peak, ms.

        After that time every unit potential is positive and falling, so the negative phase and the
        positive peak of the response lie inside this span.
        """
        end = self.arrival_ms + self.spec.x_pos_peak * self.tau_ms
        return float(self.arrival_ms.min()), float(end.max())

    def subset(self, keep: NDArray[np.bool_] | NDArray[np.intp]) -> UnitSum:
        """The same response with only the selected units."""
        return UnitSum(self.spec, self.arrival_ms[keep], self.amplitude[keep], self.tau_ms[keep])

    def _shapes(self, t_ms: FloatArray, active: NDArray[np.bool_] | slice) -> NDArray[np.float32]:
        """Unit-amplitude potentials of the ``active`` units at ``t_ms``.

        Table look-up runs in float32 (memory bound; ~2.5× faster): the position inside the table
        keeps ~10⁻⁶ ms resolution and values ~10⁻⁷ of the unit peak.
        """
        table = self.spec.table
        last = table.shape[0] - 2
        rate = (last / self.spec.x_cut) / self.tau_ms[active]
        diff = t_ms[None, :] - self.arrival_ms[active, None]
        u = np.empty(diff.shape, dtype=np.float32)
        np.multiply(diff, rate[:, None], out=u, casting="same_kind")
        np.clip(u, 0.0, float(last), out=u)
        i = u.astype(np.int32)
        u -= i
        lo = table[i]
        i += 1
        hi = table[i]
        hi -= lo
        hi *= u
        hi += lo
        return hi

    def unit_matrix(self, t_ms: FloatArray) -> FloatArray:
        """Every unit's potential at ``t_ms`` (shape ``n_units × len(t_ms)``)."""
        t = np.asarray(t_ms, dtype=np.float64)
        return self.amplitude[:, None] * self._shapes(t, slice(None)).astype(np.float64)

    def __call__(self, t_ms: FloatArray | float) -> FloatArray:
        """The response at ``t_ms`` (ms after the stimulus), in the sweep's units."""
        t = np.atleast_1d(np.asarray(t_ms, dtype=np.float64))
        if self.n_units == 0 or t.size == 0:
            return np.zeros_like(t)
        active = (self.arrival_ms < t.max()) & (self.arrival_ms + self.spec.x_cut * self.tau_ms > t.min())
        if not active.any():
            return np.zeros_like(t)
        return np.asarray(self._shapes(t, active).T.astype(np.float64) @ self.amplitude[active])


@dataclass(frozen=True, slots=True)
class ResponseSum:
    """A clean sweep made of separately measured parts (M + F wave, M + H wave): their sum."""

    parts: tuple[UnitSum, ...]

    def __call__(self, t_ms: FloatArray | float) -> FloatArray:
        """The summed response at ``t_ms`` (ms after the stimulus)."""
        t = np.atleast_1d(np.asarray(t_ms, dtype=np.float64))
        total = np.zeros_like(t)
        for part in self.parts:
            total += part(t)
        return total


Response = UnitSum | ResponseSum


def parts_of(fn: Response) -> tuple[UnitSum, ...]:
    """The unit sums a response is made of."""
    return fn.parts if isinstance(fn, ResponseSum) else (fn,)
