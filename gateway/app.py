"""The Starlette application: ``/graphql`` (with GraphiQL), ``/console``, ``/healthz``,
``/metrics`` and ``/hooks/invalidate/{source}``.

Connectors, and the HTTP clients and database engines inside them, are built in the lifespan
at start-up and closed there at shutdown; resolvers reach them through the GraphQL context.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from gateway.clock import Clock
from gateway.compression import Compression
from gateway.config import Settings
from gateway.console import console_routes, graphiql_page
from gateway.context import GatewayContext
from gateway.cors import Cors, origin_pattern
from gateway.hooks import invalidate_hook
from gateway.http_caching import ConditionalGet, answer_headers
from gateway.live import ending_on_exit
from gateway.live_transport import LiveTransport, connect, sse_transport
from gateway.logs import RequestIdMiddleware
from gateway.planned import PlanStore, Unplanned
from gateway.request_body import error_response, parse_request_json
from gateway.runtime import Runtime
from gateway.security.authentication import Authentication
from gateway.security.body_limit import BodyLimit
from gateway.security.purpose import PurposeHeader
from gateway.security.rate_limit import RateLimit
from gateway.slow_clients import BodyDeadline
from schema.build import build_schema

__all__ = ["GatewayGraphQL", "create_app"]

_PLAIN_BODY = frozenset({"query", "variables", "operationName"})
_SUB_RESPONSE = "c360.sub_response"


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """Strawberry's ASGI app, with the gateway's context on every request; subscriptions over
    graphql-transport-ws (:mod:`gateway.live_transport`) and GraphQL over SSE."""

    graphql_transport_ws_handler_class = LiveTransport

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GatewayContext:
        runtime: Runtime = request.app.state.runtime
        scope_state = request.scope.get("state", {})
        return runtime.context(
            request,
            response,
            principal=scope_state.get("principal"),
            purpose=scope_state.get("purpose", ""),
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if request_adapter.method == "GET":
            sub_response.headers.update(answer_headers(context, result))
        return result

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # a persisted query sent by its hash alone has no `query` either
        params = request.query_params
        return "extensions" not in params and super().should_render_graphql_ide(request)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        kept: Response | None = request.scope.get(_SUB_RESPONSE)
        return kept if kept is not None else await super().get_sub_response(request)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        # a page of another origin may open a websocket where server.cors lets it call at all
        cors = request.app.state.runtime.settings.server.cors
        return cors is not None and any(
            origin_pattern(allowed).match(origin.lower()) for allowed in cors.origins
        )

    async def on_ws_connect(self, context: GatewayContext) -> None:
        await connect(context)  # the credentials of connection_init, as over HTTP

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page()  # served from the package: no CDN

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        return parse_request_json(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # strawberry answers a refused request with a text line; clients expect GraphQL errors
        request = Request(scope, receive)
        response: Response | None
        try:
            response = await self._planned(request) if scope["method"] == "POST" else None
            if response is None:
                response = await self.run(request)
        except HTTPException as exc:
            response = error_response(exc.status_code, exc.reason)
        await response(scope, receive, send)

    async def _planned(self, request: Request) -> Response | None:
        """The answer of the document's compiled plan, or None for the general executor;
        a plan that declines the request leaves it to the general executor, on the same
        context (what the sources answered is not asked again)."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return None
        raw = await request.body()
        body = parse_request_json(raw)
        query, variables, name = body.get("query"), body.get("variables"), body.get("operationName")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
            or body.keys() - _PLAIN_BODY
        ):
            return None
        store: PlanStore = self.schema.plans  # type: ignore[attr-defined]
        plan = store.get(query, name)
        if plan is None:
            return None
        runtime: Runtime = request.app.state.runtime
        # whole answers are kept for callers without a principal, where no audit log runs
        anonymous = request.scope.get("state", {}).get("principal") is None
        keep = raw if anonymous and runtime.audit is None else None
        answers = runtime.answers
        kept = answers.get(raw) if answers is not None and keep is not None else None
        if kept is not None:
            answer = await store.served(plan, kept, runtime, (query, variables, name))
            return Response(answer, media_type="application/json")
        sub_response = await self.get_sub_response(request)
        request.scope[_SUB_RESPONSE] = sub_response  # the general executor's, if it answers
        context = await self.get_context(request, sub_response)
        try:
            answer = await store.answer(plan, context, (query, variables, name), keep)
        except Unplanned:
            return await self.run(request, context=context)
        return Response(answer, media_type="application/json")

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def readyz(request: Request) -> JSONResponse:
    """Ready while every source marked ``critical`` answers its health check; each source's
    health and circuit-breaker state, as JSON (503 when not ready)."""
    runtime: Runtime = request.app.state.runtime
    names = list(runtime.sources)
    checks = await asyncio.gather(*(runtime.sources[n].health() for n in names))
    sources = {}
    ready = True
    for name, health in zip(names, checks, strict=True):
        critical = runtime.sources[name].config.critical
        breaker = runtime.guards[name].breaker.state
        sources[name] = {
            "ok": health.ok,
            "detail": health.detail,
            "breaker": breaker,
            "critical": critical,
        }
        ready = ready and (health.ok or not critical)
    body = {"status": "ready" if ready else "not ready", "sources": sources}
    return JSONResponse(body, status_code=200 if ready else 503)


async def healthz(request: Request) -> JSONResponse:
    """The process is alive and serving; says nothing about the sources."""
    return JSONResponse({"status": "ok"})


def app_from_environment() -> Starlette:
    """The app for ``C360_CONFIG``: what each worker of ``c360 serve --workers N`` runs."""
    import os

    from gateway.collector import tune_collector
    from gateway.config import load_settings

    settings = load_settings(os.environ["C360_CONFIG"])
    app = create_app(settings)
    tune_collector(settings.server.gc_threshold)
    return app


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    runtime = Runtime(settings, clock=clock)
    security = settings.security
    graphql = GatewayGraphQL(
        build_schema(federation=settings.server.federation),
        graphql_ide="graphiql" if settings.server.graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
    )
    graphql.stream_transport_classes_by_protocol = {
        GRAPHQL_SSE_PROTOCOL: sse_transport(settings.server.live.heartbeat)
    }

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with runtime:
            with ending_on_exit(runtime.events):  # live streams complete when told to stop
                yield

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/hooks/invalidate/{source}", invalidate_hook, methods=["POST"]),
        *console_routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(BodyDeadline, timeout=settings.server.body_timeout)
    app.state.runtime = runtime
    app.add_middleware(RequestIdMiddleware)
    # added innermost first: body limit -> purpose -> authentication -> rate limit -> app
    if runtime.limiter is not None:
        app.add_middleware(RateLimit, settings=security, limiter=runtime.limiter)
        app.add_middleware(
            Authentication,
            settings=security,
            keys=runtime.keys,
            tokens=runtime.tokens,
            limiter=runtime.limiter,
            ide=settings.server.graphiql,
        )
    app.add_middleware(PurposeHeader)
    app.add_middleware(BodyLimit, max_bytes=security.max_body_bytes)  # security or not
    app.add_middleware(ConditionalGet)
    if settings.server.compression.enabled:
        app.add_middleware(Compression, settings=settings.server.compression)
    if settings.server.cors is not None:  # outermost: preflights never reach the rest
        app.add_middleware(Cors, settings=settings.server.cors)
    return app
