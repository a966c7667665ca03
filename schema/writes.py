"""The write-back mutations' types and resolvers: a contact detail or a consent changed once,
each system's outcome returned (:mod:`gateway.writeback` does the work)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any, Optional

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.customer_fields import RELATED, WRITABLE, AddressValue
from gateway.writeback import (
    CustomerNotFound,
    IdempotencyKeyReused,
    InvalidChange,
    OutboxWrite,
    WriteBack,
    WriteResult,
)
from schema.marketing import ConsentChannel

__all__ = [
    "AddressInput",
    "SystemWrite",
    "WriteOutcome",
    "WriteStatus",
    "cancel",
    "run",
    "update_contact",
]

MAX_KEY = 200
CONSENT_ENTITY = next(r.entity for r in RELATED if r.name == "consents")


@strawberry.enum(description="Where one system's write stands.")
class WriteStatus(Enum):
    WRITTEN = "written"
    QUEUED = "queued"
    FAILED = "failed"
    NOT_WRITABLE = "not_writable"
    CONFLICT = "conflict"
    CANCELLED = "cancelled"


@strawberry.type(description="What one system did with the change of one of its records.")
class SystemWrite:
    id: strawberry.ID = strawberry.field(description="The write, to cancel it while queued.")
    source: str
    record: str
    status: WriteStatus
    code: str | None = strawberry.field(description="Why it is not written, as a code.")
    message: str | None = strawberry.field(
        description="The system's own message when it refused the value."
    )
    attempts: int

    @classmethod
    def of(cls, write: OutboxWrite) -> SystemWrite:
        status = "queued" if write.status == "sending" else write.status
        return cls(
            id=strawberry.ID(write.id),
            source=write.source,
            record=write.key,
            status=WriteStatus(status),
            code=None if status == "written" else write.code,
            message=None if status == "written" else write.message,
            attempts=write.attempts,
        )


@strawberry.type(description="A change told once: what each system holding it did.")
class WriteOutcome:
    customer_id: strawberry.ID
    request: str = strawberry.field(description="The request, as the outbox and audit know it.")
    replayed: bool = strawberry.field(
        description="True when the idempotency key was seen before: nothing was sent again."
    )
    systems: list[SystemWrite]

    @classmethod
    def of(cls, result: WriteResult) -> WriteOutcome:
        return cls(
            customer_id=strawberry.ID(result.customer),
            request=result.request,
            replayed=result.replayed,
            systems=[SystemWrite.of(w) for w in result.writes],
        )


@strawberry.input(description="A new postal address; parts left out are cleared.")
class AddressInput:
    line1: str
    line2: str | None = None
    city: str | None = None
    postcode: str | None = None
    region: str | None = None
    country: str | None = None

    def value(self) -> AddressValue:
        return AddressValue(
            self.line1, self.line2, self.city, self.postcode, self.region, self.country
        )


# The input type of each structured attribute (by its declaration's type_name); an attribute
# shown as a scalar is asked as that scalar. Each input has ``value()``: the attribute's value.
INPUTS: dict[str, type] = {"Address": AddressInput}


def _argument(name: str) -> tuple[str, Any]:
    declared = next(a for a in WRITABLE if a.name == name)
    kind = INPUTS[declared.type_name] if declared.type_name else declared.scalar
    return declared.name, Optional[kind]  # noqa: UP045 (a runtime annotation for strawberry)


def update_contact() -> Callable[..., Any]:
    """The resolver of ``updateContact``: one optional argument per attribute declared with
    ``writes`` in :mod:`gateway.customer_fields` (``email``, ``phone``, ``address``), so that a
    newly writable attribute is asked for with no change here."""

    async def resolver(self: Any, info: Info[GatewayContext, None], **given: Any) -> WriteOutcome:
        customer_id = str(given.pop("customer_id"))
        key = idempotency_key(info, given.pop("idempotency_key", None))
        values = {
            name: value.value() if hasattr(value, "value") else value
            for name, value in given.items()
            if value is not None
        }
        return await run(info, lambda w: w.change(info.context, customer_id, values, key))

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", keyword, annotation=Info[GatewayContext, None]),
        inspect.Parameter("customer_id", keyword, annotation=strawberry.ID),
        *(
            inspect.Parameter(name, keyword, default=None, annotation=annotation)
            for name, annotation in map(_argument, (a.name for a in WRITABLE))
        ),
        inspect.Parameter("idempotency_key", keyword, default=None, annotation=Optional[str]),  # noqa: UP045
    ]
    resolver.__signature__ = inspect.Signature(parameters, return_annotation=WriteOutcome)  # type: ignore[attr-defined]
    resolver.__annotations__ = {
        **{p.name: p.annotation for p in parameters if p.annotation is not inspect.Parameter.empty},
        "return": WriteOutcome,
    }
    return resolver


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def _writeback(info: Info[GatewayContext, None]) -> WriteBack:
    writeback = info.context.runtime.writeback
    if writeback is None:
        raise _error("no source takes writes (write: in the config)", "NOT_WRITABLE")
    return writeback


def idempotency_key(info: Info[GatewayContext, None], given: str | None) -> str | None:
    """The argument, or the request's ``Idempotency-Key`` header."""
    request = info.context.request
    key = (
        given
        if given is not None
        else (request.headers.get("idempotency-key") if request else None)
    )
    if key is not None and not 1 <= len(key) <= MAX_KEY:
        raise _error(f"idempotencyKey needs 1 to {MAX_KEY} characters", "BAD_USER_INPUT")
    return key


async def run(info: Info[GatewayContext, None], call: Any) -> WriteOutcome:
    """Run one write-back call, its refusals as GraphQL errors with a code."""
    try:
        return WriteOutcome.of(await call(_writeback(info)))
    except InvalidChange as exc:
        raise _error(str(exc), "BAD_USER_INPUT") from None
    except CustomerNotFound:
        raise _error("no such customer", "NOT_FOUND") from None
    except IdempotencyKeyReused:
        raise _error(
            "this idempotency key was used for another change", "IDEMPOTENCY_KEY_REUSED"
        ) from None


def consent_fields(channel: ConsentChannel, granted: bool, on: str) -> dict[str, Any]:
    return {f"{channel.value}_opt_in": "Y" if granted else "N", f"{channel.value}_opt_in_at": on}


async def cancel(info: Info[GatewayContext, None], write_id: str) -> bool:
    writeback = _writeback(info)
    return await writeback.outbox.cancel(write_id, info.context.clock.now())
