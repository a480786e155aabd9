"""HTML report: structure (golden outline), escaping, abnormal and source marks, states, paper size.

The golden file ``tests/golden/report_example_outline.txt`` is the outline of the example report's HTML
(section ids, headings, table ids with their column headings, row labels, figure captions): values are
left out so the file changes only when the document's structure does. After an intended change of the
templates, regenerate it with::

    EDX_UPDATE_GOLDEN=1 /tmp/venv/bin/pytest -q tests/test_report_html.py -k golden

and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from edxkit.report.html import render_html
from edxkit.report.model import Addendum, Report

from report_samples import example_report

GOLDEN = Path(__file__).parent / "golden" / "report_example_outline.txt"


class _Outline(HTMLParser):
    """Section ids, headings, tables (id + column headings), row labels and figure captions, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.depth = 0
        self._capture: str | None = None
        self._text: list[str] = []
        self._head: list[str] = []
        self._in_head = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("svg", "style") or (tag == "span" and a.get("class") == "settings"):
            self._skip += 1
        if self._skip:
            return
        if tag == "section":
            self.lines.append("  " * self.depth + f"section#{a.get('id')}")
            self.depth += 1
        elif tag == "table":
            self.lines.append("  " * self.depth + f"table#{a.get('id', '')}.{a.get('class', '')}")
        elif tag == "thead":
            self._in_head, self._head = True, []
        elif tag in ("h1", "h2", "h3", "h4", "figcaption", "th") and self._capture is None:
            if tag == "th" and not self._in_head and a.get("scope") != "row":
                return
            self._capture, self._text = tag if a.get("scope") != "row" else "row", []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style") or (tag == "span" and self._skip and self._in_settings()):
            self._skip -= 1
            return
        if self._skip:
            return
        if tag == "section":
            self.depth -= 1
        elif tag == "thead":
            self._in_head = False
            self.lines.append("  " * (self.depth + 1) + "columns: " + " | ".join(self._head))
        elif self._capture is not None and tag in ("h1", "h2", "h3", "h4", "figcaption", "th"):
            text = re.sub(r"\s+", " ", "".join(self._text).replace("\u00ad", "")).strip()
            if self._capture == "th":
                self._head.append(text)
            else:
                self.lines.append("  " * (self.depth + 1) + f"{self._capture}: {text}")
            self._capture = None

    def _in_settings(self) -> bool:
        return self._capture == "figcaption"

    def handle_data(self, data: str) -> None:
        if self._capture is not None and not self._skip:
            self._text.append(data)


def outline(html: str) -> str:
    parser = _Outline()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"


def _text(html: str) -> str:
    """Visible text of the page (tags dropped, entities decoded, whitespace collapsed)."""
    import html as html_lib

    body = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def example() -> Report:
    return example_report()


def test_templates_and_css_are_package_data() -> None:
    folder = resources.files("edxkit.report").joinpath("templates")
    for name in ("report.html.j2", "_macros.html.j2", "report.css"):
        assert folder.joinpath(name).is_file(), name


