"""FHIR R4 output of the report: DiagnosticReport + Observations (UCUM, ranges, interpretation) + PDF."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import importlib.util
import io
import json
import uuid
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.report.fhir import (
    DATA_ABSENT,
    EDX_IMPRESSION,
    EDX_MEASURE,
    EXT_ADDENDUM,
    EXT_CONTENT_HASH,
    INTERPRETATION,
    LOINC,
    UCUM,
    V2_0074,
    fhir_json,
    to_fhir,
    validate_fhir,
)
from edxkit.report.model import Limit, Report
from edxkit.report.ncs_tables import RNS, special_table
from edxkit.report.states import add_addendum, content_hash, sign

from report_samples import example_report

SIGNED_AT = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)


def _pdf() -> bytes:
    """A small valid one-page PDF (pypdf), standing in for the rendered report."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _report(bundle: dict[str, Any]) -> dict[str, Any]:
    (report,) = _resources(bundle, "DiagnosticReport")
    return report


def _observation(bundle: dict[str, Any], text: str) -> dict[str, Any]:
    """The observation whose code text is ``text`` (``Right median motor (APB), Wrist: Onset latency``)."""
    matches = [o for o in _resources(bundle, "Observation") if o["code"]["text"] == text]
    assert len(matches) == 1, [o["code"]["text"] for o in _resources(bundle, "Observation")][:20]
    return matches[0]


def _interpretation(obs: dict[str, Any]) -> list[str]:
    return [
        c["code"] for i in obs.get("interpretation", []) for c in i["coding"] if c["system"] == INTERPRETATION
    ]


def _component(obs: dict[str, Any], code: str) -> str | None:
    return next(
        (c["valueString"] for c in obs.get("component", []) if c["code"]["coding"][0]["code"] == code), None
    )


def _value_cells(report: Report) -> int:
    """Counted independently of the module: cells with a field (not the EMG side) holding a value or NR."""
    count = 0
    for _, table in report.tables():
        for row in table.rows:
            for cell in row.cells:
                if cell.field is None or cell.field == "side":
                    continue
                has_value = cell.value is not None and str(cell.value).strip() != ""
                count += has_value or cell.text == "NR"
    return count


def _signed(report: Report) -> Report:
    signed = report.model_copy(deep=True)
    signed.signature.state = "signed"
    signed.signature.signed_by = "Dr C. Signer"
    signed.signature.signed_at = SIGNED_AT
    signed.signature.content_hash = content_hash(report)
    return signed


def test_example_bundle_parses_as_fhir_r4b_resources_and_passes_code_checks() -> None:
    bundle = to_fhir(example_report())
    assert validate_fhir(bundle) == []
    Bundle.model_validate(bundle)
    kinds = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert model.model_dump()["id"] == entry["fullUrl"].removeprefix("urn:uuid:")
        kinds.add(resource["resourceType"])
    assert kinds == {"DiagnosticReport", "Observation", "Patient", "Practitioner", "ServiceRequest"}
    assert bundle["type"] == "collection"
    report = _report(bundle)
    assert report["category"][0]["coding"][0] == {
        "system": V2_0074,
        "code": "EN",
        "display": "Electroneuro (EEG, EMG,EP,PSG)",
    }
    assert report["code"]["coding"][0] == {
        "system": LOINC,
        "code": "18749-2",
        "display": "Electromyogram study",
    }
    assert report["effectiveDateTime"] == "2026-11-20"
    assert report["conclusion"] == example_report().impression.text
    assert [c["coding"][0]["code"] for c in report["conclusionCode"]] == ["median_neuropathy_wrist"]
    assert report["conclusionCode"][0]["coding"][0]["system"] == EDX_IMPRESSION
    assert report["performer"][0]["display"] == "Dr B. Examiner"


