"""The study: patient, nerve conduction studies and needle EMG exams (schema ``edxkit.study/1``).

These pydantic models are the study file's schema. Names of nerves, muscles and sites are normalized
to the canonical snake_case ids of the anatomy tables when a study is loaded, so ``APB``,
``Medial gastrocnemius`` or ``fibular`` are accepted and stored as ``abductor_pollicis_brevis``,
``gastrocnemius_medial`` and ``peroneal``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from edxkit.anatomy.names import normalize_muscle, normalize_nerve, normalize_site

SCHEMA_ID = "edxkit.study/1"

Side = Literal["left", "right"]
StudyKind = Literal["motor", "sensory", "f_wave", "h_reflex", "rns"]
Condition = Literal["rest", "minimal", "moderate", "maximal"]
Source = Literal["auto", "edited", "entered"]
Level = Literal["normal", "increased", "decreased"]
Recruitment = Literal["normal", "reduced", "early", "discrete", "none"]
Interference = Literal["full", "reduced", "discrete", "none"]
OtherDischarge = Literal["myotonic", "complex_repetitive", "myokymic", "neuromyotonic", "cramp"]

GRADES = ("0", "1+", "2+", "3+", "4+")


def _grade(value: object) -> object:
    """Accept 0–4 as numbers or ``"2+"`` strings; store ``"0"``, ``"1+"`` … ``"4+"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and 0 <= value <= 4:
        return GRADES[value]
    if isinstance(value, str):
        text = value.strip()
        if text in ("0", "none", "absent"):
            return "0"
        if text.rstrip("+") in ("1", "2", "3", "4"):
            return text.rstrip("+") + "+"
    return value


