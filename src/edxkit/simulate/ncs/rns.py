"""Repetitive nerve stimulation: trains of CMAPs whose units drop out (or return) at the NMJ.

Each stimulus gives a full CMAP from the units that transmit. Units fail in the order of their
NMJ safety factor (a per-unit score, jittered per stimulus so the failing set varies); for every
stimulus the number of failing units is chosen so that the CMAP amplitude is as close as the
discrete units allow to a target envelope (relative to the healthy CMAP ``A``):

* ``normal``: ``A`` throughout (±1 % per stimulus), post-exercise ``A·(1 + increment)``, 2 % default;
* ``postsynaptic`` (myasthenia gravis): ``A·(1 − decrement·g(k))`` with the saucer-shaped
  ``g`` = 0, .55, .85, 1, .98, .9, .83, .78, .75, .73 … (largest at the 4th–5th response, partial
  repair after); at ≥ 10 Hz a progressive decrement without repair;
* ``presynaptic`` (LEMS): a low resting CMAP ``A·resting_fraction`` with the same low-rate
  decrement, and a post-exercise (10 s contraction) CMAP ``resting·(1 + increment)``; at ≥ 10 Hz
  a progressive increment towards ``resting·(1 + increment)``.

Truth amplitudes/areas are measured exactly on each clean CMAP, and
``decrement_pct = (A1 − min(A4, A5)) / A1 · 100``, ``increment_pct = (A_post − A1) / A1 · 100``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.ncs.artifacts import RecordingSpec
from edxkit.simulate.ncs.model import build_model, conduct_model, nerve_segments
from edxkit.simulate.ncs.params import NerveParams, Pathology, SiteSpec, resolve_sites
from edxkit.simulate.ncs.potentials import UnitSum
from edxkit.simulate.ncs.recording import assemble, series_labels
from edxkit.simulate.ncs.result import EvokedSimulation
from edxkit.simulate.ncs.truth import ResponseTruth, grid_ms, grid_step_ms, measure_response

Disorder = Literal["normal", "postsynaptic", "presynaptic"]
SAUCER = (0.0, 0.55, 0.85, 1.0, 0.98, 0.9, 0.83, 0.78, 0.75, 0.73)
_DEFAULTS = {"normal": (0.0, 2.0), "postsynaptic": (25.0, 5.0), "presynaptic": (20.0, 150.0)}


def envelope(
    disorder: Disorder, n: int, rate_hz: float, decrement_pct: float, increment_pct: float, resting: float
) -> tuple[NDArray[np.float64], float]:
    """Target CMAP size of each stimulus and after exercise, relative to the healthy CMAP."""
    k = np.arange(n)
    dec, inc = decrement_pct / 100.0, increment_pct / 100.0
    saucer = np.array([SAUCER[min(i, len(SAUCER) - 1)] for i in range(n)])
    progressive = 1.0 - np.exp(-k / 3.0)
    base = resting if disorder == "presynaptic" else 1.0
    if disorder == "normal":
        train = np.ones(n)
    elif disorder == "presynaptic" and rate_hz >= 10.0:
        train = 1.0 + inc * (1.0 - np.exp(-k / 5.0))
    else:
        train = 1.0 - dec * (progressive if rate_hz >= 10.0 else saucer)
    return np.minimum(base * train, 1.0), min(base * (1.0 + inc), 1.0)


def _failing_curve(units: NDArray[np.float64], order: NDArray[np.intp]) -> NDArray[np.float64]:
    """Negative-peak size (on the grid) when the first ``m`` units of ``order`` fail, m = 0..n."""
    full = units.sum(axis=0)
    remaining = full[None, :] - np.vstack([np.zeros_like(full), np.cumsum(units[order], axis=0)])
    return np.asarray(-np.minimum(remaining.min(axis=1), 0.0), dtype=np.float64)


def _select(
    rng: np.random.Generator, units: NDArray[np.float64], safety: NDArray[np.float64], target: float
) -> NDArray[np.bool_]:
    """Units that transmit on one stimulus so that the amplitude is closest to ``target``."""
    order = np.argsort(safety + 0.08 * rng.standard_normal(safety.shape), kind="stable")
    curve = _failing_curve(units, order)
    m = int(np.argmin(np.abs(curve - target)))
    keep = np.ones(safety.shape, dtype=bool)
    keep[order[:m]] = False
    return keep


def _row(k: int, condition: str, rate_hz: float, t: ResponseTruth) -> dict[str, Any]:
    time_s = (k - 1) / rate_hz if condition == "train" else None
    return {"stimulus": k, "condition": condition, "time_s": time_s, **t.to_dict("mV")}


def rns_summary(truth: list[dict[str, Any]]) -> dict[str, Any]:
    """Decrement (amplitude and area), last-vs-first change over the train, increment after exercise."""
    train = [t for t in truth if t["condition"] == "train"]
    post = [t for t in truth if t["condition"] == "post_exercise"]
    amps = [t["amplitude_mv"] or 0.0 for t in train]
    areas = [t["area_mv_ms"] or 0.0 for t in train]

    def dec(values: list[float]) -> float | None:
        if len(values) < 2 or values[0] <= 0:
            return None
        return (values[0] - min(values[3:5] or values[1:])) / values[0] * 100.0

    inc = None
    if post and amps and amps[0] > 0:
        inc = ((post[0]["amplitude_mv"] or 0.0) - amps[0]) / amps[0] * 100.0
    return {
        "decrement_pct": dec(amps),
        "area_decrement_pct": dec(areas),
        "train_change_pct": (amps[-1] - amps[0]) / amps[0] * 100.0 if amps and amps[0] > 0 else None,
        "increment_pct": inc,
        "amplitudes_mv": amps,
        "areas_mv_ms": areas,
    }


def simulate_rns(
    rng: np.random.Generator,
    params: NerveParams,
    *,
    disorder: Disorder = "normal",
    decrement_pct: float | None = None,
    increment_pct: float | None = None,
    resting_fraction: float = 0.3,
    n_stimuli: int = 10,
    rate_hz: float = 3.0,
    post_exercise: bool = True,
    site: SiteSpec | None = None,
    pathology: Pathology | None = None,
    temperature_c: float | None = None,
    snr_db: float | None = 30.0,
    artifact: bool = True,
    drift: bool = True,
    fs_hz: float = 20000.0,
    pre_ms: float = 5.0,
    sweep_ms: float = 50.0,
    artifact_scale: float = 1.0,
    drift_fraction: float = 0.03,
    saturation: float | None = None,
) -> EvokedSimulation:
    """Simulate a repetitive-stimulation train (and a post-exercise CMAP), mV sweeps.

    Parameters
    ----------
    params : NerveParams
        Motor nerve (e.g. ``normal_params("ulnar", "rns")``).
    disorder : {"normal", "postsynaptic", "presynaptic"}
        NMJ disorder shaping the envelope (see the module docstring).
    decrement_pct, increment_pct : float, optional
        Requested decrement at the 4th–5th response and post-exercise increment, % (defaults:
        normal 0/2, postsynaptic 25/5, presynaptic 20/150).
    resting_fraction : float
        Presynaptic only: resting CMAP as a fraction of the healthy one (0–1).
    n_stimuli, rate_hz : int, float
        Train length and stimulation rate (Hz).
    post_exercise : bool
        Append one CMAP recorded right after a 10 s maximal contraction.
    site : SiteSpec, optional
        Stimulation site (default the nerve's distal site).
    Other parameters as :func:`simulate_motor`.
    """
    train = TrainSpec.resolve(disorder, decrement_pct, increment_pct, resting_fraction, n_stimuli, rate_hz)
    recording = RecordingSpec(
        fs_hz, pre_ms, sweep_ms, snr_db, artifact, drift, artifact_scale, drift_fraction, saturation
    )
    return _simulate(
        rng, params, train, post_exercise, site, pathology or Pathology(), temperature_c, recording
    )


@dataclass(frozen=True, slots=True)
class TrainSpec:
    """A validated RNS protocol with its disorder parameters resolved (percentages, Hz)."""

    disorder: Disorder
    decrement_pct: float
    increment_pct: float
    resting_fraction: float
    n_stimuli: int
    rate_hz: float

    @classmethod
    def resolve(
        cls, disorder: Disorder, dec: float | None, inc: float | None, resting: float, n: int, rate_hz: float
    ) -> TrainSpec:
        """Fill in the disorder's defaults and check ranges."""
        if disorder not in _DEFAULTS or n < 1 or not (0.0 < rate_hz <= 100.0 and 0 < resting <= 1):
            raise ValueError(
                "disorder must be normal|postsynaptic|presynaptic, n_stimuli >= 1, rate_hz in (0, 100] Hz "
                "and resting_fraction in (0, 1]"
            )
        dec = _DEFAULTS[disorder][0] if dec is None else float(dec)
        inc = _DEFAULTS[disorder][1] if inc is None else float(inc)
        if not (0.0 <= dec < 100.0 and -100.0 < inc <= 1000.0):
            raise ValueError(
                f"decrement_pct must be in [0, 100) and increment_pct in (-100, 1000]; got {dec}, {inc}"
            )
        return cls(disorder, dec, inc, resting, n, rate_hz)


def _simulate(
    rng: np.random.Generator,
    params: NerveParams,
    train: TrainSpec,
    post_exercise: bool,
    site: SiteSpec | None,
    pathology: Pathology,
    temperature_c: float | None,
    recording: RecordingSpec,
) -> EvokedSimulation:
    if params.kind != "motor":
        raise ValueError(f"RNS needs motor parameters, got {params.kind}")
    geometry = resolve_sites([site or params.sites[0]])
    model = build_model(rng, params, temperature_c=temperature_c)
    cond = conduct_model(rng, model, nerve_segments(params, geometry), pathology)
    full = model.response(cond.arrival_ms(0), cond.conducting[0])
    fns = _train(rng, full, train, post_exercise)
    conditions = ["train"] * train.n_stimuli + ["post_exercise"] * post_exercise
    truth = [
        _row(k + 1, c, train.rate_hz, measure_response(f))
        for k, (c, f) in enumerate(zip(conditions, fns, strict=True))
    ]
    extra = [{"rate_hz": f"{train.rate_hz:g}", "condition": c} for c in conditions]
    summary = {
        "disorder": train.disorder,
        "rate_hz": train.rate_hz,
        "requested_decrement_pct": train.decrement_pct,
        "requested_increment_pct": train.increment_pct,
        **rns_summary(truth),
    }
    return assemble(
        rng,
        kind="rns",
        model=model,
        pathology=pathology,
        recording=recording,
        responses=fns,
        reference=[full_amp(full)] * len(fns),
        truth=truth,
        labels=series_labels(params, "rns", geometry.names[0], extra),
        artifact_factor=2.0,
        summary=summary,
    )


def full_amp(fn: UnitSum) -> float | None:
    """Negative-peak amplitude of a clean response (None when absent)."""
    return measure_response(fn).amplitude


def _train(rng: np.random.Generator, full: UnitSum, train: TrainSpec, post_exercise: bool) -> list[UnitSum]:
    """Clean CMAP of every stimulus of the train (and the post-exercise one)."""
    safety = rng.random(full.n_units)
    n = train.n_stimuli
    targets, post = envelope(
        train.disorder, n, train.rate_hz, train.decrement_pct, train.increment_pct, train.resting_fraction
    )
    if train.disorder == "normal":
        targets = targets * (1.0 + 0.01 * rng.uniform(-1.0, 1.0, n))
    all_targets = [*targets, post] if post_exercise else list(targets)
    if full.n_units == 0:
        return [full] * len(all_targets)
    start, stop = full.main_span_ms()
    dt = grid_step_ms(full)
    t = grid_ms(start, stop, dt)
    units = full.unit_matrix(t)
    a_full = float(-units.sum(axis=0).min())
    return [full.subset(_select(rng, units, safety, a_full * target)) for target in all_targets]
