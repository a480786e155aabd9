"""Study list with search, the study page, and in-place edits (markers, entered values, needle findings)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import func, or_, select

from edxkit.errors import EdxInputError
from edxkit.store.edits import enter_value, move_marker, set_finding
from edxkit.store.models import PatientRow, ReportRow, StudyRow
from edxkit.store.studies import get_study, load_waveforms
from edxkit.web.analysis import Analysed
from edxkit.web.decimation import trace_window
from edxkit.web.deps import Ctx, CtxDep, IdPath, VersionForm, app_state
from edxkit.web.pages import render
from edxkit.web.service import analysed, refreshed
from edxkit.web.views import (
    FINDING_CHOICES,
    MULTI_FINDINGS,
    muscle_views,
    nerve_views,
    report_row,
    report_state,
    special_tables,
    study_header,
)

router = APIRouter()
VIEW_POINTS = 4000


@router.get("/studies", response_class=HTMLResponse)
def study_list(request: Request, ctx: CtxDep, q: str = "") -> HTMLResponse:
    ctx.require("study.view")
    state = app_state(request)
    q = q.strip()[:100]
    query = select(StudyRow, PatientRow).join(PatientRow, StudyRow.patient_id == PatientRow.id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(StudyRow.external_id).like(like),
                func.lower(StudyRow.indication).like(like),
                func.lower(PatientRow.external_id).like(like),
                func.lower(func.coalesce(PatientRow.name, "")).like(like),
            )
        )
    with state.db.sessions() as session:
        rows = session.execute(query.order_by(StudyRow.updated_at.desc()).limit(200)).all()
        states = dict(
            session.execute(
                select(ReportRow.study_id, ReportRow.signed_at).where(
                    ReportRow.study_id.in_([s.id for s, _ in rows])
                )
            ).all()
        )
        studies = [
            {
                "id": s.id,
                "external_id": s.external_id,
                "patient_id": p.external_id,
                "patient_name": p.name,
                "performed": s.performed.isoformat(),
                "indication": s.indication,
                "report_state": "signed" if states.get(s.id) is not None else "draft",
            }
            for s, p in rows
        ]
    return render(request, ctx, "studies.html", studies=studies, q=q)


def _current(request: Request, ctx: Ctx, pk: int) -> tuple[int, Analysed]:
    state = app_state(request)
    with state.db.sessions() as session:
        version = get_study(session, pk).version
    return version, analysed(state, pk, version, ctx.user)


@router.get("/studies/{pk}", response_class=HTMLResponse)
def study_page(request: Request, pk: IdPath, ctx: CtxDep) -> HTMLResponse:
    ctx.require("study.view")
    state = app_state(request)
    version, item = _current(request, ctx, pk)
    with state.db.sessions() as session:
        row = get_study(session, pk)
        muscles = muscle_views(session, row, item)
        rstate = report_state(report_row(session, pk))
        header = study_header(row, item)
    return render(
        request,
        ctx,
        "study.html",
        pk=pk,
        version=version,
        header=header,
        nerves=nerve_views(item),
        specials=special_tables(item),
        report=item.report,
        muscles=muscles,
        choices=FINDING_CHOICES,
        multi=MULTI_FINDINGS,
        report_state=rstate,
        can_edit=ctx.can("study.edit") and rstate == "draft",
    )


@router.get("/api/studies/{pk}/ncs/{index}")
def nerve_sweeps(request: Request, pk: IdPath, index: int, ctx: CtxDep) -> dict[str, Any]:
    """The sweeps of nerve study ``index`` (ms from the stimulus, in the table's units) with their markers."""
    ctx.require("study.view")
    state = app_state(request)
    version, item = _current(request, ctx, pk)
    if not 0 <= index < len(item.study.ncs):
        raise HTTPException(404, f"study has no nerve study {index}")
    nerve = item.study.ncs[index]
    measured = item.result.ncs[index]
    unit = "mV" if nerve.kind == "motor" else "uV"
    sweeps = []
    with state.db.sessions() as session:
        for j, site in enumerate(nerve.sites):
            if site.waveform is None:
                continue
            loaded = load_waveforms(session, pk, ref=f"ncs[{index}].sites[{j}].waveform")
            if not loaded:
                continue
            wave = loaded[0][1]
            if wave.stimulus_s is None:
                continue
            sweeps.append(
                _sweep_json(j, site.site, wave, unit, measured.sites[j] if j < len(measured.sites) else None)
            )
    return {"version": version, "index": index, "kind": nerve.kind, "unit": unit, "sweeps": sweeps}


def _sweep_json(j: int, site: str, wave: Any, unit: str, res: Any) -> dict[str, Any]:
    values = np.nan_to_num(wave.in_units(unit))
    t_ms = wave.times_ms_from_stimulus()
    window = trace_window(values, 1.0, start_s=0.0, stop_s=float(values.shape[0]), points=VIEW_POINTS)
    reduced = window.values
    dt_ms = float(t_ms[1] - t_ms[0]) * window.dt_s if len(t_ms) > 1 else 1.0
    present = res is not None and res.response == "present"
    return {
        "site_index": j,
        "site": site,
        "t0_ms": round(float(t_ms[0]), 6),
        "dt_ms": round(dt_ms, 9),
        "values": [round(float(v), 5) for v in reduced],
        "onset_ms": res.onset_latency_ms if present else None,
        "peak_ms": res.peak_latency_ms if present else None,
        "source": res.sources.get("onset_latency_ms", res.source) if present else None,
    }


def _edit_response(
    request: Request, ctx: Ctx, pk: int, item: Analysed, nerve_index: int | None
) -> dict[str, Any]:
    """New version, the re-rendered tables and interpretation, and every nerve's markers."""
    state = app_state(request)
    env = state.templates.env
    out: dict[str, Any] = {"version": item.version}
    views = {v.index: v for v in nerve_views(item)}
    if nerve_index is not None and nerve_index in views:
        res = item.result.ncs[nerve_index]
        out["tables_html"] = env.get_template("_nerve_tables.html").render(
            view=views[nerve_index], can_edit=True
        )
        out["markers"] = [
            {
                "site_index": j,
                "onset_ms": s.onset_latency_ms if s.response == "present" else None,
                "peak_ms": s.peak_latency_ms if s.response == "present" else None,
            }
            for j, s in enumerate(res.sites)
        ]
    out["emg_html"] = env.get_template("_emg_table.html").render(
        report=item.report, choices=_choices(), multi=MULTI_FINDINGS, can_edit=True
    )
    out["interpretation_html"] = env.get_template("_interpretation.html").render(report=item.report)
    return out


def _choices() -> dict[str, tuple[str, ...]]:
    return FINDING_CHOICES


def _site_address(item: Analysed, nerve_index: int, site_index: int) -> dict[str, Any]:
    """The store's address of a site (nerve, kind, side, site, condition) from its indexes on the page."""
    if not 0 <= nerve_index < len(item.study.ncs):
        raise HTTPException(404, f"study has no nerve study {nerve_index}")
    nerve = item.study.ncs[nerve_index]
    if not 0 <= site_index < len(nerve.sites):
        raise HTTPException(404, f"{nerve.label} has no site {site_index}")
    site = nerve.sites[site_index]
    return {
        "nerve": nerve.nerve,
        "kind": nerve.kind,
        "side": nerve.side,
        "site": site.site,
        "condition": site.condition,
    }


def _run_edit(
    request: Request, ctx: Ctx, pk: int, version: int, nerve_index: int | None, edit: Any
) -> JSONResponse:
    state = app_state(request)
    ctx.require("study.edit")
    try:
        with state.db.transaction() as session:
            row = edit(session)
            new_version = row.version
    except ValueError as exc:
        if isinstance(exc, EdxInputError):
            raise
        raise HTTPException(400, str(exc)) from None
    if nerve_index is None:
        item = refreshed(state, pk, new_version, ctx.user, previous_version=version)
    else:
        item = analysed(state, pk, new_version, ctx.user, nerve_edited=nerve_index, previous_version=version)
    return JSONResponse(_edit_response(request, ctx, pk, item, nerve_index))


@router.post("/api/studies/{pk}/markers")
def post_marker(
    request: Request,
    pk: IdPath,
    ctx: CtxDep,
    version: VersionForm,
    nerve_index: Annotated[int, Form()],
    site_index: Annotated[int, Form()],
    onset_ms: Annotated[float | None, Form()] = None,
    peak_ms: Annotated[float | None, Form()] = None,
) -> JSONResponse:
    """Move a site's onset and/or peak marker; the nerve is measured again (source ``edited``)."""
    ctx.require("study.edit")  # before the analysis: a role that may not edit gets 403 at once
    _, item = _current(request, ctx, pk)
    where = _site_address(item, nerve_index, site_index)

    def edit(session: Any) -> StudyRow:
        return move_marker(
            session, ctx.user, pk, expected_version=version, **where, onset_ms=onset_ms, peak_ms=peak_ms
        )

    return _run_edit(request, ctx, pk, version, nerve_index, edit)


@router.post("/api/studies/{pk}/values")
def post_value(
    request: Request,
    pk: IdPath,
    ctx: CtxDep,
    version: VersionForm,
    nerve_index: Annotated[int, Form()],
    site_index: Annotated[int, Form()],
    field: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=32)] = "",
) -> JSONResponse:
    """Enter (or with an empty value clear) a measured value of a site; it overrides the automatic one."""
    ctx.require("study.edit")  # before the analysis: a role that may not edit gets 403 at once
    _, item = _current(request, ctx, pk)
    where = _site_address(item, nerve_index, site_index)
    number: float | None = None
    if value.strip():
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise HTTPException(400, f"{value!r} is not a number") from None
        if not np.isfinite(number):
            raise HTTPException(400, f"{value!r} is not a finite number")

    def edit(session: Any) -> StudyRow:
        return enter_value(
            session, ctx.user, pk, expected_version=version, **where, field=field, value=number
        )

    return _run_edit(request, ctx, pk, version, nerve_index, edit)


