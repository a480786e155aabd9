"""Each interpretation rule against its published criterion, with textbook-style numbers.

Studies are built from entered values (tests/cases/builders.py: normal values of the limits table at its
standard distances), analyzed and interpreted; each test changes the values a criterion is about and
checks the boundary on both sides where the criterion has one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "cases"))

from builders import (
    STATES,
    emg,
    f_wave,
    h_reflex,
    lower_normal,
    median_motor,
    median_sensory,
    peroneal_motor,
    radial_motor,
    radial_sensory,
    rns,
    sensory,
    study,
    superficial_peroneal,
    sural,
    tibial_motor,
    ulnar_motor,
    ulnar_sensory,
    upper_normal,
)

from edxkit.analyze import analyze_study
from edxkit.interpret import Impression, Interpretation, interpret
from edxkit.model import Study

Doc = dict[str, Any]


def run(
    ncs: list[Doc],
    muscles: list[Doc],
    *,
    age: float = 50,
    temperature: tuple[float, float] = (33, 31.5),
    criteria: str = "efns_pns_2010",
) -> Interpretation:
    doc = study("T", age=age, sex="female", indication="test", ncs=ncs, emg_=muscles, temperature=temperature)
    s = Study.model_validate(doc)
    return interpret(s, analyze_study(s), criteria=criteria)


def swap(studies: list[Doc], *new: Doc) -> list[Doc]:
    keys = {(n["nerve"], n["kind"], n["side"], n.get("record")) for n in new}
    return [n for n in studies if (n["nerve"], n["kind"], n["side"], n.get("record")) not in keys] + list(new)


def codes(result: Interpretation) -> list[str]:
    return [i.code for i in result.impressions]


def only(result: Interpretation, code: str) -> Impression:
    found = [i for i in result.impressions if i.code == code]
    assert len(found) == 1, (codes(result), result.statement)
    return found[0]


ARM = upper_normal("right")
ARM_MUSCLES = emg("right", "normal", "APB", "FDI", "pronator_teres")


# --- carpal tunnel syndrome (clinical.md 4.1) ---------------------------------------------------------


def test_cts_median_sensory_peak_latency_above_3_5_ms_at_13_cm_with_normal_ulnar_is_mild() -> None:
    result = run(swap(ARM, median_sensory("right", peak=3.9, amp=30, onset=2.6)), ARM_MUSCLES)
    imp = only(result, "median_neuropathy_wrist")
    assert (imp.side, imp.severity) == ("right", "mild")
    assert "Bland grade 2" in imp.criteria
    assert any(row.get("field") == "peak_latency_ms" and row["value"] == 3.9 for row in imp.evidence)


def test_cts_median_peak_latency_3_5_ms_is_normal() -> None:
    result = run(swap(ARM, median_sensory("right", peak=3.5, onset=2.6)), ARM_MUSCLES)
    assert codes(result) == ["normal"]


@pytest.mark.parametrize(("median_d4_ms", "called"), [(3.6, True), (3.4, False)])
def test_cts_median_minus_ulnar_ring_finger_peak_latency_above_0_4_ms(
    median_d4_ms: float, called: bool
) -> None:
    ncs = [
        *ARM,
        sensory("median", "right", "digit_4", "wrist", 140, median_d4_ms, 20),
        sensory("ulnar", "right", "digit_4", "wrist", 140, 3.0, 18),
    ]
    result = run(ncs, ARM_MUSCLES)
    assert ("median_neuropathy_wrist" in codes(result)) is called
    if called:
        imp = only(result, "median_neuropathy_wrist")
        assert "Bland grade 1" in imp.criteria
        assert any(row.get("comparison") == "median_ulnar_d4" for row in imp.evidence)


def test_cts_median_minus_radial_thumb_difference_above_0_5_ms() -> None:
    ncs = [
        *ARM,
        sensory("median", "right", "digit_1", "wrist", 100, 2.9, 20),
        sensory("superficial_radial", "right", "digit_1", "wrist", 100, 2.3, 15),
    ]
    assert "median_neuropathy_wrist" in codes(run(ncs, ARM_MUSCLES))


def test_cts_combined_sensory_index_of_1_0_ms_without_any_single_test_abnormal() -> None:
    ncs = [
        *ARM,
        sensory("median", "right", "digit_4", "wrist", 140, 3.4, 20),  # +0.4 (limit >0.4)
        sensory("ulnar", "right", "digit_4", "wrist", 140, 3.0, 18),
        sensory("median", "right", "digit_1", "wrist", 100, 2.8, 20),  # +0.4 (limit >0.5)
        sensory("superficial_radial", "right", "digit_1", "wrist", 100, 2.4, 15),
        sensory("median", "right", "wrist", "palm", 80, 2.1, 60),  # +0.2 (limit >0.3); palm-wrist 2.1 <= 2.2
        sensory("ulnar", "right", "wrist", "palm", 80, 1.9, 25),
    ]
    imp = only(run(ncs, ARM_MUSCLES), "median_neuropathy_wrist")
    assert [r["comparison"] for r in imp.evidence if "comparison" in r] == ["csi"]


def test_cts_prolonged_distal_motor_latency_with_preserved_cmap_is_moderate() -> None:
    ncs = swap(ARM, median_sensory("right", peak=4.2, amp=22), median_motor("right", dml=5.1, amp=8.0))
    assert only(run(ncs, ARM_MUSCLES), "median_neuropathy_wrist").severity == "moderate"


def test_cts_absent_snap_or_low_cmap_is_severe_and_bland_grade_5_above_6_5_ms() -> None:
    ncs = swap(ARM, median_sensory("right", absent=True), median_motor("right", dml=6.9, amp=2.0))
    imp = only(
        run(ncs, emg("right", "active", "APB") + emg("right", "normal", "FDI")), "median_neuropathy_wrist"
    )
    assert imp.severity == "severe"
    assert "Bland grade 5" in imp.criteria
    assert imp.chronicity == "chronic_active"


def test_cts_bland_grade_6_when_sensory_and_motor_responses_are_unrecordable() -> None:
    ncs = swap(ARM, median_sensory("right", absent=True), median_motor("right", absent=True))
    imp = only(run(ncs, ARM_MUSCLES), "median_neuropathy_wrist")
    assert "Bland grade 6" in imp.criteria


def test_cts_with_abnormal_ulnar_sensory_needs_an_internal_comparison() -> None:
    diffuse = swap(ARM, median_sensory("right", peak=4.0, amp=18), ulnar_sensory("right", peak=3.5, amp=12))
    assert "median_neuropathy_wrist" not in codes(run(diffuse, ARM_MUSCLES))
    compared = [
        *diffuse,
        sensory("median", "right", "digit_4", "wrist", 140, 3.9, 12),
        sensory("ulnar", "right", "digit_4", "wrist", 140, 3.1, 10),
    ]
    assert "median_neuropathy_wrist" in codes(run(compared, ARM_MUSCLES))


def test_cts_without_a_comparison_nerve_states_the_limitation() -> None:
    result = run([median_motor("right"), median_sensory("right", peak=4.0)], [])
    assert "median_neuropathy_wrist" in codes(result)
    assert any("without a comparison nerve" in lim for lim in result.limitations)


def test_c6_radiculopathy_with_normal_median_studies_is_not_cts() -> None:
    muscles = emg("right", "active", "pronator_teres", "FCR", "ECRL", "biceps", "cervical_paraspinals")
    result = run(ARM, muscles + emg("right", "normal", "APB", "FDI", "triceps"))
    assert codes(result) == ["cervical_radiculopathy"]


# --- ulnar (clinical.md 4.2) ----------------------------------------------------------------------------


def test_une_across_elbow_velocity_below_50_m_s() -> None:
    ncs = swap(ARM, ulnar_motor("right", be_lat=6.6, ae_lat=6.6 + 100 / 45))
    imp = only(run(ncs, ARM_MUSCLES), "ulnar_neuropathy_elbow")
    assert imp.severity == "mild"
    assert "CV <50 m/s" in imp.text


def test_une_across_elbow_segment_more_than_10_m_s_slower_than_forearm() -> None:
    # forearm 220 mm / 3.4 ms = 64.7 m/s; across elbow 100 mm / 1.9 ms = 52.6 m/s: only the relative criterion
    ncs = swap(ARM, ulnar_motor("right", dml=2.8, be_lat=6.2, ae_lat=8.1))
    imp = only(run(ncs, ARM_MUSCLES), "ulnar_neuropathy_elbow")
    assert "slower than the forearm" in imp.text and "CV <50" not in imp.text


@pytest.mark.parametrize(("ae_amp", "called"), [(7.5, True), (8.5, False)])
def test_une_above_vs_below_elbow_amplitude_drop_above_20_percent(ae_amp: float, called: bool) -> None:
    ncs = swap(ARM, ulnar_motor("right", amp=10.0, be_amp=10.0, ae_amp=ae_amp))  # 25% vs 15% drop
    assert ("ulnar_neuropathy_elbow" in codes(run(ncs, ARM_MUSCLES))) is called


def test_une_velocity_criteria_are_not_used_in_a_cool_arm() -> None:
    ncs = swap(ARM, ulnar_motor("right", be_lat=6.6, ae_lat=6.6 + 100 / 40))
    result = run(ncs, ARM_MUSCLES, temperature=(29.0, 31.0))
    assert "ulnar_neuropathy_elbow" not in codes(result)
    assert any("below the 32" in lim for lim in result.limitations)


def test_ulnar_wrist_low_digital_snap_with_normal_dorsal_ulnar_cutaneous() -> None:
    duc = sensory("dorsal_ulnar_cutaneous", "right", "dorsum_hand", "forearm", 80, 2.0, 14)
    ncs = [*swap(ARM, ulnar_sensory("right", amp=8)), duc]
    muscles = emg("right", "active", "FDI", "ADM") + emg("right", "normal", "FCU", "FDP_4_5", "APB", "EIP")
    imp = only(run(ncs, muscles), "ulnar_neuropathy_wrist")
    assert imp.side == "right"


# --- peroneal (clinical.md 4.3) -------------------------------------------------------------------------

LEG = lower_normal("left")
LEG_MUSCLES = emg("left", "normal", "biceps_femoris_short_head", "tibialis_posterior", "gastrocnemius_medial")


@pytest.mark.parametrize(("afh_amp", "called"), [(3.5, True), (4.2, False)])
def test_peroneal_below_to_above_fibular_head_amplitude_drop_above_25_percent(
    afh_amp: float, called: bool
) -> None:
    ncs = swap(LEG, peroneal_motor("left", amp=5.2, bfh_amp=5.0, afh_amp=afh_amp))  # 30% vs 16% drop
    assert ("peroneal_neuropathy_fibular_head" in codes(run(ncs, LEG_MUSCLES))) is called


def test_peroneal_across_fibular_head_velocity_more_than_10_m_s_below_leg() -> None:
    # leg 300 mm / 6.4 ms = 46.9 m/s; across the fibular head 100 mm / 3.0 ms = 33.3 m/s
    ncs = swap(LEG, peroneal_motor("left", bfh_lat=10.9, afh_lat=13.9))
    imp = only(run(ncs, LEG_MUSCLES), "peroneal_neuropathy_fibular_head")
    assert imp.severity == "mild"


def test_peroneal_block_with_neurogenic_short_head_of_biceps_is_not_at_the_fibular_head() -> None:
    ncs = swap(LEG, peroneal_motor("left", amp=5.2, bfh_amp=5.0, afh_amp=2.0))
    muscles = emg("left", "acute", "biceps_femoris_short_head", "TA") + emg(
        "left", "normal", "gluteus_medius"
    )
    assert "peroneal_neuropathy_fibular_head" not in codes(run(ncs, muscles))


# --- radial -------------------------------------------------------------------------------------------


def test_radial_block_at_spiral_groove_with_triceps_spared() -> None:
    ncs = [*swap(ARM, radial_sensory("right", amp=8)), radial_motor("right", amp=3.8, groove_amp=1.0)]
    muscles = emg("right", "acute", "brachioradialis", "EDC") + emg("right", "normal", "triceps")
    assert only(run(ncs, muscles), "radial_neuropathy_spiral_groove").side == "right"


def test_radial_block_with_neurogenic_triceps_is_not_at_the_spiral_groove() -> None:
    ncs = [*ARM, radial_motor("right", amp=3.8, groove_amp=1.0)]
    muscles = emg("right", "acute", "brachioradialis", "EDC", "triceps")
    assert "radial_neuropathy_spiral_groove" not in codes(run(ncs, muscles))


# --- radiculopathy (clinical.md 4.4, Lauder 1994) --------------------------------------------------------


def test_radiculopathy_needs_two_muscles_of_the_root_through_different_nerves() -> None:
    one_nerve = emg("left", "active", "TA", "EHL") + emg("left", "normal", "gastrocnemius_medial")
    assert "lumbosacral_radiculopathy" not in codes(run(LEG, one_nerve))
    two_nerves = emg("left", "active", "TA", "tibialis_posterior") + emg(
        "left", "normal", "gastrocnemius_medial"
    )
    assert only(run(LEG, two_nerves), "lumbosacral_radiculopathy").root == "L5"


def test_radiculopathy_paraspinals_count_as_the_dorsal_ramus_nerve() -> None:
    muscles = emg("left", "active", "tibialis_posterior", "lumbosacral_paraspinals")
    muscles += emg("left", "normal", "gastrocnemius_medial", "vastus_lateralis", "TA")
    assert only(run(LEG, muscles), "lumbosacral_radiculopathy").root == "L5"


def test_radiculopathy_without_paraspinals_states_the_limitation() -> None:
    result = run(LEG, emg("left", "active", "TA", "tibialis_posterior"))
    assert any("paraspinals not examined" in lim for lim in result.limitations)


def test_radiculopathy_evidence_lists_the_normal_snaps_as_key_negatives() -> None:
    muscles = emg("left", "active", "TA", "tibialis_posterior", "lumbosacral_paraspinals")
    imp = only(run(LEG, muscles), "lumbosacral_radiculopathy")
    assert any(
        row.get("nerve") == "superficial_peroneal" and row.get("finding") == "normal" for row in imp.evidence
    )


def _late_rows(imp: Impression) -> list[tuple[str, str]]:
    late = [r for r in imp.evidence if r.get("kind") in ("f_wave", "h_reflex")]
    return [(str(r["kind"]), str(r["field"])) for r in late]


def test_s1_radiculopathy_evidence_cites_an_h_latency_of_36_5_ms_above_34_ms() -> None:
    muscles = emg("left", "active", "gastrocnemius_medial", "gluteus_maximus", "biceps_femoris_long_head")
    muscles += emg("left", "normal", "TA", "tibialis_posterior")
    imp = only(run(swap(LEG, h_reflex("left", 36.5)), muscles), "lumbosacral_radiculopathy")
    assert imp.root == "S1"
    assert ("h_reflex", "h_latency_ms") in _late_rows(imp)


def test_l5_radiculopathy_evidence_does_not_cite_a_prolonged_h_reflex() -> None:
    muscles = emg("left", "active", "TA", "tibialis_posterior", "lumbosacral_paraspinals")
    muscles += emg("left", "normal", "gastrocnemius_medial")
    imp = only(run(swap(LEG, h_reflex("left", 36.5)), muscles), "lumbosacral_radiculopathy")
    assert imp.root == "L5"
    assert _late_rows(imp) == []


def test_c8_radiculopathy_cites_an_ulnar_f_wave_of_36_ms_recorded_from_adm() -> None:
    arm = swap(upper_normal("left"), f_wave("ulnar", "left", 36.0))  # ADM: C8 T1
    muscles = emg("left", "active", "FDI", "APB", "EIP")
    muscles += emg("left", "normal", "biceps", "deltoid", "triceps")
    imp = only(run(arm, muscles), "cervical_radiculopathy")
    assert imp.root == "C8"
    assert ("f_wave", "f_min_latency_ms") in _late_rows(imp)


def test_c6_radiculopathy_does_not_cite_an_abnormal_ulnar_f_wave() -> None:
    arm = swap(upper_normal("left"), f_wave("ulnar", "left", 36.0))
    muscles = emg("left", "active", "biceps", "brachioradialis", "pronator_teres", "cervical_paraspinals")
    muscles += emg("left", "normal", "FDI", "APB", "triceps")
    imp = only(run(arm, muscles), "cervical_radiculopathy")
    assert imp.root in ("C5", "C6") and _late_rows(imp) == []


def test_lower_trunk_plexopathy_explains_and_cites_an_ulnar_f_wave_of_36_ms_from_adm() -> None:
    import yaml

    doc = yaml.safe_load((Path(__file__).parent / "cases" / "lower_trunk_plexopathy.yaml").read_text())
    for n in doc["ncs"]:
        if (n["nerve"], n["kind"], n["side"]) == ("ulnar", "f_wave", "left"):
            n["sites"][0]["f_min_latency_ms"] = 36.0  # ADM: lower trunk fibres; limit 32 ms
    s = Study.model_validate(doc)
    result = interpret(s, analyze_study(s))
    imp = only(result, "brachial_plexopathy")
    assert imp.element == "lower_trunk"
    assert ("f_wave", "f_min_latency_ms") in _late_rows(imp)
    assert not [r for r in result.unexplained if r.get("kind") == "f_wave"]


def test_sciatic_neuropathy_explains_a_prolonged_tibial_f_wave_and_h_reflex() -> None:
    import yaml

    doc = yaml.safe_load((Path(__file__).parent / "cases" / "sciatic_neuropathy.yaml").read_text())
    for n in doc["ncs"]:
        if n["kind"] == "h_reflex":
            n["sites"][0]["h_latency_ms"] = 36.0  # limit 34 ms
        if n["kind"] == "f_wave":
            n["sites"][0]["f_min_latency_ms"] = 60.0
    s = Study.model_validate(doc)
    result = interpret(s, analyze_study(s))
    imp = only(result, "mononeuropathy")
    assert (imp.nerve, imp.site) == ("sciatic", "sciatic_notch")
    assert {("h_reflex", "h_latency_ms"), ("f_wave", "f_min_latency_ms")} <= set(_late_rows(imp))
    assert not [r for r in result.unexplained if r.get("kind") in ("f_wave", "h_reflex")]


def test_acute_radiculopathy_has_denervation_without_reinnervation() -> None:
    muscles = emg("left", "acute", "TA", "tibialis_posterior", "lumbosacral_paraspinals")
    assert only(run(LEG, muscles), "lumbosacral_radiculopathy").chronicity == "acute"


def test_chronic_radiculopathy_has_reinnervation_without_denervation() -> None:
    muscles = emg("left", "chronic", "TA", "tibialis_posterior", "gluteus_medius")
    assert only(run(LEG, muscles), "lumbosacral_radiculopathy").chronicity == "chronic"


# --- polyneuropathy (clinical.md 4.6, 4.7) ---------------------------------------------------------------


def test_polyneuropathy_needs_the_sural_and_another_nerve_england_2005() -> None:
    sural_only = swap(lower_normal("right"), sural("right", amp=2))
    assert "polyneuropathy" not in codes(run(sural_only, []))
    with_sp = swap(sural_only, superficial_peroneal("right", amp=3))
    assert only(run(with_sp, []), "polyneuropathy").fibers == "sensory"


def test_an_abnormal_sural_on_one_side_only_is_not_polyneuropathy() -> None:
    ncs = swap(lower_normal("right"), sural("right", amp=2), superficial_peroneal("right", amp=3))
    ncs += [sural("left", amp=14)]
    result = run(ncs, [])
    assert "polyneuropathy" not in codes(result)
    assert "one side only" in result.statement


def _demyelinating_arm_and_leg(median_cv: float, peroneal_cv: float) -> list[Doc]:
    return [
        median_motor("right", dml=3.8, amp=8.0, elbow_lat=3.8 + 230 / median_cv),
        peroneal_motor("right", dml=5.0, amp=4.0, bfh_lat=5.0 + 300 / peroneal_cv),
        median_sensory("right"),
        sural("right"),
    ]


def test_efns_cv_at_or_below_70_percent_of_lln_in_two_nerves_is_demyelinating() -> None:
    # median LLN 49 m/s -> 34.3; peroneal LLN 44 m/s -> 30.8
    imp = only(run(_demyelinating_arm_and_leg(33.0, 29.0), []), "polyneuropathy")
    assert (imp.fibers, imp.pathology) == ("motor", "demyelinating")
    assert "efns_pns_2010" in imp.criteria and "I-B" in imp.criteria


def test_uniform_slowing_is_not_called_acquired_forearm_blocks_in_two_nerves_are() -> None:
    uniform = only(run(_demyelinating_arm_and_leg(33.0, 29.0), []), "polyneuropathy")
    assert "acquired" not in uniform.text
    blocks = [
        median_motor("right", dml=3.8, amp=8.0, elbow_amp=3.0),  # 62 % drop in the forearm
        ulnar_motor("right", amp=9.0, be_amp=4.0),  # 56 % drop wrist to below elbow
        median_sensory("right"),
        sural("right"),
    ]
    imp = only(run(blocks, []), "polyneuropathy")
    assert imp.pathology == "demyelinating"
    assert "with conduction block in 2 nerves (acquired demyelination)" in imp.text


def test_cv_at_80_percent_of_lln_is_not_in_the_demyelinating_range() -> None:
    assert "polyneuropathy" not in codes(run(_demyelinating_arm_and_leg(39.5, 35.5), []))


def test_efns_distal_motor_latency_at_150_percent_of_uln() -> None:
    ncs = [
        median_motor("right", dml=6.7),
        ulnar_motor("right", dml=5.0),
        median_sensory("right"),
        ulnar_sensory("right"),
        sensory("median", "right", "digit_4", "wrist", 140, 3.2, 20),
        sensory("ulnar", "right", "digit_4", "wrist", 140, 3.1, 18),
    ]
    imp = only(run(ncs, []), "polyneuropathy")
    assert imp.pathology == "demyelinating" and "I-A" in imp.criteria


def test_efns_excludes_the_median_distal_latency_when_carpal_tunnel_syndrome_is_likely() -> None:
    ncs = [
        median_motor("right", dml=6.7),
        ulnar_motor("right", dml=5.0),
        median_sensory("right"),
        ulnar_sensory("right"),
        sensory("median", "right", "digit_4", "wrist", 140, 4.0, 20),
        sensory("ulnar", "right", "digit_4", "wrist", 140, 3.1, 18),
    ]
    assert "polyneuropathy" not in codes(run(ncs, []))


@pytest.mark.parametrize(("criteria", "called"), [("efns_pns_2010", False), ("ean_pns_2021", True)])
def test_f_wave_latency_125_percent_of_uln_is_demyelinating_only_under_ean_pns_2021(
    criteria: str, called: bool
) -> None:
    # median F ULN 31 ms, ulnar 32 ms: 38.8 / 40 ms = 125% (EFNS needs >=130%, EAN/PNS 2021 >=120%)
    ncs = upper_normal("right")
    ncs = swap(ncs, f_wave("median", "right", 38.8), f_wave("ulnar", "right", 40.0))
    result = run(ncs, [], criteria=criteria)
    assert ("polyneuropathy" in codes(result)) is called


def test_polyneuropathy_severity_convention_mild_moderate_severe() -> None:
    legs = [
        sural("right", amp=2),
        sural("left", amp=2),
        superficial_peroneal("right", amp=3),
        peroneal_motor("right"),
        tibial_motor("right"),
    ]
    assert only(run(legs, []), "polyneuropathy").severity == "mild"
    motor = swap(legs, peroneal_motor("right", amp=1.0))
    assert only(run(motor, []), "polyneuropathy").severity == "moderate"
    arms = [*motor, ulnar_sensory("right", amp=6), median_sensory("right", amp=8)]
    assert only(run(arms, []), "polyneuropathy").severity == "severe"


def test_unknown_demyelination_criteria_set_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown demyelination criteria"):
        run(ARM, [], criteria="made_up")


# --- motor neuron disease (clinical.md 4.8) --------------------------------------------------------------

_REGIONS = ("genioglossus", "FDI", "biceps", "thoracic_paraspinals", "TA", "vastus_lateralis")


def test_mnd_chronic_change_with_fibrillations_in_three_regions() -> None:
    imp = only(run(ARM, emg("right", "mnd", *_REGIONS)), "motor_neuron_disease")
    assert "bulbar" in imp.criteria and "lumbosacral" in imp.criteria


def test_mnd_awaji_fasciculations_count_only_with_chronic_change() -> None:
    assert "motor_neuron_disease" in codes(run(ARM, emg("right", "mnd_fasc", *_REGIONS)))
    fasciculations_only = [
        m
        | {
            "findings": {
                "fasciculations": "2+",
                "muap_amplitude": "normal",
                "muap_duration": "normal",
                "recruitment": "normal",
            }
        }
        for m in emg("right", "normal", *_REGIONS)
    ]
    assert "motor_neuron_disease" not in codes(run(ARM, fasciculations_only))


def _denervated(findings: dict[str, str]) -> list[dict]:
    return [{"muscle": m, "side": "right", "findings": dict(findings)} for m in _REGIONS]


_WIDESPREAD = "point to a widespread disorder of lower motor neurons such as motor neuron disease"


def test_mnd_widespread_fibrillations_and_fasciculations_without_muap_sizes_are_stated_not_called() -> None:
    """Fibrillations/PSWs and fasciculations in 4 regions, MUAP size not assessed in any muscle: no
    impression (Gold Coast/Awaji need chronic change), but the statement names the pattern and the
    limitation says MUAP size was assessed in 0 of the 6 muscles."""
    result = run(
        ARM, _denervated({"fibrillations": "1+", "positive_sharp_waves": "1+", "fasciculations": "1+"})
    )
    assert "motor_neuron_disease" not in codes(result)
    assert "in 4 regions (bulbar, cervical, thoracic, lumbosacral), with fasciculations" in result.statement
    assert _WIDESPREAD in result.statement and "shown in none: the criteria are not met" in result.statement
    assert any("MUAP size was assessed in 0 of the 6 denervated muscles" in x for x in result.limitations)
    sized = _denervated(STATES["fib1"] | {"fasciculations": "1+"})  # MUAP size assessed: normal
    result = run(ARM, sized)
    assert _WIDESPREAD in result.statement
    assert not any("MUAP size was assessed" in x for x in result.limitations)


def test_mnd_widespread_note_needs_fibrillations_and_is_not_made_for_irritable_myopathy() -> None:
    fasciculations_only = run(ARM, _denervated(STATES["normal"] | {"fasciculations": "2+"}))
    irritable = run(ARM, _denervated(STATES["myopathic_irritable"] | {"fasciculations": "1+"}))
    assert _WIDESPREAD not in fasciculations_only.statement
    assert _WIDESPREAD not in irritable.statement


def test_mnd_limb_region_needs_two_muscles_of_different_roots_and_nerves() -> None:
    same_nerve = emg("right", "mnd", "FDI", "ADM", "TA", "vastus_lateralis")  # cervical: both ulnar C8-T1
    assert "motor_neuron_disease" not in codes(run(ARM, same_nerve))


def test_mnd_is_not_called_with_conduction_block_away_from_entrapment_sites() -> None:
    ncs = swap(ARM, median_motor("right", amp=8.0, elbow_amp=2.5), ulnar_motor("right", amp=9.0, be_amp=2.8))
    result = run(ncs, emg("right", "mnd", *_REGIONS))
    assert "motor_neuron_disease" not in codes(result)
    assert "conduction block" in result.statement


# --- myopathy (clinical.md 4.9) --------------------------------------------------------------------------


def test_myopathy_needs_two_muscles_with_short_small_muaps() -> None:
    one = emg("right", "myopathic", "deltoid") + emg("right", "normal", "biceps", "FDI")
    assert "myopathy" not in codes(run(ARM, one))
    two = emg("right", "myopathic", "deltoid", "biceps") + emg("right", "normal", "FDI")
    assert only(run(ARM, two), "myopathy").irritable is False


def test_myopathy_with_fibrillations_is_irritable() -> None:
    muscles = emg("right", "myopathic_irritable", "deltoid", "biceps") + emg("right", "normal", "FDI")
    assert only(run(ARM, muscles), "myopathy").irritable is True


# --- neuromuscular junction (clinical.md 2.7, 4.10, 4.11) -------------------------------------------------


@pytest.mark.parametrize(("decrement", "called"), [(10.0, True), (9.0, False)])
def test_low_rate_decrement_of_10_percent_is_postsynaptic(decrement: float, called: bool) -> None:
    result = run([*ARM, rns("ulnar", "right", "ADM", "wrist", decrement)], [])
    assert ("nmj_postsynaptic" in codes(result)) is called


@pytest.mark.parametrize(
    ("increment", "called", "classic"), [(60.0, True, False), (59.0, False, False), (120.0, True, True)]
)
def test_post_exercise_increment_of_60_percent_is_presynaptic_oh_2005(
    increment: float, called: bool, classic: bool
) -> None:
    ncs = [
        *swap(ARM, ulnar_motor("right", amp=2.0)),
        rns("ulnar", "right", "ADM", "wrist", 15, increment=increment),
    ]
    result = run(ncs, [])
    assert ("nmj_presynaptic" in codes(result)) is called
    if called:
        assert ("classic" in only(result, "nmj_presynaptic").criteria) is classic
        assert "nmj_postsynaptic" not in codes(result)


def test_decrement_with_low_resting_cmap_and_no_exercise_test_is_a_limitation_not_myasthenia() -> None:
    result = run([*swap(ARM, ulnar_motor("right", amp=2.5)), rns("ulnar", "right", "ADM", "wrist", 20)], [])
    assert "nmj_postsynaptic" not in codes(result)
    assert any("presynaptic disorder is not excluded" in lim for lim in result.limitations)


# --- normal, no pattern, limitations, vocabulary ------------------------------------------------------------


def test_a_normal_study_says_normal() -> None:
    result = run(ARM, ARM_MUSCLES)
    assert codes(result) == ["normal"]
    assert result.statement.startswith("Normal study")


def test_a_normal_study_with_increased_polyphasia_alone_says_so_instead_of_all_within_limits() -> None:
    polyphasic = emg("right", "normal", "APB")
    polyphasic[0]["findings"]["polyphasia"] = "increased"
    result = run(ARM, polyphasic + emg("right", "normal", "FDI", "pronator_teres"))
    assert codes(result) == ["normal"]
    assert "all nerve conduction" not in result.statement
    assert "increased polyphasia in right abductor pollicis brevis, which alone is non-specific" in (
        result.statement
    )


def test_latencies_in_a_cool_limb_are_not_interpreted() -> None:
    ncs = swap(ARM, median_sensory("right", peak=3.8), median_motor("right", dml=4.7, elbow_lat=9.3))
    result = run(ncs, ARM_MUSCLES, temperature=(29.5, 31.0))
    assert codes(result) == []
    assert "temperature floor" in result.statement


def test_findings_that_fit_no_pattern_are_stated_plainly() -> None:
    result = run(ARM, emg("right", "fib1", "pronator_teres") + emg("right", "normal", "FDI", "APB"))
    assert codes(result) == []
    assert "fit no recognised pattern: right pronator teres (fibrillations 1+, positive sharp waves 1+)." in (
        result.statement
    )
    assert "neurogenic findings (pronator teres) fit C6 root" in result.statement
    assert result.unexplained and result.unexplained[0]["muscle"] == "pronator_teres"


def test_absent_f_waves_with_a_very_low_cmap_are_a_limitation() -> None:
    ncs = swap(ARM, ulnar_motor("right", amp=0.8), f_wave("ulnar", "right", None))
    result = run(ncs, [])
    assert any("cannot be interpreted" in lim for lim in result.limitations)


def test_impression_outside_the_vocabulary_is_rejected() -> None:
    with pytest.raises(ValueError, match="code"):
        Impression(code="carpal_tunnel")
    with pytest.raises(ValueError, match="root"):
        Impression(code="cervical_radiculopathy", root="L5")
    with pytest.raises(ValueError, match="element"):
        Impression(code="brachial_plexopathy", element="sacral_plexus")


def test_impression_to_dict_leaves_out_unset_attributes() -> None:
    doc = Impression(code="polyneuropathy", fibers="sensory", pathology="axonal", rule="r").to_dict()
    assert doc == {
        "code": "polyneuropathy",
        "fibers": "sensory",
        "pathology": "axonal",
        "evidence": [],
        "rule": "r",
    }


def test_muscles_without_findings_make_the_study_incomplete_not_normal() -> None:
    muscles = [{"muscle": "deltoid", "side": "right", "recordings": [{"condition": "rest", "file": "d.edf"}]}]
    result = run(ARM, muscles)
    assert codes(result) == []
    assert "incomplete" in result.statement
    assert any("without findings" in lim for lim in result.limitations)


def test_automatic_needle_findings_are_used_and_entered_grades_override_them() -> None:
    from types import SimpleNamespace

    from edxkit.model import Findings

    doc = study(
        "T",
        age=50,
        sex="female",
        indication="test",
        ncs=lower_normal("left"),
        emg_=[{"muscle": m, "side": "left"} for m in ("TA", "tibialis_posterior", "gastrocnemius_medial")]
        + [
            {
                "muscle": "gluteus_medius",
                "side": "left",
                "findings": {"fibrillations": 0, "recruitment": "normal", "muap_amplitude": "normal"},
            }
        ],
    )
    s = Study.model_validate(doc)
    neurogenic = Findings(fibrillations="2+", muap_amplitude="increased", recruitment="reduced")
    auto = [
        SimpleNamespace(muscle=m, side="left", findings=neurogenic)
        for m in ("tibialis_anterior", "tibialis_posterior", "gluteus_medius")
    ]
    auto.append(
        SimpleNamespace(
            muscle="gastrocnemius_medial",
            side="left",
            findings=Findings(fibrillations="0", recruitment="normal"),
        )
    )
    result = interpret(s, SimpleNamespace(ncs=analyze_study(s).ncs, emg=auto))  # type: ignore[arg-type]
    imp = only(result, "lumbosacral_radiculopathy")
    assert imp.root == "L5"
    assert not any(row.get("muscle") == "gluteus_medius" for row in imp.evidence)  # entered normal wins


# --- studies without normal limits ------------------------------------------------------------------------

_ORTHODROMIC_SNAP = {
    "nerve": "median",
    "kind": "sensory",
    "side": "right",
    "record": "digit_2",
    "direction": "orthodromic",
    "sites": [{"site": "wrist", "distance_mm": 130, "peak_latency_ms": 3.2, "amplitude_uv": 12}],
}


def test_a_study_without_normal_limits_is_not_called_normal_but_stated_and_limited() -> None:
    """An orthodromic median SNAP of 12 µV has no limit in the (antidromic) packaged table: the study is
    normal by the other findings, but the statement says this one was not judged and a limitation names
    it."""
    result = run([median_motor("right"), _ORTHODROMIC_SNAP], [])
    assert codes(result) == ["normal"]
    assert "right median orthodromic sensory (digit 2) had no normal limits and was not judged" in (
        result.statement
    )
    assert any(
        x.startswith("no normal limits for right median orthodromic sensory (digit 2)")
        for x in result.limitations
    )
    antidromic = run([median_motor("right"), _ORTHODROMIC_SNAP | {"direction": "antidromic"}], [])
    assert "not judged" not in antidromic.statement  # judged by the 20-µV limit: abnormal
    assert codes(antidromic) != ["normal"]


def test_a_study_without_normal_limits_is_named_beside_non_specific_polyphasia_too() -> None:
    polyphasic = emg("right", "normal", "APB")
    polyphasic[0]["findings"]["polyphasia"] = "increased"
    result = run([median_motor("right"), _ORTHODROMIC_SNAP], polyphasic + emg("right", "normal", "FDI"))
    assert codes(result) == ["normal"]
    assert (
        "which alone is non-specific; right median orthodromic sensory (digit 2) had no normal limits and "
        "was not judged." in result.statement
    )
