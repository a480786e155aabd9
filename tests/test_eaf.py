"""EMGlab annotation files (.eaf): spike events, templates in µV, and one clear error per malformed file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.errors import EdxInputError
from edxkit.io.eaf import read_eaf

from conftest import shared_data

HEADER = """<?xml version="1.0" encoding="ASCII"?>
<emglab_annotation_file xmlns="http://ece.wpi.edu/~ted">
<emglab_version>0.01</emglab_version>
<emglab_spike_header><time></time><unit></unit><chan></chan></emglab_spike_header>
"""


def eaf(tmp_path: Path, events: str, freeform: str = "", name: str = "a.eaf") -> Path:
    path = tmp_path / name
    path.write_text(
        HEADER + f"<emglab_spike_events>\n{events}\n</emglab_spike_events>\n"
        f"<emglab_freeform>{freeform}</emglab_freeform>\n</emglab_annotation_file>\n"
    )
    return path


TEMPLATE = """<template class="struct" size="1 1"><I1>
<chan class="double" size="1 1">1</chan><unit class="double" size="1 1">2</unit>
<data class="double" size="5 1">0 -500 1000 -250 0</data><index class="double" size="1 1">{index}</index>
<rate class="double" size="1 1">10000</rate><gain class="double" size="1 1">500</gain>
<units class="char" size="1 2">{units}</units></I1></template>"""


def test_events_are_read_sorted_by_time_with_units_and_channels(tmp_path: Path) -> None:
    ann = read_eaf(eaf(tmp_path, "0.5 2 1\n0.1 1 1\n0.3 2 1"))
    assert ann.times_s.tolist() == [0.1, 0.3, 0.5]
    assert ann.units.tolist() == [1, 2, 2]
    assert ann.unit_ids == [1, 2]
    assert ann.firing_times(2).tolist() == [0.3, 0.5]
    assert ann.templates == {}


def test_template_in_adu_with_gain_500_per_mv_is_returned_in_uv(tmp_path: Path) -> None:
    ann = read_eaf(eaf(tmp_path, "0.1 2 1", TEMPLATE.format(index=2, units="mV")))
    tpl = ann.templates[2]
    assert tpl.data_uv.tolist() == [0.0, -1000.0, 2000.0, -500.0, 0.0]  # 1000 adu / 500 adu/mV = 2 mV
    assert tpl.index == 2 and tpl.fs_hz == 10000.0 and tpl.chan == 1


@pytest.mark.parametrize(
    ("events", "freeform", "field"),
    [
        ("0.1 1", "", "emglab_spike_events[1]"),
        ("0.1 1 1\n0.2 x 1", "", "emglab_spike_events[2]"),
        ("-0.1 1 1", "", "emglab_spike_events[1]"),
        ("0.1 1.5 1", "", "emglab_spike_events[1]"),
        ("0.1 1 inf", "", "emglab_spike_events[1]"),
        ("0.1 2 1", TEMPLATE.format(index=9, units="mV"), "emglab_freeform.template.I1.index"),
        ("0.1 2 1", TEMPLATE.format(index=2, units="volts?"), "emglab_freeform.template.I1.units"),
        (
            "0.1 2 1",
            TEMPLATE.format(index=2, units="mV").replace('"1 1">1</chan>', '"1 1">!1</chan>'),
            "emglab_freeform.template.I1.chan",
        ),
    ],
)
def test_malformed_event_or_template_names_the_field(
    tmp_path: Path, events: str, freeform: str, field: str
) -> None:
    with pytest.raises(EdxInputError) as err:
        read_eaf(eaf(tmp_path, events, freeform))
    assert err.value.field == field
    assert str(tmp_path) in err.value.file


def test_missing_file_bad_xml_and_missing_events_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(EdxInputError) as err:
        read_eaf(tmp_path / "none.eaf")
    assert err.value.field == "file"
    bad = tmp_path / "bad.eaf"
    bad.write_text("<emglab_annotation_file><emglab_spike_events>0.1 1 1")
    with pytest.raises(EdxInputError) as err:
        read_eaf(bad)
    assert err.value.field == "xml"
    empty = tmp_path / "empty.eaf"
    empty.write_text("<emglab_annotation_file></emglab_annotation_file>")
    with pytest.raises(EdxInputError) as err:
        read_eaf(empty)
    assert err.value.field == "emglab_spike_events"
    other = tmp_path / "other.eaf"
    other.write_text("<html></html>")
    with pytest.raises(EdxInputError) as err:
        read_eaf(other)
    assert err.value.field == "xml"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 900), junk=st.binary(max_size=40))
def test_truncated_or_corrupted_file_gives_an_input_error_or_a_result(
    tmp_path: Path, cut: int, junk: bytes
) -> None:
    good = eaf(tmp_path, "0.1 1 1\n0.2 2 1", TEMPLATE.format(index=2, units="mV")).read_bytes()
    path = tmp_path / "fuzz.eaf"
    path.write_bytes(good[:cut] + junk + good[cut:])
    try:
        ann = read_eaf(path)
    except EdxInputError as exc:
        assert exc.file and exc.field and exc.reason
    else:
        assert ann.times_s.size == ann.units.size


@pytest.mark.realdata
def test_emglab_sample_r00108_has_659_firings_of_8_units_and_2_8_mv_unit_1_template() -> None:
    ann = read_eaf(shared_data("emglab-r1-sample", "R00108.eaf"))
    assert ann.times_s.size == 659
    assert ann.unit_ids == list(range(1, 9))
    assert [ann.firing_times(u).size for u in ann.unit_ids] == [46, 87, 109, 78, 44, 101, 96, 98]
    tpl = ann.templates[1]
    assert tpl.data_uv.size == 405 and tpl.index == 202 and tpl.fs_hz == 10000.0
    assert np.ptp(tpl.data_uv) == pytest.approx(2782.0, abs=2.0)


@pytest.mark.realdata
def test_n2001_reference_files_hold_events_and_11718_hz_templates() -> None:
    ann = read_eaf(shared_data("emglab-n2001", "annotations", "N2001C01BB55.eaf"))
    assert ann.times_s.size == 148
    assert ann.unit_ids == [1, 2, 3, 4]
    assert all(
        t.fs_hz == 11718.75 and t.data_uv.size == 625 and t.index == 312 for t in ann.templates.values()
    )
