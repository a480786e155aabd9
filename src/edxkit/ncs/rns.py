"""Repetitive nerve stimulation: decrement over a train and post-exercise increment (clinical.md §2.7).

``decrement_pct = (A1 − min(A4, A5)) / A1 · 100`` (amplitude, or area for ``area_decrement_pct``),
abnormal at ≥ 10 %; ``increment_pct = (A_post − A1) / A1 · 100`` after a 10 s contraction
(≥ 60 % / ≥ 100 % suggest a presynaptic disorder).

Every response is measured the same way, so that ratios are not spoiled by per-sweep choices:

1. :func:`edxkit.ncs.markers.analyse_sweep` removes each sweep's baseline (level or line plus the
   stimulus artifact's exponential tail) — the marker engine's convention; the first response's
   markers fix the common response window.
2. The slow drift left in each sweep is removed by a cubic fitted to its response-free parts
   (before the stimulus and after the first response's end + 3 durations).
3. The responses of a train differ mostly in size, so noise is removed by keeping the leading
   singular components of the responses over the response window: as many as rise above the
   Gavish–Donoho threshold for the noise measured on the sweeps (at least one, at most four);
   amplitude and area are then read on these denoised responses. The train is denoised on its
   own (a much larger post-exercise response would set the shape); the post-exercise response
   is denoised together with the train, and the increment compares it with the first train
   response of that joint fit.
4. Amplitude: baseline (0) to negative peak (:func:`edxkit.ncs.phase.refine_extremum`); area:
   ``∫ −y dt`` over the negative phase, from the zero crossing before the peak to the return to
   baseline after it (:mod:`edxkit.ncs.phase`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from edxkit.ncs.fwave import white_noise_sd
from edxkit.ncs.markers import SweepAnalysis, SweepMarkers, analyse_sweep
from edxkit.ncs.phase import crossing_before, negative_area, refine_extremum, zero_crossing_after
from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]
Condition = Literal["train", "post_exercise"]

#: Decrement at or above which low-rate RNS is abnormal, % (clinical.md §2.7).
DECREMENT_ABNORMAL_PCT = 10.0
_MAX_RANK = 4
_DRIFT_DEGREE = 3


@dataclass(frozen=True, slots=True)
class RnsResponse:
    """One response of the study.

    Parameters
    ----------
    number : int
        1-based position in the train (post-exercise responses continue the count).
    condition : {"train", "post_exercise"}
        Where the response belongs.
    amplitude_mv : float
        Baseline-to-negative-peak amplitude, mV.
    area_mv_ms : float
        Negative-phase area, mV·ms.
    change_pct : float or None
        Amplitude change from the first train response, % (for a post-exercise response: from
        the first train response as measured together with it, i.e. the increment).
    """

    number: int
    condition: Condition
    amplitude_mv: float
    area_mv_ms: float
    change_pct: float | None


@dataclass(frozen=True, slots=True)
class RnsResult:
    """Repetitive-stimulation summary (see the module docstring for the method).

    Parameters
    ----------
    responses : tuple of RnsResponse
        Train responses, then post-exercise ones.
    decrement_pct, area_decrement_pct : float or None
        First vs smallest of the 4th–5th response, by amplitude and by area, %.
    max_decrement_pct : float or None
        Largest ``(A1 − Ak)/A1·100`` over the train, %.
    train_change_pct : float or None
        Last vs first response of the train, % (the measure of high-rate trains).
    increment_pct, area_increment_pct : float or None
        First post-exercise response vs the first train response, by amplitude and by area, %
        (None without a post-exercise response).
    envelope : str
        Shape of the train's envelope in words.
    rate_hz : float or None
        Stimulation rate, Hz, as given.
    denoising_rank : int
        Singular components kept.
    noise_sd_mv : float
        Noise SD per sample of the sweeps, mV.
    window_ms : (float, float)
        Response window, ms after the stimulus.
    notes : tuple of str
        Remarks (short train, abnormal decrement or increment, ...).
    """

    responses: tuple[RnsResponse, ...]
    decrement_pct: float | None
    area_decrement_pct: float | None
    max_decrement_pct: float | None
    train_change_pct: float | None
    increment_pct: float | None
    area_increment_pct: float | None
    envelope: str
    rate_hz: float | None
    denoising_rank: int
    noise_sd_mv: float
    window_ms: tuple[float, float]
    notes: tuple[str, ...] = ()


# --- consistent measurement ----------------------------------------------------------------------


def _centered(sweeps: Sequence[Waveform]) -> tuple[FloatArray, FloatArray, SweepMarkers]:
    """Baseline-corrected sweeps (mV) on the first sweep's time grid, and the first's markers."""
    first = analyse_sweep(sweeps[0], "motor")
    if first.markers.response != "present":
        raise ValueError("no response in the first sweep of the train: RNS cannot be measured")
    end = first.markers.end_latency_ms or float(first.t_ms[-1])
    window = (float(first.t_ms[0]), end + 3.0 * (first.markers.duration_ms or 5.0))
    rows = [first] + [analyse_sweep(w, "motor", window_ms=window) for w in sweeps[1:]]
    t = first.t_ms
    scale = [0.001 if w.units == "uV" else 1.0 for w in sweeps]
    return t, np.vstack([_on_grid(a, t) * s for a, s in zip(rows, scale, strict=True)]), first.markers


def _on_grid(a: SweepAnalysis, t_ms: FloatArray) -> FloatArray:
    if a.t_ms.shape == t_ms.shape and np.allclose(a.t_ms, t_ms):
        return np.asarray(a.centered, dtype=np.float64)
    return np.asarray(np.interp(t_ms, a.t_ms, a.centered), dtype=np.float64)


def _remove_drift(t_ms: FloatArray, y: FloatArray, free: NDArray[np.bool_]) -> FloatArray:
    """Subtract from every row a polynomial fitted to its response-free samples."""
    degree = _DRIFT_DEGREE if (t_ms[free] < 0).sum() >= 10 else 1
    if free.sum() < 4 * (degree + 1):
        return y
    x = (t_ms - t_ms.mean()) / max(float(np.ptp(t_ms)), 1e-9)
    coef, *_ = np.linalg.lstsq(np.vander(x[free], degree + 1), y[:, free].T, rcond=None)
    return np.asarray(y - (np.vander(x, degree + 1) @ coef).T, dtype=np.float64)


def _gavish_donoho(beta: float) -> float:
    """Optimal hard threshold for singular values, in units of ``sqrt(n)·σ`` (known noise)."""
    return math.sqrt(
        2.0 * (beta + 1.0) + 8.0 * beta / (beta + 1.0 + math.sqrt(beta * beta + 14.0 * beta + 1.0))
    )


def _denoise(y: FloatArray, noise_sd: float) -> tuple[FloatArray, int]:
    """Keep the singular components above the Gavish–Donoho threshold (1 to ``_MAX_RANK``)."""
    n, m = y.shape
    if n < 3:
        return y, n
    u, s, vt = np.linalg.svd(y, full_matrices=False)
    threshold = _gavish_donoho(min(n, m) / max(n, m)) * math.sqrt(max(n, m)) * noise_sd
    rank = int(np.clip(np.sum(s > threshold), 1, min(_MAX_RANK, n - 1)))
    return np.asarray((u[:, :rank] * s[:rank]) @ vt[:rank], dtype=np.float64), rank


def _measure(t_ms: FloatArray, y: FloatArray, search: tuple[float, float]) -> tuple[float, float]:
    """Negative-peak amplitude and negative-phase area of one denoised response (mV, mV·ms)."""
    idx = np.flatnonzero((t_ms >= search[0]) & (t_ms <= search[1]))
    if idx.size == 0:
        return 0.0, 0.0
    k = int(idx[np.argmin(y[idx])])
    if y[k] >= 0:
        return 0.0, 0.0
    _, value = refine_extremum(t_ms, y, y, k)
    amplitude = -value
    start = crossing_before(t_ms, y, k, 0.0)
    end = zero_crossing_after(t_ms, y, y, k, amplitude)
    area = negative_area(t_ms, y, start if start is not None else float(t_ms[0]), end or float(t_ms[-1]))
    return float(amplitude), float(area)


@dataclass(frozen=True, slots=True)
class Measured:
    """Consistent sizes of a train and its post-exercise responses (see the module docstring).

    Parameters
    ----------
    amplitudes_mv, areas_mv_ms : ndarray
        One value per sweep: train responses denoised together, post-exercise responses
        denoised together with the train.
    reference_mv, reference_area_mv_ms : float
        First train response as denoised together with the post-exercise ones (the increment's
        reference; equal to the first amplitude and area without post-exercise responses).
    rank : int
        Singular components kept for the train.
    noise_sd_mv : float
        Noise SD per sample, mV.
    window_ms : (float, float)
        Response window, ms.
    """

    amplitudes_mv: FloatArray
    areas_mv_ms: FloatArray
    reference_mv: float
    reference_area_mv_ms: float
    rank: int
    noise_sd_mv: float
    window_ms: tuple[float, float]


def measure_responses(sweeps: Sequence[Waveform], n_train: int) -> Measured:
    """Amplitude (mV) and area (mV·ms) of every sweep, measured consistently.

    The train (the first ``n_train`` sweeps) is denoised on its own, so that a much larger
    post-exercise response does not set its shape; the post-exercise responses are denoised
    together with the train, and the first train response of that joint fit is the reference of
    the increment.
    """
    t_ms, y, first = _centered(sweeps)
    onset = first.onset_latency_ms if first.onset_latency_ms is not None else float(t_ms[0])
    end = first.end_latency_ms if first.end_latency_ms is not None else float(t_ms[-1])
    duration = first.duration_ms or max(end - onset, 1.0)
    free = (t_ms < -0.2) | (t_ms > end + 3.0 * duration)
    y = _remove_drift(t_ms, y, free)
    noise_sd = white_noise_sd(y[:, free] if free.sum() > 10 else y)
    window = (onset - 1.0, end + 2.0 * duration)
    sel = (t_ms >= window[0]) & (t_ms <= window[1])
    search = (onset - 0.5, end + 0.5 * duration)
    train, rank = _denoise(y[:n_train, sel], noise_sd)
    sizes = np.array([_measure(t_ms[sel], row, search) for row in train])
    reference = sizes[0]
    if len(sweeps) > n_train:
        joint, _ = _denoise(y[:, sel], noise_sd)
        joint_sizes = np.array(
            [_measure(t_ms[sel], row, search) for row in joint[[0, *range(n_train, len(sweeps))]]]
        )
        reference = joint_sizes[0]
        sizes = np.vstack([sizes, joint_sizes[1:]])
    return Measured(
        sizes[:, 0], sizes[:, 1], float(reference[0]), float(reference[1]), rank, noise_sd, window
    )


def decrement_pct(values: Sequence[float]) -> float | None:
    """``(V1 − min(V4, V5)) / V1 · 100`` (2nd to last response when the train is shorter than 4)."""
    if len(values) < 2 or values[0] <= 0:
        return None
    later = values[3:5] if len(values) >= 4 else values[1:]
    return (values[0] - min(later)) / values[0] * 100.0


def envelope_note(amplitudes: Sequence[float]) -> str:
    """The shape of a train's envelope in words (decrements relative to the first response)."""
    a = np.asarray(amplitudes, dtype=np.float64)
    if a.size < 2 or a[0] <= 0:
        return "too few responses to describe the envelope"
    dec = (a[0] - a) / a[0] * 100.0
    k = int(np.argmax(dec))
    if dec.max() < 5.0 and dec.min() > -5.0:
        return "stable: every response within 5 % of the first"
    if dec.min() <= -10.0 and int(np.argmin(dec)) == a.size - 1:
        return f"incrementing: the responses grow to {-dec[-1]:+.0f} % by the last"
    if k in (3, 4) and dec[-1] < dec[k] - 2.0:
        return (
            f"decrement maximal at the {_ordinal(k + 1)} response with partial recovery (U-shaped envelope)"
        )
    if k == a.size - 1:
        return "progressive decrement to the last response"
    return f"decrement maximal at the {_ordinal(k + 1)} response"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _post_list(post_exercise: Sequence[Waveform] | Waveform | None) -> list[Waveform]:
    if post_exercise is None:
        return []
    if isinstance(post_exercise, Waveform):
        return [post_exercise]
    return list(post_exercise)


