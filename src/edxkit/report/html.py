"""The report as one self-contained HTML page (Jinja2, autoescaped), also the source of the PDF.

Layout follows the AANEM-recommended report contents (clinical.md §7) in the order a referring clinician
reads an EMG lab's report: header (patient, dates, clinicians, itemised studies), reason for referral and
history, technical conditions, the NCS tables grouped by nerve (sites, then segments, each value with its
normal limit under it), F waves and H reflex, the needle EMG table, RNS, summary of findings, impression
with its evidence, billing, signature block, and an appendix of waveforms (inline SVG, vector in the PDF).

Abnormal values are bold **and** marked ``*`` (reports are printed in black and white, so colour is never
the only sign); values typed in by the examiner are marked with a superscript ``E`` and values edited after
the automatic measurement with ``✎``. Everything from the report model is escaped by Jinja2's autoescape;
only the SVG produced by :mod:`edxkit.report.figures` (which escapes its own text) and the package's own
CSS are inserted as markup.

The view below derives what the model does not store: short column headings of the needle EMG table and
its split into a findings table and a quantitative MUAP table, column groups, and the page size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from edxkit.report.figures import render_figure
from edxkit.report.model import Cell, Figure, Report, Table

PAPERS = {"a4": "A4", "letter": "letter"}

# Short headings as EMG labs print them (the model's labels are the full field names).
SHORT_LABELS = {
    "distance_mm": "Distance",
    "onset_latency_ms": "Onset lat.",
    "peak_latency_ms": "Peak lat.",
    "amplitude_mv": "Amplitude",
    "amplitude_uv": "Amplitude",
    "duration_ms": "Duration",
    "area_mv_ms": "Area",
    "cv_m_s": "CV",
    "amplitude_drop_pct": "Amp. drop",
    "area_drop_pct": "Area drop",
    "duration_increase_pct": "Dur. increase",
    "conduction_block": "Block",
    "temporal_dispersion": "Dispersion",
    "insertional": "Insertional",
    "fibrillations": "Fib",
    "positive_sharp_waves": "PSW",
    "fasciculations": "Fasc",
    "other_discharges": "Other",
    "muap_amplitude": "Amp",
    "muap_duration": "Dur",
    "polyphasia": "Poly",
    "recruitment": "Recruitment",
    "interference": "Interference",
    "count": "MUAPs",
    "mean_duration_ms": "Mean duration",
    "mean_amplitude_uv": "Mean amplitude",
    "polyphasic_fraction": "Polyphasic",
    "classification": "Class",
    "chronodispersion_ms": "Chrono\u00addispersion",
    "persistence_pct": "Persis\u00adtence",
}
_GROUPS = {
    "fibrillations": "Spontaneous activity",
    "positive_sharp_waves": "Spontaneous activity",
    "fasciculations": "Spontaneous activity",
    "other_discharges": "Spontaneous activity",
    "muap_amplitude": "Voluntary MUAPs",
    "muap_duration": "Voluntary MUAPs",
    "polyphasia": "Voluntary MUAPs",
}
# Column widths (% of the table) for the fixed table layout; columns without one share the rest equally.
_WIDTHS = {
    "side": 5.5,
    "insertional": 9.0,
    "fibrillations": 4.5,
    "positive_sharp_waves": 4.5,
    "fasciculations": 4.5,
    "other_discharges": 9.0,
    "muap_amplitude": 8.0,
    "muap_duration": 8.0,
    "polyphasia": 7.5,
    "recruitment": 10.5,
    "interference": 10.5,
}
_LABEL_WIDTHS = {"ncs": 20.0, "ncs segments": 20.0, "special": 28.0, "emg": 18.5, "emg quant": 28.0}
_QUANTITATIVE = {"count", "mean_duration_ms", "mean_amplitude_uv", "polyphasic_fraction", "classification"}
_STRIP_WIDTH = 520.0


@dataclass
class HeadCell:
    """One heading cell of a table view."""

    text: str
    unit: str | None = None
    colspan: int = 1
    rowspan: int = 1
    title: str = ""


@dataclass
class RowView:
    label: str
    cells: list[Cell]


@dataclass
class TableView:
    """A model table as printed: an id, heading rows (with column groups), rows, notes."""

    id: str
    title: str
    head: list[list[HeadCell]]
    rows: list[RowView]
    notes: list[str] = field(default_factory=list)
    css: str = ""
    widths: list[float | None] = field(default_factory=list)


@dataclass
class FigureView:
    title: str
    svg: Markup
    settings: str
    width_pct: float = 100.0


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(p for p in out.split("-") if p)


def table_view(
    table: Table, table_id: str, title: str, *, css: str = "", keep: list[int] | None = None
) -> TableView:
    """A table with column groups (a second heading row when any column belongs to a group).

    ``keep`` selects the columns to show (indices into ``table.columns``; the label column is index 0).
    """
    idx = keep if keep is not None else list(range(len(table.columns)))
    columns = [table.columns[i] for i in idx]
    groups = [_GROUPS.get(c.key, "") for c in columns]
    grouped = any(groups)
    top: list[HeadCell] = []
    second: list[HeadCell] = []
    i = 0
    while i < len(columns):
        col, group = columns[i], groups[i]
        if group:
            j = i
            while j < len(columns) and groups[j] == group:
                second.append(
                    HeadCell(
                        SHORT_LABELS.get(columns[j].key, columns[j].label),
                        columns[j].unit,
                        title=columns[j].label,
                    )
                )
                j += 1
            top.append(HeadCell(group, colspan=j - i))
            i = j
            continue
        top.append(
            HeadCell(
                SHORT_LABELS.get(col.key, col.label), col.unit, rowspan=2 if grouped else 1, title=col.label
            )
        )
        i += 1
    head = [top, second] if grouped else [top]
    rows = [RowView(r.label, [r.cells[k - 1] for k in idx[1:]]) for r in table.rows]
    widths = [_LABEL_WIDTHS.get(css)] + [_WIDTHS.get(c.key) if css == "emg" else None for c in columns[1:]]
    return TableView(
        id=table_id, title=title, head=head, rows=rows, notes=list(table.notes), css=css, widths=widths
    )


def emg_views(table: Table) -> list[TableView]:
    """The needle EMG table printed as a findings table and (when any value exists) a quantitative table."""
    findings = [i for i, c in enumerate(table.columns) if c.key not in _QUANTITATIVE]
    quant = [0] + [i for i, c in enumerate(table.columns) if c.key == "side" or c.key in _QUANTITATIVE]
    views = [table_view(table, "emg-findings", "Needle EMG", css="emg", keep=findings)]
    views[0].notes = []
    has_quant = any(
        r.cells[i - 1].text for r in table.rows for i in quant if table.columns[i].key in _QUANTITATIVE
    )
    if has_quant:
        views.append(
            table_view(table, "emg-quantitative", "Quantitative MUAP analysis", css="emg quant", keep=quant)
        )
    views[-1].notes = list(table.notes)
    return views


def figure_view(figure: Figure) -> FigureView:
    """The SVG of a figure, its settings line and its printed width relative to a full-width needle strip."""
    drawn = render_figure(figure)
    pct = 100.0 if figure.kind == "needle_strip" else min(100.0, 100.0 * drawn.width / _STRIP_WIDTH)
    settings = drawn.settings + ("; ▲ onset, ▼ peak" if figure.kind == "ncs_sweeps" else "")
    return FigureView(title=figure.title, svg=Markup(drawn.svg), settings=settings, width_pct=round(pct, 1))


def _age(years: float) -> str:
    return f"{years:.0f} y" if abs(years - round(years)) < 0.05 or years >= 2 else f"{years:.1f} y"


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def status_line(report: Report) -> str:
    """The state as printed at the top of every page: DRAFT, or who signed when with the content hash."""
    sig = report.signature
    if sig.state == "draft":
        return "DRAFT — not signed"
    state = "Signed" if sig.state == "signed" else f"Signed and amended ({len(sig.addenda)} addenda)"
    digest = (sig.content_hash or "")[:16]
    return f"{state} by {sig.signed_by or 'unknown'}, {_when(sig.signed_at)} · SHA-256 {digest}…"


def id_line(report: Report) -> str:
    """Patient and study identification printed at the foot of every page."""
    h = report.header
    name = h.patient_name or "Name not recorded"
    return f"{name} · ID {h.patient_id} · Study {h.study_id} · {h.performed.isoformat()}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("edxkit.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


@cache
def stylesheet() -> str:
    """The report's CSS (package data ``templates/report.css``)."""
    return resources.files("edxkit.report").joinpath("templates", "report.css").read_text(encoding="utf-8")


