"""H-reflex series in a study file: per-sweep stimulus intensities give the recruitment thresholds.

A study site of kind ``h_reflex`` may list ``intensities_ma`` (one per sweep, channel order); with them the
analysis reports the H and M thresholds and the intensity at Hmax, without them it says that the
intensities are unknown. A count that does not match the sweeps is an error naming the field.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from edxkit.analyze import analyze_study
from edxkit.errors import EdxInputError
from edxkit.io.dispatch import write_waveforms
from edxkit.io.study import load_study
from edxkit.simulate.ncs import EvokedSimulation, normal_params, simulate_h_reflex
from edxkit.validate import validate_study

from conftest import write_study_json

LEVELS_MA = tuple(float(i) for i in np.arange(1.0, 7.01, 0.5))


@cache
def _series() -> EvokedSimulation:
    return simulate_h_reflex(
        np.random.default_rng(5), normal_params("tibial", "h_reflex"), intensities_ma=LEVELS_MA, fs_hz=10000.0
    )


def _study(folder: Path, intensities: list[float] | None, kind: str = "h_reflex") -> Path:
    sim = _series()
    write_waveforms(folder / "h.csv", sim.sweeps)
    site: dict[str, object] = {"site": "popliteal_fossa", "waveform": {"file": "h.csv", "channel": "all"}}
    if intensities is not None:
        site["intensities_ma"] = intensities
    nerve = {"nerve": "tibial", "kind": kind, "side": "right", "record": "soleus", "sites": [site]}
    return write_study_json(folder / "study.json", [nerve], "H-1")


def _h_result(path: Path):  # type: ignore[no-untyped-def]
    return analyze_study(load_study(path)).ncs[0]


def test_intensities_in_the_study_file_give_h_threshold_and_the_intensity_at_hmax(tmp_path: Path) -> None:
    result = _h_result(_study(tmp_path, list(LEVELS_MA)))
    truth = _series().summary
    assert result.summary["intensity_at_hmax_ma"] == truth["intensity_hmax_ma"]
    # the measured H threshold is where half of the sweeps show an H above the noise: at or above the first
    # intensity that evokes any H at all, and never above the intensity of Hmax
    assert truth["h_threshold_ma"] <= result.summary["h_threshold_ma"] <= truth["intensity_hmax_ma"]
    assert result.summary["m_threshold_ma"] == pytest.approx(truth["m_threshold_ma"], abs=0.51)
    assert result.summary["sources"]["h_threshold_ma"] == "auto"
    assert not any("intensities unknown" in note for note in result.notes)


def test_without_intensities_the_thresholds_are_absent_and_a_note_says_why(tmp_path: Path) -> None:
    result = _h_result(_study(tmp_path, None))
    assert result.summary["h_threshold_ma"] is None
    assert result.summary["intensity_at_hmax_ma"] is None
    assert result.summary["h_latency_ms"] is not None
    assert any("intensities unknown" in note for note in result.notes)


def test_fewer_intensities_than_sweeps_is_a_validation_error_naming_the_field(tmp_path: Path) -> None:
    path = _study(tmp_path, list(LEVELS_MA[:-2]))
    problems = validate_study(path)
    named = [p for p in problems if p.field == "ncs[0].sites[0].intensities_ma"]
    assert len(named) == 1 and named[0].severity == "error"
    assert f"{len(LEVELS_MA) - 2} intensities for the {len(LEVELS_MA)} sweeps" in named[0].reason


def test_analysing_with_a_wrong_intensity_count_raises_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    path = _study(tmp_path, [1.0, 2.0])
    with pytest.raises(EdxInputError) as info:
        _h_result(path)
    assert info.value.field == "ncs[0].sites[0].intensities_ma"
    assert info.value.file == str(path)


def test_a_zero_or_negative_intensity_is_rejected_by_the_schema(tmp_path: Path) -> None:
    problems = validate_study(_study(tmp_path, [0.0, *LEVELS_MA[1:]]))
    assert any(
        p.field.startswith("ncs[0].sites[0].intensities_ma") and p.severity == "error" for p in problems
    )


def test_intensities_on_a_study_that_is_not_an_h_reflex_are_a_warning(tmp_path: Path) -> None:
    problems = validate_study(_study(tmp_path, list(LEVELS_MA), kind="f_wave"))
    named = [p for p in problems if p.field == "ncs[0].sites[0].intensities_ma"]
    assert named and named[0].severity == "warning"
