"""Everything one gateway process opens at start-up and closes at shutdown, built from Settings.

The Starlette lifespan and the tests use the same :class:`Runtime`::

    async with Runtime(settings) as runtime:
        context = runtime.context()          # one request's view: its batcher, its recording
        result = await schema.execute(query, context_value=context)

It owns the connectors (and their HTTP clients and engines), the shared cache, each source's
guard (breaker and retry budget), single-flight, background refreshes, the audit log, the key
store, the rate limiter, the webhook replay guard, the customer-changed event bus and the
clock. Nothing else builds or closes
them. Each request gets a batcher over one pipeline per source (:mod:`gateway.pipeline`),
built from those parts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from connectors import tracing
from gateway.answers import AnswerCache
from gateway.batcher import Batcher
from gateway.cache import RecordCache, open_store
from gateway.cached import Cached, SharedCache
from gateway.clock import Clock, SystemClock
from gateway.config import CacheSettings, Settings
from gateway.context import GatewayContext
from gateway.deadline import Deadline
from gateway.events import EventBus, open_bus
from gateway.guarded import Guarded
from gateway.hooks import open_replay_guard
from gateway.identity import IdentityResolver
from gateway.instrumented import Instrumented
from gateway.live import Subscribers
from gateway.logs import WarningLimiter
from gateway.persisted import PersistedQueries, open_persisted_queries
from gateway.pipeline import Source
from gateway.recorded import Recorded, Recording
from gateway.relations import Relations
from gateway.resilience import SourceGuard
from gateway.security.audit import AuditLog
from gateway.security.key_cache import KeyCache
from gateway.security.keys import KeyStore
from gateway.security.principal import Principal
from gateway.security.ratelimit import RateLimiter, open_limiter
from gateway.security.settings import RolePolicy
from gateway.security.tokens import TokenVerifier
from gateway.singleflight import SingleFlight
from gateway.sources import SourceSet
from gateway.writeback import Courier, Outbox, WriteBack
from model.records import Record

__all__ = ["Runtime", "batch_settings"]

logger = logging.getLogger("c360.gateway")


def _audit_path(path: str, settings: Settings) -> str:
    return path if path == "-" or path.startswith("/") else str(settings.base_dir / path)


def batch_settings(settings: Settings) -> Settings:
    """The settings for batch work that is no client's request (an identity evaluation): every
    look-up asked live, and no request deadline."""
    return dataclasses.replace(
        settings,
        cache=CacheSettings(enabled=False),
        server=settings.server.model_copy(update={"deadline": 300.0}),
    )


class Runtime:
    """One gateway process's shared parts. Security parts that the HTTP middleware needs are
    built with the runtime (no I/O happens until they are used); sources and the cache are
    opened by :meth:`start`; :meth:`aclose` closes all of them."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock if clock is not None else SystemClock()
        security = settings.security
        on = security.enabled
        self.keys = (
            KeyCache(
                KeyStore.open(security.api_keys.store, settings.base_dir),
                self.clock,
                security.api_keys.cache,
                settings.cache.redis,
            )
            if on
            else None
        )
        self.tokens = TokenVerifier(security.jwt) if on and security.jwt else None
        self.limiter: RateLimiter | None = open_limiter(security.rate_limits) if on else None
        self.audit = (
            AuditLog(_audit_path(security.audit.path, settings), security.audit.queue)
            if on and security.audit
            else None
        )
        self.hook_replays = open_replay_guard(settings.cache.redis, self.clock.now)
        # one warning per failing source per request, and per interval across requests
        self.source_warnings = WarningLimiter(
            logging.getLogger("c360.sources"), clock=self.clock.monotonic
        )
        self._email_providers = settings.forms.providers()
        self.flights: SingleFlight[str, list[Record]] = SingleFlight()
        self.background: set[asyncio.Task[None]] = set()
        self._sources: SourceSet | None = None
        self.relations = Relations([])
        self.cache: RecordCache | None = None
        self.persisted_queries: PersistedQueries | None = None
        self.answers: AnswerCache | None = None  # whole answers (gateway.answers)
        self.guards: dict[str, SourceGuard] = {}
        self._instrumented: dict[str, Instrumented] = {}
        self._shared = SharedCache(None, self.flights, self.background, self.clock)
        self._views: dict[str, tuple[SourceSet, Relations]] = {}
        self.writeback: WriteBack | None = None  # when a source takes writes; opened by start()
        self.courier: Courier | None = None
        # what changed, for live subscriptions (gateway.events); opened by start()
        self.events = EventBus(self.clock)
        live = settings.server.live
        self.subscribers = Subscribers(live.per_principal, live.connections_per_principal)

    @property
    def sources(self) -> SourceSet:
        if self._sources is None:
            raise RuntimeError("the runtime is not started: use `async with Runtime(...)`")
        return self._sources

    def start(self) -> None:
        """Open the sources and the cache; start the audit writer."""
        settings = self.settings
        tracing.refresh()  # a tracer provider the deployment set before start is used
        self._views.clear()
        self._sources = SourceSet.open(settings)
        self.relations = Relations.from_sources(self._sources)
        if settings.cache.enabled:
            store = open_store(settings.cache.backend, settings.cache.max_entries, self.clock)
            self.cache = RecordCache(store)
        self.events = open_bus(settings.cache.backend, self.clock)
        self.answers = None
        if self.cache is not None and settings.cache.redis is None:
            self.answers = AnswerCache(self.clock.now)
            self.events.watch(self.answers.changed)
        refreshed = self.answers.refreshed if self.answers is not None else None
        self._shared = SharedCache(self.cache, self.flights, self.background, self.clock, refreshed)
        self.persisted_queries = open_persisted_queries(
            settings.cache.backend, settings.server.persisted_queries, self.clock
        )
        self.guards = {
            name: SourceGuard(name, connector.config.resilience, self.clock)
            for name, connector in self._sources.items()
        }
        self._instrumented = {
            name: Instrumented(connector, name) for name, connector in self._sources.items()
        }
        if self.audit is not None:
            self.audit.start()
        if self.keys is not None:
            self.keys.start()
        if settings.writable:
            self._start_writeback()

    def _start_writeback(self) -> None:
        """The outbox, and the courier that keeps trying the systems that were down."""
        settings = self.settings.writeback
        outbox = Outbox.open(settings.outbox, self.settings.base_dir)
        self.writeback = WriteBack(
            settings, outbox, self.sources, self.clock, self.cache, self.events
        )
        self.courier = Courier(self.writeback.delivery, every=settings.backoff)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # built outside a loop (a command that only reads): nothing is sent
        self.courier.start()

    async def aclose(self) -> None:
        """Close everything :meth:`start` opened, each even when another fails."""
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        outbox = self.writeback.outbox if self.writeback is not None else None
        parts = (
            self.courier,
            self.events,
            self.audit,
            self.keys,
            self.hook_replays,
            self.limiter,
            self.cache,
            self.persisted_queries,
            outbox,
            self._sources,
        )
        for part in parts:
            if part is None:
                continue
            try:
                await part.aclose()
            except Exception:
                logger.exception("closing %s failed", type(part).__name__)

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # one request ----------------------------------------------------------------------------

    def context(
        self,
        request: Request | WebSocket | None = None,
        response: Response | WebSocket | None = None,
        principal: Principal | None = None,
        purpose: str = "",
        *,
        pipelines: Callable[[str, float | None], Source] | None = None,
        recording: Recording | None = None,
    ) -> GatewayContext:
        """One request's context: the sources its role may use, its batcher over their
        pipelines, its recording and its deadline (started now). ``pipelines`` (source,
        max_age) -> the source's pipeline, and ``recording``, replace the runtime's own (a
        request replayed over what another one fetched)."""
        policy = self._policy(principal)
        sources, relations = self._view(policy)
        recording = Recording() if recording is None else recording
        deadline = Deadline(self.clock, self.settings.server.deadline)

        def pipeline(name: str, max_age: float | None) -> Source:
            return self.pipeline(sources[name].name, recording, deadline, max_age)

        batcher = Batcher(pipeline if pipelines is None else pipelines)
        resolver = IdentityResolver(
            self.settings.identity,
            sources,
            batcher,
            relations.parents(),
            self.settings.name_variants,
            self._email_providers,
            model=self.settings.match_model,
        )
        return GatewayContext(
            runtime=self,
            sources=sources,
            relations=relations,
            batcher=batcher,
            recording=recording,
            deadline=deadline,
            resolver=resolver,
            request=request,
            response=response,
            principal=principal,
            purpose=purpose,
            policy=policy,
        )

    def renew(self, context: GatewayContext) -> None:
        """Start a new request inside a long-lived operation (each event of a live
        subscription): a fresh batcher, recording and deadline, for the same caller."""
        fresh = self.context(context.request, context.response, context.principal, context.purpose)
        for name in ("batcher", "recording", "deadline", "resolver"):
            setattr(context, name, getattr(fresh, name))
        context.personal_fields.clear()
        context.customers_seen.clear()

    def pipeline(
        self,
        source: str,
        recording: Recording,
        deadline: Deadline | None = None,
        max_age: float | None = None,
    ) -> Source:
        """One request's pipeline over one source: recorded -> cached -> guarded ->
        instrumented -> the connector; the last two and their state shared by all requests."""
        guarded = Guarded(self._instrumented[source], self.guards[source], deadline)
        cached = Cached(guarded, self.sources[source], self._shared, recording, max_age, deadline)
        return Recorded(cached, source, recording, self.source_warnings)

    def _policy(self, principal: Principal | None) -> RolePolicy | None:
        if principal is None or not self.settings.security.enabled:
            return None
        return self.settings.security.policy(principal.role)

    def _view(self, policy: RolePolicy | None) -> tuple[SourceSet, Relations]:
        if policy is None or policy.sources == "*":
            return self.sources, self.relations
        # policies apply before merging: forbidden sources are never even asked
        names = list(policy.sources)
        key = "\x00".join(names)
        view = self._views.get(key)
        if view is None:
            sources = self.sources.only(names)
            view = self._views[key] = (sources, Relations.from_sources(sources))
        return view
