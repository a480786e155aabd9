"""Per-muscle classification of a needle examination: normal, neurogenic, myopathic or indeterminate.

A transparent rule on the muscle's MUAP summary, recruitment, interference pattern and spontaneous activity,
referenced to the MUAP reference table (:mod:`edxkit.norms.muap`). Every comparison made is returned as a
:class:`Reason` (measure, value, limit, comparison, text) with the table rows used.

MUAP size (per parameter: amplitude, duration, area; mean phases and turns and % polyphasic feed polyphasia)

* Mean rule (muap-norms C08): the muscle mean is compared with the row's mean limits. C01 asks for 20 MUAPs;
  with 5–19 MUAPs the limits are widened about the reference mean by :data:`SMALL_SAMPLE_WIDENING` (1.36,
  the ratio of the 95 % tolerance half-widths of the biceps mean duration with 5 and with 20 MUAPs, C02/C03).
  Below 5 MUAPs (:data:`MIN_MUAPS`) the MUAPs are not assessed.
* % polyphasic is a count, and its limit (C14/C15) is for the 20 MUAPs of C01. With fewer, it is raised only
  when the polyphasic MUAPs already seen exceed the limit's share *of 20* — the percentage would be above the
  limit even if every MUAP still missing up to 20 were simple (2 polyphasic of 7 is 29 %, but 2 of 20 is
  10 %: not evidence against a 15 % limit).
* Outlier rule (C06/C07): more than 2 individual amplitudes or durations beyond the row's outlier limit.
* A parameter is *increased* (or *decreased*) when either rule says so; both directions at once (e.g.
  more than 2 outliers on each side) is *mixed*: the finding is left out and, unless other signs decide,
  the muscle is ``indeterminate`` (mixed large and small MUAPs).

Decision

* neurogenic signs: large or long MUAPs (amplitude/duration/area increased); reduced recruitment; reduced or
  discrete interference pattern *with* fibrillations/positive sharp waves (alone it may be poor effort).
* myopathic signs: small or short MUAPs (decreased); early recruitment together with increased polyphasia.
* both kinds present → ``indeterminate`` (conflicting; e.g. a chronic myopathy with mixed MUAPs);
  neurogenic signs only → ``neurogenic``; myopathic signs only → ``myopathic`` (fibrillations/PSWs are
  reported as supporting either: active denervation, or an irritable myopathy);
* fibrillations/PSWs without MUAP or recruitment change → ``indeterminate`` (denervation or irritable
  myopathy cannot be told apart); increased polyphasia alone → ``indeterminate`` (non-specific);
* nothing abnormal and the MUAPs assessed against a reference → ``normal``; otherwise ``indeterminate``
  naming what is missing (too few MUAPs — at least 5, 20 recommended — or no reference for the muscle).

A muscle without reference rows is never compared with another muscle's values (muap-norms, §intro): its
MUAP findings are not assessed and the reference says ``no reference for <muscle>``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from edxkit.anatomy.names import UnknownIdError, normalize_muscle
from edxkit.emg.interference import Interference
from edxkit.emg.recruitment import Recruitment
from edxkit.emg.summary import MuapSummary
from edxkit.norms.muap import MuapNorm, MuapNormTable, default_muap_table, load_muap_table

MIN_MUAPS = 5
RECOMMENDED_MUAPS = 20
SMALL_SAMPLE_WIDENING = 1.36
OUTLIER_MAX = 2
ABSENT_GRADES = frozenset({"", "0", "none", "absent", "±", "+/-", "equivocal", "rare"})
SPONTANEOUS_KEYS = ("fibrillations", "positive_sharp_waves", "fasciculations")
_KEY_ALIASES = {
    "fibrillation": "fibrillations",
    "positive_sharp_wave": "positive_sharp_waves",
    "fasciculation": "fasciculations",
}
_SIZE = ("amplitude_uv", "duration_ms", "area_uv_ms")
_FINDING = {"amplitude_uv": "muap_amplitude", "duration_ms": "muap_duration"}


@dataclass(frozen=True, slots=True)
class Reason:
    """One comparison: ``value`` ``comparison`` ``limit`` (e.g. 13.1 ``>`` 12.7), with its explanation."""

    measure: str
    value: float | str
    limit: float | str | None
    comparison: str
    text: str


@dataclass(frozen=True, slots=True)
class Classification:
    """The muscle's label, the comparisons behind it, the reference rows used and the study findings."""

    label: str
    reasons: tuple[Reason, ...]
    reference: str
    findings: dict[str, str] = field(default_factory=dict)


