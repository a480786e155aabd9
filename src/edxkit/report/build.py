"""Build the report model from a study and its analysis (``build_report``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from edxkit import __version__
from edxkit.analyze import StudyResult
from edxkit.model import Study
from edxkit.report.emg_table import emg_table
from edxkit.report.labels import billing_descriptions, capital, muscle_label, nerve_name
from edxkit.report.model import (
    BillingLine,
    Header,
    Impression,
    ImpressionItem,
    MuscleSection,
    NerveSection,
    Report,
    Technical,
)
from edxkit.report.ncs_tables import F_WAVE, H_REFLEX, RNS, nerve_section, section_key, special_table
from edxkit.report.summary import (
    evidence_text,
    muscle_sentences,
    nerve_sentences,
    pertinent_normals,
    side_sentences,
    table_sentences,
)
from edxkit.report.traces import ncs_figure, needle_figures


def build_report(
    study: Study,
    result: StudyResult,
    *,
    impression_text: str | None = None,
    figures: bool = True,
    created: dt.datetime | None = None,
) -> Report:
    """The draft report of ``study`` analysed as ``result``.

    Parameters
    ----------
    study, result
        The study and ``analyze_study(study)``.
    impression_text : str, optional
        The physician's impression; replaces the generated statement (marked ``edited``).
    figures : bool
        Read the waveforms again for the figures (NCS sweeps with markers, needle strips, templates).
    created : datetime, optional
        Creation time (UTC now by default); fixed in tests for reproducible output.
    """
    nerves = [n.to_dict() for n in result.ncs]
    motor = [nerve_section(n) for n in nerves if n["kind"] == "motor"]
    sensory = [nerve_section(n) for n in nerves if n["kind"] == "sensory"]
    f_waves = special_table([n for n in nerves if n["kind"] == "f_wave"], F_WAVE)
    h_reflex = special_table([n for n in nerves if n["kind"] == "h_reflex"], H_REFLEX)
    rns = special_table([n for n in nerves if n["kind"] == "rns"], RNS)
    emg, muscles = emg_table(list(study.emg), result.emg)
    if figures:
        _add_figures(study, result, motor + sensory, muscles)
    report = Report(
        generator=f"edxkit {__version__}",
        created=created or dt.datetime.now(dt.UTC).replace(microsecond=0),
        header=_header(study),
        indication=study.indication,
        history=study.notes or "",
        technical=_technical(study, result),
        motor=motor,
        sensory=sensory,
        f_waves=f_waves,
        h_reflex=h_reflex,
        rns=rns,
        emg=emg,
        muscles=muscles,
        impression=_impression(result, impression_text),
        billing=_billing(result),
        billing_warnings=list(result.billing.warnings) if result.billing else [],
    )
    special_rows = [r for t in (f_waves, h_reflex, rns) if t is not None for r in t.rows]
    report.summary = (
        nerve_sentences(motor + sensory)
        + [s for t in (f_waves, h_reflex, rns) for s in table_sentences(t)]
        + side_sentences(result.comparisons)
        + muscle_sentences(emg, muscles)
        + pertinent_normals(motor + sensory, muscles, special_rows)
    )
    return report


def _add_figures(
    study: Study, result: StudyResult, sections: list[NerveSection], muscles: list[MuscleSection]
) -> None:
    by_key: dict[str, NerveSection] = {}
    for section in sections:
        by_key.setdefault(section.key, section)
    # analyze_study measures the nerve studies in the study's order: result.ncs[i] is study.ncs[i]
    for nerve, measured in zip(study.ncs, result.ncs, strict=True):
        target = by_key.get(section_key(nerve.side, nerve.nerve, nerve.kind, nerve.record))
        if target is not None and target.figure is None:
            target.figure = ncs_figure(study, nerve, measured)
    muscle_results = {(m.side, m.muscle): m for m in result.emg}
    for exam, muscle in zip(study.emg, muscles, strict=True):
        muscle.figures = needle_figures(study, exam, muscle_results.get((exam.side, exam.muscle)))


def _header(study: Study) -> Header:
    patient = study.patient
    return Header(
        patient_id=patient.id,
        patient_name=patient.name,
        birth_date=patient.birth_date,
        age_years=patient.age,
        sex=patient.sex,
        height_cm=patient.height_cm,
        study_id=study.id,
        performed=study.performed,
        referring_physician=study.referring_physician,
        performing_physician=study.performing_physician,
        technologist=study.technologist,
        studies_performed=studies_performed(study),
    )


def studies_performed(study: Study) -> list[str]:
    """The itemised list of studies (what the billed codes count), one line per kind of study."""
    kinds = {
        "motor": "Motor nerve conduction",
        "sensory": "Sensory nerve conduction",
        "f_wave": "F waves",
        "h_reflex": "H reflex",
        "rns": "Repetitive nerve stimulation",
    }
    grouped: dict[str, list[str]] = defaultdict(list)
    for nerve in study.ncs:
        grouped[nerve.kind].append(nerve_name(nerve.nerve, nerve.side, nerve.record))
    lines = [f"{kinds[k]} ({len(v)}): {', '.join(v)}" for k, v in grouped.items() if k in kinds]
    by_side: dict[str, list[str]] = defaultdict(list)
    for exam in study.emg:
        by_side[exam.side].append(muscle_label(exam.muscle))
    lines += [f"Needle EMG, {side} ({len(m)} muscles): {', '.join(m)}" for side, m in by_side.items()]
    return lines


def _technical(study: Study, result: StudyResult) -> Technical:
    temps = study.temperature_c
    temperatures = [
        f"{capital(limb)} limb {value:.1f} °C"
        for limb, value in (("upper", temps.upper), ("lower", temps.lower))
        if value is not None
    ] or ["Limb temperature not recorded"]
    interp = result.interpretation
    norms = result.norms
    return Technical(
        temperatures=temperatures,
        limitations=list(interp.limitations) if interp else [],
        warnings=list(result.warnings),
        norms=f"{norms.get('table', '')} {norms.get('version', '')}; "
        f"conduction block criteria {norms.get('criteria', '')}",
    )


def _impression(result: StudyResult, text: str | None) -> Impression:
    interp = result.interpretation
    statement = interp.statement if interp else "No interpretation."
    items = []
    for imp in interp.impressions if interp else []:
        data = imp.to_dict()
        items.append(
            ImpressionItem(
                code=data["code"],
                text=data.get("text", ""),
                rule=data.get("rule", ""),
                criteria=data.get("criteria", ""),
                evidence=[evidence_text(row) for row in data.get("evidence", [])],
                side=data.get("side"),
                severity=data.get("severity"),
                chronicity=data.get("chronicity"),
            )
        )
    edited = text is not None and text.strip() != statement.strip()
    return Impression(
        statement=statement, items=items, text=text.strip() if edited and text else statement, edited=edited
    )


def _billing(result: StudyResult) -> list[BillingLine]:
    if result.billing is None:
        return []
    names = billing_descriptions()
    return [
        BillingLine(
            code=line.code,
            units=line.units,
            modifiers=list(line.modifiers),
            description=names.get(line.code, ""),
        )
        for line in result.billing.lines
    ]
