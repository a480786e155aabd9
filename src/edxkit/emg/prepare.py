"""Preprocessing of a concentric-needle signal for every later stage.

:func:`prepare` converts a :class:`~edxkit.waveform.Waveform` to µV, band-passes it as EMG machines do for
MUAP analysis (2 Hz–10 kHz, the upper edge kept at or below 0.45·fs so 4 kHz recordings work too;
zero-phase, so potentials keep their shape and timing) and marks the samples that cannot be trusted:

* NaN / ±inf samples, and samples at the converter's limits when the reader saw clipping
  (``waveform.quality``), are *invalid*;
* a guard of :data:`GUARD_MS` on both sides of each invalid run is invalid too (filter ringing).

Invalid samples are never interpolated into measurements: for filtering only, each invalid run is held at the
last valid value (so the 2 Hz high-pass does not ring from a step), and afterwards the filtered signal is set
to 0 there. Every detector must skip events that touch ``~valid``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal  # type: ignore[import-untyped]

from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

BAND_HZ = (2.0, 10000.0)
GUARD_MS = 2.0
MAX_UPPER_FRACTION = 0.45
MIN_FS_HZ = 1000.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A band-passed needle signal in µV with its validity mask.

    Attributes
    ----------
    uv : ndarray
        Band-passed samples (µV), 0 where ``valid`` is False.
    fs_hz : float
        Sampling rate.
    start_s : float
        Time of ``uv[0]`` from the start of the recording (non-zero for analysis windows).
    valid : ndarray of bool
        False on NaN/inf/clipped samples and their guard.
    noise_uv : float
        Robust rms of the background: median absolute value / 0.6745 of the valid band-passed samples
        (the usual spike-sorting estimate; activity inflates it only when the baseline is rarely quiet).
    band_hz : (float, float)
        The band actually applied.
    n_nonfinite, n_clipped : int
        Samples that were NaN/inf, and samples at the converter limits.
    """

    uv: FloatArray
    fs_hz: float
    start_s: float
    valid: BoolArray
    noise_uv: float
    band_hz: tuple[float, float]
    n_nonfinite: int = 0
    n_clipped: int = 0

    @property
    def n_samples(self) -> int:
        return int(self.uv.size)

    @property
    def duration_s(self) -> float:
        return self.uv.size / self.fs_hz

    @property
    def valid_s(self) -> float:
        """Seconds of valid signal."""
        return float(np.count_nonzero(self.valid)) / self.fs_hz

    @property
    def excluded_s(self) -> float:
        """Seconds excluded (invalid samples and their guard)."""
        return self.duration_s - self.valid_s

    def times_s(self) -> FloatArray:
        """Time of each sample from the start of the recording (s)."""
        return self.start_s + np.arange(self.uv.size) / self.fs_hz

    def window_valid(self, first: int, stop: int) -> bool:
        """True when samples ``first:stop`` lie inside the signal and are all valid."""
        if first < 0 or stop > self.uv.size or stop <= first:
            return False
        return bool(self.valid[first:stop].all())


def band_for(fs_hz: float, band_hz: tuple[float, float] = BAND_HZ) -> tuple[float, float]:
    """The band applied at ``fs_hz``: the upper edge is kept ≤ 0.45·fs."""
    low, high = band_hz
    return float(low), float(min(high, MAX_UPPER_FRACTION * fs_hz))


def invalid_mask(
    samples: FloatArray, clipped_low: int = 0, clipped_high: int = 0
) -> tuple[BoolArray, int, int]:
    """Samples that are not finite or sit at the converter limits; returns (mask, n_nonfinite, n_clipped)."""
    x = np.asarray(samples, dtype=np.float64)
    bad = ~np.isfinite(x)
    n_nonfinite = int(np.count_nonzero(bad))
    n_clipped = 0
    if (clipped_low or clipped_high) and n_nonfinite < x.size:
        finite = x[~bad]
        if clipped_high:
            at = x == finite.max()
            n_clipped += int(np.count_nonzero(at))
            bad |= at
        if clipped_low:
            at = x == finite.min()
            n_clipped += int(np.count_nonzero(at))
            bad |= at
    return bad, n_nonfinite, n_clipped


def _dilate(mask: BoolArray, guard: int) -> BoolArray:
    """``mask`` widened by ``guard`` samples on both sides."""
    if guard <= 0 or not mask.any():
        return mask
    counts = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    idx = np.arange(mask.size)
    lo = np.clip(idx - guard, 0, mask.size)
    hi = np.clip(idx + guard + 1, 0, mask.size)
    out: BoolArray = (counts[hi] - counts[lo]) > 0
    return out


def _hold(x: FloatArray, bad: BoolArray) -> FloatArray:
    """``x`` with each invalid sample replaced by the last valid one (the first valid one at the start)."""
    if not bad.any():
        return x
    idx = np.where(~bad, np.arange(x.size), 0)
    np.maximum.accumulate(idx, out=idx)
    first_valid = int(np.argmax(~bad))
    held = x[idx]
    held[:first_valid] = x[first_valid]
    return held


def robust_noise_uv(uv: FloatArray, valid: BoolArray | None = None) -> float:
    """Median absolute value / 0.6745 of the (valid) samples."""
    x = uv if valid is None else uv[valid]
    return float(np.median(np.abs(x)) / 0.6745) if x.size else 0.0


def bandpass(x: FloatArray, fs_hz: float, band_hz: tuple[float, float]) -> FloatArray:
    """Zero-phase 2nd-order Butterworth band-pass (applied forward and backward)."""
    low, high = band_hz
    nyq = fs_hz / 2.0
    if high >= nyq * 0.999:
        sos = signal.butter(2, low / nyq, btype="highpass", output="sos")
    else:
        sos = signal.butter(2, [low / nyq, high / nyq], btype="bandpass", output="sos")
    if x.size <= 3 * (2 * sos.shape[0] + 1):
        return x - float(np.mean(x)) if x.size else x
    return np.asarray(signal.sosfiltfilt(sos, x), dtype=np.float64)


def prepare(
    waveform: Waveform, *, band_hz: tuple[float, float] = BAND_HZ, start_s: float | None = None
) -> Prepared:
    """Band-pass ``waveform`` (any units, ≥ 1 kHz) to µV and mark invalid samples (see module docstring).

    Raises
    ------
    ValueError
        When the sampling rate is below 1 kHz (not a needle EMG signal) or the signal is empty.
    """
    fs = float(waveform.fs_hz)
    if not fs >= MIN_FS_HZ:
        raise ValueError(f"sampling rate {fs:g} Hz is below {MIN_FS_HZ:g} Hz: not a needle EMG signal")
    x = np.asarray(waveform.in_units("uV"), dtype=np.float64)
    if x.size == 0:
        raise ValueError("the signal has no samples")
    bad, n_nonfinite, n_clipped = invalid_mask(x, waveform.quality.clipped_low, waveform.quality.clipped_high)
    if bad.all():
        band = band_for(fs, band_hz)
        return Prepared(
            np.zeros(x.size), fs, _start(waveform, start_s), ~bad, 0.0, band, n_nonfinite, n_clipped
        )
    band = band_for(fs, band_hz)
    y = bandpass(_hold(x, bad), fs, band)
    invalid = _dilate(bad, round(GUARD_MS * fs / 1000.0))
    y[invalid] = 0.0
    valid = ~invalid
    return Prepared(
        y, fs, _start(waveform, start_s), valid, robust_noise_uv(y, valid), band, n_nonfinite, n_clipped
    )


def _start(waveform: Waveform, start_s: float | None) -> float:
    return float(waveform.start_s if start_s is None else start_s)
