"""Per-muscle classification: mean rule (C08), outlier rule (C06/C07), sample size (C01–C03), polyphasia,
recruitment, spontaneous activity, and "no reference" instead of borrowing another muscle's values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from edxkit.emg.classify import classify_muscle
from edxkit.emg.interference import Interference
from edxkit.emg.muap import MuapMeasures
from edxkit.emg.recruitment import Recruitment
from edxkit.emg.summary import MuapSummary, summarize


def _muap(amplitude_uv: float, duration_ms: float, phases: int = 3, turns: int = 3) -> MuapMeasures:
    area = 0.9 * amplitude_uv
    return MuapMeasures(
        amplitude_uv=amplitude_uv,
        duration_ms=duration_ms,
        onset_ms=-2.0,
        end_ms=duration_ms - 2.0,
        phases=phases,
        turns=turns,
        area_uv_ms=area,
        thickness_ms=area / amplitude_uv,
        size_index=2 * math.log10(amplitude_uv / 1000.0) + area / amplitude_uv,
        spike_duration_ms=1.5,
        satellite=False,
        satellite_latency_ms=None,
    )


def _summary(n: int, amplitude_uv: float, duration_ms: float, *, polyphasic: int = 0) -> MuapSummary:
    return summarize([_muap(amplitude_uv, duration_ms, phases=6 if k < polyphasic else 3) for k in range(n)])


def _recruitment(label: str) -> Recruitment:
    return Recruitment(2, 10.0, None, 20.0, 10.0, label, (f"recruitment {label} (test)",))


def test_biceps_20_muaps_within_s1_mean_limits_are_normal_with_the_rows_cited() -> None:
    c = classify_muscle(_summary(20, 450.0, 10.0), muscle="biceps_brachii", age_years=50)
    assert c.label == "normal"
    assert c.findings["muap_duration"] == "normal" and c.findings["muap_amplitude"] == "normal"
    assert "biceps_brachii duration_ms" in c.reference and "S1" in c.reference and "2026.1" in c.reference


def test_one_sided_polyphasia_limit_reads_at_most_15_pct_not_an_open_dash() -> None:
    c = classify_muscle(_summary(20, 450.0, 10.0), muscle="biceps_brachii", age_years=50)
    reason = next(r for r in c.reasons if "polyphasic" in r.measure)
    assert reason.limit == "≤ 15" and "mean 0 ≤ 15" in reason.text and "–15" not in reason.text


def test_biceps_mean_duration_13_ms_above_12_7_ms_mean_limit_is_long_and_neurogenic() -> None:
    c = classify_muscle(_summary(20, 450.0, 13.0), muscle="biceps", age_years=50)
    assert c.label == "neurogenic" and c.findings["muap_duration"] == "increased"
    reason = next(r for r in c.reasons if r.measure == "mean duration_ms")
    assert (reason.value, reason.limit, reason.comparison) == (13.0, 12.7, ">")


def test_biceps_mean_amplitude_180_uv_below_206_uv_and_duration_below_7_1_ms_is_myopathic() -> None:
    c = classify_muscle(_summary(20, 180.0, 6.5), muscle="biceps_brachii", age_years=50)
    assert c.label == "myopathic"
    assert c.findings["muap_amplitude"] == "decreased" and c.findings["muap_duration"] == "decreased"


def test_three_of_20_durations_above_the_16_4_ms_outlier_limit_is_abnormal_but_two_are_not_c07() -> None:
    three = [_muap(450.0, 17.0)] * 3 + [_muap(450.0, 9.0)] * 17
    two = [_muap(450.0, 17.0)] * 2 + [_muap(450.0, 9.0)] * 18
    c3 = classify_muscle(summarize(three), muscle="biceps_brachii", age_years=50)
    c2 = classify_muscle(summarize(two), muscle="biceps_brachii", age_years=50)
    assert c3.findings["muap_duration"] == "increased" and c3.label == "neurogenic"
    assert any(r.measure == "duration_ms outliers" and r.value == 3.0 for r in c3.reasons)
    assert c2.findings["muap_duration"] == "normal" and c2.label == "normal"


def test_ten_muaps_widen_the_mean_limits_by_1_36_so_13_ms_is_within_13_71_ms() -> None:
    c = classify_muscle(_summary(10, 450.0, 13.0), muscle="biceps_brachii", age_years=50)
    assert c.findings["muap_duration"] == "normal"
    reason = next(r for r in c.reasons if r.measure == "mean duration_ms")
    assert "widened" in reason.text and "13.71" in reason.text
    assert (
        classify_muscle(_summary(10, 450.0, 14.0), muscle="biceps_brachii", age_years=50).label
        == "neurogenic"
    )


def test_fewer_than_5_muaps_are_indeterminate_and_say_5_are_needed_20_recommended() -> None:
    c = classify_muscle(_summary(3, 450.0, 13.0), muscle="biceps_brachii", age_years=50)
    assert c.label == "indeterminate"
    assert "at least 5 needed" in c.reasons[0].text and "20 recommended" in c.reasons[0].text
    assert "muap_duration" not in c.findings


def test_muscle_without_reference_says_so_and_does_not_borrow_biceps_values() -> None:
    c = classify_muscle(_summary(20, 450.0, 16.0), muscle="supraspinatus", age_years=50)
    assert c.label == "indeterminate"
    assert c.reference.startswith("no reference for supraspinatus")
    assert "muap_duration" not in c.findings
    assert not any("biceps" in r.text for r in c.reasons)


def test_buchthal_triceps_duration_applies_at_25_y_and_not_at_60_y() -> None:
    young = classify_muscle(_summary(20, 450.0, 13.0), muscle="triceps", age_years=25)
    assert young.findings["muap_duration"] == "increased" and "S3" in young.reference
    old = classify_muscle(_summary(20, 450.0, 13.0), muscle="triceps", age_years=60)
    assert "muap_duration" not in old.findings and old.label == "indeterminate"
    assert any("age 60" in r.text for r in old.reasons)


def test_fibrillations_with_reduced_recruitment_are_neurogenic_even_without_muaps() -> None:
    c = classify_muscle(
        None,
        muscle="tibialis_anterior",
        age_years=40,
        spontaneous_grades={"fibrillations": "2+", "positive_sharp_waves": "1+"},
        recruitment=_recruitment("reduced"),
    )
    assert c.label == "neurogenic" and "fibrillations/PSWs present" in c.reasons[0].text
    assert c.findings["fibrillations"] == "2+" and c.findings["recruitment"] == "reduced"


def test_fibrillations_with_normal_muaps_and_recruitment_are_indeterminate() -> None:
    c = classify_muscle(
        _summary(20, 600.0, 9.5),
        muscle="tibialis_anterior",
        age_years=40,
        spontaneous_grades={"fibrillation": "1+"},
        recruitment=_recruitment("normal"),
    )
    assert c.label == "indeterminate" and "irritable myopathy" in c.reasons[0].text
    assert c.findings["fibrillations"] == "1+"


def test_long_muaps_with_early_recruitment_and_polyphasia_are_conflicting_indeterminate() -> None:
    c = classify_muscle(
        _summary(20, 700.0, 13.0, polyphasic=10),
        muscle="tibialis_anterior",
        age_years=40,
        recruitment=_recruitment("early"),
    )
    assert c.label == "indeterminate" and c.reasons[0].text.startswith("conflicting")


def test_ta_polyphasic_fraction_above_35_pct_is_increased_polyphasia_but_not_a_label_alone() -> None:
    c = classify_muscle(_summary(20, 600.0, 9.5, polyphasic=8), muscle="tibialis_anterior", age_years=40)
    assert c.findings["polyphasia"] == "increased"
    assert c.label == "indeterminate" and "non-specific" in c.reasons[0].text
    assert "tibialis_anterior polyphasic_pct" in c.reference
    assert (
        classify_muscle(_summary(20, 600.0, 9.5, polyphasic=6), muscle="TA", age_years=40).label == "normal"
    )


def test_short_small_polyphasic_muaps_with_early_recruitment_are_myopathic() -> None:
    c = classify_muscle(
        _summary(20, 300.0, 6.0, polyphasic=12),
        muscle="deltoid",
        age_years=40,
        recruitment=_recruitment("early"),
    )
    assert c.label == "myopathic" and c.findings["recruitment"] == "early"
    assert c.findings["polyphasia"] == "increased"


def test_reduced_interference_alone_is_not_neurogenic_but_with_fibrillations_it_is() -> None:
    ip = Interference(2, 300.0, 900.0, 2500.0, 3000.0, 50.0, "reduced", "activity 50 %")
    alone = classify_muscle(None, muscle="deltoid", age_years=40, interference=ip)
    assert alone.label == "indeterminate" and alone.findings["interference"] == "reduced"
    with_fibs = classify_muscle(
        None, muscle="deltoid", age_years=40, interference=ip, spontaneous_grades={"fibrillations": "3+"}
    )
    assert with_fibs.label == "neurogenic"


def test_a_lab_table_given_by_path_is_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "lab.csv"
    path.write_text(
        "# table version lab-1\n"
        "muscle,parameter,method,age_min,age_max,mean,sd,mean_lower,mean_upper,outlier_lower,outlier_upper,"
        "unit,status,source_id,provenance,note\n"
        "supraspinatus,duration_ms,lab,,,10,1,8,12,4,17,ms,V,LAB,our controls,\n",
        encoding="utf-8",
    )
    c = classify_muscle(_summary(20, 450.0, 13.0), muscle="supraspinatus", age_years=50, norms=path)
    assert c.label == "neurogenic" and "LAB" in c.reference and "lab-1" in c.reference


def test_equivocal_fibrillations_do_not_count_as_present() -> None:
    c = classify_muscle(
        _summary(20, 450.0, 10.0),
        muscle="biceps_brachii",
        age_years=50,
        spontaneous_grades={"fibrillations": "±"},
    )
    assert c.label == "normal" and c.findings["fibrillations"] == "±"


@pytest.mark.parametrize("label", ["normal", "neurogenic", "myopathic", "indeterminate"])
def test_every_label_comes_with_a_first_reason_naming_the_rule(label: str) -> None:
    cases = {
        "normal": _summary(20, 450.0, 10.0),
        "neurogenic": _summary(20, 450.0, 13.5),
        "myopathic": _summary(20, 180.0, 6.0),
        "indeterminate": _summary(2, 450.0, 10.0),
    }
    c = classify_muscle(cases[label], muscle="biceps_brachii", age_years=50)
    assert c.label == label and c.reasons[0].measure == "classification" and c.reasons[0].text


def test_two_polyphasic_of_7_muaps_is_not_increased_polyphasia_against_15_pct_of_20_muaps() -> None:
    # 2 of 7 is 29 %, but 2 of the 20 MUAPs the limit is made for is only 10 %
    c = classify_muscle(_summary(7, 450.0, 10.0, polyphasic=2), muscle="biceps_brachii", age_years=50)
    reason = next(r for r in c.reasons if r.measure == "mean polyphasic_pct")
    assert reason.comparison == "within" and "2 of 7 MUAPs polyphasic" in reason.text
    assert c.findings.get("polyphasia") == "normal" and c.label == "normal"


def test_four_polyphasic_of_7_muaps_is_increased_polyphasia_since_4_of_20_already_exceeds_15_pct() -> None:
    c = classify_muscle(_summary(7, 450.0, 10.0, polyphasic=4), muscle="biceps_brachii", age_years=50)
    reason = next(r for r in c.reasons if r.measure == "mean polyphasic_pct")
    assert reason.comparison == ">" and reason.limit == 15.0
    assert c.findings["polyphasia"] == "increased" and c.label == "indeterminate"


def test_with_20_muaps_4_polyphasic_20_pct_is_above_the_15_pct_limit_as_a_plain_percentage() -> None:
    c = classify_muscle(_summary(20, 450.0, 10.0, polyphasic=4), muscle="biceps_brachii", age_years=50)
    assert c.findings["polyphasia"] == "increased"
    c3 = classify_muscle(_summary(20, 450.0, 10.0, polyphasic=3), muscle="biceps_brachii", age_years=50)
    assert c3.findings["polyphasia"] == "normal"
