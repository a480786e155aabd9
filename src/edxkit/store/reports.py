"""Reports in the database: save a draft, edit the impression, sign, add addenda, verify.

The report document is ``edxkit.report/1`` (:mod:`edxkit.report.model`); its states and hashes are those
of :mod:`edxkit.report.states`. Only physicians draft, sign and add addenda. Signing stores the signed
document with its SHA-256 content hash, the signer and the time; from then on the row is frozen three
times over: these functions refuse, the ORM ``before_update`` event refuses, and a database trigger
refuses any UPDATE or DELETE of a signed row from any client. Addenda are rows of their own
(append-only, chained by hash); :func:`report_document` assembles them into the ``amended`` document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from edxkit.report.model import Addendum, Report
from edxkit.report.states import ReportStateError, add_addendum, content_hash, set_impression, sign, verify
from edxkit.store.audit import record
from edxkit.store.auth import require
from edxkit.store.errors import ConcurrentEditError, NotFoundError, ReportLockedError
from edxkit.store.models import ImpressionRow, ReportAddendum, ReportRow, StudyRow, User, utcnow
from edxkit.store.studies import get_study


def get_report(session: Session, study_id: int | str) -> ReportRow | None:
    """The report row of a study, or None when no draft was saved yet."""
    study = get_study(session, study_id)
    return session.scalar(select(ReportRow).where(ReportRow.study_id == study.id))


def _aware(time: dt.datetime) -> dt.datetime:
    """UTC, whatever the driver returns (SQLite: naive UTC; PostgreSQL: the session's time zone)."""
    return time.replace(tzinfo=dt.UTC) if time.tzinfo is None else time.astimezone(dt.UTC)


def report_document(row: ReportRow) -> Report:
    """The stored report with its addenda (state ``amended`` when there are any)."""
    report = Report.model_validate(row.document)
    if not row.addenda:
        return report
    addenda = [
        Addendum(text=a.text, author=a.author, time=_aware(a.time), content_hash=a.content_hash)
        for a in row.addenda
    ]
    signature = report.signature.model_copy(update={"state": "amended", "addenda": addenda})
    return report.model_copy(update={"signature": signature})


def _summary(report: Report) -> dict[str, Any]:
    return {
        "state": report.signature.state,
        "impression": report.impression.text,
        "content_hash": content_hash(report),
    }


def _locked(row: ReportRow) -> None:
    if row.signed_at is not None:
        raise ReportLockedError(
            f"the report was signed by {row.document.get('signature', {}).get('signed_by')} and cannot be "
            "changed; add an addendum instead"
        )


def _check_version(row: ReportRow, expected_version: int | None) -> None:
    """``expected_version`` None means the caller saw no report row: an existing one is a conflict."""
    if row.version != expected_version:
        raise ConcurrentEditError("report", str(row.id), expected_version, row.version)


def _sync_impression(session: Session, study: StudyRow, report: Report, actor: User) -> None:
    row = session.scalar(select(ImpressionRow).where(ImpressionRow.study_id == study.id))
    if row is None:
        row = ImpressionRow(study_id=study.id)
        session.add(row)
    row.text = report.impression.text
    row.items = {"items": [i.model_dump(mode="json") for i in report.impression.items]}
    row.edited = report.impression.edited
    row.updated_at = utcnow()
    row.updated_by_id = actor.id


def _is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


def _flush(session: Session, row: ReportRow, expected_version: int | None) -> None:
    """Flush; a concurrent save of the same row (version check or a second first-draft) is a conflict."""
    name = "draft" if row.id is None else str(row.id)  # a failed flush expires the row: read it first
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentEditError("report", name, expected_version, None) from None
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        raise ConcurrentEditError("report", name, expected_version, None) from None


def save_draft(
    session: Session,
    actor: User,
    study_id: int | str,
    report: Report,
    *,
    expected_version: int | None = None,
) -> ReportRow:
    """Store the draft ``report`` as the study's report (replacing the draft of ``expected_version``).

    ``expected_version`` is the report row version the user saw; None means they saw no saved draft, so
    a row saved since (by anyone) raises :class:`ConcurrentEditError` instead of being overwritten.
    """
    actor = require(session, actor, "report.draft")
    study = get_study(session, study_id)
    if report.signature.state != "draft":
        raise ReportStateError("only a draft can be saved; sign it with sign_report")
    if report.header.study_id != study.external_id:
        raise ReportStateError(f"the report is of study {report.header.study_id}, not {study.external_id}")
    row = session.scalar(select(ReportRow).where(ReportRow.study_id == study.id))
    now = utcnow()
    before = None
    if row is None:
        row = ReportRow(study_id=study.id, state="draft", document={}, created_at=now)
        session.add(row)
    else:
        _locked(row)
        _check_version(row, expected_version)
        before = _summary(Report.model_validate(row.document))
    row.document = report.model_dump(mode="json", by_alias=True)
    row.updated_at, row.updated_by_id = now, actor.id
    _sync_impression(session, study, report, actor)
    _flush(session, row, expected_version)
    record(
        session,
        actor,
        "report.save_draft",
        "report",
        row.id,
        before=before,
        after=_summary(report),
        study_id=study.id,
    )
    return row


def edit_impression(
    session: Session, actor: User, study_id: int | str, text: str, *, expected_version: int
) -> ReportRow:
    """Replace the impression text of the draft report."""
    actor = require(session, actor, "report.draft")
    row = get_report(session, study_id)
    if row is None:
        raise NotFoundError(f"study {study_id!r} has no report yet")
    _locked(row)
    _check_version(row, expected_version)
    report = Report.model_validate(row.document)
    return save_draft(
        session, actor, study_id, set_impression(report, text), expected_version=expected_version
    )


def sign_report(
    session: Session,
    actor: User,
    study_id: int | str,
    *,
    expected_version: int,
    expected_study_version: int | None = None,
    time: dt.datetime | None = None,
) -> ReportRow:
    """Sign the draft (physicians only): signer, time and content hash; the row never changes again.

    The study row is locked in the same transaction by a version-checked UPDATE that bumps its version
    (``UPDATE studies SET version = v + 1 WHERE id = ? AND version = v``): a study edit that committed
    after the report was built makes the sign fail with :class:`ConcurrentEditError`, and an edit that
    read the study before the sign committed fails its own version check, so a signed report always
    matches the study it froze. ``expected_study_version`` is the study version the signer looked at.
    """
    actor = require(session, actor, "report.sign")
    row = get_report(session, study_id)
    if row is None:
        raise NotFoundError(f"study {study_id!r} has no report to sign")
    _locked(row)
    _check_version(row, expected_version)
    _lock_study(session, get_study(session, study_id), expected_study_version)
    signed = sign(Report.model_validate(row.document), signer=actor.display_name, time=time)
    assert signed.signature.signed_at is not None
    row.document = signed.model_dump(mode="json", by_alias=True)
    row.state = "signed"
    row.content_hash = signed.signature.content_hash
    row.signed_by_id = actor.id
    row.signed_at = signed.signature.signed_at
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    _flush(session, row, expected_version)
    record(
        session,
        actor,
        "report.sign",
        "report",
        row.id,
        before={"state": "draft"},
        after={"state": "signed", "signed_by": actor.display_name, "content_hash": row.content_hash},
        study_id=row.study_id,
    )
    return row


def _lock_study(session: Session, study: StudyRow, expected_version: int | None) -> None:
    """Check the study is at ``expected_version`` (when given) and bump its version, guarded by it."""
    seen = study.version
    if expected_version is not None and seen != expected_version:
        raise ConcurrentEditError("study", study.external_id, expected_version, seen)
    done = session.execute(
        update(StudyRow)
        .where(StudyRow.id == study.id, StudyRow.version == seen)
        .values(version=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentEditError("study", study.external_id, seen, None)
    session.expire(study, ["version"])


def add_report_addendum(session: Session, actor: User, study_id: int | str, text: str) -> ReportAddendum:
    """Append an addendum to the signed report (physicians only), chained to the report by hash."""
    actor = require(session, actor, "report.addendum")
    row = get_report(session, study_id)
    if row is None or row.signed_at is None:
        raise ReportStateError("only a signed report takes addenda: sign the draft first")
    amended = add_addendum(report_document(row), text=text, author=actor.display_name)
    new = amended.signature.addenda[-1]
    addendum = ReportAddendum(
        report_id=row.id,
        seq=len(row.addenda) + 1,
        text=new.text,
        author=new.author,
        author_id=actor.id,
        time=new.time,
        content_hash=new.content_hash,
    )
    session.add(addendum)
    name = str(row.id)  # a failed flush expires the row: read what the message needs first
    try:
        session.flush()
    except IntegrityError as exc:  # another addendum took this sequence number first
        if not _is_unique_violation(exc):
            raise
        raise ConcurrentEditError("report", name, None, None) from None
    session.refresh(row, ["addenda"])
    record(
        session,
        actor,
        "report.addendum",
        "report",
        row.id,
        after={"seq": addendum.seq, "text": new.text},
        study_id=row.study_id,
    )
    return addendum


def verify_report(session: Session, study_id: int | str) -> list[str]:
    """Problems with the stored report's hashes (empty: intact or a plain draft)."""
    row = get_report(session, study_id)
    if row is None:
        return []
    report = report_document(row)
    problems = verify(report)
    if row.signed_at is not None and row.content_hash != report.signature.content_hash:
        problems.append("the stored content hash differs from the report's signature")
    return problems
