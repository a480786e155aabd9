"""SQLAlchemy 2 models of the store: users, patients, studies, waveforms, measurements, reports, audit log.

The study document (``edxkit.study/1`` as JSON) is the canonical study: the analysis reads it, edits change
it. ``measurements`` is the per-value index of it and of the latest analysis, each row saying where its
value came from (``auto``, ``edited``, ``entered``) and who set it. Waveform samples are raw little-endian
float arrays in a binary column (not JSON text). Every table is created by the Alembic migrations in
``edxkit.store.migrations``; a test checks that the migrated schema equals this metadata.

Signed reports, their addenda and the audit log are append-only: the service layer refuses changes, an ORM
event refuses them in this process, and database triggers (created by migration 0001) refuse them for any
client.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from edxkit.store.errors import AppendOnlyError, ReportLockedError

Role = Literal["technologist", "physician", "admin"]
ROLES: tuple[Role, ...] = ("technologist", "physician", "admin")
SOURCES = ("auto", "edited", "entered")
REPORT_STATES = ("draft", "signed")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL (binary, indexable).
Document = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: Document,
        dt.datetime: DateTime(timezone=True),
    }


class User(Base):
    """A person who signs in: technologist (enters, edits), physician (also interprets, signs), admin."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('technologist', 'physician', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class WebSession(Base):
    """A server-side sign-in session; the browser holds only the token, stored here as its SHA-256."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship()


class PatientRow(Base):
    """A patient; ``external_id`` is the study file's ``patient.id``."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16), default="unknown")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    studies: Mapped[list[StudyRow]] = relationship(back_populates="patient")


class StudyRow(Base):
    """A study: its canonical ``edxkit.study/1`` document and a version for optimistic concurrency.

    ``version`` is SQLAlchemy's ``version_id_col``: every UPDATE checks the version it read and bumps it,
    so of two concurrent edits the second fails instead of silently overwriting the first.
    """

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    performed: Mapped[dt.date] = mapped_column(Date)
    indication: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, Any]]
    source_name: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient: Mapped[PatientRow] = relationship(back_populates="studies")
    waveforms: Mapped[list[WaveformRow]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="WaveformRow.id", passive_deletes=True
    )
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="Measurement.id", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WaveformRow(Base):
    """One sweep or needle recording of a study; samples as raw little-endian float32 or float64.

    ``role`` is ``ncs`` (an evoked sweep of ``nerve/kind/side/site``; ``sweep`` numbers the sweeps of a
    ``channel: all`` train) or ``needle`` (``muscle/side/condition``). ``ref`` is the document path of
    the waveform reference (``ncs[0].sites[1].waveform``, ``emg[2].recordings[0]``).
    """

    __tablename__ = "waveforms"
    __table_args__ = (
        UniqueConstraint("study_id", "ref", "sweep"),
        CheckConstraint("role IN ('ncs', 'needle')", name="role"),
        CheckConstraint("dtype IN ('<f4', '<f8')", name="dtype"),
        CheckConstraint("units IN ('uV', 'mV')", name="units"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(128))
    sweep: Mapped[int] = mapped_column(Integer, default=0)
    all_channels: Mapped[bool] = mapped_column(Boolean, default=False)
    nerve: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    site: Mapped[str | None] = mapped_column(String(64))
    muscle: Mapped[str | None] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    condition: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(255))
    fs_hz: Mapped[float] = mapped_column(Float)
    units: Mapped[str] = mapped_column(String(4))
    start_s: Mapped[float] = mapped_column(Float, default=0.0)
    stimulus_s: Mapped[float | None] = mapped_column(Float)
    n_samples: Mapped[int] = mapped_column(Integer)
    dtype: Mapped[str] = mapped_column(String(4))
    blocks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    quality: Mapped[dict[str, Any]] = mapped_column(default=dict)
    samples: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    study: Mapped[StudyRow] = relationship(back_populates="waveforms")


class Measurement(Base):
    """One value of a study table and its source: ``auto`` (analysis), ``edited`` (marker moved), ``entered``.

    ``key`` names the row and field: ``ncs/median/motor/right/wrist/onset_latency_ms`` (a repetitive
    stimulation site adds ``@post_exercise``), ``emg/deltoid/left/fibrillations``. Numbers are in
    ``value``, grades and words (``2+``, ``absent``, ``reduced``) in ``text``.
    """

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("study_id", "key"),
        CheckConstraint("source IN ('auto', 'edited', 'entered')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[dt.datetime | None]

    study: Mapped[StudyRow] = relationship(back_populates="measurements")


class ImpressionRow(Base):
    """The physician's impression of a study (text and the coded items it was built from)."""

    __tablename__ = "impressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    items: Mapped[dict[str, Any]] = mapped_column(default=dict)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReportRow(Base):
    """The report of a study (``edxkit.report/1`` JSON); once ``signed_at`` is set the row never changes.

    Addenda live in ``report_addenda`` (append-only), so signing freezes this row completely; the
    ``amended`` state of the report document is derived from the presence of addenda.
    """

    __tablename__ = "reports"
    __table_args__ = (CheckConstraint("state IN ('draft', 'signed')", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(8), default="draft")
    document: Mapped[dict[str, Any]]
    content_hash: Mapped[str | None] = mapped_column(String(64))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    addenda: Mapped[list[ReportAddendum]] = relationship(
        back_populates="report", order_by="ReportAddendum.seq", cascade="save-update, merge"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReportAddendum(Base):
    """One addendum to a signed report, chained by hash to the report and the addenda before it."""

    __tablename__ = "report_addenda"
    __table_args__ = (UniqueConstraint("report_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    time: Mapped[dt.datetime]
    content_hash: Mapped[str] = mapped_column(String(64))

    report: Mapped[ReportRow] = relationship(back_populates="addenda")


class AuditEntry(Base):
    """Who changed what and when, with the values before and after (append-only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    study_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(Document)
    after: Mapped[dict[str, Any] | None] = mapped_column(Document)


def _was_signed(target: ReportRow) -> bool:
    """Whether the report was signed as last loaded from the database (not as changed in memory)."""
    history = inspect(target).attrs.signed_at.history
    loaded = history.unchanged or history.deleted
    return bool(loaded and loaded[0] is not None)


@event.listens_for(ReportRow, "before_update")
def _refuse_signed_report_update(_mapper: Mapper[Any], _connection: Any, target: ReportRow) -> None:
    if _was_signed(target):
        raise ReportLockedError("a signed report cannot be changed; add an addendum instead")


@event.listens_for(ReportRow, "before_delete")
def _refuse_signed_report_delete(_mapper: Mapper[Any], _connection: Any, target: ReportRow) -> None:
    if _was_signed(target):
        raise ReportLockedError("a signed report cannot be deleted")


@event.listens_for(ReportAddendum, "before_update")
@event.listens_for(ReportAddendum, "before_delete")
@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_append_only_change(_mapper: Mapper[Any], _connection: Any, target: Base) -> None:
    raise AppendOnlyError(f"{type(target).__tablename__} is append-only: rows cannot be changed or deleted")
