"""c360 as an Apollo Federation 2 subgraph (``server.federation: true``).

The subgraph's entities, each with the key a router asks them by::

    Customer @key(fields: "id")     # "<source>:<key>" of any linked record
    Order    @key(fields: "id")     # "<source>:<order number>"
    Vehicle  @key(fields: "vin")

``Query._service { sdl }`` gives the schema with those keys and the ``@link`` to the
federation spec; ``Query._entities(representations:)`` resolves the representations a router
sends, all of them in one pass whose look-ups share the request's batches. An entity goes
through the same row scope, field policies, masks and audit as ``Query.customer``: a
representation of a customer the principal may not see is ``null``, as a look-up would be.
"""

from __future__ import annotations

from typing import Annotated, Any, NewType

import strawberry
from graphql import (
    ConstArgumentNode,
    ConstDirectiveNode,
    DocumentNode,
    NameNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    parse,
    print_ast,
)
from strawberry.types import Info

from gateway.context import GatewayContext
from schema.commerce import Order
from schema.customer import Customer
from schema.dealer import Vehicle
from schema.entities import MAX_REPRESENTATIONS, resolve_entities
from schema.query import Query

__all__ = ["FEDERATION_SPEC", "KEYS", "SCALARS", "FederatedQuery", "subgraph_sdl"]

FEDERATION_SPEC = "https://specs.apollo.dev/federation/v2.7"
KEYS = {"Customer": "id", "Order": "id", "Vehicle": "vin"}
_ADDED = {"_Service", "_Entity", "_Any"}  # the subgraph protocol's own types, not its schema

FederationAny = NewType("FederationAny", object)
SCALARS: dict[object, Any] = {
    FederationAny: strawberry.scalar(
        name="_Any",
        description="A representation: `__typename` and the entity's key fields.",
        serialize=lambda value: value,
        parse_value=lambda value: value,
    )
}


@strawberry.type(name="_Service")
class Service:
    sdl: str


Entity = Annotated[Customer | Order | Vehicle, strawberry.union("_Entity")]


@strawberry.type(name="Query")
class FederatedQuery(Query):
    @strawberry.field(name="_service")
    def service(self, info: Info[GatewayContext, None]) -> Service:
        return Service(sdl=subgraph_sdl(info.schema.as_str()))

    @strawberry.field(
        name="_entities",
        description=f"The entities a router asks for by key; at most {MAX_REPRESENTATIONS}.",
    )
    async def entities(
        self,
        info: Info[GatewayContext, None],
        representations: list[FederationAny],
    ) -> list[Entity | None]:
        return await resolve_entities(info.context, list(representations))


def _key(fields: str) -> ConstDirectiveNode:
    argument = ConstArgumentNode(
        name=NameNode(value="fields"), value=StringValueNode(value=fields, block=False)
    )
    return ConstDirectiveNode(name=NameNode(value="key"), arguments=(argument,))


_SDL: dict[str, str] = {}


def subgraph_sdl(printed: str) -> str:
    """The subgraph schema composition reads: the served schema without the protocol's own
    fields and types, the entities' ``@key`` directives, and the ``@link`` importing them."""
    known = _SDL.get(printed)
    if known is not None:
        return known
    document = parse(printed, no_location=True)
    definitions = []
    for node in document.definitions:
        name = getattr(getattr(node, "name", None), "value", None)
        if name in _ADDED:
            continue
        if isinstance(node, ObjectTypeDefinitionNode) and name == "Query":
            fields = tuple(f for f in node.fields or () if not f.name.value.startswith("_"))
            node = ObjectTypeDefinitionNode(
                name=node.name,
                description=node.description,
                interfaces=node.interfaces,
                directives=node.directives,
                fields=fields,
            )
        elif isinstance(node, ObjectTypeDefinitionNode) and name in KEYS:
            node = ObjectTypeDefinitionNode(
                name=node.name,
                description=node.description,
                interfaces=node.interfaces,
                directives=(*(node.directives or ()), _key(KEYS[name])),
                fields=node.fields,
            )
        definitions.append(node)
    link = f'extend schema @link(url: "{FEDERATION_SPEC}", import: ["@key"])'
    sdl = link + "\n\n" + print_ast(DocumentNode(definitions=tuple(definitions)))
    _SDL.clear()
    _SDL[printed] = sdl
    return sdl
