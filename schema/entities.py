"""A router's representations -> the subgraph's entities, as ``Query.customer`` finds them.

Every representation is resolved at once, so that their look-ups fall into the request's
batches: fifty customers asked by id cost one call per source and round, not fifty. Each
entity is found through its customer, and the customer must be visible to the principal
(row scope), as for any query; what is not visible is ``null``, never "forbidden".
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError

from gateway.context import GatewayContext
from gateway.customer import CustomerView
from gateway.identity import Identity, Seed
from gateway.security.scope import visible
from schema.commerce import Order
from schema.customer import Customer
from schema.dealer import Vehicle

__all__ = ["MAX_REPRESENTATIONS", "resolve_entities"]

MAX_REPRESENTATIONS = 500
_MAX_KEY = 4096
_KEY_FIELDS = {"Customer": "id", "Order": "id", "Vehicle": "vin"}


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


async def resolve_entities(context: GatewayContext, representations: list[Any]) -> list[Any]:
    """One entity (or None, or the error of that one representation) per representation."""
    if len(representations) > MAX_REPRESENTATIONS:
        raise _bad(f"{len(representations)} representations; at most {MAX_REPRESENTATIONS}")
    found = await asyncio.gather(
        *(_entity(context, i, r) for i, r in enumerate(representations)),
        return_exceptions=True,
    )
    return list(found)


async def _entity(context: GatewayContext, index: int, representation: Any) -> Any:
    if not isinstance(representation, Mapping):
        return _bad(f"representation {index} is not an object")
    typename = representation.get("__typename")
    field = _KEY_FIELDS.get(typename) if isinstance(typename, str) else None
    if field is None:
        known = ", ".join(sorted(_KEY_FIELDS))
        return _bad(f"representation {index}: __typename must be one of {known}")
    key = representation.get(field)
    if not isinstance(key, str) or not 0 < len(key) <= _MAX_KEY:
        return _bad(f"representation {index}: {typename}.{field} must be a non-empty string")
    if typename == "Customer":
        return await _customer(context, key)
    if typename == "Order":
        return await _order(context, key)
    return await _vehicle(context, key)


async def _identity(context: GatewayContext, seed: Seed) -> Identity | None:
    """The customer a record leads to, if the principal may see it (and it is then audited)."""
    recording = context.recording
    failed_before = set(recording.failed)
    identity = await context.resolver.resolve(seed)
    if identity is None:
        return None
    if not visible(identity, context):
        # a customer the caller may not see adds nothing, not even its sources' failures
        recording.forget_failures(set(recording.failed) - failed_before)
        return None
    context.customers_seen.add(identity.id)
    return identity


async def _customer(context: GatewayContext, id: str) -> Customer | None:
    source, sep, key = id.partition(":")
    if not sep or source not in context.sources:
        return None
    identity = await _identity(context, Seed(source=source, key=key))
    return Customer(view=CustomerView(identity, context)) if identity else None


async def _order(context: GatewayContext, id: str) -> Order | None:
    source, sep, number = id.partition(":")
    connector = context.sources.get(source) if sep else None
    if connector is None or "order" not in connector.entities:
        return None
    identity = await _identity(context, Seed(source=source, entity="order", key=number))
    if identity is None:
        return None
    view = CustomerView(identity, context)
    for record in await view.related("order"):
        if record.source == source and record.key == number:
            return Order.of(record, view)
    return None


async def _vehicle(context: GatewayContext, vin: str) -> Vehicle | None:
    serving = [n for n, c in context.sources.items() if "vehicle" in c.entities]
    identities = await asyncio.gather(
        *(_identity(context, Seed(source=s, entity="vehicle", key=vin)) for s in serving)
    )
    for identity in identities:
        if identity is None:
            continue
        view = CustomerView(identity, context)
        for record in await view.related("vehicle"):
            if record.key == vin:
                return Vehicle.of(record, view)
    return None
