"""Motor neuron disease (clinical.md §4.8: Gold Coast 2019, Awaji-shima 2008, revised El Escorial).

Muscle with lower-motor-neuron (LMN) evidence (Gold Coast / Awaji): chronic neurogenic change (large
and/or long-duration MUAPs) plus ongoing denervation — fibrillations/positive sharp waves, or
fasciculation potentials (Awaji: equivalent to fibrillations where chronic change is present).

Region with LMN evidence (El Escorial EMG region rules): bulbar or thoracic — one muscle; cervical or
lumbosacral — two muscles supplied by different roots and different peripheral nerves.

Where fibrillations/PSW (in muscles without myopathic MUAPs) reach ≥3 regions, with fasciculations in ≥2
(fasciculations alone, common and often benign, never suffice), but chronic change is shown in too few
muscles for ≥2 positive regions, the pattern is stated (motor neuron disease to be considered, criteria
not met, which muscles showed chronic change) without an impression.

Rule ``mnd_gold_coast``: LMN evidence in ≥2 regions (Gold Coast), where — to keep multilevel
radiculopathy out — two limb regions count only when each is widespread (not explained by two
adjacent roots) or a bulbar/thoracic region is involved; ≥3 regions always suffice. Exclusions
(clinical.md §4.8): abnormal SNAPs in ≥2 nerves other than the median, conduction block away from
entrapment sites (multifocal motor neuropathy), or motor CV in the demyelinating range.
"""

from __future__ import annotations

from itertools import combinations, pairwise

from edxkit.anatomy.innervation import muscle_supply
from edxkit.anatomy.segments import peripheral_nerve_of
from edxkit.interpret.criteria import demyelinating_criteria
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts
from edxkit.interpret.prose import words
from edxkit.interpret.rules.common import chronicity_of, muscle_evidence, ncs_evidence
from edxkit.interpret.rules.demyelination import ENTRAPMENT_SEGMENTS, motor_features
from edxkit.interpret.state import State

__all__ = ["RULE", "lmn_evidence", "motor_neuron_disease", "region_positive"]

RULE = "mnd_gold_coast"
REGIONS = ("bulbar", "cervical", "thoracic", "lumbosacral")
LIMB_ROOTS = {"cervical": ("C5", "C6", "C7", "C8", "T1"), "lumbosacral": ("L2", "L3", "L4", "L5", "S1")}


def lmn_evidence(m: MuscleFacts) -> bool:
    """Chronic neurogenic change plus fibrillations/PSW or fasciculations (Awaji / Gold Coast)."""
    return m.chronic and (m.active or m.fasciculations)


def region_positive(region: str, muscles: list[MuscleFacts]) -> bool:
    """El Escorial EMG rule for one region."""
    found = [m for m in muscles if m.region == region and lmn_evidence(m)]
    if region in ("bulbar", "thoracic"):
        return bool(found)
    for a, b in combinations(found, 2):
        nerves_differ = peripheral_nerve_of(a.muscle) != peripheral_nerve_of(b.muscle)
        roots_differ = muscle_supply(a.muscle).main_roots != muscle_supply(b.muscle).main_roots
        if nerves_differ and roots_differ:
            return True
    return False


def _widespread(region: str, muscles: list[MuscleFacts]) -> bool:
    """Limb-region LMN findings not explained by one or two adjacent roots."""
    found = [
        m for m in muscles if m.region == region and m.abnormal and not muscle_supply(m.muscle).segmental
    ]
    roots = LIMB_ROOTS[region]
    for a, b in pairwise(roots):
        if all({a, b} & muscle_supply(m.muscle).all_roots for m in found):
            return False
    return bool(found)


def _excluded(state: State) -> str | None:
    f = state.facts
    sensory = {n.nerve for n in f.nerves(kind="sensory") if n.low_amplitude and n.nerve != "median"}
    if len(sensory) >= 2:
        return "sensory responses are abnormal in several nerves"
    for motor in f.nerves(kind="motor"):
        if any(s.conduction_block and s.name not in ENTRAPMENT_SEGMENTS for s in motor.result.segments):
            return f"conduction block in the {motor.side} {motor.nerve} nerve (multifocal motor neuropathy?)"
        features = motor_features(f, motor, demyelinating_criteria()[state.criteria])
        if any(x.code == "I-B" for x in features):
            return f"demyelinating-range slowing in the {motor.side} {motor.nerve} nerve"
    return None


