"""The FHIR R4 Bundle of a report: :func:`to_fhir` (JSON-ready dicts) and :func:`fhir_json` (text)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from edxkit.report.fhir.codes import REPORT_STATUS
from edxkit.report.fhir.common import instant, resource_uuid
from edxkit.report.fhir.diagnostic_report import diagnostic_report
from edxkit.report.fhir.observations import ObservationCommon, build_observations
from edxkit.report.fhir.participants import Entry, Participants, participants, service_request
from edxkit.report.model import Report


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
    issued = instant(_issued(report))
    people = participants(report)
    observations = build_observations(report, _observation_common(report, people, issued))
    request = service_request(report, people) if people.referrer else None
    diagnostic = diagnostic_report(
        report,
        people,
        [uid for uid, _ in observations],
        request_id=request[0] if request else None,
        issued=issued,
        pdf=pdf,
    )
    requests = [request] if request else []
    return _bundle(report, [diagnostic, *people.entries, *requests, *observations], issued, pdf)


def fhir_json(report: Report, *, pdf: bytes | None = None) -> str:
    """:func:`to_fhir` as indented JSON text (UTF-8 characters kept)."""
    return json.dumps(to_fhir(report, pdf=pdf), indent=2, ensure_ascii=False)


def _issued(report: Report) -> dt.datetime:
    """When the report's current version was issued: the last addendum, the signing, or its creation."""
    sig = report.signature
    if sig.addenda:
        return max(a.time for a in sig.addenda)
    return sig.signed_at or report.created


def _observation_common(report: Report, people: Participants, issued: str) -> ObservationCommon:
    """The Observations' shared fields: status (``preliminary`` in a draft, else ``final``) and the rest."""
    status = REPORT_STATUS[report.signature.state]
    return {
        "status": "preliminary" if status == "preliminary" else "final",
        "subject": people.subject,
        "effective": report.header.performed.isoformat(),
        "issued": issued,
        "performer": [people.performer] if people.performer else [],
    }


def _bundle(report: Report, entries: list[Entry], issued: str, pdf: bytes | None) -> dict[str, Any]:
    """The ``collection`` Bundle of ``entries``; its id also covers the state, the hashes and the PDF."""
    sig = report.signature
    version = f"{sig.state}|{sig.content_hash or ''}|{len(sig.addenda)}|{pdf is not None}"
    return {
        "resourceType": "Bundle",
        "id": resource_uuid(report, "bundle", version),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{resource_uuid(report, 'bundle', version)}",
        },
        "type": "collection",
        "timestamp": issued,
        "entry": [{"fullUrl": f"urn:uuid:{uid}", "resource": resource} for uid, resource in entries],
    }
