"""A REST/JSON legacy service over collections of records: the CRM and the dealer system.

For each collection ``things`` keyed by ``thingId``::

    GET /things/{key}                      one record, 404 when unknown
    GET /things?ids=a,b,c                  {"items": [...]}
    GET /things?email=ann@x.com            {"items": [...]}  (one per declared look-up)
    GET /things?q=ann                      {"items": [...]}  (prefix search, where declared)
    GET /parents/{key}/things              {"items": [...]}  (one per declared parent)
    PATCH /things/{key}                    a change, where the collection has a ``version``:
                                           412 when ``If-Match`` is not the record's version,
                                           422 with the system's message for a bad value
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from demo.services.edits import applied, next_stamp, problem
from demo.services.instruments import Instruments
from demo.services.normalize import NORMALIZERS

Row = dict[str, Any]


@dataclass
class Collection:
    name: str
    key: str
    records: list[Row]
    lookups: dict[str, tuple[str, str]] = field(default_factory=dict)  # param -> (field, how)
    parents: dict[str, str] = field(default_factory=dict)  # parent collection -> field
    search: tuple[str, ...] = ()  # fields a ``?q=`` prefix search reads
    version: str | None = None  # the field holding the update time; writable when set

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        terms: list[tuple[str, int]] = []
        for number, record in enumerate(self.records):
            for name in self.search:
                for term in _terms(record.get(name)):
                    terms.append((term, number))
        terms.sort()
        self.search_terms = [t for t, _ in terms]
        self.search_rows = [n for _, n in terms]
        self.by_key = {str(r[self.key]): r for r in self.records}
        self.indexes: dict[str, dict[str, list[Row]]] = {}
        for param, (name, how) in self.lookups.items():
            self.indexes[param] = _index(self.records, name, NORMALIZERS[how])
        for parent, name in self.parents.items():
            self.indexes[f"parent:{parent}"] = _index(self.records, name, NORMALIZERS["exact"])


def _terms(value: Any) -> list[str]:
    """What a search box matches a field on: the words of the text, and a phone's digits."""
    if not value:
        return []
    text = str(value).casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    words = [text.strip(), *text.replace(",", " ").split()]
    return list(dict.fromkeys([*words, digits, digits[-10:]] if len(digits) >= 7 else words))


def search(collection: Collection, query: str, limit: int = 50) -> list[Row]:
    prefix = query.strip().casefold()
    if len(prefix) < 2:
        return []
    digits = "".join(ch for ch in prefix if ch.isdigit())
    found: dict[int, Row] = {}
    for wanted in dict.fromkeys([prefix, digits] if len(digits) >= 3 else [prefix]):
        start = bisect.bisect_left(collection.search_terms, wanted)
        for i in range(start, len(collection.search_terms)):
            if not collection.search_terms[i].startswith(wanted) or len(found) >= limit:
                break
            number = collection.search_rows[i]
            found.setdefault(number, collection.records[number])
    return list(found.values())


def _get(record: Row, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _index(records: list[Row], name: str, normalize: Any) -> dict[str, list[Row]]:
    index: dict[str, list[Row]] = {}
    for record in records:
        value = _get(record, name)
        if value:
            index.setdefault(normalize(str(value)), []).append(record)
    return index


def rest_service(
    collections: list[Collection], instruments: Instruments, api_key: str | None = None
) -> Starlette:
    routes: list[Route] = list(instruments.routes())
    for collection in collections:
        routes.append(Route(f"/{collection.name}", _listing(collection, instruments)))
        for parent in collection.parents:
            path = f"/{parent}/{{key}}/{collection.name}"
            routes.append(Route(path, _children(collection, parent, instruments)))
    # single records last: "/owners/{key:path}" would swallow "/owners/{key}/vehicles"
    for collection in collections:
        routes.append(
            Route(
                f"/{collection.name}/{{key:path}}",
                _single(collection, instruments),
                methods=["GET", "PATCH"],
            )
        )
    routes.append(Route("/", lambda request: JSONResponse({"status": "up"})))
    app = Starlette(routes=routes)
    app.add_middleware(_Auth, api_key=api_key)
    return app


class _Auth:
    """The dealer system's own API key, sent as ``X-Dealer-Key``."""

    def __init__(self, app: Any, api_key: str | None) -> None:
        self.app, self.api_key = app, api_key

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.api_key and scope["type"] == "http" and not scope["path"].startswith("/_"):
            headers = dict(scope["headers"])
            if headers.get(b"x-dealer-key", b"").decode("latin-1") != self.api_key:
                response = JSONResponse({"error": "missing or wrong X-Dealer-Key"}, 401)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _described(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _listing(collection: Collection, instruments: Instruments) -> Any:
    async def endpoint(request: Request) -> Response:
        instruments.count(f"/{collection.name}", _described(request))
        params = request.query_params
        if "q" in params and collection.search:
            return JSONResponse({"items": search(collection, params["q"])})
        if "ids" in params:
            wanted = [k for k in params["ids"].split(",") if k]
            found = [collection.by_key[k] for k in dict.fromkeys(wanted) if k in collection.by_key]
            return JSONResponse({"items": found})
        for param, (_, how) in collection.lookups.items():
            if param in params:
                key = NORMALIZERS[how](params[param])
                return JSONResponse(
                    {"items": collection.indexes[param].get(key, []) if key else []}
                )
        return JSONResponse({"error": f"ask by ids or one of {sorted(collection.lookups)}"}, 400)

    return endpoint


def _single(collection: Collection, instruments: Instruments) -> Any:
    async def endpoint(request: Request) -> Response:
        route = f"/{collection.name}/{{key}}"
        instruments.count(route, _described(request))
        record = collection.by_key.get(request.path_params["key"])
        if record is None:
            return JSONResponse({"error": "not found"}, 404)
        if request.method == "PATCH":
            return await _patch(collection, record, request, instruments, route)
        return JSONResponse(record)

    return endpoint


async def _patch(
    collection: Collection, record: Row, request: Request, instruments: Instruments, route: str
) -> Response:
    if collection.version is None:
        return JSONResponse({"error": "read-only"}, 405)
    if instruments.write_fails():
        return JSONResponse({"error": "injected failure"}, 503)
    try:
        changes = await request.json()
    except ValueError:
        return JSONResponse({"error": "the body must be a JSON object"}, 400)
    if not isinstance(changes, dict) or collection.key in changes:
        return JSONResponse({"error": "the body must be a JSON object of fields"}, 400)
    expected = request.headers.get("if-match")
    if expected is not None and expected != record.get(collection.version):
        return JSONResponse({"error": "the record changed since you read it"}, 412)
    for name, value in _flat(changes):
        refused = problem(name, value)
        if refused:
            return JSONResponse({"error": refused}, 422)
    applied(record, changes)
    record[collection.version] = next_stamp(record.get(collection.version))
    collection.reindex()
    instruments.written(route)
    return JSONResponse(record)


def _flat(document: Row, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, value in document.items():
        if isinstance(value, dict):
            found += _flat(value, f"{prefix}{name}.")
        else:
            found.append((f"{prefix}{name}", value))
    return found


def _children(collection: Collection, parent: str, instruments: Instruments) -> Any:
    async def endpoint(request: Request) -> Response:
        instruments.count(f"/{parent}/{{key}}/{collection.name}", _described(request))
        found = collection.indexes[f"parent:{parent}"].get(request.path_params["key"], [])
        return JSONResponse({"items": found})

    return endpoint