def test_one_observation_per_value_cell_of_the_report_tables_71_entries() -> None:
    report = example_report()
    bundle = to_fhir(report)
    observations = _resources(bundle, "Observation")
    assert len(observations) == _value_cells(report) == 66
    assert len(_report(bundle)["result"]) == 66
    # Patient, two practitioners, the referral and the report itself besides the observations.
    assert len(bundle["entry"]) == 66 + 5
    assert all(o["code"]["coding"][0]["system"] == EDX_MEASURE for o in observations)


def test_median_motor_wrist_onset_latency_4_83_ms_is_high_against_4_4_ms() -> None:
    obs = _observation(to_fhir(example_report()), "Right median motor (APB), Wrist: Onset latency")
    assert obs["valueQuantity"] == {"value": 4.833, "unit": "ms", "system": UCUM, "code": "ms"}
    (rng,) = obs["referenceRange"]
    assert rng["high"] == {"value": 4.4, "unit": "ms", "system": UCUM, "code": "ms"}
    assert "low" not in rng
    assert _interpretation(obs) == ["H"]
    assert obs["code"]["coding"][0] == {
        "system": EDX_MEASURE,
        "code": "onset_latency_ms",
        "display": "Onset latency",
    }
    assert obs["bodySite"]["text"] == "Right median nerve"
    assert _component(obs, "side") == "right"
    assert _component(obs, "stimulation-site") == "Wrist"
    assert _component(obs, "recording-site") == "abductor pollicis brevis"
    assert obs["method"]["coding"][0]["code"] == "motor"


def test_median_sensory_amplitude_12_uv_is_low_against_20_uv_in_ucum_uV() -> None:
    obs = _observation(to_fhir(example_report()), "Right median sensory (digit 2), Wrist: Amplitude")
    assert obs["valueQuantity"] == {"value": 12, "unit": "µV", "system": UCUM, "code": "uV"}
    assert obs["referenceRange"][0]["low"]["code"] == "uV"
    assert obs["referenceRange"][0]["low"]["value"] == 20
    assert _interpretation(obs) == ["L"]


def test_values_within_a_limit_are_normal_and_values_without_a_limit_have_no_interpretation() -> None:
    bundle = to_fhir(example_report())
    within = _observation(bundle, "Right ulnar motor (ADM), Wrist: Amplitude")
    assert within["valueQuantity"]["value"] == 10.5 and within["referenceRange"][0]["low"]["value"] == 6
    assert _interpretation(within) == ["N"]
    no_limit = _observation(bundle, "Right median motor (APB), Wrist: Peak latency")
    assert "interpretation" not in no_limit and "referenceRange" not in no_limit
    area = _observation(bundle, "Right median motor (APB), Wrist: Area")
    assert area["valueQuantity"]["code"] == "mV.ms" and area["valueQuantity"]["unit"] == "mV·ms"
    segment = _observation(bundle, "Right median motor (APB): segments, Wrist – elbow: Conduction velocity")
    assert segment["valueQuantity"]["code"] == "m/s" and _component(segment, "segment") == "Wrist – elbow"
    block = _observation(bundle, "Right median motor (APB): segments, Wrist – elbow: Conduction block")
    assert block["valueBoolean"] is False


def test_needle_recruitment_reduced_in_apb_is_a_coded_abnormal_finding_of_the_right_apb() -> None:
    bundle = to_fhir(example_report())
    obs = _observation(bundle, "Right abductor pollicis brevis (APB): Recruitment")
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "reduced"
    assert _interpretation(obs) == ["A"]
    assert obs["bodySite"]["coding"][0]["code"] == "abductor_pollicis_brevis"
    assert _component(obs, "side") == "right"
    assert obs["method"]["coding"][0]["code"] == "needle_emg"
    assert obs["extension"][0]["valueCode"] == "entered"
    fibs = _observation(bundle, "Right pronator teres: Fibrillations")
    assert fibs["valueCodeableConcept"]["coding"][0]["code"] == "0" and _interpretation(fibs) == ["N"]


