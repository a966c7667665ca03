"""Standard forms: how c360 writes a person's facts for comparison, whatever the system.

Pure functions over text, one module per concern: :mod:`forms.names` (case, accents,
particles, names in one field), :mod:`forms.nicknames` (equivalent given names),
:mod:`forms.postcodes`, :mod:`forms.streets`, :mod:`forms.emails`, :mod:`forms.phonetic`
(a family name's sound), :mod:`forms.dates`. The raw value is what answers and provenance
show; these forms are what matching compares and derived look-ups index.
"""

from __future__ import annotations

from forms.dates import check_format, read_date
from forms.emails import DEFAULT_PROVIDERS, EmailProvider, email_form
from forms.names import (
    NameParts,
    NamePattern,
    family_core,
    family_form,
    given_form,
    plain,
    split_name,
)
from forms.nicknames import NameFileError, NameVariants, read_groups
from forms.phonetic import family_key
from forms.postcodes import country_code, postcode, postcode_key
from forms.standard import standard_form
from forms.streets import StreetLine, split_street, street_form

__all__ = [
    "DEFAULT_PROVIDERS",
    "EmailProvider",
    "NameFileError",
    "NameParts",
    "NamePattern",
    "NameVariants",
    "StreetLine",
    "check_format",
    "country_code",
    "email_form",
    "family_core",
    "family_form",
    "family_key",
    "given_form",
    "plain",
    "postcode",
    "postcode_key",
    "read_date",
    "read_groups",
    "split_name",
    "split_street",
    "standard_form",
    "street_form",
]
