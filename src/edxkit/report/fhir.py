"""FHIR R4 output of the report: a Bundle with the DiagnosticReport, its Observations and the PDF.

The bundle is a ``collection`` (not a ``document``): a FHIR document needs a Composition as its first
entry and is an attested, immutable unit in its own right, whereas the attested form of an edxkit report
is the signed report itself (content hash, signer, time) and its PDF, which travels as
``DiagnosticReport.presentedForm``. A collection of Patient, Practitioner(s), ServiceRequest (when a
referring physician is named), DiagnosticReport and Observations is what an EHR integrator posts as a
transaction after assigning server ids.

Contents, following the FHIR R4 DiagnosticReport and Observation resources (hl7.org/fhir/R4):

* **DiagnosticReport** — ``status`` from the report state (draft → ``preliminary``, signed → ``final``,
  amended → ``amended``); ``category`` HL7 v2 table 0074 ``EN`` "Electroneuro (EEG, EMG,EP,PSG)"
  (http://terminology.hl7.org/CodeSystem/v2-0074); ``code`` LOINC 18749-2 "Electromyogram study" when a
  needle examination was performed, else LOINC 27897-8 "Neuromuscular electrophysiology studies (set)"
  (both document codes of the HITSP C80 / FHIR ``c80-doc-typecodes`` and ``document-classcodes`` value
  sets), each with the local study code; ``conclusion`` the impression text (addenda appended, so an EHR
  that ignores extensions still shows them); ``conclusionCode`` one local code per impression item;
  ``presentedForm`` the PDF with its SHA-1 ``hash`` (base64, as FHIR ``Attachment.hash`` defines) and
  ``size``; the edxkit SHA-256 content hash and the addenda as extensions once signed.
* **Observation** — one per measured value and per needle finding of every report table (the EMG
  ``side`` column is context, not a result). ``code`` is the result field in the local code system
  ``edx-measure`` (``onset_latency_ms``: "Onset latency"); the code text, ``bodySite`` and
  ``component`` say which nerve or muscle, side, stimulation site or segment and recording site;
  ``method`` is the kind of study. Numbers are ``valueQuantity`` in UCUM (ms, mV, uV, m/s, %, Hz, mm,
  mV.ms; ``1`` for ratios), counts ``valueInteger``, yes/no findings ``valueBoolean``, graded needle
  findings ``valueCodeableConcept`` (local ``edx-finding`` code = the grade, ``2+``, ``reduced``), free
  lists ``valueString``. ``referenceRange`` carries the normal limit (``low`` for a minimum, ``high`` for
  a maximum, same unit, text with its source); ``interpretation`` is v3-ObservationInterpretation ``H`` /
  ``L`` (abnormal above a maximum / below a minimum), ``A`` (abnormal without direction), ``N`` (within
  a limit, or the normal finding).
* An absent response (``NR``) has no value: a latency or amplitude of a response that does not exist
  is not a number, so the Observation carries ``dataAbsentReason`` ``not-applicable`` ("there is no
  proper value for this element") with text "No response (NR)" — FHIR's mechanism for a missing value
  (obs-6: value[x] and dataAbsentReason are exclusive) rather than a string where numbers are expected;
  the interpretation still says L when the absent amplitude is abnormal.

Resource ids are UUID-5 of the patient, study and role (a nerve table row and field), so the same
report always gives the same bundle and a signed report updates the resources of its draft instead of
duplicating them; the bundle id also covers the state and hashes. FHIR R4 validation uses
``fhir.resources.R4B`` (FHIR 4.3.0; fhir.resources 8 has no R4 package and defaults to R5), whose
DiagnosticReport, Observation, Patient, Practitioner, ServiceRequest and Bundle match R4.
:func:`validate_fhir` adds the checks fhir.resources does not make (it accepts any code string).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from edxkit.report.labels import capital, words
from edxkit.report.model import Cell, Report, Table

# --- code systems -------------------------------------------------------------------------------------
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
EDX = "https://edxkit.org/fhir"
EDX_MEASURE = f"{EDX}/CodeSystem/edx-measure"
EDX_FINDING = f"{EDX}/CodeSystem/edx-finding"
EDX_IMPRESSION = f"{EDX}/CodeSystem/edx-impression"
EDX_STUDY = f"{EDX}/CodeSystem/edx-study"
EDX_CONTEXT = f"{EDX}/CodeSystem/edx-context"
EDX_ANATOMY = f"{EDX}/CodeSystem/edx-anatomy"
EXT_CONTENT_HASH = f"{EDX}/StructureDefinition/content-hash"
EXT_ADDENDUM = f"{EDX}/StructureDefinition/addendum"
EXT_VALUE_SOURCE = f"{EDX}/StructureDefinition/value-source"

# Display unit of the report → UCUM code (UCUM: "u" is the micro prefix, "." multiplies, "1" is unity).
UCUM_CODES: dict[str | None, str] = {
    "ms": "ms",
    "mV": "mV",
    "µV": "uV",
    "μV": "uV",
    "m/s": "m/s",
    "%": "%",
    "Hz": "Hz",
    "mm": "mm",
    "mV·ms": "mV.ms",
    None: "1",
}
RATIO_UNIT = "ratio"  # the human-readable unit of a UCUM "1" quantity
UCUM_EMITTED = frozenset(UCUM_CODES.values())
# A field's name ends with its unit (result contract): the UCUM code a quantity of that field must carry.
_FIELD_SUFFIX_UCUM = (
    ("_mv_ms", "mV.ms"),
    ("_m_s", "m/s"),
    ("_ms", "ms"),
    ("_mv", "mV"),
    ("_uv", "uV"),
    ("_pct", "%"),
    ("_hz", "Hz"),
    ("_mm", "mm"),
    ("_ratio", "1"),
)

# Codes this module emits from external code systems, with their displays. Where they were verified:
# - LOINC 18749-2 "Electromyogram study": FHIR value set http://hl7.org/fhir/ValueSet/c80-doc-typecodes
#   (HITSP C80 document types = LOINC codes with SCALE DOC; FHIR DSTU2 core package), listed beside
#   11523-8 "EEG study" and 11524-6 "EKG study"; LOINC has no separate nerve conduction report code there.
# - LOINC 27897-8 "Neuromuscular electrophysiology studies (set)": HITSP C80 document class codes
#   (FHIR value set document-classcodes).
# - v2-0074 EN "Electroneuro (EEG, EMG,EP,PSG)": https://hl7.org/fhir/DSTU1/v2/0074/index.html, R4 system
#   http://terminology.hl7.org/CodeSystem/v2-0074 (https://hl7.org/fhir/2018Dec/v2/0074/index.html).
# - observation-category "procedure" (its definition names electrodiagnostics):
#   https://hl7.org/fhir/R4b/codesystem-observation-category.xml.html
# - v3-ObservationInterpretation H, L, A, N; data-absent-reason codes:
#   https://www.hl7.org/fhir/R4/codesystem-data-absent-reason.html
LOINC_CODES = {"18749-2": "Electromyogram study", "27897-8": "Neuromuscular electrophysiology studies (set)"}
V2_0074_CODES = {"EN": "Electroneuro (EEG, EMG,EP,PSG)"}
CATEGORY_CODES = {"procedure": "Procedure"}
INTERPRETATION_CODES = {"H": "High", "L": "Low", "A": "Abnormal", "N": "Normal"}
DATA_ABSENT_CODES = frozenset(
    {
        "unknown",
        "asked-unknown",
        "temp-unknown",
        "not-asked",
        "asked-declined",
        "masked",
        "not-applicable",
        "unsupported",
        "as-text",
        "error",
        "not-a-number",
        "negative-infinity",
        "positive-infinity",
        "not-performed",
        "not-permitted",
    }
)
REPORT_STATUS = {"draft": "preliminary", "signed": "final", "amended": "amended"}
_COMMON_STATUSES = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "unknown"}
DIAGNOSTIC_REPORT_STATUSES = frozenset(_COMMON_STATUSES | {"partial", "appended", "entered-in-error"})
OBSERVATION_STATUSES = frozenset(_COMMON_STATUSES | {"entered-in-error"})
GENDERS = frozenset({"male", "female", "other", "unknown"})

STUDY_KINDS = {
    "motor": "Motor nerve conduction",
    "sensory": "Sensory nerve conduction",
    "f_wave": "F waves",
    "h_reflex": "H reflex",
    "rns": "Repetitive nerve stimulation",
    "needle_emg": "Needle electromyography",
    "edx": "Electrodiagnostic study",
}
_SPECIAL_TABLES = {"F waves": "f_wave", "H reflex": "h_reflex", "Repetitive nerve stimulation": "rns"}
# Graded findings (a closed vocabulary) are coded; the free list of other discharges stays a string.
CODED_FINDINGS = frozenset(
    {
        "insertional",
        "fibrillations",
        "positive_sharp_waves",
        "fasciculations",
        "muap_amplitude",
        "muap_duration",
        "polyphasia",
        "recruitment",
        "interference",
        "classification",
    }
)
BOOLEAN_FINDINGS = frozenset({"conduction_block", "temporal_dispersion"})
COUNT_FIELDS = frozenset({"count"})
CONTEXT_FIELDS = frozenset({"side"})
ABSENT_TEXT = "NR"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, EDX)
_FIELD_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


# --- building -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    """Where a table's values were measured: kind of study, side, nerve or muscle, recording site."""

    kind: str
    row_role: str  # "stimulation-site", "segment", "nerve" or "muscle": what a row label names
    side: str | None = None
    nerve: str | None = None
    record: str | None = None
    muscle: str | None = None


