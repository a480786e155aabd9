"""Candidate MUAP discharges: background noise, detection threshold and peak picking.

The background is estimated from the quietest 5 ms blocks (10th percentile of the block rms), which stays
near the instrument noise at low effort where the median-absolute-deviation estimate is inflated by
activity. Candidates are the largest-magnitude peaks of the 1 kHz high-passed signal above the threshold,
at most one per dead time (0.6 ms), as in the trigger stage of DQEMG (Stashuk 1999) and of EMG machines'
multi-MUP analysis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, find_peaks, sosfiltfilt  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

BLOCK_MS = 5.0
QUIET_PERCENTILE = 10.0
NOISE_FACTOR = 4.0
RMS_FACTOR = 0.7
DEAD_TIME_MS = 0.6
SPIKE_HIGHPASS_HZ = 1000.0
SLOW_HIGHPASS_HZ = 400.0
MAX_CANDIDATES = 4000


def spike_signal(
    uv: FloatArray, valid: BoolArray, fs_hz: float, highpass_hz: float = SPIKE_HIGHPASS_HZ
) -> FloatArray:
    """The signal high-passed at ``highpass_hz`` (1 kHz; at most fs/10; 2nd-order Butterworth, zero
    phase), 0 on invalid samples.

    Decomposition works on the MUAP spikes: the high-pass removes the slow far-field activity of distant units
    that dominates the background at moderate effort and shortens the templates, so near units separate and
    superpositions are fewer (EMGlab decomposes a 1 kHz high-passed signal; McGill et al. 2005).
    """
    cutoff = min(highpass_hz, 0.1 * fs_hz)
    if uv.size < 30:
        return np.zeros_like(uv)
    sos = butter(2, cutoff / (fs_hz / 2.0), btype="highpass", output="sos")
    x = np.asarray(sosfiltfilt(sos, uv), dtype=np.float64)
    x[~valid] = 0.0
    return x


def quiet_noise_uv(uv: FloatArray, valid: BoolArray, fs_hz: float) -> float:
    """Background rms (µV): 10th percentile of the rms of the fully valid 5 ms blocks (0 when none)."""
    block = max(8, round(BLOCK_MS * fs_hz / 1000.0))
    n = uv.size // block
    if n == 0:
        sel = uv[valid]
        return float(np.sqrt(np.mean(sel**2))) if sel.size else 0.0
    x = uv[: n * block].reshape(n, block)
    ok = valid[: n * block].reshape(n, block).all(axis=1)
    if not ok.any():
        return 0.0
    rms = np.sqrt(np.mean(x[ok] ** 2, axis=1))
    # the 10th percentile of a block rms of Gaussian noise sits ~10 % below sigma for blocks of >=100 samples
    return float(np.percentile(rms, QUIET_PERCENTILE) / (1.0 - 1.3 / np.sqrt(2.0 * block)))


def signal_rms_uv(uv: FloatArray, valid: BoolArray) -> float:
    """Rms of the valid samples (µV)."""
    sel = uv[valid]
    return float(np.sqrt(np.mean(sel**2))) if sel.size else 0.0


def threshold_uv(noise_uv: float, rms_uv: float) -> float:
    """Detection threshold: 4× the background, and at least 0.7× the signal rms (busy recordings)."""
    return max(NOISE_FACTOR * noise_uv, RMS_FACTOR * rms_uv)


def detect_peaks(uv: FloatArray, valid: BoolArray, fs_hz: float, thr_uv: float, margin: int) -> IntArray:
    """Samples of the largest-magnitude peaks above ``thr_uv``, one per dead time, all valid around them.

    At most :data:`MAX_CANDIDATES` per call (the largest ones): they only seed the templates.

    ``margin`` samples on both sides must lie inside the signal and be valid.
    """
    if thr_uv <= 0 or uv.size <= 2 * margin + 3:
        return np.empty(0, dtype=np.int64)
    dead = max(1, round(DEAD_TIME_MS * fs_hz / 1000.0))
    peaks, _ = find_peaks(np.abs(uv), height=thr_uv, distance=dead)
    peaks = peaks[(peaks >= margin) & (peaks < uv.size - margin)].astype(np.int64)
    peaks = peaks[window_valid(valid, peaks - margin, peaks + margin + 1)]
    if peaks.size > MAX_CANDIDATES:
        top = np.argsort(-np.abs(uv[peaks]), kind="stable")[:MAX_CANDIDATES]
        peaks = np.sort(peaks[top])
    return peaks


def window_valid(valid: BoolArray, first: IntArray, stop: IntArray) -> BoolArray:
    """True for each window ``first:stop`` (clipped to the signal) that holds only valid samples."""
    bad = np.concatenate(([0], np.cumsum(~valid, dtype=np.int64)))
    lo = np.clip(first, 0, valid.size)
    hi = np.clip(stop, 0, valid.size)
    inside = (first >= 0) & (stop <= valid.size)
    return inside & (bad[hi] - bad[lo] == 0)
