"""Working state of an interpretation: facts, impressions so far, findings they explain, limitations.

Rules run in order (generalized disorders first, then focal entrapments, then localization of what is
left). A rule that fires adds its impression and *claims* the nerve studies and muscles it explains;
later rules see only unclaimed abnormal findings where that matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from edxkit.interpret.criteria import DEFAULT_DEMYELINATING
from edxkit.interpret.facts import Facts, Key, NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts

__all__ = ["State"]


@dataclass(slots=True)
class State:
    """Facts plus what the rules have concluded so far."""

    facts: Facts
    criteria: str = DEFAULT_DEMYELINATING
    impressions: list[Impression] = field(default_factory=list)
    explained: set[Key] = field(default_factory=set)
    limitations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def has(self, code: str, side: str | None = None) -> bool:
        """True when an impression with ``code`` (on ``side``, or bilateral/unsided) exists."""
        return any(i.code == code and (side is None or i.side in (None, side)) for i in self.impressions)

    def add(self, impression: Impression, claims: Iterable[NcsFacts | MuscleFacts] = ()) -> None:
        """Record an impression and the findings it explains."""
        self.impressions.append(impression)
        self.claim(claims)

    def claim(self, items: Iterable[NcsFacts | MuscleFacts]) -> None:
        self.explained.update(item.key for item in items)

    def is_explained(self, item: NcsFacts | MuscleFacts) -> bool:
        return item.key in self.explained

    def limit(self, text: str) -> None:
        """Add a limitation once."""
        if text not in self.limitations:
            self.limitations.append(text)

    def note(self, text: str) -> None:
        """Add a sentence for the statement once (e.g. why a pattern was not called)."""
        if text not in self.notes:
            self.notes.append(text)

    def unexplained_ncs(self) -> list[NcsFacts]:
        """Abnormal nerve studies no impression has claimed."""
        return [n for n in self.facts.ncs if n.abnormal and not self.is_explained(n)]

    def unexplained_muscles(self) -> list[MuscleFacts]:
        """Abnormal muscles no impression has claimed."""
        return [m for m in self.facts.muscles if m.abnormal and not self.is_explained(m)]
