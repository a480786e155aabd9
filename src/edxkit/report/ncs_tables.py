"""NCS tables of the report in the customary layout: per nerve its sites and segments; F, H and RNS tables.

Cells come from the ``edxkit.result/1`` form of each nerve (``NerveResult.to_dict``): the value, the
limit used, the abnormal flag and the source (auto / edited / entered) travel with the number.
"""

from __future__ import annotations

from typing import Any

from edxkit.ncs.order import unordered_pairs
from edxkit.report.labels import capital, field_label, format_number, nerve_title, words
from edxkit.report.model import Cell, Column, Limit, NerveSection, Row, Table

# (field, unit, decimals) per column of each table.
_MOTOR = (
    ("distance_mm", "mm", 0),
    ("onset_latency_ms", "ms", 2),
    ("peak_latency_ms", "ms", 2),
    ("amplitude_mv", "mV", 1),
    ("duration_ms", "ms", 1),
    ("area_mv_ms", "mV·ms", 1),
)
_SENSORY = (
    ("distance_mm", "mm", 0),
    ("onset_latency_ms", "ms", 2),
    ("peak_latency_ms", "ms", 2),
    ("amplitude_uv", "µV", 1),
    ("cv_m_s", "m/s", 0),
)
_SEGMENT = (
    ("distance_mm", "mm", 0),
    ("cv_m_s", "m/s", 0),
    ("amplitude_drop_pct", "%", 0),
    ("area_drop_pct", "%", 0),
    ("duration_increase_pct", "%", 0),
    ("conduction_block", None, 0),
    ("temporal_dispersion", None, 0),
)
F_WAVE = (
    ("m_latency_ms", "ms", 2),
    ("f_min_latency_ms", "ms", 1),
    ("f_mean_latency_ms", "ms", 1),
    ("f_max_latency_ms", "ms", 1),
    ("persistence_pct", "%", 0),
    ("chronodispersion_ms", "ms", 1),
)
H_REFLEX = (
    ("m_latency_ms", "ms", 2),
    ("h_latency_ms", "ms", 1),
    ("h_max", "mV", 2),
    ("m_max", "mV", 2),
    ("h_m_ratio", None, 2),
    ("h_threshold_ma", "mA", 1),
    ("intensity_at_hmax_ma", "mA", 1),
)
RNS = (
    ("rate_hz", "Hz", 0),
    ("decrement_pct", "%", 0),
    ("max_decrement_pct", "%", 0),
    ("increment_pct", "%", 0),
)
_GEOMETRY = ("distance_mm", "segment_mm")
_ABSENT_TEXT = "NR"  # "no response", as EMG machines print it


def columns(spec: tuple[tuple[str, str | None, int], ...], first: str) -> list[Column]:
    """The first (label) column and one column per measured field."""
    return [Column(key="label", label=first)] + [
        Column(key=f, label=field_label(f), unit=u) for f, u, _ in spec
    ]


def cell(data: dict[str, Any], field: str, unit: str | None, decimals: int) -> Cell:
    """One value of a result dict with its limit, abnormal flag and source."""
    value = data.get(field)
    limit = data.get("limits", {}).get(field)
    flagged = field in data.get("abnormal", [])
    if isinstance(value, bool):
        flagged = flagged or (value and field in ("conduction_block", "temporal_dispersion"))
    # Distances are the examiner's measurements in every study: no source mark.
    source = None if field in _GEOMETRY else data.get("sources", {}).get(field) or data.get("source")
    return Cell(
        field=field,
        value=_plain(value),
        text=_shown(value, decimals, limit if flagged else None),
        unit=unit,
        abnormal=flagged,
        limit=Limit(bound=limit["bound"], value=limit["value"], source=limit.get("source", ""))
        if limit
        else None,
        source=source if value is not None and source in ("auto", "edited", "entered") else None,
    )