def test_draft_report_gives_preliminary_report_and_observations_without_hash() -> None:
    bundle = to_fhir(example_report())
    report = _report(bundle)
    assert report["status"] == "preliminary"
    assert {o["status"] for o in _resources(bundle, "Observation")} == {"preliminary"}
    assert "extension" not in report
    assert report["issued"] == "2026-11-27T09:30:00+00:00"  # created


def test_signed_report_gives_final_with_signer_time_and_sha256_content_hash() -> None:
    draft = example_report()
    signed = _signed(draft)
    bundle = to_fhir(signed)
    assert validate_fhir(bundle) == []
    report = _report(bundle)
    assert report["status"] == "final"
    assert {o["status"] for o in _resources(bundle, "Observation")} == {"final"}
    assert report["issued"] == "2026-11-27T15:00:00+00:00"
    assert report["resultsInterpreter"][0]["display"] == "Dr C. Signer"
    (ext,) = [e for e in report["extension"] if e["url"] == EXT_CONTENT_HASH]
    assert ext["valueString"] == f"sha256:{content_hash(draft)}"
    # Same resources as the draft (updated, not duplicated), but a new bundle.
    draft_bundle = to_fhir(draft)
    assert report["id"] == _report(draft_bundle)["id"]
    assert bundle["id"] != draft_bundle["id"]


def test_amended_report_carries_the_addendum_and_keeps_observations_final() -> None:
    signed = sign(example_report(), signer="Dr B. Examiner", time=SIGNED_AT)
    amended = add_addendum(
        signed,
        text="Ulnar study repeated: normal.",
        author="Dr D. Second",
        time=SIGNED_AT + dt.timedelta(days=1),
    )
    bundle = to_fhir(amended)
    assert validate_fhir(bundle) == []
    report = _report(bundle)
    assert report["status"] == "amended"
    assert {o["status"] for o in _resources(bundle, "Observation")} == {"final"}
    assert report["issued"] == "2026-11-28T15:00:00+00:00"
    assert "Ulnar study repeated: normal." in report["conclusion"]
    (addendum,) = [e for e in report["extension"] if e["url"] == EXT_ADDENDUM]
    parts = {e["url"]: e for e in addendum["extension"]}
    assert parts["author"]["valueString"] == "Dr D. Second"
    assert parts["contentHash"]["valueString"] == f"sha256:{amended.signature.addenda[0].content_hash}"
    assert "Dr D. Second" in {p["name"][0]["text"] for p in _resources(bundle, "Practitioner")}


def test_absent_response_has_data_absent_reason_and_low_interpretation_only_when_flagged() -> None:
    report = example_report().model_copy(deep=True)
    row = report.sensory[1].sites.rows[0]  # right ulnar sensory (digit 5), wrist
    for cell in row.cells:
        if cell.field in ("peak_latency_ms", "amplitude_uv"):
            cell.value, cell.text, cell.source = None, "NR", None
            cell.abnormal = cell.field == "amplitude_uv"
    bundle = to_fhir(report)
    assert validate_fhir(bundle) == []
    assert len(_resources(bundle, "Observation")) == _value_cells(report) == 66
    amplitude = _observation(bundle, "Right ulnar sensory (digit 5), Wrist: Amplitude")
    assert not [k for k in amplitude if k.startswith("value")]
    assert amplitude["dataAbsentReason"]["coding"][0] == {
        "system": DATA_ABSENT,
        "code": "not-applicable",
        "display": "Not Applicable",
    }
    assert _interpretation(amplitude) == ["L"]
    latency = _observation(bundle, "Right ulnar sensory (digit 5), Wrist: Peak latency")
    assert "dataAbsentReason" in latency and "interpretation" not in latency


