"""Anatomical variants and stimulation pitfalls are named where they mimic or hide conduction block."""

from __future__ import annotations

from pathlib import Path

from edxkit.analyze import analyze_study
from edxkit.io.study import load_study

from conftest import write_study_json


def _motor(nerve: str, record: str, sites: list[tuple[str, float, float, float]]) -> dict[str, object]:
    """A motor study from (site, distance or segment mm, onset ms, amplitude mV), distal first."""
    rows: list[dict[str, object]] = []
    for k, (site, mm, onset, amp) in enumerate(sites):
        key = "distance_mm" if k == 0 else "segment_mm"
        rows.append({"site": site, key: mm, "onset_latency_ms": onset, "amplitude_mv": amp})
    return {"nerve": nerve, "kind": "motor", "side": "left", "record": record, "sites": rows}


def _analyzed(tmp_path: Path, nerve: dict[str, object]):
    return analyze_study(load_study(write_study_json(tmp_path / "study.json", [nerve])))


def test_median_cmap_larger_from_elbow_than_wrist_names_martin_gruber_anastomosis(tmp_path: Path) -> None:
    """Median APB: 6.0 mV from the wrist, 7.5 mV (125 %) from the elbow."""
    result = _analyzed(tmp_path, _motor("median", "APB", [("wrist", 70, 3.6, 6.0), ("elbow", 230, 7.6, 7.5)]))
    notes = result.ncs[0].notes
    assert len(notes) == 1
    assert "elbow (7.5 mV) larger than from wrist (6.0 mV)" in notes[0] and "Martin–Gruber" in notes[0]


def test_edb_cmap_larger_from_fibular_head_names_accessory_deep_peroneal_nerve(tmp_path: Path) -> None:
    """Peroneal EDB: 3.0 mV from the ankle, 4.0 mV (133 %) below the fibular head."""
    nerve = _motor("peroneal", "EDB", [("ankle", 80, 4.5, 3.0), ("below_fibular_head", 300, 11.0, 4.0)])
    notes = _analyzed(tmp_path, nerve).ncs[0].notes
    assert len(notes) == 1 and "accessory deep peroneal nerve" in notes[0]


def test_a_proximal_cmap_within_ten_percent_of_the_distal_one_gets_no_note(tmp_path: Path) -> None:
    """Median APB: 6.0 mV → 6.5 mV (108 %) is within the scatter of two supramaximal stimuli."""
    result = _analyzed(tmp_path, _motor("median", "APB", [("wrist", 70, 3.6, 6.0), ("elbow", 230, 7.6, 6.5)]))
    assert result.ncs[0].notes == []


def test_ulnar_forearm_block_names_the_anastomosis_in_the_notes_and_the_limitations(tmp_path: Path) -> None:
    """Ulnar ADM: 10 mV at the wrist, 4 mV below the elbow (60 % drop: conduction block in the forearm)."""
    nerve = _motor("ulnar", "ADM", [("wrist", 80, 2.9, 10.0), ("BE", 220, 6.6, 4.0), ("AE", 100, 8.2, 3.9)])
    result = _analyzed(tmp_path, nerve)
    assert result.ncs[0].segments[0].conduction_block
    assert any("Martin–Gruber" in n for n in result.ncs[0].notes)
    assert result.interpretation is not None
    assert any("Martin–Gruber" in text for text in result.interpretation.limitations)


def test_tibial_cmap_larger_proximally_points_to_a_submaximal_distal_stimulus(tmp_path: Path) -> None:
    nerve = _motor("tibial", "AH", [("ankle", 80, 4.5, 8.0), ("popliteal_fossa", 400, 12.5, 9.5)])
    notes = _analyzed(tmp_path, nerve).ncs[0].notes
    assert len(notes) == 1 and "submaximal stimulus at the ankle" in notes[0]