def _pct(before: float, after: float) -> float | None:
    return (after - before) / before * 100.0 if before > 0 else None


def analyze_rns(
    train: Sequence[Waveform],
    *,
    post_exercise: Sequence[Waveform] | Waveform | None = None,
    rate_hz: float | None = None,
) -> RnsResult:
    """Decrement over a repetitive-stimulation train and the post-exercise increment.

    Parameters
    ----------
    train : sequence of Waveform
        The train's responses in order (mV or µV, physical sign, stimulus time set).
    post_exercise : Waveform or sequence of Waveform, optional
        Response(s) recorded right after a 10 s maximal contraction; the first one is compared
        with the first train response.
    rate_hz : float, optional
        Stimulation rate, Hz (reported; ≥ 10 Hz trains are judged by ``train_change_pct``).

    Returns
    -------
    RnsResult
        Per-response amplitude and area, decrement (amplitude and area), largest decrement,
        envelope, increment and notes.

    Raises
    ------
    ValueError
        Empty train, no response in the first sweep, or sweeps that cannot be measured.
    """
    if len(train) == 0:
        raise ValueError("the RNS train has no sweeps")
    post = _post_list(post_exercise)
    n = len(train)
    m = measure_responses([*train, *post], n)
    amps, areas = m.amplitudes_mv, m.areas_mv_ms
    a_train, area_train = amps[:n].tolist(), areas[:n].tolist()
    increment = _pct(m.reference_mv, float(amps[n])) if post else None
    dec = decrement_pct(a_train)
    notes = _notes(n, len(post), dec, increment, rate_hz)
    return RnsResult(
        responses=_responses(m, n),
        decrement_pct=dec,
        area_decrement_pct=decrement_pct(area_train),
        max_decrement_pct=_max_decrement(a_train),
        train_change_pct=_pct(a_train[0], a_train[-1]) if n > 1 else None,
        increment_pct=increment,
        area_increment_pct=_pct(m.reference_area_mv_ms, float(areas[n])) if post else None,
        envelope=envelope_note(a_train),
        rate_hz=rate_hz,
        denoising_rank=m.rank,
        noise_sd_mv=m.noise_sd_mv,
        window_ms=m.window_ms,
        notes=notes,
    )