def test_html_structure_matches_golden_outline(example: Report) -> None:
    got = outline(render_html(example))
    if os.environ.get("EDX_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_outline_has_every_table_of_the_model_with_its_rows(example: Report) -> None:
    got = outline(render_html(example))
    for section in (*example.motor, *example.sensory):
        assert f"h4: {section.title}" in got
    for _, table in example.tables():
        for row in table.rows:
            assert f"row: {row.label}" in got


def test_patient_name_with_markup_is_escaped(example: Report) -> None:
    report = example.model_copy(deep=True)
    report.header.patient_name = "<script>alert('x')</script> O'Brien & Sons"
    report.impression.text = "<b>not bold</b>"
    html = render_html(report)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; O&#39;Brien &amp; Sons" in html
    assert "<b>not bold</b>" not in html and "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_every_cell_text_and_row_label_is_in_the_page_text(example: Report) -> None:
    text = _text(render_html(example))
    for _, table in example.tables():
        for row in table.rows:
            assert row.label in text
            for cell in row.cells:
                assert cell.text in text


def test_abnormal_values_are_bold_and_starred_with_their_limit(example: Report) -> None:
    html = render_html(example)
    abnormal = [c for _, t in example.tables() for r in t.rows for c in r.cells if c.abnormal and c.text]
    starred = re.findall(r'<td class="v abn">(.*?)</td>', html)
    # Median motor distal latency, median SNAP peak latency and amplitude; APB MUAPs and recruitment.
    assert len(starred) == len(abnormal) == 6
    for cell, shown in zip(abnormal, starred, strict=True):
        assert shown.startswith(f'<b>{cell.text}</b><span class="flag">*</span>')
        if cell.limit is not None:
            assert f'<span class="lim">{cell.limit.text}</span>' in shown
    # The median motor distal latency 4.83 ms is over its limit 4.4 ms.
    assert '<b>4.83</b><span class="flag">*</span><span class="lim">≤ 4.4</span>' in html


def test_entered_values_carry_the_E_mark_and_the_legend_explains_it(example: Report) -> None:
    html = render_html(example)
    entered = sum(
        1 for _, t in example.tables() for r in t.rows for c in r.cells if c.source == "entered" and c.text
    )
    assert entered > 0
    assert html.count('<sup class="src" title="entered by the examiner">E</sup>') == entered
    assert "<sup>E</sup> = entered by the examiner" in html


def test_draft_is_marked_draft_with_watermark_and_unsigned_block(example: Report) -> None:
    html = render_html(example)
    assert '<div class="watermark" aria-hidden="true">DRAFT</div>' in html
    assert "DRAFT — not signed" in html
    assert "Not signed." in html


def test_signed_and_amended_reports_show_signer_time_hash_and_addenda(example: Report) -> None:
    report = example.model_copy(deep=True)
    digest = "ab" * 32
    report.signature.state = "signed"
    report.signature.signed_by = "Dr B. Examiner"
    report.signature.signed_at = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)
    report.signature.content_hash = digest
    html = render_html(report)
    assert "watermark" not in html.split("<body", 1)[1].split("<header", 1)[0]
    assert "Signed by Dr B. Examiner, 2026-11-27 10:05 UTC · SHA-256 abababababababab…" in html
    assert f'<span class="hash">{digest}</span>' in html
    report.signature.state = "amended"
    report.signature.addenda = [
        Addendum(
            text="Ulnar study repeated: normal.",
            author="Dr B. Examiner",
            time=dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC),
            content_hash="cd" * 32,
        )
    ]
    html = render_html(report)
    assert "Signed and amended (1 addenda) by Dr B. Examiner" in html
    assert "Ulnar study repeated: normal." in html and "cd" * 32 in html


def test_edited_impression_shows_physician_text_and_generated_statement(example: Report) -> None:
    report = example.model_copy(deep=True)
    report.impression.text = "Moderate right carpal tunnel syndrome.\n\nNo ulnar neuropathy."
    report.impression.edited = True
    text = _text(render_html(report))
    assert "Moderate right carpal tunnel syndrome. No ulnar neuropathy." in text
    assert f"Generated statement: {report.impression.statement}" in text


def test_impression_items_list_their_evidence_and_rule(example: Report) -> None:
    text = _text(render_html(example))
    item = example.impression.items[0]
    for evidence in item.evidence:
        assert evidence in text
    assert f"Rule {item.rule}: {item.criteria}" in text


def test_paper_size_goes_into_the_page_rule(example: Report) -> None:
    assert "@page { size: A4 portrait; }" in render_html(example, paper="a4")
    assert "@page { size: letter portrait; }" in render_html(example, paper="letter")
    with pytest.raises(ValueError, match="paper"):
        render_html(example, paper="a3")