@dataclass
class _Evidence:
    reasons: list[Reason] = field(default_factory=list)
    rows: list[MuapNorm] = field(default_factory=list)
    high: set[str] = field(default_factory=set)
    low: set[str] = field(default_factory=set)
    compared: set[str] = field(default_factory=set)
    polyphasia: bool = False
    assessed: bool = False


def _table(norms: MuapNormTable | str | Path | None) -> MuapNormTable:
    if norms is None:
        return default_muap_table()
    if isinstance(norms, MuapNormTable):
        return norms
    return load_muap_table(norms)


def _muscle_id(muscle: str) -> str:
    try:
        return normalize_muscle(muscle)
    except UnknownIdError:
        return muscle.strip()


def _widened(row: MuapNorm, n: int) -> tuple[float | None, float | None, str]:
    low, high = row.mean_lower, row.mean_upper
    if n >= RECOMMENDED_MUAPS or row.mean is None:
        return low, high, ""
    centre = row.mean
    low = None if low is None else centre - (centre - low) * SMALL_SAMPLE_WIDENING
    high = None if high is None else centre + (high - centre) * SMALL_SAMPLE_WIDENING
    return (
        low,
        high,
        f" (limits widened ×{SMALL_SAMPLE_WIDENING:g} for {n} < {RECOMMENDED_MUAPS} MUAPs, C02/C03)",
    )


def _mean_rule(ev: _Evidence, parameter: str, value: float, row: MuapNorm, n: int) -> None:
    low, high, note = _widened(row, n)
    cite = row.describe()
    if high is not None and value > high:
        ev.high.add(parameter)
        ev.reasons.append(
            Reason(f"mean {parameter}", value, high, ">", f"mean {value:.4g} > {high:.4g}{note}; {cite}")
        )
    elif low is not None and value < low:
        ev.low.add(parameter)
        ev.reasons.append(
            Reason(f"mean {parameter}", value, low, "<", f"mean {value:.4g} < {low:.4g}{note}; {cite}")
        )
    else:
        band = _band_text(low, high)
        ev.reasons.append(
            Reason(
                f"mean {parameter}",
                value,
                band,
                "within",
                f"mean {value:.4g} {'within ' if '–' in band else ''}{band}{note}; {cite}",
            )
        )


def _polyphasic_rule(ev: _Evidence, pct: float, row: MuapNorm, n: int) -> None:
    """% polyphasic of fewer than 20 MUAPs: the count seen must already exceed the limit's share of 20."""
    high = row.mean_upper
    if high is None:
        return
    count = round(pct * n / 100.0)
    floor_pct = 100.0 * count / RECOMMENDED_MUAPS
    measure, cite = "mean polyphasic_pct", row.describe()
    if floor_pct > high:
        ev.high.add("polyphasic_pct")
        text = (
            f"{count} of {n} MUAPs polyphasic ({pct:.3g} %): above {high:g} % even as {count} of the "
            f"{RECOMMENDED_MUAPS} MUAPs C01 asks for; {cite}"
        )
        ev.reasons.append(Reason(measure, pct, high, ">", text))
        return
    text = (
        f"{count} of {n} MUAPs polyphasic ({pct:.3g} %): not above ≤ {high:g} % as a share of the "
        f"{RECOMMENDED_MUAPS} MUAPs C01 asks for ({floor_pct:.3g} % if the rest were simple); {cite}"
    )
    ev.reasons.append(Reason(measure, pct, f"≤ {high:g}", "within", text))


def _band_text(low: float | None, high: float | None) -> str:
    """``low–high``, ``≤ high`` or ``≥ low`` (a one-sided limit is not shown as an open dash)."""
    if low is None and high is None:
        return "no limits"
    if low is None:
        return f"≤ {high:.4g}"
    if high is None:
        return f"≥ {low:.4g}"
    return f"{low:.4g}–{high:.4g}"


