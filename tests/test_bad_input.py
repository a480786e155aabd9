"""Bad input gets one clear line naming file, field and reason, exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edxkit.io import write_waveforms
from edxkit.io.edf_header import read_edf_header

from helpers import waveform


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def edf(tmp_path: Path) -> Path:
    return write_waveforms(tmp_path / "sweep.edf", [waveform(2000, 20000.0)])


def test_truncated_edf_names_the_incomplete_record(edf: Path, edx) -> None:
    data = edf.read_bytes()
    edf.write_bytes(data[:-7])
    line = one_line_error(edx("info", edf))
    assert str(edf) in line
    assert "data: truncated: the last data record has" in line


def test_edf_header_record_count_disagreeing_with_the_data_is_an_error(edf: Path, edx) -> None:
    data = bytearray(edf.read_bytes())
    header = read_edf_header(edf)
    data[236:244] = f"{header.n_records + 3:<8}".encode()
    edf.write_bytes(bytes(data))
    line = one_line_error(edx("info", edf))
    assert "header.n_records: header says" in line
    assert "truncated" in line


def test_edf_cut_inside_the_header_is_an_error(edf: Path, edx) -> None:
    edf.write_bytes(edf.read_bytes()[:100])
    assert "header: truncated: 100 bytes" in one_line_error(edx("info", edf))


def test_garbage_in_a_numeric_header_field_names_the_field(edf: Path, edx) -> None:
    data = bytearray(edf.read_bytes())
    data[244:252] = b"abc     "
    edf.write_bytes(bytes(data))
    assert "header.record_duration: 'abc' is not a number" in one_line_error(edx("info", edf))


def test_unknown_format_lists_what_edxkit_reads(tmp_path: Path, edx) -> None:
    path = tmp_path / "trace.xyz"
    path.write_text("hello")
    line = one_line_error(edx("info", path))
    assert "format: unknown format '.xyz'" in line
    assert "EDF/EDF+" in line


def test_missing_file_is_named(tmp_path: Path, edx) -> None:
    line = one_line_error(edx("info", tmp_path / "absent.edf"))
    assert "absent.edf: file: not found" in line


def test_nan_samples_in_csv_are_reported_with_their_count(tmp_path: Path, edx) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text("# units: mV\ntime_ms,value\n0,1\n0.1,nan\n0.2,2\n0.3,NaN\n0.4,inf\n")
    line = one_line_error(edx("info", path))
    assert "values: 2 NaN and 1 infinite sample values (first at sample 1)" in line


def test_infinite_samples_in_npy_are_reported_with_their_count(tmp_path: Path, edx) -> None:
    arr = np.zeros(1000)
    arr[[10, 20, 30]] = np.inf
    np.save(tmp_path / "x.npy", arr)
    (tmp_path / "x.json").write_text(json.dumps({"sampling_rate_hz": 1000, "units": "uV"}))
    line = one_line_error(edx("info", tmp_path / "x.npy"))
    assert "samples: 3 infinite sample values (first at sample 10)" in line


def test_clipped_samples_are_reported_not_hidden(tmp_path: Path, edx) -> None:
    w = waveform(2000, 20000.0)
    path = write_waveforms(tmp_path / "sweep.edf", [w])
    data = bytearray(path.read_bytes())
    header = read_edf_header(path)
    start = header.header_bytes
    data[start : start + 8] = np.array([32767, 32767, -32768, 100], "<i2").tobytes()
    path.write_bytes(bytes(data))
    result = edx("info", path)
    assert result.exit_code == 0
    assert "3 clipped samples (1 at the lower limit, 2 at the upper limit)" in result.stdout


def test_suspected_clipping_in_csv_is_reported(tmp_path: Path, edx) -> None:
    values = np.sin(np.linspace(0, 20, 400)) * 5
    values = np.clip(values, -10, 4.0)
    path = tmp_path / "sweep.csv"
    rows = "\n".join(f"{i * 0.05:.2f},{v:.6f}" for i, v in enumerate(values))
    path.write_text(f"# units: mV\ntime_ms,value\n{rows}\n")
    result = edx("info", path)
    assert result.exit_code == 0
    assert "suspected clipped samples" in result.stdout


def test_csv_with_one_sample_and_no_rate_says_the_sampling_rate_is_missing(tmp_path: Path, edx) -> None:
    path = tmp_path / "one.csv"
    path.write_text("# units: uV\ntime_ms,value\n0,1.5\n")
    assert "sampling_rate_hz: missing" in one_line_error(edx("info", path))


def test_npy_sidecar_without_a_rate_says_the_sampling_rate_is_missing(tmp_path: Path, edx) -> None:
    np.save(tmp_path / "x.npy", np.zeros(10))
    (tmp_path / "x.json").write_text(json.dumps({"units": "uV"}))
    assert "x.json: sampling_rate_hz: missing" in one_line_error(edx("info", tmp_path / "x.npy"))


def test_edf_with_zero_record_duration_says_the_sampling_rate_is_missing(edf: Path, edx) -> None:
    data = bytearray(edf.read_bytes())
    data[244:252] = b"0       "
    edf.write_bytes(bytes(data))
    assert "sampling rate of the signals is missing" in one_line_error(edx("info", edf))


def test_csv_without_units_asks_for_them(tmp_path: Path, edx) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text("time_ms,value\n0,1\n0.1,2\n")
    assert "units: missing: add a '# units: mV'" in one_line_error(edx("info", path))


def test_csv_with_a_unit_that_is_not_a_voltage_is_rejected(tmp_path: Path, edx) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text("# units: furlongs\ntime_ms,value\n0,1\n0.1,2\n")
    assert "units: unit 'furlongs' is not a voltage unit" in one_line_error(edx("info", path))


def test_csv_with_uneven_times_names_the_row(tmp_path: Path, edx) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text("# units: mV\ntime_ms,value\n0,1\n0.1,2\n0.2,2\n0.9,3\n1.0,3\n")
    assert "time_ms: not evenly sampled" in one_line_error(edx("info", path))


def test_csv_with_a_text_cell_names_the_line(tmp_path: Path, edx) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text("# units: mV\ntime_ms,value\n0,1\n0.1,abc\n")
    line = one_line_error(edx("info", path))
    assert "values:" in line
    assert "abc" in line


def test_wfdb_data_file_shorter_than_the_header_says_is_truncated(tmp_path: Path, edx) -> None:
    from helpers import write_wfdb

    hea = write_wfdb(tmp_path / "rec.hea", [waveform(1000, 10000.0)])
    dat = hea.with_suffix(".dat")
    dat.write_bytes(dat.read_bytes()[:1000])
    line = one_line_error(edx("info", hea))
    assert "header says 1000 samples per signal but the file holds 500 (truncated)" in line


def test_wfdb_header_without_its_data_file_names_the_file(tmp_path: Path, edx) -> None:
    from helpers import write_wfdb

    hea = write_wfdb(tmp_path / "rec.hea", [waveform(1000, 10000.0)])
    hea.with_suffix(".dat").unlink()
    assert "data file rec.dat not found" in one_line_error(edx("info", hea))


def test_malformed_wfdb_header_is_an_error(tmp_path: Path, edx) -> None:
    hea = tmp_path / "rec.hea"
    hea.write_text("rec one two three\n")
    assert "not a valid WFDB header" in one_line_error(edx("info", hea))
