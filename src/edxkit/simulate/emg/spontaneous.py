"""Spontaneous activity: grades → generators, their templates (:mod:`.generators`) and discharge timing.

Grade → number of concurrently active generators in one recording (a single needle position; the clinical
grades also count needle locations, which one recording cannot show):

=====================  ===  ===  ===  ===  ===
type                    0   1+   2+   3+   4+
=====================  ===  ===  ===  ===  ===
fibrillation            0    1    3    6   15   (4+: ≈15 fibres at 0.5–15 Hz fill most of the baseline)
positive_sharp_wave     0    1    3    6   15
fasciculation           0    1    2    3    5
myotonic, complex_repetitive, myokymic, end_plate   0  1  2  3  4
=====================  ===  ===  ===  ===  ===

Timing (clinical.md §3.1):

* fibrillations and PSWs: regular, 0.5–15 Hz (log-uniform), interval CV 0.03;
* fasciculations: irregular, 0.2–2 Hz, exponential intervals (CV ≈1) with a 50 ms dead time;
* myotonic: trains of 0.5–3 s in which rate and amplitude wax then wane (rate 20–150 Hz: rises from ≈60 % of
  its peak to the peak, then decays towards 20–40 Hz; amplitude follows the rate, 0.4–1 of the template);
  a new train starts 0.5–4 s after the previous one; the generator is a fibre near the tip (a fibrillation-
  like spike, or a PSW-like wave in 30 % of generators);
* complex repetitive: one run with an exactly constant interval (whole samples), 8–80 Hz, abrupt start/stop;
* myokymic: bursts of 2–10 discharges of one unit at 5–60 Hz, a burst every 0.5–3 s (CV 0.2);
* end_plate: each generator is an end-plate region giving both end-plate noise (MEPPs, Poisson 100–300/s,
  sizes lognormal, 10–50 µV) and end-plate spikes (irregular, gamma intervals CV ≈0.8, 5–50 Hz).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from edxkit.emg.spontaneous.result import TYPES
from edxkit.simulate.emg import generators as gen
from edxkit.simulate.emg.bank import SfapBank, get_bank
from edxkit.simulate.emg.instrument import Instrument, finish_templates
from edxkit.simulate.emg.measures import amplitude_uv
from edxkit.simulate.emg.muap import fibre_set, time_window_ms, unit_variants_uv
from edxkit.simulate.emg.pool import Fibres, FloatArray, IntArray, Pool
from edxkit.simulate.emg.truth import DischargeTruth

GRADES = ("0", "1+", "2+", "3+", "4+")
GENERATORS_PER_GRADE: dict[str, tuple[int, ...]] = {
    "fibrillation": (0, 1, 3, 6, 15),
    "positive_sharp_wave": (0, 1, 3, 6, 15),
    "fasciculation": (0, 1, 2, 3, 5),
    "myotonic": (0, 1, 2, 3, 4),
    "complex_repetitive": (0, 1, 2, 3, 4),
    "myokymic": (0, 1, 2, 3, 4),
    "end_plate": (0, 1, 2, 3, 4),
}
_ALIASES = {
    "fibrillations": "fibrillation",
    "fibs": "fibrillation",
    "positive_sharp_waves": "positive_sharp_wave",
    "psw": "positive_sharp_wave",
    "fasciculations": "fasciculation",
    "crd": "complex_repetitive",
    "complex_repetitive_discharge": "complex_repetitive",
    "myotonia": "myotonic",
    "myokymia": "myokymic",
    "end_plate_noise": "end_plate",
    "end_plate_spikes": "end_plate",
}
OTHER_DISCHARGES = ("myotonic", "complex_repetitive", "myokymic")
_GENERATOR_BASE = 100_000


def _grade(value: str | int) -> str:
    text = str(value).strip().replace(" ", "")
    if text in {"0", "1", "2", "3", "4"}:
        text = text if text == "0" else text + "+"
    text = "0" if text in {"0+", "+0"} else text
    if text.startswith("+") and text[1:] in {"1", "2", "3", "4"}:
        text = text[1:] + "+"
    if text not in GRADES:
        raise ValueError(f"spontaneous grade must be one of {', '.join(GRADES)}; got {value!r}")
    return text


def normalise_grades(spontaneous: Mapping[str, str | int]) -> dict[str, str]:
    """Map type names (or their plural/abbreviated forms) to canonical types and grades to ``0``…``4+``."""
    out: dict[str, str] = {}
    for name, value in spontaneous.items():
        key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key not in TYPES:
            raise ValueError(f"unknown spontaneous activity {name!r}; expected one of {', '.join(TYPES)}")
        out[key] = _grade(value)
    return out


def grade_summary(grades: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Findings-style grades (fibrillations, positive_sharp_waves, fasciculations) and other discharges."""
    summary = {
        "fibrillations": grades.get("fibrillation", "0"),
        "positive_sharp_waves": grades.get("positive_sharp_wave", "0"),
        "fasciculations": grades.get("fasciculation", "0"),
    }
    others = tuple(t for t in OTHER_DISCHARGES if grades.get(t, "0") != "0")
    return summary, others


