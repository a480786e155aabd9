"""API tests of the web app (FastAPI test client, SQLite): sessions, CSRF, tables, marker edits with
recomputed CV, concurrency, escaping, uploads with limits, the waveform endpoint, report sign/addendum."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from edxkit.store.models import Measurement, StudyRow, WaveformRow
from edxkit.store.studies import count_rows
from edxkit.web.config import WebSettings
from webapp import Client, copy_study, import_folder, make_app, small_study

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("web")
    app = make_app(root / "web.db")
    pk = import_folder(app, copy_study(small_study(), root / "a", "WEB-A"))
    xss = import_folder(app, copy_study(small_study(), root / "x", "WEB-XSS", name=XSS, id="P-<b>bold</b>"))
    return app, pk, xss, root


def _cell(html: str, table_id: str, row: int, field: str) -> str:
    """Text of one cell (before its limit/source spans) of a table in the page."""
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr data-row="(\d+)">(.*?)</tr>', table, flags=re.S)
    body = dict(rows)[str(row)]
    found = re.search(rf'data-field="{field}"[^>]*>([^<]*)', body)
    assert found is not None, f"no {field} cell in row {row} of {table_id}"
    return found.group(1).strip()


def _version(app, pk: int) -> int:
    with app.state.edx.db.sessions() as session:
        return session.get(StudyRow, pk).version


def test_login_sets_http_only_session_cookie_and_wrong_password_is_refused(site):
    app, *_ = site
    client = Client(app)
    assert client.login("physician", "wrong-password").status_code == 401
    response = client.login("physician")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "edx_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert client.get("/studies").status_code == 200


def test_pages_redirect_to_login_and_api_answers_401_without_session(site):
    app, pk, *_ = site
    anonymous = Client(app)
    page = anonymous.get(f"/studies/{pk}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert anonymous.get(f"/api/studies/{pk}/ncs/0").status_code == 401


def test_login_without_csrf_token_is_refused(site):
    app, *_ = site
    client = Client(app)
    client.get("/login")
    response = client.http.post("/login", data={"username": "physician", "password": "physician-pass-1"})
    assert response.status_code == 403
    assert "edx_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_edit_without_or_with_wrong_csrf_token_is_403_and_changes_nothing(site, token):
    app, pk, *_ = site
    client = Client(app, "technologist")
    before = _version(app, pk)
    response = client.post(
        f"/api/studies/{pk}/markers",
        {"version": before, "nerve_index": 0, "site_index": 1, "onset_ms": 9.0},
        csrf=token,
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert _version(app, pk) == before


def test_logout_ends_the_server_side_session(site):
    app, *_ = site
    client = Client(app, "physician")
    assert client.post("/logout").status_code == 303
    assert client.get("/studies", follow_redirects=False).status_code == 303


def test_study_list_search_matches_study_id_and_not_others(site):
    app, *_ = site
    client = Client(app, "technologist")
    everything = client.get("/studies").text
    assert "WEB-A" in everything and "WEB-XSS" in everything
    found = client.get("/studies", params={"q": "web-a"}).text
    assert "WEB-A" in found and "WEB-XSS" not in found
    assert "No studies" in client.get("/studies", params={"q": "no-such-study"}).text


def test_study_page_shows_ncs_and_emg_tables_with_abnormal_values_bold_red(site):
    app, pk, *_ = site
    html = Client(app, "physician").get(f"/studies/{pk}").text
    assert 'id="nerve-0-sites"' in html and 'id="emg-table"' in html
    # carpal tunnel: the median sensory study (nerve 2) is abnormal and flagged as such
    abnormal = re.findall(r'<td class="abn[^"]*"[^>]*data-field="([a-z_]+)"', html)
    assert abnormal, "no abnormal cell highlighted in a carpal tunnel study"
    assert ".abn" in Client(app, "physician").get("/static/app.css").text


def test_wide_needle_emg_table_scrolls_in_its_own_box_not_the_page(site):
    app, pk, *_ = site
    client = Client(app, "physician")
    html = client.get(f"/studies/{pk}").text
    assert re.search(r'<div class="table-scroll"><table class="data" id="emg-table">', html)
    assert re.search(r"\.table-scroll\s*\{[^}]*overflow-x:\s*auto", client.get("/static/app.css").text)


def test_dragged_marker_persists_as_edited_and_cv_is_recomputed(site):
    app, pk, *_ = site
    client = Client(app, "technologist")
    page = client.get(f"/studies/{pk}").text
    cv_before = float(_cell(page, "nerve-0-segments", 0, "cv_m_s"))
    sweeps = client.get(f"/api/studies/{pk}/ncs/0").json()
    wrist, elbow = sweeps["sweeps"][0], sweeps["sweeps"][1]
    new_onset = round(elbow["onset_ms"] + 1.0, 3)
    response = client.post(
        f"/api/studies/{pk}/markers",
        {"version": sweeps["version"], "nerve_index": 0, "site_index": 1, "onset_ms": new_onset},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["version"] == sweeps["version"] + 1
    assert data["markers"][1]["onset_ms"] == pytest.approx(new_onset, abs=0.01)
    cv_after = float(_cell(data["tables_html"], "nerve-0-segments", 0, "cv_m_s"))
    expected = 230.0 / (new_onset - wrist["onset_ms"])
    assert cv_after < cv_before
    assert cv_after == pytest.approx(expected, abs=0.6)
    assert 'class="src edited"' in data["tables_html"]
    with app.state.edx.db.sessions() as session:
        rows = session.scalars(
            select(Measurement).where(Measurement.study_id == pk, Measurement.source == "edited")
        ).all()
    assert {r.field for r in rows} >= {"marker_onset_ms", "onset_latency_ms"}


def test_stale_version_edit_is_409_with_a_message_and_no_lost_update(site):
    app, pk, *_ = site
    client = Client(app, "technologist")
    version = _version(app, pk)
    first = client.post(
        f"/api/studies/{pk}/values",
        {"version": version, "nerve_index": 0, "site_index": 0, "field": "amplitude_mv", "value": "7.5"},
    )
    assert first.status_code == 200, first.text
    stale = client.post(
        f"/api/studies/{pk}/values",
        {"version": version, "nerve_index": 0, "site_index": 0, "field": "amplitude_mv", "value": "1.0"},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    with app.state.edx.db.sessions() as session:
        doc = session.get(StudyRow, pk).document
    assert doc["ncs"][0]["sites"][0]["amplitude_mv"] == 7.5


def test_entered_needle_finding_overrides_automatic_and_is_marked_typed(site):
    app, pk, *_ = site
    client = Client(app, "technologist")
    response = client.post(
        f"/api/studies/{pk}/findings",
        {"version": _version(app, pk), "muscle_index": 0, "field": "fibrillations", "value": "2+"},
    )
    assert response.status_code == 200, response.text
    emg = response.json()["emg_html"]
    cell = re.search(
        r'<td class="abn[^"]*" data-field="fibrillations"[^>]*>2\+<span class="src entered"', emg
    )
    assert cell is not None
    bad = client.post(
        f"/api/studies/{pk}/findings",
        {"version": _version(app, pk), "muscle_index": 0, "field": "fibrillations", "value": "9+"},
    )
    assert bad.status_code == 400


def test_other_discharges_are_entered_as_a_list_and_cleared_back_to_automatic(site):
    app, pk, *_ = site
    client = Client(app, "technologist")
    response = client.post(
        f"/api/studies/{pk}/findings",
        {
            "version": _version(app, pk),
            "muscle_index": 0,
            "field": "other_discharges",
            "value": "myotonic,complex_repetitive,myotonic",
        },
    )
    assert response.status_code == 200, response.text
    emg = response.json()["emg_html"]
    cell = re.search(r'<td [^>]*data-field="other_discharges"[^>]*data-multi="1"[^>]*>([^<]*)<span', emg)
    assert cell is not None and cell.group(1) == "myotonic, complex repetitive"
    with app.state.edx.db.sessions() as session:
        doc = session.get(StudyRow, pk).document
    assert doc["emg"][0]["findings"]["other_discharges"] == ["myotonic", "complex_repetitive"]
    bad = client.post(
        f"/api/studies/{pk}/findings",
        {
            "version": _version(app, pk),
            "muscle_index": 0,
            "field": "other_discharges",
            "value": "myotonic,hiccup",
        },
    )
    assert bad.status_code == 400 and "hiccup" in bad.json()["detail"]
    cleared = client.post(
        f"/api/studies/{pk}/findings",
        {"version": _version(app, pk), "muscle_index": 0, "field": "other_discharges", "value": ""},
    )
    assert cleared.status_code == 200, cleared.text
    with app.state.edx.db.sessions() as session:
        doc = session.get(StudyRow, pk).document
    assert (
        doc["emg"][0].get("findings", {}).get("other_discharges", []) == []
    )  # the model's default: none entered
    emg = cleared.json()["emg_html"]
    cell = re.search(r'<td [^>]*data-field="other_discharges"[^>]*>(.*?)</td>', emg, re.S)
    assert cell is not None and "src entered" not in cell.group(1)


def test_finding_choices_are_the_study_models_values() -> None:
    from edxkit.web.views import FINDING_CHOICES, MULTI_FINDINGS

    assert FINDING_CHOICES["fibrillations"] == ("0", "1+", "2+", "3+", "4+")
    assert FINDING_CHOICES["recruitment"] == ("normal", "reduced", "early", "discrete", "none")
    assert "neuromyotonic" in FINDING_CHOICES["other_discharges"]
    assert set(MULTI_FINDINGS) == {"other_discharges"}


@pytest.mark.parametrize(
    "page", ["/studies", "/studies/{pk}", "/studies/{pk}/report", "/studies/{pk}/report.html"]
)
def test_patient_name_with_script_tag_is_escaped_on_every_page(site, page):
    app, _, xss, _ = site
    html = Client(app, "physician").get(page.format(pk=xss), params={"q": "WEB-XSS"}).text
    assert XSS not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _zip(folder: Path, *, extra: dict[str, bytes] | None = None, drop: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel != drop and rel != "truth.json":
                zf.write(path, f"study/{rel}")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_uploaded_zipped_study_folder_is_imported(site):
    app, _, _, root = site
    folder = copy_study(small_study(), root / "up", "WEB-UPLOAD")
    client = Client(app, "technologist")
    response = client.post("/studies/upload", files={"file": ("study.zip", _zip(folder), "application/zip")})
    assert response.status_code == 303
    assert re.fullmatch(r"/studies/\d+", response.headers["location"])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_waveform", "not found"),
        ("zip_slip", "unsafe path"),
        ("not_zip", "not a valid zip"),
        ("bad_yaml", "study"),
        ("wrong_suffix", "upload a study file"),
    ],
)
def test_malformed_upload_is_refused_with_a_message_and_writes_no_rows(site, case, message):
    app, _, _, root = site
    folder = copy_study(small_study(), root / f"bad-{case}", f"WEB-BAD-{case}")
    name, data = "study.zip", b""
    if case == "missing_waveform":
        data = _zip(folder, drop="ncs/right_median_motor_elbow.csv")
    elif case == "zip_slip":
        data = _zip(folder, extra={"../../evil.txt": b"x"})
    elif case == "not_zip":
        data = b"PK\x03\x04 this is not really a zip"
    elif case == "bad_yaml":
        name, data = "study.yaml", b"schema: edxkit.study/1\nid: [unclosed\n"
    elif case == "wrong_suffix":
        name, data = "study.exe", b"MZ"
    client = Client(app, "technologist")  # signing in is audited: do it before counting
    with app.state.edx.db.sessions() as session:
        before = count_rows(session)
    response = client.post("/studies/upload", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 400
    assert "nothing was stored" in response.text and message in response.text.lower()
    with app.state.edx.db.sessions() as session:
        after = count_rows(session)
    assert after == before


@pytest.fixture
def small_limit_app(tmp_path):
    """An app whose uploads are limited to 0.05 MB (the request body to that plus 1 MB)."""
    return make_app(tmp_path / "small.db", WebSettings(max_upload_mb=0.05))


def test_upload_over_the_file_limit_is_refused_naming_the_limit_and_writes_no_study(small_limit_app):
    client = Client(small_limit_app, "technologist")
    response = client.post(
        "/studies/upload", files={"file": ("study.zip", b"0" * 200_000, "application/zip")}
    )
    assert response.status_code == 400
    assert "larger than the limit of 0.05 MB" in response.text and "nothing was stored" in response.text
    with small_limit_app.state.edx.db.sessions() as session:
        assert count_rows(session)["studies"] == 0


def test_request_body_over_the_limit_is_413_before_it_is_read(small_limit_app):
    client = Client(small_limit_app, "technologist")
    response = client.post(
        "/studies/upload", files={"file": ("study.zip", b"0" * 1_200_000, "application/zip")}
    )
    assert response.status_code == 413
    assert (
        "limit of 1.05 MB" in response.json()["detail"] and "nothing was stored" in response.json()["detail"]
    )
    with small_limit_app.state.edx.db.sessions() as session:
        assert count_rows(session)["studies"] == 0


@pytest.fixture(scope="module")
def long_trace(site):
    """A needle recording of 1 000 000 samples (48 kHz, 20.8 s) imported into the store."""
    from edxkit.io import write_waveforms
    from edxkit.waveform import Waveform

    app, _, _, root = site
    folder = root / "long"
    folder.mkdir()
    rng = np.random.default_rng(0)
    samples = rng.normal(0.0, 20.0, 1_000_000)
    samples[500_000] = 3000.0  # one spike that decimation must keep
    write_waveforms(
        folder / "long.npy", [Waveform(samples=samples, fs_hz=48_000.0, units="uV", channel="EMG")]
    )
    (folder / "study.yaml").write_text(
        "schema: edxkit.study/1\nid: WEB-LONG\npatient: {id: P-LONG, age: 50}\nperformed: 2026-01-01\n"
        "emg:\n  - muscle: deltoid\n    side: left\n    recordings:\n"
        "      - {condition: rest, file: long.npy}\n",
        encoding="utf-8",
    )
    pk = import_folder(app, folder)
    with app.state.edx.db.sessions() as session:
        wid = session.scalar(select(WaveformRow.id).where(WaveformRow.study_id == pk))
    return wid, samples


def test_waveform_endpoint_decimates_a_million_samples_to_at_most_points_quickly(site, long_trace):
    app, *_ = site
    wid, samples = long_trace
    client = Client(app, "physician")
    client.get(f"/api/waveforms/{wid}", params={"points": 100})  # first read decodes the blob
    start = time.perf_counter()
    response = client.get(f"/api/waveforms/{wid}", params={"start_s": 0, "points": 2000})
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    data = response.json()
    assert len(data["values"]) <= 2000 and not data["full"]
    assert data["n_samples"] == 1_000_000
    centred = samples - np.median(samples)
    assert max(data["values"]) == pytest.approx(centred.max(), abs=0.01)  # the spike survives
    assert elapsed < 1.0


def test_waveform_endpoint_gives_every_sample_of_a_short_window_and_float32_audio(
    site, long_trace, monkeypatch
):
    app, *_ = site
    wid, samples = long_trace
    client = Client(app, "physician")
    data = client.get(f"/api/waveforms/{wid}", params={"start_s": 1.0, "stop_s": 1.01, "points": 2000}).json()
    assert data["full"] and len(data["values"]) == 480
    centred = samples - np.median(samples)
    np.testing.assert_allclose(data["values"], centred[48_000:48_480], atol=0.01)
    audio = client.get(f"/api/waveforms/{wid}", params={"start_s": 2.0, "stop_s": 3.0, "format": "f32"})
    assert audio.headers["x-fs-hz"] == "48000.0"
    np.testing.assert_allclose(np.frombuffer(audio.content, "<f4"), centred[96_000:144_000], atol=1e-3)
    from edxkit.web.routes import waveforms

    monkeypatch.setattr(waveforms, "MAX_AUDIO_S", 10.0)
    too_long = client.get(f"/api/waveforms/{wid}", params={"start_s": 0, "stop_s": 10.5, "format": "f32"})
    assert too_long.status_code == 400 and "at most 10 s" in too_long.json()["detail"]


def test_sign_locks_the_study_and_report_then_addendum_is_appended(site):
    app, _, _, root = site
    pk = import_folder(app, copy_study(small_study(), root / "sign", "WEB-SIGN"))
    tech, phys = Client(app, "technologist"), Client(app, "physician")
    version = _version(app, pk)
    assert tech.post(f"/studies/{pk}/report/sign", {"study_version": version}).status_code == 403
    signed = phys.post(f"/studies/{pk}/report/sign", {"study_version": version})
    assert signed.status_code == 303, signed.text
    page = phys.get(f"/studies/{pk}/report").text
    assert 'id="report-state">signed' in page and "SHA-256" in page
    marker = tech.post(
        f"/api/studies/{pk}/markers", {"version": version, "nerve_index": 0, "site_index": 0, "onset_ms": 3.0}
    )
    assert marker.status_code == 409 and "signed" in marker.json()["detail"]
    assert phys.post(f"/studies/{pk}/report/sign", {"study_version": version}).status_code == 409
    impression = phys.post(f"/studies/{pk}/report/impression", {"text": "changed", "study_version": version})
    assert impression.status_code == 409
    added = phys.post(f"/studies/{pk}/report/addendum", {"text": "Clinical correlation advised."})
    assert added.status_code == 303
    page = phys.get(f"/studies/{pk}/report").text
    assert 'id="report-state">amended' in page and "Clinical correlation advised." in page
    pdf = phys.get(f"/studies/{pk}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.fixture
def pg_app(tmp_path):
    """The app on a fresh schema of the CI's PostgreSQL (skipped where EDX_TEST_POSTGRES_URL is unset)."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    url = os.environ.get("EDX_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("set EDX_TEST_POSTGRES_URL (CI sets it via .ci/postgres.sh)")
    schema = f"web_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    app = make_app(None, url=url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield app
    finally:
        app.state.edx.db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_main_flow_on_postgresql_edit_conflict_sign_and_lock(pg_app, tmp_path):
    pk = import_folder(pg_app, copy_study(small_study(), tmp_path / "pg", "WEB-PG"))
    tech, phys = Client(pg_app, "technologist"), Client(pg_app, "physician")
    assert "WEB-PG" in tech.get("/studies", params={"q": "pg"}).text
    sweeps = tech.get(f"/api/studies/{pk}/ncs/0").json()
    moved = tech.post(
        f"/api/studies/{pk}/markers",
        {
            "version": sweeps["version"],
            "nerve_index": 0,
            "site_index": 1,
            "onset_ms": sweeps["sweeps"][1]["onset_ms"] + 1,
        },
    )
    assert moved.status_code == 200 and 'class="src edited"' in moved.json()["tables_html"]
    stale = tech.post(
        f"/api/studies/{pk}/markers",
        {"version": sweeps["version"], "nerve_index": 0, "site_index": 1, "onset_ms": 9.0},
    )
    assert stale.status_code == 409
    version = _version(pg_app, pk)
    assert phys.post(f"/studies/{pk}/report/sign", {"study_version": version}).status_code == 303
    locked = tech.post(
        f"/api/studies/{pk}/values",
        {"version": version, "nerve_index": 0, "site_index": 0, "field": "amplitude_mv", "value": "1"},
    )
    assert locked.status_code == 409


