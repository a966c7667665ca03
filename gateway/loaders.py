"""Per-request batching: every look-up of one kind made in one tick becomes one ``fetch``.

One :class:`Fetcher` lives for one GraphQL request. It keeps a DataLoader per
``(source, entity, by)``, so that resolving fifty customers' orders costs one orders call per
system, not fifty, and asking the same key twice in a request costs nothing. It also counts the
calls it made, for tests and metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from connectors.base import Connector, Record
from gateway.sources import SourceSet

__all__ = ["Fetcher", "LoaderKey"]

LoaderKey = tuple[str, str, str]  # (source, entity, by)


class Fetcher:
    def __init__(self, sources: SourceSet) -> None:
        self.sources = sources
        self.calls: Counter[LoaderKey] = Counter()
        self._loaders: dict[LoaderKey, DataLoader[str, list[Record]]] = {}

    def loader(self, source: str, entity: str, by: str) -> DataLoader[str, list[Record]]:
        key = (source, entity, by)
        found = self._loaders.get(key)
        if found is None:
            connector = self.sources[source]
            found = DataLoader(load_fn=self._batch(connector, key), max_batch_size=None)
            self._loaders[key] = found
        return found

    async def fetch(
        self, source: str, entity: str, by: str, values: Sequence[str]
    ) -> list[list[Record]]:
        """The records for each value, in order; raises the source's error if it fails."""
        if not values:
            return []
        return list(await self.loader(source, entity, by).load_many(list(values)))

    def _batch(self, connector: Connector, key: LoaderKey):  # type: ignore[no-untyped-def]
        _, entity, by = key

        async def load(values: list[str]) -> list[list[Record]]:
            self.calls[key] += 1
            found = await connector.fetch(entity, by, values)
            return [list(found.get(value, ())) for value in values]

        return load
