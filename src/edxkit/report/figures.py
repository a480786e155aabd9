"""Vector figures of the report: NCS sweeps stacked by site, needle EMG strips and MUAP templates, as SVG.

The figures are drawn the way EMG machines print them (AANEM position on waveform hard copies): one gain
for all the sweeps of a nerve, sweeps stacked distal to proximal, **negative up** (the main phase of a
CMAP or SNAP is a negative voltage, DESIGN.md), a calibration bar giving the time and voltage of one
division, the onset and peak markers measured on each sweep, and a grid of divisions. Gains and sweep speeds
are chosen from the 1-2-5 sequence of EMG machine settings, so the printed sensitivity reads like a
machine setting (e.g. 5 mV/div, 2 ms/div).

The stimulus artifact of an NCS sweep is excluded when choosing the gain (only samples at least
``ARTIFACT_MS`` after the stimulus count) and anything beyond a sweep's band is clipped, as on a machine
display where the artifact runs off the trace.

Output is a plain SVG string (no plotting library): traces are reduced to at most one point per user unit
of plot width by keeping each bin's minimum and maximum (a single-sample spike survives), coordinates are
rounded to 0.1 unit (an NCS sweep costs about 3 kB), text is XML-escaped. Each trace is one
``<polyline class="trace">``; each marker is a small triangle
``<path class="marker marker-NAME" data-t-ms=… d="M x,y …">`` whose tip (the first point of the path) is
on the trace at the marker's time: onset ▲ under the trace, peak ▼ over it.
The gain and sweep speed are returned with the SVG (:class:`RenderedFigure`) for the caption, which keeps
the number of SVG text elements (slow to lay out in WeasyPrint) small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.decimate import minmax_indices
from edxkit.report.model import Figure, Trace

ARTIFACT_MS = 1.0
_FONT = 'font-family="DejaVu Sans, sans-serif"'
_STEPS = (1.0, 2.0, 5.0)


def nice_step(value: float) -> float:
    """The smallest value of the 1-2-5 sequence (…, 0.5, 1, 2, 5, 10, …) that is ≥ ``value`` (> 0)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for base in (*_STEPS, 10.0):
        step = base * 10.0**exponent
        if step >= value * (1 - 1e-9):
            return float(f"{step:.6g}")
    return float(f"{10.0 ** (exponent + 1):.6g}")


