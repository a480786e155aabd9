"""Candidate potentials on the prepared signal, against a robust threshold from the quiet baseline.

Method (the usual amplitude-threshold spike detector of quantitative EMG and spike sorting, e.g.
Quiroga et al., Neural Comput 2004, with the threshold taken from the *quiet* part of the baseline):

1. Detection signal: the prepared signal band-passed 300 Hz–3 kHz (zero-phase Butterworth, upper edge
   ≤ 0.4·fs), which keeps the spikes and sharp fronts of spontaneous potentials, halves the wide-band noise
   and flattens slow phases (the negative wave of a PSW), so a slow phase gives no candidate of its own.
2. Noise: the median absolute value / 0.6745 of each fully valid 20 ms block, and the 20th percentile of
   these block estimates — so abundant activity (4+ fibrillations, end-plate noise) does not inflate it.
3. Candidates: samples where |detection signal| exceeds ``THRESHOLD_SD`` × noise and is the largest within
   ±``MERGE_MS`` (so the positive and negative phases of one spike give one candidate), whose shape window
   (−``PRE_MS`` … +``POST_MS``) lies wholly on valid samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal  # type: ignore[import-untyped]
from scipy.ndimage import maximum_filter1d  # type: ignore[import-untyped]

from edxkit.emg.prepare import Prepared

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

LOWPASS_HZ = 3000.0
HIGHPASS_HZ = 300.0
BLOCK_MS = 20.0
NOISE_PERCENTILE = 20.0
THRESHOLD_SD = 4.5
MERGE_MS = 0.6
PRE_MS = 2.5
POST_MS = 6.0


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidate potentials of one prepared signal.

    Attributes
    ----------
    peaks : ndarray of int
        Sample index of each candidate (largest |detection signal| of the candidate).
    detection_uv : ndarray
        The band-passed detection signal (µV), 0 on invalid samples.
    noise_uv : float
        Robust rms of the quiet baseline of the detection signal (µV).
    threshold_uv : float
        Detection threshold (µV).
    """

    peaks: IntArray
    detection_uv: FloatArray
    noise_uv: float
    threshold_uv: float


def detection_band_uv(uv: FloatArray, fs_hz: float) -> FloatArray:
    """Zero-phase 2nd-order Butterworth band-pass ``HIGHPASS_HZ``–``min(LOWPASS_HZ, 0.4·fs)``."""
    cut = min(LOWPASS_HZ, 0.4 * fs_hz)
    nyq = fs_hz / 2.0
    sos = signal.butter(2, [HIGHPASS_HZ / nyq, cut / nyq], btype="bandpass", output="sos")
    if uv.size <= 3 * (2 * sos.shape[0] + 1):  # sosfiltfilt's default pad length
        return np.asarray(uv, dtype=np.float64).copy()
    return np.asarray(signal.sosfiltfilt(sos, uv), dtype=np.float64)


def quiet_noise_uv(x: FloatArray, valid: NDArray[np.bool_], fs_hz: float) -> float:
    """Robust rms (µV) of the quietest blocks: 20th percentile of per-block median|x|/0.6745."""
    block = max(8, round(BLOCK_MS * fs_hz / 1000.0))
    n = x.size // block
    if n == 0:
        xv = np.abs(x[valid])
        return float(np.median(xv) / 0.6745) if xv.size else 0.0
    xb = np.abs(x[: n * block]).reshape(n, block)
    ok = valid[: n * block].reshape(n, block).all(axis=1)
    if not ok.any():
        xv = np.abs(x[valid])
        return float(np.median(xv) / 0.6745) if xv.size else 0.0
    per_block = np.median(xb[ok], axis=1) / 0.6745
    return float(np.percentile(per_block, NOISE_PERCENTILE))


def window_ok(valid: NDArray[np.bool_], centres: IntArray, pre: int, post: int) -> NDArray[np.bool_]:
    """True where samples ``centre − pre … centre + post`` exist and are all valid."""
    bad = np.concatenate([[0], np.cumsum(~valid)])
    lo = centres - pre
    hi = centres + post + 1
    inside = (lo >= 0) & (hi <= valid.size)
    lo_c = np.clip(lo, 0, valid.size)
    hi_c = np.clip(hi, 0, valid.size)
    return np.asarray(inside & (bad[hi_c] - bad[lo_c] == 0))


def detect_candidates(prep: Prepared, *, threshold_sd: float = THRESHOLD_SD) -> Candidates:
    """Candidate potentials of ``prep`` (see the module docstring)."""
    fs = prep.fs_hz
    valid = np.asarray(prep.valid, dtype=bool)
    d = detection_band_uv(np.where(valid, prep.uv, 0.0), fs)
    d[~valid] = 0.0
    noise = quiet_noise_uv(d, valid, fs)
    empty = np.empty(0, dtype=np.int64)
    if not noise > 0.0 or not np.isfinite(noise):
        return Candidates(empty, d, 0.0, 0.0)
    thr = threshold_sd * noise
    return Candidates(peaks_above(d, thr, fs, valid), d, noise, thr)


def peaks_above(d: FloatArray, thr: float, fs: float, valid: NDArray[np.bool_]) -> IntArray:
    """Samples where |d| exceeds ``thr`` and is the largest within ±``MERGE_MS``, with a fully valid shape
    window (steps 3 of the module docstring)."""
    mag = np.abs(d)
    half = max(1, round(MERGE_MS * fs / 1000.0))
    local_max = maximum_filter1d(mag, size=2 * half + 1, mode="constant")
    peaks = np.flatnonzero((mag > thr) & (mag >= local_max)).astype(np.int64)
    if peaks.size > 1:  # plateaus: keep the first sample of equal neighbours
        peaks = peaks[np.concatenate([[True], np.diff(peaks) > half])]
    pre = round(PRE_MS * fs / 1000.0)
    post = round(POST_MS * fs / 1000.0)
    return peaks[window_ok(np.asarray(valid, dtype=bool), peaks, pre, post)]