def test_study_entered_by_hand_shows_typed_values_marked_entered(site):
    app, *_ = site
    client = Client(app, "technologist")
    tables = (
        "ncs:\n  - nerve: median\n    kind: motor\n    side: left\n    record: APB\n    sites:\n"
        "      - {site: wrist, distance_mm: 70, onset_latency_ms: 5.9, amplitude_mv: 8.0}\n"
    )
    created = client.post(
        "/studies/manual",
        {
            "study_id": "WEB-HAND",
            "patient_id": "P-HAND",
            "age": "61",
            "performed": "2026-02-03",
            "tables": tables,
        },
    )
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"]).text
    assert _cell(page, "nerve-0-sites", 0, "onset_latency_ms") == "5.90"
    assert 'class="abn' in page and 'class="src entered"' in page  # 5.9 ms is beyond the distal latency limit
    bad = client.post(
        "/studies/manual",
        {
            "study_id": "WEB-HAND-2",
            "patient_id": "P",
            "age": "61",
            "performed": "2026-02-03",
            "tables": "ncs: [1",
        },
    )
    assert bad.status_code == 400 and "not valid YAML" in bad.text


def test_first_start_creates_three_users_with_printed_or_given_passwords(tmp_path, monkeypatch):
    from edxkit.store.auth import authenticate
    from edxkit.store.db import connect
    from edxkit.web.demo import ensure_first_users

    monkeypatch.setenv("EDX_PHYSICIAN_PASSWORD", "given-password-1")
    monkeypatch.delenv("EDX_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("EDX_TECHNOLOGIST_PASSWORD", raising=False)
    db = connect(f"sqlite:///{tmp_path / 'first.db'}")
    generated = ensure_first_users(db)
    assert set(generated) == {"admin", "technologist"} and all(len(p) >= 12 for p in generated.values())
    assert ensure_first_users(db) == {}  # only on an empty database
    with db.transaction() as session:
        assert authenticate(session, "physician", "given-password-1") is not None
        assert authenticate(session, "admin", generated["admin"]).role == "admin"


def test_needle_events_give_the_recordings_motor_units_with_templates_and_firings(site):
    app, pk, *_ = site
    with app.state.edx.db.sessions() as session:
        waves = session.scalars(
            select(WaveformRow).where(WaveformRow.study_id == pk, WaveformRow.role == "needle")
        ).all()
        minimal = [(w.id, w.n_samples / w.fs_hz) for w in waves if w.condition == "minimal"]
    client = Client(app, "physician")
    found_units = 0
    for wid, duration in minimal:
        events = client.get(f"/api/waveforms/{wid}/events").json()
        for unit in events["units"]:
            found_units += 1
            assert unit["template_uv"] and unit["amplitude_uv"] > 0
            assert all(0 <= t <= duration for t in unit["firing_times_s"])
    assert found_units > 0, "no motor unit shown for any minimal-effort recording"


def test_responses_carry_csp_nosniff_and_server_timing_headers(site):
    app, *_ = site
    response = Client(app, "physician").get("/studies")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["server-timing"].startswith("app;dur=")


# ---------------------------------------------------------------- review fixes: reports, sessions, input


def _report_form(client: Client, pk: int) -> dict[str, str]:
    """The study and report versions the report page's forms carry (as the browser would send them)."""
    page = client.get(f"/studies/{pk}/report").text
    return dict(re.findall(r'name="(study_version|report_version)" value="([^"]*)"', page))


def _stored_report(app, pk: int):
    from edxkit.store.models import ReportRow

    with app.state.edx.db.sessions() as session:
        return session.scalar(select(ReportRow).where(ReportRow.study_id == pk))


def test_second_impression_from_a_page_without_a_draft_is_409_and_a_stale_page_cannot_sign(site):
    app, _, _, root = site
    pk = import_folder(app, copy_study(small_study(), root / "lost", "WEB-LOST-UPDATE"))
    first, second = Client(app, "physician"), Client(app, "physician")
    seen_first, seen_second = _report_form(first, pk), _report_form(second, pk)
    assert seen_first["report_version"] == seen_second["report_version"] == ""  # no draft saved yet
    saved = first.post(f"/studies/{pk}/report/impression", {"text": "Impression A.", **seen_first})
    assert saved.status_code == 303, saved.text
    lost = second.post(f"/studies/{pk}/report/impression", {"text": "Impression B.", **seen_second})
    assert lost.status_code == 409 and "changed by someone else" in lost.text
    stale_sign = second.post(f"/studies/{pk}/report/sign", seen_second)  # B never saw "Impression A."
    assert stale_sign.status_code == 409
    row = _stored_report(app, pk)
    assert row.signed_at is None and row.document["impression"]["text"] == "Impression A."
    current = _report_form(second, pk)
    assert current["report_version"] == str(row.version)
    assert second.post(f"/studies/{pk}/report/sign", current).status_code == 303
    assert _stored_report(app, pk).document["impression"]["text"] == "Impression A."


def test_sign_racing_a_study_edit_that_commits_first_is_409_and_signs_nothing(site, monkeypatch):
    from edxkit.store.edits import enter_value
    from edxkit.store.models import User
    from edxkit.web.routes import report as report_routes

    app, _, _, root = site
    pk = import_folder(app, copy_study(small_study(), root / "race", "WEB-SIGN-RACE"))
    physician = Client(app, "physician")
    seen = _report_form(physician, pk)
    real_save = report_routes.save_draft

    def edit_commits_meanwhile(session, actor, study_pk, report, **kw):
        with app.state.edx.db.transaction() as other:  # another request's transaction
            tech = other.scalar(select(User).where(User.username == "technologist"))
            enter_value(
                other, tech, study_pk, expected_version=int(seen["study_version"]),
                nerve="median", kind="motor", side="right", site="wrist", field="amplitude_mv", value=0.5,
            )  # fmt: skip
        return real_save(session, actor, study_pk, report, **kw)

    monkeypatch.setattr(report_routes, "save_draft", edit_commits_meanwhile)
    response = physician.post(f"/studies/{pk}/report/sign", seen)
    assert response.status_code == 409, response.text
    assert _stored_report(app, pk) is None  # the draft saved in the sign's transaction was rolled back
    assert _version(app, pk) == int(seen["study_version"]) + 1


def test_admin_password_change_ends_the_users_other_sessions(site):
    app, *_ = site
    admin = Client(app, "admin")
    assert (
        admin.post(
            "/admin/users", {"username": "doc2", "password": "doc2-pass-1", "role": "physician"}
        ).status_code
        == 303
    )
    other_device = Client(app)
    assert other_device.login("doc2", "doc2-pass-1").status_code == 303
    assert other_device.get("/studies", follow_redirects=False).status_code == 200
    assert admin.post("/admin/users/doc2", {"password": "doc2-pass-2"}).status_code == 303
    assert other_device.get("/studies", follow_redirects=False).status_code == 303  # back to the login
    assert admin.get("/admin/users").status_code == 200  # the admin's own session goes on


@pytest.mark.parametrize("name", ["a/b", "dr smith", "x?y"])
def test_username_with_a_slash_space_or_url_character_is_refused_with_a_message(site, name):
    app, *_ = site
    response = Client(app, "admin").post(
        "/admin/users", {"username": name, "password": "long-password-1", "role": "technologist"}
    )
    assert response.status_code == 400 and "letters, digits and" in response.text


def _zip_entries(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return bytearray(buffer.getvalue())


def _damaged_zip(case: str, study_yaml: bytes) -> bytes:
    import struct

    if case == "corrupt_deflate":
        data = _zip_entries([("study.yaml", study_yaml)])
        start = data.index(b"PK\x03\x04") + 30 + len("study.yaml")
        for k in range(start + 5, start + 60):
            data[k] ^= 0x5A
    elif case == "wrong_crc":
        data = _zip_entries([("study.yaml", study_yaml)], zipfile.ZIP_STORED)
        data[data.index(b"schema")] = ord("S")
    elif case == "file_and_folder_same_name":
        data = _zip_entries([("study.yaml", study_yaml), ("x", b"1"), ("x/y", b"2")])
    else:  # "encrypted" sets the encryption flag, "unknown_method" the compression method 99
        data = _zip_entries([("study.yaml", study_yaml)], zipfile.ZIP_STORED)
        for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
            j = data.index(signature)
            if case == "encrypted":
                struct.pack_into("<H", data, j + flag_at, struct.unpack_from("<H", data, j + flag_at)[0] | 1)
            else:
                struct.pack_into("<H", data, j + method_at, 99)
    return bytes(data)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("corrupt_deflate", "damaged"),
        ("wrong_crc", "damaged"),
        ("file_and_folder_same_name", "clashes with another member"),
        ("encrypted", "encrypted"),
        ("unknown_method", "compression method"),
    ],
)
def test_damaged_or_unsupported_zip_is_400_with_a_message_not_500_and_writes_no_rows(site, case, message):
    app, *_ = site
    data = _damaged_zip(case, (small_study() / "study.yaml").read_bytes())
    client = Client(app, "technologist")
    with app.state.edx.db.sessions() as session:
        before = count_rows(session)
    client.http = type(client.http)(app, cookies=dict(client.http.cookies), raise_server_exceptions=False)
    response = client.post("/studies/upload", files={"file": ("study.zip", data, "application/zip")})
    assert response.status_code == 400, response.text[:300]
    assert "nothing was stored" in response.text and message in response.text
    with app.state.edx.db.sessions() as session:
        assert count_rows(session) == before


