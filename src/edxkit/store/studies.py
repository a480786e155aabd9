"""Studies in the database: import a study file or folder with its waveforms, and rebuild it for analysis.

Import reads and checks everything first — the study file against ``edxkit.study/1``, every waveform
file against the size and duration limits, every sample — and only then adds rows, so a bad upload raises
one :class:`~edxkit.errors.EdxInputError` and, with the caller's transaction rolled back, leaves nothing.

The analysis reads waveforms through study files (``Study.resolve``), so :func:`materialized` writes a
stored study back out as a folder — ``study.json`` plus one ``.npy`` (+ JSON sidecar) per waveform
reference, bit-exact float64 — and yields the loaded :class:`edxkit.model.Study`; analysis and report
building run on it unchanged. :func:`load_waveforms` gives :class:`~edxkit.waveform.Waveform` objects
directly (for viewers), without files.
"""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value

from edxkit.errors import EdxInputError
from edxkit.io.dispatch import open_recording, write_waveforms
from edxkit.io.study import find_study_file, load_study
from edxkit.model import Study, WaveformRef
from edxkit.store.audit import record
from edxkit.store.auth import require
from edxkit.store.blobs import Precision, decode_samples, encode_samples
from edxkit.store.errors import NotFoundError, StoreError
from edxkit.store.models import PatientRow, StudyRow, User, WaveformRow, utcnow
from edxkit.waveform import Quality, Waveform

if TYPE_CHECKING:
    from edxkit.simulate.study import NeedleSettings

