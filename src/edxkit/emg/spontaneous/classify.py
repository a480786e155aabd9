"""Typing a train from its template shape and firing pattern (clinical.md §3.1; AANEM glossary).

The rules, in order (shape first, then firing pattern):

* **Identical repeating potentials at a constant interval** (intervals equal within 0.2 ms apart from missed
  discharges, ≥ 5 Hz — the rate of the base interval, not the mean rate of a group that holds only some of
  the discharges) → complex repetitive discharge, whatever the shape (checked first: end-plate spikes
  and fibrillations never fire with a sub-millisecond constant interval). A constant interval below 5 Hz is
  no spontaneous generator of clinical.md §3.1: it is the beat of two fast constant trains whose
  superimposed potentials recur together; such a train is left untyped (``""``) and dropped.
* **End-plate activity** — a simple potential (< 5 ms, ≤ 4 turns) that starts with a *negative* deflection
  (it arises under the needle): monophasic negative, broad (half-width ≥ 0.55 ms) and without a positive
  phase (< 10 % of the negative peak) → ``end_plate_noise`` (miniature end-plate potentials); otherwise →
  ``end_plate_spike`` when firing at ≥ 5 Hz (end-plate spikes fire at 5–50 Hz; a slower train of such
  shapes is chance alignment of noise and is dropped).
* **PSW-like** — initial and main deflection positive with a slow negative phase after it
  (``slow_fraction`` ≥ 0.06, duration ≥ 5 ms); **spike-like** — brief (< 5 ms, the upper limit of a
  fibrillation potential) and biphasic/triphasic (≤ 3 turns):
  both fire below 20 Hz as fibrillation potentials / positive sharp waves; when most intervals are shorter
  than 50 ms (> 20 Hz) and the rate or the amplitude varies (waxing and waning), in runs (:func:`is_run`)
  — they are myotonic discharges (``spike_like`` / ``psw_like``).
* **Long or serrated potentials firing in long waxing/waning runs** (as above, with a median run of
  ≥ ``MYOTONIC_MIN_RUN`` discharges; the bursts of myokymia hold 2–10) → myotonic (a myotonic fibre
  recorded at a distance, or two overlapping, gives a longer, more complex template).
* **MUAP-like** — long (≥ 5 ms) or polyphasic/serrated (≥ 4 turns) and of MUAP size
  (≥ ``MUAP_MIN_UV`` peak-to-peak; smaller complex shapes are superimposed small potentials and are dropped):
  firing regularly at ≥ 5 Hz (≥ 70 % of intervals at whole multiples of the median, allowing for
  discharges lost in overlaps) → complex repetitive discharge; grouped in bursts separated by long pauses,
  with more short intervals than an irregular generator firing at the pauses' rate gives by chance
  (``burst_chance`` ≤ ``MYOKYMIC_CHANCE``) → myokymic; otherwise, at ≤ 10 Hz (the upper end of the
  fasciculation rate range, clinical.md §3.1) → fasciculation; faster irregular MUAP-like trains are left
  untyped and dropped.
"""

from __future__ import annotations

from edxkit.emg.spontaneous.features import Shape
from edxkit.emg.spontaneous.trains import Firing

EPN_MIN_HALF_WIDTH_MS = 0.55
EPN_MAX_POSITIVE = 0.1
CRD_MIN_RATE_HZ = 5.0
CRD_REGULAR_FRACTION = 0.7
END_PLATE_MAX_MS = 5.0
END_PLATE_MAX_TURNS = 4
END_PLATE_MIN_HZ = 5.0
PSW_MIN_SLOW = 0.06
PSW_MIN_MS = 4.0
COMPLEX_MIN_MS = 5.0
COMPLEX_MIN_TURNS = 4
MYOTONIC_FAST_FRACTION = 0.5
MYOTONIC_MODULATION = 0.15
MYOTONIC_SMOOTH_FRACTION = 0.4
MYOTONIC_MIN_PAUSES = 1
MYOTONIC_RUN_FAST = 0.8
MYOTONIC_MIN_SERIAL = -0.2
MYOKYMIC_BURST_FRACTION = 0.5
MYOKYMIC_CHANCE = 0.1
MUAP_MIN_UV = 100.0
MYOTONIC_MIN_RUN = 15
FASCICULATION_MAX_HZ = 10.0


