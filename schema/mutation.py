"""Mutations: changing a customer's contact details and consents in every system that holds
them (:mod:`schema.writes`), and, administrative, dropping cached answers when a system's data
changed. Each needs an explicit allow in the caller's role (``Mutation.updateContact``)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.events import CustomerChanged
from schema.marketing import ConsentChannel
from schema.writes import (
    CONSENT_ENTITY,
    WriteOutcome,
    cancel,
    consent_fields,
    run,
    update_contact,
)
from schema.writes import idempotency_key as idempotency_key_of

__all__ = ["Invalidation", "Mutation"]


@strawberry.type(description="What an invalidation dropped.")
class Invalidation:
    source: str
    entity: str
    keys: int
    dropped: int = strawberry.field(description="Cache entries removed, look-ups included.")


@strawberry.type
class Mutation:
    update_contact = strawberry.mutation(
        update_contact(),
        description="Change a customer's contact details once: each linked record holding "
        "them is written in its own system, and each system's outcome returned. Values are "
        "checked before any system is touched; the same idempotencyKey never writes twice. "
        "One argument per attribute declared writable.",
    )

    @strawberry.mutation(
        description="Record a customer's answer about marketing on one channel, in every "
        "system holding their consents."
    )
    async def set_consent(
        self,
        info: Info[GatewayContext, None],
        customer_id: strawberry.ID,
        channel: ConsentChannel,
        granted: bool,
        purpose: str,
        idempotency_key: str | None = None,
    ) -> WriteOutcome:
        if not 1 <= len(purpose) <= 200:
            raise GraphQLError(
                "purpose needs 1 to 200 characters", extensions={"code": "BAD_USER_INPUT"}
            )
        on = datetime.fromtimestamp(info.context.clock.now(), UTC).date().isoformat()
        fields = consent_fields(channel, granted, on)
        key = idempotency_key_of(info, idempotency_key)
        return await run(
            info,
            lambda w: w.consent(
                info.context, str(customer_id), CONSENT_ENTITY, fields, key, purpose
            ),
        )

    @strawberry.mutation(
        description="Give up on a write still queued (a system that will not come back); "
        "true when one was cancelled."
    )
    async def cancel_write(self, info: Info[GatewayContext, None], id: strawberry.ID) -> bool:
        return await cancel(info, str(id))

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
