"""Edits of a stored study: move a marker, enter or clear a value, set a needle finding.

Every edit names the study version it was made on (``expected_version``, as shown to the user). A
different stored version raises :class:`ConcurrentEditError` and changes nothing; two edits racing on the
same version are caught by the ``version_id_col`` check of the UPDATE (the second one fails the same way),
so no update is lost. The edited document is validated against ``edxkit.study/1`` before it is stored,
the measurement row records ``edited`` / ``entered`` with the user and time, and the audit log gets the
values before and after. A study whose report is signed cannot be edited (corrections are addenda).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from edxkit.anatomy.names import normalize_muscle, normalize_nerve, normalize_site
from edxkit.errors import EdxInputError
from edxkit.model import ENTERED_SITE_FIELDS, Findings, Study
from edxkit.store.audit import record
from edxkit.store.auth import require
from edxkit.store.errors import ConcurrentEditError, NotFoundError, ReportLockedError
from edxkit.store.measurements import muscle_key, set_measurement, site_key
from edxkit.store.models import ReportRow, StudyRow, User, utcnow
from edxkit.store.studies import get_study

SITE_VALUE_FIELDS = ENTERED_SITE_FIELDS
FINDING_FIELDS = frozenset(Findings.model_fields)

Mutation = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]


def ensure_editable(session: Session, study: StudyRow) -> None:
    """Raise ReportLockedError when the study's report is signed."""
    signed = session.scalar(select(ReportRow.signed_at).where(ReportRow.study_id == study.id))
    if signed is not None:
        raise ReportLockedError(
            f"study {study.external_id} has a signed report: its data cannot change; add an addendum instead"
        )


def check_version(study: StudyRow, expected_version: int) -> None:
    """Raise ConcurrentEditError unless the stored version is the one the edit was made on."""
    if study.version != expected_version:
        raise ConcurrentEditError("study", study.external_id, expected_version, study.version)


def _apply(
    session: Session,
    actor: User,
    study_id: int | str,
    expected_version: int,
    action: str,
    mutate: Mutation,
) -> tuple[StudyRow, dict[str, Any], dict[str, Any]]:
    actor = require(session, actor, "study.edit")
    study = get_study(session, study_id)
    ensure_editable(session, study)  # first: a signed study says so, whatever version the edit names
    check_version(study, expected_version)
    document = copy.deepcopy(study.document)
    before, after = mutate(document)
    try:
        document = Study.model_validate(document).to_document()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "literal[")))
        reason = str(err["msg"]).removeprefix("Value error, ")
        raise EdxInputError(f"study {study.external_id}", where or "study", reason) from None
    study.document = document
    study.updated_at = utcnow()
    study.updated_by_id = actor.id
    name = study.external_id  # a failed flush expires the row: read what the message needs first
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentEditError("study", name, expected_version, None) from None
    record(session, actor, action, "study", study.external_id, before=before, after=after, study_id=study.id)
    return study, before, after


def _find_site(
    document: dict[str, Any], nerve: str, kind: str, side: str, site: str, condition: str | None
) -> dict[str, Any]:
    for entry in document.get("ncs", []):
        if (entry["nerve"], entry["kind"], entry["side"]) != (nerve, kind, side):
            continue
        for node in entry["sites"]:
            if node["site"] == site and node.get("condition") == condition:
                return node
    where = f"{side} {nerve} {kind} site {site}" + (f" ({condition})" if condition else "")
    raise NotFoundError(f"the study has no {where}")


def move_marker(
    session: Session,
    actor: User,
    study_id: int | str,
    *,
    expected_version: int,
    nerve: str,
    kind: str,
    side: str,
    site: str,
    condition: str | None = None,
    onset_ms: float | None = None,
    peak_ms: float | None = None,
) -> StudyRow:
    """Place the onset and/or peak marker of a site's waveform by hand (ms from the stimulus).

    A marker given as None keeps its current position; the measures are recomputed from the moved
    markers by the next analysis (source ``edited``).
    """
    nerve, site = normalize_nerve(nerve), normalize_site(site)
    moved = {k: v for k, v in (("onset_ms", onset_ms), ("peak_ms", peak_ms)) if v is not None}
    if not moved:
        raise ValueError("give onset_ms and/or peak_ms")

    def mutate(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        node = _find_site(document, nerve, kind, side, site, condition)
        if "waveform" not in node:
            raise EdxInputError(f"study {document.get('id')}", "markers", f"site {site} has no waveform")
        old = dict(node.get("markers") or {})
        node["markers"] = {**old, **{k: float(v) for k, v in moved.items()}}
        return {"markers": old}, {"markers": dict(node["markers"])}

    study, _, _ = _apply(session, actor, study_id, expected_version, "study.move_marker", mutate)
    now = utcnow()
    for field, value in moved.items():
        key = site_key(nerve, kind, side, site, f"marker_{field}", condition)
        set_measurement(
            session,
            study,
            key=key,
            field=f"marker_{field}",
            value=value,
            source="edited",
            user_id=actor.id,
            when=now,
        )
    session.flush()
    return study


def enter_value(
    session: Session,
    actor: User,
    study_id: int | str,
    *,
    expected_version: int,
    nerve: str,
    kind: str,
    side: str,
    site: str,
    field: str,
    value: float | str | None,
    condition: str | None = None,
) -> StudyRow:
    """Type a measured value into a site (overrides the automatic one downstream); None clears it."""
    if field not in SITE_VALUE_FIELDS:
        raise ValueError(f"{field!r} is not an entered site value ({', '.join(sorted(SITE_VALUE_FIELDS))})")
    nerve, site = normalize_nerve(nerve), normalize_site(site)

    def mutate(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        node = _find_site(document, nerve, kind, side, site, condition)
        old = node.get(field)
        if value is None:
            node.pop(field, None)
        else:
            node[field] = value
        return {field: old}, {field: value}

    study, _, _ = _apply(session, actor, study_id, expected_version, "study.enter_value", mutate)
    set_measurement(
        session,
        study,
        key=site_key(nerve, kind, side, site, field, condition),
        field=field,
        value=value,
        source="entered",
        user_id=actor.id,
        when=utcnow(),
    )
    session.flush()
    return study


def set_finding(
    session: Session,
    actor: User,
    study_id: int | str,
    *,
    expected_version: int,
    muscle: str,
    side: str,
    field: str,
    value: str | list[str] | None,
) -> StudyRow:
    """Set (or with None clear) a needle-examination grade of a muscle, e.g. ``fibrillations: 2+``."""
    if field not in FINDING_FIELDS:
        raise ValueError(f"{field!r} is not a needle finding ({', '.join(sorted(FINDING_FIELDS))})")
    muscle = normalize_muscle(muscle)

    def mutate(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        for exam in document.get("emg", []):
            if exam["muscle"] == muscle and exam["side"] == side:
                findings = exam.setdefault("findings", {})
                old = findings.get(field)
                if value is None:
                    findings.pop(field, None)
                else:
                    findings[field] = value
                return {field: old}, {field: value}
        raise NotFoundError(f"the study has no needle examination of the {side} {muscle}")

    study, _, _ = _apply(session, actor, study_id, expected_version, "study.set_finding", mutate)
    shown = ", ".join(value) if isinstance(value, list) else value
    set_measurement(
        session,
        study,
        key=muscle_key(muscle, side, field),
        field=field,
        value=shown,
        source="entered",
        user_id=actor.id,
        when=utcnow(),
    )
    session.flush()
    return study
