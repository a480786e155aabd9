"""Authorization matrix: every role against every action of the web app (allowed → 200/303, denied → 403).

Technologists enter and edit; physicians also interpret (impression), sign and add addenda; admins manage
users. Both physicians and admins read the audit log. Denied requests change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from edxkit.store.models import StudyRow, WaveformRow
from edxkit.store.studies import count_rows
from webapp import Client, copy_study, import_folder, make_app, small_study

ROLES = ("technologist", "physician", "admin")
CLINICAL = {"technologist", "physician"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("authz")
    app = make_app(root / "authz.db")
    ids = {"edit": import_folder(app, copy_study(small_study(), root / "edit", "AZ-EDIT"))}
    for role in ROLES:
        ids[f"sign-{role}"] = import_folder(
            app, copy_study(small_study(), root / f"s-{role}", f"AZ-SIGN-{role}")
        )
    ids["signed"] = import_folder(app, copy_study(small_study(), root / "signed", "AZ-SIGNED"))
    phys = Client(app, "physician")
    version = _version(app, ids["signed"])
    assert phys.post(f"/studies/{ids['signed']}/report/sign", {"study_version": version}).status_code == 303
    with app.state.edx.db.sessions() as session:
        ids["wave"] = session.scalar(select(WaveformRow.id).where(WaveformRow.study_id == ids["edit"]))
    return {"app": app, "ids": ids, "clients": {role: Client(app, role) for role in ROLES}}


def _version(app: Any, pk: int) -> int:
    with app.state.edx.db.sessions() as session:
        return session.get(StudyRow, pk).version


Action = Callable[[Client, dict[str, Any], str], Any]


def _edit(path: str, **fields: Any) -> Action:
    def run(client: Client, w: dict[str, Any], _role: str) -> Any:
        pk = w["ids"]["edit"]
        return client.post(path.format(pk=pk), {"version": _version(w["app"], pk), **fields})

    return run


ACTIONS: dict[str, tuple[Action, set[str]]] = {
    "list studies": (lambda c, w, r: c.get("/studies"), CLINICAL),
    "open study page": (lambda c, w, r: c.get(f"/studies/{w['ids']['edit']}"), CLINICAL),
    "read waveform": (
        lambda c, w, r: c.get(f"/api/waveforms/{w['ids']['wave']}", params={"points": 64}),
        CLINICAL,
    ),
    "move marker": (_edit("/api/studies/{pk}/markers", nerve_index=0, site_index=0, onset_ms=3.5), CLINICAL),
    "enter value": (
        _edit("/api/studies/{pk}/values", nerve_index=0, site_index=0, field="duration_ms", value="6.0"),
        CLINICAL,
    ),
    "set finding": (
        _edit("/api/studies/{pk}/findings", muscle_index=0, field="recruitment", value="reduced"),
        CLINICAL,
    ),
    "open new-study page": (lambda c, w, r: c.get("/studies/new"), CLINICAL),
    "create study by hand": (
        lambda c, w, r: c.post(
            "/studies/manual",
            {
                "study_id": f"AZ-MAN-{r}",
                "patient_id": "P-AZ",
                "age": "40",
                "performed": "2026-01-02",
                "tables": "",
            },
        ),
        CLINICAL,
    ),
    "view report": (lambda c, w, r: c.get(f"/studies/{w['ids']['edit']}/report"), CLINICAL),
    "edit impression": (
        lambda c, w, r: c.post(
            f"/studies/{w['ids']['edit']}/report/impression",
            {"text": f"Impression by {r}.", "study_version": _version(w["app"], w["ids"]["edit"])},
        ),
        {"physician"},
    ),
    "sign report": (
        lambda c, w, r: c.post(
            f"/studies/{w['ids'][f'sign-{r}']}/report/sign",
            {"study_version": _version(w["app"], w["ids"][f"sign-{r}"])},
        ),
        {"physician"},
    ),
    "add addendum": (
        lambda c, w, r: c.post(
            f"/studies/{w['ids']['signed']}/report/addendum", {"text": f"Addendum by {r}."}
        ),
        {"physician"},
    ),
    "list users": (lambda c, w, r: c.get("/admin/users"), {"admin"}),
    "create user": (
        lambda c, w, r: c.post(
            "/admin/users", {"username": f"new-{r}", "password": "long-password-1", "role": "technologist"}
        ),
        {"admin"},
    ),
    "read audit log": (lambda c, w, r: c.get("/admin/audit"), {"physician", "admin"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_may_do_exactly_the_actions_of_its_role(world: dict[str, Any], action: str, role: str) -> None:
    run, allowed = ACTIONS[action]
    app = world["app"]
    with app.state.edx.db.sessions() as session:
        before = count_rows(session)
    response = run(world["clients"][role], world, role)
    if role in allowed:
        assert response.status_code in (200, 303), (
            f"{role} {action}: {response.status_code} {response.text[:300]}"
        )
    else:
        assert response.status_code == 403, f"{role} {action}: {response.status_code}"
        with app.state.edx.db.sessions() as session:
            after = count_rows(session)
        assert after == before, f"denied {action} by {role} changed rows"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/studies/{pk}/markers", {"nerve_index": 0, "site_index": 0, "onset_ms": 3.5}),
        (
            "/api/studies/{pk}/values",
            {"nerve_index": 0, "site_index": 0, "field": "duration_ms", "value": "6"},
        ),
        ("/api/studies/{pk}/findings", {"muscle_index": 0, "field": "recruitment", "value": "reduced"}),
    ],
)
def test_edit_by_a_role_that_may_not_edit_is_refused_before_the_study_is_analysed(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, path: str, fields: dict[str, Any]
) -> None:
    from edxkit.web.routes import studies

    def analysis_must_not_run(*_args: Any) -> Any:
        raise AssertionError("the study was analysed for a user who may not edit it")

    monkeypatch.setattr(studies, "_current", analysis_must_not_run)
    pk = world["ids"]["edit"]
    response = world["clients"]["admin"].post(
        path.format(pk=pk), {"version": _version(world["app"], pk), **fields}
    )
    assert response.status_code == 403 and "study.edit" in response.json()["detail"]
