"""A spike of a complex repetitive discharge's complex is not counted as another generator."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.emg.spontaneous.analyze import _drop_crd_components
from edxkit.emg.spontaneous.result import SpontaneousTrain
from edxkit.emg.spontaneous.trains import locked_part

FS = 48000.0
WINDOW = 15.0 * FS / 1000.0
JITTER = 0.3 * FS / 1000.0


def _regular(rate_hz: float, start_s: float, stop_s: float) -> np.ndarray:
    return np.rint(np.arange(start_s, stop_s, 1.0 / rate_hz) * FS).astype(np.int64)


def _train(kind: str, positions: np.ndarray) -> SpontaneousTrain:
    times = np.sort(positions) / FS
    return SpontaneousTrain(kind, "", times, np.zeros(10), 5, FS, 200.0, times.size / 10.0, 0.0)


def test_crd_late_component_mixed_with_a_fibre_is_removed_and_the_fibre_left_whole() -> None:
    """CRD A fires at 26 Hz (190 discharges) with a late spike 5.5 ms after each main spike; that spike has
    the shape of a fibrillating fibre B (8.4 Hz, 71 discharges), so both end in one train typed
    fibrillation. The 190 locked discharges are removed and B's 71 remain, with their constant interval."""
    a = _regular(26.0, 0.5, 0.5 + 190 / 26.0)[:190]
    b = _regular(8.4, 0.26, 8.7)[:71]
    late = a + round(5.5e-3 * FS)
    mixed = np.sort(np.concatenate([b, late]))
    part = locked_part(a, mixed, WINDOW, JITTER)
    assert part is not None and part.sum() >= 185
    assert np.isin(b, mixed[~part]).mean() >= 0.95
    out = _drop_crd_components([_train("complex_repetitive", a), _train("fibrillation", mixed)], FS)
    fib = next(t for t in out if t.type == "fibrillation")
    assert fib.count == (~part).sum()
    assert abs(fib.rate_hz - 8.4) < 0.2 and fib.isi_cv < 0.01


def test_a_train_that_is_only_a_crd_component_is_dropped() -> None:
    """A 'fibrillation' train made only of a CRD's late spike (3.2 ms after each of 150 discharges at
    15 Hz) is no generator: it is dropped, and the CRD is kept."""
    a = _regular(15.0, 0.2, 10.2)[:150]
    out = _drop_crd_components(
        [_train("complex_repetitive", a), _train("fibrillation", a + round(3.2e-3 * FS))], FS
    )
    assert [t.type for t in out] == ["complex_repetitive"]


def test_independent_discharges_are_not_taken_for_a_locked_part() -> None:
    """An independent irregular group (Poisson 40/s for 10 s) beside a 20-Hz train: no part is removed."""
    rng = np.random.default_rng(5)
    a = _regular(20.0, 0.0, 10.0)
    b = np.sort(rng.integers(0, round(10 * FS), 400)).astype(np.int64)
    assert locked_part(a, b, WINDOW, JITTER) is None


def test_a_locked_part_must_be_most_discharges_of_its_leader() -> None:
    """Eight candidates locked to 8 of a 200-discharge train are too few (< half the leader's discharges)."""
    a = _regular(20.0, 0.0, 10.0)
    rng = np.random.default_rng(2)
    b = np.sort(np.concatenate([a[:8] + 100, rng.integers(0, round(10 * FS), 30)])).astype(np.int64)
    assert locked_part(a, b, WINDOW, JITTER) is None


@settings(max_examples=60, deadline=None)
@given(
    rate_a=st.floats(2.0, 80.0),
    n_b=st.integers(0, 500),
    lag_ms=st.floats(-14.0, 14.0),
    locked_share=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_locked_part_any_input_gives_a_mask_of_b_or_none(
    rate_a: float, n_b: int, lag_ms: float, locked_share: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a = _regular(rate_a, 0.0, 5.0)
    n_lock = round(locked_share * a.size)
    locked = rng.choice(a, n_lock, replace=False) + round(lag_ms * FS / 1000.0)
    b = np.sort(np.concatenate([locked, rng.integers(0, round(5 * FS), n_b)])).astype(np.int64)
    part = locked_part(a, b, WINDOW, JITTER)
    if part is not None:
        assert part.shape == b.shape and part.dtype == bool
        assert part.sum() <= a.size
