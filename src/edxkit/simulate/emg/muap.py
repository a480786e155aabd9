"""Motor unit action potentials: sums of single-fibre potentials from the bank, with per-discharge variants.

Each fibre contributes ``(d/50 µm)² · bank(r, d_endplate, v·(t − delay))``: the nearest end-plate offset row
of the bank is used with its wave shifted by the residual offset (the spike lands where the exact offset puts
it), and the two nearest distances are blended in log r. Past the end of the table the fibre's slow
terminal phase continues exponentially (:meth:`.bank.SfapBank.tail_factor`). Fibres within 0.7 mm are
summed at the internal rate; farther fibres, whose potentials are slow, on a 4× (0.7–2 mm) or 12× (beyond)
coarser grid, then linearly interpolated.

Per-discharge variability: ``n_variants`` versions of each unit are made, in which the (up to) 8 fibres
contributing most to the shape get a fresh NMJ jitter delay (Gaussian, SD = the fibre's jitter) and fail with
their blocking probability; far fibres keep their mean delay (their jitter changes nothing visible). Each
discharge uses one variant, drawn at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.emg.bank import SfapBank
from edxkit.simulate.emg.conductor import IAP_REPOLARISATION_MM, REFERENCE_DIAMETER_UM
from edxkit.simulate.emg.params import fibre_cv_m_s
from edxkit.simulate.emg.pool import Fibres, FloatArray, IntArray

TIERS = ((0.7, 1), (2.0, 4), (np.inf, 12))  # (fibres nearer than mm, time decimation)
SHAPE_FIBRES = 8
TAIL_LENGTHS = 4.0
_CHUNK = 2_000_000


@dataclass(frozen=True, slots=True)
class FibreSet:
    """Per-fibre synthesis parameters (arrays of equal length)."""

    r_mm: FloatArray
    endplate_mm: FloatArray
    cv_m_s: FloatArray
    delay_ms: FloatArray
    weight: FloatArray


def fibre_set(fibres: Fibres, rows: IntArray) -> FibreSet:
    """Synthesis parameters of the fibres at ``rows``."""
    diameter = fibres.diameter_um[rows]
    return FibreSet(
        r_mm=np.maximum(np.hypot(fibres.x_mm[rows], fibres.y_mm[rows]), 0.02),
        endplate_mm=fibres.endplate_mm[rows],
        cv_m_s=fibre_cv_m_s(diameter),
        delay_ms=fibres.delay_ms[rows],
        weight=(diameter / REFERENCE_DIAMETER_UM) ** 2,
    )


def _gather(bank: SfapBank, fs: FibreSet, t_ms: FloatArray) -> FloatArray:
    """Sum of the fibres' potentials (µV) at times ``t_ms`` (chunked over fibres)."""
    n_r, n_d, n_s = bank.data_uv.shape
    log_grid = np.log(bank.r_grid_mm)
    pos = np.clip((np.log(fs.r_mm) - log_grid[0]) / (log_grid[1] - log_grid[0]), 0.0, n_r - 1.000001)
    r0 = np.floor(pos).astype(np.int64)
    wr = pos - r0
    di = bank.d_index(fs.endplate_mm)
    bank.ensure(di)
    shift = np.abs(fs.endplate_mm) - np.abs(bank.d_grid_mm[di])
    flat = bank.data_uv.reshape(-1)
    total = np.zeros(t_ms.size)
    step = max(1, _CHUNK // max(t_ms.size, 1))
    for a in range(0, fs.r_mm.size, step):
        sl = slice(a, a + step)
        s_idx = (
            fs.cv_m_s[sl, None] * (t_ms[None, :] - fs.delay_ms[sl, None]) - shift[sl, None]
        ) / bank.s_step_mm
        k0 = np.floor(s_idx)
        frac = s_idx - k0
        k = np.clip(k0, 0, n_s - 2).astype(np.int64)
        beyond = k0 >= n_s - 1  # repolarisation tail: exponential continuation of the last sample
        frac = np.where(beyond, 1.0, frac)
        base_a = ((r0[sl] * n_d + di[sl]) * n_s)[:, None] + k
        base_b = base_a + n_d * n_s
        va = flat[base_a] + frac * (flat[base_a + 1] - flat[base_a])
        vb = flat[base_b] + frac * (flat[base_b + 1] - flat[base_b])
        blended = va + wr[sl, None] * (vb - va)
        decay = np.where(beyond, bank.tail_factor((s_idx - (n_s - 1)) * bank.s_step_mm), 1.0)
        total += np.sum(np.where(k0 >= 0, blended * decay, 0.0) * fs.weight[sl, None], axis=0)
    return total


def fibre_sum_uv(bank: SfapBank, fs: FibreSet, t_ms: FloatArray) -> FloatArray:
    """Sum of the fibres' potentials (µV) on the uniform time grid ``t_ms``; far fibres on coarser grids."""
    out = np.zeros(t_ms.size)
    lower = 0.0
    for upper, stride in TIERS:
        keep = (fs.r_mm >= lower) & (fs.r_mm < upper)
        lower = upper
        if not keep.any():
            continue
        if stride == 1:
            out += _gather(bank, _subset(fs, keep), t_ms)
            continue
        coarse_t = t_ms[::stride]
        if coarse_t[-1] < t_ms[-1]:
            coarse_t = np.append(coarse_t, t_ms[-1])
        out += np.interp(t_ms, coarse_t, _gather(bank, _subset(fs, keep), coarse_t))
    return out


def _subset(fs: FibreSet, keep: NDArray[np.bool_] | IntArray) -> FibreSet:
    return FibreSet(fs.r_mm[keep], fs.endplate_mm[keep], fs.cv_m_s[keep], fs.delay_ms[keep], fs.weight[keep])


def time_window_ms(bank: SfapBank, fs: FibreSet, fs_hz: float) -> FloatArray:
    """Time grid (ms) covering every fibre's potential: from the first activation to the last extinction.

    The window runs :data:`TAIL_LENGTHS` repolarisation lengths past the tabulated front distance (the slow
    terminal tail has then decayed to e^-4 ≈ 2 % of its already small starting value), at most 60 ms.
    """
    start = float(fs.delay_ms.min()) - 0.5
    reach = bank.s_max_mm + TAIL_LENGTHS * IAP_REPOLARISATION_MM
    stop = float(np.max(fs.delay_ms + reach / fs.cv_m_s)) + 0.5
    stop = min(stop, start + 60.0)
    dt_ms = 1000.0 / fs_hz
    return np.asarray(start + np.arange(int(np.ceil((stop - start) / dt_ms)) + 1) * dt_ms, dtype=np.float64)


def shape_fibres(bank: SfapBank, fs: FibreSet) -> IntArray:
    """Indices of the (up to 8) fibres with the largest expected contribution (nearest, largest)."""
    size = fs.weight / np.maximum(fs.r_mm, 0.02) ** 1.5
    return np.argsort(-size)[:SHAPE_FIBRES].astype(np.int64)


def unit_variants_uv(
    rng: np.random.Generator,
    bank: SfapBank,
    fibres: Fibres,
    rows: IntArray,
    t_ms: FloatArray,
    n_variants: int,
) -> FloatArray:
    """Raw templates (µV, internal rate) of one unit: row 0 nominal, rows 1.. per-discharge variants."""
    fs = fibre_set(fibres, rows)
    nominal = fibre_sum_uv(bank, fs, t_ms)
    out = np.empty((n_variants + 1, t_ms.size))
    out[0] = nominal
    if n_variants == 0:
        return out
    pick = shape_fibres(bank, fs)
    sub = _subset(fs, pick)
    own = np.array([_gather(bank, _subset(sub, np.array([i])), t_ms) for i in range(pick.size)])
    span = np.flatnonzero(np.max(np.abs(own), axis=0) > 1e-3 * max(float(np.abs(own).max()), 1e-12))
    lo, hi = (int(span[0]), int(span[-1]) + 1) if span.size else (0, 0)
    window = t_ms[lo:hi]
    base = nominal[lo:hi] - own[:, lo:hi].sum(axis=0)
    jitter_ms = fibres.jitter_us[rows][pick] / 1000.0
    block = fibres.block_prob[rows][pick]
    for v in range(1, n_variants + 1):
        delta = rng.normal(0.0, jitter_ms)
        fired = rng.random(pick.size) >= block
        out[v] = nominal
        if hi > lo:
            moved = _subset(sub, fired)
            moved = FibreSet(
                moved.r_mm, moved.endplate_mm, moved.cv_m_s, moved.delay_ms + delta[fired], moved.weight
            )
            out[v, lo:hi] = base + (_gather(bank, moved, window) if fired.any() else 0.0)
    return out
