"""The report model of a study: tables with limits and sources, summary, impression, billing, figures."""

from __future__ import annotations

import textwrap

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edxkit import load_study
from edxkit.analyze import analyze_study
from edxkit.dsp.decimate import decimate_minmax
from edxkit.model import Study
from edxkit.report import build_report
from edxkit.report.model import Cell, Report, Table
from edxkit.report.ncs_tables import cell

from report_samples import CREATED, example_report, example_study


def _cell(table: Table, row_label: str, field: str) -> Cell:
    row = next(r for r in table.rows if r.label == row_label)
    return next(c for c in row.cells if c.field == field)


def test_prolonged_median_motor_latency_is_flagged_with_its_limit_and_source() -> None:
    motor = example_report().motor[0]
    assert motor.title == "Right median motor (APB)"
    cell = _cell(motor.sites, "Wrist", "onset_latency_ms")
    assert cell.text == "4.83"
    assert cell.abnormal
    assert cell.limit is not None and cell.limit.text == "≤ 4.4"
    assert cell.source == "auto"
    assert cell.unit == "ms"


def test_forearm_segment_row_carries_the_conduction_velocity_and_its_lower_limit() -> None:
    segments = example_report().motor[0].segments
    assert segments is not None
    cv = _cell(segments, "Wrist – elbow", "cv_m_s")
    assert cv.text == "56"
    assert not cv.abnormal
    assert cv.limit is not None and cv.limit.bound == "min" and cv.limit.value == 49.0


def test_typed_in_sensory_values_are_marked_entered() -> None:
    sensory = example_report().sensory[0]
    amplitude = _cell(sensory.sites, "Wrist", "amplitude_uv")
    assert (amplitude.text, amplitude.source, amplitude.abnormal, amplitude.unit) == (
        "12.0",
        "entered",
        True,
        "µV",
    )


def test_needle_table_shows_entered_findings_and_leaves_unassessed_blank() -> None:
    report = example_report()
    assert report.emg is not None
    apb = _cell(report.emg, "Abductor pollicis brevis (APB)", "muap_amplitude")
    assert (apb.text, apb.source, apb.abnormal) == ("increased", "entered", True)
    fdi_fasc = _cell(report.emg, "First dorsal interosseous (FDI)", "fasciculations")
    assert fdi_fasc.text == "" and fdi_fasc.value is None  # not assessed is not normal
    fdi_fib = _cell(report.emg, "First dorsal interosseous (FDI)", "fibrillations")
    assert (fdi_fib.text, fdi_fib.abnormal) == ("0", False)


def test_summary_names_each_abnormal_value_with_its_limit_and_the_pertinent_normals() -> None:
    summary = example_report().summary
    assert "Right median motor (APB): wrist: onset latency 4.83 ms (normal ≤ 4.4)." in summary
    assert any("amplitude 12.0 µV (normal ≥ 20)" in s for s in summary)
    normal = next(s for s in summary if s.startswith("Normal nerve conduction"))
    assert "right ulnar motor (ADM)" in normal and "right ulnar sensory (digit 5)" in normal
    assert any(s.startswith("Normal needle examination") and "pronator teres" in s for s in summary)


def test_impression_items_carry_the_rule_and_evidence_in_words() -> None:
    impression = example_report().impression
    assert impression.text == impression.statement
    assert not impression.edited
    item = impression.items[0]
    assert item.code == "median_neuropathy_wrist"
    assert item.rule == "cts_aaem_2002"
    assert "Right median motor (APB), wrist: onset latency 4.83 ms (limit 4.4 ms)" in item.evidence


def test_physician_impression_replaces_the_generated_text_and_is_marked_edited() -> None:
    study = example_study()
    report = build_report(study, analyze_study(study), impression_text="Moderate CTS.", figures=False)
    assert report.impression.text == "Moderate CTS."
    assert report.impression.edited


def test_billing_lines_match_the_itemised_studies() -> None:
    report = example_report()
    assert [(b.code, b.units, b.modifiers) for b in report.billing] == [
        ("95908", 1, []),
        ("95885", 1, ["RT"]),
    ]
    assert report.billing[0].description == "Nerve conduction studies, 3–4 studies"
    performed = report.header.studies_performed
    assert performed[0] == "Motor nerve conduction (2): Right median (APB), Right ulnar (ADM)"
    assert performed[1].startswith("Sensory nerve conduction (2)")
    assert any(p.startswith("Needle EMG, right (3 muscles)") for p in performed)


def test_header_and_technical_section_come_from_the_study() -> None:
    report = example_report()
    assert report.header.referring_physician == "Dr A. Referrer"
    assert report.header.performing_physician == "Dr B. Examiner"
    assert report.technical.temperatures == ["Upper limb 33.0 °C", "Lower limb 31.5 °C"]
    assert report.created == CREATED


def test_ncs_figure_stacks_the_sites_with_the_measured_markers() -> None:
    motor = example_report().motor[0]
    assert motor.figure is not None
    assert [t.label for t in motor.figure.traces] == ["Wrist", "Elbow"]
    wrist = motor.figure.traces[0]
    onset = _cell(motor.sites, "Wrist", "onset_latency_ms").value
    assert wrist.markers["onset"] == round(float(onset), 3)  # type: ignore[arg-type]
    assert wrist.unit == "mV" and len(wrist.values) <= 500
    assert min(wrist.values) < -5.0  # the CMAP's negative peak (about -8 mV) survives decimation


def test_report_json_round_trip_keeps_every_field() -> None:
    report = example_report()
    assert Report.model_validate_json(report.model_dump_json(by_alias=True)) == report
    assert report.model_dump(by_alias=True)["schema"] == "edxkit.report/1"