@router.post("/api/studies/{pk}/findings")
def post_finding(
    request: Request,
    pk: IdPath,
    ctx: CtxDep,
    version: VersionForm,
    muscle_index: Annotated[int, Form()],
    field: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=160)] = "",
) -> JSONResponse:
    """Set (or with an empty value clear) a needle finding of a muscle (source ``entered``).

    A multi-valued finding (other discharges) takes its values separated by commas.
    """
    ctx.require("study.edit")  # before the analysis: a role that may not edit gets 403 at once
    _, item = _current(request, ctx, pk)
    if not 0 <= muscle_index < len(item.study.emg):
        raise HTTPException(404, f"study has no muscle {muscle_index}")
    exam = item.study.emg[muscle_index]
    if field not in FINDING_CHOICES:
        raise HTTPException(400, f"{field!r} is not a needle finding that can be set here")
    values = [v.strip() for v in value.split(",") if v.strip()] if field in MULTI_FINDINGS else [value]
    for v in values:
        if v and v not in FINDING_CHOICES[field]:
            raise HTTPException(400, f"{v!r} is not one of {', '.join(FINDING_CHOICES[field])}")
    entered: str | list[str] | None = (
        (list(dict.fromkeys(values)) or None) if field in MULTI_FINDINGS else (value or None)
    )

    def edit(session: Any) -> StudyRow:
        return set_finding(
            session,
            ctx.user,
            pk,
            expected_version=version,
            muscle=exam.muscle,
            side=exam.side,
            field=field,
            value=entered,
        )

    return _run_edit(request, ctx, pk, version, None, edit)
