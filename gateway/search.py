"""``customers(search:)``: prefix matches in every source that can search, grouped into customers.

Each source whose person entity accepts ``by="search"`` is asked once; every hit is resolved
into its customer (all hits at once, so their look-ups share batches), and hits that land in
the same customer become one answer, in the order they were found: the schema orders them by
the name it shows, which survivorship settles.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from connectors.errors import SourceError
from gateway.identity import Identity, Seed
from model.records import Record

if TYPE_CHECKING:
    from gateway.context import GatewayContext

__all__ = ["SEARCH", "search_customers"]

SEARCH = "search"


async def search_customers(context: GatewayContext, term: str) -> list[Identity]:
    searchable = [
        name
        for name, connector in context.sources.items()
        if "person" in connector.entities and SEARCH in connector.entities["person"].by
    ]

    async def ask(source: str) -> list[Record]:
        try:
            [found] = await context.batcher.fetch(source, "person", SEARCH, [term])
        except SourceError:
            return []  # recorded by the pipeline
        return found

    hits = [record for found in await asyncio.gather(*map(ask, searchable)) for record in found]
    unique = list({(r.source, r.key): r for r in hits}.values())
    identities = await context.resolver.resolve_many(
        [Seed(source=r.source, key=r.key) for r in unique]
    )
    customers: list[Identity] = []
    claimed: set[tuple[str, str]] = set()
    for identity in identities:
        if identity is None or identity.keys() & claimed:
            continue
        claimed |= identity.keys()
        customers.append(identity)
    return customers
