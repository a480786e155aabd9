"""Small builders shared by the FHIR resources: stable ids, references, codings, instants and numbers."""

from __future__ import annotations

import datetime as dt
import uuid

from edxkit.report.fhir.codes import EDX
from edxkit.report.model import Report

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, EDX)


def resource_uuid(report: Report, *parts: object) -> str:
    """A stable resource id: UUID-5 of the patient, study and the resource's role ``parts``.

    Parameters
    ----------
    report : Report
        The report (its patient and study ids scope the id).
    *parts : object
        What the resource is within the report (``"patient"``, a table row and field, ...).

    Returns
    -------
    str
        The UUID text; the same report and parts always give the same id.
    """
    key = "|".join(str(p) for p in (report.header.patient_id, report.header.study_id, *parts))
    return str(uuid.uuid5(NAMESPACE, key))


def ref(uid: str) -> dict[str, str]:
    """A FHIR ``Reference`` to the bundle entry with id ``uid`` (its ``urn:uuid`` full URL)."""
    return {"reference": f"urn:uuid:{uid}"}


def instant(when: dt.datetime) -> str:
    """An R4 ``instant``: seconds and a time zone (naive times are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.replace(microsecond=0).isoformat()


def json_number(value: float) -> float | int:
    """A JSON number with at most 6 significant digits (the model keeps float noise such as 0.30000000004)."""
    rounded = float(f"{value:.6g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    """A FHIR ``Coding`` (``display`` left out when empty)."""
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out