def observation_cells(report: Report) -> Iterator[tuple[str, Table, int, _Context, Cell]]:
    """Every cell that becomes an Observation, with its table title, row index and context."""
    for title, table, context in _tables(report):
        for index, row in enumerate(table.rows):
            row_context = context
            if context.kind == "needle_emg":
                row_context = _muscle_context(report, row.cells, index)
            elif context.row_role == "nerve":
                keys = row.context
                first = row.label.split(" ", 1)[0].lower()
                side = keys.get("side") or (first if first in _SIDES else None)
                row_context = _Context(
                    context.kind, "nerve", side=side, nerve=keys.get("nerve"), record=keys.get("record")
                )
            for cell in row.cells:
                if is_observation_cell(cell):
                    yield title, table, index, row_context, cell


_SIDES = frozenset({"right", "left", "bilateral"})


def is_observation_cell(cell: Cell) -> bool:
    """A measured value or finding (numbers, words, absent responses); not labels, blanks or context."""
    if not cell.field or cell.field in CONTEXT_FIELDS:
        return False
    if cell.value is None:
        return cell.text == ABSENT_TEXT
    return not (isinstance(cell.value, str) and not cell.value.strip())


def _tables(report: Report) -> Iterator[tuple[str, Table, _Context]]:
    """The report's tables in :meth:`Report.tables` order, with what each row measures."""
    for section in (*report.motor, *report.sensory):
        kind, side, nerve, record = section.kind, section.side, section.nerve, section.record
        yield section.title, section.sites, _Context(kind, "stimulation-site", side, nerve, record)
        if section.segments is not None:
            segments = _Context(kind, "segment", side, nerve, record)
            yield f"{section.title}: segments", section.segments, segments
    for title, kind in _SPECIAL_TABLES.items():
        table = {"f_wave": report.f_waves, "h_reflex": report.h_reflex, "rns": report.rns}[kind]
        if table is not None:
            yield title, table, _Context(kind=kind, row_role="nerve")
    if report.emg is not None:
        yield "Needle EMG", report.emg, _Context(kind="needle_emg", row_role="muscle")