def generator_count(kind: str, grade: str) -> int:
    """Number of generators of ``kind`` at ``grade``."""
    return GENERATORS_PER_GRADE[kind][GRADES.index(grade)]


# -- timing -------------------------------------------------------------------------------------------------
def _gamma_times(
    rng: np.random.Generator, rate_hz: float, cv: float, duration_s: float, dead_s: float = 0.0
) -> FloatArray:
    shape = 1.0 / (cv * cv)
    n = int(duration_s * rate_hz * 1.5 + 10)
    isi = dead_s + rng.gamma(shape, max(1.0 / rate_hz - dead_s, 1e-4) / shape, n)
    times = -rng.uniform(0.0, 1.0) * isi[0] + np.cumsum(isi)
    return times[(times >= 0.0) & (times < duration_s)]


def _myotonic_train(
    rng: np.random.Generator, start_s: float, length_s: float
) -> tuple[FloatArray, FloatArray]:
    """Discharge times and amplitude scales of one waxing-then-waning myotonic train."""
    peak_hz = rng.uniform(70.0, 150.0)
    end_hz = rng.uniform(20.0, 40.0)
    t_peak = rng.uniform(0.1, 0.35) * length_s
    t = np.arange(0.0, length_s, 1e-4)
    rise = 0.6 + 0.4 * np.clip(t / t_peak, 0.0, 1.0)
    fall = np.exp(-np.maximum(t - t_peak, 0.0) / (0.35 * length_s))
    rate = np.where(t <= t_peak, peak_hz * rise, end_hz + (peak_hz - end_hz) * fall)
    phase = np.cumsum(rate) * 1e-4
    beats = np.searchsorted(phase, np.arange(1.0, phase[-1]))
    scales = 0.4 + 0.6 * (rate[beats] - rate.min()) / max(float(np.ptp(rate)), 1e-9)
    return start_s + t[beats], scales


def _bursts(rng: np.random.Generator, duration_s: float) -> FloatArray:
    """Myokymic discharge times: semi-rhythmic bursts of 2–10 spikes at 5–60 Hz."""
    period = rng.uniform(0.5, 3.0)
    intra_hz = rng.uniform(5.0, 60.0)
    times: list[float] = []
    t = rng.uniform(0.0, period)
    while t < duration_s:
        n = int(rng.integers(2, 11))
        isi = rng.normal(1.0 / intra_hz, 0.1 / intra_hz, n - 1).clip(0.3 / intra_hz)
        times.extend(t + np.concatenate([[0.0], np.cumsum(isi)]))
        t += rng.normal(period, 0.2 * period)
    return np.asarray(times)


# -- generators ---------------------------------------------------------------------------------------------
Made = tuple[FloatArray, FloatArray, FloatArray | None, str, int]  # raw template, times, scales, kind, id


class _Context:
    """What the generator builders need: bank, instrument, duration, and the muscle near the needle."""

    def __init__(
        self, bank: SfapBank, inst: Instrument, duration_s: float, pool: Pool, fibres: Fibres, local: IntArray
    ) -> None:
        self.bank, self.inst, self.duration_s = bank, inst, duration_s
        self.pool, self.fibres, self.local = pool, fibres, local
        self.next_id = _GENERATOR_BASE
        self.used_units: list[int] = []

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def fibre_unit_raw(self, rng: np.random.Generator, unit: int) -> FloatArray:
        rows = self.fibres.rows_of(unit)
        t_ms = time_window_ms(self.bank, fibre_set(self.fibres, rows), self.inst.internal_hz)
        return unit_variants_uv(rng, self.bank, self.fibres, rows, t_ms, 0)[0]

    def candidate_units(self) -> IntArray:
        """Living local units with a fibre within 1 mm of the tip (fasciculating/myokymic candidates)."""
        near = np.unique(self.fibres.unit[self.fibres.r_mm < 1.0])
        near = near[self.pool.alive[near] & ~np.isin(near, self.used_units)]
        return near.astype(np.int64)


def _fibrillation(rng: np.random.Generator, ctx: _Context) -> Made:
    raw = gen.fibrillation_raw(rng, ctx.bank, ctx.inst.internal_hz)
    rate = float(np.exp(rng.uniform(np.log(0.5), np.log(15.0))))
    return raw, _gamma_times(rng, rate, 0.03, ctx.duration_s), None, "fibrillation", ctx.new_id()


def _psw(rng: np.random.Generator, ctx: _Context) -> Made:
    raw = gen.psw_raw(rng, ctx.inst.internal_hz)
    rate = float(np.exp(rng.uniform(np.log(0.5), np.log(15.0))))
    return raw, _gamma_times(rng, rate, 0.03, ctx.duration_s), None, "positive_sharp_wave", ctx.new_id()


