"""Reads of the real recordings in ../shared/data (skipped with the reason where the folder is absent)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from edxkit.io import read_info, read_waveform

from conftest import shared_data

PHYSIONET = {  # record: (fs, samples) from the headers, checked against SOURCE.md
    "emg_healthy": (4000.0, 50860),
    "emg_myopathy": (4000.0, 110337),
    "emg_neuropathy": (4000.0, 147858),
}


@pytest.mark.realdata
@pytest.mark.parametrize("record", sorted(PHYSIONET))
def test_physionet_records_read_with_their_rate_length_and_microvolt_range(record: str) -> None:
    path = shared_data("physionet-emgdb", f"{record}.hea")
    w = read_waveform(path)
    fs, n = PHYSIONET[record]
    assert w.fs_hz == fs
    assert w.n_samples == n
    assert w.units == "mV"
    peak_uv = np.max(np.abs(w.in_units("uV")))
    assert 300 < peak_uv < 3300  # needle EMG: hundreds of µV to a few mV
    assert np.all(np.isfinite(w.samples))
    assert w.metadata["age"]


@pytest.mark.realdata
def test_physionet_lower_case_mv_unit_reads_as_millivolts() -> None:
    w = read_waveform(shared_data("physionet-emgdb", "emg_myopathy.hea"))
    assert w.units == "mV"
    assert -0.68 < w.samples.min() < -0.66
    assert 0.77 < w.samples.max() < 0.78


def n2001_records() -> list[str]:
    manifest = shared_data("emglab-n2001", "manifest.csv")
    with manifest.open() as f:
        return [row["record"] for row in csv.DictReader(f)]


@pytest.mark.realdata
def test_every_n2001_record_reads_at_23_4_khz_with_262124_microvolt_samples() -> None:
    records = n2001_records()
    assert len(records) == 28
    for record in records:
        w = read_waveform(shared_data("emglab-n2001", "records", f"{record}.hea"))
        assert w.fs_hz == 23437.5, record
        assert w.n_samples == 262124, record
        assert w.units == "uV", record
        assert np.all(np.isfinite(w.samples)), record
        peak = np.max(np.abs(w.samples))
        assert 100 < peak < 2600, (record, peak)  # int16 at 13.107 adu/µV tops out at 2500 µV


@pytest.mark.realdata
def test_n2001_header_byte_offset_16_plus_20_is_honoured() -> None:
    path = shared_data("emglab-n2001", "records", "N2001A01BB02.hea")
    raw = np.fromfile(path.with_suffix(".bin"), dtype="<i2", offset=20, count=262124)
    w = read_waveform(path)
    np.testing.assert_allclose(w.samples, raw / 13.107, rtol=0, atol=1e-9)


@pytest.mark.realdata
def test_saturated_n2001_samples_are_reported_as_clipped_not_hidden() -> None:
    w = read_waveform(shared_data("emglab-n2001", "records", "N2001M02BB03.hea"))
    assert w.quality.clipped_count == 3114
    assert w.quality.clipped_low == 3114
    assert np.all(np.isfinite(w.samples))  # kept at the rail value, never NaN or interpolated
    assert w.samples.min() == pytest.approx(-32767 / 13.107, abs=0.1)


@pytest.mark.realdata
def test_n2001_is_read_in_windows_matching_the_whole_read() -> None:
    path = shared_data("emglab-n2001", "records", "N2001C01BB51.hea")
    whole = read_waveform(path)
    part = read_waveform(path, start_s=2.0, stop_s=3.0)
    first = int(2.0 * 23437.5)
    np.testing.assert_array_equal(part.samples, whole.samples[first : first + part.n_samples])


@pytest.mark.realdata
def test_emglab_r1_big_endian_format_61_reads_10_s_at_10_khz() -> None:
    info = read_info(shared_data("emglab-r1-sample", "R00108.hea"))
    assert info.channels[0].fs_hz == 10000.0
    assert info.channels[0].n_samples == 100000
    w = read_waveform(shared_data("emglab-r1-sample", "R00108.hea"))
    assert w.units == "mV"
    assert -1.71 < w.samples.min() < -1.70
    assert 3.79 < w.samples.max() < 3.80


@pytest.mark.realdata
def test_edx_info_describes_a_real_needle_record(edx) -> None:
    result = edx("info", shared_data("emglab-n2001", "records", "N2001A01BB01.hea"))
    assert result.exit_code == 0
    assert "23437.5 Hz, 262124 samples" in result.stdout
    assert "diagnosis: ALS" in result.stdout
