"""What every resolver and extension reaches through ``info.context``: one request's view of
the gateway, built by :meth:`gateway.runtime.Runtime.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from gateway.batcher import Batcher
from gateway.deadline import Deadline
from gateway.identity import IdentityResolver
from gateway.recorded import Recording
from gateway.relations import Relations
from gateway.security.principal import Principal
from gateway.security.settings import RolePolicy
from gateway.sources import SourceSet

if TYPE_CHECKING:
    from gateway.cache import RecordCache
    from gateway.clock import Clock
    from gateway.config import Settings
    from gateway.persisted import PersistedQueries
    from gateway.runtime import Runtime
    from gateway.security.audit import AuditLog

__all__ = ["GatewayContext"]


@dataclass(slots=True, kw_only=True)
class GatewayContext:
    runtime: Runtime
    sources: SourceSet  # what this request's role may use
    relations: Relations
    batcher: Batcher  # every look-up of the request goes through it
    recording: Recording  # what the sources were asked, what they said, what failed
    deadline: Deadline
    resolver: IdentityResolver
    request: Request | WebSocket | None = None
    response: Response | WebSocket | None = None
    principal: Principal | None = None
    purpose: str = ""
    policy: RolePolicy | None = None
    personal_fields: set[str] = field(default_factory=set)  # Type.field returned, for audit
    customers_seen: set[str] = field(default_factory=set)
    # a websocket's connection_init payload, until its credentials are checked
    connection_params: dict[str, Any] | None = None

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def cache(self) -> RecordCache | None:
        return self.runtime.cache

    @property
    def audit(self) -> AuditLog | None:
        return self.runtime.audit

    @property
    def persisted_queries(self) -> PersistedQueries | None:
        return self.runtime.persisted_queries
