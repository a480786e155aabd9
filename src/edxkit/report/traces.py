"""Figure data for the report: NCS sweeps by site, a needle strip and MUAP templates, decimated.

Traces are reduced to a few hundred points by ``edxkit.dsp.decimate.decimate_minmax`` (each bin's minimum
and maximum in time order), so a printed figure keeps every peak a reader would look for.
The figure data goes into the report model, so a report renders without its recordings.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.decimate import decimate_minmax
from edxkit.emg.muscle import MuscleResult
from edxkit.errors import EdxInputError
from edxkit.io.dispatch import open_recording
from edxkit.io.study import read_sweeps
from edxkit.model import MuscleExam, NerveStudy, Study
from edxkit.ncs.results import NerveResult
from edxkit.report.labels import capital, words
from edxkit.report.model import Figure, Trace

NCS_POINTS = 500
STRIP_POINTS = 1500
STRIP_S = 1.0
TEMPLATE_MS = 30.0
MAX_TEMPLATES = 6
_VOLUNTARY_ORDER = ("minimal", "moderate", "maximal", "rest")


def _round(values: NDArray[np.float64]) -> list[float]:
    return [float(v) for v in np.round(values, 4)]


def ncs_figure(study: Study, nerve: NerveStudy, result: NerveResult) -> Figure | None:
    """The nerve's sweeps stacked distal to proximal, with the onset and peak markers measured on them."""
    traces: list[Trace] = []
    for site, measured in zip(nerve.sites, result.sites, strict=False):
        if site.waveform is None:
            continue
        try:
            sweep = read_sweeps(study, site.waveform)[0]
        except EdxInputError:
            continue
        if sweep.stimulus_s is None:
            continue
        unit = "mV" if nerve.kind == "motor" else "µV"
        values = sweep.in_units("mV" if unit == "mV" else "uV")
        t_ms = sweep.times_ms_from_stimulus()
        keep = np.isfinite(values)
        if not keep.any():
            continue
        first = int(np.argmax(keep))
        reduced, step = decimate_minmax(np.where(keep, values, 0.0)[first:], NCS_POINTS)
        markers = {}
        if measured.response == "present":
            if measured.onset_latency_ms is not None:
                markers["onset"] = round(float(measured.onset_latency_ms), 3)
            if measured.peak_latency_ms is not None:
                markers["peak"] = round(float(measured.peak_latency_ms), 3)
        traces.append(
            Trace(
                label=capital(words(site.site)),
                t0_ms=round(float(t_ms[first]), 4),
                dt_ms=round(1000.0 * step / sweep.fs_hz, 6),
                values=_round(reduced),
                unit=unit,
                markers=markers,
            )
        )
    if not traces:
        return None
    return Figure(
        kind="ncs_sweeps", title=f"{capital(nerve.side)} {words(nerve.nerve)} {nerve.kind}", traces=traces
    )


def needle_figures(study: Study, exam: MuscleExam, result: MuscleResult | None) -> list[Figure]:
    """A 1 s strip of the muscle's voluntary (or else rest) recording and its largest MUAP templates."""
    figures: list[Figure] = []
    strip = _needle_strip(study, exam)
    if strip is not None:
        figures.append(strip)
    templates = _templates(exam, result)
    if templates is not None:
        figures.append(templates)
    return figures


def _needle_strip(study: Study, exam: MuscleExam) -> Figure | None:
    refs = sorted(exam.recordings, key=lambda r: _VOLUNTARY_ORDER.index(r.condition))
    for ref in refs:
        try:
            with open_recording(study.resolve(ref.file)) as recording:
                wave = recording.read(ref.channel, start_s=0.0, stop_s=STRIP_S)
        except EdxInputError:
            continue
        values = np.nan_to_num(wave.in_units("uV") - np.nanmedian(wave.in_units("uV")))
        reduced, step = decimate_minmax(values, STRIP_POINTS)
        trace = Trace(
            label=capital(ref.condition),
            t0_ms=0.0,
            dt_ms=round(1000.0 * step / wave.fs_hz, 6),
            values=_round(reduced),
            unit="µV",
        )
        return Figure(
            kind="needle_strip", title=f"{capital(ref.condition)} effort, first {STRIP_S:g} s", traces=[trace]
        )
    return None


def _templates(exam: MuscleExam, result: MuscleResult | None) -> Figure | None:
    if result is None:
        return None
    units = [(rec.fs_hz, u) for rec in result.recordings for u in rec.accepted_units]
    units.sort(key=lambda fu: -fu[1].measures.amplitude_uv)
    traces = []
    for fs_hz, unit in units[:MAX_TEMPLATES]:
        template = np.asarray(unit.unit.template_uv, dtype=np.float64)
        half = round(TEMPLATE_MS / 2000.0 * fs_hz)
        centre = unit.unit.template_index
        lo, hi = max(0, centre - half), min(template.shape[0], centre + half)
        reduced, step = decimate_minmax(template[lo:hi], 300)
        traces.append(
            Trace(
                label=f"MU {unit.unit.id}",
                t0_ms=round(1000.0 * (lo - centre) / fs_hz, 4),
                dt_ms=round(1000.0 * step / fs_hz, 6),
                values=_round(reduced),
                unit="µV",
            )
        )
    if not traces:
        return None
    return Figure(
        kind="muap_templates", title=f"Largest MUAP templates ({len(traces)} of {len(units)})", traces=traces
    )