def motor_neuron_disease(state: State) -> None:
    """Rule ``mnd_gold_coast`` (module docstring)."""
    f = state.facts
    positive = [r for r in REGIONS if region_positive(r, f.muscles)]
    if len(positive) < 2:
        _widespread_denervation_note(state)
        return
    special = {"bulbar", "thoracic"} & set(positive)
    limbs_widespread = all(_widespread(r, f.muscles) for r in positive if r in LIMB_ROOTS)
    if len(positive) == 2 and not special and not limbs_widespread:
        state.note(
            "lower motor neuron changes in the cervical and lumbosacral regions are segmental: "
            "radiculopathies are favoured over motor neuron disease"
        )
        state.limit(
            "motor neuron disease not excluded: bulbar and thoracic paraspinal muscles would separate it"
        )
        return
    reason = _excluded(state)
    if reason:
        state.note(f"widespread denervation, but {reason}: motor neuron disease not called")
        return
    _add(state, positive)


def _widespread_denervation_note(state: State) -> None:
    """Active denervation in ≥3 regions without the chronic change the criteria ask for: say so."""
    f = state.facts
    # myopathic MUAPs with fibrillations are an irritable myopathy; fasciculations are not a myopathy's
    denervated = [m for m in f.muscles if (m.active or m.fasciculations) and not m.myopathic_muaps]
    regions = [r for r in REGIONS if any(m.region == r and m.active for m in denervated)]
    fasciculating = {m.region for m in denervated if m.fasciculations}
    if len(regions) < 3 or len(fasciculating) < 2 or _excluded(state):
        return
    chronic = [f"{m.side} {words(m.muscle)}" for m in denervated if m.chronic]
    shown = (
        f"{len(chronic)} muscle{'s' if len(chronic) != 1 else ''} ({', '.join(chronic)})"
        if chronic
        else "none"
    )
    snaps = f.nerves(kind="sensory")
    sensory = " with normal sensory responses" if snaps and not any(n.low_amplitude for n in snaps) else ""
    state.note(
        f"fibrillation potentials or positive sharp waves in {len(regions)} regions ({', '.join(regions)}), "
        f"with fasciculations{sensory}, point to a widespread disorder of lower motor neurons such as "
        "motor neuron disease, but the Gold Coast and Awaji criteria also need chronic neurogenic change "
        f"in those muscles, shown in {shown}: the criteria are not met"
    )
    sized = [m for m in denervated if m.exam.findings.muap_amplitude or m.exam.findings.muap_duration]
    if 2 * len(sized) < len(denervated):
        state.limit(
            f"MUAP size was assessed in {len(sized)} of the {len(denervated)} denervated muscles, too few "
            "to tell whether motor neuron disease criteria are met (more MUAPs per muscle, or reference "
            "values for the patient's age, would be needed)"
        )


def _add(state: State, positive: list[str]) -> None:
    f = state.facts
    neurogenic = [m for m in f.muscles if m.classification in ("neurogenic", "mixed")]
    active = sorted({m.region for m in neurogenic if m.active and m.region}, key=REGIONS.index)
    chronic = sorted({m.region for m in neurogenic if m.chronic and m.region}, key=REGIONS.index)
    fasc = sorted({m.region for m in neurogenic if m.fasciculations and m.region}, key=REGIONS.index)
    motors = [n for n in f.ncs if n.kind in ("motor", "f_wave") and n.abnormal]
    text = (
        f"Widespread active denervation ({', '.join(active) or 'none'}) and chronic reinnervation "
        f"({', '.join(chronic) or 'none'})"
        + (f" with fasciculations ({', '.join(fasc)})" if fasc else "")
        + f"; lower motor neuron evidence in {len(positive)} regions ({', '.join(positive)}), "
        "consistent with motor neuron disease."
    )
    state.add(
        Impression(
            code="motor_neuron_disease",
            chronicity=chronicity_of(neurogenic),
            evidence=muscle_evidence(neurogenic) + ncs_evidence(motors),
            rule=RULE,
            criteria=(
                "Gold Coast 2019 with Awaji-shima 2008 EMG equivalence (fasciculations count with "
                "chronic change); El Escorial region rules; regions with LMN evidence: " + ", ".join(positive)
            ),
            text=text,
        ),
        [*neurogenic, *motors],
    )
    state.limit(
        "motor neuron disease: EMG shows lower motor neuron involvement only; the diagnosis needs the "
        "clinical picture (progression, upper motor neuron signs) per Gold Coast criteria"
    )
