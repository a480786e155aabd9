"""The report as PDF (WeasyPrint) from the same HTML: A4 or US Letter, page N of M, ids on every page.

The page size is an ``@page`` rule chosen by ``paper``; the margin boxes print the report state
(DRAFT, or signer, time and the first 16 hex digits of the content hash) at the top of every page and the
patient's name and id, the study id and date, and "Page N of M" at the bottom (CSS Paged Media margin boxes
filled from ``string-set``, so nothing from the report is interpolated into CSS). Drafts also carry a
light DRAFT watermark on every page. Figures are inline SVG and stay vector graphics in the PDF.
"""

from __future__ import annotations

from weasyprint import HTML  # type: ignore[import-untyped]

from edxkit.report.html import render_html
from edxkit.report.model import Report


def render_pdf(report: Report, *, paper: str = "a4") -> bytes:
    """The report as PDF bytes.

    Parameters
    ----------
    report : Report
        The report model (draft, signed or amended).
    paper : {"a4", "letter"}
        A4 (595 × 842 pt) or US Letter (612 × 792 pt), portrait.
    """
    html = render_html(report, paper=paper)
    document = HTML(string=html, base_url=None)
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
