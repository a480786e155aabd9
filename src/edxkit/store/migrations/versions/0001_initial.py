"""Initial schema: users, sessions, patients, studies, waveforms, measurements, impressions, reports,
addenda and the audit log, with triggers that keep signed reports, addenda and the audit log unchanged.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the column type (a migration must not follow later changes of the models).
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TZ = sa.DateTime(timezone=True)

# Append-only guards: (table, the condition under which an UPDATE or DELETE is refused, message).
GUARDS = (
    ("reports", "OLD.signed_at IS NOT NULL", "a signed report cannot be changed or deleted"),
    ("report_addenda", None, "report addenda are append-only"),
    ("audit_log", None, "the audit log is append-only"),
)


def _create_tables() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("role IN ('technologist', 'physician', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("external_id", name=op.f("uq_patients_external_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=True),
        sa.Column("before", DOCUMENT, nullable=True),
        sa.Column("after", DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_study_id"), "audit_log", ["study_id"])
    _create_session_and_study_tables()


def _create_session_and_study_tables() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"])
    op.create_table(
        "studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("performed", sa.Date(), nullable=False),
        sa.Column("indication", sa.Text(), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_studies_created_by_id_users")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_studies_patient_id_patients")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_studies_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studies")),
        sa.UniqueConstraint("external_id", name=op.f("uq_studies_external_id")),
    )
    op.create_index(op.f("ix_studies_patient_id"), "studies", ["patient_id"])
    _create_waveform_tables()


def _create_waveform_tables() -> None:
    op.create_table(
        "waveforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("sweep", sa.Integer(), nullable=False),
        sa.Column("all_channels", sa.Boolean(), nullable=False),
        sa.Column("nerve", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("site", sa.String(length=64), nullable=True),
        sa.Column("muscle", sa.String(length=64), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("condition", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("fs_hz", sa.Float(), nullable=False),
        sa.Column("units", sa.String(length=4), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("stimulus_s", sa.Float(), nullable=True),
        sa.Column("n_samples", sa.Integer(), nullable=False),
        sa.Column("dtype", sa.String(length=4), nullable=False),
        sa.Column("blocks", DOCUMENT, nullable=False),
        sa.Column("quality", DOCUMENT, nullable=False),
        sa.Column("samples", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("dtype IN ('<f4', '<f8')", name=op.f("ck_waveforms_dtype")),
        sa.CheckConstraint("role IN ('ncs', 'needle')", name=op.f("ck_waveforms_role")),
        sa.CheckConstraint("units IN ('uV', 'mV')", name=op.f("ck_waveforms_units")),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_waveforms_study_id_studies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waveforms")),
        sa.UniqueConstraint("study_id", "ref", "sweep", name=op.f("uq_waveforms_study_id_ref_sweep")),
    )
    op.create_index(op.f("ix_waveforms_study_id"), "waveforms", ["study_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Samples are incompressible floats: store them out of line without trying pglz on every write.
        op.execute("ALTER TABLE waveforms ALTER COLUMN samples SET STORAGE EXTERNAL")
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("edited_at", TZ, nullable=True),
        sa.CheckConstraint("source IN ('auto', 'edited', 'entered')", name=op.f("ck_measurements_source")),
        sa.ForeignKeyConstraint(
            ["edited_by_id"], ["users.id"], name=op.f("fk_measurements_edited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_measurements_study_id_studies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
        sa.UniqueConstraint("study_id", "key", name=op.f("uq_measurements_study_id_key")),
    )
    op.create_index(op.f("ix_measurements_study_id"), "measurements", ["study_id"])
    _create_report_tables()


def _create_report_tables() -> None:
    op.create_table(
        "impressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("items", DOCUMENT, nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_impressions_study_id_studies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_impressions_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impressions")),
        sa.UniqueConstraint("study_id", name=op.f("uq_impressions_study_id")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'signed')", name=op.f("ck_reports_state")),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_reports_signed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_reports_study_id_studies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_reports_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("study_id", name=op.f("uq_reports_study_id")),
    )
    op.create_table(
        "report_addenda",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("time", TZ, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_report_addenda_author_id_users")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_addenda_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_addenda")),
        sa.UniqueConstraint("report_id", "seq", name=op.f("uq_report_addenda_report_id_seq")),
    )
    op.create_index(op.f("ix_report_addenda_report_id"), "report_addenda", ["report_id"])


def _create_guards() -> None:
    """Triggers refusing UPDATE and DELETE of signed reports, addenda and audit entries, for any client."""
    dialect = op.get_bind().dialect.name
    for table, condition, message in GUARDS:
        if dialect == "sqlite":
            when = f"WHEN {condition} " if condition else ""
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} FOR EACH ROW "
                    f"{when}BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        elif dialect == "postgresql":
            test = f"IF {condition} THEN " if condition else ""
            end = " END IF;" if condition else ""
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {test}RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';"
                f"{end} IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def _drop_guards() -> None:
    dialect = op.get_bind().dialect.name
    for table, _condition, _message in GUARDS:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def upgrade() -> None:
    _create_tables()
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    for index, table in (
        ("ix_report_addenda_report_id", "report_addenda"),
        ("ix_measurements_study_id", "measurements"),
        ("ix_waveforms_study_id", "waveforms"),
        ("ix_studies_patient_id", "studies"),
        ("ix_web_sessions_user_id", "web_sessions"),
        ("ix_audit_log_study_id", "audit_log"),
        ("ix_audit_log_at", "audit_log"),
    ):
        op.drop_index(op.f(index), table_name=table)
    for table in (
        "report_addenda",
        "reports",
        "impressions",
        "measurements",
        "waveforms",
        "studies",
        "web_sessions",
        "audit_log",
        "patients",
        "users",
    ):
        op.drop_table(table)
