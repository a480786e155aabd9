"""Report speed: build + HTML + PDF of the simulated "normal" study (9 NCS + 3 F + 1 H, 8 muscles).

Prints a markdown table of the best-of-N wall and CPU times of each step with the ratio to a baseline
measured in the same run (WeasyPrint rendering a one-page document of plain paragraphs), the PDF size and
page count, for A4 and US Letter, and writes it to /tmp/report/RESULTS_SECTION.md. The target of issue 7
is a PDF in under 3 s for a 10-nerve, 8-muscle study. Run:  python bench/report_speed.py [--quick]
(``--quick``: the example study instead of the simulated one, one repeat).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from weasyprint import HTML  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from edxkit import load_study  # noqa: E402
from edxkit.analyze import analyze_study  # noqa: E402
from edxkit.report import build_report  # noqa: E402
from edxkit.report.html import render_html  # noqa: E402
from edxkit.report.pdf import render_pdf  # noqa: E402

from report_samples import CREATED, EXAMPLE, scenario_study  # noqa: E402

OUT = Path("/tmp/report/RESULTS_SECTION.md")
BASELINE_HTML = "<h1>Baseline</h1>" + "".join(f"<p>Paragraph {i} of plain text.</p>" for i in range(40))


def best_of(repeats: int, fn: Callable[[], object]) -> tuple[float, float, object]:
    """Best wall and best CPU time of ``repeats`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="example study, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats

    t0 = time.perf_counter()
    study = load_study(EXAMPLE) if args.quick else scenario_study("normal")
    simulate_s = time.perf_counter() - t0
    analyze_wall, analyze_cpu, result = best_of(1, lambda: analyze_study(study))
    build_wall, build_cpu, report = best_of(1, lambda: build_report(study, result, created=CREATED))  # type: ignore[arg-type]

    render_pdf(report)  # type: ignore[arg-type]  # warm-up: fonts and first-use caches
    base_wall, base_cpu, _ = best_of(repeats, lambda: HTML(string=BASELINE_HTML).write_pdf())
    html_wall, html_cpu, html = best_of(repeats, lambda: render_html(report))  # type: ignore[arg-type]
    rows = [
        ("baseline: WeasyPrint, 1 page of text", base_wall, base_cpu, "", ""),
        ("analyze_study (once)", analyze_wall, analyze_cpu, "", ""),
        ("build_report with figures (once)", build_wall, build_cpu, "", ""),
        ("render_html", html_wall, html_cpu, f"{len(str(html)) / 1024:.0f} kB", ""),
    ]
    for paper in ("a4", "letter"):
        wall, cpu, pdf = best_of(repeats, lambda paper=paper: render_pdf(report, paper=paper))  # type: ignore[arg-type]
        assert isinstance(pdf, bytes)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        rows.append((f"render_pdf ({paper})", wall, cpu, f"{len(pdf) / 1024:.0f} kB", str(pages)))

    n_ncs = len(report.motor) + len(report.sensory)  # type: ignore[attr-defined]
    n_late = sum(len(t.rows) for t in (report.f_waves, report.h_reflex) if t is not None)  # type: ignore[attr-defined]
    n_muscles = len(report.muscles)  # type: ignore[attr-defined]
    label = "examples/carpal_tunnel" if args.quick else 'simulated scenario "normal" (seed 1)'
    lines = [
        "## Report rendering speed (bench/report_speed.py)",
        "",
        f"Study: {label}: {n_ncs} motor/sensory nerves, {n_late} F/H studies, {n_muscles} muscles, "
        f"with waveform figures. Best of {repeats} runs on the shared 2-core machine "
        f"(simulation took {simulate_s:.1f} s, not counted; load average {os.getloadavg()[0]:.1f} at the "
        "end, so wall times include waiting for a core: CPU times are the better guide). Target: PDF < 3 s.",
        "",
        "| step | wall s | CPU s | × baseline (wall) | size | pages |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, wall, cpu, size, pages in rows:
        lines.append(f"| {name} | {wall:.3f} | {cpu:.3f} | {wall / base_wall:.1f} | {size} | {pages} |")
    pdf_wall = min(r[1] for r in rows if r[0].startswith("render_pdf"))
    lines += [
        "",
        f"PDF target (< 3 s): {'met' if pdf_wall < 3.0 else 'NOT met'} ({pdf_wall:.2f} s best wall).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
