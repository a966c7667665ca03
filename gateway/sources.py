"""The configured sources, each with its connector open for the life of the app."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from connectors.base import Connector

if TYPE_CHECKING:
    from gateway.config import Settings

__all__ = ["SourceSet"]

logger = logging.getLogger("c360.gateway")


class SourceSet(Mapping[str, Connector]):
    """Connectors by source name; built at start-up, closed at shutdown."""

    def __init__(self, connectors: Mapping[str, Connector]) -> None:
        self._connectors = dict(connectors)

    @classmethod
    def open(cls, settings: Settings) -> SourceSet:
        built: dict[str, Connector] = {}
        for name, source in settings.sources.items():
            built[name] = source.connector.from_config(
                name, source.config, base_dir=settings.base_dir
            )
        return cls(built)

    def only(self, names: list[str]) -> SourceSet:
        """The sources among ``names``, in config order: what one role may use."""
        return SourceSet({n: c for n, c in self._connectors.items() if n in names})

    def __getitem__(self, name: str) -> Connector:
        return self._connectors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._connectors)

    def __len__(self) -> int:
        return len(self._connectors)

    async def aclose(self) -> None:
        for name, connector in self._connectors.items():
            try:
                await connector.aclose()
            except Exception:
                logger.exception("closing source %s failed", name)
