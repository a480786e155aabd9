"""Browser test: Playwright drives Debian's Chromium (/usr/bin/chromium) against the app served by uvicorn
on a free loopback port: log in, create a study by uploading a simulated study folder, drag the onset
marker of the proximal median motor sweep and see the conduction velocity change, play a needle recording,
enter other discharges, sign, download the PDF.
Screenshots go to $EDX_SCREENSHOTS (default /tmp/web)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from webapp import PASSWORDS, copy_study, make_app, small_study

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (/usr/bin/chromium): .ci/chromium.sh installs it",
)
SHOTS = Path(os.environ.get("EDX_SCREENSHOTS", "/tmp/web"))


def _number(text: str) -> float:
    """The value at the start of a table cell (its limit and source badges follow it)."""
    found = re.match(r"\s*(-?[0-9.]+)", text)
    assert found is not None, text
    return float(found.group(1))


def _wait_js(page, expression: str, timeout_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Poll a JavaScript expression until it is true (``page.evaluate`` is not subject to the app's CSP,
    which forbids the string evaluation ``wait_for_function`` relies on)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    root = tmp_path_factory.mktemp("browser")
    app = make_app(root / "browser.db")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def study_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zip")
    folder = copy_study(small_study(), root / "study", "BROWSER-1", name="Test Patient")
    archive = root / "BROWSER-1.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "truth.json":
                zf.write(path, f"BROWSER-1/{path.relative_to(folder).as_posix()}")
    return archive


def test_login_upload_drag_marker_changes_cv_then_sign_and_download_pdf(
    server: str, study_zip: Path, tmp_path: Path
):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{server}/login")
        page.fill("#username", "physician")
        page.fill("#password", PASSWORDS["physician"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/studies")

        page.goto(f"{server}/studies/new")
        page.set_input_files("#study-file", str(study_zip))
        page.click("#upload-form button[type=submit]")
        page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit(), timeout=60_000)
        _wait_js(page, "!!(window.edxViewer && window.edxViewer.ready(0))")
        cv = page.locator('#nerve-0-segments td[data-field="cv_m_s"]').first
        cv_before = _number(cv.inner_text())
        page.screenshot(path=str(SHOTS / "browser_study.png"), full_page=True)

        start = page.evaluate("window.edxViewer.markerClientPos(0, 1, 'onset')")
        assert start is not None
        page.mouse.move(start["x"], start["y"])
        page.mouse.down()
        page.mouse.move(start["x"] + 20, start["y"], steps=5)
        page.mouse.move(start["x"] + 40, start["y"], steps=5)
        page.mouse.up()
        _wait_js(
            page,
            "(() => { const td = document.querySelector('#nerve-0-segments td[data-field=\"cv_m_s\"]');"
            f" return !!td && parseFloat(td.innerText) !== {cv_before}; }})()",
        )
        cv_after = _number(page.locator('#nerve-0-segments td[data-field="cv_m_s"]').first.inner_text())
        assert cv_after < cv_before  # the proximal onset moved later: slower conduction
        assert page.locator("#nerve-0-sites .src.edited").count() >= 1
        assert "Saved" in page.inner_text("#edit-status")
        page.locator(".nerve-block").first.screenshot(path=str(SHOTS / "browser_marker_dragged.png"))

        # Needle viewer: a minimal-effort recording with motor units, zoomed to full resolution, played.
        options = page.eval_on_selector_all(
            "#needle-select option", "els => els.map(e => [e.value, e.textContent])"
        )
        for value in (v for v, text in options if "Minimal" in text):
            page.select_option("#needle-select", value)
            _wait_js(page, f"window.edxNeedle.loaded() === '{value}'")
            if page.evaluate("window.edxNeedle.events().units.length") > 0:
                break
        else:
            raise AssertionError("no minimal-effort recording showed motor units")
        page.locator("#needle-plot .u-over").scroll_into_view_if_needed()
        over = page.locator("#needle-plot .u-over").bounding_box()
        assert over is not None
        page.mouse.move(over["x"] + over["width"] / 2, over["y"] + over["height"] / 2)
        for _ in range(8):
            page.mouse.wheel(0, -300)
            time.sleep(0.15)
        _wait_js(page, "document.querySelector('#needle-status').textContent.startsWith('full resolution')")
        assert page.evaluate("window.edxNeedle.view().len") < 0.2
        page.click("#needle-play")
        _wait_js(page, "document.querySelector('#needle-play').textContent.includes('Stop')")
        page.locator("#needle-viewer-card").screenshot(path=str(SHOTS / "browser_needle.png"))
        page.click("#needle-play")
        _wait_js(page, "document.querySelector('#needle-play').textContent.includes('Play')")

        # Other discharges: a checkbox per kind, saved together and marked typed-in.
        other = page.locator('#emg-table tr[data-muscle="0"] td[data-field="other_discharges"]')
        other.scroll_into_view_if_needed()
        other.click()
        page.check('#emg-table fieldset.multi-finding input[value="myotonic"]')
        page.check('#emg-table fieldset.multi-finding input[value="complex_repetitive"]')
        page.locator("#emg-table").screenshot(path=str(SHOTS / "browser_other_discharges_editor.png"))
        page.click('#emg-table fieldset.multi-finding button:text("Save")')
        _wait_js(
            page,
            '(() => { const td = document.querySelector(\'#emg-table tr[data-muscle="0"]'
            " td[data-field=\"other_discharges\"]'); return !!td && !td.querySelector('fieldset')"
            " && td.innerText.includes('complex repetitive') && !!td.querySelector('.src.entered'); })()",
        )
        assert "myotonic" in other.inner_text()

        page.click("text=Report")
        page.wait_for_selector("#sign-button")
        page.click("#sign-button")
        page.wait_for_selector("#report-state:text('signed')", timeout=60_000)
        page.screenshot(path=str(SHOTS / "browser_signed_report.png"))
        with page.expect_download(timeout=60_000) as download:
            page.click("#download-pdf")
        pdf = tmp_path / "report.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        shutil.copy(pdf, SHOTS / "browser_report.pdf")
        browser.close()
    assert errors == []
