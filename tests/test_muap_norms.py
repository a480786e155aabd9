"""The MUAP reference table: packaged values with provenance, lookup by muscle/age, and a lab's own table."""

from __future__ import annotations

from pathlib import Path

import pytest

from edxkit.errors import EdxInputError
from edxkit.norms.muap import default_muap_table, load_muap_table

HEADER = (
    "muscle,parameter,method,age_min,age_max,mean,sd,mean_lower,mean_upper,outlier_lower,outlier_upper,"
    "unit,status,source_id,provenance,note"
)


def test_packaged_table_is_versioned_and_every_row_has_status_and_provenance() -> None:
    table = default_muap_table()
    assert table.version == "2026.1"
    assert all(r.status in ("V", "V2", "TB", "NF") for r in table.rows)
    assert all(r.provenance for r in table.rows)
    assert all(r.source_id for r in table.rows if r.status in ("V", "V2"))
    assert all(not r.has_limits for r in table.rows if r.status == "NF")


def test_s1_keypoint_rows_hold_the_published_outlier_limits_and_mean_limits_are_mean_plus_minus_2_sd() -> (
    None
):
    table = default_muap_table()
    expected = {
        ("deltoid", "amplitude_uv"): (550, 110, 162, 1531),
        ("deltoid", "duration_ms"): (10.4, 1.3, 4.2, 18.4),
        ("biceps_brachii", "amplitude_uv"): (436, 115, 178, 1414),
        ("biceps_brachii", "duration_ms"): (9.9, 1.4, 4.2, 16.4),
        ("first_dorsal_interosseous", "amplitude_uv"): (752, 247, 188, 2301),
        ("first_dorsal_interosseous", "duration_ms"): (9.4, 1.3, 4.0, 18.0),
    }
    for (muscle, parameter), (mean, sd, low, high) in expected.items():
        row = table.find(muscle, parameter, 45)
        assert row is not None and (row.status, row.source_id) == ("V", "S1")
        assert (row.mean, row.sd, row.outlier_lower, row.outlier_upper) == (mean, sd, low, high)
        assert row.mean_lower == pytest.approx(mean - 2 * sd, abs=0.051)
        assert row.mean_upper == pytest.approx(mean + 2 * sd, abs=0.051)


def test_tibialis_anterior_s2_uln_values_and_the_verified_row_wins_over_buchthal() -> None:
    table = default_muap_table()
    uln = {"amplitude_uv": 845.5, "duration_ms": 11.2, "area_uv_ms": 1168.9, "phases": 4.19, "turns": 4.39}
    for parameter, value in uln.items():
        row = table.find("tibialis_anterior", parameter, 25)
        assert row is not None and row.source_id == "S2" and row.mean_upper == value
    poly = table.find("tibialis_anterior", "polyphasic_pct", None)
    assert poly is not None and poly.mean_upper == 35


def test_buchthal_20_29_durations_apply_only_within_the_band_and_are_mean_plus_minus_20_pct() -> None:
    table = default_muap_table()
    row = table.find("triceps", "duration_ms", 25)
    assert row is not None and (row.status, row.source_id, row.mean) == ("V2", "S3", 10.4)
    assert row.mean_lower == pytest.approx(0.8 * 10.4, abs=0.051)
    assert row.mean_upper == pytest.approx(1.2 * 10.4, abs=0.051)
    assert table.find("triceps", "duration_ms", 30) is None
    assert table.find("triceps", "duration_ms", None) is None
    assert "age 30" in table.why_missing("triceps", "duration_ms", 30)


def test_muscle_without_values_has_no_reference_and_never_borrows_another_muscle() -> None:
    table = default_muap_table()
    assert table.find("supraspinatus", "duration_ms", 40) is None
    assert (
        table.why_missing("supraspinatus", "duration_ms", 40) == "no reference for supraspinatus duration_ms"
    )
    assert table.find("vastus_lateralis", "amplitude_uv", 40) is None
    assert "values not found" in table.why_missing("vastus_lateralis", "amplitude_uv", 40)
    assert table.find("first_dorsal_interosseous", "phases", 40) is None


def test_generic_polyphasia_limit_of_15_pct_applies_only_where_the_muscle_has_no_own_row() -> None:
    table = default_muap_table()
    generic = table.find("biceps_brachii", "polyphasic_pct", 40)
    assert generic is not None and generic.generic and generic.mean_upper == 15
    assert "generic limit" in generic.describe()
    deltoid = table.find("deltoid", "polyphasic_pct", 40)
    assert deltoid is not None and not deltoid.generic and deltoid.mean_upper == 25


def test_a_lab_table_loads_from_a_path_with_its_version(tmp_path: Path) -> None:
    path = tmp_path / "lab.csv"
    path.write_text(
        "# our lab, table version lab-7\n" + HEADER + "\n"
        "supraspinatus,duration_ms,multi-MUP,,,10.0,1.0,8.0,12.0,4.0,17.0,ms,V,LAB,our controls 2025,\n",
        encoding="utf-8",
    )
    table = load_muap_table(path)
    assert table.version == "lab-7"
    row = table.find("supraspinatus", "duration_ms", 50)
    assert row is not None and row.source_id == "LAB" and row.outlier_upper == 17.0


def test_bad_lab_tables_name_the_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\nbiceps_brachii,duration_ms,x,,,ten,,,,,,ms,V,L,p,\n", encoding="utf-8")
    with pytest.raises(EdxInputError, match=r"line 2: mean.*'ten' is not a number"):
        load_muap_table(path)
    path.write_text(HEADER + "\nbiceps_brachii,girth_mm,x,,,1,,,,,,mm,V,L,p,\n", encoding="utf-8")
    with pytest.raises(EdxInputError, match="parameter"):
        load_muap_table(path)
    path.write_text("muscle,parameter\nbiceps_brachii,duration_ms\n", encoding="utf-8")
    with pytest.raises(EdxInputError, match="missing columns"):
        load_muap_table(path)
    with pytest.raises(EdxInputError, match="not found"):
        load_muap_table(tmp_path / "absent.csv")
