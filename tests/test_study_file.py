"""The study file edxkit.study/1: loading, normalization of names, errors with field paths, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from edxkit.errors import StudyInvalidError
from edxkit.io.study import load_study, save_study, study_json_schema
from edxkit.model import Study

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "carpal_tunnel" / "study.yaml"

MINIMAL = {
    "schema": "edxkit.study/1",
    "id": "S-9",
    "patient": {"id": "P-9", "age": 60},
    "performed": "2026-11-20",
}


def write(tmp_path: Path, doc: dict, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if name.endswith(".json") else yaml.safe_dump(doc))
    return path


def problems_of(tmp_path: Path, doc: dict) -> list[str]:
    with pytest.raises(StudyInvalidError) as info:
        load_study(write(tmp_path, doc))
    return [f"{p.field}: {p.reason}" for p in info.value.problems]


def test_example_study_loads_with_aliases_normalized() -> None:
    study = load_study(EXAMPLE)
    assert study.patient.age == 54
    assert study.ncs[0].record == "abductor_pollicis_brevis"
    assert [s.site for s in study.ncs[2].sites] == ["wrist", "below_elbow", "above_elbow"]
    assert [m.muscle for m in study.emg] == [
        "abductor_pollicis_brevis",
        "first_dorsal_interosseous",
        "pronator_teres",
    ]
    assert study.emg[0].findings.fibrillations == "0"


def test_waveform_files_resolve_relative_to_the_study_file() -> None:
    study = load_study(EXAMPLE.parent)
    ref = study.ncs[0].sites[0].waveform
    assert ref is not None
    assert study.resolve(ref.file) == EXAMPLE.parent.resolve() / "median_apb_wrist.csv"


@pytest.mark.parametrize("name", ["study.yaml", "study.json"])
def test_save_then_load_gives_the_same_study(tmp_path: Path, name: str) -> None:
    study = load_study(EXAMPLE)
    again = load_study(save_study(study, tmp_path / name))
    assert again.model_dump() == study.model_dump()


def test_grades_accept_numbers_and_plus_strings() -> None:
    doc = MINIMAL | {
        "emg": [
            {"muscle": "TA", "side": "left", "findings": {"fibrillations": 2, "positive_sharp_waves": "3+"}},
        ]
    }
    study = Study.model_validate(doc)
    assert study.emg[0].findings.fibrillations == "2+"
    assert study.emg[0].findings.positive_sharp_waves == "3+"
    assert study.emg[0].muscle == "tibialis_anterior"


def test_unknown_muscle_is_an_error_listing_the_closest_known_ids(tmp_path: Path) -> None:
    doc = MINIMAL | {"emg": [{"muscle": "first_dorsal_interoseus", "side": "right"}]}
    (problem,) = problems_of(tmp_path, doc)
    assert problem.startswith("emg[0].muscle: unknown muscle 'first_dorsal_interoseus'; closest known:")
    assert "first_dorsal_interosseous" in problem


def test_unknown_nerve_is_an_error(tmp_path: Path) -> None:
    doc = MINIMAL | {
        "ncs": [{"nerve": "medain", "kind": "motor", "side": "right", "sites": [{"site": "wrist"}]}]
    }
    (problem,) = problems_of(tmp_path, doc)
    assert problem.startswith("ncs[0].nerve: unknown nerve 'medain'")
    assert "median" in problem


def test_negative_and_zero_distances_are_errors_with_the_field_path(tmp_path: Path) -> None:
    sites = [{"site": "wrist", "distance_mm": -80}, {"site": "elbow", "segment_mm": 0}]
    doc = MINIMAL | {"ncs": [{"nerve": "median", "kind": "motor", "side": "right", "sites": sites}]}
    problems = problems_of(tmp_path, doc)
    assert any(p.startswith("ncs[0].sites[0].distance_mm: Input should be greater than 0") for p in problems)
    assert any(p.startswith("ncs[0].sites[1].segment_mm: Input should be greater than 0") for p in problems)


def test_impossibly_long_distal_distance_is_an_error(tmp_path: Path) -> None:
    sites = [{"site": "wrist", "distance_mm": 8000}]
    doc = MINIMAL | {"ncs": [{"nerve": "median", "kind": "motor", "side": "right", "sites": sites}]}
    (problem,) = problems_of(tmp_path, doc)
    assert problem.startswith("ncs[0].sites[0].distance_mm: Input should be less than or equal to 600")


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    doc = MINIMAL | {"patient": {"id": "P", "age": -3}, "emg": [{"muscle": "nope", "side": "up"}]}
    problems = problems_of(tmp_path, doc)
    fields = {p.split(":")[0] for p in problems}
    assert {"patient.age", "emg[0].muscle", "emg[0].side"} <= fields


def test_misspelled_field_is_reported_as_unknown(tmp_path: Path) -> None:
    doc = MINIMAL | {"indicaton": "typo"}
    assert problems_of(tmp_path, doc) == ["indicaton: unknown field (not part of edxkit.study/1)"]


def test_missing_or_other_schema_version_is_named(tmp_path: Path) -> None:
    no_schema = {k: v for k, v in MINIMAL.items() if k != "schema"}
    assert problems_of(tmp_path, no_schema) == ["schema: missing; this edxkit reads edxkit.study/1"]
    assert problems_of(tmp_path, MINIMAL | {"schema": "edxkit.study/2"}) == [
        "schema: 'edxkit.study/2' is not supported; this edxkit reads edxkit.study/1"
    ]


def test_duplicate_site_names_in_a_nerve_study_are_an_error(tmp_path: Path) -> None:
    sites = [{"site": "wrist", "distance_mm": 80}, {"site": "Wrist", "segment_mm": 200}]
    doc = MINIMAL | {"ncs": [{"nerve": "median", "kind": "motor", "side": "right", "sites": sites}]}
    (problem,) = problems_of(tmp_path, doc)
    assert "site 'wrist' appears more than once" in problem


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    from edxkit.errors import EdxInputError

    path = tmp_path / "study.yaml"
    path.write_text("schema: edxkit.study/1\nid: [unclosed\npatient: {}\n")
    with pytest.raises(EdxInputError, match=r"study.yaml: line \d+: invalid YAML"):
        load_study(path)


def test_json_schema_describes_the_study_file(edx) -> None:
    schema = study_json_schema()
    assert schema["$id"] == "edxkit.study/1"
    assert {"schema", "id", "patient", "performed", "ncs", "emg"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    result = edx("schema", "study")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema
