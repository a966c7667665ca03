"""The root subscription: a customer, again, each time one of the records it was built from
changes (over graphql-transport-ws, or GraphQL over SSE)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.identity import Seed
from gateway.live_transport import client_address, credentials_hold
from schema.customer import Customer
from schema.query import find_customer, seed_of

__all__ = ["Subscription"]


async def _changes(
    info: Info[GatewayContext, None], seed: Seed, id: str
) -> AsyncGenerator[Customer]:
    context = info.context
    runtime = context.runtime
    with runtime.subscribers.hold(context.principal, client_address(context)):
        async with runtime.events.listen() as feed:
            customer = await find_customer(info, seed)
            if customer is None:
                return  # none, or not the caller's to see: it ends at once, alike
            names = {id, customer.view.id}
            yield customer  # as it is now: no change between a screen's load and this is lost
            async for event in feed:
                # the records the last answer was built from, the linked ones and their
                # orders, tickets, ...: the cache has dropped the changed ones, so this
                # answer asks the sources for those alone
                if not event.touches(context.recording.info, *names):
                    continue
                if not await credentials_hold(context):
                    return  # a key revoked since: the stream ends
                runtime.renew(context)
                customer = await find_customer(info, seed)
                if customer is None:
                    return  # gone, or moved out of the caller's scope
                yield customer


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The customer with this id as it is now, then again each time a record it "
        "is built from changes (a source's invalidation webhook, an invalidation, a "
        "write-back), under the caller's policy. Ends at once, with nothing, when there is no "
        "such customer for the caller."
    )
    async def customer_changed(
        self, info: Info[GatewayContext, None], id: strawberry.ID
    ) -> AsyncGenerator[Customer]:
        seed = seed_of(info.context, id)  # a malformed id is refused before anything is held
        info.context.runtime.subscribers.check(info.context.principal, client_address(info.context))
        return _changes(info, seed, id)