def test_absent_response_is_printed_nr_and_flagged(tmp_path) -> None:
    (tmp_path / "study.yaml").write_text(
        textwrap.dedent(
            """
            schema: edxkit.study/1
            id: S-NR
            patient: {id: P-9, age: 60}
            performed: 2026-11-01
            ncs:
              - nerve: sural
                kind: sensory
                side: left
                record: lateral_ankle
                sites:
                  - {site: calf, distance_mm: 140, response: absent}
            """
        )
    )
    study = load_study(tmp_path)
    report = build_report(study, analyze_study(study), figures=False)
    amplitude = _cell(report.sensory[0].sites, "Calf", "amplitude_uv")
    latency = _cell(report.sensory[0].sites, "Calf", "peak_latency_ms")
    assert (amplitude.text, amplitude.abnormal) == ("NR", True)
    assert latency.text == "NR"
    assert any("no response" in s for s in report.summary)
    assert report.technical.temperatures == ["Limb temperature not recorded"]


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.integers(2, 5000), elements=st.floats(-1e4, 1e4, allow_nan=False)),
    st.integers(2, 800),
)
def test_minmax_decimation_keeps_extremes_and_the_point_budget(values, max_points) -> None:
    reduced, step = decimate_minmax(values, max_points)
    if len(values) <= max_points:
        assert np.array_equal(reduced, values) and step == 1.0
        return
    assert len(reduced) <= max_points
    assert reduced.max() == values.max() and reduced.min() == values.min()
    # the values span the trace: the last one is drawn within one bin of the last sample
    assert abs((len(reduced) - 1) * step - (len(values) - 1)) <= 2 * step + 1


def test_minmax_decimation_draws_a_spike_at_its_time() -> None:
    values = np.zeros(10_001)
    values[7_777] = -500.0
    reduced, step = decimate_minmax(values, 600)
    drawn_at = int(np.argmin(reduced)) * step
    assert abs(drawn_at - 7_777) <= 2 * step


def test_sentences_keep_acronyms_in_capitals() -> None:
    from edxkit.report.labels import in_sentence

    assert in_sentence("Polyphasic MUAPs") == "polyphasic MUAPs"
    assert in_sentence("Mean MUAP duration") == "mean MUAP duration"
    assert in_sentence("Onset latency") == "onset latency"


def test_sentences_keep_the_names_of_the_m_f_and_h_waves() -> None:
    from edxkit.report.labels import in_sentence

    assert in_sentence("H latency difference") == "H latency difference"
    assert in_sentence("F min latency") == "F min latency"
    assert in_sentence("M amplitude") == "M amplitude"


def test_distances_carry_no_source_mark_while_the_measured_values_do() -> None:
    motor = example_report().motor[0]
    distance = _cell(motor.sites, "Wrist", "distance_mm")
    assert (distance.text, distance.source) == ("80", None)
    assert _cell(motor.sites, "Wrist", "onset_latency_ms").source == "auto"


def test_f_wave_rows_name_their_nerve_side_and_recording_site_for_machine_readers() -> None:
    f_waves = example_report().f_waves
    assert f_waves is not None
    row = f_waves.rows[0]
    assert row.label == "Right median F wave (APB)"
    assert row.context == {
        "nerve": "median",
        "kind": "f_wave",
        "side": "right",
        "record": "abductor_pollicis_brevis",
    }


def test_an_abnormal_value_that_rounds_onto_its_limit_is_printed_with_more_decimals() -> None:
    """1.96 mV under a 2-mV lower limit would print 2.0 at the column's one decimal: it prints 1.96; a
    latency of 4.404 ms over 4.4 prints 4.404; values clear of their limit keep the column's decimals."""

    def shown(field: str, value: float, bound: str, limit: float, decimals: int) -> str:
        data = {field: value, "limits": {field: {"bound": bound, "value": limit}}, "abnormal": [field]}
        return cell(data, field, None, decimals).text

    assert shown("amplitude_mv", 1.96, "min", 2.0, 1) == "1.96"
    assert shown("onset_latency_ms", 4.404, "max", 4.4, 2) == "4.404"
    assert shown("amplitude_mv", 1.5, "min", 2.0, 1) == "1.5"
    normal = {
        "amplitude_mv": 2.04,
        "limits": {"amplitude_mv": {"bound": "min", "value": 2.0}},
        "abnormal": [],
    }
    assert cell(normal, "amplitude_mv", None, 1).text == "2.0"


def test_a_nerve_study_without_normal_limits_is_summarised_as_not_compared_not_as_normal() -> None:
    snap = {
        "nerve": "median",
        "kind": "sensory",
        "side": "right",
        "record": "wrist",
        "direction": "orthodromic",
        "sites": [{"site": "digit_2", "distance_mm": 140, "peak_latency_ms": 3.1, "amplitude_uv": 13}],
    }
    motor = {
        "nerve": "median",
        "kind": "motor",
        "side": "right",
        "record": "APB",
        "sites": [{"site": "wrist", "distance_mm": 70, "onset_latency_ms": 3.6, "amplitude_mv": 8.1}],
    }
    study = Study.model_validate(
        {
            "schema": "edxkit.study/1",
            "id": "O",
            "patient": {"id": "P", "age": 52},
            "performed": "2026-11-27",
            "temperature_c": {"upper": 33},
            "ncs": [motor, snap],
        }
    )
    summary = build_report(study, analyze_study(study), figures=False, created=CREATED).summary
    assert "Normal nerve conduction: right median motor (APB)." in summary
    assert "Not compared with normal limits (none in the table): right median sensory (wrist)." in summary
