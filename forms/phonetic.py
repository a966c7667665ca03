"""A phonetic key of family names, for looking people up by how their name sounds.

The key is American Soundex (as ``jellyfish`` computes it, the H/W rule included) of the
family name's standard form without its leading particles, so that spellings that sound
alike share a key::

    >>> family_key("Meyer"), family_key("Maier"), family_key("MAYER")
    ('M600', 'M600', 'M600')
    >>> family_key("van der Berg"), family_key("Berg")
    ('B620', 'B620')
    >>> family_key("O'Brien") == family_key("OBrien")
    True

Soundex is coarse on purpose: it finds candidates (a blocking key), which scoring then tells
apart. It is the key PostgreSQL's ``fuzzystrmatch`` computes with ``soundex()``.
"""

from __future__ import annotations

import jellyfish

from forms.names import family_core

__all__ = ["family_key"]


def family_key(value: object) -> str | None:
    """The phonetic key of a family name; None when it holds no letter to sound."""
    core = "".join(ch for ch in family_core(str(value or "")) if "a" <= ch <= "z")
    return jellyfish.soundex(core) if core else None
