from __future__ import annotations

import pytest

from forms import NameVariants
from gateway.names import PersonName, name_of, name_similarity

FORMERLY_BUILT_IN = [
    ("bob", "robert"),
    ("liam", "william"),
    ("kat", "katherine"),
    ("sasha", "alexander"),
    ("pepe", "jose"),
    ("fanny", "francoise"),
    ("millie", "amelia"),
    ("sofi", "sofia"),
    ("annie", "ann"),
    ("luke", "lucas"),
]


@pytest.mark.parametrize(("nickname", "formal"), FORMERLY_BUILT_IN)
def test_nicknames_agree_with_their_formal_names(nickname: str, formal: str) -> None:
    assert name_similarity(PersonName(nickname, "Lee"), PersonName(formal.title(), "LEE")) == 1.0


def test_household_members_do_not_agree() -> None:
    assert name_similarity(PersonName("Ann", "Lee"), PersonName("Bob", "Lee")) < 0.85


def test_particles_and_spacing_of_family_names_do_not_matter() -> None:
    assert (
        name_similarity(PersonName("Jan", "van der Berg"), PersonName("Jan", "Vanderberg")) == 1.0
    )


def test_variants_given_by_the_caller() -> None:
    ours = NameVariants.built_in().extended([["zebulon", "zeb"]])
    zeb, zebulon = PersonName("Zeb", "Pike"), PersonName("Zebulon", "Pike")
    assert name_similarity(zeb, zebulon) < 0.85
    assert name_similarity(zeb, zebulon, ours) == 1.0


def test_a_name_in_one_field() -> None:
    assert name_of({"full_name": "Lee, Annie"}) == PersonName("Annie", "Lee")
    assert name_of({"given_name": "Ann"}) == PersonName("Ann", None)