def _myotonic(rng: np.random.Generator, ctx: _Context) -> Made:
    psw_like = rng.random() < 0.3
    raw = (
        gen.psw_raw(rng, ctx.inst.internal_hz)
        if psw_like
        else gen.fibrillation_raw(rng, ctx.bank, ctx.inst.internal_hz)
    )
    times: list[FloatArray] = []
    scales: list[FloatArray] = []
    t = float(rng.uniform(0.0, min(1.0, 0.3 * ctx.duration_s)))
    while t < ctx.duration_s:
        length = float(rng.uniform(0.5, 3.0))
        tt, ss = _myotonic_train(rng, t, length)
        times.append(tt)
        scales.append(ss)
        t += length + float(rng.uniform(0.5, 4.0))
    kind = "psw_like" if psw_like else "spike_like"
    return raw, np.concatenate(times), np.concatenate(scales), kind, ctx.new_id()


def _crd(rng: np.random.Generator, ctx: _Context) -> Made:
    raw = gen.crd_raw(rng, ctx.bank, ctx.inst.internal_hz)
    rate = float(np.exp(rng.uniform(np.log(8.0), np.log(80.0))))
    step = max(1, round(ctx.inst.fs_hz / rate))
    start = rng.uniform(0.0, 0.3) * ctx.duration_s
    stop = start + rng.uniform(0.5, 1.0) * (ctx.duration_s - start)
    first = int(np.ceil(start * ctx.inst.fs_hz))
    samples = np.arange(first, int(stop * ctx.inst.fs_hz), step)
    return raw, samples / ctx.inst.fs_hz, None, "complex_repetitive", ctx.new_id()


def _unit_based(kind: str) -> Callable[[np.random.Generator, _Context], Made | None]:
    def build(rng: np.random.Generator, ctx: _Context) -> Made | None:
        candidates = ctx.candidate_units()
        if candidates.size == 0:
            return None
        unit = int(rng.choice(candidates))
        ctx.used_units.append(unit)
        raw = ctx.fibre_unit_raw(rng, unit)
        if kind == "fasciculation":
            rate = float(np.exp(rng.uniform(np.log(0.2), np.log(2.0))))
            times = _gamma_times(rng, rate, 1.0, ctx.duration_s, dead_s=0.05)
        else:
            times = _bursts(rng, ctx.duration_s)
        return raw, times, None, kind, unit

    return build


def _end_plate(rng: np.random.Generator, ctx: _Context) -> list[Made]:
    noise = gen.end_plate_noise_raw(rng, ctx.inst.internal_hz)
    noise_times = _gamma_times(rng, float(rng.uniform(100.0, 300.0)), 1.0, ctx.duration_s)
    noise_scales = rng.lognormal(np.log(rng.uniform(0.4, 1.4)), 0.35, noise_times.size)
    spike = gen.end_plate_spike_raw(rng, ctx.bank, ctx.inst.internal_hz)
    spike_times = _gamma_times(rng, float(rng.uniform(5.0, 50.0)), 0.8, ctx.duration_s, dead_s=0.005)
    return [
        (noise, noise_times, noise_scales, "end_plate_noise", ctx.new_id()),
        (spike, spike_times, None, "end_plate_spike", ctx.new_id()),
    ]


_BUILDERS: dict[str, Callable[[np.random.Generator, _Context], Made | None]] = {
    "fibrillation": _fibrillation,
    "positive_sharp_wave": _psw,
    "fasciculation": _unit_based("fasciculation"),
    "myotonic": _myotonic,
    "complex_repetitive": _crd,
    "myokymic": _unit_based("myokymic"),
}


def _finish(made: Made, kind_type: str, ctx: _Context) -> DischargeTruth:
    raw, times, scales, kind, generator = made
    templates, index = finish_templates(raw, ctx.inst)
    raw_samples = np.rint(np.asarray(times) * ctx.inst.fs_hz).astype(np.int64)
    ok = (raw_samples >= 0) & (raw_samples < round(ctx.duration_s * ctx.inst.fs_hz))
    samples, first = np.unique(raw_samples[ok], return_index=True)
    scale_arr = np.ones(samples.size) if scales is None else np.asarray(scales, dtype=np.float64)[ok][first]
    return DischargeTruth(
        type=kind_type,
        generator=int(generator),
        times_s=samples / ctx.inst.fs_hz,
        template_uv=templates[0],
        template_index=index,
        amplitude_uv=amplitude_uv(templates[0]),
        scales=scale_arr,
        kind=kind,
    )


def simulate_spontaneous(
    rng: np.random.Generator,
    grades: Mapping[str, str],
    pool: Pool,
    fibres: Fibres,
    local: IntArray,
    inst: Instrument,
    duration_s: float,
) -> tuple[DischargeTruth, ...]:
    """All spontaneous generators for ``grades`` (type → grade), in :data:`TYPES` order."""
    ctx = _Context(get_bank(pool.params.half_length_mm), inst, duration_s, pool, fibres, local)
    out: list[DischargeTruth] = []
    for kind in TYPES:
        for _ in range(generator_count(kind, grades.get(kind, "0"))):
            if kind == "end_plate":
                out.extend(_finish(m, kind, ctx) for m in _end_plate(rng, ctx))
                continue
            made = _BUILDERS[kind](rng, ctx)
            if made is not None:
                out.append(_finish(made, kind, ctx))
    return tuple(out)
