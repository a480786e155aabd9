"""Parsers never crash: any damaged file either reads or gives an EdxInputError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.errors import EdxInputError
from edxkit.io import open_recording, write_waveforms

from helpers import waveform, write_wfdb

_WORK = Path(tempfile.mkdtemp(prefix="edx-fuzz-"))
_EDF = write_waveforms(_WORK / "base.edf", [waveform(2000, 20000.0), waveform(2000, 20000.0, channel="ADM")])
_BDF = write_waveforms(_WORK / "base.bdf", [waveform(2000, 20000.0)])
_WFDB = write_wfdb(_WORK / "base.hea", [waveform(1000, 10000.0)])


def read_everything(path: Path) -> None:
    """Open, list, and read every voltage channel; only EdxInputError may escape."""
    try:
        with open_recording(path) as rec:
            for ch in rec.info.channels:
                w = rec.read(ch.index)
                assert w.n_samples == ch.n_samples
                assert np.all(np.isfinite(w.samples))
    except EdxInputError as exc:
        text = str(exc)
        assert "\n" not in text
        assert str(path.with_suffix("")) in text  # names the file (or its WFDB sibling)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), base=st.sampled_from([_EDF, _BDF]))
def test_any_mutation_of_an_edf_or_bdf_reads_or_gives_a_clear_error(data: st.DataObject, base: Path) -> None:
    raw = bytearray(base.read_bytes())
    n_edits = data.draw(st.integers(1, 6))
    for _ in range(n_edits):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(raw))))
    target = _WORK / f"m{base.suffix}"
    target.write_bytes(bytes(raw[:cut] if cut is not None else raw))
    read_everything(target)


@settings(max_examples=150, deadline=None)
@given(
    header=st.sampled_from(["time_ms,value", "time_s,a,b", "time_ms", "value,time_ms", ""]),
    units=st.sampled_from(["# units: mV\n", "# units: uV\n", "", "# units: parsec\n"]),
    body=st.lists(
        st.lists(st.one_of(st.floats(allow_nan=True), st.text(max_size=4)), min_size=0, max_size=3),
        max_size=12,
    ),
)
def test_any_csv_text_reads_or_gives_a_clear_error(header: str, units: str, body: list[list[object]]) -> None:
    rows = "\n".join(",".join(str(v) for v in row) for row in body)
    path = _WORK / "f.csv"
    path.write_text(f"{units}{header}\n{rows}\n", encoding="utf-8")
    read_everything(path)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_mutation_of_a_wfdb_header_reads_or_gives_a_clear_error(data: st.DataObject) -> None:
    text = _WFDB.read_text()
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(chars) - 1))
        chars[pos] = data.draw(st.sampled_from(list("0123456789 +-/.abcxyz\n")))
    target_dir = _WORK / "wf"
    target_dir.mkdir(exist_ok=True)
    (target_dir / "base.hea").write_text("".join(chars))
    (target_dir / "base.dat").write_bytes(_WFDB.with_suffix(".dat").read_bytes())
    read_everything(target_dir / "base.hea")