def _muscle_context(report: Report, cells: list[Cell], index: int) -> _Context:
    side = next((str(c.value) for c in cells if c.field == "side" and c.value), None)
    muscle = None
    if report.emg is not None and len(report.muscles) == len(report.emg.rows):
        muscle = report.muscles[index].muscle
        side = side or report.muscles[index].side
    return _Context("needle_emg", "muscle", side=side, muscle=muscle)


def _uuid(report: Report, *parts: object) -> str:
    key = "|".join(str(p) for p in (report.header.patient_id, report.header.study_id, *parts))
    return str(uuid.uuid5(_NAMESPACE, key))


def _ref(uid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{uid}"}


def _instant(when: dt.datetime) -> str:
    """An R4 ``instant``: seconds and a time zone (naive times are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.replace(microsecond=0).isoformat()


def _number(value: float) -> float | int:
    """A JSON number with at most 6 significant digits (the model keeps float noise such as 0.30000000004)."""
    rounded = float(f"{value:.6g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _ucum_for(cell: Cell) -> str:
    if cell.unit not in UCUM_CODES:
        raise ValueError(f"no UCUM code for unit {cell.unit!r} of {cell.field}")
    return UCUM_CODES[cell.unit]


def _quantity(value: float, cell: Cell) -> dict[str, Any]:
    code = _ucum_for(cell)
    unit = cell.unit or RATIO_UNIT
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": code}


def _interpretation(cell: Cell) -> list[dict[str, Any]]:
    """H/L when abnormal beyond a max/min, A when abnormal without a direction, N when normal with a limit."""
    if cell.abnormal:
        code = {"max": "H", "min": "L"}.get(cell.limit.bound) if cell.limit is not None else None
        code = code or "A"
    elif cell.value is None:
        return []  # an absent response that is not flagged (a latency): nothing to say
    elif cell.limit is not None or isinstance(cell.value, str):
        code = "N"  # within the limit, or the normal finding (findings are flagged against it)
    else:
        return []
    return [{"coding": [_coding(INTERPRETATION, code, INTERPRETATION_CODES[code])]}]


def _reference_range(cell: Cell) -> list[dict[str, Any]]:
    limit = cell.limit
    if limit is None or isinstance(cell.value, str) or cell.field in COUNT_FIELDS:
        return []
    bound = "low" if limit.bound == "min" else "high"
    text = f"{limit.text} {cell.unit or ''}".strip() + (f" ({limit.source})" if limit.source else "")
    return [{bound: _quantity(limit.value, cell), "text": text}]


def _value(cell: Cell) -> dict[str, Any]:
    """The value[x] (or dataAbsentReason) of an observation cell."""
    value = cell.value
    if value is None:
        return {
            "dataAbsentReason": {
                "coding": [_coding(DATA_ABSENT, "not-applicable", "Not Applicable")],
                "text": "No response (NR)",
            }
        }
    if isinstance(value, str):
        word = value.strip()
        if cell.field in BOOLEAN_FINDINGS and word in ("yes", "no"):
            return {"valueBoolean": word == "yes"}
        if cell.field in CODED_FINDINGS:
            display = cell.text or words(word)
            return {
                "valueCodeableConcept": {"coding": [_coding(EDX_FINDING, word, display)], "text": display}
            }
        return {"valueString": cell.text or word}
    if cell.field in COUNT_FIELDS and float(value).is_integer():
        return {"valueInteger": int(value)}
    if not math.isfinite(value):
        return {"dataAbsentReason": {"coding": [_coding(DATA_ABSENT, "not-a-number", "Not a Number (NaN)")]}}
    return {"valueQuantity": _quantity(value, cell)}


def _components(context: _Context, row_label: str) -> list[dict[str, Any]]:
    parts: list[tuple[str, str, str]] = []
    if context.side:
        parts.append(("side", "Side", context.side))
    if context.nerve:
        parts.append(("nerve", "Nerve", words(context.nerve)))
    if context.muscle:
        parts.append(("muscle", "Muscle", words(context.muscle)))
    if context.row_role in ("stimulation-site", "segment"):
        label = "Stimulation site" if context.row_role == "stimulation-site" else "Segment"
        parts.append((context.row_role, label, row_label))
    if context.record:
        parts.append(("recording-site", "Recording site", words(context.record)))
    return [
        {"code": {"coding": [_coding(EDX_CONTEXT, c, d)], "text": d}, "valueString": v} for c, d, v in parts
    ]


def _body_site(context: _Context, row_label: str) -> dict[str, Any]:
    side = f"{capital(context.side)} " if context.side else ""
    if context.nerve:
        name = f"{words(context.nerve)} nerve"
        return {"coding": [_coding(EDX_ANATOMY, context.nerve, name)], "text": f"{side}{name}"}
    if context.muscle:
        name = words(context.muscle)
        return {"coding": [_coding(EDX_ANATOMY, context.muscle, name)], "text": f"{side}{name}"}
    return {"text": row_label}


def _observation(
    report: Report,
    title: str,
    table: Table,
    index: int,
    context: _Context,
    cell: Cell,
    common: dict[str, Any],
) -> tuple[str, dict[str, Any]]:
    field = cell.field or ""
    row = table.rows[index]
    label = next((c.label for c in table.columns if c.key == field), capital(words(field)))
    uid = _uuid(report, "observation", title, index, row.label, field)
    where = f"{title}, {row.label}" if context.row_role in ("stimulation-site", "segment") else row.label
    if context.kind == "needle_emg" and context.side:
        where = f"{capital(context.side)} {row.label[:1].lower()}{row.label[1:]}"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": uid,
        "status": common["status"],
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "procedure", CATEGORY_CODES["procedure"])]}],
        "code": {"coding": [_coding(EDX_MEASURE, field, label)], "text": f"{where}: {label}"},
        "subject": common["subject"],
        "effectiveDateTime": common["effective"],
        "issued": common["issued"],
    }
    if common.get("performer"):
        resource["performer"] = common["performer"]
    resource |= _value(cell)
    if interpretation := _interpretation(cell):
        resource["interpretation"] = interpretation
    resource["bodySite"] = _body_site(context, row.label)
    resource["method"] = {
        "coding": [_coding(EDX_STUDY, context.kind, STUDY_KINDS[context.kind])],
        "text": STUDY_KINDS[context.kind],
    }
    if ranges := _reference_range(cell):
        resource["referenceRange"] = ranges
    if components := _components(context, row.label):
        resource["component"] = components
    if cell.source:
        resource["extension"] = [{"url": EXT_VALUE_SOURCE, "valueCode": cell.source}]
    return uid, resource


def _gender(sex: str) -> str:
    word = sex.strip().lower()
    mapped = {"m": "male", "f": "female", "man": "male", "woman": "female"}.get(word, word)
    return mapped if mapped in GENDERS else "unknown"


def _issued(report: Report) -> dt.datetime:
    sig = report.signature
    if sig.addenda:
        return max(a.time for a in sig.addenda)
    return sig.signed_at or report.created


def _attachment(report: Report, pdf: bytes, issued: str) -> dict[str, Any]:
    return {
        "contentType": "application/pdf",
        "language": "en",
        "data": base64.b64encode(pdf).decode("ascii"),
        "size": len(pdf),
        "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
        "title": f"Electrodiagnostic report {report.header.study_id}",
        "creation": issued,
    }


def _conclusion(report: Report) -> str:
    text = report.impression.text
    for addendum in report.signature.addenda:
        text += f"\n\nAddendum ({_instant(addendum.time)}, {addendum.author}): {addendum.text}"
    return text


def to_fhir(report: Report, *, pdf: bytes | None = None) -> dict[str, Any]:
    """The report as a FHIR R4 Bundle (type ``collection``) of JSON-ready dicts.

    Parameters
    ----------
    report : Report
        The report model (any state: draft, signed or amended).
    pdf : bytes, optional
        The rendered PDF (``render_pdf(report)``), attached as ``DiagnosticReport.presentedForm``.

    Returns
    -------
    dict
        ``Bundle`` with the DiagnosticReport first, then Patient, Practitioner(s), ServiceRequest and one
        Observation per measured value or finding; references are ``urn:uuid`` full URLs.
    """
    header, sig = report.header, report.signature
    status = REPORT_STATUS[sig.state]
    issued = _instant(_issued(report))
    entries: list[tuple[str, dict[str, Any]]] = []

    patient_id = _uuid(report, "patient")
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id,
        "identifier": [{"type": {"text": "Patient ID"}, "value": header.patient_id}],
        "gender": _gender(header.sex),
    }
    if header.patient_name:
        patient["name"] = [{"text": header.patient_name}]
    if header.birth_date:
        patient["birthDate"] = header.birth_date.isoformat()
    entries.append((patient_id, patient))

    practitioners: dict[str, str] = {}

    def practitioner(name: str | None) -> dict[str, str] | None:
        if not name or not name.strip():
            return None
        name = name.strip()
        if name not in practitioners:
            uid = str(uuid.uuid5(_NAMESPACE, f"practitioner|{name}"))
            practitioners[name] = uid
            entries.append((uid, {"resourceType": "Practitioner", "id": uid, "name": [{"text": name}]}))
        return _ref(practitioners[name]) | {"display": name}

    performer = practitioner(header.performing_physician)
    interpreter = practitioner(sig.signed_by) or performer
    referrer = practitioner(header.referring_physician)
    for addendum in sig.addenda:
        practitioner(addendum.author)

    subject = _ref(patient_id) | ({"display": header.patient_name} if header.patient_name else {})
    common = {
        "status": "preliminary" if status == "preliminary" else "final",
        "subject": subject,
        "effective": header.performed.isoformat(),
        "issued": issued,
        "performer": [performer] if performer else [],
    }
    observations = [
        _observation(report, title, table, index, context, cell, common)
        for title, table, index, context, cell in observation_cells(report)
    ]
    needle = report.emg is not None and bool(report.emg.rows)
    loinc = "18749-2" if needle else "27897-8"
    report_id = _uuid(report, "diagnostic-report")
    diagnostic: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": report_id,
        "identifier": [{"type": {"text": "Study ID"}, "value": header.study_id}],
        "status": status,
        "category": [{"coding": [_coding(V2_0074, "EN", V2_0074_CODES["EN"])]}],
        "code": {
            "coding": [
                _coding(LOINC, loinc, LOINC_CODES[loinc]),
                _coding(EDX_STUDY, "edx", STUDY_KINDS["edx"]),
            ],
            "text": "Electrodiagnostic study (nerve conduction" + (" and needle EMG)" if needle else ")"),
        },
        "subject": subject,
        "effectiveDateTime": header.performed.isoformat(),
        "issued": issued,
    }
    if referrer:
        request_id = _uuid(report, "service-request")
        request: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": request_id,
            "status": "completed",
            "intent": "order",
            "code": {"coding": [_coding(EDX_STUDY, "edx", STUDY_KINDS["edx"])], "text": STUDY_KINDS["edx"]},
            "subject": subject,
            "requester": referrer,
        }
        if report.indication:
            request["reasonCode"] = [{"text": report.indication}]
        entries.append((request_id, request))
        diagnostic["basedOn"] = [_ref(request_id)]
    if performer:
        diagnostic["performer"] = [performer]
    if interpreter:
        diagnostic["resultsInterpreter"] = [interpreter]
    diagnostic["result"] = [_ref(uid) for uid, _ in observations]
    diagnostic["conclusion"] = _conclusion(report)
    codes = [
        {"coding": [_coding(EDX_IMPRESSION, item.code, item.text)], "text": item.text}
        for item in report.impression.items
        if item.code
    ]
    if codes:
        diagnostic["conclusionCode"] = codes
    if pdf is not None:
        diagnostic["presentedForm"] = [_attachment(report, pdf, issued)]
    extensions: list[dict[str, Any]] = []
    if sig.state != "draft" and sig.content_hash:
        extensions.append({"url": EXT_CONTENT_HASH, "valueString": f"sha256:{sig.content_hash}"})
    for addendum in sig.addenda:
        extensions.append(
            {
                "url": EXT_ADDENDUM,
                "extension": [
                    {"url": "text", "valueString": addendum.text},
                    {"url": "author", "valueString": addendum.author},
                    {"url": "time", "valueDateTime": _instant(addendum.time)},
                    {"url": "contentHash", "valueString": f"sha256:{addendum.content_hash}"},
                ],
            }
        )
    if extensions:
        diagnostic["extension"] = extensions

    ordered = [(report_id, diagnostic), *entries, *observations]
    version = f"{sig.state}|{sig.content_hash or ''}|{len(sig.addenda)}|{pdf is not None}"
    return {
        "resourceType": "Bundle",
        "id": _uuid(report, "bundle", version),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{_uuid(report, 'bundle', version)}",
        },
        "type": "collection",
        "timestamp": issued,
        "entry": [{"fullUrl": f"urn:uuid:{uid}", "resource": resource} for uid, resource in ordered],
    }


def fhir_json(report: Report, *, pdf: bytes | None = None) -> str:
    """:func:`to_fhir` as indented JSON text (UTF-8 characters kept)."""
    return json.dumps(to_fhir(report, pdf=pdf), indent=2, ensure_ascii=False)


# --- validation ---------------------------------------------------------------------------------------
def validate_fhir(bundle: dict[str, Any], *, pdf: bytes | None = None) -> list[str]:
    """Problems with a bundle (empty list: valid).

    Structure and datatypes are checked by parsing with ``fhir.resources.R4B`` (FHIR 4.3, R4-compatible for
    these resources). Because fhir.resources accepts any string as a code, this also checks the codes
    themselves: statuses, UCUM units (system, the codes this module emits, the unit a field's name
    implies, reference-range units equal to the value's), interpretation codes and their consistency with
    the reference range, HL7/LOINC codes against the codes used here, value[x] / dataAbsentReason
    exclusivity, that every ``urn:uuid`` reference resolves inside the bundle and that DiagnosticReport
    lists every Observation, the content hash of a signed report, and the attached PDF (base64, size,
    SHA-1 hash, and equality with ``pdf`` when given).
    """
    problems = _structure_problems(bundle)
    entries = bundle.get("entry") or []
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") not in ("collection", "document"):
        problems.append("not a Bundle of type collection or document")
    urls: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        url, resource = entry.get("fullUrl", ""), entry.get("resource") or {}
        if not _is_uuid_url(url):
            problems.append(f"entry {i}: fullUrl {url!r} is not a urn:uuid")
        elif url in urls:
            problems.append(f"entry {i}: duplicate fullUrl {url}")
        elif resource.get("id") and url != f"urn:uuid:{resource['id']}":
            problems.append(f"entry {i}: id {resource.get('id')} differs from fullUrl {url}")
        urls[url] = resource
    for i, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        where = f"entry {i} ({resource.get('resourceType')})"
        for path, reference in _references(resource):
            if reference.startswith("urn:uuid:") and reference not in urls:
                problems.append(f"{where}: {path} refers to {reference}, which is not in the bundle")
            elif not reference.startswith("urn:uuid:"):
                problems.append(f"{where}: {path} is not a urn:uuid reference: {reference}")
        problems += [f"{where}: {p}" for p in _coding_problems(resource)]
        kind = resource.get("resourceType")
        if kind == "Observation":
            problems += [f"{where}: {p}" for p in _observation_problems(resource)]
        elif kind == "DiagnosticReport":
            problems += [f"{where}: {p}" for p in _report_problems(resource, urls, pdf)]
        elif kind == "Patient" and resource.get("gender", "unknown") not in GENDERS:
            problems.append(f"{where}: gender {resource.get('gender')!r} is not an administrative gender")
    reports = [r for r in urls.values() if r.get("resourceType") == "DiagnosticReport"]
    if len(reports) != 1:
        problems.append(f"expected one DiagnosticReport, found {len(reports)}")
    return problems


def _structure_problems(bundle: dict[str, Any]) -> list[str]:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        return [f"fhir.resources R4B: {e['loc']}: {e['msg']}" for e in error.errors()]
    except (TypeError, ValueError, KeyError) as error:  # fhir_core raises these for unknown resource types
        return [f"fhir.resources R4B: {error}"]
    return []


def _is_uuid_url(url: str) -> bool:
    if not url.startswith("urn:uuid:"):
        return False
    try:
        uuid.UUID(url[len("urn:uuid:") :])
    except ValueError:
        return False
    return True


def _references(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield path or key, value
            else:
                yield from _references(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _references(item, f"{path}[{i}]")


def _codings(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "system" in node and "code" in node and "value" not in node:
            yield path, node
        for key, value in node.items():
            yield from _codings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _codings(item, f"{path}[{i}]")


_KNOWN_CODES: dict[str, dict[str, str] | frozenset[str]] = {
    LOINC: LOINC_CODES,
    V2_0074: V2_0074_CODES,
    OBSERVATION_CATEGORY: CATEGORY_CODES,
    INTERPRETATION: INTERPRETATION_CODES,
    DATA_ABSENT: DATA_ABSENT_CODES,
    EDX_STUDY: frozenset(STUDY_KINDS),
}


def _coding_problems(resource: dict[str, Any]) -> list[str]:
    problems = []
    for path, coding in _codings(resource):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(code, str) or not code or code != code.strip() or "  " in code:
            problems.append(f"{path}: code {code!r} is not a FHIR code")
            continue
        known = _KNOWN_CODES.get(str(system))
        if known is not None and code not in known:
            problems.append(f"{path}: {code!r} is not a code of {system}")
        elif isinstance(known, dict) and coding.get("display") not in (None, known[code]):
            problems.append(f"{path}: display {coding.get('display')!r} is not {known[code]!r} for {code}")
        if system == EDX_MEASURE and not _FIELD_CODE.match(code):
            problems.append(f"{path}: {code!r} is not a result field name")
    return problems


def _expected_ucum(field: str) -> str | None:
    return next((ucum for suffix, ucum in _FIELD_SUFFIX_UCUM if field.endswith(suffix)), None)


def _unit_code(unit: Any) -> str | None:
    """The UCUM code of a human-readable unit (the UCUM code itself is accepted as its own unit)."""
    if unit == RATIO_UNIT:
        return "1"
    if isinstance(unit, str) and unit in UCUM_EMITTED:
        return unit
    return UCUM_CODES.get(unit) if isinstance(unit, str) else None


def _quantity_problems(quantity: dict[str, Any], path: str) -> list[str]:
    problems = []
    if quantity.get("system") != UCUM:
        problems.append(f"{path}: system {quantity.get('system')!r} is not UCUM ({UCUM})")
    if quantity.get("code") not in UCUM_EMITTED:
        problems.append(f"{path}: UCUM code {quantity.get('code')!r} is not one of {sorted(UCUM_EMITTED)}")
    elif _unit_code(quantity.get("unit")) != quantity["code"]:
        problems.append(f"{path}: unit {quantity.get('unit')!r} does not match code {quantity['code']!r}")
    if not isinstance(quantity.get("value"), int | float) or isinstance(quantity.get("value"), bool):
        problems.append(f"{path}: value {quantity.get('value')!r} is not a number")
    return problems


def _observation_problems(obs: dict[str, Any]) -> list[str]:
    problems = []
    if obs.get("status") not in OBSERVATION_STATUSES:
        problems.append(f"status {obs.get('status')!r} is not an Observation status")
    values = [k for k in obs if k.startswith("value")]
    if len(values) > 1 or (values and "dataAbsentReason" in obs):
        problems.append(f"value[x] and dataAbsentReason are exclusive (obs-6): {values}")
    if not values and "dataAbsentReason" not in obs:
        problems.append("neither a value nor a dataAbsentReason")
    field = next(
        (c.get("code") for c in obs.get("code", {}).get("coding", []) if c.get("system") == EDX_MEASURE), None
    )
    quantity = obs.get("valueQuantity")
    if quantity is not None:
        problems += _quantity_problems(quantity, "valueQuantity")
        expected = _expected_ucum(str(field or ""))
        if expected and quantity.get("code") != expected:
            problems.append(f"{field} is measured in {expected}, not {quantity.get('code')!r}")
    ranges = obs.get("referenceRange") or []
    for i, rng in enumerate(ranges):
        for bound in ("low", "high"):
            if bound in rng:
                problems += _quantity_problems(rng[bound], f"referenceRange[{i}].{bound}")
                if quantity is not None and rng[bound].get("code") != quantity.get("code"):
                    problems.append(f"referenceRange[{i}].{bound} unit differs from the value's")
        if not ({"low", "high", "text"} & set(rng)):
            problems.append(f"referenceRange[{i}] has no low, high or text (obs-3)")
    codes = [
        c.get("code")
        for concept in obs.get("interpretation") or []
        for c in concept.get("coding", [])
        if c.get("system") == INTERPRETATION
    ]
    for code in codes:
        needed = {"H": "high", "L": "low"}.get(str(code))
        if needed and not any(needed in r for r in ranges):
            problems.append(f"interpretation {code} without a reference range {needed} limit")
    return problems


def _report_problems(report: dict[str, Any], urls: dict[str, dict[str, Any]], pdf: bytes | None) -> list[str]:
    problems = []
    status = report.get("status")
    if status not in DIAGNOSTIC_REPORT_STATUSES:
        problems.append(f"status {status!r} is not a DiagnosticReport status")
    results = {r.get("reference") for r in report.get("result") or []}
    observations = {u for u, r in urls.items() if r.get("resourceType") == "Observation"}
    if results != observations:
        problems.append(
            f"result lists {len(results)} observations, the bundle holds {len(observations)}: "
            f"{len(results - observations)} missing, {len(observations - results)} not listed"
        )
    for url in observations:
        obs_status = urls[url].get("status")
        if (status == "preliminary") != (obs_status == "preliminary"):
            problems.append(f"observation {url} is {obs_status} in a {status} report")
            break
    subject = (report.get("subject") or {}).get("reference")
    if urls.get(str(subject), {}).get("resourceType") != "Patient":
        problems.append("subject is not the bundle's Patient")
    hashes = [e for e in report.get("extension") or [] if e.get("url") == EXT_CONTENT_HASH]
    if status in ("final", "amended"):
        if len(hashes) != 1 or not re.fullmatch(r"sha256:[0-9a-f]{64}", str(hashes[0].get("valueString"))):
            problems.append("a signed report must carry one sha256 content hash extension")
    elif hashes:
        problems.append(f"a {status} report carries a content hash")
    for i, form in enumerate(report.get("presentedForm") or []):
        problems += [f"presentedForm[{i}]: {p}" for p in _attachment_problems(form, pdf)]
    if pdf is not None and not report.get("presentedForm"):
        problems.append("the PDF is not attached as presentedForm")
    return problems


def _attachment_problems(form: dict[str, Any], pdf: bytes | None) -> list[str]:
    problems = []
    if form.get("contentType") != "application/pdf":
        problems.append(f"contentType {form.get('contentType')!r} is not application/pdf")
    try:
        data = base64.b64decode(str(form.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        return [*problems, "data is not base64"]
    if not data.startswith(b"%PDF-"):
        problems.append("data is not a PDF")
    if form.get("size") != len(data):
        problems.append(f"size {form.get('size')} differs from the data's {len(data)} bytes")
    if form.get("hash") != base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"):
        problems.append("hash is not the base64 SHA-1 of the data")
    if pdf is not None and data != pdf:
        problems.append("data differs from the given PDF")
    return problems