def test_rns_decrement_24_percent_is_high_against_10_percent_limit_in_percent_and_hz() -> None:
    rns = {
        "nerve": "ulnar",
        "kind": "rns",
        "side": "right",
        "record": "abductor_digiti_minimi_hand",
        "rate_hz": 3.0,
        "decrement_pct": 24.181,
        "limits": {"decrement_pct": {"bound": "max", "value": 10.0, "source": "clinical.md 2.7"}},
        "abnormal": ["decrement_pct"],
        "source": "auto",
    }
    report = example_report().model_copy(update={"rns": special_table([rns], RNS)})
    bundle = to_fhir(report)
    assert validate_fhir(bundle) == []
    obs = _observation(bundle, "Right ulnar repetitive stimulation (ADM): Decrement")
    assert obs["valueQuantity"] == {"value": 24.181, "unit": "%", "system": UCUM, "code": "%"}
    assert obs["referenceRange"][0]["high"]["value"] == 10
    assert _interpretation(obs) == ["H"]
    assert _component(obs, "side") == "right"
    assert obs["method"]["coding"][0]["code"] == "rns"
    rate = _observation(bundle, "Right ulnar repetitive stimulation (ADM): Rate")
    assert rate["valueQuantity"]["code"] == "Hz" and "interpretation" not in rate


def _obs_with_field(bundle: dict[str, Any], field: str) -> dict[str, Any]:
    return next(
        o
        for o in _resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == field and "referenceRange" in o
    )


def _unit_s(b: dict[str, Any]) -> None:
    _obs_with_field(b, "onset_latency_ms")["valueQuantity"]["code"] = "s"


def _unit_mv_for_latency(b: dict[str, Any]) -> None:
    quantity = _obs_with_field(b, "onset_latency_ms")["valueQuantity"]
    quantity["code"], quantity["unit"] = "mV", "mV"


def _range_unit(b: dict[str, Any]) -> None:
    _obs_with_field(b, "amplitude_mv")["referenceRange"][0]["low"]["code"] = "uV"


def _system(b: dict[str, Any]) -> None:
    _obs_with_field(b, "cv_m_s")["valueQuantity"]["system"] = "http://unitsofmeasure.com"


def _interpretation_code(b: dict[str, Any]) -> None:
    _obs_with_field(b, "onset_latency_ms")["interpretation"][0]["coding"][0]["code"] = "HH"


def _low_without_low_limit(b: dict[str, Any]) -> None:
    _obs_with_field(b, "onset_latency_ms")["interpretation"][0]["coding"][0].update(code="L", display="Low")


def _observation_status(b: dict[str, Any]) -> None:
    _resources(b, "Observation")[0]["status"] = "done"


def _report_status(b: dict[str, Any]) -> None:
    _report(b)["status"] = "signed"


def _dangling(b: dict[str, Any]) -> None:
    _resources(b, "Observation")[3]["subject"]["reference"] = f"urn:uuid:{uuid.uuid4()}"


def _dropped(b: dict[str, Any]) -> None:
    b["entry"].pop()


def _loinc(b: dict[str, Any]) -> None:
    _report(b)["code"]["coding"][0]["code"] = "12345-6"


def _value_and_absent(b: dict[str, Any]) -> None:
    _resources(b, "Observation")[1]["dataAbsentReason"] = {"text": "no response"}


def _final_without_hash(b: dict[str, Any]) -> None:
    _report(b)["status"] = "final"
    for obs in _resources(b, "Observation"):
        obs["status"] = "final"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_unit_s, "UCUM code 's'"),
        (_unit_mv_for_latency, "onset_latency_ms is measured in ms"),
        (_range_unit, "unit differs from the value's"),
        (_system, "is not UCUM"),
        (_interpretation_code, "'HH' is not a code of"),
        (_low_without_low_limit, "interpretation L without a reference range low"),
        (_observation_status, "'done' is not an Observation status"),
        (_report_status, "'signed' is not a DiagnosticReport status"),
        (_dangling, "which is not in the bundle"),
        (_dropped, "which is not in the bundle"),
        (_loinc, "'12345-6' is not a code of http://loinc.org"),
        (_value_and_absent, "exclusive (obs-6)"),
        (_final_without_hash, "must carry one sha256 content hash"),
    ],
)
def test_validate_fhir_catches_tampered_codes_units_and_references(tamper: Any, message: str) -> None:
    bundle = copy.deepcopy(to_fhir(example_report()))
    tamper(bundle)
    problems = validate_fhir(bundle)
    assert any(message in p for p in problems), problems


