"""The report: preview (HTML), PDF download, impression edit, sign, addendum.

Until it is signed the report is built from the study's current analysis (with figures) and the
physician's impression text saved with the draft. Signing saves that draft and signs it in one
transaction, checking that the study is still at the version the physician was looking at; from then on
the report is the stored, signed document (plus addenda) and never changes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from edxkit.report.build import build_report
from edxkit.report.files import render
from edxkit.report.model import Report
from edxkit.report.states import ReportStateError, set_impression
from edxkit.store.errors import ConcurrentEditError
from edxkit.store.models import User
from edxkit.store.reports import (
    add_report_addendum,
    get_report,
    report_document,
    save_draft,
    sign_report,
    verify_report,
)
from edxkit.store.studies import get_study
from edxkit.web.deps import MAX_ID, CtxDep, IdPath, VersionForm, app_state
from edxkit.web.pages import render as render_page
from edxkit.web.service import analysed
from edxkit.web.state import AppState

router = APIRouter()

REPORT_VERSION = Annotated[int | None, Form(ge=0, le=MAX_ID)]


def current_report(state: AppState, pk: int, actor: User) -> tuple[Report, int, int | None]:
    """(report, study version, stored report row version): the signed one, or the draft built now."""
    with state.db.sessions() as session:
        study_version = get_study(session, pk).version
        row = get_report(session, pk)
        if row is not None and row.signed_at is not None:
            return report_document(row), study_version, row.version
        stored = Report.model_validate(row.document) if row is not None else None
        row_version = row.version if row is not None else None
    key = (pk, study_version, row_version)
    report = state.drafts.get(key)
    if report is None:
        item = analysed(state, pk, study_version, actor)
        report = build_report(item.study, item.result, figures=True)
        if stored is not None and stored.impression.edited:
            report = set_impression(report, stored.impression.text)
        state.drafts.put(key, report)
    return report, study_version, row_version


@router.get("/studies/{pk}/report", response_class=HTMLResponse)
def report_page(request: Request, pk: IdPath, ctx: CtxDep) -> HTMLResponse:
    ctx.require("report.view")
    state = app_state(request)
    report, study_version, row_version = current_report(state, pk, ctx.user)
    with state.db.sessions() as session:
        problems = verify_report(session, pk)
    return render_page(
        request,
        ctx,
        "report.html",
        pk=pk,
        report=report,
        study_version=study_version,
        report_version=row_version,
        problems=problems,
    )


@router.get("/studies/{pk}/report.html", response_class=HTMLResponse)
def report_html(request: Request, pk: IdPath, ctx: CtxDep, paper: str = "a4") -> HTMLResponse:
    ctx.require("report.view")
    report, _, _ = current_report(app_state(request), pk, ctx.user)
    return HTMLResponse(render(report, "html", paper=paper).decode("utf-8"))


@router.get("/studies/{pk}/report.pdf")
def report_pdf(request: Request, pk: IdPath, ctx: CtxDep, paper: str = "a4") -> Response:
    ctx.require("report.view")
    report, _, _ = current_report(app_state(request), pk, ctx.user)
    name = f"report-{report.header.study_id}-{report.signature.state}.pdf"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Response(
        render(report, "pdf", paper=paper),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def _check_seen(
    pk: int, study_version: int, row_version: int | None, seen_study: int, seen_report: int | None
) -> None:
    """The page the user submitted must show the study and report versions the request now works on.

    ``seen_report`` None means the page showed no saved draft: a row saved since is a conflict too.
    """
    if study_version != seen_study:
        raise ConcurrentEditError("study", str(pk), seen_study, study_version)
    if row_version != seen_report:
        raise ConcurrentEditError("report", "draft", seen_report, row_version)


@router.post("/studies/{pk}/report/impression")
def post_impression(
    request: Request,
    pk: IdPath,
    ctx: CtxDep,
    text: Annotated[str, Form(max_length=20_000)],
    study_version: VersionForm,
    report_version: REPORT_VERSION = None,
) -> Response:
    """Save the physician's impression with the draft (physicians only).

    The form carries the study and report versions the physician saw (an empty report version: no draft
    was saved yet); the store checks the report version again when it writes, so of two physicians
    editing the same draft the second gets 409 instead of silently overwriting the first.
    """
    ctx.require("report.draft")
    state = app_state(request)
    report, now_study, row_version = current_report(state, pk, ctx.user)
    _check_seen(pk, now_study, row_version, study_version, report_version)
    try:
        draft = set_impression(report, text)
    except ReportStateError as exc:
        raise HTTPException(409 if "signed" in str(exc) else 400, str(exc)) from None
    with state.db.transaction() as session:
        if get_study(session, pk).version != study_version:
            raise ConcurrentEditError("study", str(pk), study_version, None)
        save_draft(session, ctx.user, pk, draft, expected_version=report_version)
    return RedirectResponse(f"/studies/{pk}/report", status_code=303)


@router.post("/studies/{pk}/report/sign")
def post_sign(
    request: Request,
    pk: IdPath,
    ctx: CtxDep,
    study_version: VersionForm,
    report_version: REPORT_VERSION = None,
) -> Response:
    """Save the draft as previewed and sign it (physicians only); a changed study or draft is a conflict.

    The report signed is the one built for exactly the study and report versions on the signer's page;
    the store signs only if both are still current, checking and bumping the study version in the same
    transaction, so an edit that commits first makes the sign fail (409) and vice versa.
    """
    ctx.require("report.sign")
    state = app_state(request)
    report, now_study, row_version = current_report(state, pk, ctx.user)
    if report.signature.state != "draft":
        raise ReportStateError("the report is already signed; add an addendum instead")
    _check_seen(pk, now_study, row_version, study_version, report_version)
    with state.db.transaction() as session:
        row = save_draft(session, ctx.user, pk, report, expected_version=report_version)
        sign_report(session, ctx.user, pk, expected_version=row.version, expected_study_version=study_version)
    return RedirectResponse(f"/studies/{pk}/report", status_code=303)


@router.post("/studies/{pk}/report/addendum")
def post_addendum(
    request: Request, pk: IdPath, ctx: CtxDep, text: Annotated[str, Form(max_length=20_000)]
) -> Response:
    """Append a signed addendum to the signed report (physicians only)."""
    ctx.require("report.addendum")
    state = app_state(request)
    with state.db.transaction() as session:
        add_report_addendum(session, ctx.user, pk, text)
    return RedirectResponse(f"/studies/{pk}/report", status_code=303)