def _fmt(value: float) -> str:
    """A number for a label: no trailing zeros (``0.5``, ``2``, ``200``)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _points(x: NDArray[np.float64], y: NDArray[np.float64]) -> str:
    """SVG polyline points, rounded to 0.1 unit."""
    xs = np.round(x, 1)
    ys = np.round(y, 1)
    return " ".join(f"{a:g},{b:g}" for a, b in zip(xs.tolist(), ys.tolist(), strict=True))


def _reduce(
    t: NDArray[np.float64], v: NDArray[np.float64], max_points: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """At most ``max_points`` points, each bin's minimum and maximum at the times where they occur.

    Spikes survive (:func:`edxkit.dsp.decimate.minmax_indices`, the review-screen method of EMG machines).
    """
    index, _ = minmax_indices(v, max_points)
    return t[index], v[index]


def _label(x: float, y: float, text: str, max_width: float, size: float = 7.0) -> str:
    """A trace label shrunk to fit ``max_width`` (DejaVu Sans averages about 0.6 em per character)."""
    fitted = min(size, max_width / max(0.6 * len(text), 1.0))
    return _text(x, y, text, size=round(max(fitted, 4.5), 1), cls="trace-label")


def _times(trace: Trace) -> NDArray[np.float64]:
    return trace.t0_ms + trace.dt_ms * np.arange(len(trace.values), dtype=np.float64)


def _values(trace: Trace) -> NDArray[np.float64]:
    return np.nan_to_num(np.asarray(trace.values, dtype=np.float64))


def _text(x: float, y: float, text: str, *, size: float = 8, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" {_FONT}{klass}>'
        f"{escape(text)}</text>"
    )


def _scale_bar(x: float, y: float, div_x: float, div_y: float, time_text: str, volt_text: str) -> str:
    """An L-shaped calibration bar with its lower-left corner at (x, y): one division each way."""
    return (
        '<g class="scale-bar">'
        f'<path d="M{x:.1f},{y - div_y:.1f} V{y:.1f} H{x + div_x:.1f}" fill="none" stroke="#000" '
        'stroke-width="1.2"/>'
        + _text(x + div_x / 2, y + 9, time_text, size=7, anchor="middle")
        + _text(x - 3, y - div_y / 2 + 2.5, volt_text, size=7, anchor="end")
        + "</g>"
    )


def _svg(width: float, height: float, kind: str, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure figure-{kind}" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" role="img" '
        f'aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _grid(x0: float, x1: float, y0: float, y1: float, xs: list[float]) -> str:
    """Faint vertical division lines (the machine's graticule)."""
    path = " ".join(f"M{x:.1f},{y0:.1f} V{y1:.1f}" for x in xs if x0 - 0.01 <= x <= x1 + 0.01)
    return f'<path class="grid" d="{path}" stroke="#bbb" stroke-width="0.4" stroke-dasharray="1,2"/>'


def _response_extent(traces: list[Trace]) -> tuple[float, float]:
    """Largest negative and positive excursion of the sweeps after the stimulus artifact."""
    neg, pos = 0.0, 0.0
    for trace in traces:
        t, v = _times(trace), _values(trace)
        start = ARTIFACT_MS
        if trace.markers:
            start = min(start, 0.5 * min(trace.markers.values()))
        keep = t >= start
        if not keep.any():
            keep = np.ones_like(t, dtype=bool)
        neg = max(neg, float(-v[keep].min(initial=0.0)))
        pos = max(pos, float(v[keep].max(initial=0.0)))
    return neg, pos


@dataclass(frozen=True)
class RenderedFigure:
    """A figure's SVG, the gain (``unit`` per division) and sweep speed (ms per division) used, its width."""

    svg: str
    gain: float
    unit: str
    sweep_ms: float
    width: float

    @property
    def settings(self) -> str:
        """``5 mV/div · 5 ms/div · negative up``, as a machine prints its settings."""
        return f"{_fmt(self.gain)} {self.unit}/div · {_fmt(self.sweep_ms)} ms/div · negative up"


def _marker(name: str, t_ms: float, x: float, y: float) -> str:
    """Onset: a triangle pointing up at the trace from below; any other marker: pointing down from above."""
    d = (
        f"M{x:.1f},{y + 1:.1f} l-2.6,5.5 h5.2 z"
        if name == "onset"
        else f"M{x:.1f},{y - 1:.1f} l-2.6,-5.5 h5.2 z"
    )
    fill = "#fff" if name == "onset" else "#000"
    return (
        f'<path class="marker marker-{escape(name)}" data-t-ms="{t_ms:g}" d="{d}" fill="{fill}" '
        'stroke="#000" stroke-width="0.6"/>'
    )


def _time_span(traces: list[Trace]) -> tuple[float, float, float]:
    """First and last time (ms) over all traces and the span between them (never zero)."""
    t_lo = min(tr.t0_ms for tr in traces)
    t_hi = max(tr.t0_ms + tr.dt_ms * max(len(tr.values) - 1, 1) for tr in traces)
    return t_lo, t_hi, max(t_hi - t_lo, 1e-6)


def _fitting_gain(traces: list[Trace], divisions: float) -> float:
    """The 1-2-5 gain per division that fits the largest excursion of any trace in ``divisions``."""
    extent = max(float(np.abs(_values(tr)).max(initial=0.0)) for tr in traces)
    return nice_step(max(extent / divisions, 1e-9))


def _polyline(label: str, x: NDArray[np.float64], y: NDArray[np.float64], stroke_width: float) -> str:
    """A trace drawn as an SVG polyline labelled for tests and screen readers."""
    return (
        f'<polyline class="trace" data-label="{escape(label)}" fill="none" stroke="#000" '
        f'stroke-width="{stroke_width}" stroke-linejoin="round" points="{_points(x, y)}"/>'
    )


def ncs_sweeps(figure: Figure, *, width: float = 300.0) -> RenderedFigure:
    """The sweeps of one nerve stacked by site (first trace on top), one gain, negative up, with markers.

    Each sweep has a band of four divisions with its baseline 2.5 divisions down (room for the negative
    main phase above, the positive phase below). The gain is the 1-2-5 setting that fits the largest
    post-artifact negative excursion in 2.3 divisions and the largest positive one in 1.3 divisions; the
    sweep speed is the 1-2-5 setting that shows the whole sweep in at most 10 divisions.
    """
    traces = figure.traces
    div_y = 11.0
    band = 4 * div_y
    left, right, top, foot = 60.0, 6.0, 8.0, 27.0
    plot_w = width - left - right
    height = top + band * max(len(traces), 1) + foot
    unit = traces[0].unit if traces else ""
    if not traces:
        return RenderedFigure(_svg(width, height, "ncs", figure.title, []), 1.0, unit, 1.0, width)
    t_lo, t_hi, span = _time_span(traces)
    sec_div = nice_step(span / 10.0)
    neg, pos = _response_extent(traces)
    sens = nice_step(max(neg / 2.3, pos / 1.3, 1e-9))

    def x_of(t: NDArray[np.float64] | float) -> NDArray[np.float64]:
        return left + (np.asarray(t, dtype=np.float64) - t_lo) * (plot_w / span)

    body: list[str] = []
    grid_times = (
        np.arange(math.ceil(t_lo / sec_div), math.floor(t_hi / sec_div) + 1, dtype=np.float64) * sec_div
    )
    bottom = top + band * len(traces)
    body.append(_grid(left, width - right, top, bottom, x_of(grid_times).tolist()))
    if t_lo <= 0.0 <= t_hi:
        x0 = float(x_of(0.0))
        body.append(
            f'<path class="stimulus" d="M{x0:.1f},{top:.1f} V{bottom:.1f}" stroke="#888" '
            'stroke-width="0.6" stroke-dasharray="3,2"/>'
        )
    for i, trace in enumerate(traces):
        band_top = top + i * band
        base = band_top + 2.5 * div_y
        t, v = _times(trace), _values(trace)
        td, vd = _reduce(t, v, int(plot_w))
        y = np.clip(base + vd / sens * div_y, band_top, band_top + band)
        body.append(_polyline(trace.label, x_of(td), y, 0.7))
        body.append(_label(3, base + 2.5, trace.label, left - 6))
        for name, t_ms in sorted(trace.markers.items(), key=lambda kv: kv[1]):
            if t_lo <= t_ms <= t_hi:
                ym = float(np.clip(base + np.interp(t_ms, t, v) / sens * div_y, band_top, band_top + band))
                body.append(_marker(name, t_ms, float(x_of(t_ms)), ym))
    div_x = plot_w / span * sec_div
    body.append(
        _scale_bar(
            width - right - div_x, bottom + 15, div_x, div_y, f"{_fmt(sec_div)} ms", f"{_fmt(sens)} {unit}"
        )
    )
    return RenderedFigure(_svg(width, height, "ncs", figure.title, body), sens, unit, sec_div, width)


def needle_strip(figure: Figure, *, width: float = 520.0) -> RenderedFigure:
    """A needle EMG strip (time in ms from the start of the recording), one gain, negative up.

    Four divisions of height per trace; the gain is the 1-2-5 setting that fits the largest excursion in
    1.9 divisions either side of the baseline; ten or fewer time divisions.
    """
    traces = figure.traces
    div_y = 13.0
    band = 4 * div_y
    left, right, top, foot = 40.0, 6.0, 2.0, 26.0
    plot_w = width - left - right
    height = top + band * max(len(traces), 1) + foot
    unit = traces[0].unit if traces else ""
    if not traces:
        return RenderedFigure(_svg(width, height, "strip", figure.title, []), 1.0, unit, 1.0, width)
    t_lo, t_hi, span = _time_span(traces)
    sec_div = nice_step(span / 10.0)
    sens = _fitting_gain(traces, 1.9)
    scale = plot_w / span
    bottom = top + band * len(traces)
    grid_times = np.arange(math.ceil(t_lo / sec_div), math.floor(t_hi / sec_div) + 1) * sec_div
    body = [_grid(left, width - right, top, bottom, (left + (grid_times - t_lo) * scale).tolist())]
    for i, trace in enumerate(traces):
        base = top + i * band + 2 * div_y
        t, v = _reduce(_times(trace), _values(trace), int(plot_w))
        y = np.clip(base + v / sens * div_y, top + i * band, top + (i + 1) * band)
        body.append(
            f'<path class="baseline" d="M{left:.1f},{base:.1f} H{width - right:.1f}" stroke="#ccc" '
            'stroke-width="0.4"/>'
        )
        body.append(_polyline(trace.label, left + (t - t_lo) * scale, y, 0.5))
        body.append(_label(2, base + 2.5, trace.label, left - 4))
    div_x = scale * sec_div
    body.append(
        _scale_bar(
            width - right - div_x, bottom + 15, div_x, div_y, f"{_fmt(sec_div)} ms", f"{_fmt(sens)} {unit}"
        )
    )
    return RenderedFigure(_svg(width, height, "strip", figure.title, body), sens, unit, sec_div, width)


def muap_templates(figure: Figure, *, panel: float = 86.0) -> RenderedFigure:
    """MUAP templates side by side, one gain and one time scale for all, negative up, with a scale bar.

    Each panel is four divisions high; the gain is the 1-2-5 setting that fits the largest template
    excursion in 1.9 divisions either side of the baseline; about six time divisions per template.
    """
    traces = figure.traces
    div_y = 12.0
    top, label_h, bar_w = 2.0, 10.0, 70.0
    plot_h = 4 * div_y
    height = top + label_h + plot_h + 14
    width = panel * max(len(traces), 1) + bar_w
    unit = traces[0].unit if traces else ""
    if not traces:
        return RenderedFigure(_svg(width, height, "templates", figure.title, []), 1.0, unit, 1.0, width)
    span = max(tr.dt_ms * max(len(tr.values) - 1, 1) for tr in traces)
    sec_div = nice_step(span / 6.0)
    sens = _fitting_gain(traces, 1.9)
    inner = panel - 8
    scale = inner / max(span, 1e-6)
    base = top + label_h + 2 * div_y
    body: list[str] = []
    for i, trace in enumerate(traces):
        x0 = i * panel + 4
        t, v = _reduce(_times(trace), _values(trace), int(2 * inner))
        x = x0 + (t - trace.t0_ms) * scale
        y = np.clip(base + v / sens * div_y, top + label_h, top + label_h + plot_h)
        body.append(
            f'<rect class="panel" x="{x0 - 2:.1f}" y="{top + label_h:.1f}" width="{inner + 4:.1f}" '
            f'height="{plot_h:.1f}" fill="none" stroke="#ccc" stroke-width="0.5"/>'
        )
        body.append(
            f'<path class="baseline" d="M{x0:.1f},{base:.1f} H{x0 + inner:.1f}" stroke="#ccc" '
            'stroke-width="0.4"/>'
        )
        body.append(_polyline(trace.label, x, y, 0.8))
        body.append(_text(x0 + inner / 2, top + 8, trace.label, size=7.5, anchor="middle", cls="trace-label"))
    div_x = sec_div * scale
    bx = panel * len(traces) + 34
    body.append(
        _scale_bar(bx, top + label_h + plot_h, div_x, div_y, f"{_fmt(sec_div)} ms", f"{_fmt(sens)} {unit}")
    )
    return RenderedFigure(_svg(width, height, "templates", figure.title, body), sens, unit, sec_div, width)


def render_figure(figure: Figure) -> RenderedFigure:
    """Any report figure drawn by its kind (NCS sweeps, needle strip, MUAP templates)."""
    if figure.kind == "ncs_sweeps":
        return ncs_sweeps(figure)
    if figure.kind == "needle_strip":
        return needle_strip(figure)
    return muap_templates(figure)


def figure_svg(figure: Figure) -> str:
    """The SVG of any report figure."""
    return render_figure(figure).svg
