"""The ``security:`` block of the config: how callers authenticate and what each role may do.

::

    security:
      enabled: true
      api_keys: {store: sqlite+aiosqlite:///keys.db}
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

__all__ = ["Limits", "RolePolicy", "SecuritySettings"]

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


class Limits(_Strict):
    depth: int = Field(default=15, ge=1, le=100)
    aliases: int = Field(default=30, ge=0, le=1000)
    tokens: int = Field(default=5000, ge=10, le=1_000_000)
    cost: int = Field(default=50_000, ge=1)
    rate: Annotated[float, BeforeValidator(_rate)] = 50.0  # requests per second
    burst: int = Field(default=100, ge=1)


Mask = Literal["last4", "domain", "redact"]


class RolePolicy(_Strict):
    sources: list[str] | Literal["*"] = "*"
    allow: list[str] = Field(default_factory=lambda: ["*"])
    deny: list[str] = Field(default_factory=list)
    mask: dict[str, Mask] = Field(default_factory=dict)
    row_scope: Literal["dealer"] | None = None
    introspection: bool = True
    trusted_only: bool = False
    limits: Limits = Field(default_factory=Limits)


class ApiKeySettings(_Strict):
    store: str = "sqlite+aiosqlite:///c360-keys.db"


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
    trusted_documents: str | None = None
    rate_limits: str = Field(default="memory", pattern=r"^(memory|rediss?://.+)$")
    roles: dict[str, RolePolicy] = Field(default_factory=lambda: {"anonymous": RolePolicy()})

    def policy(self, role: str) -> RolePolicy | None:
        return self.roles.get(role)
