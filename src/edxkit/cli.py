"""The ``edx`` command: thin shell over the library; bad input gives one line and exit code 2."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from edxkit.errors import EdxInputError
from edxkit.io.base import RecordingFile, RecordingInfo
from edxkit.io.dispatch import open_recording
from edxkit.waveform import Quality

if TYPE_CHECKING:
    from edxkit.ncs.nerve import NcsSettings

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
    from edxkit.text import format_result

    result = analyze_study(load_study(study), _ncs_settings(norms, criteria))
    typer.echo(json.dumps(result.to_dict(), indent=2) if as_json else format_result(result))


def _ncs_settings(norms: Path | None, criteria: str | None) -> NcsSettings:
    """NCS settings from the ``--norms`` table and ``--criteria`` name (checked)."""
    from edxkit.ncs.conduction import DEFAULT_CRITERIA, block_criteria
    from edxkit.ncs.nerve import NcsSettings
    from edxkit.norms import default_table, load_table

    chosen = criteria or DEFAULT_CRITERIA
    if chosen not in block_criteria():
        known = ", ".join(block_criteria())
        raise EdxInputError("--criteria", "name", f"unknown criteria set {chosen!r}; known: {known}")
    return NcsSettings(norms=load_table(norms) if norms else default_table(), criteria=chosen)


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


@app.command()
def report(
    source: Annotated[
        Path, typer.Argument(help="Study file or folder, or a report JSON (edxkit.report/1) to render again")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="OUT.html, OUT.pdf, OUT.fhir.json (FHIR R4) or OUT.json")
    ],
    paper: Annotated[str, typer.Option(help="a4 | letter")] = "a4",
    impression: Annotated[
        str | None, typer.Option(help="The physician's impression text, or @FILE to read it from a file")
    ] = None,
    sign: Annotated[str | None, typer.Option("--sign", help="Sign the report as this physician")] = None,
    figures: Annotated[bool, typer.Option(help="Include the waveform figures")] = True,
    norms: Annotated[Path | None, typer.Option(help="A lab's own normal-limits table (CSV)")] = None,
    criteria: Annotated[str | None, typer.Option(help="Conduction block criteria set")] = None,
) -> None:
    """Write the physician's report of a study (or render a saved report JSON) as HTML, PDF, FHIR or JSON."""
    from edxkit.report.files import is_report_file, load_report, output_format, write_report
    from edxkit.report.states import ReportStateError, set_impression
    from edxkit.report.states import sign as sign_report

    output_format(output)
    if is_report_file(source):
        doc = load_report(source)
    else:
        from edxkit.analyze import analyze_study
        from edxkit.io.study import load_study
        from edxkit.report.build import build_report

        study = load_study(source)
        doc = build_report(study, analyze_study(study, _ncs_settings(norms, criteria)), figures=figures)
    try:
        if impression is not None:
            doc = set_impression(doc, _text_option(impression, "--impression"))
        if sign is not None:
            doc = sign_report(doc, signer=sign)
    except ReportStateError as exc:
        raise EdxInputError(source, "signature", str(exc)) from None
    write_report(doc, output, paper=paper)
    typer.echo(f"{output}: {doc.signature.state} report of study {doc.header.study_id}")


@app.command(name="sign")
def sign_command(
    report_file: Annotated[Path, typer.Argument(help="Draft report JSON (edxkit.report/1)")],
    by: Annotated[str, typer.Option("--by", help="Name of the signing physician")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Signed report JSON (default: in place)")
    ] = None,
) -> None:
    """Sign a draft report JSON: it becomes immutable, with the signer, the time and its SHA-256."""
    from edxkit.report.files import load_report, write_report
    from edxkit.report.states import ReportStateError, sign

    try:
        signed = sign(load_report(report_file), signer=by)
    except ReportStateError as exc:
        raise EdxInputError(report_file, "signature", str(exc)) from None
    write_report(signed, output or report_file)
    typer.echo(f"{output or report_file}: signed by {by}, sha256 {signed.signature.content_hash}")


