"""Test helpers: generated waveforms and writers for formats edxkit only reads (WFDB)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import wfdb

from edxkit.waveform import Units, Waveform


def cmap_like(
    n: int = 2000, fs_hz: float = 20000.0, *, units: Units = "mV", amp: float = 5.0, seed: int = 0
) -> np.ndarray:
    """A biphasic evoked-response shape plus a little noise (negative main phase, as recorded)."""
    rng = np.random.default_rng(seed)
    t_ms = np.arange(n) / fs_hz * 1000.0
    shape = -np.exp(-(((t_ms - 8.0) / 1.5) ** 2)) + 0.4 * np.exp(-(((t_ms - 11.0) / 2.0) ** 2))
    return amp * shape + rng.normal(0, amp * 0.01, n)


def waveform(n: int = 2000, fs_hz: float = 20000.0, **kw: object) -> Waveform:
    units = kw.pop("units", "mV")
    stimulus_s = kw.pop("stimulus_s", 0.005)
    channel = kw.pop("channel", "APB")
    samples = cmap_like(n, fs_hz, units=units, **kw)  # type: ignore[arg-type]
    return Waveform(samples, fs_hz, units, channel=channel, stimulus_s=stimulus_s)  # type: ignore[arg-type]


def write_wfdb(path: Path, waveforms: list[Waveform], *, fmt: str = "16") -> Path:
    """Write a WFDB record with the wfdb package (edxkit reads WFDB but does not write it)."""
    units = waveforms[0].units
    signal = np.column_stack([w.in_units(units) for w in waveforms])
    span = float(np.max(np.abs(signal))) or 1.0
    gain = 30000.0 / span
    wfdb.wrsamp(
        path.stem,
        fs=waveforms[0].fs_hz,
        units=[units] * len(waveforms),
        sig_name=[w.channel or f"ch{i}" for i, w in enumerate(waveforms)],
        p_signal=signal,
        fmt=[fmt] * len(waveforms),
        adc_gain=[gain] * len(waveforms),
        baseline=[0] * len(waveforms),
        write_dir=str(path.parent),
    )
    return path.with_suffix(".hea")
