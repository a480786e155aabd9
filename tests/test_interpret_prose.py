"""The statement names findings no impression explains in words, grouped by nerve study or muscle."""

from __future__ import annotations

from edxkit.interpret.prose import field_words, findings_in_words


def test_nerve_rows_say_low_slow_prolonged_or_absent_where_and_group_by_study() -> None:
    ref = {"table": "ncs", "side": "right", "nerve": "median", "kind": "motor"}
    rows = [
        ref | {"site": "wrist", "field": "amplitude_mv", "value": 3.9, "limit": 4.0},
        ref | {"site": "wrist", "field": "onset_latency_ms", "value": 4.6, "limit": 4.4},
        ref | {"segment": "wrist-elbow", "field": "cv_m_s", "value": 44.0, "limit": 49.0},
        {"table": "ncs", "side": "left", "nerve": "superficial_peroneal", "kind": "sensory"}
        | {"site": "lateral_calf", "field": "response", "value": "absent"},
        {"table": "ncs", "side": "right", "nerve": "tibial", "kind": "f_wave", "field": "f_min_latency_ms"}
        | {"value": 60.0, "limit": 56.0},
    ]
    assert findings_in_words(rows) == (
        "right median motor (low amplitude at wrist, prolonged onset latency at wrist, slow conduction "
        "velocity at wrist–elbow); left superficial peroneal sensory (absent response at lateral calf); "
        "right tibial F-wave (prolonged minimal F latency)"
    )


def test_muscle_rows_name_grades_and_discharge_types_never_ids_or_lists() -> None:
    ref = {"table": "emg", "side": "right", "muscle": "first_dorsal_interosseous"}
    rows = [
        ref | {"field": "fibrillations", "value": "2+"},
        ref | {"field": "positive_sharp_waves", "value": "1+"},
        ref | {"field": "other_discharges", "value": ["myokymic", "complex_repetitive"]},
        ref | {"field": "muap_amplitude", "value": "increased"},
    ]
    text = findings_in_words(rows)
    assert text == (
        "right first dorsal interosseous (fibrillations 2+, positive sharp waves 1+, myokymic discharges, "
        "complex repetitive discharges, MUAP amplitude increased)"
    )
    assert "_" not in text and "[" not in text


def test_field_names_lose_their_unit_suffix() -> None:
    assert field_words("amplitude_uv") == "amplitude"
    assert field_words("amplitude_drop_pct") == "amplitude drop"
    assert field_words("cv_m_s") == "conduction velocity"
    assert field_words("decrement_pct") == "decrement"
    assert field_words("h_latency_ms") == "H latency"
