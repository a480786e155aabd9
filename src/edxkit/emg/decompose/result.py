"""Result objects of a decomposition and the firing statistics of a unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.align import median_of

FloatArray = NDArray[np.float64]

GAP_FACTOR = 2.0
"""ISIs longer than this many times the median ISI are gaps (missed firings or pauses), not intervals."""


def firing_stats(times_s: FloatArray) -> tuple[float, float]:
    """Mean rate (Hz) and coefficient of variation of the interspike intervals.

    ISIs longer than :data:`GAP_FACTOR` × the median ISI are left out (a missed firing or a pause would
    otherwise halve the rate and inflate the variability), as EMG machines and DQEMG do (Stashuk 2001).
    Returns ``(0.0, nan)`` with fewer than two firings.
    """
    t = np.sort(np.asarray(times_s, dtype=np.float64))
    if t.size < 2:
        return 0.0, float("nan")
    isi = np.diff(t)
    isi = isi[isi > 0]
    if isi.size == 0:
        return 0.0, float("nan")
    kept = isi[isi <= GAP_FACTOR * median_of(isi)]
    mean = float(np.mean(kept))
    cv = float(np.std(kept, ddof=1) / mean) if kept.size >= 2 else float("nan")
    return 1.0 / mean, cv


@dataclass(frozen=True)
class DecomposedUnit:
    """One motor unit found by the decomposition.

    Attributes
    ----------
    id : int
        1.. in order of first firing.
    firing_times_s : ndarray
        Absolute firing times (s; ``prep.start_s`` included): the time of the template's largest-magnitude
        sample, with sub-sample precision.
    template_uv : ndarray
        Median of the clean, aligned discharges (µV), ±15 ms around the peak (long neurogenic MUAPs fit).
    template_index : int
        Sample of ``template_uv`` at each firing time.
    fs_hz : float
        Sampling rate of the template.
    discharges_uv : ndarray
        ``(n, len(template_uv))``: up to 100 clean, aligned single discharges (for jiggle / stability).
    mean_rate_hz, isi_cv : float
        From the ISIs, gaps longer than 2× the median ISI left out (:func:`firing_stats`).
    """

    id: int
    firing_times_s: FloatArray
    template_uv: FloatArray
    template_index: int
    fs_hz: float
    discharges_uv: FloatArray
    mean_rate_hz: float
    isi_cv: float

    @property
    def n_firings(self) -> int:
        return int(np.asarray(self.firing_times_s).size)

    @property
    def amplitude_uv(self) -> float:
        """Peak-to-peak amplitude of the template (µV)."""
        return float(np.ptp(self.template_uv)) if self.template_uv.size else 0.0


@dataclass(frozen=True)
class Decomposition:
    """Motor units of one recording (or analysis window).

    Attributes
    ----------
    units : tuple of DecomposedUnit
        Accepted units, ids 1.. in order of first firing.
    fs_hz : float
        Sampling rate.
    analysed_s : float
        Seconds of valid signal analysed.
    n_detected : int
        Candidate discharges (threshold crossings of the detector).
    n_assigned : int
        Discharges assigned to an accepted unit (a superimposed candidate can hold several).
    """

    units: tuple[DecomposedUnit, ...]
    fs_hz: float
    analysed_s: float
    n_detected: int
    n_assigned: int

    @property
    def n_units(self) -> int:
        return len(self.units)
