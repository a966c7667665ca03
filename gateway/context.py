"""What every resolver reaches through ``info.context``: one request's view of the gateway."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from connectors.base import Record
from gateway.cache import RecordCache
from gateway.config import Settings
from gateway.identity import IdentityResolver
from gateway.loaders import Fetcher
from gateway.relations import Relations
from gateway.singleflight import SingleFlight
from gateway.sources import SourceSet

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
    fetcher: Fetcher = field(init=False)
    resolver: IdentityResolver = field(init=False)
    failed: dict[str, str] = field(default_factory=dict)  # source -> why, for this request

    def __post_init__(self) -> None:
        self.fetcher = Fetcher(self.sources, self.cache, self.flights, self.background)
        self.resolver = IdentityResolver(
            self.settings.identity, self.sources, self.fetcher, self.relations.parents()
        )