def test_upload_error_names_files_by_their_path_in_the_archive_not_the_server_temp_folder(site):
    app, _, _, root = site
    folder = copy_study(small_study(), root / "paths", "WEB-PATHS")
    data = _zip(folder, drop="ncs/right_median_motor_elbow.csv")
    response = Client(app, "technologist").post(
        "/studies/upload", files={"file": ("study.zip", data, "application/zip")}
    )
    assert response.status_code == 400
    assert "study/ncs/right_median_motor_elbow.csv: file: not found" in response.text
    assert "edxkit-upload-" not in response.text and "/tmp" not in response.text


def _alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes of YAML whose aliases expand to 9 * 8**levels nodes (the "billion laughs")."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_yaml_aliases_in_an_uploaded_study_or_typed_tables_are_refused_at_once(site):
    app, *_ = site
    client = Client(app, "technologist")
    study = (small_study() / "study.yaml").read_text().replace("id: ", "id: WEB-ALIAS-", 1)
    start = time.perf_counter()
    uploaded = client.post(
        "/studies/upload", files={"file": ("study.yaml", study + _alias_bomb(), "application/x-yaml")}
    )
    typed = client.post(
        "/studies/manual",
        {
            "study_id": "WEB-ALIAS",
            "patient_id": "P",
            "age": "50",
            "performed": "2026-01-01",
            "tables": _alias_bomb(),
        },
    )
    assert time.perf_counter() - start < 2.0
    for response in (uploaded, typed):
        assert response.status_code == 400 and "YAML aliases are not allowed in a study file" in response.text


