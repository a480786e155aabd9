"""PDF report: every table value in the extracted text, page size, ids and page numbers, states, speed."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import unicodedata

import pytest
from pypdf import PdfReader

from edxkit.report.model import Header, Impression, Report
from edxkit.report.pdf import render_pdf

from report_samples import example_report, scenario_report

# Generous bound for a shared, loaded test machine; bench/report_speed.py measures the real figure
# (target: under 3 s for a 10-nerve, 8-muscle study).
PDF_SECONDS_BOUND = 8.0


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return re.sub(r"\s+", " ", text)


def pages_text(pdf: bytes) -> list[str]:
    return [_norm(page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


def missing_values(report: Report, text: str) -> list[str]:
    """Row labels and cell texts not found, in order, after their table's heading in ``text``.

    For each table the search starts at its heading; each row's label must follow, then each non-empty
    cell text in column order (a subsequence check, so a value printed in the wrong row is caught).
    """
    missing = []
    for title, table in report.tables():
        heading = _norm(title.removesuffix(": segments"))
        start = text.find(heading)
        if start < 0:
            missing.append(f"heading {heading!r}")
            continue
        for row in table.rows:
            pos = text.find(_norm(row.label), start)
            if pos < 0:
                missing.append(f"{title}: row {row.label!r}")
                continue
            for cell in row.cells:
                if not cell.text:
                    continue
                found = text.find(_norm(cell.text), pos)
                if found < 0:
                    missing.append(f"{title} / {row.label}: {cell.field}={cell.text!r}")
                else:
                    pos = found + len(_norm(cell.text))
    return missing


@pytest.fixture(scope="module")
def example() -> Report:
    return example_report()


@pytest.fixture(scope="module")
def example_pdf(example: Report) -> bytes:
    return render_pdf(example)


@pytest.fixture(scope="module")
def normal() -> Report:
    return scenario_report("normal")


@pytest.fixture(scope="module")
def normal_timed() -> tuple[bytes, float]:
    """The normal study's PDF on US Letter and the seconds its rendering took (fonts already warm)."""
    render_pdf(example_report())  # warm-up (font configuration) outside the timing
    report = scenario_report("normal")
    start = time.perf_counter()
    pdf = render_pdf(report, paper="letter")
    return pdf, time.perf_counter() - start


@pytest.fixture(scope="module")
def normal_pdf(normal_timed: tuple[bytes, float]) -> bytes:
    return normal_timed[0]


@pytest.fixture(scope="module")
def normal_pages(normal_pdf: bytes) -> list[str]:
    return pages_text(normal_pdf)


def minimal_report() -> Report:
    """A report with only what the model requires: no studies, figures, billing or history."""
    return Report(
        generator="edxkit test",
        created=dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC),
        header=Header(patient_id="P-9", age_years=61.0, study_id="S-9", performed=dt.date(2026, 11, 26)),
        impression=Impression(statement="No studies.", text="No studies."),
    )


def _signed(report: Report) -> Report:
    signed = report.model_copy(deep=True)
    signed.signature.state = "signed"
    signed.signature.signed_by = "Dr B. Examiner"
    signed.signature.signed_at = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)
    signed.signature.content_hash = "0123456789abcdef" * 4
    return signed


def test_example_pdf_contains_every_table_value_in_its_row(example: Report, example_pdf: bytes) -> None:
    assert missing_values(example, " ".join(pages_text(example_pdf))) == []


def test_normal_study_pdf_contains_every_table_value_in_its_row(
    normal: Report, normal_pages: list[str]
) -> None:
    n_nerves = len(normal.motor) + len(normal.sensory)
    assert n_nerves + len(normal.f_waves.rows if normal.f_waves else []) >= 10
    assert len(normal.muscles) == 8
    assert missing_values(normal, " ".join(normal_pages)) == []


def test_missing_value_check_catches_a_value_that_is_not_printed(example: Report, example_pdf: bytes) -> None:
    altered = example.model_copy(deep=True)
    altered.motor[0].sites.rows[0].cells[1].text = "4.93"  # the PDF shows 4.83
    assert missing_values(altered, " ".join(pages_text(example_pdf))) == [
        "Right median motor (APB) / Wrist: onset_latency_ms='4.93'"
    ]


