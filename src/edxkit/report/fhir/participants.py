"""Who the report is about and by: the Patient, the Practitioners and the referrer's ServiceRequest.

Each physician named in the report (performing, signing, referring, addendum authors) becomes one
Practitioner, whose id is the UUID-5 of the name alone, so the same physician has the same resource in
every report; a referring physician adds a ``completed`` ServiceRequest (the order) with the indication
as its reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from edxkit.report.fhir.codes import EDX_STUDY, GENDERS, STUDY_KINDS
from edxkit.report.fhir.common import NAMESPACE, coding, ref, resource_uuid
from edxkit.report.model import Report

Entry = tuple[str, dict[str, Any]]  # a resource id and the resource


@dataclass(frozen=True)
class Participants:
    """The Patient and Practitioner resources of a report, and the references the report makes to them.

    Attributes
    ----------
    entries : list of (str, dict)
        The Patient, then each Practitioner once, in order of first mention (performer, signer,
        referrer, addendum authors).
    subject : dict
        Reference to the Patient (with the patient's name as display when known).
    performer, interpreter, referrer : dict or None
        References to the performing physician, the interpreting one (the signer, else the performer)
        and the referring one; None when the report names nobody.
    """

    entries: list[Entry]
    subject: dict[str, str]
    performer: dict[str, str] | None
    interpreter: dict[str, str] | None
    referrer: dict[str, str] | None


def participants(report: Report) -> Participants:
    """The report's Patient and Practitioners (see :class:`Participants`)."""
    header, sig = report.header, report.signature
    patient_id, patient = _patient(report)
    entries: list[Entry] = [(patient_id, patient)]
    practitioners: dict[str, str] = {}

    def practitioner(name: str | None) -> dict[str, str] | None:
        if not name or not name.strip():
            return None
        name = name.strip()
        if name not in practitioners:
            uid = str(uuid.uuid5(NAMESPACE, f"practitioner|{name}"))
            practitioners[name] = uid
            entries.append((uid, {"resourceType": "Practitioner", "id": uid, "name": [{"text": name}]}))
        return ref(practitioners[name]) | {"display": name}

    performer = practitioner(header.performing_physician)
    interpreter = practitioner(sig.signed_by) or performer
    referrer = practitioner(header.referring_physician)
    for addendum in sig.addenda:
        practitioner(addendum.author)
    subject = ref(patient_id) | ({"display": header.patient_name} if header.patient_name else {})
    return Participants(entries, subject, performer, interpreter, referrer)


def service_request(report: Report, people: Participants) -> Entry:
    """The referrer's order for the study (``completed``), with the indication as its reason."""
    request_id = resource_uuid(report, "service-request")
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": request_id,
        "status": "completed",
        "intent": "order",
        "code": {"coding": [coding(EDX_STUDY, "edx", STUDY_KINDS["edx"])], "text": STUDY_KINDS["edx"]},
        "subject": people.subject,
        "requester": people.referrer,
    }
    if report.indication:
        request["reasonCode"] = [{"text": report.indication}]
    return request_id, request


def _patient(report: Report) -> Entry:
    """The Patient: identifier, administrative gender, name and birth date when known."""
    header = report.header
    patient_id = resource_uuid(report, "patient")
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
    return patient_id, patient


def _gender(sex: str) -> str:
    """The FHIR administrative gender of the report's sex field (``unknown`` when it is none of them)."""
    word = sex.strip().lower()
    mapped = {"m": "male", "f": "female", "man": "male", "woman": "female"}.get(word, word)
    return mapped if mapped in GENDERS else "unknown"
