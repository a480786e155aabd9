"""Ground-truth measurement of a response on its clean, continuous-time waveform.

The clean response is a continuous function of time (a :class:`UnitSum`), so truth does not
depend on the sampling rate, the pre-stimulus time, noise, artifact or drift. It is measured on a
grid of step ``0.025·τ_min`` (≤ 0.05 ms; τ is the unit-potential time scale) and every
crossing and extremum is then refined on the exact function (two rounds of 64-fold zoom, then
linear or parabolic interpolation: better than 10⁻⁵ ms); areas use Simpson's rule on 201 points.
Definitions (times in ms after the stimulus; amplitudes in the sweep's units):

``arrival_ms``
    Model reference: the time the earliest unit potential leaves zero (fastest-unit arrival).
``onset_latency_ms``
    First time ``|clean| > ONSET_FRACTION·|negative peak|`` (1 %), the take-off, in either
    direction (an initial positivity of an SNAP counts).
``peak_latency_ms`` / ``amplitude``
    Time and size (baseline, i.e. 0, to the most negative value; a positive number) of the
    negative peak.
``negative_start_ms`` / ``negative_end_ms``
    The negative phase is the run of ``clean < 0`` containing the negative peak; it starts at the
    later of the onset and the zero crossing before the peak, and ends at the zero crossing after it
    (return to baseline).
``duration_ms``
    ``negative_end_ms − negative_start_ms`` (negative-phase duration, onset to return to baseline).
``area``
    ``∫ −clean dt`` over the negative phase (positive number, units·ms).
``peak_to_peak`` / ``positive_peak_latency_ms``
    Negative peak to the largest positive value after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from edxkit.simulate.ncs.potentials import FloatArray, UnitSum

ONSET_FRACTION = 0.01
_REFINE = 64


@dataclass(frozen=True, slots=True)
class ResponseTruth:
    """Truth of one response; every field is None (and ``present`` False) when it is absent."""

    present: bool
    n_units: int = 0
    arrival_ms: float | None = None
    onset_latency_ms: float | None = None
    peak_latency_ms: float | None = None
    amplitude: float | None = None
    peak_to_peak: float | None = None
    positive_peak_latency_ms: float | None = None
    negative_start_ms: float | None = None
    negative_end_ms: float | None = None
    duration_ms: float | None = None
    area: float | None = None

    def to_dict(self, units: str) -> dict[str, Any]:
        """JSON-ready dict with unit-suffixed names (``amplitude_mv``, ``area_uv_ms``, ...)."""
        u = units.lower()
        return {
            "response": "present" if self.present else "absent",
            "n_units": self.n_units,
            "arrival_ms": self.arrival_ms,
            "onset_latency_ms": self.onset_latency_ms,
            "peak_latency_ms": self.peak_latency_ms,
            f"amplitude_{u}": self.amplitude,
            f"peak_to_peak_{u}": self.peak_to_peak,
            "positive_peak_latency_ms": self.positive_peak_latency_ms,
            "negative_start_ms": self.negative_start_ms,
            "negative_end_ms": self.negative_end_ms,
            "duration_ms": self.duration_ms,
            f"area_{u}_ms": self.area,
            "onset_fraction": ONSET_FRACTION,
        }


def _crossing(fn: UnitSum, a: float, b: float, level: float, sign: float) -> float:
    """First root of ``sign·fn(t) − level`` in ``[a, b]``, given ``sign·fn(a) <= level``.

    Two rounds of 64 sub-intervals narrow the bracket to ``(b − a)/4096``; the root is then
    linearly interpolated inside it.
    """
    for _ in range(2):
        ts = np.linspace(a, b, _REFINE + 1)
        g = sign * fn(ts) - level
        above = np.flatnonzero(g >= 0.0)
        if above.size == 0:
            return b
        j = int(above[0])
        if j == 0:
            return a
        a, b = float(ts[j - 1]), float(ts[j])
        ga, gb = float(g[j - 1]), float(g[j])
    return a + (b - a) * (-ga / (gb - ga)) if gb > ga else b


def _extremum(fn: UnitSum, a: float, b: float, sign: float) -> tuple[float, float]:
    """Time and value of the minimum of ``sign·fn`` in ``[a, b]`` (two zoom rounds + parabola)."""
    for _ in range(2):
        ts = np.linspace(a, b, _REFINE + 1)
        g = sign * fn(ts)
        j = int(np.argmin(g))
        step = (b - a) / _REFINE
        a, b = max(float(ts[j]) - step, a), min(float(ts[j]) + step, b)
    if 0 < j < _REFINE:
        y0, y1, y2 = float(g[j - 1]), float(g[j]), float(g[j + 1])
        curve = y0 - 2.0 * y1 + y2
        if curve > 0:
            t = float(ts[j]) + 0.5 * step * (y0 - y2) / curve
            return t, float(fn(t)[0])
    t = float(ts[j])
    return t, float(fn(t)[0])


def _simpson(y: FloatArray, h: float) -> float:
    """Composite Simpson integral of equally spaced samples (odd count)."""
    return float(h / 3.0 * (y[0] + y[-1] + 4.0 * y[1:-1:2].sum() + 2.0 * y[2:-1:2].sum()))


def grid_ms(start: float, stop: float, dt: float) -> FloatArray:
    """Times ``start, start + dt, …`` up to and including the first one at or after ``stop``, ms."""
    return np.asarray(start + dt * np.arange(math.ceil((stop - start) / dt) + 1), dtype=np.float64)


def grid_step_ms(fn: UnitSum) -> float:
    """Search-grid step for a response, ms."""
    return float(min(0.05, 0.025 * fn.tau_ms.min()))


def _negative_phase(fn: UnitSum, t: FloatArray, y: FloatArray, k: int, onset: float) -> tuple[float, float]:
    before = np.flatnonzero(y[:k] >= 0.0)
    j0 = int(before[-1]) if before.size else 0
    start = _crossing(fn, float(t[j0]), float(t[j0 + 1]), 0.0, -1.0) if before.size else float(t[0])
    after = np.flatnonzero(y[k:] >= 0.0)
    if after.size:
        j1 = k + int(after[0])
        end = _crossing(fn, float(t[j1 - 1]), float(t[j1]), 0.0, 1.0)
    else:
        end = float(t[-1])
    return max(start, onset), end


def measure_response(fn: UnitSum) -> ResponseTruth:
    """Measure the truth of a clean response (see the module docstring for the definitions)."""
    if fn.n_units == 0:
        return ResponseTruth(present=False)
    start, stop = fn.main_span_ms()
    dt = grid_step_ms(fn)
    t = grid_ms(start, stop, dt)
    y = fn(t)
    k = int(np.argmin(y))
    if y[k] >= 0.0:
        return ResponseTruth(present=False, n_units=fn.n_units)
    t_peak, y_peak = _extremum(fn, float(t[max(k - 1, 0)]), float(t[min(k + 1, len(t) - 1)]), 1.0)
    amp = -y_peak
    level = ONSET_FRACTION * amp
    i = int(np.flatnonzero(np.abs(y) > level)[0])
    onset = _crossing(fn, float(t[max(i - 1, 0)]), float(t[i]), level, float(np.sign(y[i])))
    neg_start, neg_end = _negative_phase(fn, t, y, k, onset)
    ts = np.linspace(neg_start, neg_end, 201)
    area = _simpson(-fn(ts), float(ts[1] - ts[0]))
    m = k + int(np.argmax(y[k:]))
    t_pos, y_pos = _extremum(fn, float(t[max(m - 1, k)]), float(t[min(m + 1, len(t) - 1)]), -1.0)
    has_pos = y_pos > 0.0
    return ResponseTruth(
        present=True,
        n_units=fn.n_units,
        arrival_ms=start,
        onset_latency_ms=onset,
        peak_latency_ms=t_peak,
        amplitude=amp,
        peak_to_peak=amp + y_pos if has_pos else amp,
        positive_peak_latency_ms=t_pos if has_pos else None,
        negative_start_ms=neg_start,
        negative_end_ms=neg_end,
        duration_ms=neg_end - neg_start,
        area=area,
    )


def pct_change(before: float | None, after: float | None) -> float | None:
    """``(after − before)/before·100``; None when either is missing or ``before`` is 0."""
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before * 100.0
