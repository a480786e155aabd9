"""Classify every real needle recording in ../shared/data, per record and per subject, and compare the MUAP
measures with the real per-subject features of Pattichis et al. 1995 (UCY).

* EMGlab N2001: 28 biceps brachii records of 7 subjects (3 controls, 2 ALS, 2 myopathy), low steady
  isometric contraction (condition ``minimal``), 23.4 kHz. Each record is analysed alone (``edx emg``), then
  each subject as one muscle exam whose 4 records are 4 needle positions
  (:func:`edxkit.emg.muscle.analyze_muscle`: the units of all positions pooled into one MUAP summary,
  classified once — as multi-MUP analysis pools ~20 MUAPs).
* PhysioNet emgdb: 3 tibialis anterior records (healthy, polymyositis myopathy, L5 radiculopathy), 4 kHz, the
  patient dorsiflexing gently then relaxing; the condition is left to the analysis to infer.

The classifier is the product's normative rule (src/edxkit/emg/classify.py with
src/edxkit/norms/muap_norms.csv); nothing here is fitted to these recordings. Run:  python bench/emg_real.py
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from edxkit.emg.analysis import analyze_needle_file
from edxkit.emg.muscle import analyze_muscle
from edxkit.emg.summary import MuapSummary
from edxkit.model import Study

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
N2001 = DATA / "emglab-n2001"
PHYSIONET = DATA / "physionet-emgdb"
UCY = DATA / "ucy-muap-features" / "muap.csv"
EXPECTED = {"control": "normal", "ALS": "neurogenic", "myopathy": "myopathic"}
PHYSIONET_RECORDS = (
    ("emg_healthy", "healthy", 44, "normal"),
    ("emg_myopathy", "myopathy (polymyositis)", 57, "myopathic"),
    ("emg_neuropathy", "L5 radiculopathy", 62, "neurogenic"),
)
UCY_GROUPS = {1: "control", 2: "ALS", 3: "myopathy"}


def n2001_manifest() -> list[dict[str, str]]:
    with (N2001 / "manifest.csv").open() as f:
        return list(csv.DictReader(f))


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def summary_cells(s: MuapSummary | None) -> list[str]:
    if s is None or s.count == 0:
        return ["0", "—", "—", "—", "—", "—"]
    return [
        str(s.count),
        fmt(s.mean_duration_ms),
        fmt(s.mean_amplitude_uv, 0),
        fmt(s.mean_phases, 2),
        fmt(s.mean_turns, 2),
        fmt(100 * s.polyphasic_fraction, 0),
    ]


def subject_study(subject: str, age: float, files: list[Path], muscle: str, condition: str | None) -> Study:
    recordings = [{"file": str(f), "channel": 0, "condition": condition or "minimal"} for f in files]
    return Study.model_validate(
        {
            "id": f"bench-{subject}",
            "patient": {"id": subject, "age": age},
            "performed": "2026-01-01",
            "emg": [{"muscle": muscle, "side": "left", "recordings": recordings}],
        }
    )


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first record of each N2001 subject only")
    args = parser.parse_args()
    if not N2001.exists():
        print(f"skipped: {N2001} is absent")
        return 0
    manifest = n2001_manifest()
    started = time.perf_counter()
    record_rows: list[list[str]] = []
    by_subject: dict[str, list[dict[str, str]]] = {}
    for row in manifest:
        by_subject.setdefault(row["subject"], []).append(row)
    if args.quick:
        by_subject = {k: v[:1] for k, v in by_subject.items()}
    subject_rows: list[list[str]] = []
    per_subject_measures: dict[str, list[MuapSummary]] = {}
    agree_records = Counter[bool]()
    agree_subjects = Counter[bool]()
    for subject, rows in by_subject.items():
        age = float(rows[0]["age"])
        group = rows[0]["group"]
        files = [N2001 / "records" / f"{r['record']}.hea" for r in rows]
        for r, path in zip(rows, files, strict=True):
            res = analyze_needle_file(path, muscle="biceps_brachii", age_years=age, condition="minimal")
            label = res.classification.label if res.classification else "—"
            agree_records[label == EXPECTED[group]] += 1
            record_rows.append([r["record"], group, *summary_cells(res.summary), label])
        study = subject_study(subject, age, files, "biceps_brachii", "minimal")
        muscle = analyze_muscle(study, study.emg[0])
        assert muscle is not None
        label = muscle.classification.label if muscle.classification else "—"
        agree_subjects[label == EXPECTED[group]] += 1
        reasons = "; ".join(r.text for r in muscle.classification.reasons) if muscle.classification else ""
        subject_rows.append(
            [
                subject,
                group,
                rows[0]["diagnosis"],
                str(len(files)),
                *summary_cells(muscle.summary),
                label,
                reasons,
            ]
        )
        if muscle.summary is not None:
            per_subject_measures.setdefault(group, []).append(muscle.summary)
    print("## N2001 per record (biceps brachii, condition minimal)\n")
    print(
        table(
            ["record", "group", "MUAPs", "dur ms", "amp µV", "phases", "turns", "poly %", "class"],
            record_rows,
        )
    )
    print(f"\nrecords classified as their group: {agree_records[True]}/{sum(agree_records.values())}\n")
    print("## N2001 per subject (4 needle positions pooled)\n")
    print(
        table(
            [
                "subject",
                "group",
                "diagnosis",
                "records",
                "MUAPs",
                "dur ms",
                "amp µV",
                "phases",
                "turns",
                "poly %",
                "class",
                "reasons",
            ],
            subject_rows,
        )
    )
    print(f"\nsubjects classified as their group: {agree_subjects[True]}/{sum(agree_subjects.values())}\n")
    physionet_rows = []
    if PHYSIONET.exists():
        for name, label_text, age, expected in PHYSIONET_RECORDS:
            res = analyze_needle_file(PHYSIONET / f"{name}.hea", muscle="tibialis_anterior", age_years=age)
            cls = res.classification.label if res.classification else "—"
            reasons = "; ".join(r.text for r in res.classification.reasons) if res.classification else ""
            physionet_rows.append(
                [
                    name,
                    label_text,
                    res.condition + (" (inferred)" if res.condition_inferred else ""),
                    *summary_cells(res.summary),
                    cls,
                    expected,
                    reasons,
                ]
            )
        print("## PhysioNet emgdb (tibialis anterior, 4 kHz; condition inferred)\n")
        print(
            table(
                [
                    "record",
                    "label",
                    "condition",
                    "MUAPs",
                    "dur ms",
                    "amp µV",
                    "phases",
                    "turns",
                    "poly %",
                    "class",
                    "expected",
                    "reasons",
                ],
                physionet_rows,
            )
        )
    if UCY.exists():
        print(
            "\n## N2001 per-subject means beside UCY per-subject means "
            "(biceps; group mean of subject means)\n"
        )
        ucy: dict[str, dict[str, list[float]]] = {}
        with UCY.open() as f:
            for row in csv.DictReader(f):
                g = ucy.setdefault(UCY_GROUPS[int(row["Cls"])], {})
                for key, col, scale in (
                    ("dur", "DurMn", 1.0),
                    ("amp", "AmpMn", 1000.0),
                    ("ph", "PhMn", 1.0),
                    ("tu", "TurMn", 1.0),
                ):
                    g.setdefault(key, []).append(float(row[col]) * scale)
        rows_out = []
        for group in ("control", "ALS", "myopathy"):
            ours = per_subject_measures.get(group, [])
            mine = {
                "dur": [s.mean_duration_ms for s in ours],
                "amp": [s.mean_amplitude_uv for s in ours],
                "ph": [s.mean_phases for s in ours],
                "tu": [s.mean_turns for s in ours],
            }
            cells = [group, f"{len(ours)} / {len(ucy[group]['dur'])}"]
            for key, digits in (("dur", 1), ("amp", 0), ("ph", 2), ("tu", 2)):
                ours_mean = float(np.mean(mine[key])) if mine[key] else None
                cells.append(f"{fmt(ours_mean, digits)} / {fmt(float(np.mean(ucy[group][key])), digits)}")
            rows_out.append(cells)
        print(
            table(
                ["group", "subjects edxkit / UCY", "duration ms", "amplitude µV", "phases", "turns"], rows_out
            )
        )
    print(f"\nwall time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
