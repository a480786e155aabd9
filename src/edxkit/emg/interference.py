"""Interference pattern at strong effort: Willison turns/amplitude analysis and a fullness label.

Turns/amplitude (Willison; muap-norms I01/C18): in each 0.5-s epoch of valid signal, a *turn* is a change of
direction whose excursion from the previous turn is at least 100 µV (zig-zag with hysteresis,
:func:`edxkit.emg.muap.turning_points`); the epoch's turns/s and its mean amplitude per turn (the mean
absolute difference between consecutive turns) are averaged over the epochs. Epochs touching invalid
samples (``prep.valid`` False) are skipped.

* ``upper_centile_amplitude_uv``: 99th percentile of the turn-to-turn amplitudes over all epochs (after
  Nandedkar et al. 1986's upper centile amplitude, UCA; muap-norms I06).
* ``envelope_uv``: median over 0.5-s epochs of the 0.5th-to-99.5th percentile spread of the signal.
* ``activity_pct`` (fullness; after Nandedkar's "activity"): percentage of 1-ms bins whose peak-to-peak
  reaches the 100-µV turn threshold — 100 % when the baseline is obscured.

Label (a qualitative grade of the pattern at maximal effort; the thresholds are this module's rule, TB,
not published limits — numeric IP norms are NF in muap-norms §5):

* ``none``: no 100-µV turns at all;
* ``discrete``: activity < 30 % (single potentials separated by baseline, "picket fence");
* ``reduced``: 30 % ≤ activity < 80 %;
* ``full``: activity ≥ 80 % (baseline obscured).

The label is only meaningful for a recording at maximal effort; the caller decides which recording that is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.muap import turning_points
from edxkit.emg.prepare import Prepared

FloatArray = NDArray[np.float64]

EPOCH_S = 0.5
TURN_UV = 100.0
BIN_MS = 1.0
DISCRETE_BELOW_PCT = 30.0
FULL_FROM_PCT = 80.0


@dataclass(frozen=True, slots=True)
class Interference:
    """Turns/amplitude measures and the fullness label (module docstring: definitions and rule)."""

    n_epochs: int
    turns_per_s: float
    mean_amplitude_per_turn_uv: float
    upper_centile_amplitude_uv: float
    envelope_uv: float
    activity_pct: float
    label: str
    rule: str


def _epochs(prep: Prepared) -> list[FloatArray]:
    n = round(EPOCH_S * prep.fs_hz)
    if n < 2:
        return []
    count = prep.uv.size // n
    out = []
    for k in range(count):
        if prep.valid[k * n : (k + 1) * n].all():
            out.append(prep.uv[k * n : (k + 1) * n])
    return out


def _activity(epoch: FloatArray, fs_hz: float) -> float:
    width = max(2, round(BIN_MS * fs_hz / 1000.0))
    bins = epoch[: epoch.size // width * width].reshape(-1, width)
    if bins.size == 0:
        return 0.0
    return 100.0 * float(np.mean(np.ptp(bins, axis=1) >= TURN_UV))


def _label(turns_total: int, activity: float) -> tuple[str, str]:
    if turns_total == 0:
        return "none", "no turns of ≥ 100 µV"
    if activity < DISCRETE_BELOW_PCT:
        return "discrete", f"activity {activity:.0f} % < {DISCRETE_BELOW_PCT:g} % (baseline visible)"
    if activity < FULL_FROM_PCT:
        return "reduced", f"activity {activity:.0f} % between {DISCRETE_BELOW_PCT:g} and {FULL_FROM_PCT:g} %"
    return "full", f"activity {activity:.0f} % ≥ {FULL_FROM_PCT:g} % (baseline obscured)"


def interference(prep: Prepared) -> Interference:
    """Turns/amplitude analysis and fullness of a prepared needle recording (see the module docstring)."""
    epochs = _epochs(prep)
    if not epochs:
        return Interference(
            0, math.nan, math.nan, math.nan, math.nan, math.nan, "none", "no valid 0.5-s epoch"
        )
    rates, means, steps, spreads, activity = [], [], [], [], []
    for epoch in epochs:
        at = turning_points(epoch, TURN_UV)
        diffs = np.abs(np.diff(epoch[at])) if at.size > 1 else np.empty(0)
        rates.append(at.size / EPOCH_S)
        means.append(float(diffs.mean()) if diffs.size else math.nan)
        steps.append(diffs)
        low, high = np.percentile(epoch, [0.5, 99.5])
        spreads.append(float(high - low))
        activity.append(_activity(epoch, prep.fs_hz))
    all_steps = np.concatenate(steps)
    total_turns = round(sum(rates) * EPOCH_S)
    mean_activity = float(np.mean(activity))
    label, rule = _label(total_turns, mean_activity)
    finite = [m for m in means if math.isfinite(m)]
    return Interference(
        n_epochs=len(epochs),
        turns_per_s=float(np.mean(rates)),
        mean_amplitude_per_turn_uv=float(np.mean(finite)) if finite else math.nan,
        upper_centile_amplitude_uv=float(np.percentile(all_steps, 99)) if all_steps.size else math.nan,
        envelope_uv=float(np.median(spreads)),
        activity_pct=mean_activity,
        label=label,
        rule=rule,
    )
