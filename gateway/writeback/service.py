"""A change told once, written to every system that holds it.

:meth:`WriteBack.change` is what the mutations call::

    result = await runtime.writeback.change(context, "crm:C-000042",
                                            {"phone": "+1 217 670 2732"}, key="req-77")

1. the values are checked (:func:`~gateway.writeback.changes.validated`): nothing is touched
   when one is refused;
2. an idempotency key seen before answers with that request's writes as they stand now, and
   sends nothing (a key reused for another change, or by another principal, is refused);
3. the customer is resolved, within the caller's row scope (not found otherwise);
4. each linked record holding a changed field gets one write, recorded in the outbox before
   anything is sent (:mod:`gateway.writeback.outbox`), then sent, all systems at once
   (:mod:`gateway.writeback.delivery`);
5. what each system did is returned, one audit line written (before and after, masked as the
   caller's role masks them), and the customer announced as changed.

A write that lands drops the cached answers that held the record, and is remembered so that
the value read next names it in its provenance (``written by c360 at ...``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gateway.clock import Clock
from gateway.customer import CustomerView
from gateway.events import CustomerChanged, EventBus
from gateway.identity import Seed
from gateway.security.masks import attribute_masks
from gateway.security.policy import mask
from gateway.security.scope import visible
from gateway.writeback.changes import InvalidChange, fingerprint, planned, validated
from gateway.writeback.delivery import Delivery
from gateway.writeback.outbox import Outbox, OutboxWrite, WriteRequest
from gateway.writeback.settings import WritebackSettings
from model.records import Record
from model.timestamps import iso_utc

if TYPE_CHECKING:
    from gateway.cache import RecordCache
    from gateway.context import GatewayContext
    from gateway.sources import SourceSet

__all__ = ["CustomerNotFound", "IdempotencyKeyReused", "WriteBack", "WriteResult"]


class CustomerNotFound(LookupError):
    """The customer id leads to no customer the caller may see."""


class IdempotencyKeyReused(ValueError):
    """The idempotency key was used before for another change."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    customer: str
    request: str
    replayed: bool
    writes: list[OutboxWrite]


@dataclass(frozen=True, slots=True)
class Written:
    """A value c360 wrote into one record: the provenance of what is read next names it."""

    at: float
    request: str
    fields: frozenset[str]


