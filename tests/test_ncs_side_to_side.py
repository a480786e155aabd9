"""Right against left: the same study on both sides against side-to-side limits (clinical.md 1.2-1.4)."""

from __future__ import annotations

import json
from pathlib import Path

from edxkit.analyze import analyze_study
from edxkit.io.study import load_study
from edxkit.report import build_report

from conftest import write_study_json


def _h(side: str, latency_ms: float) -> dict[str, object]:
    return {"nerve": "tibial", "kind": "h_reflex", "side": side, "record": "soleus",
            "sites": [{"site": "popliteal_fossa", "h_latency_ms": latency_ms}]}  # fmt: skip


def _ulnar(side: str, latency_ms: float, amplitude_mv: float) -> dict[str, object]:
    site = {"site": "wrist", "distance_mm": 80, "onset_latency_ms": latency_ms, "amplitude_mv": amplitude_mv}
    return {"nerve": "ulnar", "kind": "motor", "side": side, "record": "ADM", "sites": [site]}


def _study(tmp_path: Path, ncs: list[dict[str, object]], age: float = 40.0):
    path = write_study_json(tmp_path / "study.json", ncs)
    doc = json.loads(path.read_text())
    doc["patient"]["age"] = age
    path.write_text(json.dumps(doc))
    return load_study(path)


def test_h_reflex_latency_2_ms_longer_on_the_left_exceeds_the_1_5_ms_side_to_side_limit(
    tmp_path: Path,
) -> None:
    """Right 30.0 ms, left 32.0 ms: both under the 34-ms limit but 2.0 ms apart (> 1.5 ms): abnormal, left."""
    result = analyze_study(_study(tmp_path, [_h("right", 30.0), _h("left", 32.0)]))
    (c,) = result.comparisons
    assert (c.measure, c.value, c.abnormal, c.worse_side) == ("h_latency_ms", 2.0, True, "left")
    assert c.limit.limit == 1.5
    assert result.to_dict()["comparisons"][0]["limit"]["value"] == 1.5
    summary = build_report(
        _study(tmp_path, [_h("right", 30.0), _h("left", 32.0)]), result, figures=False
    ).summary
    assert "Right vs left tibial H reflex (soleus): H latency 2.00 ms longer on the left" in " ".join(summary)


def test_from_60_years_the_h_latency_side_to_side_limit_is_1_8_ms(tmp_path: Path) -> None:
    """A 1.7-ms difference is abnormal at 40 (limit 1.5 ms) and normal at 65 (limit 1.8 ms, aged 60–88)."""
    ncs = [_h("right", 30.0), _h("left", 31.7)]
    assert analyze_study(_study(tmp_path, ncs, age=40)).comparisons[0].abnormal
    older = analyze_study(_study(tmp_path, ncs, age=65)).comparisons[0]
    assert older.limit.limit == 1.8 and not older.abnormal


def test_ulnar_motor_latency_and_amplitude_are_compared_with_buschbacher_limits(tmp_path: Path) -> None:
    """Ulnar ADM right 2.9 ms / 11.0 mV, left 3.6 ms / 9.0 mV: latency 0.7 ms apart (> 0.6: abnormal),
    amplitude 2.0 mV apart (≤ 3.6: normal)."""
    result = analyze_study(_study(tmp_path, [_ulnar("right", 2.9, 11.0), _ulnar("left", 3.6, 9.0)]))
    by = {c.measure: c for c in result.comparisons}
    assert by["onset_latency_ms"].abnormal and by["onset_latency_ms"].worse_side == "left"
    assert abs(by["amplitude"].value - 2.0) < 1e-9 and not by["amplitude"].abnormal


def test_one_sided_studies_and_studies_without_a_side_limit_are_not_compared(tmp_path: Path) -> None:
    site = {"site": "wrist", "distance_mm": 70, "onset_latency_ms": 3.5, "amplitude_mv": 8.0}
    median = {"nerve": "median", "kind": "motor", "side": "left", "record": "APB", "sites": [site]}
    right_median = dict(median, side="right")
    result = analyze_study(_study(tmp_path, [_h("right", 30.0), median, right_median]))
    assert result.comparisons == []
    assert result.to_dict()["comparisons"] == []


def test_an_h_latency_asymmetry_alone_makes_the_study_abnormal_naming_the_later_side(tmp_path: Path) -> None:
    """Both H latencies within 34 ms but 2.0 ms apart: not a normal study; the statement names the left
    H-reflex's side-to-side difference, and the evidence row carries the 1.5-ms limit."""
    result = analyze_study(_study(tmp_path, [_h("right", 30.0), _h("left", 32.0)]))
    interp = result.interpretation
    assert interp is not None
    assert not any(i.code == "normal" for i in interp.impressions)
    assert "left tibial H-reflex (increased H latency difference from the other side)" in interp.statement


def test_within_limit_side_differences_leave_a_normal_study_normal(tmp_path: Path) -> None:
    result = analyze_study(_study(tmp_path, [_h("right", 30.0), _h("left", 31.0)]))
    assert result.interpretation is not None
    assert [i.code for i in result.interpretation.impressions] == ["normal"]


def test_a_latency_asymmetry_in_a_cold_limb_is_set_aside_like_its_latencies(tmp_path: Path) -> None:
    """The same 2.0-ms H asymmetry with the legs at 28 °C (below the floor): cooling slows conduction, so
    the asymmetry is not an abnormal finding; the comparison itself is still reported."""
    study = _study(tmp_path, [_h("right", 30.0), _h("left", 32.0)])
    cold = study.model_copy(update={"temperature_c": study.temperature_c.model_copy(update={"lower": 28.0})})
    result = analyze_study(cold)
    assert result.comparisons[0].abnormal
    assert result.interpretation is not None
    assert "other side" not in result.interpretation.statement
