"""The ``security:`` block of the config: how callers authenticate and what each role may do.

::

    security:
      enabled: true
      max_body_bytes: 1000000            # with the limits below: always on, even when disabled
      limits: {depth: 15, aliases: 30, tokens: 5000, cost: 50000, repeats: 10}
      failed_auth: {rate: 12/m, burst: 10}   # per client address
      api_keys: {store: sqlite+aiosqlite:///keys.db, cache: 1s}
      jwt: {secret: "${JWT_SECRET}", issuer: https://idp.example, audience: c360,
            roles_claim: roles}
      audit: {path: audit.log}           # or path: "-" for stdout
      roles:
        agent: {sources: "*", limits: {depth: 12}}
        dealer:
          sources: [dealer, dealer_visits, crm]
          row_scope: dealer              # only customers linked to a record of its dealer id
          deny: [Customer.birthDate, Customer.identities]
          mask: {Customer.phone: last4, Customer.email: domain}
          introspection: false
          limits: {depth: 8, aliases: 10, tokens: 2000, cost: 5000, rate: 10/s}
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from connectors.options import Duration

__all__ = ["FailureLimit", "Limits", "QueryLimits", "RolePolicy", "SecuritySettings"]

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|m|h)\s*$")


def _rate(value: Any) -> Any:
    """``10/s``, ``600/m`` -> requests per second."""
    if isinstance(value, str):
        match = _RATE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a rate such as 10/s or 600/m")
        return float(match.group(1)) / {"s": 1, "m": 60, "h": 3600}[match.group(2)]
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QueryLimits(_Strict):
    """Bounds on one GraphQL document, checked before it is parsed (tokens) and before it is
    validated (the rest). Always on, security or not; a role's own limits only tighten them."""

    depth: int = Field(default=15, ge=1, le=100)
    aliases: int = Field(default=30, ge=0, le=1000)
    tokens: int = Field(default=5000, ge=10, le=1_000_000)
    cost: int = Field(default=50_000, ge=1)
    repeats: int = Field(default=10, ge=1, le=1000)  # the same field in one selection

    def tightened(self, role: QueryLimits | None) -> QueryLimits:
        """These limits, with each one lowered where the role's is lower."""
        if role is None:
            return self
        names = QueryLimits.model_fields
        return QueryLimits(**{n: min(getattr(self, n), getattr(role, n)) for n in names})


class Limits(QueryLimits):
    rate: Annotated[float, BeforeValidator(_rate)] = 50.0  # requests per second
    burst: int = Field(default=100, ge=1)


class FailureLimit(_Strict):
    """Failed authentications per client address: a token bucket, refused with 429 when empty."""

    rate: Annotated[float, BeforeValidator(_rate)] = 0.2  # one more try each 5 s
    burst: int = Field(default=10, ge=1)


Mask = Literal["last4", "domain", "redact"]


class RolePolicy(_Strict):
    sources: list[str] | Literal["*"] = "*"
    allow: list[str] = Field(default_factory=lambda: ["*"])
    deny: list[str] = Field(default_factory=list)
    mask: dict[str, Mask] = Field(default_factory=dict)
    row_scope: Literal["dealer"] | None = None
    introspection: bool = True
    trusted_only: bool = False
    source_status: bool | None = None  # extensions.sources; default: not for row-scoped roles
    limits: Limits = Field(default_factory=Limits)

    @property
    def shows_source_status(self) -> bool:
        """Whether answers carry ``extensions.sources``: for a row-scoped role, which sources
        were asked, failed or answered from cache tells customers outside its scope apart."""
        return self.source_status if self.source_status is not None else self.row_scope is None


class ApiKeySettings(_Strict):
    """``security.api_keys``: where keys are stored, and how long a gateway with a Redis
    backend remembers a verified key (:mod:`gateway.security.key_cache`)."""

    store: str = "sqlite+aiosqlite:///c360-keys.db"
    cache: Duration = Field(default=1.0, ge=0, le=60)


class JwtSettings(_Strict):
    secret: str | None = Field(default=None, min_length=32)
    jwks_url: str | None = None
    issuer: str | None = None
    audience: str | None = None
    roles_claim: str = "roles"
    dealer_claim: str = "dealer_id"
    algorithms: list[str] = Field(default_factory=lambda: ["HS256", "RS256", "ES256"])


class AuditSettings(_Strict):
    path: str = "c360-audit.log"
    queue: int = Field(default=10_000, ge=10)


class SecuritySettings(_Strict):
    enabled: bool = False
    anonymous_role: str | None = None
    api_keys: ApiKeySettings = Field(default_factory=ApiKeySettings)
    jwt: JwtSettings | None = None
    audit: AuditSettings | None = None
    max_body_bytes: int = Field(default=1_000_000, ge=1000)
    limits: QueryLimits = Field(default_factory=QueryLimits)
    failed_auth: FailureLimit = Field(default_factory=FailureLimit)
    trusted_documents: str | None = None
    rate_limits: str = Field(default="memory", pattern=r"^(memory|rediss?://.+)$")
    roles: dict[str, RolePolicy] = Field(default_factory=lambda: {"anonymous": RolePolicy()})

    def policy(self, role: str) -> RolePolicy | None:
        return self.roles.get(role)
