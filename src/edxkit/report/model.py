"""The report model (``edxkit.report/1``): one document that every output format renders.

HTML, PDF, FHIR and JSON are all produced from a :class:`Report`, never from the analysis objects
directly, so the four formats cannot disagree. A report is self-contained: its tables hold the displayed
text and the numbers behind it (with unit, limit, abnormal flag and source), and its figures hold the
decimated traces, so a signed report JSON can be rendered again years later without the recordings.

The sections follow the AANEM-recommended report contents (clinical.md §7): header with the itemised
studies, clinical question, technical conditions and limitations, NCS tables with the normal limits
alongside, needle EMG table, special studies, summary of findings, impression, billing, signature.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_SCHEMA = "edxkit.report/1"

Source = Literal["auto", "edited", "entered"]
State = Literal["draft", "signed", "amended"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Limit(_Model):
    """A normal limit used for a value: ``value`` is the lower (``min``) or upper (``max``) bound."""

    bound: Literal["min", "max"]
    value: float
    source: str = ""

    @property
    def text(self) -> str:
        """The limit as printed beside the value (``≤ 4.4``, ``≥ 50``)."""
        sign = "≥" if self.bound == "min" else "≤"
        return f"{sign} {_number(self.value)}"


class Cell(_Model):
    """One value in a table: the text shown and the measurement behind it.

    Parameters
    ----------
    field : str, optional
        Name of the measured field in the result contract (``onset_latency_ms``); None for labels.
    value : float or str, optional
        The measured value in ``unit`` (numbers) or a finding (``2+``, ``reduced``).
    text : str
        As displayed (``4.84``, ``NR`` for an absent response, ``—`` for not measured).
    unit : str, optional
        Display unit (``ms``, ``mV``, ``µV``, ``m/s``, ``%``); UCUM codes are derived in the FHIR output.
    abnormal : bool
        Outside the normal limit (or an abnormal finding such as fibrillations 2+).
    limit : Limit, optional
        The normal limit used, when the value has one.
    source : {"auto", "edited", "entered"}, optional
        Where the value came from.
    """

    field: str | None = None
    value: float | str | None = None
    text: str = ""
    unit: str | None = None
    abnormal: bool = False
    limit: Limit | None = None
    source: Source | None = None


class Column(_Model):
    """A table column: ``key`` is the result field (or a label key), ``label`` the heading."""

    key: str
    label: str
    unit: str | None = None


class Row(_Model):
    """One table row; ``cells`` line up with the table's columns.

    ``context`` names what the row measures where the label alone does not (F-wave, H-reflex and RNS rows:
    ``nerve``, ``kind``, ``side``, ``record``), for machine readers such as the FHIR output.
    """

    label: str
    cells: list[Cell]
    context: dict[str, str] = Field(default_factory=dict)


class Table(_Model):
    """A titled table with columns, rows and notes."""

    columns: list[Column]
    rows: list[Row] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Trace(_Model):
    """One decimated trace of a figure.

    Parameters
    ----------
    label : str
        What the trace is (``Wrist``, ``Rest``, ``MU 3``).
    t0_ms : float
        Time of the first value (ms; 0 = stimulus for NCS sweeps, recording time for needle strips).
    dt_ms : float
        Spacing of ``values`` (ms).
    values : list of float
        Samples in ``unit`` (decimated keeping each bin's extremes, so peaks survive).
    unit : {"mV", "µV"}
    markers : dict of str to float
        Marker times in ms (``onset``, ``peak``), on the same time axis.
    """

    label: str
    t0_ms: float
    dt_ms: float
    values: list[float]
    unit: str
    markers: dict[str, float] = Field(default_factory=dict)


class Figure(_Model):
    """Traces drawn together: NCS sweeps stacked by site, a needle strip, or MUAP templates."""

    kind: Literal["ncs_sweeps", "needle_strip", "muap_templates"]
    title: str
    traces: list[Trace] = Field(default_factory=list)


class NerveSection(_Model):
    """One nerve study: its site table, segment table, figure and notes."""

    key: str
    title: str
    nerve: str
    kind: str
    side: str
    record: str | None = None
    sites: Table
    segments: Table | None = None
    figure: Figure | None = None
    abnormal: bool = False
    unordered: bool = False  # onset latencies out of order along the nerve (edxkit.ncs.order)


class MuscleSection(_Model):
    """One muscle of the needle examination: its row of the EMG table and its figures."""

    key: str
    muscle: str
    side: str
    label: str
    classification: str | None = None
    reasons: list[str] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    abnormal: bool = False


class Header(_Model):
    """Who, when, by whom, and what was performed (the itemised studies that support the codes)."""

    patient_id: str
    patient_name: str | None = None
    birth_date: dt.date | None = None
    age_years: float
    sex: str = "unknown"
    height_cm: float | None = None
    study_id: str
    performed: dt.date
    referring_physician: str | None = None
    performing_physician: str | None = None
    technologist: str | None = None
    studies_performed: list[str] = Field(default_factory=list)


class Technical(_Model):
    """Limb temperatures, limitations of the conclusions and technical warnings."""

    temperatures: list[str] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    norms: str = ""


class ImpressionItem(_Model):
    """One diagnosis of the impression with the rule that fired and its evidence, in plain words."""

    code: str
    text: str
    rule: str = ""
    criteria: str = ""
    evidence: list[str] = Field(default_factory=list)
    side: str | None = None
    severity: str | None = None
    chronicity: str | None = None


class Impression(_Model):
    """The impression: the generated statement and items, and the physician's text when edited."""

    statement: str
    items: list[ImpressionItem] = Field(default_factory=list)
    text: str = Field(description="the impression as it appears in the report")
    edited: bool = False


class BillingLine(_Model):
    """One billed code with its units, modifiers and what it counts."""

    code: str
    units: int
    modifiers: list[str] = Field(default_factory=list)
    description: str = ""


class Addendum(_Model):
    """A signed addition to a signed report (the report itself never changes)."""

    text: str
    author: str
    time: dt.datetime
    content_hash: str = Field(description="sha256 of the report content with the addenda before this one")


class Signature(_Model):
    """State of the report: draft, signed (immutable, hashed) or amended (signed with addenda)."""

    state: State = "draft"
    signed_by: str | None = None
    signed_at: dt.datetime | None = None
    content_hash: str | None = None
    addenda: list[Addendum] = Field(default_factory=list)


class Report(_Model):
    """A complete EDX report (``edxkit.report/1``)."""

    schema_id: Literal["edxkit.report/1"] = Field(default="edxkit.report/1", alias="schema")
    generator: str
    created: dt.datetime
    header: Header
    indication: str = ""
    history: str = ""
    technical: Technical = Field(default_factory=Technical)
    motor: list[NerveSection] = Field(default_factory=list)
    sensory: list[NerveSection] = Field(default_factory=list)
    f_waves: Table | None = None
    h_reflex: Table | None = None
    rns: Table | None = None
    emg: Table | None = None
    muscles: list[MuscleSection] = Field(default_factory=list)
    summary: list[str] = Field(default_factory=list)
    impression: Impression
    billing: list[BillingLine] = Field(default_factory=list)
    billing_warnings: list[str] = Field(default_factory=list)
    signature: Signature = Field(default_factory=Signature)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def tables(self) -> list[tuple[str, Table]]:
        """Every table of the report with its title, in reading order."""
        out: list[tuple[str, Table]] = []
        for section in (*self.motor, *self.sensory):
            out.append((section.title, section.sites))
            if section.segments is not None:
                out.append((f"{section.title}: segments", section.segments))
        for title, table in (
            ("F waves", self.f_waves),
            ("H reflex", self.h_reflex),
            ("Repetitive nerve stimulation", self.rns),
            ("Needle EMG", self.emg),
        ):
            if table is not None:
                out.append((title, table))
        return out


def _number(value: float) -> str:
    """A limit or value as a lab prints it: no trailing zeros, at most 2 decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
