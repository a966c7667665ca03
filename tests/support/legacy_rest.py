"""A legacy REST system for tests: contacts with camelCase fields, nested addresses, envelopes.

It counts the calls it serves, records the raw paths it received, tracks the most requests it
had in flight at once, and has routes that misbehave: 500s, HTML, slowness.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.dataset import ORDERS, PEOPLE, Order, Person


def contact(p: Person) -> dict[str, Any]:
    return {
        "id": p.key,
        "name": {"first": p.given_name, "last": p.family_name},
        "emailAddress": p.email,
        "phoneNumber": p.phone,
        "address": {"city": p.city},
        "lastModified": p.updated_at + "Z",
    }


def order(o: Order) -> dict[str, Any]:
    return {
        "orderId": o.key,
        "customerId": o.customer,
        "total": {"amount": o.total, "currency": o.currency},
        "placedAt": o.placed_at,
    }


class LegacyRest:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.paths: list[str] = []
        self.traceparents: list[str | None] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/contacts", self.contacts),
                Route("/contacts/{key:path}", self.contact),
                Route("/customers/{key}/orders", self.orders),
                Route("/orders/{key}", self.order),
                Route("/broken", lambda r: PlainTextResponse("database exploded\nstack", 500)),
                Route("/html", lambda r: HTMLResponse("<html><body>Login</body></html>")),
                Route("/scalar", lambda r: JSONResponse(42)),
                Route("/slow", self.slow),
                Route("/", lambda r: JSONResponse({"status": "up"})),
            ]
        )

    def reset(self) -> None:
        self.calls.clear()
        self.paths.clear()
        self.traceparents.clear()
        self.max_in_flight = 0

    async def _enter(self, request: Request, name: str) -> None:
        with self._lock:
            self.traceparents.append(request.headers.get("traceparent"))
            self.calls[name] += 1
            self.paths.append(
                request.scope["raw_path"].decode()
                + (
                    "?" + request.scope["query_string"].decode()
                    if request.scope["query_string"]
                    else ""
                )
            )
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.delay:
            await asyncio.sleep(self.delay)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    async def contacts(self, request: Request) -> Response:
        await self._enter(request, "contacts")
        try:
            ids = request.query_params.get("ids")
            email = request.query_params.get("email")
            if ids is not None:
                wanted = set(ids.split(","))
                found = [contact(p) for p in PEOPLE if p.key in wanted]
            elif email is not None:
                found = [contact(p) for p in PEOPLE if p.email == email]
            else:
                found = [contact(p) for p in PEOPLE]
            return JSONResponse({"items": found, "total": len(found)})
        finally:
            self._leave()

    async def contact(self, request: Request) -> Response:
        await self._enter(request, "contact")
        try:
            key = request.path_params["key"]
            for p in PEOPLE:
                if p.key == key:
                    return JSONResponse(contact(p))
            return JSONResponse({"error": "not found"}, 404)
        finally:
            self._leave()

    async def orders(self, request: Request) -> Response:
        await self._enter(request, "orders")
        try:
            key = request.path_params["key"]
            return JSONResponse({"items": [order(o) for o in ORDERS if o.customer == key]})
        finally:
            self._leave()

    async def order(self, request: Request) -> Response:
        await self._enter(request, "order")
        try:
            key = request.path_params["key"]
            found = [order(o) for o in ORDERS if o.key == key]
            return JSONResponse(found[0]) if found else JSONResponse({}, 404)
        finally:
            self._leave()

    async def slow(self, request: Request) -> Response:
        await asyncio.sleep(5)
        return JSONResponse({})


REST_SOURCE = {
    "kind": "rest",
    "entities": {
        "person": {
            "batch": "/contacts?ids={keys}",
            "lookup": {"email": "/contacts?email={value}"},
            "items": "items",
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
            "get": "/orders/{key}",
            "children": {"customer_no": "/customers/{value}/orders"},
            "items": "items",
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
