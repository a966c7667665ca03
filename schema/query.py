"""The root query: the configured sources, and records of one source read directly."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from connectors.base import Connector
from gateway.context import GatewayContext
from schema.records import SourceRecord
from schema.sources import SourceInfo

__all__ = ["MAX_VALUE_LENGTH", "Query"]

MAX_VALUE_LENGTH = 4096


def _connector(info: Info[GatewayContext, None], source: str, value: str, arg: str) -> Connector:
    """The source's connector, once the arguments are known to be acceptable."""
    sources = info.context.sources
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


@strawberry.type
class Query:
    @strawberry.field(description="Every configured source, in the order of the config.")
    def sources(self, info: Info[GatewayContext, None]) -> list[SourceInfo]:
        return [SourceInfo.of(connector) for connector in info.context.sources.values()]

    @strawberry.field(description="One record of one source, by its key in that source.")
    async def record(
        self, info: Info[GatewayContext, None], source: str, entity: str, key: str
    ) -> SourceRecord | None:
        connector = _connector(info, source, key, "key")
        found = (await connector.fetch(entity, "key", [key])).get(key, [])
        return SourceRecord.of(found[0]) if found else None

    @strawberry.field(
        description="The records of one source whose `by` (an identifier or a parent key) "
        "equals `value`."
    )
    async def records(
        self, info: Info[GatewayContext, None], source: str, entity: str, by: str, value: str
    ) -> list[SourceRecord]:
        connector = _connector(info, source, value, "value")
        found = (await connector.fetch(entity, by, [value])).get(value, [])
        return [SourceRecord.of(record) for record in found]
