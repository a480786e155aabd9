"""Measurement rows: every value of a study's tables with where it came from (auto, edited, entered).

Keys name the table row and the field: ``ncs/{nerve}/{kind}/{side}/{site}[@{condition}]/{field}`` for a
nerve-conduction site, ``ncs/{nerve}/{kind}/{side}/summary/{field}`` for F-wave, H-reflex and repetitive
stimulation summaries, ``emg/{muscle}/{side}/{field}`` for a muscle. Entered values and hand-moved markers
come from the study document (source ``entered`` / ``edited``); :func:`record_analysis` adds the analysis's
values with the source the analysis reports, so a manual value keeps overriding the automatic one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from edxkit.model import Study
from edxkit.store.audit import record
from edxkit.store.models import Measurement, StudyRow, User

_SKIP_SITE = {"site", "distance_mm", "segment_mm", "abnormal", "limits", "notes", "sources", "source"}


def site_key(nerve: str, kind: str, side: str, site: str, field: str, condition: str | None = None) -> str:
    """Key of one field of a nerve-conduction site."""
    where = f"{site}@{condition}" if condition else site
    return f"ncs/{nerve}/{kind}/{side}/{where}/{field}"


def muscle_key(muscle: str, side: str, field: str) -> str:
    """Key of one field of a muscle's needle examination."""
    return f"emg/{muscle}/{side}/{field}"


def _value(value: Any) -> tuple[float | None, str | None] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value), None
    if isinstance(value, str):
        return None, value[:64]
    return None


def _row(key: str, field: str, value: Any, source: str) -> Measurement | None:
    parsed = _value(value)
    if parsed is None:
        return None
    number, text = parsed
    return Measurement(key=key, field=field, value=number, text=text, source=source)


def entered_measurements(study: Study) -> Iterator[Measurement]:
    """Rows for the values typed into a study document and the markers moved by hand."""
    for nerve in study.ncs:
        for site in nerve.sites:
            for field, value in site.entered_fields.items():
                key = site_key(nerve.nerve, nerve.kind, nerve.side, site.site, field, site.condition)
                row = _row(key, field, value, "entered")
                if row is not None:
                    yield row
            if site.markers is not None:
                for field, value in site.markers.model_dump(exclude_none=True).items():
                    key = site_key(
                        nerve.nerve, nerve.kind, nerve.side, site.site, f"marker_{field}", site.condition
                    )
                    row = _row(key, f"marker_{field}", value, "edited")
                    if row is not None:
                        yield row
    for exam in study.emg:
        findings = exam.findings.model_dump(exclude_none=True, exclude_defaults=True)
        for field, value in findings.items():
            text = ", ".join(value) if isinstance(value, list) else value
            row = _row(muscle_key(exam.muscle, exam.side, field), field, text, "entered")
            if row is not None:
                yield row


def result_measurements(result: dict[str, Any]) -> Iterator[Measurement]:
    """Rows for an ``edxkit.result/1`` dict: every site value and summary number, every muscle grade."""
    for nerve in result.get("ncs", []):
        base = (nerve["nerve"], nerve["kind"], nerve["side"])
        for site in nerve.get("sites", []):
            sources = site.get("sources", {})
            for field, value in site.items():
                if field in _SKIP_SITE:
                    continue
                key = site_key(*base, site["site"], field, site.get("condition"))
                row = _row(key, field, value, sources.get(field, site.get("source", "auto")))
                if row is not None:
                    yield row
        for field, value in (nerve.get("summary") or {}).items():
            row = _row(f"ncs/{'/'.join(base)}/summary/{field}", field, value, "auto")
            if row is not None:
                yield row
    for muscle in result.get("emg", []):
        entered = muscle.get("findings", {})
        values = {**muscle.get("spontaneous", {}), "classification": muscle.get("classification")}
        values |= {f"muap_{k}": v for k, v in (muscle.get("muap") or {}).items()}
        for field, value in values.items():
            source = "entered" if field in entered else "auto"
            row = _row(muscle_key(muscle["muscle"], muscle["side"], field), field, value, source)
            if row is not None:
                yield row


def record_analysis(session: Session, actor: User, study_id: int | str, result: dict[str, Any]) -> int:
    """Store an analysis result (``edxkit.result/1`` dict) of a study; returns the number of rows.

    Earlier automatic values are replaced; rows edited or entered by a user keep who and when; automatic
    rows absent from ``result`` are removed. The audit log records how many values changed; an analysis
    that changes no value (the same study analysed again, e.g. when the web app's cache is refilled by a
    page view) adds no audit entry.
    """
    from edxkit.store.auth import require
    from edxkit.store.studies import get_study

    actor = require(session, actor, "study.analyze")
    study = get_study(session, study_id)
    existing = {m.key: m for m in study.measurements}
    changed = 0
    seen = set()
    for new in result_measurements(result):
        seen.add(new.key)
        old = existing.get(new.key)
        if old is None:
            study.measurements.append(new)
            changed += 1
            continue
        if (old.value, old.text, old.source) != (new.value, new.text, new.source):
            changed += 1
            old.value, old.text = new.value, new.text
            if new.source == "auto" or old.source == "auto":
                old.source = new.source
    for key, old in existing.items():
        if key not in seen and old.source == "auto":
            study.measurements.remove(old)
            changed += 1
    session.flush()
    if changed:
        after = {"measurements": len(study.measurements), "changed": changed, "norms": result.get("norms")}
        record(session, actor, "study.analyze", "study", study.external_id, after=after, study_id=study.id)
    return len(study.measurements)


def set_measurement(
    session: Session,
    study: StudyRow,
    *,
    key: str,
    field: str,
    value: float | str | None,
    source: str,
    user_id: int | None,
    when: dt.datetime,
) -> Measurement | None:
    """Create, update or (value None) delete one measurement row of ``study``."""
    row = session.scalar(select(Measurement).where(Measurement.study_id == study.id, Measurement.key == key))
    if value is None:
        if row is not None:
            study.measurements.remove(row)
        return None
    parsed = _value(value)
    number, text = parsed if parsed is not None else (None, None)
    if row is None:
        row = Measurement(key=key, field=field)
        study.measurements.append(row)
    row.value, row.text, row.source = number, text, source
    row.edited_by_id, row.edited_at = user_id, when
    return row
