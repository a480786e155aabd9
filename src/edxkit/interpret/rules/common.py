"""Helpers shared by the pattern rules: grading, chronicity, evidence, wording.

Focal-neuropathy severity (edxkit scheme, TB, after Preston & Shapiro's grading by axon loss and
block; stated in every impression that uses it as ``FOCAL_SEVERITY_SCHEME``):

* severe — a distal CMAP of the nerve absent or below 50% of its lower limit, or an absent SNAP with
  denervation (fibrillations/PSW ≥2+) in the territory;
* moderate — a distal CMAP below its lower limit, a low or absent SNAP, conduction block, or any
  active denervation in the territory (partial axon loss or block);
* mild — focal slowing only (latency/velocity), amplitudes normal, no denervation.

Chronicity from the needle examination of the muscles in the lesion's territory (clinical.md §3.2):
fibrillations/PSW with large/long MUAPs = chronic_active; large/long MUAPs alone = chronic;
fibrillations/PSW or reduced recruitment with normal MUAPs = acute.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from edxkit.interpret.evidence import muscle_rows, site_row
from edxkit.interpret.facts import NcsFacts
from edxkit.interpret.needle import MuscleFacts

__all__ = [
    "FOCAL_SEVERITY_SCHEME",
    "chronicity_of",
    "focal_severity",
    "muscle_evidence",
    "ncs_evidence",
    "normal_snap_evidence",
    "side_label",
]

FOCAL_SEVERITY_SCHEME = (
    "edxkit focal severity (TB, after Preston & Shapiro): severe = CMAP absent/<50% LLN or absent SNAP with "
    "denervation; moderate = low CMAP/SNAP, conduction block or denervation; mild = focal slowing only"
)


def chronicity_of(muscles: Iterable[MuscleFacts]) -> str | None:
    """acute | chronic | chronic_active from the muscles of a lesion, or None when none is abnormal."""
    items = [m for m in muscles if m.abnormal]
    active = any(m.active for m in items)
    chronic = any(m.chronic for m in items)
    if active and chronic:
        return "chronic_active"
    if chronic:
        return "chronic"
    if active or any(m.reduced_recruitment for m in items):
        return "acute"
    return None


def focal_severity(
    motor: Iterable[NcsFacts],
    sensory: Iterable[NcsFacts],
    muscles: Iterable[MuscleFacts],
    *,
    block: bool = False,
) -> str:
    """Severity of a focal neuropathy (see ``FOCAL_SEVERITY_SCHEME``)."""
    motor, sensory, muscles = list(motor), list(sensory), list(muscles)
    fractions = [m.amp_fraction for m in motor if m.amp_fraction is not None]
    denervation = max((m.denervation_grade for m in muscles), default=0)
    if any(f < 0.5 for f in fractions) or any(m.absent for m in motor):
        return "severe"
    if any(s.absent for s in sensory) and denervation >= 2:
        return "severe"
    if any(m.low_amplitude for m in motor) or any(s.low_amplitude for s in sensory) or block or denervation:
        return "moderate"
    return "mild"


def ncs_evidence(studies: Iterable[NcsFacts]) -> list[dict[str, Any]]:
    """Evidence rows of every abnormal flag of the studies."""
    return [row for s in studies for row in s.evidence()]


def normal_snap_evidence(studies: Iterable[NcsFacts]) -> list[dict[str, Any]]:
    """Rows of normal SNAP amplitudes (key negatives, e.g. a preganglionic lesion)."""
    rows = []
    for s in studies:
        if s.distal is not None and not s.low_amplitude and s.amplitude is not None:
            rows.append(site_row(s.result, s.distal, "amplitude") | {"finding": "normal"})
    return rows


def muscle_evidence(muscles: Iterable[MuscleFacts]) -> list[dict[str, Any]]:
    """Evidence rows of the abnormal needle findings of the muscles."""
    return [row for m in muscles for row in muscle_rows(m.exam, m.abnormal_fields())]


def side_label(side: str | None) -> str:
    return f"{side.capitalize()} " if side else ""
