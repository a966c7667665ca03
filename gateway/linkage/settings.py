"""The ``identity.matching`` block: comparisons, blocking rules, the model file, the threshold::

identity:
  matching:
    model: identity-model.yaml      # written by `c360 identity train`; defaults without it
    link_at: 0.95                   # the match probability a candidate needs
    margin: 3                       # bits the best of two rival candidates must lead by
    comparisons:
      given_name: {kind: name, term_frequency: true}
      family_name: {kind: name, term_frequency: true}
      birth_date: {kind: date}
      national_id: {kind: code}
      postcode: {kind: code}
    blocking:
      - {source: crm, by: [postcode, birth_year]}   # look up by postcode, keep same year
      - {source: crm, by: [national_id]}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.options import Identifier
from gateway.linkage.comparisons import Comparison, ComparisonKind, level_test

__all__ = ["BlockingRule", "ComparisonRule", "MatchingSettings", "default_comparisons"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparisonRule(_Strict):
    """One comparison: the person field it reads (its own name by default), its kind (which
    sets its levels and normal form), optionally its own levels, whether exact agreement
    on a common value weighs less (``term_frequency``), and whether a household shares the
    field (``household``: its agreement is no evidence of the person; by default true of
    family name, phone, address, postcode, city, region and country)."""

    field: Identifier | None = None
    kind: ComparisonKind = "text"
    levels: list[str] | None = None
    normalize: Literal["name", "text", "code", "date", "email", "phone"] | None = None
    term_frequency: bool = False
    household: bool | None = None  # shared by a household; by default, for HOUSEHOLD fields

    @field_validator("levels")
    @classmethod
    def _known(cls, levels: list[str] | None) -> list[str] | None:
        for label in levels or []:
            level_test(label)
        return levels

    def comparison(self, name: str) -> Comparison:
        return Comparison.of(
            name,
            self.field or name,
            self.kind,
            self.levels,
            self.normalize,
            self.term_frequency,
            self.household,
        )


class BlockingRule(_Strict):
    """Where candidates come from: the source's person look-up ``by[0]``, asked with the
    customer's values of that field; any further keys must agree too (``birth_year``, a
    field's exact normal form)."""

    source: Identifier
    by: list[Identifier] = Field(min_length=1, max_length=4)

    @property
    def lookup(self) -> str:
        return self.by[0]

    @property
    def name(self) -> str:
        return f"{self.source}:{'+'.join(self.by)}"


def default_comparisons() -> dict[str, ComparisonRule]:
    return {
        "given_name": ComparisonRule(kind="name", term_frequency=True),
        "family_name": ComparisonRule(kind="name", term_frequency=True),
        "birth_date": ComparisonRule(kind="date"),
        "email": ComparisonRule(kind="exact", normalize="email"),
        "phone": ComparisonRule(kind="exact", normalize="phone"),
        "address_line1": ComparisonRule(kind="text"),
        "postcode": ComparisonRule(kind="code"),
    }


class MatchingSettings(_Strict):
    model: str | None = None
    link_at: float = Field(default=0.95, gt=0, lt=1)
    margin: float = Field(default=3.0, ge=0)
    comparisons: dict[Identifier, ComparisonRule] = Field(
        default_factory=default_comparisons, min_length=1
    )
    blocking: list[BlockingRule] = Field(default_factory=list)
    sample: int = Field(default=5000, ge=10, le=1_000_000)

    def built(self) -> list[Comparison]:
        return [rule.comparison(name) for name, rule in self.comparisons.items()]
