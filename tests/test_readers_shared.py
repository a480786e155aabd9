"""One reader test run against every format: write generated data, read it back, compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.errors import EdxInputError
from edxkit.io import open_recording, read_info, read_waveform, write_waveforms
from edxkit.waveform import Waveform

from helpers import waveform, write_wfdb

FORMATS = ["edf", "bdf", "csv", "npy", "wfdb"]


def write(tmp: Path, fmt: str, waveforms: list[Waveform]) -> Path:
    if fmt == "wfdb":
        return write_wfdb(tmp / "rec.hea", waveforms)
    return write_waveforms(tmp / f"rec.{fmt}", waveforms)


def edf_can_hold(fs_hz: float, n: int) -> bool:
    from edxkit.io.edf import record_duration_s

    try:
        record_duration_s(fs_hz, n)
    except EdxInputError:
        return False
    return True


def resolution(fmt: str, w: Waveform) -> float:
    """Worst quantization error of the format for this waveform's range, in its units."""
    span = float(np.ptp(w.samples)) or 1.0
    peak = float(np.max(np.abs(w.samples))) or 1.0
    return {
        "edf": span * 1.03 / 65535,
        "bdf": span * 1.03 / 2**24,
        "wfdb": peak / 30000.0,
        "csv": peak * 1e-9,
        "npy": 0.0,
    }[fmt] + 1e-12


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_rate_length_units_and_values(tmp_path: Path, fmt: str) -> None:
    original = waveform(2000, 20000.0, units="mV")
    back = read_waveform(write(tmp_path, fmt, [original]))
    assert back.fs_hz == pytest.approx(20000.0)
    assert back.n_samples == 2000
    assert back.units == "mV"
    assert np.max(np.abs(back.samples - original.samples)) <= resolution(fmt, original)
    assert back.quality.clipped_count == 0


@pytest.mark.parametrize("fmt", ["edf", "bdf", "csv", "npy"])
def test_round_trip_keeps_the_stimulus_time(tmp_path: Path, fmt: str) -> None:
    original = waveform(1000, 10000.0, stimulus_s=0.005)
    back = read_waveform(write(tmp_path, fmt, [original]))
    assert back.stimulus_s == pytest.approx(0.005, abs=1e-9)
    t_ms = back.times_ms_from_stimulus()
    assert t_ms[0] == pytest.approx(-5.0)
    assert t_ms[50] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("fmt", FORMATS)
def test_multichannel_files_list_every_channel_and_read_each_by_index_or_label(
    tmp_path: Path, fmt: str
) -> None:
    chans = [waveform(1000, 10000.0, channel=name, seed=i) for i, name in enumerate(["APB", "ADM", "FDI"])]
    path = write(tmp_path, fmt, chans)
    info = read_info(path)
    assert [c.label for c in info.channels] == ["APB", "ADM", "FDI"]
    for i, w in enumerate(chans):
        by_index = read_waveform(path, i)
        by_label = read_waveform(path, w.channel)
        np.testing.assert_array_equal(by_index.samples, by_label.samples)
        assert np.max(np.abs(by_index.samples - w.samples)) <= resolution(fmt, w)


@pytest.mark.parametrize("fmt", FORMATS)
def test_window_read_equals_the_same_slice_of_the_whole_read(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, fmt, [waveform(20000, 10000.0)])
    whole = read_waveform(path)
    part = read_waveform(path, start_s=0.2513, stop_s=1.1)
    first = int(np.floor(0.2513 * 10000))
    np.testing.assert_array_equal(part.samples, whole.samples[first : first + part.n_samples])
    assert part.n_samples == 11000 - first
    assert part.times_s()[0] == pytest.approx(first / 10000.0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_channel_error_lists_the_channels_there_are(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, fmt, [waveform(1000, 10000.0, channel="APB")])
    with pytest.raises(EdxInputError, match=r"no channel 'XYZ'; the file has: 0='APB'"):
        read_waveform(path, "XYZ")
    with pytest.raises(EdxInputError, match="no channel 3"):
        read_waveform(path, 3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_window_outside_the_recording_is_an_error(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, fmt, [waveform(1000, 10000.0)])
    with pytest.raises(EdxInputError, match="outside channel"):
        read_waveform(path, start_s=0.05, stop_s=0.2)


@pytest.mark.parametrize("fmt", ["edf", "bdf", "csv", "npy"])
def test_microvolt_signals_stay_in_microvolts(tmp_path: Path, fmt: str) -> None:
    original = waveform(2400, 48000.0, units="uV", amp=20.0)
    back = read_waveform(write(tmp_path, fmt, [original]))
    assert back.units == "uV"
    assert np.max(np.abs(back.in_units("mV") * 1000 - original.samples)) <= resolution(fmt, original) * 1.001


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["edf", "bdf", "csv", "npy"]),
    fs_hz=st.sampled_from([3200.0, 4000.0, 10000.0, 20000.0, 23437.5, 48000.0]),
    seconds=st.sampled_from([0.05, 0.1, 0.5, 1.0]),
    amp=st.floats(1e-3, 1e3),
    units=st.sampled_from(["uV", "mV"]),
)
def test_any_rate_length_and_amplitude_round_trips(
    tmp_path: Path, fmt: str, fs_hz: float, seconds: float, amp: float, units: str
) -> None:
    n = round(fs_hz * seconds)
    original = waveform(n, fs_hz, units=units, amp=amp)
    if fmt in ("edf", "bdf") and not edf_can_hold(fs_hz, n):
        with pytest.raises(EdxInputError, match="no exact EDF data-record duration"):
            write(tmp_path, fmt, [original])
        return
    path = write(tmp_path, fmt, [original])
    with open_recording(path) as rec:
        back = rec.read(0)
    assert back.n_samples == n
    assert back.fs_hz == pytest.approx(fs_hz, rel=1e-9)
    assert np.max(np.abs(back.samples - original.samples)) <= resolution(fmt, original)
