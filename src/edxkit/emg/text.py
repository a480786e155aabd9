"""Terminal tables of needle results (``edx emg FILE`` and the needle part of ``edx analyze``)."""

from __future__ import annotations

from edxkit.emg.muscle import MuscleResult
from edxkit.emg.result import NeedleResult
from edxkit.emg.summary import MuapSummary


def _n(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def summary_line(summary: MuapSummary | None) -> str:
    if summary is None or summary.count == 0:
        return "MUAPs: none measured"
    return (
        f"MUAPs: {summary.count}  mean amplitude {_n(summary.mean_amplitude_uv, 0)} µV  "
        f"duration {_n(summary.mean_duration_ms)} ms  phases {_n(summary.mean_phases)}  "
        f"turns {_n(summary.mean_turns)}  polyphasic {_n(100 * summary.polyphasic_fraction, 0)} %"
    )


def format_needle(result: NeedleResult) -> str:
    """One recording: header, spontaneous trains or motor units, recruitment, classification with reasons."""
    muscle = result.muscle or "muscle not given"
    inferred = " (inferred)" if result.condition_inferred else ""
    lines = [
        f"{result.file} [{result.channel}]  ·  {muscle}  ·  {result.condition}{inferred}  ·  "
        f"{result.fs_hz:g} Hz, {result.duration_s:.2f} s, noise {result.noise_uv:.1f} µV rms"
    ]
    lines += [f"warning: {w}" for w in result.warnings]
    if result.spontaneous is not None:
        grades = ", ".join(f"{k} {v}" for k, v in result.spontaneous.grades.items())
        lines.append(f"spontaneous: {grades or 'none graded'}")
        for train in result.spontaneous.trains:
            kind = f" ({train.kind})" if train.kind else ""
            lines.append(
                f"  {train.type}{kind}: {train.count} discharges, {train.rate_hz:.1f} Hz, "
                f"{train.amplitude_uv:.0f} µV"
            )
    if result.motor_units:
        lines.append(
            f"  {'unit':>4}{'firings':>9}{'rate Hz':>9}{'amp µV':>9}{'dur ms':>8}{'phases':>8}{'turns':>7}"
        )
        for mu in result.motor_units:
            m = mu.measures
            flag = "" if mu.accepted else f"  (not used: {mu.reject_reason})"
            lines.append(
                f"  {mu.unit.id:>4}{mu.unit.n_firings:>9}{mu.unit.mean_rate_hz:>9.1f}{m.amplitude_uv:>9.0f}"
                f"{m.duration_ms:>8.1f}{m.phases:>8}{m.turns:>7}{flag}"
            )
        lines.append(summary_line(result.summary))
    if result.recruitment is not None:
        r = result.recruitment
        lines.append(f"recruitment: {r.label} ({r.n_units} units, fastest {_n(r.fastest_rate_hz)} Hz)")
    if result.interference is not None:
        lines.append(f"interference: {result.interference.label}")
    if result.classification is not None:
        cls = result.classification
        lines.append(f"classification: {cls.label}")
        lines += [f"  {reason.text}" for reason in cls.reasons]
    return "\n".join(lines)


def muscle_lines(muscle: MuscleResult) -> list[str]:
    """The needle part of ``edx analyze``: one block per muscle with recordings."""
    cls = muscle.classification
    head = f"{muscle.muscle} ({muscle.side}): {cls.label if cls else 'not classified'}"
    lines = [head]
    if muscle.grades:
        lines.append("  spontaneous: " + ", ".join(f"{k} {v}" for k, v in muscle.grades.items()))
    if muscle.other_discharges:
        lines.append("  other discharges: " + ", ".join(muscle.other_discharges))
    lines.append("  " + summary_line(muscle.summary))
    if cls is not None:
        lines += [f"  {reason.text}" for reason in cls.reasons]
    lines += [f"  note: {n}" for n in muscle.notes]
    lines += [f"  error: {e}" for e in muscle.errors]
    return lines