def _outlier_rule(ev: _Evidence, parameter: str, values: tuple[float, ...], row: MuapNorm) -> None:
    for limit, side, sign in ((row.outlier_upper, ev.high, ">"), (row.outlier_lower, ev.low, "<")):
        if limit is None or not values:
            continue
        count = sum(1 for v in values if (v > limit if sign == ">" else v < limit))
        if count > OUTLIER_MAX:
            side.add(parameter)
            ev.reasons.append(
                Reason(
                    f"{parameter} outliers",
                    float(count),
                    float(OUTLIER_MAX),
                    ">",
                    f"{count} of {len(values)} MUAPs {sign} outlier limit {limit:g}: more than {OUTLIER_MAX} "
                    f"(C06/C07); {row.describe()}",
                )
            )


def _muap_evidence(
    ev: _Evidence, summary: MuapSummary, table: MuapNormTable, muscle: str, age: float | None
) -> list[str]:
    """Compare the summary with the table; returns the reasons why parameters could not be assessed."""
    missing: list[str] = []
    n = summary.count
    means = {
        "amplitude_uv": summary.mean_amplitude_uv,
        "duration_ms": summary.mean_duration_ms,
        "area_uv_ms": summary.mean_area_uv_ms,
        "phases": summary.mean_phases,
        "turns": summary.mean_turns,
        "polyphasic_pct": 100.0 * summary.polyphasic_fraction,
    }
    individual = {"amplitude_uv": summary.amplitudes_uv, "duration_ms": summary.durations_ms}
    for parameter, value in means.items():
        row = table.find(muscle, parameter, age)
        if row is None:
            if parameter in ("amplitude_uv", "duration_ms"):
                missing.append(table.why_missing(muscle, parameter, age))
            continue
        if not math.isfinite(value):
            continue
        ev.rows.append(row)
        ev.compared.add(parameter)
        if parameter in _SIZE:
            ev.assessed = True
        before = len(ev.high)
        if parameter == "polyphasic_pct" and n < RECOMMENDED_MUAPS:
            _polyphasic_rule(ev, value, row, n)
        else:
            _mean_rule(ev, parameter, value, row, n)
        if parameter in individual:
            _outlier_rule(ev, parameter, individual[parameter], row)
        if parameter in ("phases", "turns", "polyphasic_pct") and len(ev.high) > before:
            ev.high.discard(parameter)
            ev.polyphasia = True
    return missing


def _grade_present(grade: str | None) -> bool:
    return grade is not None and str(grade).strip().lower() not in ABSENT_GRADES


def _findings(
    ev: _Evidence, spontaneous: Mapping[str, str], rec: Recruitment | None, ip: Interference | None
) -> dict[str, str]:
    out: dict[str, str] = {}
    if ev.assessed:
        for parameter, key in _FINDING.items():
            if parameter in ev.compared:
                high, low = parameter in ev.high, parameter in ev.low
                if not (high and low):
                    out[key] = "increased" if high else "decreased" if low else "normal"
        if ev.compared & {"phases", "turns", "polyphasic_pct"}:
            out["polyphasia"] = "increased" if ev.polyphasia else "normal"
    if rec is not None and rec.label in ("normal", "reduced", "early"):
        out["recruitment"] = rec.label
    if ip is not None and ip.n_epochs > 0:
        out["interference"] = ip.label
    for key in SPONTANEOUS_KEYS:
        if key in spontaneous:
            out[key] = str(spontaneous[key])
    return out


def _decide(
    ev: _Evidence, fibs: bool, rec: str | None, ip: str | None, n: int, missing: list[str]
) -> tuple[str, list[str]]:
    large = sorted((ev.high - ev.low) & set(_SIZE))
    small = sorted((ev.low - ev.high) & set(_SIZE))
    mixed = sorted(ev.high & ev.low & set(_SIZE))
    neuro = [f"{p} increased" for p in large]
    myo = [f"{p} decreased" for p in small]
    if rec == "reduced":
        neuro.append("reduced recruitment")
    if ip in ("reduced", "discrete") and fibs:
        neuro.append(f"{ip} interference pattern with fibrillations/PSWs")
    if rec == "early" and ev.polyphasia:
        myo.append("early recruitment with increased polyphasia")
    support = " (fibrillations/PSWs present)" if fibs else ""
    if neuro and myo:
        return "indeterminate", [
            f"conflicting: neurogenic ({', '.join(neuro)}) and myopathic ({', '.join(myo)}) signs"
        ]
    if neuro:
        return "neurogenic", [f"neurogenic: {', '.join(neuro)}{support}"]
    if myo:
        return "myopathic", [f"myopathic: {', '.join(myo)}{support}"]
    if mixed:
        return "indeterminate", [f"mixed large and small MUAPs ({', '.join(mixed)} beyond both limits)"]
    if fibs:
        return "indeterminate", [
            "fibrillations/PSWs without MUAP or recruitment change: denervation or irritable myopathy"
        ]
    if ev.polyphasia:
        return "indeterminate", ["increased polyphasia alone is non-specific"]
    if rec == "early":
        return "indeterminate", ["early recruitment alone (MUAP size normal or not assessed) is non-specific"]
    if ev.assessed:
        return "normal", ["MUAP measures within limits, no abnormal spontaneous activity or recruitment"]
    why = (
        [f"{n} MUAPs: at least {MIN_MUAPS} needed ({RECOMMENDED_MUAPS} recommended, C01)"]
        if n < MIN_MUAPS
        else []
    )
    return "indeterminate", why + missing or ["no MUAP, recruitment or spontaneous-activity evidence"]


