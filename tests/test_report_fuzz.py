"""Any typed-in study gives a report: no crash, every table value in the HTML, a FHIR bundle that validates.

Hypothesis writes studies the way labs type them in: a random choice of nerve studies (motor, sensory,
F wave, RNS) with random entered values inside the study file's bounds, absent responses, and needle
findings of random muscles. The report must be built, rendered and exported for every one of them.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.analyze import analyze_study
from edxkit.model import Study
from edxkit.report import build_report
from edxkit.report.fhir import to_fhir, validate_fhir
from edxkit.report.html import render_html
from edxkit.report.states import sign, verify

CREATED = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
GRADES = ("0", "1+", "2+", "3+", "4+")

latency = st.floats(0.5, 60.0, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def motor(draw: st.DrawFn) -> dict:
    nerve, record, sites = draw(
        st.sampled_from(
            [
                ("median", "APB", ["wrist", "elbow"]),
                ("ulnar", "ADM", ["wrist", "BE", "AE"]),
                ("peroneal", "EDB", ["ankle", "fibular_head"]),
                ("tibial", "AH", ["ankle", "knee"]),
            ]
        )
    )
    out = []
    for i, site in enumerate(sites[: draw(st.integers(1, len(sites)))]):
        entry: dict = {"site": site}
        entry["distance_mm" if i == 0 else "segment_mm"] = draw(st.integers(40, 400))
        if draw(st.booleans()) and i == 0:
            entry["response"] = "absent"
        else:
            entry["onset_latency_ms"] = draw(latency)
            entry["amplitude_mv"] = draw(st.floats(0.0, 30.0).map(lambda v: round(v, 1)))
        out.append(entry)
    side = draw(st.sampled_from(["left", "right"]))
    return {"nerve": nerve, "kind": "motor", "side": side, "record": record, "sites": out}


@st.composite
def sensory(draw: st.DrawFn) -> dict:
    nerve, record, site = draw(
        st.sampled_from(
            [("median", "digit_2", "wrist"), ("ulnar", "digit_5", "wrist"), ("sural", None, "calf")]
        )
    )
    entry: dict = {"site": site, "distance_mm": draw(st.integers(70, 160))}
    if draw(st.booleans()):
        entry["response"] = "absent"
    else:
        entry["peak_latency_ms"] = draw(latency)
        entry["amplitude_uv"] = draw(st.floats(0.0, 120.0).map(lambda v: round(v, 1)))
    study = {
        "nerve": nerve,
        "kind": "sensory",
        "side": draw(st.sampled_from(["left", "right"])),
        "sites": [entry],
    }
    if record:
        study["record"] = record
    return study


@st.composite
def special(draw: st.DrawFn) -> dict:
    if draw(st.booleans()):
        site = {
            "site": "wrist",
            "f_min_latency_ms": draw(latency),
            "persistence_pct": draw(st.integers(0, 100)),
        }
        return {"nerve": "median", "kind": "f_wave", "side": "right", "record": "APB", "sites": [site]}
    site = {"site": "wrist", "rate_hz": 3.0, "decrement_pct": draw(st.integers(-20, 60))}
    return {"nerve": "ulnar", "kind": "rns", "side": "right", "record": "ADM", "sites": [site]}


@st.composite
def muscle(draw: st.DrawFn) -> dict:
    findings = {
        key: draw(st.sampled_from(GRADES))
        for key in ("fibrillations", "positive_sharp_waves", "fasciculations")
        if draw(st.booleans())
    }
    if draw(st.booleans()):
        findings["muap_amplitude"] = draw(st.sampled_from(["normal", "increased", "decreased"]))
    if draw(st.booleans()):
        findings["recruitment"] = draw(st.sampled_from(["normal", "reduced", "early", "discrete", "none"]))
    if draw(st.booleans()):
        findings["other_discharges"] = draw(
            st.lists(st.sampled_from(["myotonic", "cramp"]), max_size=2, unique=True)
        )
    name = draw(
        st.sampled_from(["FDI", "APB", "biceps_brachii", "tibialis_anterior", "deltoid", "vastus_lateralis"])
    )
    return {"muscle": name, "side": draw(st.sampled_from(["left", "right"])), "findings": findings}


@st.composite
def studies(draw: st.DrawFn) -> Study:
    ncs = draw(st.lists(st.one_of(motor(), sensory(), special()), max_size=5))
    keys = set()
    unique = []
    for nerve in ncs:  # one study per nerve, kind and side, as a lab would enter them
        key = (nerve["nerve"], nerve["kind"], nerve["side"])
        if key not in keys:
            keys.add(key)
            unique.append(nerve)
    exams, seen = [], set()
    for exam in draw(st.lists(muscle(), max_size=5)):
        if (exam["muscle"], exam["side"]) not in seen:
            seen.add((exam["muscle"], exam["side"]))
            exams.append(exam)
    document = {
        "schema": "edxkit.study/1",
        "id": "S-FUZZ",
        "patient": {"id": "P-FUZZ", "name": draw(st.text(max_size=20)), "age": draw(st.integers(18, 90))},
        "performed": "2026-11-20",
        "indication": draw(st.text(max_size=40)),
        "temperature_c": {"upper": 33.0},
        "ncs": unique,
        "emg": exams,
    }
    return Study.model_validate(document)


def _text(page: str) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(studies())
def test_any_typed_in_study_gives_a_complete_report_and_a_valid_fhir_bundle(study: Study) -> None:
    report = build_report(study, analyze_study(study), figures=False, created=CREATED)
    page = _text(render_html(report))
    for _title, table in report.tables():
        for row in table.rows:
            assert html_module.unescape(row.label) in page
            for cell in row.cells:
                if cell.text:
                    assert cell.text in page, (row.label, cell.field, cell.text)
    assert report.impression.text
    assert validate_fhir(to_fhir(report)) == []
    signed = sign(report, signer="Dr Fuzz", time=CREATED)
    assert verify(signed) == []
    assert validate_fhir(to_fhir(signed)) == []