def page_css(paper: str) -> str:
    """The ``@page`` size for ``paper`` (``a4`` or ``letter``), portrait."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}, not {paper!r}")
    return f"@page {{ size: {PAPERS[paper]} portrait; }}"


def render_html(report: Report, *, paper: str = "a4") -> str:
    """The report as one self-contained HTML document (CSS inline, figures as inline SVG).

    Parameters
    ----------
    report : Report
        The report model (any state).
    paper : {"a4", "letter"}
        Page size used when the page is printed (or rendered by :func:`edxkit.report.pdf.render_pdf`).
    """
    css = stylesheet() + "\n" + page_css(paper)
    nerves = []
    for kind, sections in (("motor", report.motor), ("sensory", report.sensory)):
        for section in sections:
            sid = f"nerve-{_slug(section.key)}"
            nerves.append(
                {
                    "kind": kind,
                    "section": section,
                    "id": sid,
                    "sites": table_view(section.sites, f"{sid}-sites", section.title, css="ncs"),
                    "segments": table_view(
                        section.segments, f"{sid}-segments", f"{section.title}: segments", css="ncs segments"
                    )
                    if section.segments is not None
                    else None,
                }
            )
    special = [
        table_view(t, tid, title, css="special")
        for tid, title, t in (
            ("f-waves", "F waves", report.f_waves),
            ("h-reflex", "H reflex", report.h_reflex),
        )
        if t is not None
    ]
    rns = table_view(report.rns, "rns", "Repetitive nerve stimulation", css="special") if report.rns else None
    emg = emg_views(report.emg) if report.emg is not None else []
    ncs_figures = [
        (s.title, figure_view(s.figure)) for s in (*report.motor, *report.sensory) if s.figure is not None
    ]
    muscle_figures = [
        (m, [figure_view(f) for f in m.figures]) for m in report.muscles if m.figures or m.reasons
    ]
    any_edited = any(
        c.source in ("edited", "entered") for _, t in report.tables() for r in t.rows for c in r.cells
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=report,
        h=report.header,
        css=Markup(css),  # the package's own stylesheet
        status=status_line(report),
        id_line=id_line(report),
        age=_age(report.header.age_years),
        when=_when,
        nerves=nerves,
        special=special,
        rns=rns,
        emg=emg,
        ncs_figures=ncs_figures,
        muscle_figures=muscle_figures,
        any_edited=any_edited,
        impression_paragraphs=[p.strip() for p in report.impression.text.split("\n\n") if p.strip()],
    )
