"""Write a scenario as a study folder: ``study.yaml`` in the public format, waveforms, ``truth.json``.

Nerve conduction sweeps are written as CSV (trains of F-wave, H-reflex and repetitive-stimulation
sweeps as one CSV with a column per stimulus, referenced with ``channel: all``); needle recordings as
EDF+. ``truth.json`` holds every true value: per-site latencies, amplitudes, durations, areas and
segment CVs, F/H/RNS summaries, each motor unit's firing times and template, every spontaneous
discharge, the true needle findings per muscle, and the true diagnosis as impressions. The study file
carries waveforms only, no entered findings, so that analysis has to find them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from edxkit.io import write_waveforms
from edxkit.model import SCHEMA_ID, Study
from edxkit.simulate.emg import simulate_needle
from edxkit.simulate.ncs import (
    EvokedSimulation,
    NerveParams,
    normal_params,
    simulate_f_waves,
    simulate_h_reflex,
    simulate_motor,
    simulate_rns,
    simulate_sensory,
)
from edxkit.simulate.ncs.result import jsonable
from edxkit.simulate.scenarios import MusclePlan, NervePlan, Scenario, scenario

TRUTH_SCHEMA = "edxkit.truth/1"
PERFORMED = "2026-01-15"  # fixed, so that the same seed gives identical files


@dataclass(frozen=True, slots=True)
class NeedleSettings:
    """How needle recordings are made: sampling rate (Hz), seconds at rest and at minimal effort, and the
    number of needle positions at minimal effort (quantitative MUAP analysis gathers ~20 MUAPs from several
    positions, 2–4 crisp units at each; muap-norms C01, C25)."""

    fs_hz: float = 48000.0
    rest_s: float = 4.0
    minimal_s: float = 4.0
    minimal_sites: int = 3


def simulate_study(
    name: str, out_dir: str | Path, *, seed: int = 0, needle: NeedleSettings = NeedleSettings()
) -> Path:
    """Simulate scenario ``name`` into ``out_dir``; returns the path of the study file.

    Every nerve study and needle recording gets its own random stream spawned from ``seed``, so the
    same seed gives byte-identical files and changing one part of a scenario leaves the others alone.
    """
    sc = scenario(name)
    out = Path(out_dir)
    (out / "ncs").mkdir(parents=True, exist_ok=True)
    (out / "emg").mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(seed).spawn(len(sc.nerves) + len(sc.muscles))
    ncs_doc, ncs_truth = [], []
    for plan, stream in zip(sc.nerves, streams, strict=False):
        entry, truth = _nerve(plan, sc, np.random.default_rng(stream), out)
        ncs_doc.append(entry)
        ncs_truth.append(truth)
    emg_doc, emg_truth = [], []
    for muscle, stream in zip(sc.muscles, streams[len(sc.nerves) :], strict=True):
        entry, truth = _muscle(muscle, sc, np.random.default_rng(stream), out, needle)
        emg_doc.append(entry)
        emg_truth.append(truth)
    study = _study_document(sc, seed, ncs_doc, emg_doc)
    Study.model_validate(study)  # what we write must load
    study_path = out / "study.yaml"
    study_path.write_text(_yaml_header(sc, seed) + yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    truth = {
        "schema": TRUTH_SCHEMA,
        "scenario": sc.name,
        "description": sc.description,
        "seed": seed,
        "impressions": list(sc.impressions),
        "ncs": ncs_truth,
        "emg": emg_truth,
    }
    (out / "truth.json").write_text(json.dumps(jsonable(truth), indent=1) + "\n", encoding="utf-8")
    return study_path


def _study_document(
    sc: Scenario, seed: int, ncs: list[dict[str, Any]], emg: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "id": f"SIM-{sc.name}-{seed}",
        "patient": {"id": f"SIM-P-{seed:04d}", "age": sc.age_years, "sex": sc.sex, "height_cm": sc.height_cm},
        "performed": PERFORMED,
        "indication": sc.indication,
        "performing_physician": "edxkit simulator",
        "temperature_c": {"upper": sc.temperature_c[0], "lower": sc.temperature_c[1]},
        "ncs": ncs,
        "emg": emg,
        "notes": f"Simulated scenario '{sc.name}' (seed {seed}): {sc.description}. Not a patient.",
    }


def _yaml_header(sc: Scenario, seed: int) -> str:
    return f"# Simulated by edxkit: scenario {sc.name}, seed {seed}. True values are in truth.json.\n"


def _params(plan: NervePlan, sc: Scenario) -> NerveParams:
    """Normal parameters for the patient; a presynaptic scale lowers single CMAPs (RNS scales itself)."""
    params = normal_params(plan.nerve, plan.kind, age_years=sc.age_years, height_cm=sc.height_cm)
    if plan.amplitude_scale != 1.0 and plan.kind != "rns":
        params = dataclasses.replace(params, amplitude=params.amplitude * plan.amplitude_scale)
    return params


def _temperature(plan: NervePlan, params: NerveParams, sc: Scenario) -> float:
    return sc.temperature_c[0] if params.limb == "upper" else sc.temperature_c[1]


def _simulate_nerve(plan: NervePlan, sc: Scenario, rng: np.random.Generator) -> EvokedSimulation:
    params = _params(plan, sc)
    common: dict[str, Any] = {"pathology": plan.pathology, "temperature_c": _temperature(plan, params, sc)}
    if plan.kind == "motor":
        return simulate_motor(rng, params, plan.sites, **common)
    if plan.kind == "sensory":
        return simulate_sensory(rng, params, plan.sites, **common)
    if plan.kind == "f_wave":
        return simulate_f_waves(rng, params, plan.sites, **common)
    if plan.kind == "h_reflex":
        return simulate_h_reflex(rng, params, **common)
    rns = plan.rns
    assert rns is not None, "an rns plan carries its protocol"
    return simulate_rns(
        rng,
        params,
        disorder=rns.pattern,
        decrement_pct=rns.decrement_pct,
        increment_pct=rns.increment_pct or None,
        resting_fraction=plan.amplitude_scale,
        n_stimuli=rns.n_stimuli,
        rate_hz=rns.rate_hz,
        **common,
    )


def _nerve(
    plan: NervePlan, sc: Scenario, rng: np.random.Generator, out: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    sim = _simulate_nerve(plan, sc, rng)
    stem = f"{plan.side}_{plan.nerve}_{plan.kind}"
    entry: dict[str, Any] = {
        "nerve": plan.nerve,
        "kind": plan.kind,
        "side": plan.side,
        "record": sim.params.record,
    }
    if plan.kind in ("motor", "sensory"):
        entry["sites"] = _site_entries(sim, stem, out)
    elif plan.kind == "rns":
        entry["sites"] = _rns_entries(sim, plan, stem, out)
    else:
        file = f"ncs/{stem}.csv"
        write_waveforms(out / file, _renamed(sim.sweeps, "s"))
        site: dict[str, Any] = {
            "site": sim.sweeps[0].channel.split("#")[0],
            "waveform": {"file": file, "channel": "all"},
        }
        if plan.kind == "h_reflex":
            site["intensities_ma"] = [float(t["intensity_ma"]) for t in sim.truth]
        entry["sites"] = [site]
    truth = {"nerve": plan.nerve, "kind": plan.kind, "side": plan.side} | sim.to_dict()
    return entry, truth


def _site_entries(sim: EvokedSimulation, stem: str, out: Path) -> list[dict[str, Any]]:
    entries = []
    geometry = sim.truth
    for k, (sweep, truth) in enumerate(zip(sim.sweeps, geometry, strict=True)):
        site = sweep.channel
        file = f"ncs/{stem}_{site}.csv"
        write_waveforms(out / file, [sweep])
        entry: dict[str, Any] = {"site": site}
        if k == 0:
            entry["distance_mm"] = truth["distance_mm"]
        else:
            entry["segment_mm"] = truth["segment_mm"]
        entry["waveform"] = {"file": file}
        entries.append(entry)
    return entries


def _rns_entries(sim: EvokedSimulation, plan: NervePlan, stem: str, out: Path) -> list[dict[str, Any]]:
    assert plan.rns is not None
    site = sim.params.sites[0].name
    train = [w for w, t in zip(sim.sweeps, sim.truth, strict=True) if t["condition"] != "post_exercise"]
    post = [w for w, t in zip(sim.sweeps, sim.truth, strict=True) if t["condition"] == "post_exercise"]
    entries: list[dict[str, Any]] = []
    file = f"ncs/{stem}_rest.csv"
    write_waveforms(out / file, _renamed(train, "s"))
    entries.append(
        {
            "site": site,
            "condition": "rest",
            "rate_hz": plan.rns.rate_hz,
            "waveform": {"file": file, "channel": "all"},
        }
    )
    if post:
        file = f"ncs/{stem}_post_exercise.csv"
        write_waveforms(out / file, _renamed(post, "post"))
        entries.append({"site": site, "condition": "post_exercise", "waveform": {"file": file}})
    return entries


def _renamed(sweeps: list[Any], prefix: str) -> list[Any]:
    return [dataclasses.replace(w, channel=f"{prefix}{k + 1:02d}") for k, w in enumerate(sweeps)]


def _muscle(
    plan: MusclePlan, sc: Scenario, rng: np.random.Generator, out: Path, needle: NeedleSettings
) -> tuple[dict[str, Any], dict[str, Any]]:
    recordings, truths = [], []
    minimal = [("minimal", needle.minimal_s, f"_{k + 1}" if k else "") for k in range(needle.minimal_sites)]
    for condition, seconds, suffix in [("rest", needle.rest_s, ""), *minimal]:
        sim = simulate_needle(
            rng,
            muscle=plan.muscle,
            condition=condition,
            pathology=plan.pathology,
            severity=plan.severity,
            spontaneous=dict(plan.spontaneous) if condition == "rest" else {},
            duration_s=seconds,
            fs_hz=needle.fs_hz,
            age_years=sc.age_years,
            chronicity=plan.chronicity,
        )
        file = f"emg/{plan.side}_{plan.muscle}_{condition}{suffix}.edf"
        write_waveforms(out / file, [sim.waveform])
        recordings.append({"condition": condition, "file": file, "channel": 0})
        truths.append({"condition": condition, "file": file} | sim.truth())
    entry = {"muscle": plan.muscle, "side": plan.side, "recordings": recordings}
    truth = {"muscle": plan.muscle, "side": plan.side, "pathology": plan.pathology, "severity": plan.severity}
    truth |= {"findings": plan.findings(), "recordings": truths}
    return entry, truth
