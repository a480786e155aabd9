"""New studies: upload a study file or zipped study folder, simulate a scenario, or enter one by hand."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from edxkit.errors import EdxInputError
from edxkit.io.study import load_yaml
from edxkit.model import Study
from edxkit.simulate.scenarios import SCENARIOS
from edxkit.store.models import StudyRow
from edxkit.store.studies import ImportLimits, add_study, import_study
from edxkit.web.deps import Ctx, CtxDep, app_state
from edxkit.web.pages import render
from edxkit.web.uploads import MB, save_upload

router = APIRouter()

MANUAL_EXAMPLE = """\
ncs:
  - nerve: median
    kind: motor
    side: right
    record: APB
    sites:
      - {site: wrist, distance_mm: 70, onset_latency_ms: 3.6, amplitude_mv: 8.2}
      - {site: elbow, segment_mm: 220, onset_latency_ms: 7.5, amplitude_mv: 7.9}
emg:
  - muscle: FDI
    side: right
    findings: {fibrillations: 0, recruitment: normal}
"""


def _page(
    request: Request, ctx: Ctx, status: int = 200, error: str | None = None, **form: Any
) -> HTMLResponse:
    state = app_state(request)
    return render(
        request,
        ctx,
        "new_study.html",
        status_code=status,
        flashes=[("error", error)] if error else [],
        scenarios=list(SCENARIOS),
        max_upload_mb=state.settings.max_upload_mb,
        max_recording_s=state.settings.max_recording_s,
        manual_example=MANUAL_EXAMPLE,
        form=form,
        today=dt.date.today().isoformat(),
    )


def without_folder(message: str, folder: Path) -> str:
    """``message`` with the server's temporary ``folder`` removed from the paths it names.

    Paths inside an unpacked archive become the archive's own member paths (``study/ncs/x.csv``), an
    uploaded study file becomes its name.
    """
    for base in dict.fromkeys((folder, folder.resolve())):
        for prefix in (base / "study", base):
            message = message.replace(f"{prefix}{os.sep}", "")
            message = re.sub(re.escape(str(prefix)) + r"(?=[:\s'\"]|$)", ".", message)
    return message


@router.get("/studies/new", response_class=HTMLResponse)
def new_study_page(request: Request, ctx: CtxDep) -> HTMLResponse:
    ctx.require("study.import")
    return _page(request, ctx)


def _limits(request: Request) -> ImportLimits:
    s = app_state(request).settings
    return ImportLimits(
        max_file_bytes=int(s.max_upload_mb * MB),
        max_total_bytes=int(s.max_unpacked_mb * MB),
        max_duration_s=s.max_recording_s,
    )


def _import_folder(request: Request, ctx: Ctx, path: Path) -> int:
    state = app_state(request)
    with state.db.transaction() as session:
        row = import_study(session, ctx.user, path, limits=_limits(request))
        return row.id


@router.post("/studies/upload")
def upload_study(request: Request, ctx: CtxDep, file: Annotated[UploadFile, File()]) -> Response:
    """A study file or zipped study folder; any problem is shown on the form and nothing is stored."""
    ctx.require("study.import")
    settings = app_state(request).settings
    with tempfile.TemporaryDirectory(prefix="edxkit-upload-") as tmp:
        try:
            path = save_upload(
                file.filename or "upload",
                file.file,
                Path(tmp),
                max_bytes=int(settings.max_upload_mb * MB),
                max_unpacked=int(settings.max_unpacked_mb * MB),
            )
            pk = _import_folder(request, ctx, path)
        except EdxInputError as exc:
            reason = without_folder(str(exc), Path(tmp))
            return _page(request, ctx, 400, f"Upload refused, nothing was stored: {reason}")
    return RedirectResponse(f"/studies/{pk}", status_code=303)


@router.post("/studies/simulate")
def simulate_study_route(
    request: Request,
    ctx: CtxDep,
    scenario: Annotated[str, Form(max_length=64)],
    seed: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Simulate a named clinical scenario (for training and testing) and import it as a new study."""
    ctx.require("study.import")
    if scenario not in SCENARIOS:
        return _page(request, ctx, 400, f"Unknown scenario {scenario!r}.")
    from edxkit.simulate.study import simulate_study

    with tempfile.TemporaryDirectory(prefix="edxkit-sim-") as tmp:
        path = simulate_study(scenario, Path(tmp) / "study", seed=seed)
        state = app_state(request)
        with state.db.sessions() as session:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            taken = session.scalar(select(StudyRow.id).where(StudyRow.external_id == doc["id"]))
        if taken is not None:
            return _page(request, ctx, 400, f"Study {doc['id']} already exists: choose another seed.")
        try:
            pk = _import_folder(request, ctx, path.parent)
        except EdxInputError as exc:
            reason = without_folder(str(exc), Path(tmp))
            return _page(request, ctx, 400, f"Simulation could not be stored: {reason}")
    return RedirectResponse(f"/studies/{pk}", status_code=303)


@router.post("/studies/manual")
def manual_study(
    request: Request,
    ctx: CtxDep,
    study_id: Annotated[str, Form(min_length=1, max_length=64)],
    patient_id: Annotated[str, Form(min_length=1, max_length=64)],
    age: Annotated[float, Form(ge=0, le=120)],
    performed: Annotated[str, Form(max_length=10)],
    sex: Annotated[str, Form(max_length=8)] = "unknown",
    patient_name: Annotated[str, Form(max_length=200)] = "",
    height_cm: Annotated[str, Form(max_length=8)] = "",
    indication: Annotated[str, Form(max_length=2000)] = "",
    tables: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    """A study typed in: patient and study details, and NCS/EMG rows with entered values (YAML)."""
    ctx.require("study.import")
    form = {
        k: v
        for k, v in locals().items()
        if k in ("study_id", "patient_id", "patient_name", "indication", "tables")
    }
    try:
        extra = load_yaml(tables) if tables.strip() else {}
    except yaml.YAMLError as exc:
        return _page(request, ctx, 400, f"The tables are not valid YAML: {exc}", **form)
    if not isinstance(extra, dict) or set(extra) - {"ncs", "emg"}:
        return _page(request, ctx, 400, "The tables must be a mapping with 'ncs' and/or 'emg' lists.", **form)
    document: dict[str, Any] = {
        "schema": "edxkit.study/1",
        "id": study_id.strip(),
        "patient": {"id": patient_id.strip(), "age": age, "sex": sex},
        "performed": performed,
        "indication": indication.strip(),
        **extra,
    }
    if patient_name.strip():
        document["patient"]["name"] = patient_name.strip()
    if height_cm.strip():
        document["patient"]["height_cm"] = height_cm.strip()
    try:
        study = Study.model_validate(document)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return _page(request, ctx, 400, f"{where}: {err['msg']}", **form)
    if any(site.waveform for n in study.ncs for site in n.sites) or any(m.recordings for m in study.emg):
        return _page(
            request, ctx, 400, "Waveform files cannot be typed in: upload a study folder instead.", **form
        )
    state = app_state(request)
    with state.db.transaction() as session:
        if session.scalar(select(StudyRow.id).where(StudyRow.external_id == study.id)) is not None:
            return _page(request, ctx, 400, f"Study {study.id} already exists.", **form)
        row = add_study(session, ctx.user, study, [], source_name="entered by hand")
        pk = row.id
    return RedirectResponse(f"/studies/{pk}", status_code=303)
