"""Onset latencies that are out of order along a nerve, and the conduction velocities they make meaningless.

Stimulating farther from the recording electrode can only lengthen the latency: the impulse has more nerve
to travel. A proximal onset that is not later than the onset at the site below it is therefore a typing
error, sites entered in the wrong order, or a misplaced marker — never physiology. Which of the two sites
is wrong cannot be told, so the velocities of every segment that starts or ends at either are set aside
(with a note), rather than computed from a latency that is known to be wrong: a proximal latency typed
too short both hides the segment below it and fakes a slow segment above it (e.g. an across-elbow ulnar
velocity of 16 m/s, read as ulnar neuropathy at the elbow).
"""

from __future__ import annotations

from collections.abc import Sequence

from edxkit.ncs.results import NerveResult

__all__ = [
    "set_aside_unordered",
    "unordered_pairs",
    "unordered_sites",
    "unordered_text",
    "unordered_warnings",
]


def unordered_pairs(latencies_ms: Sequence[float | None]) -> list[int]:
    """Indices k (distal first) where site k + 1's latency is not later than site k's (both known)."""
    out = []
    for k in range(len(latencies_ms) - 1):
        lower, upper = latencies_ms[k], latencies_ms[k + 1]
        if lower is not None and upper is not None and upper <= lower:
            out.append(k)
    return out


def unordered_text(lower: str, lower_ms: float, upper: str, upper_ms: float) -> str:
    """``onset latency at below elbow (2.00 ms) is not later than at wrist (2.90 ms)``."""
    return (
        f"onset latency at {upper.replace('_', ' ')} ({upper_ms:.2f} ms) is not later than at "
        f"{lower.replace('_', ' ')} ({lower_ms:.2f} ms)"
    )


def _onsets(result: NerveResult) -> list[float | None]:
    """Onset latency of each site of ``result`` with a response (None elsewhere)."""
    return [s.onset_latency_ms if s.response == "present" else None for s in result.sites]


def unordered_sites(result: NerveResult) -> list[str]:
    """A sentence per pair of adjacent sites of ``result`` (with a response) whose onsets are out of order."""
    sites = result.sites
    out = []
    for k in unordered_pairs(_onsets(result)):
        lower, upper = sites[k], sites[k + 1]
        assert lower.onset_latency_ms is not None and upper.onset_latency_ms is not None
        out.append(unordered_text(lower.site, lower.onset_latency_ms, upper.site, upper.onset_latency_ms))
    return out


def set_aside_unordered(result: NerveResult) -> None:
    """Withdraw the velocities of the segments at out-of-order sites of ``result`` (module docstring), each
    with a note saying why."""
    pairs = unordered_pairs(_onsets(result))
    if not pairs:
        return
    suspect = {k for p in pairs for k in (p, p + 1)}
    reason = "; ".join(unordered_sites(result))
    for j, seg in enumerate(result.segments):  # segment j joins sites j and j + 1
        if j not in suspect and j + 1 not in suspect:
            continue
        if seg.cv_m_s is not None:
            seg.notes.append(f"conduction velocity not given: {reason} (check the values or markers)")
        seg.cv_m_s = seg.cv_drop_m_s = None
        if j + 1 < len(result.segments):
            result.segments[j + 1].cv_drop_m_s = None  # it compares with this segment's velocity


def unordered_warnings(results: Sequence[NerveResult]) -> list[str]:
    """The study-level warning of every nerve study with out-of-order onsets."""
    out = []
    for r in results:
        for text in unordered_sites(r):
            where = f"{r.side} {r.nerve.replace('_', ' ')} {r.kind}"
            out.append(f"{where}: {text}; the velocities of the segments at these sites are not given")
    return out
