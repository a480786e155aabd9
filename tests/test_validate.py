"""``edx validate``: every problem of a study with file, field and reason; exit 2 on errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "carpal_tunnel"


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(EXAMPLE, target)
    return target


def edit(study_dir: Path, change) -> Path:  # type: ignore[no-untyped-def]
    path = study_dir / "study.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_the_example_study_is_valid(edx) -> None:
    result = edx("validate", EXAMPLE)
    assert result.exit_code == 0
    assert "valid (0 errors, 0 warnings)" in result.stdout


def test_a_missing_waveform_file_is_named_with_its_field(study_dir: Path, edx) -> None:
    (study_dir / "median_apb_elbow.csv").unlink()
    result = edx("validate", study_dir)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    line = next(line for line in result.stderr.splitlines() if "median_apb_elbow.csv" in line)
    assert "study.yaml: ncs[0].sites[1].waveform:" in line
    assert "median_apb_elbow.csv: file: not found" in line
    assert "invalid (1 errors, 0 warnings)" in result.stderr


def test_a_channel_the_file_lacks_is_named(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["ncs"][0]["sites"][0]["waveform"].update(channel="ADM"))
    result = edx("validate", study_dir)
    assert result.exit_code == 2
    assert "no channel 'ADM'; the file has: 0='wrist'" in result.stderr


def test_nan_samples_in_a_sweep_make_the_study_invalid(study_dir: Path, edx) -> None:
    csv = study_dir / "median_apb_wrist.csv"
    lines = csv.read_text().splitlines()
    lines[10] = lines[10].split(",")[0] + ",nan"
    csv.write_text("\n".join(lines) + "\n")
    result = edx("validate", study_dir)
    assert result.exit_code == 2
    assert "1 NaN sample value (first at sample 7)" in result.stderr


def test_sensory_amplitude_in_millivolts_is_an_error(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["ncs"][1]["sites"][0].update(amplitude_mv=0.012))
    result = edx("validate", study_dir)
    assert result.exit_code == 2
    assert "ncs[1].sites[0].amplitude_mv: sensory amplitudes are in µV: use amplitude_uv" in result.stderr


def test_a_site_with_nothing_to_measure_is_an_error(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["ncs"][3]["sites"][0].update(peak_latency_ms=None, amplitude_uv=None))
    result = edx("validate", study_dir)
    assert result.exit_code == 2
    assert "ncs[3].sites[0]: no waveform and no entered values" in result.stderr


def test_absent_response_with_an_amplitude_is_contradictory(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["ncs"][3]["sites"][0].update(response="absent"))
    result = edx("validate", study_dir)
    assert "ncs[3].sites[0].response: the response is 'absent' but an amplitude" in result.stderr


def test_peak_before_onset_is_an_error(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["ncs"][2]["sites"][0].update(peak_latency_ms=2.0))
    result = edx("validate", study_dir)
    assert "ncs[2].sites[0].peak_latency_ms: peak 2.0 ms is before onset 2.9 ms" in result.stderr


def test_cool_limb_is_a_warning_not_an_error(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["temperature_c"].update(upper=29.5))
    result = edx("validate", study_dir)
    assert result.exit_code == 0
    assert "temperature_c.upper: warning: 29.5 °C is below the 32.0 °C floor" in result.stdout


def test_missing_segment_distance_is_a_warning(study_dir: Path, edx) -> None:
    edit(study_dir, lambda d: d["ncs"][2]["sites"][1].pop("segment_mm"))
    result = edx("validate", study_dir)
    assert result.exit_code == 0
    assert "ncs[2].sites[1].segment_mm: warning: missing: no conduction velocity" in result.stdout


def test_validate_json_lists_problems_with_file_field_reason_severity(study_dir: Path, edx) -> None:
    (study_dir / "median_apb_wrist.csv").unlink()
    result = edx("validate", study_dir, "--json")
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)
    assert problem["field"] == "ncs[0].sites[0].waveform"
    assert problem["severity"] == "error"
    assert problem["file"].endswith("study.yaml")


def test_a_folder_without_a_study_file_is_an_error(tmp_path: Path, edx) -> None:
    result = edx("validate", tmp_path)
    assert result.exit_code == 2
    assert "folder holds no study.yaml" in result.stderr
