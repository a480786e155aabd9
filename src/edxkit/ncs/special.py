"""F-wave, H-reflex and repetitive-stimulation studies of a study file: measure, override, judge."""

from __future__ import annotations

from typing import Any

from edxkit.errors import EdxInputError
from edxkit.io.study import read_sweeps
from edxkit.model import NerveStudy, Study
from edxkit.ncs.fwave import analyze_f_waves
from edxkit.ncs.hreflex import analyze_h_reflex
from edxkit.ncs.nerve import NcsSettings
from edxkit.ncs.results import LimitUsed, NerveResult
from edxkit.ncs.rns import analyze_rns

F_FIELDS = (
    "f_min_latency_ms",
    "f_mean_latency_ms",
    "f_max_latency_ms",
    "persistence_pct",
    "chronodispersion_ms",
    "m_latency_ms",
    "m_amplitude_mv",
)
H_FIELDS = (
    "h_latency_ms",
    "m_latency_ms",
    "h_max",
    "m_max",
    "h_m_ratio",
    "h_threshold_ma",
    "m_threshold_ma",
    "intensity_at_hmax_ma",
)
RNS_FIELDS = ("decrement_pct", "area_decrement_pct", "max_decrement_pct", "increment_pct")


def analyze_special(study: Study, nerve: NerveStudy, settings: NcsSettings) -> NerveResult:
    """Dispatch by kind; every summary value records whether it was measured or entered."""
    result = NerveResult(nerve.nerve, nerve.kind, nerve.side, nerve.record)
    measures: tuple[str, ...]
    if nerve.kind == "f_wave":
        _f_wave(study, nerve, result)
        measures = ("f_min_latency_ms",)
    elif nerve.kind == "h_reflex":
        _h_reflex(study, nerve, result)
        measures = ("h_latency_ms",)
    else:
        _rns(study, nerve, result)
        measures = ("decrement_pct", "increment_pct")
    _entered(nerve, result)
    _judge(result, settings, study.patient.age, measures)
    return result


def _f_wave(study: Study, nerve: NerveStudy, result: NerveResult) -> None:
    site = nerve.sites[0]
    if site.waveform is None:
        return
    f = analyze_f_waves(read_sweeps(study, site.waveform))
    result.summary |= {name: getattr(f, name) for name in F_FIELDS} | {"n_stimuli": f.n_stimuli}
    result.notes.extend(f.notes)


def _h_reflex(study: Study, nerve: NerveStudy, result: NerveResult) -> None:
    site = nerve.sites[0]
    if site.waveform is None:
        return
    sweeps = read_sweeps(study, site.waveform)
    problem = site.intensities_problem(len(sweeps))
    if problem is not None:
        field = f"ncs[{study.ncs.index(nerve)}].sites[0].intensities_ma"
        raise EdxInputError(study.source or "study", field, problem)
    h = analyze_h_reflex(sweeps, intensities_ma=site.intensities_ma)
    result.summary |= {name: getattr(h, name) for name in H_FIELDS}
    result.notes.extend(h.notes)


def _rns(study: Study, nerve: NerveStudy, result: NerveResult) -> None:
    rest = next((s for s in nerve.sites if s.condition in (None, "rest") and s.waveform), None)
    post = next((s for s in nerve.sites if s.condition == "post_exercise" and s.waveform), None)
    if rest is None or rest.waveform is None:
        return
    post_sweeps = read_sweeps(study, post.waveform) if post is not None and post.waveform else None
    rns = analyze_rns(read_sweeps(study, rest.waveform), post_exercise=post_sweeps, rate_hz=rest.rate_hz)
    result.summary |= {name: getattr(rns, name) for name in RNS_FIELDS}
    if rest.rate_hz is not None:
        result.summary["rate_hz"] = rest.rate_hz
    result.notes.extend(rns.notes)


def _entered(nerve: NerveStudy, result: NerveResult) -> None:
    sources: dict[str, str] = {}
    for site in nerve.sites:
        for key, value in site.entered_fields.items():
            if key in (*F_FIELDS, *H_FIELDS, *RNS_FIELDS):
                result.summary[key] = value
                sources[key] = "entered"
    measured = {k: "auto" for k, v in result.summary.items() if v is not None and k not in sources}
    result.summary["sources"] = measured | sources


def _judge(result: NerveResult, settings: NcsSettings, age: float, measures: tuple[str, ...]) -> None:
    for measure in measures:
        limit = settings.norms.find(
            nerve=result.nerve, kind=result.kind, record=result.record, measure=measure, age_years=age
        )
        if limit is None:
            continue
        result.limits[measure] = LimitUsed.of(limit)
        value: Any = result.summary.get(measure)
        if value is not None and limit.abnormal(value):
            result.abnormal.append(measure)
