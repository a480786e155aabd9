"""Anatomy tables and normalization of muscle, nerve and site names."""

from __future__ import annotations

import csv
from importlib.resources import files

import pytest

from edxkit.anatomy.names import (
    Muscle,
    UnknownIdError,
    muscles,
    nerves,
    normalize_muscle,
    normalize_nerve,
    normalize_site,
    sites,
)


def _aliases(filename: str) -> list[str]:
    with files("edxkit.anatomy").joinpath(filename).open(encoding="utf-8", newline="") as handle:
        return [alias for row in csv.DictReader(handle) for alias in row["aliases"].split()]


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ADM", "abductor_digiti_minimi_hand"),
        ("FDI", "first_dorsal_interosseous"),
        ("APB", "abductor_pollicis_brevis"),
        ("Medial gastrocnemius", "gastrocnemius_medial"),
        ("medial_gastrocnemius", "gastrocnemius_medial"),
        ("medial-gastrocnemius", "gastrocnemius_medial"),
        ("  tib. ant ", "tibialis_anterior"),
        ("EIP", "extensor_indicis"),
        ("FDP 2/3", "flexor_digitorum_profundus_2_3"),
    ],
)
def test_muscle_aliases_map_to_canonical_id_case_insensitively(typed: str, canonical: str) -> None:
    assert normalize_muscle(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("fibular", "peroneal"),
        ("Deep peroneal", "peroneal"),
        ("superficial fibular", "superficial_peroneal"),
        ("LABC", "lateral_antebrachial_cutaneous"),
        ("radial sensory", "superficial_radial"),
        ("DUC", "dorsal_ulnar_cutaneous"),
    ],
)
def test_nerve_aliases_map_to_canonical_id(typed: str, canonical: str) -> None:
    assert normalize_nerve(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("BE", "below_elbow"),
        ("ae", "above_elbow"),
        ("Erb's point", "erb_point"),
        ("erb", "erb_point"),
        ("BFH", "below_fibular_head"),
        ("pop fossa", "popliteal_fossa"),
        ("D2", "digit_2"),
        ("index finger", "digit_2"),
    ],
)
def test_site_aliases_map_to_canonical_id(typed: str, canonical: str) -> None:
    assert normalize_site(typed) == canonical


def test_canonical_ids_pass_through_unchanged() -> None:
    for muscle_id in muscles():
        assert normalize_muscle(muscle_id) == muscle_id
    for nerve_id in nerves():
        assert normalize_nerve(nerve_id) == nerve_id
    for site_id in sites():
        assert normalize_site(site_id) == site_id


def test_unknown_muscle_error_names_the_closest_ids() -> None:
    with pytest.raises(UnknownIdError) as caught:
        normalize_muscle("first_dorsal_interoseus")
    message = str(caught.value)
    assert message.startswith("unknown muscle 'first_dorsal_interoseus'; closest known: ")
    assert "first_dorsal_interosseous" in message
    assert caught.value.suggestions[0] == "first_dorsal_interosseous"


def test_unknown_muscle_error_suggests_at_most_three_distinct_ids() -> None:
    with pytest.raises(UnknownIdError) as caught:
        normalize_muscle("gastrocnemus")
    suggestions = caught.value.suggestions
    assert 1 <= len(suggestions) <= 3
    assert len(set(suggestions)) == len(suggestions)
    assert set(suggestions) <= set(muscles())


def test_unknown_muscle_with_nothing_close_points_to_the_table() -> None:
    with pytest.raises(UnknownIdError, match=r"known muscles are listed in edxkit/anatomy/muscles\.csv"):
        normalize_muscle("xyzzy")


def test_unknown_nerve_raises_value_error_with_suggestion() -> None:
    with pytest.raises(ValueError, match=r"^unknown nerve 'meridian'; closest known: median"):
        normalize_nerve("meridian")


def test_unlisted_snake_case_site_is_accepted_normalized() -> None:
    assert normalize_site("mid_forearm") == "mid_forearm"
    assert normalize_site("Mid forearm") == "mid_forearm"


@pytest.mark.parametrize("typed", ["??", "", "   ", "3rd"])
def test_site_that_is_not_snake_case_is_rejected(typed: str) -> None:
    with pytest.raises(UnknownIdError):
        normalize_site(typed)


def test_muscle_table_has_at_least_sixty_muscles() -> None:
    assert len(muscles()) >= 60
    assert all(isinstance(muscle, Muscle) for muscle in muscles().values())


def test_every_muscle_has_a_nerve_and_roots() -> None:
    for muscle in muscles().values():
        assert muscle.nerve, muscle.id
        assert muscle.main_roots, muscle.id
        assert muscle.all_roots, muscle.id
        assert muscle.source, muscle.id


def test_root_tokens_are_kept_as_written() -> None:
    table = muscles()
    assert table["first_dorsal_interosseous"].main_roots == ("C8", "T1")
    assert table["trapezius"].all_roots == ("XI", "C3", "C4")
    assert table["cervical_paraspinals"].main_roots == ("segmental",)
    assert table["cervical_paraspinals"].all_roots == ("C3-C8",)


def test_nerve_kinds_and_limbs_are_from_the_allowed_sets() -> None:
    for nerve in nerves().values():
        assert nerve.kind in {"motor", "sensory", "mixed"}, nerve.id
        assert nerve.limb in {"upper", "lower", "head_neck", "trunk"}, nerve.id


@pytest.mark.parametrize(
    ("filename", "ids"),
    [("muscles.csv", muscles), ("nerves.csv", nerves), ("sites.csv", sites)],
)
def test_aliases_are_unique_and_never_another_canonical_id(filename: str, ids) -> None:
    aliases = _aliases(filename)
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(ids())


def test_returned_tables_are_copies() -> None:
    muscles().clear()
    nerves().clear()
    assert muscles()
    assert nerves()


def test_alias_naming_another_row_is_rejected_at_load_time() -> None:
    from edxkit.anatomy import names

    rows = ({"muscle": "deltoid", "aliases": "delt"}, {"muscle": "triceps", "aliases": "Deltoid"})
    table = names._Table("muscles.csv", rows, {})
    names._add_ids(table, "muscle")
    with pytest.raises(RuntimeError, match=r"line 3 \('triceps'\): alias 'Deltoid' already names"):
        names._add_aliases(table, "muscle")
