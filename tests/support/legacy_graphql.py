"""A departmental system that speaks GraphQL, for tests: the contract estate behind a small
strawberry app, with camelCase fields, nested names and addresses.

It has look-ups of both shapes, a list argument (``contacts(ids:)``, ``ordersOf(customerIds:)``)
and single values (``contactsByEmail(email:)``, ``order(id:)``), fields that fail
(``Contact.loyalty`` for one contact, ``broken``), and counts the calls it serves and keeps
every request body it received.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from tests.support.dataset import ORDERS, PEOPLE, Order, Person

__all__ = ["GRAPHQL_SOURCE", "LegacyGraphql"]


@strawberry.type
class Name:
    first: str
    last: str


@strawberry.type
class Address:
    city: str


@strawberry.type
class Contact:
    id: strawberry.ID
    name: Name
    email_address: str
    phone_number: str
    address: Address
    last_modified: str

    @strawberry.field
    def loyalty(self) -> str | None:
        if self.id == "P-2":
            raise ValueError("loyalty ledger offline for P-2")
        return "gold"

    @classmethod
    def of(cls, p: Person) -> Contact:
        return cls(
            id=strawberry.ID(p.key),
            name=Name(first=p.given_name, last=p.family_name),
            email_address=p.email,
            phone_number=p.phone,
            address=Address(city=p.city),
            last_modified=p.updated_at + "Z",
        )


@strawberry.type
class Money:
    amount: str
    currency: str


@strawberry.type
class OrderNode:
    order_id: strawberry.ID
    customer_id: str
    total: Money
    placed_at: str

    @classmethod
    def of(cls, o: Order) -> OrderNode:
        return cls(
            order_id=strawberry.ID(o.key),
            customer_id=o.customer,
            total=Money(amount=o.total, currency=o.currency),
            placed_at=o.placed_at,
        )


@strawberry.type
class Query:
    @strawberry.field
    def contacts(self, ids: list[strawberry.ID]) -> list[Contact]:
        wanted = set(ids)
        return [Contact.of(p) for p in PEOPLE if p.key in wanted]

    @strawberry.field
    def contacts_by_email(self, email: str) -> list[Contact]:
        return [Contact.of(p) for p in PEOPLE if p.email == email]

    @strawberry.field
    def order(self, id: strawberry.ID) -> OrderNode | None:
        return next((OrderNode.of(o) for o in ORDERS if o.key == id), None)

    @strawberry.field
    def orders_of(self, customer_ids: list[str]) -> list[OrderNode]:
        wanted = set(customer_ids)
        return [OrderNode.of(o) for o in ORDERS if o.customer in wanted]

    @strawberry.field
    def broken(self, id: strawberry.ID) -> Contact:
        raise ValueError("contact store is being rebuilt")


class LegacyGraphql:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        graphql = GraphQL[None, None](strawberry.Schema(query=Query), graphql_ide=None)
        self.app = Starlette(
            routes=[
                Route("/graphql", self._recorded(graphql), methods=["POST"]),
                Route("/html", self._html, methods=["POST"]),
                Route("/array", self._array, methods=["POST"]),
            ]
        )

    async def _html(self, request: Request) -> Response:
        return HTMLResponse("<html><body>Login</body></html>")

    async def _array(self, request: Request) -> Response:
        return Response("[1, 2]", media_type="application/json")

    @property
    def calls(self) -> int:
        return len(self.bodies)

    def reset(self) -> None:
        with self._lock:
            self.bodies.clear()

    def _recorded(self, app: GraphQL[None, None]) -> _Recording:
        return _Recording(app, self)


class _Recording:
    """Keeps each request body before the GraphQL app reads it (an ASGI app, not a handler)."""

    def __init__(self, app: GraphQL[None, None], system: LegacyGraphql) -> None:
        self.app, self.system = app, system

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await Request(scope, receive).body()
        with self.system._lock:
            self.system.bodies.append(json.loads(body) if body else {})

        async def replay() -> Any:
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


PERSON_FIELDS = "id name { first last } emailAddress phoneNumber address { city } lastModified"
ORDER_FIELDS = "orderId customerId total { amount currency } placedAt"

GRAPHQL_SOURCE: dict[str, Any] = {
    "kind": "graphql",
    "entities": {
        "person": {
            "queries": {
                "key": {
                    "query": f"query ($ids: [ID!]!) {{ contacts(ids: $ids) {{ {PERSON_FIELDS} }} }}"
                },
                "email": {
                    "query": "query ByEmail($email: String!) "
                    f"{{ contactsByEmail(email: $email) {{ {PERSON_FIELDS} }} }}"
                },
            },
            "fields": {
                "key": "id",
                "given_name": "name.first",
                "family_name": "name.last",
                "email": "emailAddress",
                "phone": "phoneNumber",
                "city": "address.city",
                "updated_at": "lastModified",
            },
        },
        "order": {
            "queries": {
                "key": {"query": f"query ($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"},
                "customer_no": {
                    "query": "query ($ids: [String!]!) "
                    f"{{ ordersOf(customerIds: $ids) {{ {ORDER_FIELDS} }} }}",
                    "match": "customer_ref",
                },
            },
            "fields": {
                "key": "orderId",
                "customer_ref": "customerId",
                "total": "total.amount",
                "currency": "total.currency",
                "placed_at": "placedAt",
            },
        },
    },
}
