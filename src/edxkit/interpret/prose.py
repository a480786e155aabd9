"""Evidence rows in words, for the statement's list of findings no impression explains.

A row names a nerve study (side, nerve, kind, site or segment, field) or a muscle (side, muscle, field,
value); the statement groups the rows of one study or muscle and names each abnormal finding the way
a report's impression does ("right median motor (low amplitude at wrist)", "right biceps brachii
(fibrillations 2+, myokymic discharges)"), never an internal id or a Python value.
"""

from __future__ import annotations

from typing import Any

_UNIT_SUFFIXES = ("_m_s", "_mv_ms", "_uv_ms", "_mv", "_uv", "_ms", "_pct", "_ma", "_hz")
_KIND_WORDS = {"f_wave": "F-wave", "h_reflex": "H-reflex", "rns": "repetitive stimulation"}
_FIELD_WORDS = {
    "cv_m_s": "conduction velocity",
    "insertional": "insertional activity",
    "muap_amplitude": "MUAP amplitude",
    "muap_duration": "MUAP duration",
    "interference": "interference pattern",
    "f_min_latency_ms": "minimal F latency",
    "h_m_ratio": "H/M ratio",
    "h_latency_ms": "H latency",
    "m_latency_ms": "M latency",
    "onset_latency_side_difference_ms": "onset latency difference from the other side",
    "amplitude_side_difference_mv": "amplitude difference from the other side",
    "amplitude_side_drop_pct": "amplitude drop from the other side",
    "f_min_latency_side_difference_ms": "minimal F latency difference from the other side",
    "h_latency_side_difference_ms": "H latency difference from the other side",
    "h_max_side_ratio": "H amplitude ratio to the other side",
}


def words(identifier: str) -> str:
    """``below_elbow`` → ``below elbow``; ``below_elbow-above_elbow`` → ``below elbow–above elbow``."""
    return identifier.replace("-", "–").replace("_", " ")


def field_words(field: str) -> str:
    """A measure's name without its unit suffix: ``amplitude_mv`` → ``amplitude``."""
    if field in _FIELD_WORDS:
        return _FIELD_WORDS[field]
    for suffix in _UNIT_SUFFIXES:
        if field.endswith(suffix):
            field = field[: -len(suffix)]
            break
    return words(field)


def _muscle_item(field: str, value: Any) -> str:
    if field == "other_discharges":
        kinds = value if isinstance(value, list | tuple) else [value]
        return ", ".join(f"{words(str(k))} discharges" for k in kinds)
    return f"{field_words(field)} {value}"


def _adjective(row: dict[str, Any]) -> str:
    """``low``, ``prolonged``, ``slow`` or ``high`` from the row's value against its limit ("" unknown)."""
    value, limit = row.get("value"), row.get("limit")
    if not isinstance(value, int | float) or not isinstance(limit, int | float) or value == limit:
        return ""
    if value < limit:
        return "slow " if row["field"] == "cv_m_s" else "low "
    if "_side_" in row["field"]:
        return "increased "
    if "latency" in row["field"]:
        return "prolonged "
    return "increased " if "drop" in row["field"] or "increase" in row["field"] else "high "


def _nerve_item(row: dict[str, Any]) -> str:
    if row["field"] == "response":
        what = f"{row['value']} response" if row.get("value") else "response"
    else:
        what = _adjective(row) + field_words(row["field"])
    where = row.get("site") or row.get("segment")
    return f"{what} at {words(where)}" if where else what


def _key(row: dict[str, Any]) -> str:
    if row.get("table") == "emg":
        return f"{row['side']} {words(row['muscle'])}"
    if "comparison" in row:
        return f"{row['side']} {words(row['comparison'])}"
    kind = _KIND_WORDS.get(row["kind"], words(row["kind"]))
    return f"{row['side']} {words(row['nerve'])} {kind}"


def findings_in_words(rows: list[dict[str, Any]]) -> str:
    """The rows grouped by nerve study or muscle, in their order: ``"a (x, y); b (z)"``."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        if row.get("table") == "emg":
            item = _muscle_item(row["field"], row["value"])
        elif "comparison" in row:
            item = "abnormal"
        else:
            item = _nerve_item(row)
        items = groups.setdefault(_key(row), [])
        if item not in items:
            items.append(item)
    return "; ".join(f"{key} ({', '.join(items)})" for key, items in groups.items())
