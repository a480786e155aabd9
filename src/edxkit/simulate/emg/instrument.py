"""Amplifier and converter: band-pass, sampling, noise, and exact placement of templates.

* Band-pass: 2nd-order Butterworth 2 Hz – 10 kHz (IFCN/clinical setting, muap-norms C26), applied forward and
  backward (zero phase, so a template's peak stays where the truth says; real machines filter causally —
  analysis code must not rely on either). The upper edge is lowered to 0.4·fs when 10 kHz is not below
  Nyquist (e.g. 1.6 kHz at 4 kHz sampling).
* Templates are synthesised at an internal rate ``k·fs ≥ 40 kHz`` (k integer), band-passed there, then every
  k-th sample is kept with the main peak on the output grid: the band-pass is the anti-alias filter.
* Templates are filtered *before* they are placed and cropped to where they exceed 1e-4 of their peak
  (the 2 Hz high-pass makes a slow after-wave far below the noise that the crop drops): the clean signal is
  then exactly the sum of the placed templates.
* Noise: white Gaussian at fs through the same band-pass, scaled to the requested rms (µV).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

INTERNAL_MIN_HZ = 40000.0
_PAD_S = 0.01
_CROP_FRACTION = 1e-4


@dataclass(frozen=True, slots=True)
class Instrument:
    """Sampling and filtering settings.

    Parameters
    ----------
    fs_hz : float
        Output sampling rate (Hz).
    low_hz, high_hz : float
        Band-pass edges actually used (Hz).
    oversample : int
        Internal synthesis rate is ``oversample · fs_hz``.
    """

    fs_hz: float
    low_hz: float
    high_hz: float
    oversample: int

    @property
    def internal_hz(self) -> float:
        return self.fs_hz * self.oversample

    def sos(self, fs_hz: float) -> NDArray[np.float64]:
        return _sos(self.low_hz, self.high_hz, fs_hz)


@functools.lru_cache(maxsize=32)
def _sos(low_hz: float, high_hz: float, fs_hz: float) -> NDArray[np.float64]:
    return np.asarray(butter(2, [low_hz, high_hz], btype="bandpass", fs=fs_hz, output="sos"))


def make_instrument(fs_hz: float, band_hz: tuple[float, float] = (2.0, 10000.0)) -> Instrument:
    """Instrument for ``fs_hz`` with the requested band, its upper edge kept at or below 0.4·fs."""
    if not (math.isfinite(fs_hz) and fs_hz >= 1000.0):
        raise ValueError(f"fs_hz must be a finite rate of at least 1000 Hz, got {fs_hz!r}")
    low, high = float(band_hz[0]), min(float(band_hz[1]), 0.4 * fs_hz)
    if not 0.0 < low < high:
        raise ValueError(f"band_hz must satisfy 0 < low < high ≤ 0.4·fs, got {band_hz!r} at fs {fs_hz} Hz")
    return Instrument(
        fs_hz=float(fs_hz), low_hz=low, high_hz=high, oversample=max(1, math.ceil(INTERNAL_MIN_HZ / fs_hz))
    )


def finish_templates(raw_uv: FloatArray, inst: Instrument) -> tuple[FloatArray, int]:
    """Band-pass and resample a stack of raw templates (rows, internal rate) → (templates at fs, peak index).

    Row 0 is the nominal template: its largest absolute sample defines the alignment (``template_index``)
    and the crop, which all rows share.
    """
    pad = int(_PAD_S * inst.internal_hz)
    padded = np.pad(np.atleast_2d(raw_uv), ((0, 0), (pad, pad)))
    filtered = sosfiltfilt(inst.sos(inst.internal_hz), padded, axis=1, padtype=None)
    k = inst.oversample
    peak = int(np.argmax(np.abs(filtered[0])))
    decimated = filtered[:, peak % k :: k]
    index = peak // k
    big = np.flatnonzero(np.abs(decimated[0]) > _CROP_FRACTION * abs(decimated[0, index]))
    first, last = int(big[0]) if big.size else index, int(big[-1]) if big.size else index
    return np.ascontiguousarray(decimated[:, first : last + 1]), index - first


def band_noise_uv(rng: np.random.Generator, n_samples: int, inst: Instrument, rms_uv: float) -> FloatArray:
    """Band-limited Gaussian noise (µV) with exactly ``rms_uv`` rms (zeros when ``rms_uv`` is 0)."""
    if rms_uv <= 0.0 or n_samples == 0:
        return np.zeros(n_samples)
    white = rng.standard_normal(n_samples)
    filtered = sosfiltfilt(inst.sos(inst.fs_hz), white, padtype=None) if n_samples > 12 else white
    scale = rms_uv / max(float(np.sqrt(np.mean(filtered**2))), 1e-300)
    return np.asarray(filtered * scale)


class Placer:
    """Accumulates templates placed at sample positions; the one placement rule for signal and truth.

    Sample ``index`` of a template lands on each position in ``samples`` (which must lie in
    ``[0, n_samples)``); parts falling outside the recording are dropped.

    Parameters
    ----------
    n_samples : int
        Length of the recording.
    max_length : int
        Longest template that will be placed.
    """

    def __init__(self, n_samples: int, max_length: int) -> None:
        self.n_samples = n_samples
        self.pad = max(int(max_length), 1)
        self._buffer = np.zeros(n_samples + 2 * self.pad)

    def add(
        self, template: FloatArray, index: int, samples: IntArray, scales: FloatArray | None = None
    ) -> None:
        """Add ``template`` (optionally times ``scales[i]`` at ``samples[i]``)."""
        if samples.size == 0 or template.size == 0:
            return
        if template.size > self.pad:
            raise ValueError(f"template of {template.size} samples exceeds the placer's {self.pad}")
        starts = samples.astype(np.int64) - index + self.pad
        idx = starts[:, None] + np.arange(template.size)[None, :]
        values = template[None, :] if scales is None else scales[:, None] * template[None, :]
        np.add.at(self._buffer, idx.ravel(), np.broadcast_to(values, idx.shape).ravel())

    @property
    def signal(self) -> FloatArray:
        """The accumulated signal (µV), one value per recording sample."""
        return self._buffer[self.pad : self.pad + self.n_samples].copy()
