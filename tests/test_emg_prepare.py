"""Preprocessing of needle signals: band, units, invalid samples never measured, windows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.emg.prepare import GUARD_MS, prepare
from edxkit.emg.windows import core, memory_windows, spans
from edxkit.waveform import Quality, Waveform


def _wave(x: np.ndarray, fs: float = 20000.0, units: str = "uV", quality: Quality | None = None) -> Waveform:
    return Waveform(x, fs, units, quality=quality or Quality())  # type: ignore[arg-type]


def test_millivolt_input_is_converted_to_microvolts() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 0.01, 20000)  # 10 µV rms, given in mV
    prep = prepare(_wave(x, units="mV"))
    assert 8.0 < prep.noise_uv < 12.0


def test_upper_band_edge_is_kept_below_045_fs_for_a_4_khz_recording() -> None:
    prep = prepare(_wave(np.random.default_rng(1).normal(size=8000), fs=4000.0))
    assert prep.band_hz == (2.0, 1800.0)


def test_nan_run_and_its_2_ms_guard_are_invalid_and_zero_not_interpolated() -> None:
    fs = 20000.0
    x = np.random.default_rng(2).normal(0.0, 10.0, 40000)
    x[10000:10100] = np.nan
    prep = prepare(_wave(x, fs))
    guard = round(GUARD_MS * fs / 1000.0)
    assert not prep.valid[10000 - guard : 10100 + guard].any()
    assert prep.valid[: 10000 - guard - 1].all() and prep.valid[10100 + guard + 1 :].all()
    assert np.all(prep.uv[~prep.valid] == 0.0)
    assert prep.n_nonfinite == 100
    assert prep.excluded_s == pytest.approx((100 + 2 * guard) / fs, abs=2 / fs)


def test_samples_at_the_converter_limit_are_excluded_when_the_reader_saw_clipping() -> None:
    x = np.random.default_rng(3).normal(0.0, 10.0, 20000)
    x[5000:5010] = 500.0  # clipped at the upper limit
    prep = prepare(_wave(x, quality=Quality(10, 0, 10)))
    assert prep.n_clipped == 10
    assert not prep.valid[5000:5010].any()


def test_without_clipping_flag_the_largest_sample_stays_valid() -> None:
    x = np.random.default_rng(4).normal(0.0, 10.0, 20000)
    assert prepare(_wave(x)).valid.all()


def test_a_sampling_rate_below_1_khz_is_refused() -> None:
    with pytest.raises(ValueError, match="below 1000 Hz"):
        prepare(_wave(np.zeros(100), fs=500.0))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3000),
    fs=st.sampled_from([4000.0, 10000.0, 23437.5, 48000.0]),
    nan_fraction=st.floats(0.0, 1.0),
    scale=st.floats(1e-3, 1e4),
    seed=st.integers(0, 2**16),
)
def test_prepare_any_signal_gives_finite_output_and_a_mask(
    n: int, fs: float, nan_fraction: float, scale: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, scale, n)
    x[rng.random(n) < nan_fraction] = np.nan
    prep = prepare(_wave(x, fs))
    assert prep.uv.shape == (n,) and prep.valid.shape == (n,)
    assert np.isfinite(prep.uv).all() and np.isfinite(prep.noise_uv) and prep.noise_uv >= 0.0
    assert not prep.valid[~np.isfinite(x)].any()


@given(duration=st.floats(0.01, 3600.0), window=st.floats(2.0, 60.0))
def test_window_cores_tile_the_recording_without_gap_or_overlap(duration: float, window: float) -> None:
    all_spans = spans(duration, window, 1.0)
    cores = [core(all_spans, i) for i in range(len(all_spans))]
    assert cores[0][0] == 0.0 and cores[-1][1] == pytest.approx(duration)
    for (_, end), (start, _) in itertools.pairwise(cores):
        assert end == pytest.approx(start)
    for (start, stop), (lo, hi) in zip(all_spans, cores, strict=True):
        assert start <= lo < hi <= stop
        assert stop - start <= max(window, 0) + 1.0 + 1e-9 or len(all_spans) == 1


def test_in_memory_windows_count_clipping_per_window() -> None:
    fs = 1000.0
    x = np.zeros(int(50 * fs))
    x[100] = 9.0  # the only clipped sample, in the first window
    wave = Waveform(x, fs, "uV", quality=Quality(1, 0, 1))
    windows = list(memory_windows(wave, window_s=20.0, overlap_s=1.0))
    assert len(windows) == 3
    assert [w.waveform.quality.clipped_count for w in windows] == [1, 0, 0]
