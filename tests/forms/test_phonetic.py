from __future__ import annotations

from forms.phonetic import family_key


def test_spellings_that_sound_alike_share_a_key() -> None:
    assert family_key("Meyer") == family_key("Maier") == family_key("MAYER") == "M600"
    assert family_key("Smith") == family_key("Smyth")
    assert family_key("O'Brien") == family_key("OBrien")
    assert family_key("Müller") == family_key("Muller")


def test_particles_are_left_out() -> None:
    assert family_key("van der Berg") == family_key("Berg") == "B620"
    assert family_key("de la Cruz") == family_key("Cruz")


def test_the_american_soundex_h_and_w_rule() -> None:
    assert family_key("Ashcraft") == "A261"
    assert family_key("Tymczak") == "T522"


def test_different_names_have_different_keys() -> None:
    assert family_key("Smith") != family_key("Jones")


def test_nothing_to_sound_is_none() -> None:
    assert family_key("") is None
    assert family_key("123") is None
    assert family_key(None) is None
