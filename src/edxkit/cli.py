"""The ``edx`` command: thin shell over the library; bad input gives one line and exit code 2."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from edxkit.errors import EdxInputError
from edxkit.io.base import RecordingFile, RecordingInfo
from edxkit.io.dispatch import open_recording
from edxkit.waveform import Quality

app = typer.Typer(
    name="edx",
    help="edxkit: nerve conduction and needle EMG analysis, interpretation and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
schema_app = typer.Typer(help="Print the JSON Schema of a public file format.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")

SCAN_LIMIT_SAMPLES = 20_000_000
SCAN_WINDOW_SAMPLES = 5_000_000


def _version(value: bool) -> None:
    if value:
        from edxkit import __version__

        typer.echo(f"edxkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """edxkit: nerve conduction and needle EMG analysis, interpretation and reports."""


@app.command()
def info(
    file: Annotated[Path, typer.Argument(help="EDF/BDF, WFDB (.hea), CSV or NPY recording")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    scan: Annotated[
        bool | None,
        typer.Option(
            "--scan/--no-scan", help="Read all samples to count clipping (default: files up to 20 M samples)"
        ),
    ] = None,
) -> None:
    """Show what a recording holds: channels, rates, lengths, units, events; clipping when scanned."""
    with open_recording(file) as recording:
        rec_info = recording.info
        total = sum(c.n_samples for c in rec_info.channels)
        scanned = _scan(recording) if (scan if scan is not None else total <= SCAN_LIMIT_SAMPLES) else None
    if as_json:
        doc = asdict(rec_info) | {"duration_s": rec_info.duration_s}
        doc["quality"] = None if scanned is None else {k: asdict(v) for k, v in scanned.items()}
        typer.echo(json.dumps(doc, indent=2))
    else:
        typer.echo(_describe(rec_info, scanned))


def _scan(recording: RecordingFile) -> dict[str, Quality]:
    """Clipping per voltage channel, reading in windows so memory stays bounded."""
    out: dict[str, Quality] = {}
    for ch in recording.info.channels:
        if ch.units not in ("uV", "mV"):
            continue
        low = high = 0
        suspected = False
        step_s = SCAN_WINDOW_SAMPLES / ch.fs_hz
        start = 0.0
        while start * ch.fs_hz < ch.n_samples - 1e-6:
            stop = min(start + step_s, ch.duration_s)
            q = recording.read(ch.index, start_s=start, stop_s=stop).quality
            low, high, suspected = (
                low + q.clipped_low,
                high + q.clipped_high,
                suspected or q.clipped_suspected,
            )
            start = stop
        out[ch.label] = Quality(low + high, low, high, suspected)
    return out


def _describe(info: RecordingInfo, scanned: dict[str, Quality] | None) -> str:
    lines = [f"file:      {info.path}", f"format:    {info.format}"]
    lines.append(
        f"duration:  {info.duration_s:.6g} s ({'continuous' if info.continuous else 'discontinuous'})"
    )
    if info.stimulus_s is not None:
        lines.append(f"stimulus:  {info.stimulus_s * 1000:.6g} ms after the first sample")
    lines.append(f"events:    {info.n_events}")
    lines.append(f"channels:  {len(info.channels)}")
    for c in info.channels:
        rng = f"  digital {c.digital_range[0]}..{c.digital_range[1]}" if c.digital_range else ""
        quality = "" if scanned is None or c.label not in scanned else f"  {scanned[c.label].describe()}"
        lines.append(
            f"  [{c.index}] {c.label or '(no label)'}: {c.fs_hz:.6g} Hz, {c.n_samples} samples "
            f"({c.duration_s:.6g} s), {c.units or 'no unit'}{rng}{quality}"
        )
    if scanned is None:
        lines.append("quality:   not scanned (use --scan to read every sample and count clipping)")
    for key, value in info.metadata.items():
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)


@app.command()
def validate(
    study: Annotated[Path, typer.Argument(help="Study file (.yaml/.json) or a folder holding study.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON")] = False,
) -> None:
    """Check a study: schema, known nerves and muscles, distances, and every referenced recording."""
    from edxkit.validate import validate_study

    problems = validate_study(study)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        typer.echo(json.dumps([asdict(p) for p in problems], indent=2))
    else:
        for problem in problems:
            typer.echo(str(problem), err=problem.severity == "error")
        n_warn = len(problems) - len(errors)
        verdict = "invalid" if errors else "valid"
        typer.echo(f"{study}: {verdict} ({len(errors)} errors, {n_warn} warnings)", err=bool(errors))
    if errors:
        raise typer.Exit(2)


@app.command()
def analyze(
    study: Annotated[Path, typer.Argument(help="Study file (.yaml/.json) or a folder holding study.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (edxkit.result/1)")] = False,
    norms: Annotated[Path | None, typer.Option(help="A lab's own normal-limits table (CSV)")] = None,
    criteria: Annotated[str | None, typer.Option(help="Conduction block criteria set")] = None,
) -> None:
    """Measure every waveform of a study and compare each value with the normal limits."""
    from edxkit.analyze import analyze_study
    from edxkit.io.study import load_study
    from edxkit.ncs.conduction import DEFAULT_CRITERIA, block_criteria
    from edxkit.ncs.nerve import NcsSettings
    from edxkit.norms import default_table, load_table
    from edxkit.text import format_result

    chosen = criteria or DEFAULT_CRITERIA
    if chosen not in block_criteria():
        known = ", ".join(block_criteria())
        raise EdxInputError("--criteria", "name", f"unknown criteria set {chosen!r}; known: {known}")
    settings = NcsSettings(norms=load_table(norms) if norms else default_table(), criteria=chosen)
    result = analyze_study(load_study(study), settings)
    typer.echo(json.dumps(result.to_dict(), indent=2) if as_json else format_result(result))


@app.command()
def emg(
    file: Annotated[Path, typer.Argument(help="Needle recording: EDF/BDF, WFDB (.hea), CSV or NPY")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (edxkit.emg/1)")] = False,
    channel: Annotated[str, typer.Option(help="Channel index or label")] = "0",
    muscle: Annotated[str | None, typer.Option(help="Muscle id or alias (for the normal values)")] = None,
    age: Annotated[float | None, typer.Option(help="Patient age in years (for the normal values)")] = None,
    condition: Annotated[
        str | None, typer.Option(help="rest | minimal | moderate | maximal (inferred when not given)")
    ] = None,
    templates: Annotated[bool, typer.Option(help="Include MUAP templates in the JSON")] = True,
) -> None:
    """Analyse one needle recording: spontaneous activity, motor units and MUAP measures, classification."""
    from edxkit.anatomy.names import normalize_muscle
    from edxkit.emg.analysis import CONDITIONS, analyze_needle_file
    from edxkit.emg.text import format_needle

    if condition is not None and condition not in CONDITIONS:
        raise EdxInputError("--condition", "value", f"{condition!r} is not one of {', '.join(CONDITIONS)}")
    if age is not None and not 0 <= age <= 120:
        raise EdxInputError("--age", "value", f"{age:g} is not an age in years (0–120)")
    muscle_id = None
    if muscle is not None:
        try:
            muscle_id = normalize_muscle(muscle)
        except ValueError as exc:
            raise EdxInputError("--muscle", "value", str(exc)) from None
    chosen: int | str = int(channel) if channel.isdigit() else channel
    result = analyze_needle_file(file, chosen, muscle=muscle_id, age_years=age, condition=condition)
    typer.echo(
        json.dumps(result.to_dict(templates=templates), indent=2) if as_json else format_needle(result)
    )


@app.command()
def simulate(
    scenario: Annotated[str | None, typer.Argument(help="Scenario name (see --list)")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Folder to write the study into")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives identical files")] = 0,
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios and exit")] = False,
) -> None:
    """Write a simulated study folder (study.yaml, waveforms, truth.json) for a clinical scenario."""
    from edxkit.simulate.scenarios import SCENARIOS
    from edxkit.simulate.scenarios import scenario as get_scenario

    if list_:
        width = max(map(len, SCENARIOS))
        for name in SCENARIOS:
            typer.echo(f"{name:<{width}}  {get_scenario(name).description}")
        return
    if scenario is None or out is None:
        raise EdxInputError("edx simulate", "arguments", "give a SCENARIO and -o DIR (or --list)")
    if scenario not in SCENARIOS:
        raise EdxInputError("edx simulate", "scenario", f"unknown {scenario!r}; see edx simulate --list")
    if out.exists() and any(out.iterdir()):
        raise EdxInputError(out, "folder", "exists and is not empty; choose a new folder")
    from edxkit.simulate.study import simulate_study

    path = simulate_study(scenario, out, seed=seed)
    typer.echo(f"wrote {path} and {path.parent / 'truth.json'}")


@schema_app.command("study")
def schema_study() -> None:
    """JSON Schema of the study file (edxkit.study/1)."""
    from edxkit.io.study import study_json_schema

    typer.echo(json.dumps(study_json_schema(), indent=2))


def main() -> None:
    """Entry point: one line and exit code 2 for bad input, never a traceback unless EDX_DEBUG=1."""
    try:
        app()
    except EdxInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("EDX_DEBUG"):
            raise
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc} (set EDX_DEBUG=1 for the traceback)", err=True
        )
        sys.exit(1)
