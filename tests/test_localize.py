"""Anatomy for localization: root and plexus parsing, nerve segments, and the smallest explaining lesion.

Localization cases follow clinical.md §4.3–4.5 and §5: key negatives decide between root, plexus element
and nerve (abnormal paraspinals → root; abnormal SNAPs → postganglionic; a normal muscle of the same root
through another nerve argues against the root).
"""

from __future__ import annotations

import pytest

from edxkit.anatomy.innervation import expand_roots, muscle_supply, sensory_territory
from edxkit.anatomy.localize import Snap, limb_of_muscle, localize
from edxkit.anatomy.names import muscles
from edxkit.anatomy.segments import affected_by, nerve_segments, peripheral_nerve_of

# --- parsing the innervation table ---------------------------------------------------------------------


def test_root_tokens_expand_ranges_and_skip_cranial_and_segmental() -> None:
    assert expand_roots(["C3-C8"]) == {"C3", "C4", "C5", "C6", "C7", "C8"}
    assert expand_roots(["L1-S1"]) == {"L1", "L2", "L3", "L4", "L5", "S1"}
    assert expand_roots(["XI", "C3", "C4"]) == {"C3", "C4"}
    assert expand_roots(["segmental"]) == frozenset()


def test_posterior_cord_with_upper_trunk_posterior_division_deltoid() -> None:
    assert muscle_supply("deltoid").elements.main == {
        "upper_trunk",
        "upper_trunk_posterior_division",
        "posterior_cord",
    }


def test_medial_plus_lateral_cords_pectoralis_sternal_head() -> None:
    elements = muscle_supply("pectoralis_major_sternal").elements.main
    assert {"medial_cord", "lateral_cord", "lower_trunk", "middle_trunk"} <= elements


def test_c7_via_lateral_cord_is_only_in_the_range_of_flexor_carpi_ulnaris() -> None:
    supply = muscle_supply("flexor_carpi_ulnaris").elements
    assert "lateral_cord" not in supply.main
    assert "lateral_cord" in supply.all
    assert supply.main == {"lower_trunk", "lower_trunk_anterior_division", "medial_cord"}


def test_all_trunks_triceps_main_is_the_middle_trunk() -> None:
    supply = muscle_supply("triceps").elements
    assert "middle_trunk" in supply.main and "upper_trunk" not in supply.main
    assert {"upper_trunk", "lower_trunk"} <= supply.all


def test_root_level_muscles_have_no_plexus_element() -> None:
    for muscle in ("rhomboid_major", "serratus_anterior"):
        supply = muscle_supply(muscle)
        assert supply.root_level and not supply.elements.all


def test_sacral_plexus_muscles_with_l5_fibres_pass_the_lumbosacral_trunk() -> None:
    assert "lumbosacral_trunk" in muscle_supply("tibialis_anterior").elements.main
    assert "lumbosacral_trunk" not in muscle_supply("gastrocnemius_medial").elements.main


def test_paraspinals_are_segmental_over_their_region() -> None:
    supply = muscle_supply("lumbosacral_paraspinals")
    assert supply.segmental and {"L5", "S1"} <= supply.all_roots and not supply.main_roots


def test_snap_territory_by_recording_site() -> None:
    assert sensory_territory("median", "digit_1").roots == {"C6"}  # type: ignore[union-attr]
    assert sensory_territory("median", "digit_3").roots == {"C7"}  # type: ignore[union-attr]
    assert "medial_cord" in sensory_territory("medial_antebrachial_cutaneous").elements  # type: ignore[union-attr]


# --- nerve segments -------------------------------------------------------------------------------------


def test_every_limb_muscle_is_reached_from_some_nerve_segment() -> None:
    reached = {b for row in nerve_segments() for b in row.branches}
    limb = {m for m in muscles() if limb_of_muscle(m) and not muscle_supply(m).segmental}
    assert limb - reached == set()


def test_ulnar_at_elbow_reaches_forearm_and_hand_muscles_and_the_dorsal_ulnar_cutaneous() -> None:
    reached = affected_by("ulnar", "elbow")
    assert {
        "flexor_carpi_ulnaris",
        "first_dorsal_interosseous",
        "snap:dorsal_ulnar_cutaneous",
        "snap:ulnar",
    } <= reached


