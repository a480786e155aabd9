"""Support for the web tests: an app on a fresh SQLite file with one user per role, a small simulated
study folder, and a client that logs in and sends the CSRF token."""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from edxkit.store.auth import configure_password_hashing, create_user
from edxkit.store.models import User
from edxkit.store.studies import import_study
from edxkit.web import create_app
from edxkit.web.config import WebSettings

PASSWORDS = {"admin": "admin-pass-1", "physician": "physician-pass-1", "technologist": "tech-pass-12"}
ROLES = {"admin": "admin", "physician": "physician", "technologist": "technologist"}


def simulate_small(folder: Path, scenario: str = "carpal_tunnel_mild", seed: int = 3) -> Path:
    """A simulated study folder with short, 10 kHz needle recordings (fast to simulate and analyse)."""
    from edxkit.simulate.study import NeedleSettings, simulate_study

    needle = NeedleSettings(fs_hz=10_000.0, rest_s=1.0, minimal_s=1.0, minimal_sites=1)
    return simulate_study(scenario, folder, seed=seed, needle=needle).parent


@functools.cache
def small_study() -> Path:
    """One small simulated study folder per test run (copy it before changing it)."""
    return simulate_small(Path(tempfile.mkdtemp(prefix="edxkit-webtest-")) / "study")


def copy_study(folder: Path, dest: Path, study_id: str, **patient: Any) -> Path:
    """A copy of a study folder with another study id (and patient fields, e.g. a name)."""
    shutil.copytree(folder, dest)
    path = dest / "study.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["id"] = study_id
    doc["patient"].update(patient)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return dest


def make_app(
    db_path: Path | None, settings: WebSettings | None = None, *, url: str | None = None, **engine: Any
) -> FastAPI:
    """The app on a new SQLite file (or ``url``) with the users admin, physician and technologist.

    Their hashes use cheap Argon2id parameters (verification reads them from the hash), to keep tests fast.
    """
    app = create_app(url or f"sqlite:///{db_path}", settings=settings, engine_kwargs=engine)
    configure_password_hashing(time_cost=1, memory_cost_kib=1024, parallelism=1)
    try:
        _add_users(app)
    finally:
        configure_password_hashing()
    return app


def _add_users(app: FastAPI) -> None:
    with app.state.edx.db.transaction() as session:
        admin = None
        for name, role in ROLES.items():
            user = create_user(
                session, admin, username=name, password=PASSWORDS[name], role=role, full_name=f"{name} user"
            )  # type: ignore[arg-type]
            admin = admin or user


def import_folder(app: FastAPI, folder: Path) -> int:
    """Import a study folder as the technologist; the study's database id."""
    with app.state.edx.db.transaction() as session:
        tech = session.scalar(select(User).where(User.username == "technologist"))
        return import_study(session, tech, folder).id


class Client:
    """A test client logged in as one user; ``post`` sends the session's CSRF token unless told not to."""

    def __init__(self, app: FastAPI, username: str | None = None) -> None:
        self.http = TestClient(app)
        self.csrf = ""
        if username is not None:
            self.login(username)

    def login(self, username: str, password: str | None = None) -> Any:
        page = self.http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        response = self.http.post(
            "/login",
            data={
                "username": username,
                "password": password or PASSWORDS[username],
                "csrf_token": token.group(1),
            },
            follow_redirects=False,
        )
        if response.status_code == 303:
            self.csrf = self.page_csrf()
        return response

    def page_csrf(self) -> str:
        """The session's CSRF token as a page carries it."""
        for url in ("/studies/new", "/admin/users"):
            found = re.search(r'<meta name="csrf-token" content="([^"]*)"', self.http.get(url).text)
            if found is not None and found.group(1):
                return found.group(1)
        raise AssertionError("no page carried a CSRF token")

    def get(self, url: str, **kw: Any) -> Any:
        return self.http.get(url, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: str | None = "session", **kw: Any
    ) -> Any:
        headers = dict(kw.pop("headers", {}))
        if csrf == "session":
            headers["X-CSRF-Token"] = self.csrf
        elif csrf is not None:
            headers["X-CSRF-Token"] = csrf
        kw.setdefault("follow_redirects", False)
        return self.http.post(url, data=data, headers=headers, **kw)
