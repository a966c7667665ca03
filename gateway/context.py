"""What every resolver reaches through ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from gateway.sources import SourceSet

__all__ = ["GatewayContext"]


@dataclass(slots=True)
class GatewayContext:
    request: Request | WebSocket
    response: Response | WebSocket | None
    sources: SourceSet