def _shown(value: Any, decimals: int, limit: dict[str, Any] | None) -> str:
    """The value at the column's decimals, or with up to two more where those would print an abnormal
    value on its limit (1.96 mV under a 2-mV limit reads 1.96, not 2.0)."""
    text = format_number(value, decimals)
    if limit is None or isinstance(value, bool) or not isinstance(value, int | float):
        return text
    for more in (1, 2):
        shown = float(text)
        inside = shown >= limit["value"] if limit["bound"] == "min" else shown <= limit["value"]
        if not inside:
            break
        text = format_number(value, decimals + more)
    return text


def _plain(value: Any) -> float | str | None:
    """A value as the model holds it: numbers and words as they are, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, int | float | str) else None


def _site_row(site: dict[str, Any], spec: tuple[tuple[str, str | None, int], ...]) -> Row:
    cells = []
    absent = site.get("response") == "absent"
    for field, unit, decimals in spec:
        data = dict(site)
        if field == "distance_mm" and site.get("distance_mm") is None:
            data["distance_mm"] = site.get("segment_mm")
        one = cell(data, field, unit, decimals)
        if absent and field not in ("distance_mm",) and one.value is None:
            one.text = _ABSENT_TEXT
            one.abnormal = field.startswith("amplitude")
        cells.append(one)
    return Row(label=capital(words(site["site"])), cells=cells)


def section_key(side: str, nerve: str, kind: str, record: str | None) -> str:
    """The key of a nerve study's section (``right-median-motor-abductor_pollicis_brevis``)."""
    return f"{side}-{nerve}-{kind}-{record or ''}"


def nerve_section(nerve: dict[str, Any]) -> NerveSection:
    """Site and segment tables of a motor or sensory study."""
    spec = _MOTOR if nerve["kind"] == "motor" else _SENSORY
    sites = Table(
        columns=columns(spec, "Site"),
        rows=[_site_row(s, spec) for s in nerve.get("sites", [])],
        notes=[n for s in nerve.get("sites", []) for n in s.get("notes", [])] + list(nerve.get("notes", [])),
    )
    segments = None
    if nerve.get("segments"):
        segments = Table(
            columns=columns(_SEGMENT, "Segment"),
            rows=[
                Row(
                    label=f"{capital(words(s['from']))} – {words(s['to'])}",
                    cells=[cell(s, f, u, d) for f, u, d in _SEGMENT],
                )
                for s in nerve["segments"]
            ],
            notes=[n for s in nerve["segments"] for n in s.get("notes", [])],
        )
    title = nerve_title(nerve["nerve"], nerve["kind"], nerve["side"], nerve.get("record"))
    section = NerveSection(
        key=section_key(nerve["side"], nerve["nerve"], nerve["kind"], nerve.get("record")),
        title=title,
        nerve=nerve["nerve"],
        kind=nerve["kind"],
        side=nerve["side"],
        record=nerve.get("record"),
        sites=sites,
        segments=segments,
    )
    section.abnormal = any(c.abnormal for t in (sites, segments) if t for r in t.rows for c in r.cells)
    listed = nerve.get("sites", [])
    onsets = [None if s.get("response") == "absent" else s.get("onset_latency_ms") for s in listed]
    section.unordered = bool(unordered_pairs(onsets))
    return section


def special_table(
    nerves: list[dict[str, Any]], spec: tuple[tuple[str, str | None, int], ...]
) -> Table | None:
    """One row per F-wave, H-reflex or RNS study (``nerves`` all of one kind); None when there are none."""
    if not nerves:
        return None
    return Table(
        columns=columns(spec, "Nerve"),
        rows=[
            Row(
                label=nerve_title(n["nerve"], n["kind"], n["side"], n.get("record")),
                cells=[cell(n, f, u, d) for f, u, d in spec],
                context={k: str(n[k]) for k in ("nerve", "kind", "side", "record") if n.get(k)},
            )
            for n in nerves
        ],
        notes=[
            f"{nerve_title(n['nerve'], n['kind'], n['side'], n.get('record'))}: {note}"
            for n in nerves
            for note in n.get("notes", [])
        ],
    )