Grade = Annotated[Literal["0", "1+", "2+", "3+", "4+"], BeforeValidator(_grade)]
MuscleId = Annotated[str, BeforeValidator(lambda v: normalize_muscle(str(v)))]
NerveId = Annotated[str, BeforeValidator(lambda v: normalize_nerve(str(v)))]
SiteId = Annotated[str, BeforeValidator(lambda v: normalize_site(str(v)))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class Patient(_Strict):
    """The patient; ``age`` in years and ``height_cm`` drive normative limits."""

    id: str = Field(min_length=1)
    name: str | None = None
    birth_date: dt.date | None = None
    age: float = Field(ge=0, le=120, description="years")
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    height_cm: float | None = Field(default=None, gt=40, lt=260)
    weight_kg: float | None = Field(default=None, gt=1, lt=400)


class Temperature(_Strict):
    """Limb skin temperature in °C at the time of the study."""

    upper: float | None = Field(default=None, ge=15, le=42)
    lower: float | None = Field(default=None, ge=15, le=42)


class WaveformRef(_Strict):
    """A recording file (relative to the study file) and the channel to use.

    ``channel: all`` takes every channel in order: one sweep per stimulus for F-wave, H-reflex and
    repetitive-stimulation trains.
    """

    file: str = Field(min_length=1)
    channel: int | str = 0

    @property
    def all_channels(self) -> bool:
        return self.channel == "all"


class MarkerEdit(_Strict):
    """Markers placed by hand on a site's waveform (ms from the stimulus); measures are recomputed."""

    onset_ms: float | None = Field(default=None, ge=-50, le=500)
    peak_ms: float | None = Field(default=None, ge=-50, le=500)


class Site(_Strict):
    """A stimulation site of a nerve study, distal first, with an optional waveform and entered values.

    Entered values override the automatic measurement of the waveform downstream.
    """

    site: SiteId
    distance_mm: float | None = Field(
        default=None, gt=0, le=600, description="stimulus to recording electrode"
    )
    segment_mm: float | None = Field(default=None, gt=0, le=1500, description="from the previous site")
    waveform: WaveformRef | None = None
    markers: MarkerEdit | None = Field(default=None, description="markers moved by hand on the waveform")
    condition: Literal["rest", "post_exercise"] | None = Field(
        default=None, description="repetitive stimulation: at rest or right after exercise"
    )
    rate_hz: float | None = Field(default=None, gt=0, le=100, description="repetitive stimulation rate")
    intensities_ma: list[Annotated[float, Field(gt=0, le=200)]] | None = Field(
        default=None,
        min_length=1,
        description="H-reflex series: stimulus intensity of each sweep, mA, in channel order",
    )
    response: Literal["present", "absent"] | None = None
    onset_latency_ms: float | None = Field(default=None, ge=0, le=200)
    peak_latency_ms: float | None = Field(default=None, ge=0, le=200)
    amplitude_mv: float | None = Field(default=None, ge=0, le=100)
    amplitude_uv: float | None = Field(default=None, ge=0, le=1000)
    duration_ms: float | None = Field(default=None, ge=0, le=200)
    area_mv_ms: float | None = Field(default=None, ge=0, le=1000)
    f_min_latency_ms: float | None = Field(default=None, ge=0, le=200)
    persistence_pct: float | None = Field(default=None, ge=0, le=100)
    h_latency_ms: float | None = Field(default=None, ge=0, le=200)
    decrement_pct: float | None = Field(default=None, ge=-100, le=100)
    increment_pct: float | None = Field(default=None, ge=-100, le=10000)

    def intensities_problem(self, n_sweeps: int) -> str | None:
        """Why ``intensities_ma`` does not fit a series of ``n_sweeps`` sweeps (None when it does)."""
        if self.intensities_ma is None or len(self.intensities_ma) == n_sweeps:
            return None
        file = self.waveform.file if self.waveform is not None else "the waveform"
        return (
            f"{len(self.intensities_ma)} intensities for the {n_sweeps} sweeps of {file}: give one per sweep"
        )

    @property
    def entered_fields(self) -> dict[str, float | str]:
        """The measured values typed into the study (not distances or the waveform)."""
        return {k: v for k, v in self.model_dump(exclude_none=True).items() if k in ENTERED_SITE_FIELDS}


# The measured fields a site may carry as typed-in values (everything but its place, geometry and waveform).
ENTERED_SITE_FIELDS = frozenset(Site.model_fields) - {
    "site",
    "distance_mm",
    "segment_mm",
    "waveform",
    "markers",
    "condition",
    "rate_hz",
    "intensities_ma",
}


class NerveStudy(_Strict):
    """One nerve on one side for one kind of study, recorded at ``record``, stimulated at ``sites``."""

    nerve: NerveId
    kind: StudyKind
    side: Side
    record: str | None = Field(default=None, description="recording site: a muscle for motor studies")
    direction: Literal["antidromic", "orthodromic"] | None = Field(
        default=None,
        description="sensory studies: recording direction (default antidromic); an orthodromic SNAP, "
        "recorded over the nerve trunk, starts with a larger initial positivity",
    )
    sites: list[Site] = Field(min_length=1)

    @field_validator("record", mode="before")
    @classmethod
    def _normalize_record(cls, value: object) -> object:
        if value is None:
            return None
        text = str(value)
        try:
            return normalize_muscle(text)
        except ValueError:
            return normalize_site(text)

    @model_validator(mode="after")
    def _direction_of_sensory_only(self) -> NerveStudy:
        if self.direction is not None and self.kind != "sensory":
            raise ValueError(f"direction applies to sensory studies only, not to a {self.kind} study")
        return self

    @property
    def orthodromic(self) -> bool:
        """A sensory study recorded orthodromically."""
        return self.kind == "sensory" and self.direction == "orthodromic"

    @model_validator(mode="after")
    def _unique_sites(self) -> NerveStudy:
        keys = [(s.site, s.condition) for s in self.sites]
        duplicates = sorted({k for k in keys if keys.count(k) > 1}, key=str)
        if duplicates:
            site, condition = duplicates[0]
            when = f" ({condition})" if condition else ""
            raise ValueError(f"site {site!r}{when} appears more than once")
        return self

    @property
    def label(self) -> str:
        return f"{self.side} {self.nerve} {self.kind}" + (f" ({self.record})" if self.record else "")


class RecordingRef(WaveformRef):
    """A needle recording of a muscle at one contraction level."""

    condition: Condition


class Findings(_Strict):
    """Grades entered by the examiner; a key left out means not assessed (not normal)."""

    insertional: Level | None = None
    fibrillations: Grade | None = None
    positive_sharp_waves: Grade | None = None
    fasciculations: Grade | None = None
    other_discharges: list[OtherDischarge] = Field(default_factory=list)
    muap_amplitude: Level | None = None
    muap_duration: Level | None = None
    polyphasia: Literal["normal", "increased"] | None = None
    recruitment: Recruitment | None = None
    interference: Interference | None = None


class MuscleExam(_Strict):
    """Needle examination of one muscle on one side."""

    muscle: MuscleId
    side: Side
    recordings: list[RecordingRef] = Field(default_factory=list)
    findings: Findings = Field(default_factory=Findings)


class Study(_Strict):
    """A complete electrodiagnostic study as written in a study file."""

    schema_id: Literal["edxkit.study/1"] = Field(default="edxkit.study/1", alias="schema")
    id: str = Field(min_length=1)
    patient: Patient
    performed: dt.date
    indication: str = ""
    referring_physician: str | None = None
    performing_physician: str | None = None
    technologist: str | None = None
    temperature_c: Temperature = Field(default_factory=Temperature)
    ncs: list[NerveStudy] = Field(default_factory=list)
    emg: list[MuscleExam] = Field(default_factory=list)
    notes: str | None = None

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The study file this study was loaded from, if any."""
        return self._source

    def resolve(self, file: str) -> Path:
        """A waveform file's path: relative names are relative to the study file's folder."""
        path = Path(file)
        if path.is_absolute() or self._source is None:
            return path
        return self._source.parent / path

    def to_document(self) -> dict[str, object]:
        """The study as a plain dict in file form (``schema`` key, ISO dates, no unset values)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