def _responses(m: Measured, n: int) -> tuple[RnsResponse, ...]:
    first = float(m.amplitudes_mv[0])
    return tuple(
        RnsResponse(
            k + 1,
            "train" if k < n else "post_exercise",
            float(amp),
            float(area),
            _pct(first if k < n else m.reference_mv, float(amp)),
        )
        for k, (amp, area) in enumerate(zip(m.amplitudes_mv, m.areas_mv_ms, strict=True))
    )


def _max_decrement(amplitudes: Sequence[float]) -> float | None:
    """Largest ``(A1 − Ak)/A1·100`` over the train, %."""
    if len(amplitudes) < 2 or amplitudes[0] <= 0:
        return None
    return max((amplitudes[0] - v) / amplitudes[0] * 100.0 for v in amplitudes[1:])


def _notes(
    n: int, n_post: int, dec: float | None, increment: float | None, rate_hz: float | None
) -> tuple[str, ...]:
    notes = []
    if n < 4:
        notes.append(f"train of {n} responses: decrement taken against the smallest of responses 2-{n}")
    if n_post > 1:
        notes.append(f"{n_post} post-exercise responses: the first one is used for the increment")
    if n_post == 0:
        notes.append("no post-exercise response: increment not measured")
    if dec is not None and dec >= DECREMENT_ABNORMAL_PCT and (rate_hz is None or rate_hz < 10.0):
        notes.append(f"decrement {dec:.0f} % (abnormal at >= {DECREMENT_ABNORMAL_PCT:.0f} %)")
    if increment is not None and increment >= 60.0:
        notes.append(f"post-exercise increment {increment:.0f} % (>= 60 %: presynaptic pattern)")
    if rate_hz is not None and rate_hz >= 10.0:
        notes.append(
            f"high-rate train ({rate_hz:g} Hz): judge by train_change_pct, not the 4th-5th decrement"
        )
    return tuple(notes)
