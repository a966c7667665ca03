"""How the demo's departmental systems disagree, and how often.

Every rate is the probability that one system's copy of one person shows that kind of mess;
coverage is the share of the population each system knows at all.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from demo.names import GIVEN_NAMES

COVERAGE: dict[str, float] = {
    "crm": 0.90,
    "billing": 0.80,
    "service_desk": 0.40,
    "loyalty": 0.60,
    "dealer": 0.25,
}

RATES: dict[str, float] = {
    "email_case_or_spaces": 0.15,  # "  Ann.Lee@Example.com"
    "nickname": 0.10,  # Robert -> Bob
    "name_typo": 0.04,  # Katherine -> Katherien
    "moved": 0.12,  # people who moved; some systems still hold the old address
    "kept_old_address": 0.35,  # of the moved: a system that never heard of the move
    "family_phone": 0.03,  # two people of one household share one phone number
    "placeholder_email": 0.02,  # noreply@... in place of the real address
    "placeholder_phone": 0.02,  # 000-000-0000 in place of the real number
    "stale_record": 0.05,  # a record not touched for years, with an email since abandoned
    "dealer_no_phone": 0.20,  # dealer owners recorded without any phone
}

PLACEHOLDER_EMAILS = ("noreply@example.com", "no-reply@example.com", "none@none.invalid")
PLACEHOLDER_PHONES = ("000-000-0000", "0000000000", "+1 000 000 0000")


def chance(rng: random.Random, rate: str) -> bool:
    return rng.random() < RATES[rate]


def messy_email(rng: random.Random, email: str) -> str:
    """The address as a careless clerk typed it: mixed case, stray spaces."""
    if chance(rng, "placeholder_email"):
        return rng.choice(PLACEHOLDER_EMAILS)
    if not chance(rng, "email_case_or_spaces"):
        return email
    local, _, domain = email.partition("@")
    styled = rng.choice(
        (
            f"{local.title()}@{domain.title()}",
            email.upper(),
            f" {email} ",
            f"{local.capitalize()}@{domain}  ",
        )
    )
    return styled


def _national(e164: str) -> tuple[str, str, str]:
    digits = e164[-10:]
    return digits[:3], digits[3:6], digits[6:]


PHONE_STYLES: dict[str, Callable[[str], str]] = {
    "paren": lambda p: "({}) {}-{}".format(*_national(p)),
    "intl": lambda p: "+1 {} {} {}".format(*_national(p)),
    "digits": lambda p: "".join(_national(p)),
    "dashes": lambda p: "{}-{}-{}".format(*_national(p)),
    "e164": lambda p: p,
}


def messy_phone(rng: random.Random, e164: str, styles: tuple[str, ...]) -> str:
    """The number in one of the system's habitual formats, or a placeholder."""
    if chance(rng, "placeholder_phone"):
        return rng.choice(PLACEHOLDER_PHONES)
    return PHONE_STYLES[rng.choice(styles)](e164)


def messy_given_name(rng: random.Random, given: str) -> str:
    nicknames = GIVEN_NAMES.get(given, ())
    if nicknames and chance(rng, "nickname"):
        return rng.choice(nicknames)
    if len(given) > 3 and chance(rng, "name_typo"):
        i = rng.randrange(1, len(given) - 1)
        return given[:i] + given[i + 1] + given[i] + given[i + 2 :]
    return given
