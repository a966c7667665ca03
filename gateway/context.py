"""What every resolver reaches through ``info.context``: one request's view of the gateway."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from connectors.errors import SourceError
from gateway.cache import RecordCache
from gateway.config import Settings
from gateway.identity import IdentityResolver
from gateway.loaders import Fetcher
from gateway.relations import Relations
from gateway.resilience import SourceGuard
from gateway.security.audit import AuditLog
from gateway.security.principal import Principal
from gateway.security.settings import RolePolicy
from gateway.singleflight import SingleFlight
from gateway.sources import SourceSet
from model.records import Record

__all__ = ["GatewayContext"]


@dataclass(slots=True)
class GatewayContext:
    request: Request | WebSocket | None
    response: Response | WebSocket | None
    sources: SourceSet
    settings: Settings
    relations: Relations
    cache: RecordCache | None = None
    flights: SingleFlight[str, list[Record]] | None = None
    background: set[asyncio.Task[None]] | None = None
    principal: Principal | None = None
    purpose: str = ""
    audit: AuditLog | None = None
    guards: dict[str, SourceGuard] | None = None
    fetcher: Fetcher = field(init=False)
    resolver: IdentityResolver = field(init=False)
    failed: dict[str, SourceError] = field(default_factory=dict)  # source -> its failure
    policy: RolePolicy | None = field(init=False, default=None)
    personal_fields: set[str] = field(default_factory=set)  # Type.field returned, for audit
    customers_seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.principal is not None and self.settings.security.enabled:
            self.policy = self.settings.security.policy(self.principal.role)
            if self.policy is not None and self.policy.sources != "*":
                # policies apply before merging: forbidden sources are never even asked
                self.sources = self.sources.only(list(self.policy.sources))
                self.relations = Relations.from_sources(self.sources)
        self.fetcher = Fetcher(self.sources, self.cache, self.flights, self.background, self.guards)
        self.resolver = IdentityResolver(
            self.settings.identity,
            self.sources,
            self.fetcher,
            self.relations.parents(),
            self.settings.name_variants,
            self.settings.forms.providers(),
            model=self.settings.match_model,
        )
