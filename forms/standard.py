"""The standard form of a canonical person field, by the field's name: what matching compares
where two systems write one fact differently.

    >>> standard_form("postcode", "sw1a1aa", country="GB")
    'SW1A 1AA'
    >>> standard_form("address_line1", "12 High Street")
    '12 high st'
    >>> standard_form("birth_date", "1984-03-07")
    '1984-03-07'

A field without a standard form of its own is compared plain (case, accents, spacing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from forms.dates import read_date
from forms.emails import DEFAULT_PROVIDERS, EmailProvider, email_form
from forms.names import family_form, plain
from forms.postcodes import country_code, postcode
from forms.streets import street_form

__all__ = ["STANDARD_FORMS", "standard_form"]


def _birth_date(value: object, country: str | None) -> str | None:
    found = read_date(value)
    return found.isoformat() if isinstance(found, date) else None


def _plain(value: object, country: str | None) -> str | None:
    return plain(str(value or "")) or None


STANDARD_FORMS: Mapping[str, Callable[[object, str | None], str | None]] = {
    "postcode": lambda value, country: postcode(value, country),
    "address_line1": lambda value, country: street_form(str(value or "")),
    "address_line2": lambda value, country: street_form(str(value or "")),
    "family_name": lambda value, country: family_form(str(value or "")) or None,
    "given_name": _plain,
    "birth_date": _birth_date,
    "country": lambda value, country: country_code(value),
}


def standard_form(
    field: str,
    value: object,
    *,
    country: str | None = None,
    providers: Mapping[str, EmailProvider] = DEFAULT_PROVIDERS,
) -> str | None:
    """The standard form of ``value`` as the canonical ``field`` (None: nothing to compare).
    ``country`` (ISO alpha-2) is where a postcode is from."""
    if value is None:
        return None
    if field == "email":
        return email_form(value, providers)
    return STANDARD_FORMS.get(field, _plain)(value, country)
