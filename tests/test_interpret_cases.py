"""The case library (tests/cases): every study file validates, and interpretation finds what is expected.

Each case is a study with entered values and a key in ``tests/cases/expected.yaml`` listing the
impressions (code and key attributes: side, root/element/nerve/site, fibers/pathology, irritable and,
where given, severity and chronicity). Near misses sit next to each pattern (UNE vs C8 vs lower trunk,
L5 vs peroneal vs sciatic, CTS vs C6/C7, axonal vs demyelinating, MND vs multilevel radiculopathy,
myopathy vs NMJ, a cool limb, findings that fit no pattern).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
sys.path.insert(0, str(CASES))

from agreement import manifest, run  # noqa: E402

from edxkit.validate import validate_study  # noqa: E402

NAMES = sorted(manifest())


def test_library_has_at_least_40_cases_and_a_file_for_each() -> None:
    assert len(NAMES) >= 40
    for name in NAMES:
        assert (CASES / f"{name}.yaml").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_case_file_validates(name: str) -> None:
    errors = [p for p in validate_study(CASES / f"{name}.yaml") if p.severity == "error"]
    assert not errors, [str(p) for p in errors]


@pytest.mark.parametrize("name", NAMES)
def test_case_impressions_match_expected(name: str) -> None:
    outcome = run(name)
    assert outcome.grade == "exact", (outcome.expected, outcome.found, outcome.interpretation.statement)


@pytest.mark.parametrize("name", NAMES)
def test_case_statement_and_limitations(name: str) -> None:
    entry = manifest()[name]
    interpretation = run(name).interpretation
    assert interpretation.statement
    if "statement_contains" in entry:
        assert entry["statement_contains"] in interpretation.statement
    for text in entry.get("limitations_contain", []):
        assert any(text in lim for lim in interpretation.limitations), (text, interpretation.limitations)


@pytest.mark.parametrize("name", NAMES)
def test_every_impression_has_evidence_and_rule(name: str) -> None:
    for imp in run(name).interpretation.impressions:
        assert imp.rule
        if imp.code != "normal":
            assert imp.evidence, imp.code
            assert all(row["table"] in ("ncs", "emg") for row in imp.evidence)


def test_interpretation_is_json_ready() -> None:
    import json

    doc = run("une_moderate").interpretation.to_dict()
    text = json.dumps(doc)
    assert '"ulnar_neuropathy_elbow"' in text
    assert set(doc) == {"impressions", "limitations", "statement", "unexplained"}
