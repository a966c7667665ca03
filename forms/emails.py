"""Email addresses in the form their mailbox is known by.

Case never matters in practice; some providers also ignore dots in the local part and
anything after a ``+`` (a "tag"), and answer to several domains. Which ones is a table a
config may replace (``forms.email_providers``)::

    >>> email_form("Ann.Lee+shop@GoogleMail.com")
    'annlee@gmail.com'
    >>> email_form("Ann.Lee+shop@example.com")
    'ann.lee+shop@example.com'
    >>> email_form("not an address") is None
    True

This is the form addresses are *compared* by; look-ups in a source ask for the address as
written (trimmed, lower case), since that is what the source holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DEFAULT_PROVIDERS", "EmailProvider", "email_form"]

_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


@dataclass(frozen=True, slots=True)
class EmailProvider:
    """How one provider reads the local part: ``dots`` false ignores dots, ``tag`` is the
    character that starts an ignored tag (None: none); ``aliases`` are its other domains,
    read as its own (``googlemail.com`` is ``gmail.com``)."""

    dots: bool = True
    tag: str | None = "+"
    aliases: tuple[str, ...] = field(default=())


DEFAULT_PROVIDERS: Mapping[str, EmailProvider] = {
    "gmail.com": EmailProvider(dots=False, aliases=("googlemail.com",)),
    "outlook.com": EmailProvider(aliases=("hotmail.com", "live.com")),
    "icloud.com": EmailProvider(aliases=("me.com", "mac.com")),
    "fastmail.com": EmailProvider(),
    "protonmail.com": EmailProvider(aliases=("proton.me", "pm.me")),
}


def email_form(
    value: object, providers: Mapping[str, EmailProvider] = DEFAULT_PROVIDERS
) -> str | None:
    """The address as its mailbox is known (see the module's doc); None when ``value`` is not
    an address (no ``@``, no domain, spaces inside)."""
    text = str(value or "").strip().lower()
    if not _SHAPE.match(text):
        return None
    local, _, domain = text.rpartition("@")
    for name, provider in providers.items():
        if domain == name or domain in provider.aliases:
            domain = name
            if provider.tag and provider.tag in local:
                local = local.split(provider.tag, 1)[0]
            if not provider.dots:
                local = local.replace(".", "")
            break
    return f"{local}@{domain}" if local else None