def classify_muscle(
    summary: MuapSummary | None,
    *,
    muscle: str,
    age_years: float | None,
    spontaneous_grades: Mapping[str, str] | None = None,
    recruitment: Recruitment | None = None,
    interference: Interference | None = None,
    norms: MuapNormTable | str | Path | None = None,
) -> Classification:
    """Classify one muscle (module docstring: the rule).

    Parameters
    ----------
    summary : MuapSummary or None
        The muscle's MUAPs (None when no MUAP was measured).
    muscle : str
        Muscle id or alias (normalized; an unknown name simply has no reference).
    age_years : float or None
        Age; reference rows with an age band apply only within it.
    spontaneous_grades : mapping, optional
        Grades (0, ±, 1+ … 4+) keyed ``fibrillations`` / ``positive_sharp_waves`` / ``fasciculations``
        (the singular detector types are accepted too); passed through to the findings.
    recruitment, interference : optional
        Results of :func:`edxkit.emg.recruitment.recruitment` and :func:`edxkit.emg.interference.interference`
        (interference only for a maximal-effort recording).
    norms : MuapNormTable, path or None
        Reference table (a lab's CSV path, or the packaged table by default).
    """
    table = _table(norms)
    muscle_id = _muscle_id(muscle)
    spontaneous = {_KEY_ALIASES.get(k, k): str(v) for k, v in (spontaneous_grades or {}).items()}
    ev = _Evidence()
    n = summary.count if summary is not None else 0
    missing: list[str] = []
    if summary is not None and n >= MIN_MUAPS:
        missing = _muap_evidence(ev, summary, table, muscle_id, age_years)
    elif summary is not None and n > 0:
        ev.reasons.append(
            Reason(
                "muap count",
                float(n),
                float(MIN_MUAPS),
                "<",
                f"{n} MUAPs < {MIN_MUAPS}: MUAP size not assessed (C01 asks for {RECOMMENDED_MUAPS})",
            )
        )
    if not any(r.muscle == muscle_id and r.has_limits for r in table.rows):
        missing = [f"no reference for {muscle_id}"]
    fibs = any(_grade_present(spontaneous.get(k)) for k in ("fibrillations", "positive_sharp_waves"))
    for key in SPONTANEOUS_KEYS:
        if _grade_present(spontaneous.get(key)):
            ev.reasons.append(Reason(key, spontaneous[key], "0", ">", f"{key} {spontaneous[key]}"))
    rec = recruitment.label if recruitment is not None else None
    if recruitment is not None:
        ev.reasons.extend(
            Reason("recruitment", recruitment.label, None, "rule", text) for text in recruitment.reasons
        )
    ip = interference.label if interference is not None and interference.n_epochs > 0 else None
    if interference is not None and ip is not None:
        ev.reasons.append(Reason("interference", ip, None, "rule", interference.rule))
    label, why = _decide(ev, fibs, rec, ip, n, missing)
    reasons = tuple([Reason("classification", label, None, "rule", text) for text in why] + ev.reasons)
    used = "; ".join(dict.fromkeys(r.describe() for r in ev.rows))
    parts = list(dict.fromkeys(missing)) + (
        [f"{used} [{table.name}, version {table.version}]"] if used else []
    )
    reference = "; ".join(parts) or f"reference rows of {muscle_id} not used: MUAPs not assessed"
    return Classification(label, reasons, reference, _findings(ev, spontaneous, recruitment, interference))
