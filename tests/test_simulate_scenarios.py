"""`edx simulate`: every named scenario gives a valid study folder with its truth, reproducibly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edxkit.interpret.model import CODES
from edxkit.io.study import load_study
from edxkit.simulate.scenarios import SCENARIOS, scenario
from edxkit.simulate.study import NeedleSettings, simulate_study
from edxkit.validate import validate_study

SHORT = NeedleSettings(fs_hz=24000.0, rest_s=1.0, minimal_s=1.0, minimal_sites=1)

IMPRESSION_CODES = CODES  # the public vocabulary (DESIGN.md), as the interpreter enforces it
IMPRESSION_KEYS = {"code", "nerve", "site", "root", "element", "fibers", "pathology", "irritable", "side"}
IMPRESSION_KEYS |= {"severity", "chronicity", "evidence", "rule"}

REQUIRED = [
    "normal",
    "carpal_tunnel_mild",
    "carpal_tunnel_moderate",
    "carpal_tunnel_severe",
    "ulnar_neuropathy_elbow",
    "peroneal_neuropathy_fibular_head",
    "l5_radiculopathy",
    "c7_radiculopathy",
    "axonal_polyneuropathy",
    "demyelinating_polyneuropathy",
    "als",
    "myopathy",
    "myopathy_irritable",
    "myasthenia_gravis",
    "lambert_eaton",
]


def test_every_required_scenario_exists() -> None:
    assert set(REQUIRED) <= set(SCENARIOS)


@pytest.mark.parametrize("name", REQUIRED)
def test_scenario_writes_a_valid_study_with_its_true_diagnosis(tmp_path: Path, name: str) -> None:
    study_path = simulate_study(name, tmp_path, seed=1, needle=SHORT)
    problems = [p for p in validate_study(study_path) if p.severity == "error"]
    assert problems == []
    study = load_study(study_path)
    sc = scenario(name)
    assert len(study.ncs) == len(sc.nerves)
    assert [m.muscle for m in study.emg] == [m.muscle for m in sc.muscles]
    assert all(m.findings.model_dump(exclude_defaults=True) == {} for m in study.emg)  # nothing entered
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["schema"] == "edxkit.truth/1"
    for impression in truth["impressions"]:
        assert impression["code"] in IMPRESSION_CODES
        assert set(impression) <= IMPRESSION_KEYS
    assert len(truth["ncs"]) == len(study.ncs)
    for muscle in truth["emg"]:
        assert {r["condition"] for r in muscle["recordings"]} == {"rest", "minimal"}


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    a, b, c = (
        simulate_study("ulnar_neuropathy_elbow", tmp_path / d, seed=s, needle=SHORT).parent
        for d, s in (("a", 7), ("b", 7), ("c", 8))
    )
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / "truth.json").read_bytes() != (c / "truth.json").read_bytes()


def test_carpal_tunnel_truth_has_prolonged_median_latencies_and_normal_ulnar(tmp_path: Path) -> None:
    simulate_study("carpal_tunnel_moderate", tmp_path, seed=2, needle=SHORT)
    truth = json.loads((tmp_path / "truth.json").read_text())
    by = {(n["nerve"], n["kind"]): n for n in truth["ncs"]}
    median_motor = by[("median", "motor")]["sweeps"][0]
    ulnar_motor = by[("ulnar", "motor")]["sweeps"][0]
    median_sensory = by[("median", "sensory")]["sweeps"][0]
    assert median_motor["onset_latency_ms"] > 4.4  # distal motor latency beyond the ULN (clinical.md §1.1)
    assert ulnar_motor["onset_latency_ms"] < 3.3
    assert median_sensory["peak_latency_ms"] > 3.5
    forearm = by[("median", "motor")]["segments"][0]
    assert forearm["cv_m_s"] > 49  # conduction is normal above the wrist


def test_ulnar_neuropathy_truth_slows_only_the_elbow_segment(tmp_path: Path) -> None:
    simulate_study("ulnar_neuropathy_elbow", tmp_path, seed=2, needle=SHORT)
    truth = json.loads((tmp_path / "truth.json").read_text())
    ulnar = next(n for n in truth["ncs"] if (n["nerve"], n["kind"]) == ("ulnar", "motor"))
    forearm, elbow = ulnar["segments"]
    assert forearm["cv_m_s"] > 50
    assert elbow["cv_m_s"] < 40  # across-elbow CV below 50 m/s and >10 m/s slower (clinical.md §4.2)


def test_edx_simulate_lists_scenarios_and_refuses_a_non_empty_folder(tmp_path: Path, edx) -> None:
    listing = edx("simulate", "--list")
    assert listing.exit_code == 0
    assert len(listing.stdout.strip().splitlines()) == len(SCENARIOS)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    refused = edx("simulate", "normal", "-o", tmp_path / "x")
    assert refused.exit_code == 2
    assert "exists and is not empty" in refused.stderr
    unknown = edx("simulate", "nonsense", "-o", tmp_path / "y")
    assert unknown.exit_code == 2
    assert "unknown 'nonsense'" in unknown.stderr


def test_minimal_effort_is_recorded_at_three_needle_positions_by_default(tmp_path: Path) -> None:
    tiny = NeedleSettings(fs_hz=10000.0, rest_s=0.2, minimal_s=0.2)
    study = load_study(simulate_study("l5_radiculopathy", tmp_path, seed=3, needle=tiny))
    for exam in study.emg:
        conditions = [r.condition for r in exam.recordings]
        assert conditions == ["rest", "minimal", "minimal", "minimal"]
        assert len({r.file for r in exam.recordings}) == 4
