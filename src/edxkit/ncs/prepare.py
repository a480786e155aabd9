"""Turn a sweep into what the marker engine measures: times, usable samples, artifact and baseline.

Two passes: a robust (bisquare-weighted) baseline over every usable sample locates the strongest
candidate response; the baseline is then refitted on the samples outside that candidate's
extent (before its take-off and after its tail), so the response cannot bend it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.artifact import ArtifactInfo, clipped_mask, locate_artifact
from edxkit.dsp.baseline import BaselineFit, fit_baseline, noise_rms_from_differences
from edxkit.ncs.kinds import KindSpec
from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Bisquare tuning constant (95 % efficiency for Gaussian noise).
_BISQUARE = 4.685
#: A slope is fitted only with at least this much response-free sweep after the response, ms.
_MIN_TAIL_MS = 3.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A sweep ready to measure.

    Parameters
    ----------
    t_ms : ndarray
        Sample times from the stimulus, ms.
    raw : ndarray
        Samples in the sweep's units (missing samples linearly filled).
    fs_hz : float
        Sampling rate, Hz.
    usable : ndarray of bool
        Finite, unclipped samples.
    artifact : ArtifactInfo
        Where the stimulus artifact is.
    search_ms : (float, float)
        Interval searched for the response, ms.
    pre_mask : ndarray of bool
        Usable samples before the stimulus.
    notes : tuple of str
        Remarks about the sweep itself (saturation, no stimulus mark, missing samples).
    """

    t_ms: FloatArray
    raw: FloatArray
    fs_hz: float
    usable: BoolArray
    artifact: ArtifactInfo
    search_ms: tuple[float, float]
    pre_mask: BoolArray
    notes: tuple[str, ...]

    @property
    def dt_ms(self) -> float:
        return 1000.0 / self.fs_hz

    def base_mask(self) -> BoolArray:
        """Usable samples outside the artifact pulse (before the stimulus or after the pulse)."""
        return self.usable & (self.pre_mask | (self.t_ms >= self.artifact.pulse_end_ms))


def _times(waveform: Waveform) -> tuple[FloatArray, list[str]]:
    if waveform.stimulus_s is None:
        t = np.asarray(np.arange(waveform.n_samples) * (1000.0 / waveform.fs_hz), dtype=np.float64)
        return t, ["no stimulus time: latencies are from the first sample"]
    return np.asarray(waveform.times_ms_from_stimulus(), dtype=np.float64), []


def _filled(samples: FloatArray) -> tuple[FloatArray, BoolArray, list[str]]:
    x = np.asarray(samples, dtype=np.float64)
    finite = np.isfinite(x)
    if finite.all():
        return x, finite, []
    idx = np.arange(x.size)
    filled = np.interp(idx, idx[finite], x[finite])
    return filled, finite, [f"{int((~finite).sum())} missing samples ignored"]


def prepare(waveform: Waveform, spec: KindSpec, window_ms: tuple[float, float] | None) -> Prepared:
    """Times, usable samples, artifact and search interval of a sweep.

    Raises
    ------
    ValueError
        Fewer than 8 finite samples, or a search window that misses the sweep.
    """
    if int(np.isfinite(waveform.samples).sum()) < 8:
        raise ValueError(f"{waveform.source or 'sweep'}: fewer than 8 finite samples to measure")
    t, notes = _times(waveform)
    raw, finite, more = _filled(waveform.samples)
    notes += more
    dt = 1000.0 / waveform.fs_hz
    pre = finite & (t < -dt)
    reference = float(np.median(raw[pre])) if pre.sum() >= 3 else float(np.median(raw[t > 0.5 * t[-1]]))
    clipped = clipped_mask(raw)
    artifact = locate_artifact(t, raw, waveform.fs_hz, reference, clipped)
    if artifact.saturated_until_ms is not None:
        notes.append(f"stimulus artifact saturated until {artifact.saturated_until_ms:.1f} ms")
    usable = finite & ~clipped
    lo = max(artifact.pulse_end_ms, spec.earliest_ms, float(t[0]))
    hi = float(t[-1])
    if window_ms is not None:
        lo, hi = max(lo, float(window_ms[0])), min(hi, float(window_ms[1]))
        if hi - lo < 4 * dt:
            raise ValueError(f"window_ms {window_ms} leaves nothing of the sweep to search")
    return Prepared(t, raw, waveform.fs_hz, usable, artifact, (lo, hi), pre, tuple(notes))


def _decay_start(prep: Prepared) -> float | None:
    return prep.artifact.pulse_end_ms if prep.artifact.size > 0 and prep.t_ms[-1] > 0 else None


def robust_baseline(prep: Prepared, iterations: int = 0) -> BaselineFit:
    """Bisquare-weighted baseline over every usable sample (first pass, response not yet known)."""
    mask = prep.base_mask()
    fit = fit_baseline(prep.t_ms, prep.raw, mask, decay_start_ms=_decay_start(prep))
    sigma = noise_rms_from_differences(prep.raw, mask) if iterations else 0.0
    for _ in range(iterations):
        resid = prep.raw - fit.curve
        scale = max(1.4826 * float(np.median(np.abs(resid[mask]))), sigma, 1e-12)
        u = np.clip(np.abs(resid) / (_BISQUARE * scale), 0.0, 1.0)
        weights = (1.0 - u * u) ** 2
        fit = fit_baseline(prep.t_ms, prep.raw, mask, decay_start_ms=_decay_start(prep), weights=weights)
    return fit


def refit_baseline(prep: Prepared, exclude_ms: tuple[float, float]) -> tuple[BaselineFit, BoolArray]:
    """Baseline fitted outside ``exclude_ms`` (the response's extent); also returns the mask used.

    A slope is added when at least :data:`_MIN_TAIL_MS` of sweep follow the excluded interval, so
    that the baseline is interpolated, not extrapolated, under the response.
    """
    t = prep.t_ms
    mask = prep.base_mask() & ((t < exclude_ms[0]) | (t > exclude_ms[1]))
    after = t[mask & (t > exclude_ms[1])]
    before = mask & (t < exclude_ms[0])
    linear = after.size > 0 and float(after[-1] - after[0]) >= _MIN_TAIL_MS and before.sum() >= 4
    return fit_baseline(t, prep.raw, mask, decay_start_ms=_decay_start(prep), linear=linear), mask
