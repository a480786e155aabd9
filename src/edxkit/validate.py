"""Check a study before analysis: schema, clinical plausibility and every referenced recording."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from edxkit.anatomy.names import muscles
from edxkit.errors import EdxInputError, Problem, Severity
from edxkit.io.base import check_finite
from edxkit.io.study import find_study_file, parse_study, read_document, read_sweeps
from edxkit.model import NerveStudy, Site, Study, WaveformRef
from edxkit.ncs.order import unordered_pairs
from edxkit.temperature import temperature_problems

Check = tuple[str, str, Severity]  # (field, reason, severity) within a study


def validate_study(path: str | Path) -> list[Problem]:
    """Every problem of a study file, errors and warnings, in file order."""
    try:
        file = find_study_file(path)
        study, problems = parse_study(read_document(file), file)
    except EdxInputError as exc:
        return [exc.problem]
    if study is None:
        return problems
    where = str(file)
    problems = [Problem(where, f, r, s) for f, r, s in _study_checks(study)]
    problems += _recording_checks(study, where)
    return problems


def _study_checks(study: Study) -> list[Check]:
    out: list[Check] = []
    for i, nerve in enumerate(study.ncs):
        out += [(f"ncs[{i}].{f}", r, s) for f, r, s in _nerve_checks(nerve)]
    keys = Counter((n.nerve, n.kind, n.side, n.record) for n in study.ncs)
    for key, count in keys.items():
        if count > 1:
            out.append(("ncs", f"{key[2]} {key[0]} {key[1]} ({key[3]}) is listed {count} times", "warning"))
    exams = Counter((m.muscle, m.side) for m in study.emg)
    for (muscle, side), count in exams.items():
        if count > 1:
            out.append(("emg", f"{side} {muscle} is listed {count} times", "warning"))
    out += _temperature_checks(study)
    return out


def _nerve_checks(nerve: NerveStudy) -> list[Check]:
    out: list[Check] = []
    if nerve.kind == "motor" and nerve.record is not None and nerve.record not in muscles():
        out.append(
            ("record", f"{nerve.record!r} is not a muscle; motor studies record from a muscle", "warning")
        )
    for j, site in enumerate(nerve.sites):
        field = f"sites[{j}]"
        values = site.entered_fields
        if site.waveform is None and not values:
            out.append((field, "no waveform and no entered values: nothing to measure", "error"))
        if nerve.kind == "sensory" and site.amplitude_mv is not None:
            out.append((f"{field}.amplitude_mv", "sensory amplitudes are in µV: use amplitude_uv", "error"))
        if nerve.kind in ("motor", "f_wave", "rns") and site.amplitude_uv is not None:
            out.append((f"{field}.amplitude_uv", "motor amplitudes are in mV: use amplitude_mv", "error"))
        if site.response == "absent" and any((site.amplitude_mv, site.amplitude_uv)):
            out.append(
                (f"{field}.response", "the response is 'absent' but an amplitude above 0 is entered", "error")
            )
        onset, peak = site.onset_latency_ms, site.peak_latency_ms
        if onset is not None and peak is not None and peak < onset:
            out.append((f"{field}.peak_latency_ms", f"peak {peak} ms is before onset {onset} ms", "error"))
        if site.intensities_ma is not None and nerve.kind != "h_reflex":
            reason = "stimulus intensities are used only by H-reflex series"
            out.append((f"{field}.intensities_ma", reason, "warning"))
        out += _distance_checks(nerve, j, field)
    return out + _order_checks(nerve)


def _order_checks(nerve: NerveStudy) -> list[Check]:
    """Entered latencies that do not grow from the distal site up (:mod:`edxkit.ncs.order`)."""
    if nerve.kind not in ("motor", "sensory"):
        return []
    out: list[Check] = []
    for name in ("onset_latency_ms", "peak_latency_ms"):
        values = [getattr(s, name) if s.response != "absent" else None for s in nerve.sites]
        for k in unordered_pairs(values):
            lower, upper = nerve.sites[k], nerve.sites[k + 1]
            reason = (
                f"{values[k + 1]} ms at {upper.site.replace('_', ' ')} is not later than {values[k]} ms at "
                f"{lower.site.replace('_', ' ')}, the site below it: a proximal stimulus cannot give a "
                "shorter latency (check the values and the order of the sites)"
            )
            out.append((f"sites[{k + 1}].{name}", reason, "warning"))
    return out


def _distance_checks(nerve: NerveStudy, j: int, field: str) -> list[Check]:
    site = nerve.sites[j]
    if nerve.kind not in ("motor", "sensory"):
        return []
    if j == 0 and site.distance_mm is None:
        return [
            (f"{field}.distance_mm", "missing: latency and sensory CV need the distal distance", "warning")
        ]
    if j > 0 and site.segment_mm is None:
        reason = "missing: no conduction velocity for the segment from the previous site"
        return [(f"{field}.segment_mm", reason, "warning")]
    if j == 0 and site.segment_mm is not None:
        return [(f"{field}.segment_mm", "the distal site has no previous site; use distance_mm", "warning")]
    return []


def _temperature_checks(study: Study) -> list[Check]:
    out: list[Check] = []
    for t in temperature_problems(study):
        if t.value_c is None:
            out.append(
                (
                    f"temperature_c.{t.limb}",
                    "not recorded: NCS values cannot be checked for cooling",
                    "warning",
                )
            )
        else:
            reason = (
                f"{t.value_c} °C is below the {t.floor_c} °C floor: latencies long, CVs slow, amplitudes high"
            )
            out.append((f"temperature_c.{t.limb}", reason, "warning"))
    return out


def _recording_checks(study: Study, where: str) -> list[Problem]:
    out: list[Problem] = []
    for i, nerve in enumerate(study.ncs):
        for j, site in enumerate(nerve.sites):
            if site.waveform is not None:
                out += _check_recording(
                    study, site.waveform, where, f"ncs[{i}].sites[{j}].waveform", evoked=True, site=site
                )
    for i, exam in enumerate(study.emg):
        for j, rec in enumerate(exam.recordings):
            out += _check_recording(study, rec, where, f"emg[{i}].recordings[{j}]", evoked=False)
    return out


def _check_recording(
    study: Study, ref: WaveformRef, where: str, field: str, *, evoked: bool, site: Site | None = None
) -> list[Problem]:
    """Problems of one referenced recording; for an NCS ``site`` also whether its stimulus
    intensities fit the sweeps read (one per sweep)."""
    path = study.resolve(ref.file)
    try:
        waveforms = read_sweeps(study, ref)
        for waveform in waveforms:
            check_finite(path, waveform.samples)
    except EdxInputError as exc:
        return [Problem(where, field, str(exc))]
    out = []
    if evoked and waveforms[0].stimulus_s is None:
        how = "CSV time 0, an EDF+ 'stimulus' annotation, or stimulus_ms in a sidecar"
        reason = f"{path}: no stimulus time ({how})"
        out.append(Problem(where, field, reason))
    problem = site.intensities_problem(len(waveforms)) if site is not None else None
    if problem is not None:
        out.append(Problem(where, field.removesuffix(".waveform") + ".intensities_ma", problem))
    for waveform in waveforms:
        if not waveform.quality.clean:
            what = f"{path} channel {waveform.channel!r}: {waveform.quality.describe()}"
            out.append(Problem(where, field, what, "warning"))
    return out
