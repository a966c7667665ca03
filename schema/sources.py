"""The configured source systems, as the API describes them."""

from __future__ import annotations

import strawberry

from connectors.base import Connector

__all__ = ["EntityInfo", "SourceInfo"]


@strawberry.type(description="One entity a source serves, and how it can be looked up.")
class EntityInfo:
    name: str
    by: list[str] = strawberry.field(description="The look-ups it accepts: `key` and others.")
    fields: list[str] = strawberry.field(description="The canonical fields it maps.")


@strawberry.type(description="One configured source: an interface to a departmental system.")
class SourceInfo:
    name: str
    kind: str
    system: str = strawberry.field(
        description="The departmental system it belongs to; several sources may share one."
    )
    description: str
    entities: list[EntityInfo]

    @classmethod
    def of(cls, connector: Connector) -> SourceInfo:
        config = connector.config
        return cls(
            name=connector.name,
            kind=config.kind,
            system=config.system or connector.name,
            description=config.description,
            entities=[
                EntityInfo(name=spec.name, by=sorted(spec.by), fields=list(spec.fields))
                for spec in connector.entities.values()
            ],
        )
