"""A proximal onset that is not later than the one below it is an error, not a slow segment."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from edxkit.analyze import analyze_study
from edxkit.io.study import load_study
from edxkit.ncs.order import unordered_pairs
from edxkit.report import build_report
from edxkit.validate import validate_study

from conftest import write_study_json


def _ulnar(below_elbow_ms: float) -> list[dict[str, object]]:
    return [
        {
            "nerve": "ulnar",
            "kind": "motor",
            "side": "right",
            "record": "ADM",
            "sites": [
                {"site": "wrist", "distance_mm": 80, "onset_latency_ms": 2.9, "amplitude_mv": 10.5},
                {"site": "BE", "segment_mm": 220, "onset_latency_ms": below_elbow_ms, "amplitude_mv": 10.1},
                {"site": "AE", "segment_mm": 100, "onset_latency_ms": 8.2, "amplitude_mv": 9.9},
            ],
        }
    ]


def test_below_elbow_latency_typed_shorter_than_the_wrist_gives_no_across_elbow_velocity_and_no_une(
    tmp_path: Path,
) -> None:
    """Wrist 2.9 ms, below elbow typed 2.0 ms (for 6.6), above elbow 8.2 ms: the across-elbow segment would
    read 100 mm / 6.2 ms = 16 m/s (< 50 m/s, ulnar neuropathy at the elbow). Neither segment at the
    out-of-order site gets a velocity, the study says why, and no ulnar impression is made."""
    study = load_study(write_study_json(tmp_path / "study.json", _ulnar(2.0)))
    result = analyze_study(study)
    ulnar = result.ncs[0]
    assert [s.cv_m_s for s in ulnar.segments] == [None, None]
    assert any("not later than" in n for n in ulnar.segments[1].notes)
    assert any("below elbow (2.00 ms) is not later than at wrist (2.90 ms)" in w for w in result.warnings)
    interp = result.interpretation
    assert interp is not None
    assert not any("ulnar" in str(i.code) for i in interp.impressions)
    assert any("not interpreted" in text for text in interp.limitations)


def test_latencies_in_order_keep_their_velocities(tmp_path: Path) -> None:
    """The same study with 6.6 ms below the elbow: 220 mm / 3.7 ms = 59.5 m/s, 100 mm / 1.6 ms = 62.5 m/s."""
    result = analyze_study(load_study(write_study_json(tmp_path / "study.json", _ulnar(6.6))))
    cvs = [s.cv_m_s for s in result.ncs[0].segments]
    assert cvs[0] is not None and abs(cvs[0] - 59.46) < 0.05
    assert cvs[1] is not None and abs(cvs[1] - 62.5) < 0.05
    assert not any("not later than" in w for w in result.warnings)


def test_validate_warns_about_an_out_of_order_entered_latency_naming_the_field(tmp_path: Path) -> None:
    problems = validate_study(write_study_json(tmp_path / "study.json", _ulnar(2.0)))
    order = [p for p in problems if "not later than" in p.reason]
    assert len(order) == 1
    assert order[0].field == "ncs[0].sites[1].onset_latency_ms" and order[0].severity == "warning"
    assert "2.0 ms at below elbow is not later than 2.9 ms at wrist" in order[0].reason


@given(st.lists(st.one_of(st.none(), st.floats(0.0, 200.0)), max_size=8))
def test_unordered_pairs_are_exactly_the_known_pairs_that_do_not_increase(values: list[float | None]) -> None:
    pairs = unordered_pairs(values)
    expected = [
        k
        for k in range(len(values) - 1)
        if values[k] is not None and values[k + 1] is not None and values[k + 1] <= values[k]  # type: ignore[operator]
    ]
    assert pairs == expected


def test_report_does_not_call_a_nerve_with_out_of_order_latencies_normal(tmp_path: Path) -> None:
    """All values of the ulnar study are within limits once its velocities are withdrawn, but it is listed as
    out of order, not among the normal nerve conduction studies."""
    study = load_study(write_study_json(tmp_path / "study.json", _ulnar(2.0)))
    summary = build_report(study, analyze_study(study), figures=False).summary
    assert not any(s.startswith("Normal nerve conduction") and "ulnar motor" in s for s in summary)
    out_of_order = [s for s in summary if s.startswith("Onset latencies out of order")]
    assert len(out_of_order) == 1 and "right ulnar motor (ADM)" in out_of_order[0]