@pytest.mark.parametrize(
    ("method", "url", "form"),
    [
        ("post", "/studies/{pk}/report/impression", {"text": "x", "report_version": "abc"}),
        ("post", "/studies/{pk}/report/sign", {"report_version": "1.5"}),
        ("post", "/studies/{pk}/report/sign", {"report_version": "-1"}),
        ("get", "/studies/99999999999999999999", None),
        ("get", "/studies/99999999999999999999/report", None),
        ("get", "/api/waveforms/99999999999999999999", None),
        ("get", "/api/studies/99999999999999999999/ncs/0", None),
        ("get", "/admin/audit?study=99999999999999999999", None),
    ],
)
def test_malformed_report_version_or_an_id_beyond_64_bits_is_422_not_500(site, method, url, form):
    app, pk, *_ = site
    client = Client(app, "physician")
    client.http = type(client.http)(app, cookies=dict(client.http.cookies), raise_server_exceptions=False)
    if method == "post":
        response = client.post(url.format(pk=pk), {"study_version": _version(app, pk), **form})
    else:
        response = client.get(url, follow_redirects=False)
    assert response.status_code == 422, (response.status_code, response.text[:200])
    assert "invalid request" in response.text


@pytest.mark.parametrize("how", ["option", "environment"])
def test_serve_with_secure_cookies_marks_the_session_cookie_secure(tmp_path, monkeypatch, how):
    import uvicorn
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from edxkit.cli import app as cli
    from edxkit.store.auth import configure_password_hashing

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda web_app, **_: served.setdefault("app", web_app))
    for role in ("ADMIN", "PHYSICIAN", "TECHNOLOGIST"):
        monkeypatch.setenv(f"EDX_{role}_PASSWORD", f"{role.lower()}-pass-1")
    args = ["serve", "--db", f"sqlite:///{tmp_path / 'serve.db'}", "--no-demo"]
    if how == "option":
        args.append("--secure-cookies")
    else:
        monkeypatch.setenv("EDX_SECURE_COOKIES", "1")
    configure_password_hashing(time_cost=1, memory_cost_kib=1024, parallelism=1)
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        configure_password_hashing()
    assert result.exit_code == 0, result.output
    client = Client(served["app"])
    client.http = TestClient(served["app"], base_url="https://testserver")
    cookie = client.login("physician", "physician-pass-1").headers["set-cookie"]
    assert "edx_session=" in cookie and "Secure" in cookie
    assert "--secure-cookies" in CliRunner().invoke(cli, ["serve", "--help"]).output
