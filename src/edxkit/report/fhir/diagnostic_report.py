"""The DiagnosticReport of the FHIR output: study code, status, conclusion, attached PDF and signature.

``status`` follows the report state (draft → ``preliminary``, signed → ``final``, amended →
``amended``); ``code`` is LOINC 18749-2 "Electromyogram study" when a needle examination was performed,
else LOINC 27897-8 "Neuromuscular electrophysiology studies (set)", each with the local study code;
``conclusion`` is the impression with the addenda appended; ``presentedForm`` is the PDF with its SHA-1
``hash`` (base64, as FHIR ``Attachment.hash`` defines); a signed report carries its SHA-256 content hash
and its addenda as extensions.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from edxkit.report.fhir.codes import (
    EDX_IMPRESSION,
    EDX_STUDY,
    EXT_ADDENDUM,
    EXT_CONTENT_HASH,
    LOINC,
    LOINC_CODES,
    REPORT_STATUS,
    STUDY_KINDS,
    V2_0074,
    V2_0074_CODES,
)
from edxkit.report.fhir.common import coding, instant, ref, resource_uuid
from edxkit.report.fhir.participants import Entry, Participants
from edxkit.report.model import Report


def diagnostic_report(
    report: Report,
    people: Participants,
    results: list[str],
    *,
    request_id: str | None,
    issued: str,
    pdf: bytes | None,
) -> Entry:
    """The DiagnosticReport of ``report``.

    Parameters
    ----------
    report : Report
        The report model (any state).
    people : Participants
        The Patient and Practitioner references (subject, performer, results interpreter).
    results : list of str
        The ids of the report's Observations, in order.
    request_id : str or None
        The id of the referrer's ServiceRequest (``basedOn``), if any.
    issued : str
        The ``issued`` instant (signing or last addendum time).
    pdf : bytes or None
        The rendered PDF to attach as ``presentedForm``.

    Returns
    -------
    tuple of (str, dict)
        The resource id and the DiagnosticReport.
    """
    header = report.header
    report_id = resource_uuid(report, "diagnostic-report")
    diagnostic: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": report_id,
        "identifier": [{"type": {"text": "Study ID"}, "value": header.study_id}],
        "status": REPORT_STATUS[report.signature.state],
        "category": [{"coding": [coding(V2_0074, "EN", V2_0074_CODES["EN"])]}],
        "code": _study_code(report),
        "subject": people.subject,
        "effectiveDateTime": header.performed.isoformat(),
        "issued": issued,
    }
    if request_id:
        diagnostic["basedOn"] = [ref(request_id)]
    if people.performer:
        diagnostic["performer"] = [people.performer]
    if people.interpreter:
        diagnostic["resultsInterpreter"] = [people.interpreter]
    diagnostic["result"] = [ref(uid) for uid in results]
    diagnostic["conclusion"] = _conclusion(report)
    if codes := _conclusion_codes(report):
        diagnostic["conclusionCode"] = codes
    if pdf is not None:
        diagnostic["presentedForm"] = [_attachment(report, pdf, issued)]
    if extensions := _extensions(report):
        diagnostic["extension"] = extensions
    return report_id, diagnostic


def _study_code(report: Report) -> dict[str, Any]:
    """LOINC 18749-2 with a needle examination, else 27897-8; and the local ``edx`` study code."""
    needle = report.emg is not None and bool(report.emg.rows)
    loinc = "18749-2" if needle else "27897-8"
    return {
        "coding": [
            coding(LOINC, loinc, LOINC_CODES[loinc]),
            coding(EDX_STUDY, "edx", STUDY_KINDS["edx"]),
        ],
        "text": "Electrodiagnostic study (nerve conduction" + (" and needle EMG)" if needle else ")"),
    }


def _conclusion(report: Report) -> str:
    """The impression text with each addendum appended (time, author, text)."""
    text = report.impression.text
    for addendum in report.signature.addenda:
        text += f"\n\nAddendum ({instant(addendum.time)}, {addendum.author}): {addendum.text}"
    return text


def _conclusion_codes(report: Report) -> list[dict[str, Any]]:
    """One local ``edx-impression`` code per coded impression item."""
    return [
        {"coding": [coding(EDX_IMPRESSION, item.code, item.text)], "text": item.text}
        for item in report.impression.items
        if item.code
    ]


def _attachment(report: Report, pdf: bytes, issued: str) -> dict[str, Any]:
    """The PDF as an ``Attachment``: base64 data, size and base64 SHA-1 hash."""
    return {
        "contentType": "application/pdf",
        "language": "en",
        "data": base64.b64encode(pdf).decode("ascii"),
        "size": len(pdf),
        "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
        "title": f"Electrodiagnostic report {report.header.study_id}",
        "creation": issued,
    }


def _extensions(report: Report) -> list[dict[str, Any]]:
    """The SHA-256 content hash of a signed report and one extension per addendum."""
    sig = report.signature
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
                    {"url": "time", "valueDateTime": instant(addendum.time)},
                    {"url": "contentHash", "valueString": f"sha256:{addendum.content_hash}"},
                ],
            }
        )
    return extensions