@app.command()
def addendum(
    report_file: Annotated[Path, typer.Argument(help="Signed report JSON (edxkit.report/1)")],
    by: Annotated[str, typer.Option("--by", help="Author of the addendum")],
    text: Annotated[str, typer.Option(help="The addendum, or @FILE to read it from a file")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Amended report JSON (default: in place)")
    ] = None,
) -> None:
    """Add a signed addendum to a signed report; the report itself stays as it was signed."""
    from edxkit.report.files import load_report, write_report
    from edxkit.report.states import ReportStateError, add_addendum

    try:
        amended = add_addendum(load_report(report_file), text=_text_option(text, "--text"), author=by)
    except ReportStateError as exc:
        raise EdxInputError(report_file, "signature", str(exc)) from None
    write_report(amended, output or report_file)
    typer.echo(f"{output or report_file}: addendum {len(amended.signature.addenda)} by {by}")


def _text_option(value: str, option: str) -> str:
    """An option's text, or the contents of the file it names with a leading ``@``."""
    if not value.startswith("@"):
        return value
    try:
        return Path(value[1:]).read_text(encoding="utf-8")
    except OSError as exc:
        raise EdxInputError(value[1:], option, exc.strerror or str(exc)) from None


@app.command()
def batch(
    directory: Annotated[Path, typer.Argument(help="Folder of recordings and study folders, or one file")],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="OUT.parquet: recordings; OUT.motor_units.parquet: motor units; OUT.ncs.parquet: NCS",
        ),
    ],
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler tcp://HOST:PORT (default: local processes)")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes (default: every core)")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip files already ok in OUT (keep their rows); retry failures")
    ] = False,
    muscle: Annotated[str | None, typer.Option(help="Muscle of recordings outside study folders")] = None,
    age: Annotated[float | None, typer.Option(help="Patient age in years (outside study folders)")] = None,
    condition: Annotated[
        str | None, typer.Option(help="rest | minimal | moderate | maximal (inferred when not given)")
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="CSV file,muscle,age,condition,channel (files relative to the CSV)")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
) -> None:
    """Analyse every needle recording (.edf .bdf .hea .npy) and study folder under DIRECTORY into tables.

    A folder with study.yaml or study.json is one study: its needle recordings and its nerve studies.

    CSV sweeps outside study folders are listed as skipped (they have no nerve or site to judge them by).

    A file that fails is a row with status "error" and its message; the run goes on (exit code 0).

    Tables are written atomically every minute and at the end; --resume continues an interrupted run.

    Without --resume an existing OUT (and its .motor_units/.ncs files) is replaced.
    """
    from edxkit.batch import describe, output_paths, run_batch

    tables = run_batch(
        [directory],
        output,
        resume=resume,
        workers=workers,
        scheduler=scheduler,
        muscle=muscle,
        age_years=age,
        condition=condition,
        manifest=manifest,
        progress=not quiet,
    )
    typer.echo(describe(tables, output_paths(output)))


@app.command()
def serve(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: $EDX_DB_URL, else SQLite file edxkit.db in this folder)"
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Add a demo study to an empty database")
    ] = True,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            envvar="EDX_SECURE_COOKIES",
            help="Mark the sign-in cookies Secure (browsers send them over HTTPS only); use it whenever "
            "users reach the app through HTTPS, e.g. behind a TLS reverse proxy "
            "(or set $EDX_SECURE_COOKIES=1)",
        ),
    ] = False,
) -> None:
    """Start the clinic's web interface: migrations first; first users and a demo study on first start.

    On an empty database the users admin, physician and technologist are created with the passwords in
    $EDX_ADMIN_PASSWORD, $EDX_PHYSICIAN_PASSWORD and $EDX_TECHNOLOGIST_PASSWORD, or random ones printed once.

    Served through HTTPS (a TLS reverse proxy in front of it), start it with --secure-cookies so the
    session cookie never travels over plain HTTP; without HTTPS leave it off, or no one can sign in.
    """
    import uvicorn

    from edxkit.store.db import sqlite_url
    from edxkit.web import create_app
    from edxkit.web.config import WebSettings
    from edxkit.web.demo import ensure_demo_study, ensure_first_users

    url = db or os.environ.get("EDX_DB_URL") or sqlite_url(Path.cwd() / "edxkit.db")
    web_app = create_app(url, settings=WebSettings(secure_cookies=secure_cookies))
    database = web_app.state.edx.db
    for username, password in ensure_first_users(database).items():
        typer.echo(f"first start: user {username!r} password {password!r} (shown once; change it)")
    if demo and ensure_demo_study(database) is not None:
        typer.echo("first start: demo study added (simulated scenario carpal_tunnel_mild)")
    typer.echo(f"edxkit on http://{host}:{port} (database {database.url})")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


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