def test_guyon_canal_spares_the_dorsal_ulnar_cutaneous_and_forearm_muscles() -> None:
    reached = affected_by("ulnar", "wrist")
    assert "snap:dorsal_ulnar_cutaneous" not in reached and "flexor_carpi_ulnaris" not in reached
    assert {"abductor_digiti_minimi_hand", "first_dorsal_interosseous"} <= reached


def test_posterior_interosseous_spares_brachioradialis_ecrl_and_the_superficial_radial() -> None:
    reached = affected_by("posterior_interosseous", "arcade_of_frohse")
    assert not reached & {"brachioradialis", "extensor_carpi_radialis_longus", "snap:superficial_radial"}
    spiral = affected_by("radial", "spiral_groove")
    assert reached < spiral and "triceps" not in spiral


def test_peroneal_at_fibular_head_spares_the_short_head_of_biceps_and_sciatic_reaches_it() -> None:
    fibular = affected_by("peroneal", "fibular_head")
    assert "biceps_femoris_short_head" not in fibular
    assert {"tibialis_anterior", "peroneus_longus", "snap:superficial_peroneal"} <= fibular
    sciatic = affected_by("sciatic", "sciatic_notch")
    assert (
        fibular < sciatic and {"biceps_femoris_short_head", "gastrocnemius_medial", "snap:sural"} <= sciatic
    )
    assert "gluteus_medius" not in sciatic


def test_peripheral_nerve_of_merges_branches_of_one_nerve() -> None:
    assert peripheral_nerve_of("tibialis_anterior") == peripheral_nerve_of("peroneus_longus") == "peroneal"
    assert peripheral_nerve_of("extensor_indicis") == "radial"
    assert peripheral_nerve_of("cervical_paraspinals") == "dorsal_rami"


# --- localization -----------------------------------------------------------------------------------------

C8_MUSCLES = [
    "first_dorsal_interosseous",
    "abductor_digiti_minimi_hand",
    "abductor_pollicis_brevis",
    "extensor_indicis",
    "flexor_pollicis_longus",
]


def best(**kw: object) -> str:
    loc = localize(**kw)  # type: ignore[arg-type]
    assert loc is not None
    return loc.best.label


def test_c7_pattern_with_abnormal_paraspinals_is_the_c7_root() -> None:
    assert (
        best(
            abnormal=["triceps", "flexor_carpi_radialis", "pronator_teres", "cervical_paraspinals"],
            normal=["deltoid", "biceps_brachii", "first_dorsal_interosseous"],
        )
        == "C7 root"
    )


def test_c8_muscles_of_three_nerves_with_normal_snaps_point_to_the_c8_root() -> None:
    assert (
        best(
            abnormal=C8_MUSCLES,
            normal=["triceps"],
            normal_snaps=[Snap("ulnar", "digit_5"), Snap("medial_antebrachial_cutaneous")],
        )
        == "C8 root"
    )


def test_the_same_muscles_with_low_ulnar_and_mabc_snaps_point_to_the_lower_trunk() -> None:
    assert (
        best(
            abnormal=C8_MUSCLES,
            normal=["cervical_paraspinals"],
            abnormal_snaps=[Snap("ulnar", "digit_5"), Snap("medial_antebrachial_cutaneous")],
            normal_snaps=[Snap("median", "digit_2")],
        )
        == "lower trunk"
    )


def test_abnormal_paraspinals_exclude_plexus_and_nerve() -> None:
    loc = localize(abnormal=[*C8_MUSCLES, "cervical_paraspinals"], abnormal_snaps=[Snap("ulnar", "digit_5")])
    assert loc is not None and loc.best.level == "root"
    assert loc.unexplained_snaps == (Snap("ulnar", "digit_5"),)


def test_ulnar_muscles_with_normal_median_and_radial_c8_muscles_are_ulnar_not_c8() -> None:
    found = best(
        abnormal=[
            "first_dorsal_interosseous",
            "abductor_digiti_minimi_hand",
            "flexor_digitorum_profundus_4_5",
        ],
        normal=["abductor_pollicis_brevis", "extensor_indicis", "flexor_carpi_ulnaris"],
        abnormal_snaps=[Snap("ulnar", "digit_5"), Snap("dorsal_ulnar_cutaneous")],
    )
    assert found == "ulnar nerve at elbow"