def test_abnormal_values_are_starred_in_the_pdf_text(example_pdf: bytes) -> None:
    text = " ".join(pages_text(example_pdf))
    assert "4.83*" in text  # median motor distal latency > 4.4 ms
    assert "≤ 4.4" in text


def test_paper_size_of_every_page_a4_and_letter(example_pdf: bytes, normal_pdf: bytes) -> None:
    for pdf, size in ((example_pdf, (595, 842)), (normal_pdf, (612, 792))):
        for page in PdfReader(io.BytesIO(pdf)).pages:
            box = page.mediabox
            assert (round(float(box.width)), round(float(box.height))) == size


def test_every_page_has_patient_study_ids_page_n_of_m_and_draft_mark(
    normal: Report, normal_pages: list[str]
) -> None:
    pages = normal_pages
    assert len(pages) >= 4
    h = normal.header
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in text
        assert f"ID {h.patient_id} · Study {h.study_id} · {h.performed.isoformat()}" in text
        assert "DRAFT — not signed" in text


def test_signed_pdf_shows_signer_time_and_hash_on_every_page_and_no_draft(example: Report) -> None:
    pages = pages_text(render_pdf(_signed(example)))
    for text in pages:
        assert _norm("Signed by Dr B. Examiner, 2026-11-27 10:05 UTC · SHA-256 0123456789abcdef…") in text
        assert "DRAFT" not in text
    assert "0123456789abcdef" * 4 in " ".join(pages)  # full hash in the signature block


def test_pdf_is_not_hyphenated_and_keeps_the_impression(example: Report, example_pdf: bytes) -> None:
    text = " ".join(pages_text(example_pdf))
    assert _norm(example.impression.text) in text
    for evidence in example.impression.items[0].evidence:
        assert _norm(evidence) in text


def test_normal_study_renders_to_pdf_within_bound(normal_timed: tuple[bytes, float]) -> None:
    pdf, seconds = normal_timed
    assert pdf.startswith(b"%PDF")
    assert seconds < PDF_SECONDS_BOUND, f"{seconds:.2f} s"


def _overflowing_text(report: Report, paper: str) -> list[str]:
    """Text boxes that stick out of their table cell or the page's content box (clipped when printed)."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.formatting_structure import boxes  # type: ignore[import-untyped]

    from edxkit.report.html import render_html

    def walk(box, cell=None):  # type: ignore[no-untyped-def]
        cell = box if isinstance(box, boxes.TableCellBox) else cell
        yield box, cell
        for child in getattr(box, "children", []):
            yield from walk(child, cell)

    out = []
    for page in HTML(string=render_html(report, paper=paper)).render().pages:
        root = page._page_box
        right_edge = root.content_box_x() + root.width
        for box, cell in walk(root.children[0]):
            if not isinstance(box, boxes.TextBox):
                continue
            right = box.position_x + box.width
            limit = right_edge if cell is None else cell.border_box_x() + cell.border_width()
            if right > limit + 0.5:
                out.append(f"{box.text!r} ends at {right:.1f} > {limit:.1f}")
    return out


def test_needle_table_with_long_findings_fits_the_page_width(example: Report) -> None:
    """A4 portrait is the narrower page (184 mm between the margins; US Letter 190 mm)."""
    report = example.model_copy(deep=True)
    assert report.emg is not None
    keys = [c.key for c in report.emg.columns[1:]]
    row = report.emg.rows[0]
    for key, text in (
        ("other_discharges", "complex repetitive discharges, myokymic discharges"),
        ("recruitment", "reduced, early"),
        ("interference", "reduced, mixed"),
        ("insertional", "increased"),
        ("muap_amplitude", "increased"),
        ("classification", "indeterminate"),
        ("mean_amplitude_uv", "1250"),
    ):
        row.cells[keys.index(key)].text = text
        row.cells[keys.index(key)].abnormal = True
        row.cells[keys.index(key)].source = "entered"
    assert _overflowing_text(report, "a4") == []


def test_minimal_report_is_one_numbered_page() -> None:
    (text,) = pages_text(render_pdf(minimal_report()))
    assert "Page 1 of 1" in text
    assert "Name not recorded · ID P-9 · Study S-9 · 2026-11-26" in text
    assert "No studies." in text and "No billable studies." in text and "Not stated." in text
