"""Plain-text tables of an analysis for the terminal (``edx analyze`` without ``--json``).

Abnormal values carry a ``*``; entered values a ``e`` and hand-edited markers an ``m``.
"""

from __future__ import annotations

from typing import Any

from edxkit.analyze import StudyResult
from edxkit.ncs.results import NerveResult, SiteResult

_SITE_COLUMNS = (
    ("onset_latency_ms", "onset ms"),
    ("peak_latency_ms", "peak ms"),
    ("amplitude", "amp"),
    ("duration_ms", "dur ms"),
    ("area", "area"),
    ("cv_m_s", "CV m/s"),
)
_MARK = {"entered": "e", "edited": "m"}


def format_result(result: StudyResult) -> str:
    lines = [f"study {result.study_id}  ·  norms {result.norms.get('table')} {result.norms.get('version')}"]
    lines += [f"warning: {w}" for w in result.warnings]
    for nerve in result.ncs:
        lines.append("")
        lines.append(nerve.label)
        lines.extend(_nerve_lines(nerve))
    if result.emg:
        from edxkit.emg.text import muscle_lines

        lines += ["", "needle EMG"]
        for muscle in result.emg:
            lines += ["  " + line for line in muscle_lines(muscle)]
    lines.extend(_conclusion_lines(result))
    return "\n".join(lines)


def _conclusion_lines(result: StudyResult) -> list[str]:
    out: list[str] = []
    if result.interpretation is not None:
        doc = result.interpretation.to_dict()
        out += ["", "impression:"]
        out += [f"  {imp.get('text') or imp['code']}  [rule {imp.get('rule')}]" for imp in doc["impressions"]]
        if doc.get("statement"):
            out.append(f"  {doc['statement']}")
        out += [f"  limitation: {item}" for item in doc.get("limitations", [])]
    if result.billing is not None:
        bill = result.billing.to_dict()
        codes = [
            f"{b['code']}×{b['units']}" + (f" {' '.join(b['modifiers'])}" if b["modifiers"] else "")
            for b in bill["lines"]
        ]
        out += ["", f"billing: {', '.join(codes) or 'none'}"]
        out += [f"  warning: {w}" for w in bill.get("warnings", [])]
    return out


def _nerve_lines(nerve: NerveResult) -> list[str]:
    if nerve.kind not in ("motor", "sensory"):
        return _summary_lines(nerve)
    units = "mV" if nerve.kind == "motor" else "µV"
    head = f"  {'site':<20}{'dist mm':>8}" + "".join(f"{label:>10}" for _, label in _SITE_COLUMNS)
    lines = [head.replace("amp", f"amp {units}").replace("area", f"area {units}ms")]
    lines += [_site_line(site) for site in nerve.sites]
    for seg in nerve.segments:
        parts = [f"  {seg.name}: CV {_num(seg.cv_m_s, 1)} m/s"]
        parts.append(f"amplitude drop {_num(seg.amplitude_drop_pct, 0)}%")
        parts.append(f"area drop {_num(seg.area_drop_pct, 0)}%")
        change = seg.duration_increase_pct
        parts.append("duration change —" if change is None else f"duration {change:+.0f}%")
        if seg.conduction_block:
            parts.append(f"CONDUCTION BLOCK ({seg.criteria})")
        if seg.temporal_dispersion:
            parts.append("TEMPORAL DISPERSION")
        flag = f"  abnormal: {', '.join(seg.abnormal)}" if seg.abnormal else ""
        lines.append(", ".join(parts) + flag)
    lines += [f"  note: {n}" for site in nerve.sites for n in site.notes]
    return lines


def _site_line(site: SiteResult) -> str:
    distance = site.distance_mm if site.distance_mm is not None else site.segment_mm
    line = f"  {site.site:<20}{_num(distance, 0):>8}"
    if site.response == "absent":
        mark = "*" if "response" in site.abnormal else ""
        return line + f"{'absent' + mark:>10}"
    for name, _ in _SITE_COLUMNS:
        value = getattr(site, name)
        mark = ("*" if name in site.abnormal else "") + _MARK.get(site.sources.get(name, ""), "")
        line += f"{_num(value, 1 if name == 'cv_m_s' else 2) + mark:>10}"
    return line


def _summary_lines(nerve: NerveResult) -> list[str]:
    out = []
    for key, value in nerve.summary.items():
        if key == "sources" or value is None:
            continue
        mark = "*" if key in nerve.abnormal else ""
        out.append(f"  {key}: {_fmt(value)}{mark}")
    out += [f"  note: {n}" for n in nerve.notes]
    return out or ["  (no waveform and no entered values)"]


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
