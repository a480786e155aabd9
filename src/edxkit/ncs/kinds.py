"""Per-kind settings of the marker engine: bandwidths and time scales of CMAPs and SNAPs."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    fine_peak_fraction : float
        On a slowly sampled sweep's interpolated grid (:mod:`edxkit.ncs.fine`), the negative peak
        is fitted over the part of it within this fraction of its size: wider for the broad CMAP
        peak (more recorded samples average the noise), the top quarter for the sharp SNAP peak.
    fine_below_hz : float
        Sweeps sampled below this rate get the interpolated grid (:mod:`edxkit.ncs.fine`) for
        the onset fit and the peak: 9 kHz for CMAPs (at 10 kHz and more the onset and amplitude
        errors do not change with it), 12 kHz for SNAPs (at 10 kHz it halves the onset error).
    fine_peak_below_hz : float
        The negative peak is read on the interpolated grid only below this rate (9 kHz: at 10 kHz
        the SNAP peak read on the grid was no better, and at low SNR worse, than on the samples).
    hidden_lead : (float, float), optional
        Orthodromic SNAPs: ``(a, b)`` of the lead ``t₃₀ − onset = a + b·(t₈₀ − t₃₀)`` (ms) taken when
        no initial positivity stands out of the noise (see :data:`ORTHODROMIC`).
    toe_shrinkage : (float, float, float), optional
        CMAPs: ``(median, sd, c)`` of the toe prior the fitted toe is shrunk to
        (:func:`edxkit.ncs.onset.shrink_to_prior`). Measured on simulated CMAPs of every nerve and
        pathology (tuning seeds 10 000+, 371 sweeps at ≥ 15 dB): true toe median 0.71, IQR 0.63–0.86
        (SD ≈ IQR/1.35 = 0.17); the SD of the fitted toe's error rises as ≈ 0.9·√(σ_smooth/A)
        (0.05 at σ/A = 0.005, 0.11 at 0.015, 0.19 at 0.03, 0.24 at 0.06).
    lead_shrinkage : (float, float, float), optional
        SNAPs: ``(median, sd, c)`` (ms) of the prior on the lead ``t₃₀ − onset``, which for SNAPs is
        nearly constant whatever the edge time (their toe falls from 1.48 at t₈₀ − t₃₀ < 0.2 ms to 0.65
        above 0.4 ms, the product stays 0.26–0.33 ms). Antidromic SNAPs without a visible initial
        positivity (183 sweeps at ≥ 15 dB, tuning seeds 10 000+): lead median 0.273 ms, IQR
        0.244–0.312 (SD 0.05 ms); the fitted lead's error SD ≈ 0.45·√(σ_smooth/A) ms (0.035 at
        σ/A ≤ 0.016, 0.075 at 0.02–0.045, 0.12 above). Applied after the hidden-lobe lead.
    fine_grid_lobes : bool
        Whether an initial positivity may be fitted on the interpolated grid of a slowly sampled
        sweep (:mod:`edxkit.ncs.fine`). False for SNAPs: a SNAP point-sampled at 3.2–10 kHz is
        aliased, and its band-limited interpolation rings before the edge with a "positivity" of up
        to ~20 % of the negative peak that is not in the response. At 3.2 kHz and 30–60 dB, 36 % of
        simulated antidromic SNAPs had one accepted, most putting the onset 0.13–0.34 ms early (the
        true antidromic positivity is 1–2 % of the peak; at 45 dB the median onset error was −0.21 ms
        with it, 0.00 ms without); orthodromic SNAPs' real 10–20 %
        positivity, read on the same grid, put their onsets 0.03–0.22 ms early. Without it the edge
        is fitted monotone and the hidden-lobe lead or the orthodromic ``hidden_lead`` gives the
        onset (tuning seeds 10 000+ and 20 000+: 3.2-kHz SNAPs at ≥ 30 dB onset p95 0.175 → 0.132 ms,
        sensory CV p95 at ≥ 20 dB 1.89 → 1.79 m/s). True for CMAPs (unchanged).
    """

    cutoff_hz: float
    widths_ms: tuple[float, ...]
    earliest_ms: float
    toe_range: tuple[float, float]
    hidden_lobe: tuple[float, float, float] | None = None
    fine_peak_fraction: float = 0.25
    fine_below_hz: float = 9000.0
    fine_peak_below_hz: float = 9000.0
    hidden_lead: tuple[float, float] | None = None
    toe_shrinkage: tuple[float, float, float] | None = None
    lead_shrinkage: tuple[float, float, float] | None = None
    fine_grid_lobes: bool = True


SPECS: dict[str, KindSpec] = {
    "motor": KindSpec(
        cutoff_hz=1000.0,
        widths_ms=(0.6, 1.2, 2.4, 4.8),
        earliest_ms=1.2,
        toe_range=(0.4, 1.25),
        fine_peak_fraction=0.5,
        toe_shrinkage=(0.72, 0.17, 0.9),
    ),
    "sensory": KindSpec(
        cutoff_hz=2500.0,
        widths_ms=(0.2, 0.4, 0.8, 1.6),
        earliest_ms=0.8,
        toe_range=(0.45, 2.4),
        hidden_lobe=(0.6, 0.2, 0.26),
        fine_below_hz=12000.0,
        lead_shrinkage=(0.273, 0.05, 0.45),
        fine_grid_lobes=False,
    ),
}

#: Orthodromic SNAPs (stimulated distally, recorded over the nerve trunk) start with an initial
#: positivity of ~10–20 % of the negative peak (triphasic), so their onset (1 % departure) leads the
#: negative edge by more than an antidromic SNAP's: toe 1.38–2.24 (5th–95th centile, median 1.93) on
#: simulated orthodromic SNAPs against 0.68–1.62 antidromic. Where the positivity is hidden in the
#: noise the negative edge alone cannot say how far it leads, so the onset is put where the orthodromic
#: SNAPs whose positivity was not seen have it (``hidden_lead``) instead of at the antidromic hidden-lobe
#: lead. That lead t₃₀ − onset is part constant, part proportional to the edge time: on 400 noise-free
#: (70 dB, 50 kHz) simulated orthodromic SNAPs of the bench's nerves, ages and pathologies, least squares
#: give 0.263 + 0.833·(t₈₀ − t₃₀) ms (residual SD 0.053 ms; its median error within ±0.03 ms for normal,
#: axonal, demyelinating and dispersed SNAPs alike), where a constant toe of 1.8 leaves normal SNAPs
#: 0.06 ms late (bench/RESULTS.md "Orthodromic SNAP onsets: a lead part constant, part proportional").
ORTHODROMIC = replace(
    SPECS["sensory"], toe_range=(1.3, 2.4), hidden_lobe=None, hidden_lead=(0.263, 0.833), lead_shrinkage=None
)


def spec_for(kind: str, orthodromic: bool = False) -> KindSpec:
    """Settings for ``kind``; ``orthodromic`` selects those of an orthodromic SNAP (sensory only).

    Raises
    ------
    ValueError
        Unknown ``kind``, or ``orthodromic`` for a motor study.
    """
    if kind not in SPECS:
        raise ValueError(f"kind must be 'motor' or 'sensory', got {kind!r}")
    if orthodromic and kind != "sensory":
        raise ValueError("orthodromic applies to sensory studies only")
    return ORTHODROMIC if orthodromic else SPECS[kind]
