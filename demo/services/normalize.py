"""How the demo systems match a look-up value, as their own (lenient) search boxes do."""

from __future__ import annotations

from collections.abc import Callable


def exact(value: str) -> str:
    return value


def email(value: str) -> str:
    return value.strip().lower()


def phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[-10:]


def family_name(value: str) -> str:
    """``"Lee, Ann"`` or ``"lee"`` -> ``"lee"``: dealers file owners as "Family, Given"."""
    return value.split(",", 1)[0].strip().casefold()


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "exact": exact,
    "email": email,
    "phone": phone,
    "name": family_name,
}