def test_pdf_round_trips_through_presented_form_with_base64_sha1_hash_and_size() -> None:
    pdf = _pdf()
    bundle = to_fhir(example_report(), pdf=pdf)
    assert validate_fhir(bundle, pdf=pdf) == []
    (form,) = _report(bundle)["presentedForm"]
    assert form["contentType"] == "application/pdf"
    assert base64.b64decode(form["data"]) == pdf
    assert form["size"] == len(pdf)
    assert form["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert form["title"] == "Electrodiagnostic report S-0001"
    assert any("differs from the given PDF" in p for p in validate_fhir(bundle, pdf=pdf + b"\n"))
    form["data"] = base64.b64encode(pdf.replace(b"%PDF-1", b"%PDF-2")).decode()
    assert any("hash is not the base64 SHA-1" in p for p in validate_fhir(bundle))


@pytest.mark.skipif(
    importlib.util.find_spec("edxkit.report.pdf") is None, reason="edxkit.report.pdf not built yet"
)
def test_rendered_pdf_of_the_example_is_attached_and_validates() -> None:
    from edxkit.report.pdf import render_pdf

    report = _signed(example_report())
    pdf = render_pdf(report)
    bundle = to_fhir(report, pdf=pdf)
    assert validate_fhir(bundle, pdf=pdf) == []
    assert base64.b64decode(_report(bundle)["presentedForm"][0]["data"]) == pdf


def test_same_report_gives_the_same_bundle_with_uuid5_full_urls() -> None:
    report = example_report()
    first, second = to_fhir(report), to_fhir(report.model_copy(deep=True))
    assert first == second
    assert json.loads(fhir_json(report)) == first
    urls = [e["fullUrl"] for e in first["entry"]]
    assert len(set(urls)) == len(urls)
    assert {uuid.UUID(u.removeprefix("urn:uuid:")).version for u in urls} == {5}


def _small_report() -> Report:
    """The example's median motor study only (fast to validate many times)."""
    report = example_report()
    return report.model_copy(
        deep=True,
        update={"motor": report.motor[:1], "sensory": [], "f_waves": None, "emg": None, "muscles": []},
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.none(),
    bound=st.sampled_from(["min", "max", None]),
    limit=st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
    abnormal=st.booleans(),
)
def test_any_value_limit_and_flag_give_a_valid_bundle_with_consistent_interpretation(
    value: float | None, bound: str | None, limit: float, abnormal: bool
) -> None:
    report = _small_report()
    cell = report.motor[0].sites.rows[0].cells[1]  # onset latency at the wrist
    cell.value, cell.abnormal = value, abnormal
    cell.text = "NR" if value is None else f"{value:.2f}"
    cell.limit = Limit(bound=bound, value=limit) if bound else None  # type: ignore[arg-type]
    bundle = to_fhir(report)
    assert validate_fhir(bundle) == []
    obs = _observation(bundle, "Right median motor (APB), Wrist: Onset latency")
    expected = (
        ({"max": ["H"], "min": ["L"]}.get(bound or "", ["A"]))
        if abnormal
        else (["N"] if bound and value is not None else [])
    )
    assert _interpretation(obs) == expected
    assert len(_resources(bundle, "Observation")) == _value_cells(report)


def test_f_wave_observation_names_its_nerve_side_and_recording_site_from_the_row_context() -> None:
    obs = _observation(to_fhir(example_report()), "Right median F wave (APB): F min latency")
    parts = {c["code"]["coding"][0]["code"]: c["valueString"] for c in obs["component"]}
    assert parts == {"side": "right", "nerve": "median", "recording-site": "abductor pollicis brevis"}
    assert obs["bodySite"]["coding"][0]["code"] == "median"
