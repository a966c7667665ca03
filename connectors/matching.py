"""How a look-up value meets a stored value: exactly, case-folded, as a phone number, as a
prefix, or by a derived key (a postcode's standard form, the sound of a family name). Shared
by the connectors that match locally (SQL, files) and by identity resolution.

Legacy systems store identifiers as clerks typed them (``" Ann.Lee@Example.com"``,
``(217) 670-2732``); a look-up declared with a match mode finds them all the same::

    by:
      email: {column: email, match: casefold}
      phone: {column: phone, match: phone, region: US}
      search: {columns: [first_name, last_name, email], match: prefix}
      postcode: {column: post_code, match: postcode, country: GB}   # "sw1a1aa" finds "SW1A 1AA"
      family_sound: {column: last_name, match: phonetic}            # "Meyer" finds "Maier"

A derived key is computed on both sides: stored values when an export file is indexed at load
or, in SQL, by an expression on the column; asked values before the look-up.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from forms import family_key, postcode_key

__all__ = [
    "Lookup",
    "LookupSpec",
    "MatchMode",
    "match_key",
    "normalize_email",
    "normalize_phone",
    "phone_variants",
]

MatchMode = Literal["exact", "casefold", "phone", "prefix", "postcode", "phonetic"]


def normalize_email(value: str) -> str:
    return value.strip().lower()


@functools.lru_cache(maxsize=65536)
def normalize_phone(value: str, region: str = "US") -> str | None:
    """E.164 (``+12176702732``), or None when the text cannot be a phone number. Kept for the
    numbers seen last: parsing one costs tens of microseconds, and the same come back."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_variants(value: str, region: str = "US") -> list[str]:
    """The ways a system may have stored the number, for an exact ``IN (...)`` look-up."""
    e164 = normalize_phone(value, region)
    if e164 is None:
        return []
    number = phonenumbers.parse(e164)
    formats = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(number, formats.NATIONAL)
    international = phonenumbers.format_number(number, formats.INTERNATIONAL)
    digits = str(number.national_number)
    country = str(number.country_code)
    found = [
        e164,
        national,
        international,
        digits,
        country + digits,
        international.replace("-", " "),
        international.replace(" ", "-"),
    ]
    if len(digits) == 10:
        a, e, n = digits[:3], digits[3:6], digits[6:]
        found += [
            f"({a}) {e}-{n}",
            f"{a}-{e}-{n}",
            f"{a}.{e}.{n}",
            f"{a} {e} {n}",
            f"+{country} {a} {e} {n}",
            f"+{country} ({a}) {e}-{n}",
        ]
    return list(dict.fromkeys(found))


def match_key(
    mode: MatchMode, value: Any, region: str = "US", country: str | None = None
) -> str | None:
    """The form in which a stored or asked value is compared under ``mode``; None never matches.
    ``postcode`` is the compact standard form in ``country`` (:func:`forms.postcode_key`),
    ``phonetic`` the family name's key (:func:`forms.family_key`)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if mode == "exact":
        return text
    if mode == "phone":
        return normalize_phone(text, region)
    if mode == "postcode":
        return postcode_key(text, country)
    if mode == "phonetic":
        return family_key(text)
    return text.casefold()


def _column_shorthand(value: Any) -> Any:
    return {"column": value} if isinstance(value, str) else value


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    columns: list[str] = Field(default_factory=list)
    match: MatchMode = "exact"
    region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    limit: int = Field(default=50, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_or_many(self) -> Lookup:
        if self.match == "prefix":
            if not self.columns and self.column is None:
                raise ValueError("a prefix look-up needs `columns` (or `column`)")
        elif self.column is None or self.columns:
            raise ValueError("needs one `column` (`columns` is for `match: prefix`)")
        return self

    def key(self, value: Any) -> str | None:
        """The value as this look-up compares it (see :func:`match_key`)."""
        return match_key(self.match, value, self.region, self.country)

    def searched(self) -> list[str]:
        """The columns this look-up reads."""
        return self.columns or ([self.column] if self.column else [])


LookupSpec = Annotated[Lookup, BeforeValidator(_column_shorthand)]
