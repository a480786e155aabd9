"""Anatomical variants and stimulation pitfalls that mimic, or hide, conduction block (clinical.md §2.5).

A motor response normally shrinks a little, never grows, from the distal to a proximal stimulation site
(the longer path disperses the fibres' potentials). Where it grows, or drops where a common variant
explains the drop, the study says so in its notes, so that a variant is not read as disease:

* **Median motor, CMAP larger from the elbow than from the wrist** — a Martin–Gruber anastomosis
  (median-to-ulnar crossover in the forearm: the elbow stimulus also excites ulnar-innervated thenar
  muscles) or a submaximal stimulus at the wrist;
* **Ulnar motor, drop between wrist and below elbow** (a conduction block in the forearm) — the same
  anastomosis seen from the ulnar side: the crossing fibres run with the median nerve at the elbow, so the
  ulnar stimulus there misses them; confirm by stimulating the median nerve at the elbow while recording
  the ulnar muscle;
* **Peroneal motor (EDB), CMAP larger from the fibular head than from the ankle** — an accessory deep
  peroneal nerve (a branch of the superficial peroneal nerve reaching the lateral part of EDB behind the
  lateral malleolus) or a submaximal stimulus at the ankle; confirm by stimulating behind the lateral
  malleolus;
* any other motor nerve with a proximal CMAP larger than the distal one — a submaximal distal stimulus.

``PROXIMAL_LARGER`` (10 %) is the margin above measurement scatter at which a proximal CMAP counts as
larger (a working threshold, TB: the reference gives the pitfalls, not a number).
"""

from __future__ import annotations

from edxkit.ncs.results import NerveResult, SegmentResult, SiteResult

__all__ = ["PROXIMAL_LARGER", "forearm_block", "pitfall_notes"]

PROXIMAL_LARGER = 1.1
_EDB = frozenset({"EDB", "extensor_digitorum_brevis"})


def pitfall_notes(result: NerveResult) -> list[str]:
    """The notes of the module docstring that apply to the motor study ``result``."""
    if result.kind != "motor" or len(result.sites) < 2:
        return []
    out = []
    larger = _larger_proximal(result.sites)
    if larger is not None:
        out.append(_larger_text(result, result.sites[0], larger))
    block = forearm_block(result)
    if block is not None:
        out.append(
            "the conduction block between wrist and below elbow is where a Martin–Gruber anastomosis "
            "(median-to-ulnar fibres crossing in the forearm) mimics one: confirm by stimulating the median "
            "nerve at the elbow while recording this muscle"
        )
    return out


def forearm_block(result: NerveResult) -> SegmentResult | None:
    """The ulnar motor wrist–below-elbow segment when it shows conduction block, else None."""
    if result.nerve != "ulnar" or result.kind != "motor":
        return None
    return next(
        (s for s in result.segments if s.name == "wrist-below_elbow" and s.conduction_block),
        None,
    )


def _larger_proximal(sites: list[SiteResult]) -> SiteResult | None:
    distal = sites[0]
    if distal.response != "present" or not distal.amplitude:
        return None
    limit = PROXIMAL_LARGER * distal.amplitude
    return next((s for s in sites[1:] if s.response == "present" and (s.amplitude or 0.0) > limit), None)


def _larger_text(result: NerveResult, distal: SiteResult, upper: SiteResult) -> str:
    assert distal.amplitude is not None and upper.amplitude is not None
    where = f"CMAP from {_w(upper.site)} ({upper.amplitude:.1f} mV) larger than from {_w(distal.site)} "
    where += f"({distal.amplitude:.1f} mV)"
    if result.nerve == "median":
        why = (
            "a Martin–Gruber anastomosis (median-to-ulnar crossover in the forearm) or a submaximal stimulus "
            f"at the {_w(distal.site)}"
        )
    elif result.nerve == "peroneal" and result.record in _EDB:
        why = (
            "an accessory deep peroneal nerve (confirm by stimulating behind the lateral malleolus) or a "
            f"submaximal stimulus at the {_w(distal.site)}"
        )
    else:
        why = f"a submaximal stimulus at the {_w(distal.site)}, or an anatomical variant"
    return f"{where}: {why}"


def _w(site: str) -> str:
    return site.replace("_", " ")
