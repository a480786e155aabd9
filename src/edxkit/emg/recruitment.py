"""Motor-unit recruitment from the firing times of the decomposed units (muap-norms §4, clinical.md §3.3).

Per unit, the firing rate is 1 / median inter-discharge interval (robust to a missed or an extra
discharge); a unit needs at least :data:`MIN_DISCHARGES` discharges for a rate. Units are ordered by their
first discharge (recruitment order).

* ``onset_rate_hz``: rate of the first-recruited unit over its first :data:`ONSET_INTERVALS` intervals
  (normal onset 5–8 Hz, R06).
* ``recruitment_frequency_hz``: rate of the first unit when the second is recruited — 1 / the first unit's
  interval that contains the second unit's first discharge (normal ≈10 Hz, > 20 Hz abnormal, R11 TB).
  None when a single unit fires, or when the second unit starts before the first unit's third discharge:
  then both were already active when the recording began (a steady contraction, not a recruitment ramp),
  and there is no recruitment moment to measure.
* ``fastest_rate_hz``: the highest unit rate (Rubin & Lamb 2024: upper limit 12–15 Hz at low–moderate effort).
* ``ratio``: fastest rate / number of firing units (recruitment ratio, R09/R10).

Label (each condition is returned as a reason):

* ``reduced``: fastest rate > 15 Hz (R02) with ratio > 10 (R10, TB), or recruitment frequency > 20 Hz
  (R11, TB);
* ``early``: at least 3 units firing while the first unit had not reached the normal onset rate when the
  second was recruited (recruitment frequency < 5 Hz, R06 lower end; R12 qualitative "recruitment frequency
  decreased" in myopathy). Early recruitment proper needs the force, which a needle recording lacks; this
  proxy is weak and documented as such;
* ``normal``: fastest rate ≤ 15 Hz (R01/R02), or ratio ≤ 5 (R09);
* ``undetermined``: no unit with a rate, or a fastest rate > 15 Hz with a ratio between 5 and 10
  (borderline by R09/R10).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MIN_DISCHARGES = 3
ONSET_INTERVALS = 3
FASTEST_RATE_LIMIT_HZ = 15.0
REDUCED_RATIO = 10.0
NORMAL_RATIO = 5.0
RECRUITMENT_FREQUENCY_LIMIT_HZ = 20.0
EARLY_FREQUENCY_HZ = 5.0
EARLY_MIN_UNITS = 3
RECRUITED_AFTER_DISCHARGES = 3


@dataclass(frozen=True, slots=True)
class Recruitment:
    """Recruitment measures and label (module docstring: definitions and rule)."""

    n_units: int
    onset_rate_hz: float | None
    recruitment_frequency_hz: float | None
    fastest_rate_hz: float | None
    ratio: float | None
    label: str
    reasons: tuple[str, ...]
    rates_hz: tuple[float, ...] = ()


def _rate(times: FloatArray) -> float | None:
    if times.size < MIN_DISCHARGES:
        return None
    isi = np.diff(times)
    isi = isi[isi > 0]
    return float(1.0 / np.median(isi)) if isi.size else None


def _recruitment_frequency(first: FloatArray, second_onset: float) -> float | None:
    k = int(np.searchsorted(first, second_onset, side="right"))
    if k < RECRUITED_AFTER_DISCHARGES or k >= first.size:
        return None
    interval = float(first[k] - first[k - 1])
    return 1.0 / interval if interval > 0 else None


def _label(
    n: int, fastest: float | None, ratio: float | None, rf: float | None
) -> tuple[str, tuple[str, ...]]:
    if fastest is None or ratio is None:
        return "undetermined", ("no unit with enough discharges for a firing rate",)
    reasons = []
    if rf is not None and rf > RECRUITMENT_FREQUENCY_LIMIT_HZ:
        reasons.append(f"recruitment frequency {rf:.1f} Hz > {RECRUITMENT_FREQUENCY_LIMIT_HZ:g} Hz (R11, TB)")
    if fastest > FASTEST_RATE_LIMIT_HZ and ratio > REDUCED_RATIO:
        reasons.append(
            f"fastest rate {fastest:.1f} Hz > {FASTEST_RATE_LIMIT_HZ:g} Hz (R02) with {n} unit(s): "
            f"ratio {ratio:.1f} > {REDUCED_RATIO:g} (R10, TB)"
        )
    if reasons:
        return "reduced", tuple(reasons)
    if n >= EARLY_MIN_UNITS and rf is not None and rf < EARLY_FREQUENCY_HZ:
        return "early", (
            f"{n} units firing; second unit recruited when the first fired at {rf:.1f} Hz "
            f"< {EARLY_FREQUENCY_HZ:g} Hz (R06 lower end, R12)",
        )
    if fastest <= FASTEST_RATE_LIMIT_HZ:
        return "normal", (f"fastest rate {fastest:.1f} Hz ≤ {FASTEST_RATE_LIMIT_HZ:g} Hz (R01/R02)",)
    if ratio <= NORMAL_RATIO:
        return "normal", (f"ratio {ratio:.1f} ≤ {NORMAL_RATIO:g} with {n} units (R09)",)
    return "undetermined", (
        f"fastest rate {fastest:.1f} Hz > {FASTEST_RATE_LIMIT_HZ:g} Hz with ratio {ratio:.1f} between "
        f"{NORMAL_RATIO:g} and {REDUCED_RATIO:g} (borderline, R09/R10)",
    )


def recruitment(firing_times_s: Sequence[FloatArray], duration_s: float) -> Recruitment:
    """Recruitment of the units whose firing times (s) are given, over a recording of ``duration_s``."""
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number; got {duration_s!r}")
    trains = [np.sort(np.asarray(t, dtype=np.float64).ravel()) for t in firing_times_s]
    trains = [t[np.isfinite(t)] for t in trains]
    trains = sorted((t for t in trains if t.size), key=lambda t: float(t[0]))
    n = len(trains)
    rates = [_rate(t) for t in trains]
    known = [r for r in rates if r is not None]
    fastest = max(known) if known else None
    ratio = fastest / n if fastest is not None else None
    onset = None
    if trains and trains[0].size > ONSET_INTERVALS:
        isi = np.diff(trains[0][: ONSET_INTERVALS + 1])
        onset = float(1.0 / np.mean(isi)) if np.all(isi > 0) else None
    elif trains:
        onset = rates[0]
    rf = _recruitment_frequency(trains[0], float(trains[1][0])) if n >= 2 else None
    label, reasons = _label(n, fastest, ratio, rf)
    return Recruitment(
        n_units=n,
        onset_rate_hz=onset,
        recruitment_frequency_hz=rf,
        fastest_rate_hz=fastest,
        ratio=ratio,
        label=label,
        reasons=reasons,
        rates_hz=tuple(r if r is not None else math.nan for r in rates),
    )
