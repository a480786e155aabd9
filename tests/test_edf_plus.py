"""EDF+ specifics: annotations become events, EDF+D data records are placed at their onsets."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest

from edxkit.io import read_info, read_waveform
from edxkit.io.edf_header import read_edf_header

FS = 1000.0


def edf_plus(path: Path, *, n_records: int = 4, record_s: float = 0.1, annotations=()) -> Path:
    data = np.arange(int(n_records * record_s * FS), dtype=float) % 100 - 50.0
    signal = edfio.EdfSignal(data, FS, label="TA", physical_dimension="uV", physical_range=(-100, 100))
    edf = edfio.Edf([signal], data_record_duration=record_s, annotations=list(annotations))
    edf.write(path)
    return path


def make_discontinuous(path: Path, shifts_s: dict[int, float]) -> None:
    """Rewrite the file as EDF+D, moving data record r's time-keeping onset by shifts_s[r]."""
    header = read_edf_header(path)
    raw = bytearray(path.read_bytes())
    raw[192:236] = b"EDF+D".ljust(44)
    ann_index = next(i for i, s in enumerate(header.signals) if s.is_annotation)
    offset = 2 * sum(s.samples_per_record for s in header.signals[:ann_index])
    width = 2 * header.signals[ann_index].samples_per_record
    for r, shift in shifts_s.items():
        start = header.header_bytes + r * header.record_bytes + offset
        record = bytes(raw[start : start + width])
        onset_text = record.split(b"\x14", 1)[0]
        new = (f"{float(onset_text) + shift:+g}").encode()
        patched = (new + record[len(onset_text) :])[:width].ljust(width, b"\x00")
        raw[start : start + width] = patched
    path.write_bytes(bytes(raw))


def test_edf_plus_annotations_are_events_with_onset_duration_and_text(tmp_path: Path) -> None:
    anns = [edfio.EdfAnnotation(0.05, None, "stimulus"), edfio.EdfAnnotation(0.25, 0.1, "needle moved")]
    path = edf_plus(tmp_path / "a.edf", annotations=anns)
    info = read_info(path)
    assert info.n_events == 2
    assert info.stimulus_s == pytest.approx(0.05)
    w = read_waveform(path)
    assert [(e.onset_s, e.duration_s, e.text) for e in w.events] == [
        (0.05, None, "stimulus"),
        (0.25, 0.1, "needle moved"),
    ]


def test_a_window_carries_only_the_events_inside_it(tmp_path: Path) -> None:
    anns = [edfio.EdfAnnotation(0.05, None, "stimulus"), edfio.EdfAnnotation(0.25, 0.1, "needle moved")]
    path = edf_plus(tmp_path / "a.edf", annotations=anns)
    w = read_waveform(path, start_s=0.2, stop_s=0.4)
    assert [e.text for e in w.events] == ["needle moved"]


def test_edf_plus_d_records_are_mapped_to_their_onsets(tmp_path: Path) -> None:
    path = edf_plus(tmp_path / "d.edf")
    make_discontinuous(path, {2: 5.0, 3: 5.0})
    info = read_info(path)
    assert not info.continuous
    w = read_waveform(path)
    assert w.blocks == ((0, 0.0), (200, pytest.approx(5.2)))
    t = w.times_s()
    assert t[199] == pytest.approx(0.199)
    assert t[200] == pytest.approx(5.2)
    assert t[-1] == pytest.approx(5.399)


def test_a_window_of_an_edf_plus_d_file_starts_at_its_true_time(tmp_path: Path) -> None:
    path = edf_plus(tmp_path / "d.edf")
    make_discontinuous(path, {1: 1.0, 2: 2.0, 3: 2.0})
    w = read_waveform(path, start_s=0.15, stop_s=0.35)
    assert w.blocks[0] == (0, pytest.approx(1.15))
    assert w.blocks[1] == (50, pytest.approx(2.2))
    assert len(w.blocks) == 2


def test_edf_plus_c_is_continuous_with_one_block(tmp_path: Path) -> None:
    path = edf_plus(tmp_path / "c.edf")
    info = read_info(path)
    assert info.continuous
    assert read_waveform(path).blocks == ((0, 0.0),)
