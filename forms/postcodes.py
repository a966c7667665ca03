"""Postcodes in their standard form per country: case, spacing and shape.

A postcode is compared in the form its country's post office writes it, and looked up by its
compact key (no spaces or dashes)::

    >>> postcode("sw1a1aa", "GB")
    'SW1A 1AA'
    >>> postcode("1012 ab", "NL")
    '1012 AB'
    >>> postcode("02134-1234", "US")
    '02134'
    >>> postcode("ABC", "US") is None        # not a US ZIP code: never compared
    True

A value that cannot be a postcode of its country gives None, and is left out of matching.
Where the country is unknown or has no rule here, the form is compact: upper case, without
spaces or dashes (no country tells two postcodes apart by a space alone).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = [
    "COUNTRY_NAMES",
    "POSTCODE_RULES",
    "PostcodeRule",
    "country_code",
    "postcode",
    "postcode_key",
]


@dataclass(frozen=True, slots=True)
class PostcodeRule:
    """A country's postcodes: the compact shape (``pattern``, on upper-case letters and digits
    only) and where the standard form puts its one space or dash (``split`` characters from
    the start, or from the end when negative); ``keep`` trims to the first characters
    (a US ZIP+4 compares as its ZIP code)."""

    pattern: str
    split: int = 0
    joiner: str = " "
    keep: int = 0

    def form(self, compact: str) -> str | None:
        if not re.fullmatch(self.pattern, compact):
            return None
        if self.keep:
            compact = compact[: self.keep]
        if not self.split:
            return compact
        return compact[: self.split] + self.joiner + compact[self.split :]


POSTCODE_RULES: dict[str, PostcodeRule] = {
    "GB": PostcodeRule(r"(GIR0AA|[A-Z]{1,2}\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2})", split=-3),
    "IE": PostcodeRule(r"[AC-FHKNPRTV-Y]\d[\dW][AC-FHKNPRTV-Y\d]{4}", split=3),
    "US": PostcodeRule(r"\d{5}(\d{4})?", keep=5),
    "CA": PostcodeRule(r"[ABCEGHJ-NPRSTVXY]\d[A-Z]\d[A-Z]\d", split=3),
    "NL": PostcodeRule(r"[1-9]\d{3}[A-Z]{2}", split=4),
    "DE": PostcodeRule(r"\d{5}"),
    "FR": PostcodeRule(r"\d{5}"),
    "ES": PostcodeRule(r"\d{5}"),
    "IT": PostcodeRule(r"\d{5}"),
    "BE": PostcodeRule(r"\d{4}"),
    "AT": PostcodeRule(r"\d{4}"),
    "CH": PostcodeRule(r"\d{4}"),
    "DK": PostcodeRule(r"\d{4}"),
    "NO": PostcodeRule(r"\d{4}"),
    "AU": PostcodeRule(r"\d{4}"),
    "SE": PostcodeRule(r"\d{5}", split=3),
    "PL": PostcodeRule(r"\d{5}", split=2, joiner="-"),
    "PT": PostcodeRule(r"\d{7}", split=4, joiner="-"),
    "BR": PostcodeRule(r"\d{8}", split=5, joiner="-"),
    "JP": PostcodeRule(r"\d{7}", split=3, joiner="-"),
}

# Country names and codes as systems write them -> ISO 3166 alpha-2.
COUNTRY_NAMES: dict[str, str] = {
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "usa": "US", "united states": "US", "united states of america": "US", "america": "US",
    "ireland": "IE", "eire": "IE", "canada": "CA", "netherlands": "NL", "holland": "NL",
    "the netherlands": "NL", "nederland": "NL", "germany": "DE", "deutschland": "DE",
    "france": "FR", "spain": "ES", "espana": "ES", "italy": "IT", "italia": "IT",
    "belgium": "BE", "austria": "AT", "switzerland": "CH", "denmark": "DK", "norway": "NO",
    "australia": "AU", "sweden": "SE", "poland": "PL", "portugal": "PT", "brazil": "BR",
    "brasil": "BR", "japan": "JP",
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s\-.]+")


def country_code(value: object) -> str | None:
    """ISO 3166 alpha-2 of a country as written (``"United Kingdom"``, ``"uk"``, ``"GB"``)."""
    text = " ".join(str(value or "").replace(".", "").split()).casefold()
    if not text:
        return None
    if len(text) == 2 and text.isalpha():
        return "GB" if text == "uk" else text.upper()
    return COUNTRY_NAMES.get(text)


def postcode(value: object, country: str | None = None) -> str | None:
    """The standard form of a postcode of ``country`` (ISO alpha-2); None when it cannot be
    one. Without a country, or for one without a rule, compact: ``"ab-12 3"`` -> ``"AB123"``."""
    return _postcode(str(value or ""), country)


@functools.lru_cache(maxsize=65536)  # a postcode is compared with every candidate's
def _postcode(value: str, country: str | None) -> str | None:
    text = value.strip().upper()
    if not text:
        return None
    rule = POSTCODE_RULES.get(country or "")
    if rule is None:
        compact = _SEPARATORS.sub("", text)
        return compact if re.fullmatch(r"[A-Z\d]{2,10}", compact) else None
    return rule.form(_SEPARATORS.sub("", text))


def postcode_key(value: object, country: str | None = None) -> str | None:
    """The compact form a postcode is indexed and looked up by: the standard form without
    spaces or dashes (``"SW1A1AA"``)."""
    form = postcode(value, country)
    return None if form is None else _SEPARATORS.sub("", form)
