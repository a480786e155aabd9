"""Per-kind settings of the marker engine: bandwidths and time scales of CMAPs and SNAPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["motor", "sensory"]


@dataclass(frozen=True, slots=True)
class KindSpec:
    """Time scales of one kind of evoked response.

    Parameters
    ----------
    cutoff_hz : float
        Low-pass −3 dB frequency used to locate features and read the peak, Hz (above the
        response's content: CMAP < 1 kHz, SNAP < 2–3 kHz).
    widths_ms : tuple of float
        Widths of the boxcar matched filters of the detector, ms (the negative phase lasts
        about 2–10 ms for a CMAP, 0.5–2 ms for a SNAP).
    earliest_ms : float
        Earliest physiological onset after the stimulus, ms (search starts at the later of this
        and the artifact's end).
    toe_range : (float, float)
        Range of ``(t₃₀ − onset)/(t₈₀ − t₃₀)`` (``t_L``: leading-edge crossing of ``L`` % of the
        amplitude; onset at 1 %) over simulated responses of every nerve and pathology, with
        margin: CMAP 0.47–1.09, antidromic SNAP 0.56–1.53, orthodromic SNAP 1.24–2.25.
    hidden_lobe : (float, float, float), optional
        Expected lead of an initial positivity too small to see (SNAP), see
        :func:`edxkit.ncs.onset.hidden_lobe_lead_ms`.
    """

    cutoff_hz: float
    widths_ms: tuple[float, ...]
    earliest_ms: float
    toe_range: tuple[float, float]
    hidden_lobe: tuple[float, float, float] | None = None


SPECS: dict[str, KindSpec] = {
    "motor": KindSpec(
        cutoff_hz=1000.0, widths_ms=(0.6, 1.2, 2.4, 4.8), earliest_ms=1.2, toe_range=(0.4, 1.25)
    ),
    "sensory": KindSpec(
        cutoff_hz=2500.0,
        widths_ms=(0.2, 0.4, 0.8, 1.6),
        earliest_ms=0.8,
        toe_range=(0.45, 2.4),
        hidden_lobe=(0.6, 0.2, 0.26),
    ),
}