class WriteBack:
    def __init__(
        self,
        settings: WritebackSettings,
        outbox: Outbox,
        sources: SourceSet,
        clock: Clock,
        cache: RecordCache | None,
        events: EventBus | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.clock = clock
        self.cache = cache
        self.events = events
        self.delivery = Delivery(outbox, sources, clock, settings, self._landed)
        self._written: OrderedDict[tuple[str, str, str], Written] = OrderedDict()

    def written(self, record: Record) -> Written | None:
        """What c360 last wrote into this record, as this gateway remembers it."""
        return self._written.get((record.source, record.entity, record.key))

    async def _landed(self, write: OutboxWrite) -> None:
        at = write.settled_at if write.settled_at is not None else self.clock.now()
        self._written[(write.source, write.entity, write.key)] = Written(
            at, write.request_id, frozenset(write.changes)
        )
        while len(self._written) > 10_000:
            self._written.popitem(last=False)
        if self.cache is not None:
            await self.cache.invalidate(write.source, write.entity, [write.key])
        if self.events is not None:
            change = CustomerChanged(write.source, write.entity, (write.key,), cause="write-back")
            await self.events.publish(change)

    async def change(
        self,
        context: GatewayContext,
        customer_id: str,
        values: Mapping[str, Any],
        key: str | None = None,
    ) -> WriteResult:
        """Change attributes of a customer (``{"phone": ...}``) in every system holding them."""
        resolver = context.resolver
        fields = validated(
            values, resolver.normalize, lambda name, v: resolver.comparable(name, {name: v})
        )
        return await self._run(context, "updateContact", customer_id, fields, key, _people)

    async def consent(
        self,
        context: GatewayContext,
        customer_id: str,
        entity: str,
        fields: Mapping[str, Any],
        key: str | None = None,
        purpose: str = "",
    ) -> WriteResult:
        """Set consent fields on the customer's ``entity`` records (their loyalty records);
        ``purpose`` is what the consent is for, kept with the request and in the audit."""

        async def holders(view: CustomerView) -> list[Record]:
            return list(await view.related(entity))

        return await self._run(
            context, "setConsent", customer_id, {**fields, "purpose": purpose}, key, holders
        )

    async def _run(
        self,
        context: GatewayContext,
        operation: str,
        customer_id: str,
        fields: dict[str, Any],
        key: str | None,
        holders: Callable[[CustomerView], Awaitable[list[Record]]],
    ) -> WriteResult:
        digest = fingerprint(operation, customer_id, fields)
        principal = context.principal
        caller = principal.label if principal else "none"
        if key is not None:
            replay = await self._replay(key, digest, caller)
            if replay is not None:
                return replay
        identity = await context.resolver.resolve(_seed(context, customer_id))
        if identity is None or not visible(identity, context):
            raise CustomerNotFound(customer_id)
        records = await holders(CustomerView(identity, context))
        request = WriteRequest(
            operation=operation,
            customer=identity.id,
            principal=caller,
            purpose=context.purpose,
            fingerprint=digest,
            idempotency_key=key,
        )
        writes = planned(records, fields, context.sources)
        now = self.clock.now()
        if await self.outbox.record(request, writes, now, self.settings.lease) is None:
            assert key is not None  # a concurrent request with the same key recorded first
            replay = await self._replay(key, digest, caller)
            assert replay is not None
            return replay
        sent = await asyncio.gather(
            *(self.delivery.send(_of(w, request.id)) for w in writes if w.status == "sending")
        )
        settled = {w.id: w for w in sent}
        outcome = [settled.get(w.id, _of(w, request.id)) for w in writes]
        await self._audit(context, request, outcome)
        return WriteResult(identity.id, request.id, False, outcome)

    async def _replay(self, key: str, digest: str, caller: str) -> WriteResult | None:
        """The earlier request with this key, answered again; only to the principal that
        sent it (another never sees its customer or records, whatever its row scope)."""
        earlier = await self.outbox.request(key)
        if earlier is None:
            return None
        if earlier.fingerprint != digest or earlier.principal != caller:
            raise IdempotencyKeyReused(key)
        return WriteResult(earlier.customer, earlier.id, True, await self.outbox.writes(earlier.id))

    async def _audit(
        self, context: GatewayContext, request: WriteRequest, writes: Sequence[OutboxWrite]
    ) -> None:
        audit = context.audit
        if audit is None:
            return
        masks = attribute_masks(context.policy) if context.policy is not None else {}

        def shown(values: Mapping[str, Any]) -> dict[str, Any]:
            return {k: mask(masks[k], v) if k in masks else v for k, v in values.items()}

        principal = context.principal
        await audit.record(
            {
                "time": datetime.fromtimestamp(self.clock.now(), UTC).isoformat(
                    timespec="milliseconds"
                ),
                "principal": request.principal,
                "role": principal.role if principal else None,
                "purpose": request.purpose,
                "operation": request.operation,
                "request": request.id,
                "customers": [request.customer],
                "writes": [
                    {
                        "source": w.source,
                        "record": w.key,
                        "status": w.status,
                        "before": shown(w.before),
                        "after": shown(w.changes),
                    }
                    for w in writes
                ],
                "outcome": "ok",
            }
        )

    def provenance_rule(self, record: Record, field: str) -> str | None:
        """``written by c360 at <time>`` when c360 wrote ``field`` into ``record``."""
        found = self.written(record)
        if found is None or field not in found.fields:
            return None
        return f"written by c360 at {iso_utc(found.at)}"


async def _people(view: CustomerView) -> list[Record]:
    return list(view.people())


def _of(write: OutboxWrite, request: str) -> OutboxWrite:
    return dataclasses.replace(write, request_id=request)


def _seed(context: GatewayContext, customer_id: str) -> Seed:
    source, sep, key = customer_id.partition(":")
    if not sep or source not in context.sources or not key:
        raise InvalidChange("customerId", "not a customer id (<source>:<key>)")
    return Seed(source=source, key=key)
