"""Locate the stimulus artifact of an evoked sweep: its pulse, saturation and where its tail starts.

The artifact is the large excursion at the stimulus: the pulse itself (possibly clipped at the
amplifier's range) and a tail decaying over 1–2 ms. :func:`locate_artifact` returns the time
after which the signal is tail plus response, so that a decay model
(:func:`edxkit.dsp.baseline.fit_baseline`) can be fitted from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.stats import median_1d

FloatArray = NDArray[np.float64]

#: Samples this close (relative to the sweep's range) to the sweep's extreme count as clipped.
_CLIP_TOLERANCE = 1e-9
#: The pulse must start within this time of the stimulus, ms.
_PULSE_MS = 1.0
#: Longest the pulse (and its saturation) may last, ms.
_SEARCH_MS = 3.0


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    """Where the artifact is.

    Parameters
    ----------
    pulse_end_ms : float
        Time after the stimulus by which the pulse (and any saturation) is over, ms; fitting
        and searching start here.
    saturated_until_ms : float or None
        End of the last clipped sample near the stimulus, ms (None when nothing is clipped).
    size : float
        Largest excursion of the artifact from the pre-stimulus level, in the sweep's units.
    """

    pulse_end_ms: float
    saturated_until_ms: float | None
    size: float


def clipped_mask(samples: FloatArray) -> NDArray[np.bool_]:
    """Samples at the sweep's extreme value in runs of two or more (amplifier saturation).

    An extreme counts only when it lies far (over a quarter of the range) from the median, so a
    flat baseline that happens to be the sweep's minimum or maximum is not taken for clipping.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.size < 2:
        return np.zeros(x.size, dtype=bool)
    span = max(float(np.ptp(x)), 1e-300)
    tol = _CLIP_TOLERANCE * span
    mid = median_1d(x)
    high = x >= x.max() - tol if x.max() - mid > 0.25 * span else np.zeros(x.size, dtype=bool)
    low = x <= x.min() + tol if mid - x.min() > 0.25 * span else np.zeros(x.size, dtype=bool)
    at_limit = high | low
    pair = at_limit[1:] & at_limit[:-1] & (np.abs(np.diff(x)) <= tol)
    out = np.zeros(x.size, dtype=bool)
    out[1:] |= pair
    out[:-1] |= pair
    return out


def _run_end(flags: NDArray[np.bool_], first: int) -> int:
    """Index of the last element of the run of True values starting at ``first``."""
    after = np.flatnonzero(~flags[first:])
    return first + int(after[0]) - 1 if after.size else flags.size - 1


def locate_artifact(
    t_ms: FloatArray,
    samples: FloatArray,
    fs_hz: float,
    reference: float,
    clipped: NDArray[np.bool_] | None = None,
) -> ArtifactInfo:
    """Find the end of the stimulus pulse and of any saturation after the stimulus (t = 0).

    Parameters
    ----------
    t_ms : ndarray
        Sample times from the stimulus, ms.
    samples : ndarray
        The sweep, in its units.
    fs_hz : float
        Sampling rate, Hz.
    reference : float
        Baseline level before the artifact (pre-stimulus median, or a late-sweep median).
    clipped : ndarray of bool, optional
        :func:`clipped_mask` of ``samples`` when the caller has it already.

    Returns
    -------
    ArtifactInfo
        The pulse is the run of samples, starting within ``_PULSE_MS`` of the stimulus, whose
        deviation from ``reference`` exceeds half the largest deviation there, or that are clipped;
        its end gets one sample and 0.05 ms of guard.
    """
    dt_ms = 1000.0 / fs_hz
    idx = np.flatnonzero((t_ms >= -dt_ms) & (t_ms <= _SEARCH_MS))
    if idx.size == 0:
        return ArtifactInfo(0.0, None, 0.0)
    dev = np.abs(samples[idx] - reference)
    early = t_ms[idx] <= _PULSE_MS
    size = float(dev[early].max()) if early.any() else 0.0
    clipped = (clipped_mask(samples) if clipped is None else clipped)[idx]
    big = (dev > 0.5 * size) | clipped
    first = np.flatnonzero(big & early)
    if size <= 0.0 or first.size == 0:
        return ArtifactInfo(0.0, None, size)
    end = _run_end(big, int(first[0]))
    run = np.zeros(idx.size, dtype=bool)
    run[int(first[0]) : end + 1] = True
    sat = np.flatnonzero(clipped & run)
    saturated = float(t_ms[idx[sat[-1]]]) + dt_ms if sat.size else None
    return ArtifactInfo(max(float(t_ms[idx[end]]), 0.0) + dt_ms + 0.05, saturated, size)
