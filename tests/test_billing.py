"""CPT derivation, worked examples from clinical.md §6 (counting rules, code ranges, 5/3/4 rule, 95937).

No AMA descriptor text is used; codes are checked by number only.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "cases"))

from builders import (
    emg,
    f_wave,
    h_reflex,
    median_motor,
    median_sensory,
    peroneal_motor,
    radial_sensory,
    rns,
    sural,
    tibial_motor,
    ulnar_motor,
    ulnar_sensory,
)

from edxkit.coding import Billing, default_rules, derive_billing, load_rules
from edxkit.coding.rules import NcsCode
from edxkit.model import Study

Doc = dict[str, Any]


def bill(ncs: list[Doc], muscles: list[Doc] | None = None, *, indication: str = "test", **kw: Any) -> Billing:
    doc = {
        "schema": "edxkit.study/1",
        "id": "B",
        "patient": {"id": "P", "age": 50},
        "performed": "2026-11-20",
        "indication": indication,
        "ncs": ncs,
        "emg": muscles or [],
    }
    return derive_billing(Study.model_validate(doc), **kw)


def lines(billing: Billing) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(line.code, line.units, line.modifiers) for line in billing.lines]


FIVE_ARM_MUSCLES = (
    "APB",
    "FDI",
    "pronator_teres",
    "biceps",
    "triceps",
)  # median, ulnar, MC, radial: 4 nerves


# --- NCS count (clinical.md 6.1) --------------------------------------------------------------------------


def test_four_motor_with_two_f_waves_and_three_sensory_on_one_side_is_seven_studies_95910() -> None:
    ncs = [
        median_motor("right"),
        ulnar_motor("right"),
        peroneal_motor("right"),
        tibial_motor("right"),
        f_wave("median", "right", 27),
        f_wave("ulnar", "right", 28),
        median_sensory("right"),
        ulnar_sensory("right"),
        sural("right"),
    ]
    result = bill(ncs)
    assert result.details["ncs_studies"] == 7
    assert lines(result) == [("95910", 1, ())]


@pytest.mark.parametrize(
    ("n", "code"),
    [
        (1, "95907"),
        (2, "95907"),
        (3, "95908"),
        (4, "95908"),
        (5, "95909"),
        (6, "95909"),
        (7, "95910"),
        (8, "95910"),
        (9, "95911"),
        (10, "95911"),
        (11, "95912"),
        (12, "95912"),
        (13, "95913"),
        (20, "95913"),
    ],
)
def test_ncs_code_series_by_study_count(n: int, code: str) -> None:
    assert next(c for c in default_rules().ncs_codes if c.covers(n)).code == code


def test_several_stimulation_sites_of_one_nerve_are_one_study() -> None:
    assert bill([ulnar_motor("right")]).details["ncs_studies"] == 1  # wrist, below and above elbow


def test_motor_and_sensory_of_the_same_nerve_are_two_studies() -> None:
    assert bill([median_motor("right"), median_sensory("right")]).details["ncs_studies"] == 2


def test_left_and_right_count_separately_and_bilateral_h_reflex_is_two() -> None:
    result = bill([median_motor("right"), median_motor("left"), h_reflex("right"), h_reflex("left")])
    assert result.details["ncs_studies"] == 4
    assert lines(result) == [("95908", 1, ())]


def test_f_wave_without_its_motor_study_counts_as_the_motor_study() -> None:
    assert bill([f_wave("tibial", "right", 48)]).details["ncs_studies"] == 1


def test_median_motor_to_second_lumbrical_is_a_distinct_nerve_appendix_j() -> None:
    lumbrical = {
        "nerve": "median",
        "kind": "motor",
        "side": "right",
        "record": "second_lumbrical",
        "sites": [{"site": "wrist", "distance_mm": 100, "onset_latency_ms": 3.4, "amplitude_mv": 2.0}],
    }
    assert bill([median_motor("right"), lumbrical]).details["ncs_studies"] == 2


def test_repetitive_stimulation_is_95937_per_nerve_not_an_ncs_study() -> None:
    result = bill(
        [rns("ulnar", "right", "ADM", "wrist", 5), rns("spinal_accessory", "right", "trapezius", "neck", 4)]
    )
    assert lines(result) == [("95937", 2, ())]


def test_more_than_four_rns_nerves_is_a_warning() -> None:
    ncs = [rns(n, s, "ADM", "wrist", 5) for n in ("ulnar", "median", "radial") for s in ("left", "right")]
    assert any("RNS" in w for w in bill(ncs).warnings)


# --- needle EMG (clinical.md 6.2) --------------------------------------------------------------------------


def test_five_muscles_from_three_nerves_with_ncs_is_complete_95886_with_laterality() -> None:
    result = bill([median_motor("right")], emg("right", "normal", *FIVE_ARM_MUSCLES))
    assert lines(result) == [("95907", 1, ()), ("95886", 1, ("RT",))]


def test_five_muscles_of_two_nerves_but_four_levels_is_complete() -> None:
    muscles = emg("right", "normal", "FDI", "ADM", "FCU", "APB", "pronator_teres")  # C6 C7 C8 T1
    result = bill([median_motor("right")], muscles)
    ext = result.details["extremities"][0]
    assert (ext["nerves"], ext["levels"], ext["complete"]) == (2, 4, True)


def test_five_muscles_of_two_nerves_and_two_levels_is_limited_95885() -> None:
    muscles = emg("left", "normal", "FDI", "ADM", "adductor_pollicis", "FCU", "APB")  # ulnar + median, C8 T1
    assert lines(bill([median_motor("left")], muscles))[-1] == ("95885", 1, ("LT",))


def test_four_muscles_is_limited_and_paraspinals_count_only_when_configured() -> None:
    muscles = emg("right", "normal", "APB", "FDI", "biceps", "triceps", "cervical_paraspinals")
    assert lines(bill([median_motor("right")], muscles))[-1] == ("95885", 1, ("RT",))
    rules = default_rules()
    needle = {**rules.needle, "paraspinals_count_toward_complete": True}
    modified = dataclasses.replace(rules, needle=needle)
    assert lines(bill([median_motor("right")], muscles, rules=modified))[-1] == ("95886", 1, ("RT",))


def test_two_extremities_with_ncs_are_one_add_on_unit_each() -> None:
    muscles = emg("right", "normal", *FIVE_ARM_MUSCLES) + emg("left", "normal", "APB", "FDI")
    assert lines(bill([median_motor("right")], muscles))[1:] == [("95886", 1, ("RT",)), ("95885", 1, ("LT",))]


def test_without_ncs_complete_extremities_are_one_code_by_count() -> None:
    one = bill([], emg("right", "normal", *FIVE_ARM_MUSCLES))
    assert lines(one) == [("95860", 1, ())]
    two = bill([], emg("right", "normal", *FIVE_ARM_MUSCLES) + emg("left", "normal", *FIVE_ARM_MUSCLES))
    assert lines(two) == [("95861", 1, ())]
    legs = ("TA", "gastrocnemius_medial", "vastus_lateralis", "gluteus_medius", "tibialis_posterior")
    four = bill(
        [],
        [
            m
            for side in ("left", "right")
            for m in emg(side, "normal", *FIVE_ARM_MUSCLES) + emg(side, "normal", *legs)
        ],
    )
    assert lines(four) == [("95864", 1, ())]


def test_without_ncs_a_limited_extremity_is_95870() -> None:
    result = bill([], emg("right", "normal", *FIVE_ARM_MUSCLES) + emg("left", "normal", "APB", "FDI"))
    assert lines(result) == [("95860", 1, ()), ("95870", 1, ("LT",))]


def test_paraspinals_alone_are_95870_without_ncs_and_95887_with_ncs() -> None:
    muscles = emg("right", "normal", "lumbosacral_paraspinals")
    assert lines(bill([], muscles)) == [("95870", 1, ())]
    assert lines(bill([sural("right")], muscles)) == [("95907", 1, ()), ("95887", 1, ())]


def test_related_paraspinals_are_included_in_the_extremity_code() -> None:
    muscles = emg("right", "normal", *FIVE_ARM_MUSCLES, "cervical_paraspinals")
    assert lines(bill([median_motor("right")], muscles)) == [("95907", 1, ()), ("95886", 1, ("RT",))]


def test_cranial_muscles_without_ncs_unilateral_95867_bilateral_95868() -> None:
    assert lines(bill([], emg("right", "normal", "trapezius", "orbicularis_oculi"))) == [("95867", 1, ())]
    both = emg("right", "normal", "orbicularis_oculi") + emg("left", "normal", "orbicularis_oculi")
    assert lines(bill([], both)) == [("95868", 1, ())]


def test_thoracic_paraspinals_without_ncs_are_95869() -> None:
    assert lines(bill([], emg("right", "normal", "thoracic_paraspinals"))) == [("95869", 1, ())]


# --- AANEM maximum studies (clinical.md 6.3) --------------------------------------------------------------


def test_carpal_tunnel_unilateral_allows_four_sensory_studies() -> None:
    sensory = [
        median_sensory("right"),
        ulnar_sensory("right"),
        radial_sensory("right"),
        {
            "nerve": "median",
            "kind": "sensory",
            "side": "right",
            "record": "digit_4",
            "sites": [{"site": "wrist", "distance_mm": 140, "peak_latency_ms": 3.2, "amplitude_uv": 20}],
        },
    ]
    ok = bill([median_motor("right"), *sensory], indication="Carpal tunnel syndrome, right")
    assert ok.details["indication"] == "carpal_tunnel_unilateral"
    assert ok.warnings == []


def test_radiculopathy_with_three_sensory_studies_exceeds_the_aanem_maximum_of_two() -> None:
    ncs = [sural("right"), sural("left"), median_sensory("right")]
    result = bill(ncs, indication="Low back pain radiating to the leg")
    assert result.details["indication"] == "radiculopathy"
    assert any("3 sensory NCS exceed the usual maximum of 2" in w for w in result.warnings)


def test_painless_weakness_is_not_read_as_pain() -> None:
    """'Painless' starts with 'pain': the weakness row applies, not the pain/numbness/tingling one."""
    ncs = [median_motor("right"), peroneal_motor("right")]
    result = bill(ncs, indication="Progressive painless weakness and wasting of the right hand and leg")
    assert result.details["indication"] == "weakness_fatigue_cramps_twitching_focal"
    assert (
        bill(ncs, indication="Pain in the right hand").details["indication"]
        == "pain_numbness_tingling_unilateral"
    )


def test_explicit_indication_wins_over_the_guess() -> None:
    ncs = [median_motor("right"), ulnar_motor("right"), peroneal_motor("right")]
    doc = {
        "schema": "edxkit.study/1",
        "id": "B",
        "patient": {"id": "P", "age": 50},
        "performed": "2026-11-20",
        "indication": "weakness",
        "ncs": ncs,
    }
    billing = derive_billing(Study.model_validate(doc), indication="myopathy")
    assert billing.details["indication"] == "myopathy"
    assert any("3 motor NCS (with or without F) exceed the usual maximum of 2" in w for w in billing.warnings)


def test_unrecognised_indication_skips_the_check_with_a_warning() -> None:
    assert bill([sural("right")], indication="").warnings == [
        "AANEM maximum-studies check skipped: indication not recognised"
    ]


# --- rules table -------------------------------------------------------------------------------------------


def test_rules_table_is_versioned_and_loadable_from_a_file(tmp_path: Path) -> None:
    assert default_rules().version == "2026.2"
    text = (Path(__file__).resolve().parents[1] / "src/edxkit/coding/cpt_rules.yaml").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace('version: "2026.2"', 'version: "lab-1"'), encoding="utf-8")
    assert load_rules(path).version == "lab-1"


def test_open_ended_ncs_code_covers_any_larger_count() -> None:
    assert NcsCode("95913", 13, None, "V").covers(40)


def test_billing_to_dict_is_json_ready() -> None:
    doc = bill([median_motor("right")], emg("right", "normal", "APB")).to_dict()
    assert json.loads(json.dumps(doc))["lines"] == [
        {"code": "95907", "units": 1, "modifiers": []},
        {"code": "95885", "units": 1, "modifiers": ["RT"]},
    ]
    assert doc["rules_version"] == "2026.2"


def test_symptoms_only_indication_uses_the_most_permissive_aanem_row() -> None:
    ncs = [median_motor("right"), peroneal_motor("right"), sural("right")]
    muscles = [{"muscle": "TA", "side": "right", "findings": {"fibrillations": "0"}}]
    text = "Progressive weakness of arms and legs and numbness over 4 months"
    result = bill(ncs, muscles, indication=text)
    assert result.details["indication"] == "weakness_fatigue_cramps_twitching_general"  # not numbness, 1 limb
    assert bill(ncs, muscles, indication="Numbness of the right hand").details["indication"] == (
        "pain_numbness_tingling_unilateral"
    )
