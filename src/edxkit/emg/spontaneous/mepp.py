"""Miniature end-plate potentials (end-plate noise) below the blind threshold, in an end-plate zone.

End-plate noise is the summed miniature end-plate potentials (MEPPs) of the end-plates under the needle:
monophasic negative potentials of 10–50 µV that rise in ≈0.3 ms and decay within 1–2 ms, firing irregularly
at hundreds per second so that they overlap ("seashell" noise; Wiechers, Arch Phys Med Rehabil 1979; Daube &
Rubin, Muscle Nerve 2009; clinical.md §3.1). Most are smaller than the blind detector's threshold
(:mod:`.detect`, set for potentials of any shape), so once the end-plate zone is known they are searched with
the optimal linear detector of a known shape in noise — the matched filter used to detect spontaneous
miniature synaptic potentials (template matching; Clements & Bekkers, Biophys J 1997; Jonas et al.,
J Physiol 1993):

1. Filter: the prepared signal correlated with an alpha-function MEPP f(t) = (t/τ)·e^(1 − t/τ),
   τ = ``TAU_MS`` (the matched filter F*), sharpened by Wiener regularised deconvolution —
   F* / (|F|² + ``WIENER``), F normalised to 1 at 0 Hz — so overlapping MEPPs a fraction of a millisecond
   apart give separate extremes (the deconvolution detection of miniature synaptic events,
   Pernía-Andrade et al., Biophys J 2012), band-limited to ``BAND_HZ`` (Gaussian edges; the low edge removes
   the slow sum of the barrage, the high edge the noise above the MEPP spectrum); the output is placed so
   that a MEPP gives its extreme at its own negative peak.
2. Noise of the output: a barrage of MEPPs inflates any robust spread of the output itself, so the noise is
   also read from the band above the MEPP spectrum (``NOISE_BAND``, where a MEPP has < 2 % of its
   amplitude), as the median |x|/0.6745 there scaled by the ratio of the two filters' white-noise gains;
   the smaller of the two estimates is used.
3. Detections: local minima of the output (the lowest within ±``SEPARATION_MS``) below −``Z`` × noise,
   whose samples are all valid.
4. Overlapped MEPPs (:func:`residual_mepps`): a MEPP less than ≈0.3 ms from a larger one gives no extreme
   of its own. The response of the filter to one MEPP is read from the data (median output around the
   isolated detections), the detections' sizes are fitted jointly by least squares (overlapping responses
   share the output), their fitted responses are subtracted, and the minima of the residual below
   −(``RESIDUAL_Z`` × noise + ``MODEL_ERROR`` × |subtracted response| + ½ sample × its slope),
   ≥ ``RESIDUAL_MIN_GAP_MS`` from a first detection, are added. The two error terms bound what the
   subtraction leaves behind: the response differs between end-plates (τ 0.25–0.45 ms), an error in
   proportion to what was removed (without that term a third of the residual minima were such errors on
   simulated 2+–4+ end-plate noise), and each response is placed to the nearest sample, an error of up to
   half a sample times its slope (which matters at 10 kHz) — the iterative
   detect–subtract–detect of overlapping miniature events (template subtraction; Clements & Bekkers 1997;
   peel-off as in EMG decomposition, McGill et al. 2005).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import fft, sparse  # type: ignore[import-untyped]
from scipy.ndimage import minimum_filter1d  # type: ignore[import-untyped]
from scipy.signal import fftconvolve  # type: ignore[import-untyped]
from scipy.sparse.linalg import spsolve  # type: ignore[import-untyped]

from edxkit.emg.spontaneous.classify import END_PLATE_MAX_MS, EPN_MIN_HALF_WIDTH_MS
from edxkit.emg.spontaneous.detect import window_ok
from edxkit.emg.spontaneous.features import Shape

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

TAU_MS = 0.3
BAND_HZ = (100.0, 3000.0)
NOISE_BAND = (0.35, 0.45)
NOISE_BAND_HIGH_FS_HZ = (4000.0, 8000.0)
Z = 4.0
SEPARATION_MS = 0.3
GUARD_MS = 2.0
WIENER = 0.05
MAX_POSITIVE = 0.5
MAX_TURNS = 2
MAX_SLOW = 0.1
RESIDUAL_Z = 4.0
MODEL_ERROR = 0.6
RESIDUAL_SEPARATION_MS = 0.15
RESIDUAL_MIN_GAP_MS = 0.2
KERNEL_HALF_MS = 4.0
ISOLATED_MS = 3.0
MIN_ISOLATED = 20
RIDGE = 1e-3


def is_mepp_shape(shape: Shape) -> bool:
    """The median potential of the matched-filter detections is that of end-plate noise: main deflection
    negative, simple (< 5 ms, ≤ ``MAX_TURNS`` turns), broad (half-width ≥ 0.55 ms, the end-plate noise rule
    of :func:`~edxkit.emg.spontaneous.classify.shape_class`), its positive phase < ``MAX_POSITIVE`` of the
    negative peak, and over within ≈ 2 ms (``slow_fraction``, the mean 1.5–8 ms after the peak over the
    peak, within ±``MAX_SLOW``; ≈ 0.01 for a MEPP, 0.1–0.6 for the slow negative phase of a positive sharp
    wave, whose onset the filter also picks up, and below −0.1 for a spike followed by a long positive
    phase, as myotonic or fibre discharges picked up in their place). A MEPP is monophasic negative, but
    the median of potentials picked out of a barrage keeps some of the neighbours' overshoot and of the
    sharpening filter's ringing before the peak — 20–45 % of it at 10 kHz and in sparse end-plate noise
    (simulated recordings), so its first deflection may read positive: the initial polarity is not
    required, and the positive phase may reach half the negative one (a fibrillation's positive phases
    are as large as its spike, and its spike is narrower)."""
    return (
        shape.peak_sign < 0
        and shape.duration_ms < END_PLATE_MAX_MS
        and shape.turns <= MAX_TURNS
        and shape.spike_ms >= EPN_MIN_HALF_WIDTH_MS
        and shape.positive_uv < MAX_POSITIVE * shape.negative_uv
        and abs(shape.slow_fraction) < MAX_SLOW
    )


def mepp_filter(uv: FloatArray, fs_hz: float) -> tuple[FloatArray, float]:
    """Filter output of ``uv`` for a MEPP (steps 1–2 of the module docstring) and its noise rms."""
    n = uv.size
    nf = int(fft.next_fast_len(n, real=True))
    x = fft.rfft(uv, nf)
    f = fft.rfftfreq(nf, 1.0 / fs_hz)
    tau = TAU_MS / 1000.0
    w = 2j * np.pi * f
    alpha = 1.0 / (1.0 + w * tau) ** 2  # spectrum of the alpha function (up to a constant)
    lo, hi = BAND_HZ[0], min(BAND_HZ[1], 0.3 * fs_hz)
    band = (1.0 - np.exp(-0.5 * (f / lo) ** 2)) * np.exp(-0.5 * (f / hi) ** 2)
    # correlation with the MEPP, sharpened; the phase term puts the output at the MEPP's peak (t = τ)
    h = np.conj(alpha) / (np.abs(alpha) ** 2 + WIENER) * band * np.exp(-w * tau)
    y = np.asarray(fft.irfft(x * h, nf)[:n], dtype=np.float64)
    if fs_hz >= 2.0 * NOISE_BAND_HIGH_FS_HZ[1] / 0.9:
        nb = NOISE_BAND_HIGH_FS_HZ
    else:
        nb = (NOISE_BAND[0] * fs_hz, NOISE_BAND[1] * fs_hz)
    high = ((f >= nb[0]) & (f <= nb[1])).astype(np.float64)
    z = np.asarray(fft.irfft(x * high, nf)[:n], dtype=np.float64)
    gain = float(np.sqrt(np.sum(np.abs(h) ** 2) / max(float(np.sum(high)), 1.0)))
    sigma_out = float(np.median(np.abs(y)) / 0.6745)
    sigma_high = float(np.median(np.abs(z)) / 0.6745) * gain
    return y, min(sigma_out, sigma_high) if sigma_high > 0.0 else sigma_out


def detect_mepps(uv: FloatArray, valid: NDArray[np.bool_], fs_hz: float) -> IntArray:
    """Samples of the MEPPs found in ``uv`` (µV; invalid samples 0) by the filter of the module docstring,
    first detections and those of the residual pass together (:func:`detect_mepp_passes`)."""
    first, hidden = detect_mepp_passes(uv, valid, fs_hz)
    return np.sort(np.concatenate([first, hidden]))


def detect_mepp_passes(uv: FloatArray, valid: NDArray[np.bool_], fs_hz: float) -> tuple[IntArray, IntArray]:
    """The first detections (steps 1–3 of the module docstring) and the MEPPs found next to them on the
    residual (step 4), both on fully valid windows (±``GUARD_MS``)."""
    empty = np.empty(0, dtype=np.int64)
    if uv.size < 16:
        return empty, empty
    y, sigma = mepp_filter(np.where(valid, uv, 0.0), fs_hz)
    if not sigma > 0.0 or not np.isfinite(sigma):
        return empty, empty
    first = _minima(y, Z * sigma, max(1, round(SEPARATION_MS * fs_hz / 1000.0)))
    hidden = residual_mepps(y, first, sigma, fs_hz)
    guard = max(1, round(GUARD_MS * fs_hz / 1000.0))
    ok = np.asarray(valid, dtype=bool)
    return first[window_ok(ok, first, guard, guard)], hidden[window_ok(ok, hidden, guard, guard)]


def _minima(y: FloatArray, level: float, half: int) -> IntArray:
    """Samples where ``y`` is the lowest within ±``half`` and below −``level`` (first of a plateau)."""
    low = minimum_filter1d(y, size=2 * half + 1, mode="nearest")
    peaks = np.flatnonzero((y <= low) & (y < -level)).astype(np.int64)
    if peaks.size > 1:
        peaks = peaks[np.concatenate([[True], np.diff(peaks) > half])]
    return peaks


def residual_mepps(y: FloatArray, peaks: IntArray, sigma: float, fs_hz: float) -> IntArray:
    """MEPPs hidden next to larger ones (step 4 of the module docstring): samples of the residual minima of
    the filter output ``y`` once the responses at ``peaks`` (the first detections) are fitted and removed.
    Empty when fewer than ``MIN_ISOLATED`` detections are isolated (no neighbour within ``ISOLATED_MS``)
    to read the response from."""
    w = round(KERNEL_HALF_MS * fs_hz / 1000.0)
    if peaks.size < 3 or y.size <= 2 * w + 1:
        return np.empty(0, dtype=np.int64)
    gap = np.diff(peaks)
    far = ISOLATED_MS * fs_hz / 1000.0
    iso = peaks[1:-1][(gap[:-1] > far) & (gap[1:] > far)]
    iso = iso[(iso > w) & (iso < y.size - w - 1)]
    if iso.size < MIN_ISOLATED:
        return np.empty(0, dtype=np.int64)
    rows = y[iso[:, None] + np.arange(-w, w + 1)[None, :]]
    kernel = np.median(rows / -rows[:, w : w + 1], axis=0)  # response to one MEPP, −1 at its peak
    ac = np.correlate(kernel, kernel, mode="full")
    c0 = kernel.size - 1
    rows_i, cols_i, vals = [np.arange(peaks.size)], [np.arange(peaks.size)], [np.full(peaks.size, ac[c0])]
    for k in range(1, peaks.size):  # the Gram matrix of the overlapping responses (banded)
        lag = peaks[k:] - peaks[:-k]
        near = np.flatnonzero(lag < kernel.size)
        if near.size == 0:
            break
        v = ac[c0 + lag[near]]
        rows_i += [near, near + k]
        cols_i += [near + k, near]
        vals += [v, v]
    gram = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_i))), shape=(peaks.size,) * 2
    )
    gram = gram + sparse.identity(peaks.size, format="csc") * (RIDGE * ac[c0])
    proj = fftconvolve(y, kernel[::-1], mode="same")[peaks]
    size = np.asarray(spsolve(gram, proj), dtype=np.float64)
    impulses = np.zeros(y.size)
    impulses[peaks] = size
    model = fftconvolve(impulses, kernel, mode="same")
    residual = y - model
    half = max(1, round(RESIDUAL_SEPARATION_MS * fs_hz / 1000.0))
    new = _minima(residual, RESIDUAL_Z * sigma, half)
    slope = np.abs(np.gradient(model))  # per sample: a response placed up to ½ sample off errs by ½ of it
    new = new[residual[new] < -(RESIDUAL_Z * sigma + MODEL_ERROR * np.abs(model[new]) + 0.5 * slope[new])]
    j = np.clip(np.searchsorted(peaks, new), 1, peaks.size - 1)
    dist = np.minimum(np.abs(peaks[j] - new), np.abs(peaks[j - 1] - new))
    return new[dist > RESIDUAL_MIN_GAP_MS * fs_hz / 1000.0]
