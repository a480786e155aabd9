"""Analyze one nerve study of a study file: measure each site, apply entered values, compare with limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.io.study import read_sweeps
from edxkit.model import NerveStudy, Site, Study
from edxkit.ncs.align import align_analyses
from edxkit.ncs.conduction import DEFAULT_CRITERIA, block_criteria, segments, sensory_cv
from edxkit.ncs.kinds import Kind
from edxkit.ncs.markers import SweepAnalysis, SweepMarkers, analyse_sweep
from edxkit.ncs.order import set_aside_unordered
from edxkit.ncs.pitfalls import pitfall_notes
from edxkit.ncs.results import LimitUsed, NerveResult, SiteResult
from edxkit.norms import Limit, NormTable, default_table
from edxkit.waveform import Waveform

_MEASURED = ("onset_latency_ms", "peak_latency_ms", "duration_ms", "end_latency_ms")


@dataclass(frozen=True, slots=True)
class NcsSettings:
    """How nerve studies are judged: the limits table and the conduction-block criteria set."""

    norms: NormTable = field(default_factory=default_table)
    criteria: str = DEFAULT_CRITERIA


def analyze_conduction(study: Study, nerve: NerveStudy, settings: NcsSettings) -> NerveResult:
    """A motor or sensory study: per-site markers and limits, then segments with CB/TD flags."""
    result = NerveResult(nerve.nerve, nerve.kind, nerve.side, nerve.record)
    if nerve.kind == "sensory":
        result.direction = "orthodromic" if nerve.orthodromic else "antidromic"
    if nerve.orthodromic:
        result.notes.append("recorded orthodromically: onsets allow for the SNAP's initial positivity")
    units = "mV" if nerve.kind == "motor" else "uV"
    analyses: list[SweepAnalysis | None] = []
    for site in nerve.sites:
        sweep = read_sweeps(study, site.waveform)[0] if site.waveform is not None else None
        res, analysis = _site_result(nerve, site, units, sweep)
        result.sites.append(res)
        analyses.append(analysis)
    age = study.patient.age
    distal_lln = _site_limits(result, settings.norms, age).get("amplitude")
    criteria = block_criteria()[settings.criteria]
    result.segments = segments(
        result.sites,
        nerve=nerve.nerve,
        distal_lln=distal_lln.value if distal_lln else None,
        criteria=criteria,
        aligned_ms=_aligned_deltas(result.sites, analyses),
    )
    set_aside_unordered(result)
    _segment_limits(result, settings.norms, age)
    result.notes.extend(pitfall_notes(result))
    return result


def _aligned_deltas(sites: list[SiteResult], analyses: list[SweepAnalysis | None]) -> list[float | None]:
    """Latency differences by alignment where both sweeps exist and both onsets are automatic.

    The sites' automatic analyses are aligned (:func:`edxkit.ncs.align.align_analyses`), each sweep
    analysed once for its markers and the alignment.
    """
    out: list[float | None] = []
    for k in range(len(sites) - 1):
        lower, upper = analyses[k], analyses[k + 1]
        auto = all(s.sources.get("onset_latency_ms") == "auto" for s in sites[k : k + 2])
        if lower is None or upper is None or not auto:
            out.append(None)
            continue
        diff = align_analyses(lower, upper)
        out.append(diff.delta_ms if diff.method == "aligned" else None)
    return out


def _site_result(
    nerve: NerveStudy, site: Site, units: str, sweep: Waveform | None
) -> tuple[SiteResult, SweepAnalysis | None]:
    """The site's result and the automatic analysis of its sweep, for the alignment.

    None without a sweep or with edited markers: every measured value of an edited site is marked
    ``edited``, and segments with an edited site take the difference of the onsets, not an alignment.
    """
    res = SiteResult(site.site, units, site.distance_mm, site.segment_mm)  # type: ignore[arg-type]
    analysis = None
    if sweep is not None:
        kind: Kind = "motor" if nerve.kind == "motor" else "sensory"
        edits = site.markers
        onset, peak = (edits.onset_ms, edits.peak_ms) if edits else (None, None)
        shown = analyse_sweep(sweep, kind, onset_ms=onset, peak_ms=peak, orthodromic=nerve.orthodromic)
        analysis = shown if shown.markers.source == "auto" else None
        _apply_markers(res, shown.markers, sweep.units)
    _apply_entered(res, site)
    if nerve.kind == "sensory":
        res.cv_m_s = sensory_cv(res)
    return res, analysis


def _apply_markers(res: SiteResult, m: SweepMarkers, sweep_units: str) -> None:
    scale = _scale(sweep_units, res.units)
    res.response, res.source = m.response, m.source
    res.notes.extend(m.notes)
    if m.response == "absent":
        return
    for name in _MEASURED:
        setattr(res, name, getattr(m, name))
    res.amplitude = None if m.amplitude is None else m.amplitude * scale
    res.peak_to_peak = None if m.peak_to_peak is None else m.peak_to_peak * scale
    res.area = None if m.area is None else m.area * scale
    for name in (*_MEASURED, "amplitude", "peak_to_peak", "area"):
        if getattr(res, name) is not None:
            res.sources[name] = m.source


def _apply_entered(res: SiteResult, site: Site) -> None:
    """Entered values override measured ones field by field; ``response: absent`` clears them."""
    entered: dict[str, Any] = site.entered_fields
    if not entered:
        return
    if entered.get("response") == "absent":
        res.response, res.source = "absent", "entered"
        for name in (*_MEASURED, "amplitude", "peak_to_peak", "area"):
            setattr(res, name, None)
        res.sources = {"response": "entered"}
        return
    mapping = {"amplitude_mv": "amplitude", "amplitude_uv": "amplitude", "area_mv_ms": "area"}
    for key, value in entered.items():
        name = mapping.get(key, key)
        if name in (*_MEASURED, "amplitude", "area"):
            if key == "amplitude_mv" and res.units == "uV":
                value = value * 1000.0
            setattr(res, name, float(value))
            res.sources[name] = "entered"
    res.response = "present"
    res.source = "entered"


def _scale(sweep_units: str, result_units: str) -> float:
    if sweep_units == result_units:
        return 1.0
    return 1000.0 if result_units == "uV" else 0.001


def _find(
    table: NormTable, result: NerveResult, measure: str, age: float, segment: str | None = None
) -> Limit | None:
    name = {"amplitude": "amplitude_mv" if result.kind == "motor" else "amplitude_uv"}.get(measure, measure)
    return table.find(
        nerve=result.nerve,
        kind=result.kind,
        record=result.record,
        measure=name,
        age_years=age,
        segment=segment,
        direction=result.direction,
    )


def _site_limits(result: NerveResult, table: NormTable, age: float) -> dict[str, Limit]:
    """Distal-site limits: latency (at its fixed distance), amplitude, and sensory CV; returns the limits
    the table has for the study, applied or not (a latency limit for another distance is not)."""
    if not result.sites:
        return {}
    distal = result.sites[0]
    latency = "onset_latency_ms" if result.kind == "motor" else "peak_latency_ms"
    measures = [latency, "amplitude"] + (["cv_m_s"] if result.kind == "sensory" else [])
    found: dict[str, Limit] = {}
    for measure in measures:
        limit = _find(table, result, measure, age, "any" if measure == "cv_m_s" else None)
        if limit is None:
            continue
        found[measure] = limit
        if measure == latency and not _same_distance(limit, distal):
            distal.notes.append(
                f"{latency} not compared: the limit is for {limit.distance_mm:g} mm, "
                f"this study used {distal.distance_mm if distal.distance_mm is not None else 'no'} mm"
            )
            continue
        _judge(distal, measure, limit)
    if not found:
        where = f"recorded at {result.record}" if result.record else "without a recording site"
        study = f"{result.nerve} {result.kind} study {where}"
        study = f"an orthodromic {study}" if result.direction == "orthodromic" else f"a {study}"
        result.notes.append(
            f"not compared with normal limits: {table.name} (version {table.version}) has none for {study}"
        )
    if distal.response == "absent":
        amplitude = found.get("amplitude")
        if amplitude is None or amplitude.value > 0:
            distal.abnormal.append("response")
    return found


def _same_distance(limit: Limit, site: SiteResult) -> bool:
    if limit.distance_mm is None:
        return True
    return site.distance_mm is not None and abs(site.distance_mm - limit.distance_mm) <= 10.0


def _judge(target: SiteResult, measure: str, limit: Limit) -> None:
    value = getattr(target, measure)
    target.limits[measure] = LimitUsed.of(limit)
    if value is not None and limit.abnormal(value):
        target.abnormal.append(measure)


def _segment_limits(result: NerveResult, table: NormTable, age: float) -> None:
    for seg in result.segments:
        for measure in ("cv_m_s", "amplitude_drop_pct", "cv_drop_m_s"):
            limit = _find(table, result, measure, age, seg.name)
            if limit is None or (measure != "cv_m_s" and limit.segment == "any"):
                continue
            seg.limits[measure] = LimitUsed.of(limit)
            value = getattr(seg, measure)
            if value is not None and limit.abnormal(value):
                seg.abnormal.append(measure)
        if seg.conduction_block:
            seg.abnormal.append("conduction_block")
        if seg.temporal_dispersion:
            seg.abnormal.append("temporal_dispersion")
