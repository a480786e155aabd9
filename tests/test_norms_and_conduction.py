"""Normal limits and conduction rules, each test named after the rule with its numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from edxkit.errors import EdxInputError
from edxkit.model import Study
from edxkit.ncs.conduction import block_criteria, segments
from edxkit.ncs.nerve import NcsSettings, analyze_conduction
from edxkit.ncs.results import SiteResult
from edxkit.norms import default_table, load_table


def site(name: str, onset: float, amp: float, area: float, dur: float, **kw: float) -> SiteResult:
    return SiteResult(name, "mV", onset_latency_ms=onset, amplitude=amp, area=area, duration_ms=dur, **kw)


def motor_study(nerve: str, record: str, sites: list[dict], age: float = 50) -> Study:
    return Study.model_validate(
        {
            "schema": "edxkit.study/1",
            "id": "T",
            "patient": {"id": "P", "age": age},
            "performed": "2026-11-20",
            "temperature_c": {"upper": 33, "lower": 32},
            "ncs": [{"nerve": nerve, "kind": "motor", "side": "right", "record": record, "sites": sites}],
        }
    )


def test_ulnar_across_elbow_cv_below_50_m_s_is_abnormal_while_the_forearm_is_normal() -> None:
    sites = [
        {"site": "wrist", "distance_mm": 80, "onset_latency_ms": 3.0, "amplitude_mv": 10},
        {"site": "below_elbow", "segment_mm": 220, "onset_latency_ms": 6.7, "amplitude_mv": 9.8},
        {"site": "above_elbow", "segment_mm": 100, "onset_latency_ms": 9.2, "amplitude_mv": 9.5},
    ]
    study = motor_study("ulnar", "ADM", sites)
    result = analyze_conduction(study, study.ncs[0], NcsSettings())
    forearm, elbow = result.segments
    assert forearm.cv_m_s == pytest.approx(220 / 3.7)
    assert forearm.abnormal == []
    assert elbow.cv_m_s == pytest.approx(40.0)
    assert "cv_m_s" in elbow.abnormal  # < 50 m/s across the elbow (AAEM, clinical.md 4.2)
    assert "cv_drop_m_s" in elbow.abnormal  # > 10 m/s slower than the forearm
    assert elbow.limits["cv_m_s"].value == 50


def test_entered_values_are_marked_entered_and_judged_like_measured_ones() -> None:
    sites = [{"site": "wrist", "distance_mm": 80, "onset_latency_ms": 4.9, "amplitude_mv": 3.1}]
    study = motor_study("median", "APB", sites)
    distal = analyze_conduction(study, study.ncs[0], NcsSettings()).sites[0]
    assert distal.source == "entered"
    assert distal.sources == {"onset_latency_ms": "entered", "amplitude": "entered"}
    assert set(distal.abnormal) == {"onset_latency_ms", "amplitude"}  # DML > 4.4 ms, CMAP < 4.0 mV


def test_latency_is_not_compared_when_the_distance_differs_from_the_norm_by_more_than_10_mm() -> None:
    sites = [{"site": "wrist", "distance_mm": 130, "onset_latency_ms": 6.0, "amplitude_mv": 8}]
    study = motor_study("median", "APB", sites)
    distal = analyze_conduction(study, study.ncs[0], NcsSettings()).sites[0]
    assert "onset_latency_ms" not in distal.abnormal
    assert any("limit is for 70 mm" in note for note in distal.notes)


def test_ean_pns_2021_calls_block_at_30_percent_amplitude_drop() -> None:
    criteria = block_criteria()["ean_pns_2021"]
    sites = [site("wrist", 3.5, 8.0, 30.0, 6.0), site("elbow", 7.5, 5.4, 21.0, 6.5, segment_mm=220)]
    (seg,) = segments(sites, nerve="median", distal_lln=4.0, criteria=criteria)
    assert seg.amplitude_drop_pct == pytest.approx(32.5)
    assert seg.conduction_block
    assert not seg.temporal_dispersion


def test_ean_pns_2021_makes_no_block_call_in_the_tibial_nerve() -> None:
    criteria = block_criteria()["ean_pns_2021"]
    sites = [
        site("ankle", 4.5, 10.0, 30.0, 6.0),
        site("popliteal_fossa", 12.0, 5.0, 16.0, 6.5, segment_mm=380),
    ]
    (seg,) = segments(sites, nerve="tibial", distal_lln=4.0, criteria=criteria)
    assert not seg.conduction_block
    assert any("tibial" in note for note in seg.notes)


def test_block_is_not_judged_when_the_distal_cmap_is_below_20_percent_of_its_lower_limit() -> None:
    criteria = block_criteria()["ean_pns_2021"]
    sites = [site("wrist", 3.5, 0.7, 2.0, 6.0), site("elbow", 7.5, 0.2, 0.6, 6.5, segment_mm=220)]
    (seg,) = segments(sites, nerve="median", distal_lln=4.0, criteria=criteria)
    assert not seg.conduction_block


def test_preston_shapiro_block_needs_area_drop_over_50_with_less_than_30_percent_dispersion() -> None:
    criteria = block_criteria()["preston_shapiro"]
    block = [site("wrist", 3.5, 8.0, 30.0, 6.0), site("elbow", 7.5, 3.5, 13.0, 7.0, segment_mm=220)]
    dispersed = [site("wrist", 3.5, 8.0, 30.0, 6.0), site("elbow", 7.5, 3.5, 13.0, 9.0, segment_mm=220)]
    (seg_block,) = segments(block, nerve="median", distal_lln=4.0, criteria=criteria)
    (seg_td,) = segments(dispersed, nerve="median", distal_lln=4.0, criteria=criteria)
    assert seg_block.conduction_block and not seg_block.temporal_dispersion
    assert not seg_td.conduction_block and seg_td.temporal_dispersion  # 50% longer: phase cancellation


def test_sural_lower_limit_falls_with_age_and_absence_is_normal_from_75() -> None:
    table = default_table()

    def lln(age: float) -> float:
        limit = table.find(
            nerve="sural", kind="sensory", record="lateral_ankle", measure="amplitude_uv", age_years=age
        )
        assert limit is not None
        return limit.value

    assert [lln(40), lln(65), lln(72), lln(80)] == [6, 3, 1, 0]


def test_ulnar_sensory_amplitude_limit_is_10_uv_after_60() -> None:
    table = default_table()
    old = table.find(nerve="ulnar", kind="sensory", record="digit_5", measure="amplitude_uv", age_years=66)
    young = table.find(nerve="ulnar", kind="sensory", record="digit_5", measure="amplitude_uv", age_years=40)
    assert old is not None and young is not None
    assert (young.value, old.value) == (17, 10)


def test_every_limit_names_its_source_and_status() -> None:
    for limit in default_table().limits:
        assert limit.source
        assert limit.status in {"V", "V*", "TB"}


def test_a_lab_table_with_a_bad_number_names_the_line(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "src/edxkit/norms/ncs_limits.csv").read_text()
    lines = text.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("study,"))
    lines[header_at + 2] = lines[header_at + 2].replace(",4.0,", ",four,")
    (tmp_path / "lab.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(EdxInputError, match=r"lab.csv: line \d+: value: 'four' is not a number"):
        load_table(tmp_path / "lab.csv")


def test_a_lab_table_replaces_the_packaged_limits(tmp_path: Path) -> None:
    (tmp_path / "lab.csv").write_text(
        "study,nerve,kind,record,measure,bound,value,distance_mm,segment,age_min,age_max,"
        "temperature_floor_c,status,source\n"
        "m,median,motor,abductor_pollicis_brevis,onset_latency_ms,max,4.0,80,,,,32,lab,Our lab 2025\n"
    )
    table = load_table(tmp_path / "lab.csv")
    sites = [{"site": "wrist", "distance_mm": 80, "onset_latency_ms": 4.2, "amplitude_mv": 8}]
    study = motor_study("median", "APB", sites)
    distal = analyze_conduction(study, study.ncs[0], NcsSettings(norms=table)).sites[0]
    assert distal.abnormal == ["onset_latency_ms"]
    assert distal.limits["onset_latency_ms"].source == "Our lab 2025"


def _median_snap_study(direction: str | None) -> Study:
    nerve: dict = {
        "nerve": "median",
        "kind": "sensory",
        "side": "right",
        "record": "digit_2",
        "sites": [{"site": "wrist", "distance_mm": 130, "peak_latency_ms": 3.2, "amplitude_uv": 12}],
    }
    if direction is not None:
        nerve["direction"] = direction
    return Study.model_validate(
        {
            "schema": "edxkit.study/1",
            "id": "T",
            "patient": {"id": "P", "age": 50},
            "performed": "2026-11-20",
            "temperature_c": {"upper": 33},
            "ncs": [nerve],
        }
    )


def test_antidromic_median_snap_of_12_uv_is_below_the_20_uv_limit_but_an_orthodromic_one_is_not_judged() -> (
    None
):
    """The packaged sensory limits are antidromic (Preston & Shapiro); an orthodromic SNAP is about half
    as large, so the 20-µV antidromic limit must not flag it: it gets no limit and a note says so."""
    for direction in (None, "antidromic"):
        study = _median_snap_study(direction)
        result = analyze_conduction(study, study.ncs[0], NcsSettings())
        assert result.direction == "antidromic"
        assert result.sites[0].abnormal == ["amplitude"]
        assert result.sites[0].limits["amplitude"].value == 20
    study = _median_snap_study("orthodromic")
    result = analyze_conduction(study, study.ncs[0], NcsSettings())
    assert result.direction == "orthodromic" and result.to_dict()["direction"] == "orthodromic"
    assert result.sites[0].abnormal == [] and result.sites[0].limits == {}
    assert any(
        "has none for an orthodromic median sensory study recorded at digit_2" in n for n in result.notes
    )


def test_a_lab_table_with_orthodromic_rows_judges_orthodromic_studies_by_them(tmp_path: Path) -> None:
    (tmp_path / "lab.csv").write_text(
        "study,nerve,kind,record,measure,bound,value,distance_mm,segment,age_min,age_max,"
        "temperature_floor_c,status,source,direction\n"
        "a,median,sensory,digit_2,amplitude_uv,min,20,,,,,32,lab,Our lab antidromic,antidromic\n"
        "o,median,sensory,digit_2,amplitude_uv,min,10,,,,,32,lab,Our lab orthodromic,orthodromic\n"
    )
    table = load_table(tmp_path / "lab.csv")
    for direction, source, abnormal in (
        ("antidromic", "Our lab antidromic", ["amplitude"]),
        ("orthodromic", "Our lab orthodromic", []),
    ):
        study = _median_snap_study(direction)
        distal = analyze_conduction(study, study.ncs[0], NcsSettings(norms=table)).sites[0]
        assert distal.limits["amplitude"].source == source
        assert distal.abnormal == abnormal


def test_a_lab_table_with_a_bad_direction_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "lab.csv").write_text(
        "study,nerve,kind,record,measure,bound,value,distance_mm,segment,age_min,age_max,"
        "temperature_floor_c,status,source,direction\n"
        "a,median,sensory,digit_2,amplitude_uv,min,20,,,,,32,lab,Our lab,sideways\n"
    )
    with pytest.raises(EdxInputError, match=r"lab.csv: line 2: direction: 'sideways' must be antidromic"):
        load_table(tmp_path / "lab.csv")


def test_a_motor_study_the_table_has_no_limits_for_says_it_was_not_compared() -> None:
    study = motor_study(
        "musculocutaneous",
        "biceps_brachii",
        [{"site": "axilla", "distance_mm": 80, "onset_latency_ms": 4.0, "amplitude_mv": 9}],
    )
    result = analyze_conduction(study, study.ncs[0], NcsSettings())
    assert result.sites[0].limits == {}
    assert any(
        n.startswith("not compared with normal limits")
        and "musculocutaneous motor study recorded at biceps_brachii" in n
        for n in result.notes
    )
