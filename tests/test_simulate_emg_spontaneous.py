"""Spontaneous activity of the needle-EMG simulator: morphology, firing, grades (clinical.md §3.1)."""

from __future__ import annotations

import numpy as np
import pytest

from edxkit.simulate.emg import GENERATORS_PER_GRADE, simulate_needle
from edxkit.simulate.emg.truth import DischargeTruth

FS = 48000.0


def _rest(
    spontaneous: dict[str, str], seed: int = 11, duration_s: float = 10.0, pathology: str = "neurogenic"
) -> tuple[DischargeTruth, ...]:
    sim = simulate_needle(
        np.random.default_rng(seed),
        condition="rest",
        pathology=pathology,
        spontaneous=spontaneous,
        duration_s=duration_s,
    )
    return sim.spontaneous


def _first_clear_deflection(template: np.ndarray) -> float:
    """Sign of the first excursion beyond 10 % of the template's largest magnitude."""
    big = np.flatnonzero(np.abs(template) > 0.1 * np.abs(template).max())
    return float(np.sign(template[big[0]]))


def _cv(times: np.ndarray) -> float:
    isi = np.diff(times)
    return float(np.std(isi) / np.mean(isi))


def test_fibrillations_are_brief_initially_positive_and_fire_regularly_at_half_to_15_hz() -> None:
    fibs = _rest({"fibrillation": "3+"})
    assert len(fibs) == 6
    for fib in fibs:
        assert _first_clear_deflection(fib.template_uv) > 0  # initial positive voltage (drawn downward)
        assert 20.0 <= fib.amplitude_uv <= 1000.0
        above = np.flatnonzero(np.abs(fib.template_uv) > 0.1 * fib.amplitude_uv)
        assert 1.0 <= (above[-1] - above[0]) / FS * 1000.0 <= 5.0
        if fib.times_s.size >= 3:
            assert 0.5 <= fib.rate_hz <= 15.0
            assert _cv(fib.times_s) < 0.1


def test_positive_sharp_waves_are_initially_positive_then_slowly_negative_for_10_ms_or_more() -> None:
    for psw in _rest({"positive_sharp_wave": "2+"}):
        tpl = psw.template_uv
        assert _first_clear_deflection(tpl) > 0
        assert tpl.max() > 0 and np.argmax(tpl) < np.argmin(tpl)
        negative = np.flatnonzero(tpl < 0.1 * tpl.min())
        assert (negative[-1] - negative[0]) / FS * 1000.0 >= 10.0
        if psw.times_s.size >= 3:
            assert 0.5 <= psw.rate_hz <= 15.0 and _cv(psw.times_s) < 0.1


def test_fasciculations_are_whole_muaps_firing_irregularly() -> None:
    sim = simulate_needle(
        np.random.default_rng(12),
        condition="rest",
        pathology="neurogenic",
        spontaneous={"fasciculation": "4+"},
        duration_s=60.0,
        fs_hz=4000.0,
    )
    cvs = [_cv(f.times_s) for f in sim.spontaneous if f.times_s.size >= 15]
    assert cvs and np.median(cvs) > 0.5
    assert all(f.generator < 100_000 for f in sim.spontaneous)  # generator = pool unit id


def test_myotonic_trains_wax_and_wane_in_rate_20_to_150_hz_and_in_amplitude() -> None:
    (myo,) = _rest({"myotonic": "1+"}, pathology="myopathic")
    isi = np.diff(myo.times_s)
    within = isi[isi < 0.2]  # intervals inside trains
    rates = 1.0 / within
    assert rates.min() >= 19.0 and rates.max() <= 151.0
    assert np.ptp(rates) > 20.0  # the rate changes along the train
    assert np.ptp(myo.scales) > 0.3  # and so does the amplitude


def test_complex_repetitive_discharge_repeats_an_identical_complex_at_a_constant_interval() -> None:
    (crd,) = _rest({"complex_repetitive": "1+"}, pathology="myopathic")
    isi = np.diff(np.rint(crd.times_s * FS))
    assert np.all(isi == isi[0])
    assert 5.0 <= crd.rate_hz <= 100.0
    assert np.all(crd.scales == 1.0)


def test_myokymic_discharges_come_in_bursts() -> None:
    (myk,) = _rest({"myokymic": "1+"})
    isi = np.diff(myk.times_s)
    assert isi.min() < 0.2 and isi.max() > 0.3  # short intraburst, long interburst intervals


def test_end_plate_noise_is_monophasic_negative_and_spikes_initially_negative() -> None:
    kinds = {d.kind: d for d in _rest({"end_plate": "1+"}, pathology="normal")}
    noise, spike = kinds["end_plate_noise"], kinds["end_plate_spike"]
    assert (
        noise.template_uv[noise.template_index] < 0
        and noise.template_uv.max() < 0.1 * -noise.template_uv.min()
    )
    assert _first_clear_deflection(spike.template_uv) < 0
    assert 3.0 <= spike.rate_hz <= 60.0 and _cv(spike.times_s) > 0.4


@pytest.mark.parametrize("grade", ["0", "1+", "2+", "3+", "4+"])
def test_fibrillation_grades_map_to_the_documented_number_of_generators(grade: str) -> None:
    sim = simulate_needle(
        np.random.default_rng(1),
        condition="rest",
        spontaneous={"fibrillations": grade},
        duration_s=0.5,
        fs_hz=10000.0,
    )
    expected = GENERATORS_PER_GRADE["fibrillation"][["0", "1+", "2+", "3+", "4+"].index(grade)]
    assert len(sim.spontaneous) == expected
    assert sim.grades["fibrillations"] == grade


def test_other_discharges_are_reported_and_bad_grades_rejected() -> None:
    sim = simulate_needle(
        np.random.default_rng(2), condition="rest", spontaneous={"crd": "1+", "myotonic": 0}, duration_s=0.5
    )
    assert sim.other_discharges == ("complex_repetitive",)
    with pytest.raises(ValueError, match="grade"):
        simulate_needle(np.random.default_rng(2), spontaneous={"fibrillation": "5+"}, duration_s=0.5)
    with pytest.raises(ValueError, match="unknown spontaneous"):
        simulate_needle(np.random.default_rng(2), spontaneous={"cramp": "1+"}, duration_s=0.5)
