"""The root query: customers, the configured sources, and single source records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.nodes import Selection

from connectors.base import Connector
from gateway.context import GatewayContext
from gateway.customer import CustomerView
from gateway.customer_fields import NESTED, READS
from gateway.identity import Seed
from gateway.names import normalize_name
from gateway.plans import PlannedRoot
from gateway.prefetch import Prefetcher
from gateway.search import search_customers
from gateway.security.scope import visible
from schema.arguments import max_age_seconds
from schema.customer import Customer
from schema.pagination import Connection, paginate
from schema.records import SourceRecord
from schema.sources import SourceInfo

__all__ = [
    "MAX_VALUE_LENGTH",
    "PLANNED_ROOTS",
    "Query",
    "find_customer",
    "seed_of",
    "wanted_entities",
]

MAX_VALUE_LENGTH = 4096


def _connector(context: GatewayContext, source: str, value: str, arg: str) -> Connector:
    """The source's connector, once the arguments are known to be acceptable."""
    sources = context.sources
    if source not in sources:
        known = ", ".join(sorted(sources))
        raise GraphQLError(
            f"unknown source {source[:100]!r} (configured: {known})",
            extensions={"code": "UNKNOWN_SOURCE", "source": source[:100]},
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise GraphQLError(
            f"{arg} is {len(value)} characters long; at most {MAX_VALUE_LENGTH} are accepted",
            extensions={"code": "BAD_USER_INPUT", "source": source},
        )
    return sources[source]


@strawberry.input(description="One record of one source, by its key in that source.")
class SourceKeyInput:
    source: str
    key: str
    entity: str = "person"


def _bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _seed(
    context: GatewayContext,
    id: str | None,
    email: str | None,
    phone: str | None,
    source_key: SourceKeyInput | None,
) -> Seed:
    given = [
        name
        for name, v in (("id", id), ("email", email), ("phone", phone), ("sourceKey", source_key))
        if v is not None
    ]
    if len(given) != 1:
        raise _bad_input("give exactly one of id, email, phone, sourceKey")
    text = id or email or phone or (source_key.key if source_key else "")
    if len(text) > MAX_VALUE_LENGTH:
        raise _bad_input(f"{given[0]} is {len(text)} characters long; at most {MAX_VALUE_LENGTH}")
    if id is not None:
        source, sep, key = id.partition(":")
        if not sep or source not in context.sources:
            raise _bad_input(f"not a customer id: {id[:100]!r} (expected <source>:<key>)")
        return Seed(source=source, key=key)
    if source_key is not None:
        _connector(context, source_key.source, source_key.key, "sourceKey.key")
        return Seed(source=source_key.source, entity=source_key.entity, key=source_key.key)
    kind = "email" if email is not None else "phone"
    return Seed(identifier=kind, value=email if email is not None else phone)


def _names(selections: list[Any]) -> set[str]:
    found: set[str] = set()
    for selection in selections:
        name = getattr(selection, "name", None)
        if name:
            found.add(name)
        found |= _names(getattr(selection, "selections", None) or [])
    return found


def wanted_entities(selected: list[Selection]) -> set[str]:
    """The related entities the query's customer selection will read, to fetch them early."""
    wanted: set[str] = set()
    for field in selected:
        for selection in getattr(field, "selections", None) or []:
            name = getattr(selection, "name", None)
            wanted |= READS.get(name or "", frozenset())
            nested = _names(getattr(selection, "selections", None) or [])
            wanted |= {entity for field_name, entity in NESTED.items() if field_name in nested}
    return wanted


async def _customer(
    context: GatewayContext, seed: Seed, wanted: set[str], max_age: int | None
) -> Customer | None:
    recording = context.recording
    failed_before = set(recording.failed)
    prefetch = Prefetcher(context.relations, context.batcher, wanted)
    identity = await context.resolver.resolve(seed, max_age_seconds(max_age), prefetch.linked)
    if identity is not None and not visible(identity, context):
        # a customer the caller may not see adds nothing, not even its sources' failures
        recording.forget_failures(set(recording.failed) - failed_before)
        return None
    if identity is None:
        return None
    context.customers_seen.add(identity.id)
    return Customer(view=CustomerView(identity, context))


def planned_customer(
    selected: list[Selection],
) -> Callable[[GatewayContext, dict[str, Any]], Awaitable[Customer | None]]:
    """``Query.customer`` for a compiled plan (:mod:`gateway.plans`): what the query selects
    is read once, when the plan is compiled."""
    wanted = wanted_entities(selected)

    def resolve(context: GatewayContext, arguments: dict[str, Any]) -> Awaitable[Customer | None]:
        seed = _seed(
            context,
            arguments.get("id"),
            arguments.get("email"),
            arguments.get("phone"),
            arguments.get("source_key"),
        )
        return _customer(context, seed, wanted, arguments.get("max_age"))

    return resolve


def seed_of(context: GatewayContext, id: str) -> Seed:
    """The seed of a customer id (``<source>:<key>``); a clear error when it is not one."""
    return _seed(context, id, None, None, None)


async def find_customer(info: Info[GatewayContext, None], seed: Seed) -> Customer | None:
    """The customer a seed leads to with what ``info`` selects, as the caller may see it:
    None when there is none, and the same None when the caller's row scope hides it."""
    return await _customer(info.context, seed, wanted_entities(info.selected_fields), None)


def _by_shown_name(view: CustomerView) -> tuple[str, str]:
    """Search results by the name ``name { full }`` shows (survivorship's), then id."""
    choice = view.choice("name")
    full = choice.value.full if choice is not None else ""
    return (normalize_name(full) if full else "~", view.id)


@strawberry.type
class Query:
    @strawberry.field(
        description="The customer one identifier leads to: a customer id, an email, a phone "
        "number (any format), or any source record's key (a CRM id, a loyalty number, a VIN)."
    )
    async def customer(
        self,
        info: Info[GatewayContext, None],
        id: strawberry.ID | None = None,
        email: str | None = None,
        phone: str | None = None,
        source_key: SourceKeyInput | None = None,
        max_age: int | None = None,
    ) -> Customer | None:
        seed = _seed(info.context, id, email, phone, source_key)
        wanted = wanted_entities(info.selected_fields)
        return await _customer(info.context, seed, wanted, max_age)

    @strawberry.field(
        description="Customers whose name, email or phone starts with `search`, across the "
        "systems that can search; each customer once, however many systems matched."
    )
    async def customers(
        self,
        info: Info[GatewayContext, None],
        search: str,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Customer]:
        return await _customers(info.context, search, first, after)

    @strawberry.field(description="Every configured source, in the order of the config.")
    def sources(self, info: Info[GatewayContext, None]) -> list[SourceInfo]:
        return [SourceInfo.of(connector) for connector in info.context.sources.values()]

    @strawberry.field(description="One record of one source, by its key in that source.")
    async def record(
        self, info: Info[GatewayContext, None], source: str, entity: str, key: str
    ) -> SourceRecord | None:
        return await _record(info.context, source, entity, key)

    @strawberry.field(
        description="The records of one source whose `by` (an identifier or a parent key) "
        "equals `value`."
    )
    async def records(
        self, info: Info[GatewayContext, None], source: str, entity: str, by: str, value: str
    ) -> list[SourceRecord]:
        return await _records(info.context, source, entity, by, value)


async def _customers(
    context: GatewayContext, search: str, first: int | None, after: str | None
) -> Connection[Customer]:
    term = search.strip()
    if not 2 <= len(term) <= 200:
        raise _bad_input("search needs 2 to 200 characters")
    identities = [i for i in await search_customers(context, term) if visible(i, context)]
    context.customers_seen.update(i.id for i in identities)
    views = sorted((CustomerView(i, context) for i in identities), key=_by_shown_name)
    return paginate([Customer(view=view) for view in views], first, after)


async def _record(
    context: GatewayContext, source: str, entity: str, key: str
) -> SourceRecord | None:
    connector = _connector(context, source, key, "key")
    connector.spec(entity, "key")
    [found] = await context.batcher.fetch(source, entity, "key", [key])
    return SourceRecord.of(found[0]) if found else None


async def _records(
    context: GatewayContext, source: str, entity: str, by: str, value: str
) -> list[SourceRecord]:
    connector = _connector(context, source, value, "value")
    connector.spec(entity, by)
    [found] = await context.batcher.fetch(source, entity, by, [value])
    return [SourceRecord.of(record) for record in found]


def _planned(
    resolve: Callable[..., Awaitable[Any]],
) -> Callable[[list[Selection]], Callable[[GatewayContext, dict[str, Any]], Awaitable[Any]]]:
    """A root field whose resolver reads only the context, for a compiled plan."""
    return lambda selected: lambda context, arguments: resolve(context, **arguments)


PLANNED_ROOTS: dict[str, PlannedRoot] = {
    "customer": planned_customer,
    "customers": _planned(_customers),
    "record": _planned(_record),
    "records": _planned(_records),
}
