"""`edx analyze`: every nerve study measured, judged against limits, in the edxkit.result/1 contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edxkit.analyze import analyze_study
from edxkit.io.study import load_study
from edxkit.simulate.study import NeedleSettings, simulate_study

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "carpal_tunnel"
SHORT = NeedleSettings(fs_hz=24000.0, rest_s=0.5, minimal_s=0.5, minimal_sites=1)


def by_nerve(doc: dict, nerve: str, kind: str) -> dict:
    return next(n for n in doc["ncs"] if (n["nerve"], n["kind"]) == (nerve, kind))


def test_example_study_result_follows_the_contract(edx) -> None:
    result = edx("analyze", EXAMPLE, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "edxkit.result/1"
    median = by_nerve(doc, "median", "motor")
    wrist, _elbow = median["sites"]
    assert wrist["source"] == "auto"
    assert {"onset_latency_ms", "peak_latency_ms", "amplitude_mv", "duration_ms", "area_mv_ms"} <= set(wrist)
    assert wrist["limits"]["onset_latency_ms"]["value"] == 4.4
    (segment,) = median["segments"]
    assert {"from", "to", "cv_m_s", "amplitude_drop_pct", "area_drop_pct", "conduction_block"} <= set(segment)
    assert segment["temporal_dispersion"] is False
    sensory = by_nerve(doc, "median", "sensory")["sites"][0]
    assert sensory["source"] == "entered"
    assert "peak_latency_ms" in sensory["abnormal"]  # 4.4 ms > 3.5 ms at 130 mm
    assert "amplitude_uv" in sensory["abnormal"]  # 12 µV < 20 µV
    f_wave = by_nerve(doc, "median", "f_wave")
    assert f_wave["f_min_latency_ms"] == 29.5
    assert f_wave["abnormal"] == []


def test_simulated_carpal_tunnel_is_measured_close_to_truth_and_flagged(tmp_path: Path) -> None:
    simulate_study("carpal_tunnel_moderate", tmp_path, seed=4, needle=SHORT)
    truth = json.loads((tmp_path / "truth.json").read_text())
    doc = analyze_study(load_study(tmp_path)).to_dict()
    for nerve, kind in (("median", "motor"), ("ulnar", "motor"), ("median", "sensory")):
        measured = by_nerve(doc, nerve, kind)["sites"]
        true = next(n for n in truth["ncs"] if (n["nerve"], n["kind"]) == (nerve, kind))["sweeps"]
        for site, t in zip(measured, true, strict=True):
            assert site["onset_latency_ms"] == pytest.approx(t["onset_latency_ms"], abs=0.3)
            assert site["peak_latency_ms"] == pytest.approx(t["peak_latency_ms"], abs=0.3)
    median = by_nerve(doc, "median", "motor")
    assert "onset_latency_ms" in median["sites"][0]["abnormal"]
    assert by_nerve(doc, "ulnar", "motor")["sites"][0]["abnormal"] == []
    assert all(not s["abnormal"] for s in by_nerve(doc, "ulnar", "motor")["segments"])


def test_simulated_ulnar_neuropathy_flags_the_elbow_segment(tmp_path: Path) -> None:
    simulate_study("ulnar_neuropathy_elbow", tmp_path, seed=4, needle=SHORT)
    doc = analyze_study(load_study(tmp_path)).to_dict()
    forearm, elbow = by_nerve(doc, "ulnar", "motor")["segments"]
    assert "cv_m_s" in elbow["abnormal"]
    assert forearm["abnormal"] == []


def test_unknown_criteria_set_is_an_error_listing_the_known_ones(edx) -> None:
    result = edx("analyze", EXAMPLE, "--criteria", "nonsense")
    assert result.exit_code == 2
    assert "unknown criteria set 'nonsense'; known: ean_pns_2021" in result.stderr


def test_a_missing_waveform_is_one_line_naming_the_file(tmp_path: Path, edx) -> None:
    target = tmp_path / "case"
    shutil.copytree(EXAMPLE, target)
    (target / "median_apb_elbow.csv").unlink()
    result = edx("analyze", target)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "median_apb_elbow.csv: file: not found" in result.stderr


def test_cool_limb_is_a_warning_in_the_result(tmp_path: Path) -> None:
    target = tmp_path / "case"
    shutil.copytree(EXAMPLE, target)
    text = (target / "study.yaml").read_text().replace("upper: 33.0", "upper: 29.0")
    (target / "study.yaml").write_text(text)
    doc = analyze_study(load_study(target)).to_dict()
    assert any("29 °C, below the 32 °C floor" in w for w in doc["warnings"])
