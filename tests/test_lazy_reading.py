"""Reading is lazy: a 2 GB EDF is described at once, and long recordings are read in windows."""

from __future__ import annotations

import time
from pathlib import Path

import edfio
import numpy as np
import pytest

from edxkit.io import open_recording
from edxkit.io.edf_header import read_edf_header

FS = 48000
TWO_GB = 2 * 1024**3


def big_edf(path: Path, *, plus: bool) -> Path:
    """A 2 GB EDF(+) of one 48 kHz channel: a real header, then a sparse file of zero samples."""
    one_second = np.sin(np.arange(FS) / 10.0) * 100.0
    signal = edfio.EdfSignal(
        one_second, FS, label="needle", physical_dimension="uV", physical_range=(-500, 500)
    )
    annotations = [edfio.EdfAnnotation(0.5, None, "rest")] if plus else None
    edfio.Edf([signal], data_record_duration=1, annotations=annotations).write(path)
    header = read_edf_header(path)
    n_records = (TWO_GB - header.header_bytes) // header.record_bytes
    raw = bytearray(path.read_bytes())
    raw[236:244] = f"{n_records:<8}".encode()
    path.write_bytes(bytes(raw))
    with path.open("r+b") as f:
        f.truncate(header.header_bytes + n_records * header.record_bytes)
    return path


@pytest.mark.parametrize("plus", [False, True], ids=["edf", "edf_plus"])
def test_info_on_a_2_gb_edf_answers_within_a_second(tmp_path: Path, edx, plus: bool) -> None:
    path = big_edf(tmp_path / "long.edf", plus=plus)
    assert path.stat().st_size > 2_000_000_000
    started = time.perf_counter()
    result = edx("info", path)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.stderr
    assert "48000 Hz" in result.stdout
    assert "not scanned" in result.stdout
    assert elapsed < 1.5, f"edx info took {elapsed:.2f} s"


def test_a_window_deep_in_a_long_recording_reads_only_that_window(tmp_path: Path) -> None:
    path = big_edf(tmp_path / "long.edf", plus=False)
    with open_recording(path) as rec:
        assert rec.info.duration_s > 6 * 3600
        started = time.perf_counter()
        head = rec.read(0, start_s=0.25, stop_s=0.75)
        deep = rec.read(0, start_s=5 * 3600, stop_s=5 * 3600 + 10)
        elapsed = time.perf_counter() - started
    assert head.n_samples == FS // 2
    assert np.max(np.abs(head.samples)) > 50
    assert deep.n_samples == 10 * FS
    assert deep.times_s()[0] == pytest.approx(5 * 3600)
    assert elapsed < 1.0