def test_hand_ulnar_muscles_with_normal_dorsal_ulnar_cutaneous_are_at_the_wrist() -> None:
    found = best(
        abnormal=["first_dorsal_interosseous", "abductor_digiti_minimi_hand"],
        normal=["flexor_digitorum_profundus_4_5", "abductor_pollicis_brevis", "extensor_indicis"],
        abnormal_snaps=[Snap("ulnar", "digit_5")],
        normal_snaps=[Snap("dorsal_ulnar_cutaneous")],
    )
    assert found == "ulnar nerve at wrist"


L5_SNAPS = {"normal_snaps": [Snap("superficial_peroneal"), Snap("sural")]}


def test_l5_peroneal_and_tibial_muscles_with_normal_snaps_are_the_l5_root() -> None:
    assert (
        best(
            abnormal=["tibialis_anterior", "tibialis_posterior", "gluteus_medius"],
            normal=["gastrocnemius_medial", "vastus_lateralis"],
            **L5_SNAPS,
        )
        == "L5 root"
    )


def test_peroneal_muscles_with_normal_tibialis_posterior_and_low_sp_snap_are_the_fibular_head() -> None:
    assert (
        best(
            abnormal=["tibialis_anterior", "extensor_hallucis_longus", "peroneus_longus"],
            normal=["tibialis_posterior", "biceps_femoris_short_head"],
            abnormal_snaps=[Snap("superficial_peroneal")],
        )
        == "peroneal nerve at fibular head"
    )


def test_peroneal_and_tibial_muscles_with_short_head_of_biceps_and_spared_gluteals_are_sciatic() -> None:
    assert (
        best(
            abnormal=["tibialis_anterior", "biceps_femoris_short_head", "gastrocnemius_medial"],
            normal=["gluteus_medius", "gluteus_maximus", "lumbosacral_paraspinals"],
            abnormal_snaps=[Snap("sural"), Snap("superficial_peroneal")],
        )
        == "sciatic nerve at sciatic notch"
    )


def test_l5_muscles_with_an_absent_sp_snap_and_normal_paraspinals_are_the_lumbosacral_trunk() -> None:
    assert (
        best(
            abnormal=["tibialis_anterior", "tibialis_posterior", "gluteus_medius"],
            normal=["gastrocnemius_medial", "lumbosacral_paraspinals"],
            abnormal_snaps=[Snap("superficial_peroneal")],
            normal_snaps=[Snap("sural")],
        )
        == "lumbosacral trunk"
    )


def test_c5_c6_muscles_with_low_labc_and_radial_snaps_spare_rhomboid_upper_trunk() -> None:
    assert (
        best(
            abnormal=["deltoid", "biceps_brachii", "infraspinatus"],
            normal=["rhomboid_major", "serratus_anterior", "cervical_paraspinals"],
            abnormal_snaps=[Snap("lateral_antebrachial_cutaneous"), Snap("superficial_radial")],
        )
        == "upper trunk"
    )


def test_quadriceps_with_normal_adductor_and_iliopsoas_are_femoral_at_the_inguinal_ligament() -> None:
    assert best(
        abnormal=["vastus_lateralis", "vastus_medialis", "rectus_femoris"],
        normal=["adductor_longus", "iliopsoas"],
        abnormal_snaps=[Snap("saphenous")],
    ) == ("femoral nerve at inguinal")


def test_two_adjacent_roots_when_no_single_site_explains_l5_and_s1() -> None:
    loc = localize(
        abnormal=[
            "tibialis_posterior",
            "gluteus_medius",
            "gastrocnemius_medial",
            "gluteus_maximus",
            "lumbosacral_paraspinals",
        ],
        **L5_SNAPS,
    )  # type: ignore[arg-type]
    assert loc is not None and loc.best.roots == ("L5", "S1")


def test_equally_good_sites_are_reported_as_alternatives() -> None:
    loc = localize(abnormal=["deltoid", "biceps_brachii", "infraspinatus"])
    assert loc is not None and loc.alternatives


@pytest.mark.parametrize(
    "kw",
    [
        {"abnormal": []},
        {"abnormal": ["first_dorsal_interosseous", "tibialis_anterior"]},  # two limbs
    ],
)
def test_nothing_to_localize_gives_none(kw: dict[str, object]) -> None:
    assert localize(**kw) is None  # type: ignore[arg-type]
