"""Run the pattern rules over a study and write the statement and limitations.

Order: neuromuscular junction (presynaptic, then postsynaptic), motor neuron disease, polyneuropathy,
myopathy, focal entrapments (median at the wrist, ulnar at the elbow and wrist, peroneal at the
fibular head, radial at the spiral groove), then localization of whatever is left (radiculopathy,
plexopathy, other mononeuropathies). A study with nothing abnormal is ``normal``; abnormal findings no
rule explains are listed in the statement and in ``unexplained``; no code outside the vocabulary is
made up for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from edxkit.interpret.criteria import DEFAULT_DEMYELINATING, demyelinating_criteria
from edxkit.interpret.facts import F_MIN_CMAP_FRACTION, NcsFacts, build_facts
from edxkit.interpret.model import Impression, Interpretation
from edxkit.interpret.prose import findings_in_words, words
from edxkit.interpret.rules import cts, focal, mnd, myopathy, nmj, peroneal, polyneuropathy, radial, ulnar
from edxkit.interpret.state import State
from edxkit.model import Study
from edxkit.ncs.order import unordered_sites
from edxkit.ncs.pitfalls import forearm_block

if TYPE_CHECKING:
    from edxkit.analyze import StudyResult

__all__ = ["RULES", "interpret"]

Rule = Callable[[State], None]
RULES: tuple[tuple[str, Rule], ...] = (
    (nmj.RULE_PRE, nmj.presynaptic),
    (nmj.RULE_POST, nmj.postsynaptic),
    (mnd.RULE, mnd.motor_neuron_disease),
    ("polyneuropathy", polyneuropathy.polyneuropathy),
    (myopathy.RULE, myopathy.myopathy),
    (cts.RULE, cts.carpal_tunnel),
    (ulnar.RULE_ELBOW, ulnar.ulnar_elbow),
    (ulnar.RULE_WRIST, ulnar.ulnar_wrist),
    (peroneal.RULE, peroneal.peroneal_fibular_head),
    (radial.RULE, radial.radial_spiral_groove),
    ("localization", focal.localized_lesions),
)


def _general_limitations(state: State) -> None:
    f = state.facts
    for note in f.temperature_notes:
        state.limit(note)
    for late in f.nerves(kind="f_wave"):
        motor = f.find(late.nerve, "motor", late.side)
        fraction = motor.amp_fraction if motor is not None else None
        if late.absent and fraction is not None and fraction < F_MIN_CMAP_FRACTION:
            state.limit(
                f"{late.side} {late.nerve} F-waves absent with a CMAP below {F_MIN_CMAP_FRACTION:.0%} of its "
                "lower limit: their absence cannot be interpreted (clinical.md 1.3)"
            )
    if f.ncs and not f.muscles and any(n.abnormal for n in f.ncs):
        state.limit("no needle EMG: denervation, chronicity and root/muscle disease not assessed")
    if f.muscles and not f.ncs and any(m.abnormal for m in f.muscles):
        state.limit("no nerve conduction studies: localization rests on the needle examination only")
    for n in f.ncs:
        _site_limitations(state, n)
    unjudged = [_study_words(n) for n in f.ncs if n.unjudged]
    if unjudged:
        state.limit(
            "no normal limits for " + ", ".join(unjudged) + " (none in the table for its recording site or "
            "direction): its values were not compared and it is not called normal"
        )
    unassessed = [f"{m.side} {words(m.muscle)}" for m in f.muscles if not m.assessed]
    if unassessed:
        state.limit(
            "needle examination without findings (none entered, recordings not analyzed): "
            + ", ".join(unassessed)
        )


def _site_limitations(state: State, n: NcsFacts) -> None:
    """Out-of-order onsets (:mod:`edxkit.ncs.order`) and a forearm ulnar block that an anastomosis may
    explain (:mod:`edxkit.ncs.pitfalls`)."""
    for text in unordered_sites(n.result):
        state.limit(
            f"{_study_words(n)}: {text}, impossible for a more proximal stimulus (check the values or "
            "markers); the conduction velocities of the segments at these sites are not interpreted"
        )
    if forearm_block(n.result) is not None:
        state.limit(
            f"{_study_words(n)}: the conduction block between wrist and below elbow may be a Martin–Gruber "
            "anastomosis, which stimulating the median nerve at the elbow while recording this muscle "
            "would show"
        )


def _study_words(n: NcsFacts) -> str:
    r = n.result
    direction = " orthodromic" if r.direction == "orthodromic" else ""
    where = f" ({words(r.record)})" if r.record else ""
    return f"{r.side} {words(r.nerve)}{direction} {r.kind}{where}"


def _unexplained(state: State) -> list[dict[str, Any]]:
    rows = [row for n in state.unexplained_ncs() for row in n.evidence()]
    for m in state.unexplained_muscles():
        rows += [
            {
                "table": "emg",
                "muscle": m.muscle,
                "side": m.side,
                "field": name,
                "value": getattr(m.exam.findings, name),
            }
            for name in m.abnormal_fields()
        ]
    return rows


def _statement(state: State, unexplained: list[dict[str, Any]]) -> str:
    f = state.facts
    notes = "".join(f" Note: {n}." for n in state.notes)
    if state.impressions and state.impressions[0].code == "normal":
        parts = [p for p, done in (("nerve conduction", f.ncs), ("needle EMG", f.muscles)) if done]
        nonspecific = [
            f"{m.side} {words(m.muscle)}" for m in f.muscles if m.abnormal_fields() == ["polyphasia"]
        ]
        unjudged = [_study_words(n) for n in f.ncs if n.unjudged]
        verb = "was" if len(unjudged) == 1 else "were"
        not_judged = f"; {', '.join(unjudged)} had no normal limits and {verb} not judged" if unjudged else ""
        if nonspecific:
            return (
                f"Normal study: the {' and '.join(parts)} findings are within normal limits, apart from "
                f"increased polyphasia in {', '.join(nonspecific)}, which alone is non-specific{not_judged}."
            )
        if unjudged:
            return (
                f"Normal study: all {' and '.join(parts)} findings compared with normal limits are within "
                f"them{not_judged}."
            )
        return f"Normal study: all {' and '.join(parts)} findings are within normal limits."
    if state.impressions:
        text = "Abnormal study. " + " ".join(i.text for i in state.impressions)
        if unexplained:
            text += (
                " Also abnormal, not explained by these impressions: " + findings_in_words(unexplained) + "."
            )
        return text + notes
    if unexplained:
        listed = findings_in_words(unexplained)
        return f"Abnormal study. The abnormal findings fit no recognised pattern: {listed}.{notes}"
    if any(not m.assessed for m in f.muscles) and not any(n.confounded for n in f.ncs):
        return (
            "No abnormality in the findings available, but the study is incomplete: the needle "
            "examination has muscles without findings, so it is not called normal."
        )
    if any(n.confounded for n in f.ncs):
        limbs = ", ".join(sorted(f.cold_limbs))
        return (
            "No definite abnormality: the only values outside limits are latencies or velocities of the "
            f"{limbs} limb measured below the temperature floor, which are not interpreted; repeat after "
            "warming."
        )
    return "Nothing to interpret: the study holds no nerve conduction or needle findings."


def _normal(state: State) -> None:
    f = state.facts
    nothing_abnormal = not any(n.abnormal or n.confounded for n in f.ncs) and not any(
        m.abnormal for m in f.muscles
    )
    assessed = bool(f.ncs) or any(m.assessed for m in f.muscles)
    complete = all(m.assessed for m in f.muscles)
    if nothing_abnormal and assessed and complete:
        state.impressions.append(
            Impression(
                code="normal", rule="normal_study", text="Normal study.", criteria="all values within limits"
            )
        )


def interpret(study: Study, result: StudyResult, *, criteria: str = DEFAULT_DEMYELINATING) -> Interpretation:
    """Impressions, limitations and a statement for an analyzed study.

    Parameters
    ----------
    study : Study
        The study as loaded (needle findings are read from its ``emg`` entries).
    result : StudyResult
        Its NCS analysis (``edxkit.analyze.analyze_study``).
    criteria : str, optional
        Demyelination criteria set of ``interpret/data/demyelinating_criteria.csv``
        (``efns_pns_2010`` by default, or ``ean_pns_2021``).

    Returns
    -------
    Interpretation
    """
    if criteria not in demyelinating_criteria():
        raise ValueError(
            f"unknown demyelination criteria {criteria!r}; known: {sorted(demyelinating_criteria())}"
        )
    state = State(build_facts(study, result), criteria=criteria)
    for _, rule in RULES:
        rule(state)
    if not state.impressions:
        _normal(state)
    _general_limitations(state)
    unexplained = _unexplained(state)
    return Interpretation(
        impressions=list(state.impressions),
        limitations=list(state.limitations),
        statement=_statement(state, unexplained),
        unexplained=unexplained,
    )
