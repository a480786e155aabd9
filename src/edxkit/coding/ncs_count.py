"""Count nerve conduction studies for CPT 95907–95913 (clinical.md §6.1).

A study is one motor test (an F-wave of the same nerve is part of it, not another study), one sensory
test or one H-reflex test of one anatomically distinct nerve on one side; extra stimulation or
recording sites do not add studies; left and right count separately. Repetitive stimulation is coded
apart (95937) and is not an NCS study.
"""

from __future__ import annotations

from dataclasses import dataclass

from edxkit.coding.rules import appendix_j
from edxkit.model import NerveStudy, Study

__all__ = ["NcsCount", "count_ncs"]


@dataclass(frozen=True, slots=True)
class NcsCount:
    """Distinct NCS studies of an encounter, each as ``(group, nerve or branch, side)``.

    ``group`` is ``motor``, ``sensory`` or ``h_reflex``; RNS nerves are listed apart as
    ``(nerve, side)``.
    """

    motor: tuple[tuple[str, str], ...]
    sensory: tuple[tuple[str, str], ...]
    h_reflex: tuple[tuple[str, str], ...]
    rns: tuple[tuple[str, str], ...]

    @property
    def total(self) -> int:
        """Number of NCS studies (motor + sensory + H-reflex)."""
        return len(self.motor) + len(self.sensory) + len(self.h_reflex)


def _branch(nerve: NerveStudy, kind: str) -> str:
    """The nerve id, or an Appendix J branch id when the recording site makes it a distinct nerve."""
    return appendix_j().get((nerve.nerve, kind, nerve.record or ""), nerve.nerve)


def count_ncs(study: Study) -> NcsCount:
    """Distinct studies by group, in the order they first appear in the study.

    Parameters
    ----------
    study : Study

    Returns
    -------
    NcsCount
    """
    groups: dict[str, dict[tuple[str, str], None]] = {g: {} for g in ("motor", "sensory", "h_reflex", "rns")}
    for nerve in study.ncs:
        group = "motor" if nerve.kind == "f_wave" else nerve.kind
        kind = "motor" if group == "motor" else nerve.kind
        groups[group][(_branch(nerve, kind), nerve.side)] = None
    return NcsCount(
        motor=tuple(groups["motor"]),
        sensory=tuple(groups["sensory"]),
        h_reflex=tuple(groups["h_reflex"]),
        rns=tuple(groups["rns"]),
    )