MB = 1024 * 1024
ID_LENGTH = 64  # length of the study and patient id columns


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Limits on an upload; exceeding one is an EdxInputError naming the file, the limit and the size."""

    max_file_bytes: int = 256 * MB
    max_total_bytes: int = 1024 * MB
    max_duration_s: float = 900.0
    max_waveforms: int = 2000


@dataclass(slots=True)
class UploadedRecording:
    """One waveform reference of the study and the sweeps read from it."""

    ref: str
    ref_obj: WaveformRef
    keys: dict[str, str | None]
    sweeps: list[Waveform] = field(default_factory=list)


def _references(study: Study) -> Iterator[tuple[str, WaveformRef, dict[str, str | None]]]:
    for i, nerve in enumerate(study.ncs):
        for j, site in enumerate(nerve.sites):
            if site.waveform is not None:
                keys: dict[str, str | None] = {"role": "ncs", "nerve": nerve.nerve, "kind": nerve.kind}
                keys |= {"side": nerve.side, "site": site.site, "condition": site.condition}
                yield f"ncs[{i}].sites[{j}].waveform", site.waveform, keys
    for i, exam in enumerate(study.emg):
        for j, rec in enumerate(exam.recordings):
            needle: dict[str, str | None] = {"role": "needle", "muscle": exam.muscle, "side": exam.side}
            yield f"emg[{i}].recordings[{j}]", rec, {**needle, "condition": rec.condition}


def _read_recording(study: Study, ref: str, ref_obj: WaveformRef, limits: ImportLimits) -> list[Waveform]:
    path = study.resolve(ref_obj.file)
    if path.exists() and path.stat().st_size > limits.max_file_bytes:
        raise EdxInputError(
            path,
            ref,
            f"file is {path.stat().st_size / MB:.3g} MB; uploads are limited to "
            f"{limits.max_file_bytes / MB:.3g} MB a file",
        )
    with open_recording(path) as recording:
        channels = (
            list(recording.info.channels) if ref_obj.all_channels else [recording.channel(ref_obj.channel)]
        )
        for info in channels:
            if info.duration_s > limits.max_duration_s:
                raise EdxInputError(
                    path,
                    ref,
                    f"channel {info.label!r} lasts {info.duration_s:.3g} s; recordings are limited to "
                    f"{limits.max_duration_s:.3g} s",
                )
        return [recording.read(info.index) for info in channels]


def read_study_upload(
    path: str | Path, *, limits: ImportLimits = ImportLimits(), confine: bool = True
) -> tuple[Study, list[UploadedRecording]]:
    """Load and check a study file or folder and read every waveform it names (nothing is written).

    With ``confine`` (the default, and what a server must use) every waveform file must lie inside the
    study file's folder: an uploaded study cannot make the server read ``/etc/...`` or ``../other``.
    """
    study = load_study(path)
    file = find_study_file(path)
    refs = list(_references(study))
    if confine:
        root = file.resolve().parent
        for ref, ref_obj, _ in refs:
            if not study.resolve(ref_obj.file).resolve().is_relative_to(root):
                raise EdxInputError(file, ref, f"{ref_obj.file!r} lies outside the study folder")
    if len(refs) > limits.max_waveforms:
        raise EdxInputError(file, "waveforms", f"{len(refs)} recordings; at most {limits.max_waveforms}")
    total = sum(study.resolve(r.file).stat().st_size for _, r, _ in refs if study.resolve(r.file).exists())
    if total > limits.max_total_bytes:
        raise EdxInputError(
            file,
            "waveforms",
            f"recordings total {total / MB:.3g} MB; an upload is limited to "
            f"{limits.max_total_bytes / MB:.3g} MB",
        )
    recordings = []
    for ref, ref_obj, keys in refs:
        sweeps = _read_recording(study, ref, ref_obj, limits)
        recordings.append(UploadedRecording(ref, ref_obj, keys, sweeps))
    return study, recordings


def import_study(
    session: Session,
    actor: User,
    path: str | Path,
    *,
    limits: ImportLimits = ImportLimits(),
    precision: Precision = "exact",
    confine: bool = True,
) -> StudyRow:
    """Import a study file or folder with all its waveforms; returns the new study row (flushed).

    Raises EdxInputError (bad study file, missing or unreadable waveform, over a limit, study id already
    stored) before anything is added to the session.
    """
    actor = require(session, actor, "study.import")
    study, recordings = read_study_upload(path, limits=limits, confine=confine)
    file = find_study_file(path)
    return add_study(session, actor, study, recordings, source_name=file.name, precision=precision, file=file)


def add_study(
    session: Session,
    actor: User,
    study: Study,
    recordings: Sequence[UploadedRecording],
    *,
    source_name: str = "",
    precision: Precision = "exact",
    file: str | Path | None = None,
) -> StudyRow:
    """Add the rows of a checked study (from :func:`read_study_upload`, or typed in) and flush.

    EdxInputError (naming ``file``) when the study id is taken or an id is too long for its column.
    """
    from edxkit.store.measurements import entered_measurements

    actor = require(session, actor, "study.import")
    where = file if file is not None else (source_name or f"study {study.id}")
    for field_name, value in (("id", study.id), ("patient.id", study.patient.id)):
        if len(value) > ID_LENGTH:
            raise EdxInputError(where, field_name, f"{len(value)} characters; ids have at most {ID_LENGTH}")
    if session.scalar(select(StudyRow.id).where(StudyRow.external_id == study.id)) is not None:
        raise EdxInputError(where, "id", f"study {study.id!r} is already in the database")

    patient = session.scalar(select(PatientRow).where(PatientRow.external_id == study.patient.id))
    if patient is None:
        p = study.patient
        patient = PatientRow(external_id=p.id, name=p.name, birth_date=p.birth_date, sex=p.sex)
        session.add(patient)
    now = utcnow()
    row = StudyRow(
        external_id=study.id,
        patient=patient,
        performed=study.performed,
        indication=study.indication,
        document=study.to_document(),
        source_name=source_name,
        created_at=now,
        created_by_id=actor.id,
        updated_at=now,
        updated_by_id=actor.id,
    )
    session.add(row)
    for rec in recordings:
        for index, sweep in enumerate(rec.sweeps):
            row.waveforms.append(_waveform_row(rec, index, sweep, precision))
    for measurement in entered_measurements(study):
        row.measurements.append(measurement)
    session.flush()
    record(
        session,
        actor,
        "study.import",
        "study",
        row.external_id,
        after={"source": source_name, "waveforms": len(row.waveforms), "document": row.document},
        study_id=row.id,
    )
    return row


def _waveform_row(rec: UploadedRecording, index: int, sweep: Waveform, precision: Precision) -> WaveformRow:
    data, dtype = encode_samples(sweep.samples, precision=precision)
    quality = sweep.quality
    return WaveformRow(
        role=rec.keys["role"],
        ref=rec.ref,
        sweep=index,
        all_channels=rec.ref_obj.all_channels,
        nerve=rec.keys.get("nerve"),
        kind=rec.keys.get("kind"),
        site=rec.keys.get("site"),
        muscle=rec.keys.get("muscle"),
        side=rec.keys["side"],
        condition=rec.keys.get("condition"),
        channel=sweep.channel[:64],
        file_name=rec.ref_obj.file[:255],
        fs_hz=sweep.fs_hz,
        units=sweep.units,
        start_s=sweep.start_s,
        stimulus_s=sweep.stimulus_s,
        n_samples=sweep.n_samples,
        dtype=dtype,
        blocks={"blocks": [list(b) for b in sweep.blocks]},
        quality={
            "clipped_count": quality.clipped_count,
            "clipped_low": quality.clipped_low,
            "clipped_high": quality.clipped_high,
            "clipped_suspected": quality.clipped_suspected,
        },
        samples=data,
    )


def ensure_demo_study(
    session: Session,
    actor: User,
    *,
    scenario: str = "carpal_tunnel_moderate",
    seed: int = 1,
    needle: NeedleSettings | None = None,
) -> StudyRow | None:
    """On an empty database, import a simulated demo study (``edx serve``'s first start); else None.

    The needle recordings default to 20 kHz, 2 s at rest and 2 s at minimal effort at 2 positions.
    """
    from edxkit.simulate.study import NeedleSettings, simulate_study

    if session.scalar(select(StudyRow.id).limit(1)) is not None:
        return None
    needle = needle or NeedleSettings(fs_hz=20000.0, rest_s=2.0, minimal_s=2.0, minimal_sites=2)
    with tempfile.TemporaryDirectory(prefix="edxkit-demo-") as tmp:
        path = simulate_study(scenario, tmp, seed=seed, needle=needle)
        return import_study(session, actor, path)


def get_study(session: Session, study_id: int | str) -> StudyRow:
    """The study row by database id (int) or study id (str, e.g. ``S-0001``)."""
    if isinstance(study_id, int):
        row = session.get(StudyRow, study_id)
    else:
        row = session.scalar(select(StudyRow).where(StudyRow.external_id == study_id))
    if row is None:
        raise NotFoundError(f"no study {study_id!r}")
    return row


def list_studies(session: Session, *, limit: int = 200) -> Sequence[StudyRow]:
    """Studies, most recently changed first."""
    return session.scalars(select(StudyRow).order_by(StudyRow.updated_at.desc()).limit(limit)).all()


def study_model(row: StudyRow) -> Study:
    """The stored document as an :class:`edxkit.model.Study` (waveform files are not resolvable)."""
    return Study.model_validate(row.document)


def to_waveform(row: WaveformRow) -> Waveform:
    """A :class:`~edxkit.waveform.Waveform` from a stored row (samples bit-exact for ``<f8`` rows)."""
    q = row.quality or {}
    return Waveform(
        samples=decode_samples(row.samples, row.dtype, row.n_samples),
        fs_hz=row.fs_hz,
        units="uV" if row.units == "uV" else "mV",
        channel=row.channel,
        source=f"db:{row.study_id}/{row.ref}#{row.sweep}",
        start_s=row.start_s,
        stimulus_s=row.stimulus_s,
        blocks=tuple((int(i), float(t)) for i, t in (row.blocks or {}).get("blocks", [])),
        quality=Quality(
            clipped_count=int(q.get("clipped_count", 0)),
            clipped_low=int(q.get("clipped_low", 0)),
            clipped_high=int(q.get("clipped_high", 0)),
            clipped_suspected=bool(q.get("clipped_suspected", False)),
        ),
    )


def load_waveforms(
    session: Session, study_id: int, *, ref: str | None = None
) -> list[tuple[WaveformRow, Waveform]]:
    """The study's waveforms (all, or those of one reference such as ``ncs[0].sites[1].waveform``)."""
    binary = session.get_bind().dialect.name == "postgresql"
    query = select(WaveformRow).where(WaveformRow.study_id == study_id)
    if not binary:
        query = query.options(undefer(WaveformRow.samples))
    if ref is not None:
        query = query.where(WaveformRow.ref == ref)
    rows = session.scalars(query.order_by(WaveformRow.ref, WaveformRow.sweep)).all()
    if binary:
        _fetch_samples_binary(session, rows)
    return [(row, to_waveform(row)) for row in rows]


def load_waveform(session: Session, waveform_id: int) -> tuple[WaveformRow, Waveform]:
    """One stored waveform by its row id (binary transfer on PostgreSQL)."""
    row = session.get(WaveformRow, waveform_id)
    if row is None:
        raise NotFoundError(f"no waveform {waveform_id}")
    if session.get_bind().dialect.name == "postgresql":
        _fetch_samples_binary(session, [row])
    return row, to_waveform(row)


def _fetch_samples_binary(session: Session, rows: Sequence[WaveformRow]) -> None:
    """Load ``samples`` of PostgreSQL rows over psycopg's binary protocol (3-4x faster than hex text)."""
    missing = [row for row in rows if "samples" not in row.__dict__]
    if not missing:
        return
    driver = session.connection().connection.driver_connection
    table = WaveformRow.__tablename__
    with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        cursor.execute(f"SELECT id, samples FROM {table} WHERE id = ANY(%s)", ([row.id for row in missing],))
        data = dict(cursor.fetchall())
    for row in missing:
        set_committed_value(row, "samples", bytes(data[row.id]))


def _slug(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", ref).strip("_")


def materialize(session: Session, study_id: int, folder: str | Path) -> Study:
    """Write the stored study into ``folder`` (``study.json`` + ``waveforms/*.npy``) and load it."""
    row = session.get(StudyRow, study_id)
    if row is None:
        raise NotFoundError(f"no study {study_id!r}")
    folder = Path(folder)
    document: dict[str, Any] = copy.deepcopy(row.document)
    groups: dict[str, list[tuple[WaveformRow, Waveform]]] = {}
    for wrow, waveform in load_waveforms(session, study_id):
        groups.setdefault(wrow.ref, []).append((wrow, waveform))
    for ref, items in groups.items():
        name = f"waveforms/{_slug(ref)}/{_slug(Path(items[0][0].file_name).stem) or 'waveform'}.npy"
        sweeps = [w for _, w in items]
        if any(w.fs_hz != sweeps[0].fs_hz or w.n_samples != sweeps[0].n_samples for w in sweeps):
            raise StoreError(f"study {row.external_id}: the sweeps of {ref} differ in rate or length")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_waveforms(folder / name, sweeps)
        target = _document_node(document, ref)
        target["file"] = name
        target["channel"] = "all" if items[0][0].all_channels else 0
    (folder / "study.json").write_text(_json(document), encoding="utf-8")
    return load_study(folder / "study.json")


def _document_node(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", ref):
        node = node[name]
        if index:
            node = node[int(index)]
    if not isinstance(node, dict):
        raise StoreError(f"waveform reference {ref!r} does not name a mapping in the study document")
    return node


def _json(document: dict[str, Any]) -> str:
    import json

    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


@contextmanager
def materialized(session: Session, study_id: int, *, folder: str | Path | None = None) -> Iterator[Study]:
    """The stored study as a loaded Study whose waveform files exist while the block runs.

    ``with materialized(session, sid) as study: result = analyze_study(study)`` runs the analysis (and
    report building, which draws the traces) on the database's waveforms; the temporary folder is
    removed afterwards unless ``folder`` is given.
    """
    if folder is not None:
        yield materialize(session, study_id, folder)
        return
    with tempfile.TemporaryDirectory(prefix="edxkit-study-") as tmp:
        yield materialize(session, study_id, tmp)


def count_rows(session: Session) -> dict[str, int]:
    """Number of rows in each table of the store (for checks and the admin page)."""
    from edxkit.store.models import Base

    return {
        name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for name, table in Base.metadata.tables.items()
    }
