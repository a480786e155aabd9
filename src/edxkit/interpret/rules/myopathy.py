"""Myopathy, irritable or not (clinical.md §4.9, §3.2).

Rule ``myopathy_needle``: short-duration and/or low-amplitude MUAPs or early recruitment in at least
two muscles, outnumbering muscles with chronic neurogenic (large/long) MUAPs. Irritable when any of
those muscles shows fibrillations or positive sharp waves (inflammatory, necrotizing or some
dystrophic myopathies). Muscles with denervation potentials but otherwise normal MUAPs are counted
with an irritable myopathy. Myotonic discharges and a proximal predominance are reported in the text.
NCS are usually normal; low CMAPs with normal SNAPs are attributed to the myopathy.
"""

from __future__ import annotations

from edxkit.anatomy.names import muscles as muscle_table
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts
from edxkit.interpret.prose import words
from edxkit.interpret.rules.common import muscle_evidence, ncs_evidence
from edxkit.interpret.state import State

__all__ = ["MIN_MUSCLES", "RULE", "myopathy"]

RULE = "myopathy_needle"
MIN_MUSCLES = 2
PROXIMAL = frozenset({"shoulder", "arm", "hip", "thigh", "axial", "shoulder girdle", "chest"})


def _proximal_predominant(myopathic: list[MuscleFacts], state: State) -> bool:
    table = muscle_table()
    proximal = [m for m in myopathic if table[m.muscle].region in PROXIMAL]
    distal_normal = [
        m
        for m in state.facts.muscles
        if m.classification == "normal" and table[m.muscle].region not in PROXIMAL
    ]
    return len(proximal) > len(myopathic) / 2 and bool(distal_normal)


def myopathy(state: State) -> None:
    """Rule ``myopathy_needle`` (module docstring)."""
    f = state.facts
    myopathic = [
        m for m in f.muscles if m.classification in ("myopathic", "mixed") and not state.is_explained(m)
    ]
    chronic_neuro = [m for m in f.muscles if m.classification == "neurogenic" and m.chronic]
    if len(myopathic) < MIN_MUSCLES or len(chronic_neuro) >= len(myopathic):
        if myopathic and chronic_neuro:
            state.note("myopathic and neurogenic MUAPs are both present")
        return
    fibs_only = [
        m for m in f.muscles if m.classification == "neurogenic" and m.active and not m.neurogenic_muaps
    ]
    irritable = any(m.active for m in myopathic + fibs_only)
    myotonic = [words(m.muscle) for m in f.muscles if "myotonic" in m.exam.findings.other_discharges]
    sensory_normal = not any(n.low_amplitude for n in f.nerves(kind="sensory"))
    low_cmaps = [n for n in f.nerves(kind="motor") if n.low_amplitude and sensory_normal]
    claimed = myopathic + (fibs_only if irritable else [])
    text = ("Irritable myopathy" if irritable else "Myopathy") + (
        ", proximal predominant" if _proximal_predominant(myopathic, state) else ""
    )
    if myotonic:
        text += f", with myotonic discharges ({', '.join(myotonic)})"
    state.add(
        Impression(
            code="myopathy",
            irritable=irritable,
            evidence=muscle_evidence(claimed) + ncs_evidence(low_cmaps),
            rule=RULE,
            criteria=(
                "clinical.md 4.9 (short, small, polyphasic MUAPs with early recruitment; "
                "fibrillations = irritable)"
            ),
            text=text + ".",
        ),
        [*claimed, *low_cmaps],
    )
