"""The connector contract: one batched verb over one legacy system.

A connector wraps one system in place. It answers one question, batched: "give me the
``entity`` records whose ``by`` equals each of ``values``". A get by key (``by="key"``), a
look-up by an identifier (``by="email"``) and the children of a parent
(``entity="order", by="customer_no"``) are all this one call.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, ClassVar, Self

from connectors.errors import NotWritable, UnsupportedLookup
from connectors.options import SourceConfig
from connectors.parsing import FieldParse, source_fields
from connectors.writing import Change, WriteSpec
from model.records import Record

__all__ = ["Change", "Connector", "EntitySpec", "Record", "SourceHealth"]


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """What a source serves of one entity: the ``by`` values it accepts and its field mapping."""

    name: str
    by: frozenset[str]
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    updated_at_format: str | None = None
    parse: Mapping[str, FieldParse] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def source_fields(self) -> Mapping[str, str]:
        """The source field of every canonical field a record may hold (a split name's parts
        name the field holding the whole name)."""
        return source_fields(self.fields, self.parse) if self.parse else self.fields


@dataclass(frozen=True, slots=True)
class SourceHealth:
    ok: bool
    detail: str = ""


class Connector(abc.ABC):
    """Base class of every connector kind.

    Subclasses set ``config_model`` to the pydantic model of their config block and implement
    :meth:`fetch`. Any I/O object (an ``httpx.AsyncClient``, an SQLAlchemy engine) is passed to
    the constructor; :meth:`from_config` builds it, and is called by the app at start-up;
    :meth:`aclose` releases it at shutdown.

    A minimal connector over a dict::

        class DictConnector(Connector):
            config_model = SourceConfig

            async def fetch(self, entity, by, values):
                spec = self.spec(entity, by)
                return {v: [r for r in ROWS if r.data.get(by) == v] for v in values}
    """

    config_model: ClassVar[type[SourceConfig]] = SourceConfig

    def __init__(self, name: str, config: SourceConfig) -> None:
        self.name = name
        self.config = config
        self._entities = MappingProxyType(
            {
                entity: EntitySpec(
                    entity,
                    frozenset({"key", *cfg.lookups()}),
                    MappingProxyType(cfg.fields),
                    cfg.updated_at_format,
                    MappingProxyType(cfg.parse),
                )
                for entity, cfg in config.entities.items()
            }
        )

    @classmethod
    def from_config(cls, name: str, config: SourceConfig, *, base_dir: Path) -> Self:
        """Build the connector and the I/O objects it needs. ``base_dir`` is the config's folder."""
        return cls(name, config)

    @property
    def entities(self) -> Mapping[str, EntitySpec]:
        """The entities this source serves, each with the ``by`` values it accepts."""
        return self._entities

    def spec(self, entity: str, by: str) -> EntitySpec:
        """The entity's spec, or :class:`UnsupportedLookup` when ``(entity, by)`` is not served."""
        spec = self._entities.get(entity)
        if spec is None:
            served = ", ".join(sorted(self._entities)) or "nothing"
            raise UnsupportedLookup(
                self.name, f"does not serve entity {entity[:100]!r} (serves {served})", public=True
            )
        if by not in spec.by:
            accepted = ", ".join(sorted(spec.by))
            raise UnsupportedLookup(
                self.name,
                f"cannot look up {entity} by {by[:100]!r} (accepts {accepted})",
                public=True,
            )
        return spec

    @abc.abstractmethod
    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        """The ``entity`` records whose ``by`` equals each of ``values``.

        Returns a mapping with every asked value as a key (an empty list where none was found).
        Raises a :class:`connectors.errors.SourceError` on any failure of the backend.
        """

    async def sample(self, entity: str, limit: int) -> list[Record]:
        """Up to ``limit`` records of ``entity``, read to train identity matching
        (``c360 identity train``). A source that cannot list its records keeps this default,
        which says so; training then reaches its records through look-ups only."""
        raise UnsupportedLookup(self.name, f"cannot list its {entity} records")

    async def raw_sample(self, entity: str, limit: int) -> list[Mapping[str, Any]] | None:
        """Up to ``limit`` of the entity's records as the system writes them, by canonical
        field and before any ``parse:``: what ``c360 check --probe`` reads. None (the
        default) for a kind that cannot list records without being asked for one."""
        return None

    def write_spec(self, entity: str) -> WriteSpec | None:
        """The entity's ``write:`` block, or None where the system takes no writes of it."""
        cfg = self.config.entities.get(entity)
        spec = getattr(cfg, "write", None)
        return spec if isinstance(spec, WriteSpec) else None

    def writes(self, entity: str) -> frozenset[str]:
        """The canonical fields of ``entity`` this source takes writes of (none by default)."""
        spec = self.write_spec(entity)
        return frozenset(spec.fields) if spec is not None else frozenset()

    async def write(self, entity: str, change: Change) -> None:
        """Write ``change`` into the system: the record ``change.key`` of ``entity`` gets
        ``change.values`` (canonical), in the system's own conventions; conditional on
        ``change.expected`` where the entity declares a ``version``.

        Raises :class:`~connectors.errors.WriteConflict` when the record changed since it was
        read, :class:`~connectors.errors.WriteRejected` with the system's message when it
        refuses the values, any other :class:`~connectors.errors.SourceError` when it could
        not be asked (worth retrying). The default: nothing is writable here.
        """
        raise NotWritable(self.name, f"{entity} records are not writable here")

    async def health(self) -> SourceHealth:
        """Whether the source answers now. The default claims health without asking."""
        return SourceHealth(ok=True)

    async def aclose(self) -> None:  # noqa: B027 (an optional hook, not abstract)
        """Release what :meth:`from_config` built. The default has nothing to release."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
