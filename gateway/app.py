"""The Starlette application: ``/graphql`` (with GraphiQL), ``/healthz``, ``/metrics`` and
``/hooks/invalidate/{source}``.

Connectors, and the HTTP clients and database engines inside them, are built in the lifespan
at start-up and closed there at shutdown; resolvers reach them through the GraphQL context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.cache import RecordCache, open_store
from gateway.config import Settings
from gateway.context import GatewayContext
from gateway.hooks import invalidate_hook
from gateway.relations import Relations
from gateway.singleflight import SingleFlight
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
            cache=state.cache,
            flights=state.flights,
            background=state.background,
        )

    def decode_json(self, data: str | bytes) -> object:
        # orjson's errors, invalid UTF-8 included, are json.JSONDecodeError: a 400
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


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
        app.state.cache = (
            RecordCache(open_store(settings.cache.backend, settings.cache.max_entries))
            if settings.cache.enabled
            else None
        )
        app.state.flights = SingleFlight()
        app.state.background = set()
        try:
            yield
        finally:
            for task in list(app.state.background):
                task.cancel()
            if app.state.cache is not None:
                await app.state.cache.aclose()
            await sources.aclose()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/hooks/invalidate/{source}", invalidate_hook, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
