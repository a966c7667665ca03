"""The audit trail of personal data (a strawberry extension): one line per request that
touched it (asked a field returning a customer or a record, or a field of one), written
whether the request succeeded or failed, with the customers it was shown and the personal
fields it asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLResolveInfo, get_named_type
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from gateway.live import is_live
from gateway.security.context import security_context
from gateway.security.policy import PERSONAL_TYPES

__all__ = ["AuditTrail"]


class AuditTrail(SchemaExtension):
    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        context = security_context(info.context)
        if context.audit is not None:
            parent = info.parent_type.name
            if parent in PERSONAL_TYPES or get_named_type(info.return_type).name in PERSONAL_TYPES:
                context.personal_fields.add(f"{parent}.{info.field_name}")
        return _next(root, info, *args, **kwargs)

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self._record(self.execution_context.result)

    async def on_stream_result(self, result: StreamExecutionResult) -> AsyncIterator[None]:
        if is_live(self.execution_context):  # each event of a subscription: a line of its own
            await self._record(result)
        yield

    async def _record(self, result: object) -> None:
        context = security_context(self.execution_context.context)
        audit = context.audit
        if audit is None or not context.personal_fields:
            return
        principal = context.principal
        await audit.record(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "principal": principal.label if principal else "none",
                "role": principal.role if principal else None,
                "purpose": context.purpose,
                "customers": sorted(context.customers_seen),
                "fields": sorted(context.personal_fields),
                "outcome": "error" if getattr(result, "errors", True) else "ok",
            }
        )
        context.personal_fields.clear()  # written once
