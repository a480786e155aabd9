"""Spontaneous activity, round 5: splitting merged regular fibres with missed discharges (chance-aware
cover), and irregular positive-spike groups in a PSW zone typed positive sharp waves."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.emg.spontaneous import SpontaneousTrain
from edxkit.emg.spontaneous.analyze import _split_merged
from edxkit.emg.spontaneous.trains import split_regular

FS = 48000.0


def _regular(rng: np.random.Generator, rate_hz: float, keep: float, duration_s: float = 10.0) -> np.ndarray:
    """A fibrillating fibre: regular firing (interval CV 0.03) of which a fraction ``keep`` was detected."""
    n = int(rate_hz * duration_s) + 1
    isi = (1.0 / rate_hz) * (1.0 + 0.03 * rng.standard_normal(n))
    t = float(rng.uniform(0.0, 1.0 / rate_hz)) + np.concatenate([[0.0], np.cumsum(isi[:-1])])
    t = t[t < duration_s]
    return np.sort(t[rng.random(t.size) < keep])


def _purity(parts: list[np.ndarray], label: np.ndarray) -> list[float]:
    return [float(np.max(np.bincount(label[p])) / p.size) for p in parts]


def test_two_merged_fibres_one_half_detected_are_split_into_pure_trains_of_both_fibres() -> None:
    """Fibre A 11 Hz fully detected, fibre B 7 Hz with only 50 % of its discharges (cover 0.5, under the
    round-4 limit of 0.6, which left the merge unsplit): each chain is ≥ 85 % one fibre (the largest,
    which also takes the unchained rest, ≥ 80 %) and both fibres have a chain. (B comes out as two chains
    at 5× its interval: a known over-count.)"""
    rng = np.random.default_rng(5)
    a, b = _regular(rng, 11.0, 1.0), _regular(rng, 7.0, 0.5)
    t = np.concatenate([a, b])
    order = np.argsort(t)
    label = np.concatenate([np.zeros(a.size, int), np.ones(b.size, int)])[order]
    parts = split_regular(t[order])
    assert len(parts) >= 2
    purity = _purity(parts, label)
    assert purity[0] >= 0.8  # the largest chain also takes the discharges in no chain
    assert min(purity[1:]) >= 0.85
    assert {int(np.argmax(np.bincount(label[p]))) for p in parts} == {0, 1}


def test_irregular_poisson_firing_at_5_hz_is_rarely_split_into_chance_chains() -> None:
    """Irregular firing (end-plate spikes, stray discharges) must not give regular chains: a chain must fill
    its interval grid above the chance of a random discharge in each ±10 % window (1 − e^(−ρ·0.2P)) + 0.3.
    Of 100 Poisson trains at 5 Hz over 10 s at most 3 are split (now 1; round 4, cover ≥ 0.6 alone: 15)."""
    split = sum(
        len(split_regular(np.sort(np.random.default_rng(s).uniform(0, 10, 50)))) > 0 for s in range(100)
    )
    assert split <= 3


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 20.0, allow_nan=False), min_size=0, max_size=300))
def test_split_regular_on_any_times_returns_disjoint_parts_covering_every_discharge(
    times: list[float],
) -> None:
    t = np.sort(np.asarray(times, dtype=np.float64))
    parts = split_regular(t)
    if parts:
        joined = np.sort(np.concatenate(parts))
        assert np.array_equal(joined, np.arange(t.size))


def _train(kind: str, times_s: np.ndarray, main_positive: bool) -> SpontaneousTrain:
    """A spike-like template: small initial deflection, then the main spike (positive for a PSW fragment,
    negative for a fibrillation potential), 200 µV."""
    tmpl = np.zeros(960)
    i = 480
    sign = 1.0 if main_positive else -1.0
    tmpl[i - 10 : i] = -0.2 * sign * 200.0 * np.hanning(10)
    tmpl[i - 5 : i + 6] += sign * 200.0 * np.hanning(11)
    rate = times_s.size / 10.0
    return SpontaneousTrain(kind, "", times_s, tmpl, i, FS, 240.0, rate, 0.8)


def _psw_train() -> SpontaneousTrain:
    tmpl = np.zeros(960)
    tmpl[470:482] = 300.0 * np.hanning(12)
    tmpl[482:900] = -40.0 * np.hanning(418)
    times = np.arange(0.05, 10.0, 0.2)
    return SpontaneousTrain("positive_sharp_wave", "", times, tmpl, 476, FS, 340.0, 5.0, 0.02)


def test_irregular_main_positive_fibrillation_group_in_a_psw_zone_is_typed_psw() -> None:
    """Overlapping PSWs whose slow phase is hidden form an irregular group of positive spikes: where PSWs
    are found it is typed PSW (a fibrillating fibre fires regularly and its main spike is negative)."""
    rng = np.random.default_rng(2)
    irregular = np.sort(rng.uniform(0.0, 10.0, 25))
    assert split_regular(irregular) == []  # no regular sub-trains
    out = _split_merged([_psw_train(), _train("fibrillation", irregular, True)], 10.0)
    assert [t.type for t in out] == ["positive_sharp_wave", "positive_sharp_wave"]


def test_irregular_main_positive_group_without_psws_stays_fibrillation() -> None:
    rng = np.random.default_rng(2)
    irregular = np.sort(rng.uniform(0.0, 10.0, 25))
    assert split_regular(irregular) == []  # no regular sub-trains
    out = _split_merged([_train("fibrillation", irregular, True)], 10.0)
    assert [t.type for t in out] == ["fibrillation"]


def test_main_negative_or_regular_fibrillation_train_in_a_psw_zone_stays_fibrillation() -> None:
    rng = np.random.default_rng(2)
    irregular = np.sort(rng.uniform(0.0, 10.0, 25))
    assert split_regular(irregular) == []  # no regular sub-trains
    regular = np.arange(0.1, 10.0, 0.25)
    out = _split_merged(
        [_psw_train(), _train("fibrillation", irregular, False), _train("fibrillation", regular, True)], 10.0
    )
    assert [t.type for t in out] == ["positive_sharp_wave", "fibrillation", "fibrillation"]
