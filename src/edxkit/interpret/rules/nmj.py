"""Neuromuscular junction disorders (clinical.md §2.7, §4.10, §4.11).

Rule ``nmj_presynaptic`` (Lambert–Eaton pattern): post-exercise (10 s) or high-rate CMAP increment
≥60% in at least one nerve (Oh et al. 2005: sensitivity 97%, specificity 99% vs MG; the classic
criterion is ≥100%, stated when met). Low resting CMAPs with normal SNAPs support and are explained.

Rule ``nmj_postsynaptic`` (myasthenia gravis pattern): low-rate (2–5 Hz) decrement ≥10% (4th/5th vs
1st response) in at least one nerve, without an increment ≥60% and with a normal resting CMAP of that
nerve. A decrement with a low resting CMAP and no increment test leaves a presynaptic disorder open:
no impression, a limitation instead.
"""

from __future__ import annotations

from edxkit.interpret.evidence import summary_row
from edxkit.interpret.facts import NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.rules.common import ncs_evidence
from edxkit.interpret.state import State

__all__ = ["DECREMENT_PCT", "INCREMENT_CLASSIC_PCT", "INCREMENT_PCT", "postsynaptic", "presynaptic"]

RULE_PRE = "nmj_presynaptic"
RULE_POST = "nmj_postsynaptic"
DECREMENT_PCT = 10.0
INCREMENT_PCT = 60.0
INCREMENT_CLASSIC_PCT = 100.0


def _value(study: NcsFacts, name: str) -> float | None:
    value = study.result.summary.get(name)
    return float(value) if isinstance(value, int | float) else None


def _resting_cmap(state: State, rns: NcsFacts) -> NcsFacts | None:
    return state.facts.find(rns.nerve, "motor", rns.side)


def presynaptic(state: State) -> None:
    """Rule ``nmj_presynaptic`` (module docstring)."""
    f = state.facts
    rns = [s for s in f.nerves(kind="rns") if (_value(s, "increment_pct") or 0.0) >= INCREMENT_PCT]
    if not rns:
        return
    best = max(_value(s, "increment_pct") or 0.0 for s in rns)
    sensory_normal = not any(n.low_amplitude for n in f.nerves(kind="sensory"))
    low = [n for n in f.nerves(kind="motor") if n.low_amplitude and sensory_normal]
    classic = best >= INCREMENT_CLASSIC_PCT
    rows = [summary_row(s.result, "increment_pct") | {"limit": INCREMENT_PCT} for s in rns]
    rows += [summary_row(s.result, "decrement_pct") for s in rns if _value(s, "decrement_pct") is not None]
    state.add(
        Impression(
            code="nmj_presynaptic",
            evidence=rows + ncs_evidence(low),
            rule=RULE_PRE,
            criteria=f"post-exercise increment ≥{INCREMENT_PCT:g}% (Oh 2005)"
            + (f"; also ≥{INCREMENT_CLASSIC_PCT:g}% classic criterion" if classic else ""),
            text=f"Presynaptic neuromuscular junction disorder (Lambert–Eaton pattern): increment {best:.0f}%"
            + (", with low resting CMAPs" if low else "")
            + ".",
        ),
        rns + low,
    )


def postsynaptic(state: State) -> None:
    """Rule ``nmj_postsynaptic`` (module docstring)."""
    found = []
    for study in state.facts.nerves(kind="rns"):
        decrement, increment = _value(study, "decrement_pct"), _value(study, "increment_pct")
        if state.is_explained(study) or decrement is None or decrement < DECREMENT_PCT:
            continue
        if increment is not None and increment >= INCREMENT_PCT:
            continue
        cmap = _resting_cmap(state, study)
        if cmap is not None and cmap.low_amplitude and increment is None:
            state.limit(
                f"{study.side} {study.nerve} decrement with a low resting CMAP: post-exercise increment not "
                "tested, a presynaptic disorder is not excluded"
            )
            continue
        found.append(study)
    if not found:
        return
    best = max(_value(s, "decrement_pct") or 0.0 for s in found)
    state.add(
        Impression(
            code="nmj_postsynaptic",
            evidence=[summary_row(s.result, "decrement_pct") | {"limit": DECREMENT_PCT} for s in found],
            rule=RULE_POST,
            criteria=f"low-rate RNS decrement ≥{DECREMENT_PCT:g}% without increment ≥{INCREMENT_PCT:g}% "
            "(clinical.md 2.7, 4.10)",
            text=(
                "Postsynaptic neuromuscular junction disorder (myasthenic pattern): "
                f"decrement up to {best:.0f}%."
            ),
        ),
        found,
    )
