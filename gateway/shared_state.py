"""Every piece of state a gateway keeps, and where it lives for a given config: in each
process's memory, or in a backend that every gateway of a fleet shares.

One declaration per piece of state (:data:`STATE`). From it come the table of
docs/operations.md ("Shared state", checked against it by a test), the warnings of
``c360 check`` for a config that declares ``server.replicas`` above 1, and those that
``c360 serve --workers N`` logs when it starts::

    for warning in fleet_warnings(settings, gateways=3):
        print(warning.setting, warning.message)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.config import Settings

__all__ = ["STATE", "Place", "State", "Warning", "fleet_warnings"]


@dataclass(frozen=True, slots=True)
class Place:
    """Where a piece of state lives: ``shared`` when every gateway sees the same;
    ``machine`` when processes of one machine share it (a SQLite file) but machines do not."""

    where: str
    shared: bool
    machine: bool = False


UNUSED = Place("not used by this config", shared=True)
MEMORY = Place("each process's memory", shared=False)


@dataclass(frozen=True, slots=True)
class State:
    """One piece of state: its name, the setting that places it, where that setting puts it,
    and what goes wrong when each gateway keeps its own."""

    name: str
    setting: str
    place: Callable[[Settings], Place]
    when_apart: str


@dataclass(frozen=True, slots=True)
class Warning:
    state: str
    setting: str  # the key path to change, e.g. security.rate_limits
    message: str


def _cache(settings: Settings) -> Place:
    if not settings.cache.enabled:
        return UNUSED
    return Place("Redis", shared=True) if settings.cache.redis else MEMORY


def _rate_limits(settings: Settings) -> Place:
    if not settings.security.enabled:
        return UNUSED
    return MEMORY if settings.security.rate_limits == "memory" else Place("Redis", shared=True)


def _replays(settings: Settings) -> Place:
    hooked = any(s.config.webhook_secret for s in settings.sources.values())
    if not hooked:
        return UNUSED
    return Place("Redis (the cache's)", shared=True) if settings.cache.redis else MEMORY


def _keys(settings: Settings) -> Place:
    if not settings.security.enabled:
        return UNUSED
    store = settings.security.api_keys.store
    if store.startswith("sqlite"):
        return Place("a SQLite file", shared=False, machine=True)
    revocations = "announced over Redis" if settings.cache.redis else "read on every request"
    return Place(f"the database of the store URL; revocations {revocations}", shared=True)


def _audit(settings: Settings) -> Place:
    audit = settings.security.audit
    if not settings.security.enabled or audit is None:
        return UNUSED
    if audit.path == "-":
        return Place("standard output, collected by the platform", shared=True)
    return Place("a file of each machine", shared=False, machine=True)


def _outbox(settings: Settings) -> Place:
    if not settings.writable:
        return UNUSED
    if settings.writeback.outbox.startswith("sqlite"):
        return Place("a SQLite file", shared=False, machine=True)
    return Place("the database of the outbox URL", shared=True)


def _events(settings: Settings) -> Place:
    return Place("Redis pub/sub (the cache's)", shared=True) if settings.cache.redis else MEMORY


def _persisted_queries(settings: Settings) -> Place:
    if not settings.server.persisted_queries.enabled:
        return UNUSED
    return Place("Redis (the cache's)", shared=True) if settings.cache.redis else MEMORY


STATE: tuple[State, ...] = (
    State(
        "cache",
        "cache.backend",
        _cache,
        "each gateway asks the sources for what another has already fetched, and an"
        " invalidation webhook clears only the gateway that received it",
    ),
    State(
        "rate limits",
        "security.rate_limits",
        _rate_limits,
        "a caller gets its rate from each gateway (N gateways: N times the rate), and failed"
        " authentications are counted per gateway",
    ),
    State(
        "webhook replay guard",
        "cache.backend",
        _replays,
        "a captured invalidation hook can be replayed once to each other gateway",
    ),
    State(
        "API keys",
        "security.api_keys.store",
        _keys,
        "a key created or revoked on one machine is unknown to, or still accepted by, the others",
    ),
    State(
        "write-back outbox",
        "writeback.outbox",
        _outbox,
        "a write queued by a gateway that stops is sent by no other, and the same change"
        " retried through another gateway is not recognised by its idempotency key",
    ),
    State(
        "audit log",
        "security.audit.path",
        _audit,
        "the audit trail is split into one file per machine",
    ),
    State(
        "live-update event bus",
        "cache.backend",
        _events,
        "a change learnt by one gateway never reaches subscriptions held by another",
    ),
    State(
        "automatic persisted queries",
        "cache.backend",
        _persisted_queries,
        "a query registered through one gateway is PERSISTED_QUERY_NOT_FOUND on the others,"
        " so its clients send its text again to each",
    ),
)


def fleet_warnings(
    settings: Settings, gateways: int, *, one_machine: bool = False
) -> list[Warning]:
    """What goes wrong when ``gateways`` processes serve ``settings``, each keeping the state
    it keeps in its own memory. ``one_machine``: the processes are workers of one
    ``c360 serve`` (a SQLite file or an audit file is then shared)."""
    if gateways <= 1:
        return []
    warnings = []
    for state in STATE:
        place = state.place(settings)
        if place.shared or (one_machine and place.machine):
            continue
        message = f"{state.name} kept in {place.where}: {state.when_apart}"
        warnings.append(Warning(state.name, state.setting, message))
    return warnings
