"""SVG figures of the report: one polyline per trace, negative up, markers on the trace, 1-2-5 gains."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.report.figures import (
    figure_svg,
    muap_templates,
    ncs_sweeps,
    needle_strip,
    nice_step,
    render_figure,
)
from edxkit.report.model import Figure, Trace

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    out = []
    for node in root.iter(f"{SVG}polyline"):
        if node.get("class") == "trace":
            pts = [tuple(map(float, p.split(","))) for p in node.get("points", "").split()]
            out.append(pts)
    return out


def _markers(root: ET.Element) -> dict[str, tuple[float, float]]:
    """Marker name → tip (first point of its path)."""
    out = {}
    for node in root.iter(f"{SVG}path"):
        klass = node.get("class", "")
        if klass.startswith("marker "):
            m = re.match(r"M([-\d.]+),([-\d.]+)", node.get("d", ""))
            assert m is not None
            out[klass.split("marker-")[1]] = (float(m.group(1)), float(m.group(2)))
    return out


def _cmap(label: str, latency_ms: float, amp_mv: float, *, n: int = 200, artifact: float = 0.0) -> Trace:
    """A sweep from -5 ms at 0.1 ms: a stimulus artifact at 0.2 ms and a negative CMAP at ``latency_ms``."""
    t = -5.0 + 0.1 * np.arange(n)
    v = -amp_mv * np.exp(-0.5 * ((t - latency_ms - 2.0) / 1.2) ** 2)
    v[np.argmin(np.abs(t - 0.2))] += artifact
    return Trace(
        label=label,
        t0_ms=-5.0,
        dt_ms=0.1,
        values=[float(x) for x in v],
        unit="mV",
        markers={"onset": latency_ms, "peak": latency_ms + 2.0},
    )


@pytest.mark.parametrize(
    ("value", "step"),
    [(0.3, 0.5), (1.0, 1.0), (1.01, 2.0), (4.4, 5.0), (7.0, 10.0), (0.07, 0.1), (210.0, 500.0), (0.0, 1.0)],
)
def test_nice_step_is_the_next_1_2_5_setting(value: float, step: float) -> None:
    assert nice_step(value) == step


def test_ncs_figure_has_one_polyline_per_site_and_parses_as_svg() -> None:
    fig = Figure(
        kind="ncs_sweeps",
        title="Right median motor",
        traces=[_cmap("Wrist", 3.5, 8.0), _cmap("Elbow", 7.5, 7.6), _cmap("Axilla", 10.0, 7.0)],
    )
    root = _parse(figure_svg(fig))
    lines = _polylines(root)
    assert len(lines) == 3
    assert [n.get("data-label") for n in root.iter(f"{SVG}polyline")] == ["Wrist", "Elbow", "Axilla"]
    # Stacked top to bottom in site order: each sweep's first (baseline) point lower than the previous one.
    baselines = [pts[0][1] for pts in lines]
    assert baselines == sorted(baselines)
    assert all(len(pts) == 200 for pts in lines)  # 200 samples < plot width: not decimated


def test_negative_values_are_drawn_upward() -> None:
    fig = Figure(kind="ncs_sweeps", title="t", traces=[_cmap("Wrist", 3.0, 8.0)])
    (pts,) = _polylines(_parse(figure_svg(fig)))
    baseline_y = pts[0][1]
    peak_index = 100  # t = -5 + 0.1 * 100 = 5.0 ms = latency + 2 ms, the negative peak (-8 mV)
    assert pts[peak_index][1] < baseline_y - 10  # drawn up, by 8 mV / (5 mV/div) * 11 units ≈ 17.6
    assert min(y for _, y in pts) == pytest.approx(pts[peak_index][1], abs=0.05)


def test_markers_sit_on_the_trace_at_their_time() -> None:
    fig = Figure(kind="ncs_sweeps", title="t", traces=[_cmap("Wrist", 3.0, 8.0)])
    root = _parse(figure_svg(fig))
    (pts,) = _polylines(root)
    marks = _markers(root)
    onset_i, peak_i = 80, 100  # 3.0 ms and 5.0 ms from t0 = -5 ms at 0.1 ms
    assert marks["onset"][0] == pytest.approx(pts[onset_i][0], abs=0.06)
    assert marks["peak"][0] == pytest.approx(pts[peak_i][0], abs=0.06)
    # Onset triangle tip just under the trace, peak triangle tip just over the (upward) peak.
    assert 0 < marks["onset"][1] - pts[onset_i][1] <= 1.1
    assert 0 < pts[peak_i][1] - marks["peak"][1] <= 1.1


def test_gain_ignores_the_stimulus_artifact_and_clips_it() -> None:
    fig = Figure(kind="ncs_sweeps", title="t", traces=[_cmap("Wrist", 3.0, 8.0, artifact=100.0)])
    drawn = ncs_sweeps(fig)
    assert drawn.gain == 5.0  # 8 mV / 2.3 div = 3.5 → 5 mV/div; the 100 mV artifact does not count
    assert drawn.sweep_ms == 2.0  # 19.9 ms sweep / 10 divisions → 2 ms/div
    assert drawn.settings == "5 mV/div · 2 ms/div · negative up"
    (pts,) = _polylines(_parse(drawn.svg))
    band_bottom = 8.0 + 4 * 11.0  # top margin + one band of four divisions
    assert max(y for _, y in pts) <= band_bottom + 1e-9  # artifact clipped to its band
    texts = [t.text for t in _parse(drawn.svg).iter(f"{SVG}text")]
    assert "5 mV" in texts and "2 ms" in texts  # calibration bar labels


def test_needle_strip_is_decimated_but_keeps_a_single_sample_spike() -> None:
    n = 20000  # 1 s at 20 kHz
    values = np.zeros(n)
    values[12345] = -800.0
    trace = Trace(label="Minimal", t0_ms=0.0, dt_ms=0.05, values=values.tolist(), unit="µV")
    drawn = needle_strip(Figure(kind="needle_strip", title="strip", traces=[trace]))
    (pts,) = _polylines(_parse(drawn.svg))
    assert len(pts) <= 520 - 40 - 6
    assert drawn.gain == 500.0  # 800 / 1.9 = 421 → 500 µV/div
    base = pts[0][1]
    assert min(y for _, y in pts) == pytest.approx(base - 800 / 500 * 13.0, abs=0.06)  # negative spike up
    spike_x = min(pts, key=lambda p: p[1])[0]
    assert spike_x == pytest.approx(40 + 12345 * 0.05 * (474 / (0.05 * (n - 1))), abs=0.1)


def test_templates_side_by_side_share_one_gain() -> None:
    t = np.linspace(-15, 15, 301)
    small = (-100 * np.exp(-0.5 * (t / 1.0) ** 2)).tolist()
    big = (-400 * np.exp(-0.5 * (t / 1.0) ** 2)).tolist()
    fig = Figure(
        kind="muap_templates",
        title="templates",
        traces=[
            Trace(label="MU 1", t0_ms=-15.0, dt_ms=0.1, values=small, unit="µV"),
            Trace(label="MU 2", t0_ms=-15.0, dt_ms=0.1, values=big, unit="µV"),
        ],
    )
    drawn = muap_templates(fig)
    assert drawn.gain == 500.0 and drawn.sweep_ms == 5.0  # 400/1.9 → 500 µV/div; 30 ms / 6 → 5 ms
    one, two = _polylines(_parse(drawn.svg))
    assert min(x for x, _ in two) > max(x for x, _ in one)  # side by side
    rise_one = one[0][1] - min(y for _, y in one)
    rise_two = two[0][1] - min(y for _, y in two)
    assert rise_two == pytest.approx(4 * rise_one, rel=0.02)  # same gain for both


def test_labels_are_escaped_in_the_svg() -> None:
    trace = _cmap('<b>"Wrist" & co</b>', 3.0, 8.0)
    root = _parse(figure_svg(Figure(kind="ncs_sweeps", title="<script>", traces=[trace])))
    assert root.get("aria-label") == "<script>"
    assert '<b>"Wrist" & co</b>' in [t.text for t in root.iter(f"{SVG}text")]


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(["ncs_sweeps", "needle_strip", "muap_templates"]),
    values=st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=32), st.just(0.0)),
        min_size=1,
        max_size=700,
    ),
    n_traces=st.integers(min_value=0, max_value=3),
    dt=st.floats(min_value=1e-3, max_value=10.0),
)
def test_any_trace_values_give_valid_svg_with_finite_coordinates(
    kind: str, values: list[float], n_traces: int, dt: float
) -> None:
    traces = [
        Trace(label=f"T{i}", t0_ms=-1.0, dt_ms=dt, values=values, unit="µV", markers={"onset": 0.5 * dt})
        for i in range(n_traces)
    ]
    drawn = render_figure(Figure(kind=kind, title="any", traces=traces))  # type: ignore[arg-type]
    root = _parse(drawn.svg)
    width, height = (float(v) for v in root.get("viewBox", "").split()[2:])
    lines = _polylines(root)
    assert len(lines) == n_traces
    for pts in lines:
        for x, y in pts:
            assert math.isfinite(x) and math.isfinite(y)
            assert -0.1 <= x <= width + 0.1 and -0.1 <= y <= height + 0.1
    assert drawn.gain > 0 and drawn.sweep_ms > 0
