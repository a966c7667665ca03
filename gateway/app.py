"""The Starlette application: ``/graphql`` (with GraphiQL) and ``/healthz``.

Connectors, and the HTTP clients and database engines inside them, are built in the lifespan
at start-up and closed there at shutdown; resolvers reach them through the GraphQL context.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.config import Settings
from gateway.context import GatewayContext
from gateway.relations import Relations
from gateway.sources import SourceSet
from schema.build import build_schema

__all__ = ["GatewayGraphQL", "create_app"]


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """Strawberry's ASGI app, with the gateway's context on every request."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GatewayContext:
        state = request.app.state
        return GatewayContext(
            request=request,
            response=response,
            sources=state.sources,
            settings=state.settings,
            relations=state.relations,
        )

    def decode_json(self, data: str | bytes) -> object:
        try:
            return json.loads(data)
        except UnicodeDecodeError as exc:  # a JSON body must be UTF-8; say so as a 400
            raise json.JSONDecodeError(f"not UTF-8 ({exc.reason})", repr(data[:20]), 0) from exc


async def healthz(request: Request) -> JSONResponse:
    """The process is alive and serving; says nothing about the sources."""
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings) -> Starlette:
    graphql = GatewayGraphQL(
        build_schema(), graphql_ide="graphiql" if settings.server.graphiql else None
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sources = SourceSet.open(settings)
        app.state.sources = sources
        app.state.settings = settings
        app.state.relations = Relations.from_sources(sources)
        try:
            yield
        finally:
            await sources.aclose()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
