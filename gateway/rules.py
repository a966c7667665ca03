"""The configured rules of identity resolution and survivorship (the ``identity:`` and
``survivorship:`` blocks of the config)::

    identity:
      identifiers:
        email: {normalize: email, blocked: ["^no-?reply@", "@none\\\\.invalid$"]}
        phone: {normalize: phone, region: US, corroborate: true, conflicts: true,
                max_records: 8}
      max_rounds: 4
      max_records: 50
      fuzzy:
        - {name: dealer_name_address, source: dealer, block_by: postcode, threshold: 0.85}
    survivorship:
      default: most_recent
      attributes:
        email: {priority: [crm, service_desk, loyalty]}
        birth_date: most_frequent
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from connectors.options import Identifier
from gateway.customer_fields import ATTRIBUTES
from gateway.linkage.settings import MatchingSettings

__all__ = [
    "AttributeRule",
    "CustomAttribute",
    "FuzzyRule",
    "IdentifierRule",
    "IdentitySettings",
    "RuleName",
    "SurvivorshipSettings",
]

RuleName = Literal["priority", "most_recent", "most_frequent"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentifierRule(_Strict):
    """One kind of identifier: a canonical person field that sources can be asked by.

    ``corroborate``: a record reached by this identifier alone links only if its name agrees.
    ``conflicts``: a fuzzy candidate holding a value of it that differs from every value the
    customer holds is not linked (people change emails more often than phones).
    """

    normalize: Literal["exact", "casefold", "email", "phone"] = "exact"
    region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    blocked: list[str] = Field(default_factory=list)
    max_records: int = Field(default=10, ge=1)
    corroborate: bool = False
    conflicts: bool = False

    @field_validator("blocked")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return patterns


class FuzzyRule(_Strict):
    """A scored rule for a source that shares no identifier with the others."""

    name: Identifier
    source: Identifier
    block_by: Identifier
    block_field: Identifier | None = None
    threshold: float = Field(default=0.85, gt=0, le=1)
    weights: dict[Identifier, float] = Field(
        default_factory=lambda: {"name": 0.6, "postcode": 0.2, "address_line1": 0.2}
    )

    @property
    def field(self) -> str:
        """The canonical field whose values, taken from the linked records, feed ``block_by``."""
        return self.block_field or self.block_by


def _default_identifiers() -> dict[str, IdentifierRule]:
    return {
        "email": IdentifierRule(normalize="email"),
        "phone": IdentifierRule(normalize="phone", corroborate=True),
    }


class IdentitySettings(_Strict):
    identifiers: dict[Identifier, IdentifierRule] = Field(default_factory=_default_identifiers)
    max_rounds: int = Field(default=4, ge=1, le=20)
    max_records: int = Field(default=50, ge=1, le=10_000)
    name_threshold: float = Field(default=0.85, gt=0, le=1)
    fuzzy: list[FuzzyRule] = Field(default_factory=list)
    matching: MatchingSettings | None = None


class CustomAttribute(_Strict):
    """A person attribute a config adds to the catalogue (``attributes:``), such as a
    national id or a membership number: sources map it, identity may use it as an
    identifier, a look-up or a comparison, and ``Customer.identifiers`` lists its values.
    Its values are personal data: audited and maskable like the customer's own fields;
    ``personal: false`` is refused, since ``identifiers`` lists every custom attribute's
    values under one personal type."""

    description: str = ""
    personal: bool = True

    @field_validator("personal")
    @classmethod
    def _personal(cls, personal: bool) -> bool:
        if not personal:
            raise ValueError(
                "personal: false is not supported: the values of every attribute of your own"
                " are personal data (audited, maskable); leave it out"
            )
        return personal


def _rule_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"rule": value}
    if isinstance(value, dict) and "priority" in value and "rule" not in value:
        return {"rule": "priority", "sources": value["priority"]}
    return value


class _AttributeRule(_Strict):
    rule: RuleName
    sources: list[Identifier] = Field(default_factory=list)


AttributeRule = Annotated[_AttributeRule, BeforeValidator(_rule_shorthand)]


class SurvivorshipSettings(_Strict):
    default: RuleName = "most_recent"
    priority: list[Identifier] = Field(default_factory=list)
    attributes: dict[Identifier, AttributeRule] = Field(default_factory=dict)

    @field_validator("attributes")
    @classmethod
    def _known(cls, attributes: dict[str, Any]) -> dict[str, Any]:
        for name in attributes:
            if name not in _NAMES:
                raise ValueError(f"{name!r} is not a customer attribute ({', '.join(_NAMES)})")
        return attributes

    def rule_for(self, name: str) -> _AttributeRule:
        """The configured rule of the attribute, else its declared default, else ``default``."""
        found = self.attributes.get(name)
        if found is not None:
            return found
        declared = _DECLARED.get(name)
        if declared is not None:
            return _AttributeRule.model_validate({"rule": declared})
        return _AttributeRule(rule=self.default)


# the customer attributes survivorship settles (name and address are settled whole)
_NAMES = tuple(a.name for a in ATTRIBUTES)
_DECLARED = {a.name: a.rule for a in ATTRIBUTES if a.rule is not None}