def is_run(firing: Firing) -> bool:
    """Fast firing in runs, as in myotonic discharges: most intervals < 50 ms with a gliding rate
    (``smooth_fraction`` ≥ 0.4), or nearly all intervals < 50 ms (≥ 80 %) with the fast firing stopping and
    restarting (a pause > 250 ms). A merge of independent slow trains reaches neither: its rate jumps, and
    80 % of its intervals below 50 ms needs > 32 Hz in all, where a 250 ms pause has odds ≈ e⁻⁸. Nor does
    the merge of two regular fibres at 12–25 Hz whose phases drift (its intervals alternate short–long, and
    glide where the phases cross): its consecutive intervals correlate negatively, a myotonic run's
    positively (``serial_correlation`` > ``MYOTONIC_MIN_SERIAL`` is required)."""
    if firing.serial_correlation <= MYOTONIC_MIN_SERIAL:
        return False
    smooth = (
        firing.fast_fraction >= MYOTONIC_FAST_FRACTION and firing.smooth_fraction >= MYOTONIC_SMOOTH_FRACTION
    )
    stops = firing.fast_fraction >= MYOTONIC_RUN_FAST and firing.pauses >= MYOTONIC_MIN_PAUSES
    return smooth or stops


def shape_class(shape: Shape) -> str:
    """Shape class of a template: end_plate_noise | end_plate_spike | psw | spike | complex."""
    simple = shape.duration_ms < END_PLATE_MAX_MS and shape.turns <= END_PLATE_MAX_TURNS
    if shape.initial_sign < 0 and shape.peak_sign < 0 and simple:
        monophasic = shape.positive_uv < EPN_MAX_POSITIVE * shape.negative_uv
        if monophasic and shape.spike_ms >= EPN_MIN_HALF_WIDTH_MS:
            return "end_plate_noise"
        return "end_plate_spike"
    if shape.peak_sign > 0 and shape.slow_fraction >= PSW_MIN_SLOW and shape.duration_ms >= PSW_MIN_MS:
        return "psw"
    if shape.turns >= COMPLEX_MIN_TURNS or shape.duration_ms >= COMPLEX_MIN_MS:
        return "complex"
    return "spike"


def classify_train(shape: Shape, firing: Firing) -> tuple[str, str]:
    """(type, kind) of a train (see the module docstring); type ``""`` when the train is not a generator."""
    cls = shape_class(shape)
    if firing.constant_isi:  # a constant interval is a CRD whatever the shape (end-plate firing is irregular)
        base = firing.constant_base_s
        rate = 1.0 / base if base > 0.0 else firing.rate_hz  # the generator's rate, missed discharges aside
        return ("complex_repetitive", "") if rate >= CRD_MIN_RATE_HZ else ("", "")
    if cls.startswith("end_plate"):
        slow = cls == "end_plate_spike" and firing.rate_hz < END_PLATE_MIN_HZ
        return ("", "") if slow else ("end_plate", cls)
    if cls in ("psw", "spike"):
        modulated = max(firing.rate_modulation, firing.amplitude_modulation) >= MYOTONIC_MODULATION
        runs = is_run(firing)
        if modulated and runs:
            return "myotonic", "psw_like" if cls == "psw" else "spike_like"
        return ("positive_sharp_wave" if cls == "psw" else "fibrillation"), ""
    modulated = max(firing.rate_modulation, firing.amplitude_modulation) >= MYOTONIC_MODULATION
    if modulated and is_run(firing) and firing.median_run >= MYOTONIC_MIN_RUN:
        return "myotonic", "psw_like" if shape.peak_sign > 0 else "spike_like"
    if shape.amplitude_uv < MUAP_MIN_UV:
        return "", ""
    if firing.regular_fraction >= CRD_REGULAR_FRACTION and firing.rate_hz >= CRD_MIN_RATE_HZ:
        return "complex_repetitive", ""
    if firing.burst_fraction >= MYOKYMIC_BURST_FRACTION and firing.burst_chance <= MYOKYMIC_CHANCE:
        return "myokymic", ""
    return ("fasciculation", "") if firing.rate_hz <= FASCICULATION_MAX_HZ else ("", "")
