"""Administrative mutations: dropping cached answers when a system's data changed."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.events import CustomerChanged

__all__ = ["Invalidation", "Mutation"]


@strawberry.type(description="What an invalidation dropped.")
class Invalidation:
    source: str
    entity: str
    keys: int
    dropped: int = strawberry.field(description="Cache entries removed, look-ups included.")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Drop the cached answers for records of one source: the records read by "
        "key, and every look-up that returned them. The next read asks the source."
    )
    async def invalidate(
        self, info: Info[GatewayContext, None], source: str, entity: str, keys: list[str]
    ) -> Invalidation:
        connector = info.context.sources.get(source)
        if connector is None or entity not in connector.entities:
            raise GraphQLError(
                f"no entity {entity[:100]!r} in source {source[:100]!r}",
                extensions={"code": "BAD_USER_INPUT"},
            )
        if len(keys) > 10_000:
            raise GraphQLError("at most 10,000 keys at once", extensions={"code": "BAD_USER_INPUT"})
        cache = info.context.cache
        dropped = await cache.invalidate(source, entity, keys) if cache is not None else 0
        change = CustomerChanged(source, entity, tuple(keys), cause="invalidation")
        await info.context.runtime.events.publish(change)
        return Invalidation(source=source, entity=entity, keys=len(keys), dropped=dropped)
