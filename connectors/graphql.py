"""``kind: graphql`` — a system that speaks GraphQL, read with one shared ``httpx.AsyncClient``.

Per entity and look-up, a query template with one variable::

    campaigns:
      kind: graphql
      url: http://127.0.0.1:9104/graphql
      entities:
        person:
          queries:
            key: {query: "query ($ids: [ID!]!) { contacts(ids: $ids) { id email } }"}
            email: {query: "query ($email: String!) { contactByEmail(email: $email) { id } }"}
          fields: {key: id, email: email, city: address.city}

A list variable carries up to ``batch_size`` values in one call, and the answer's records are
paired with the asked values through the canonical field ``match`` (``key`` for ``key``, the
look-up's own name when it is a field, else required). A single-value variable is asked for
many values at once under aliases (see :mod:`connectors._operations`). Values only ever travel
as variables: no value is placed in the query text.

``write:`` (see :mod:`connectors.writing`) runs a mutation template with the variables
``$key``, ``$changes`` (the changed fields under their source names, nested by dotted paths)
and, with ``version``, ``$expected``; an error whose ``extensions.code`` is ``CONFLICT`` is a
conflict, any other error a refusal with the remote's message::

          write:
            fields: [email]
            mutation: >-
              mutation ($key: ID!, $changes: ContactChanges!) {
              updateContact(id: $key, changes: $changes) { id } }

An answer with ``errors`` and no data fails with ``SOURCE_BAD_RESPONSE`` and the remote's
message; where the remote gave partial data, what it gave is kept and its errors logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors._http import HttpConnector
from connectors._mapping import build_record, dotted
from connectors._operations import Operation, TemplateError, compile_template
from connectors.base import EntitySpec, Record, SourceHealth
from connectors.errors import (
    SourceBadResponse,
    SourceError,
    WriteConflict,
    WriteRejected,
    snippet,
)
from connectors.options import (
    EntityConfig,
    HttpSourceConfig,
    Identifier,
    Problem,
    SourceConfig,
    http_url,
)
from connectors.writing import Change, WriteSpec, nested, source_value, write_problems

__all__ = [
    "GraphqlConfig",
    "GraphqlConnector",
    "GraphqlEntityConfig",
    "GraphqlQuery",
    "GraphqlWrite",
]

logger = logging.getLogger("c360.connectors")


class GraphqlQuery(BaseModel):
    """One look-up: ``query`` (one operation, one variable), where the records sit below
    ``data`` (``items``, a dotted path; the top-level field by default), and for a list
    variable the canonical field pairing records with values (``match``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str = Field(min_length=1)
    items: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w]*(\.[\w]+)*$")
    match: Identifier | None = None


class GraphqlWrite(WriteSpec):
    mutation: str = Field(min_length=1)


class GraphqlEntityConfig(EntityConfig):
    queries: dict[Identifier, GraphqlQuery] = Field(min_length=1)
    write: GraphqlWrite | None = None

    def lookups(self) -> frozenset[str]:
        return frozenset(self.queries) - {"key"}

    def match_for(self, by: str) -> str | None:
        """The canonical field that pairs a list answer's records with the asked values."""
        declared = self.queries[by].match
        if declared is not None:
            return declared
        if by == "key" or by in self.fields:
            return by
        return None


class GraphqlConfig(HttpSourceConfig):
    url: str
    entities: dict[Identifier, GraphqlEntityConfig] = Field(min_length=1)  # type: ignore[assignment]

    _url = field_validator("url")(http_url)

    def problems(self) -> Iterator[Problem]:
        for name, entity in self.entities.items():
            if "key" not in entity.queries:
                yield ("entities", name, "queries"), "needs a `key` query"
            for by, lookup in entity.queries.items():
                where: tuple[str | int, ...] = ("entities", name, "queries", by)
                try:
                    operation = compile_template(lookup.query, lookup.items)
                except TemplateError as exc:
                    yield (*where, "query"), str(exc)
                    continue
                match = entity.match_for(by)
                if operation.is_list and match is None:
                    yield (*where, "match"), "a list variable needs `match`: the field to pair"
                elif operation.is_list and match not in entity.fields:
                    yield (*where, "match"), f"{match!r} is not one of this entity's fields"
            if entity.write is not None:
                at: tuple[str | int, ...] = ("entities", name, "write")
                for sub, message in write_problems(name, entity.fields, entity.write):
                    yield (*at, *sub), message
                for variable in ("$key", "$changes"):
                    if variable not in entity.write.mutation:
                        yield (*at, "mutation"), f"must declare and use {variable}"


class GraphqlConnector(HttpConnector):
    """Reads a GraphQL system through an injected ``httpx.AsyncClient``."""

    config_model = GraphqlConfig
    config: GraphqlConfig

    def __init__(self, name: str, config: Any, client: Any) -> None:
        super().__init__(name, config, client)
        self._operations = {
            (entity, by): compile_template(lookup.query, lookup.items)
            for entity, cfg in self.config.entities.items()
            for by, lookup in cfg.queries.items()
        }

    @classmethod
    def from_config(cls, name: str, config: SourceConfig, *, base_dir: Path) -> Self:
        assert isinstance(config, GraphqlConfig)
        return cls(name, config, cls.build_client(config))

    async def health(self) -> SourceHealth:
        try:
            await self._post("query Health { __typename }", {})
        except SourceError as exc:
            return SourceHealth(ok=False, detail=exc.detail)
        return SourceHealth(ok=True, detail="answers __typename")

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        spec = self.spec(entity, by)
        operation = self._operations[(entity, by)]
        wanted = list(dict.fromkeys(values))
        size = self.config.batch_size
        chunks = [wanted[i : i + size] for i in range(0, len(wanted), size)]
        answers = await asyncio.gather(*(self._ask(spec, operation, c) for c in chunks))
        result: dict[str, list[Record]] = {value: [] for value in wanted}
        match = self.config.entities[entity].match_for(by) or "key"
        for chunk, answer in zip(chunks, answers, strict=True):
            if not operation.is_list:
                result.update(zip(chunk, answer, strict=True))
                continue
            fold = str.casefold if match != "key" else str
            index = {fold(v): v for v in chunk}
            for record in (r for found in answer for r in found):
                paired = record.data.get(match)
                asked = index.get(fold(str(paired))) if paired is not None else None
                if asked is not None:
                    result[asked].append(record)
        return result

    async def _ask(
        self, spec: EntitySpec, operation: Operation, values: list[str]
    ) -> list[list[Record]]:
        """One call for ``values``: the records per value (alias mode), or all in one list."""
        query, variables = operation.request(values)
        data = await self._post(query, variables)
        paths = [operation.items] if operation.is_list else operation.paths(len(values))
        return [self._records(spec, dotted(data, ".".join(path))) for path in paths]

    def _records(self, spec: EntitySpec, found: Any) -> list[Record]:
        rows = found if isinstance(found, list) else [found]
        records = (
            build_record(self.name, spec, row, dotted) for row in rows if isinstance(row, Mapping)
        )
        return [record for record in records if record is not None]

    async def write(self, entity: str, change: Change) -> None:
        cfg = self.config.entities[entity]
        spec = cfg.write
        if spec is None:
            await super().write(entity, change)
            return
        changes = nested(
            {
                cfg.fields[name]: source_value(name, value, spec.format.get(name))
                for name, value in change.values.items()
                if name in spec.fields
            }
        )
        variables: dict[str, Any] = {"key": change.key, "changes": changes}
        if spec.version is not None and change.expected is not None:
            variables["expected"] = change.expected
        document, _ = await self._answer(spec.mutation, variables)
        errors = document.get("errors") or []
        if errors:
            items = errors if isinstance(errors, list) else [errors]
            codes = {
                str(e.get("extensions", {}).get("code", ""))
                for e in items
                if isinstance(e, Mapping)
            }
            if "CONFLICT" in codes:
                raise WriteConflict(self.name, _messages(errors))
            raise WriteRejected(self.name, _messages(errors))

    async def _answer(self, query: str, variables: dict[str, Any]) -> tuple[Mapping[str, Any], Any]:
        """The parsed GraphQL answer, and the HTTP answer it came in."""
        answer = await self.http.call(
            "POST",
            self.config.url,
            content=json.dumps({"query": query, "variables": variables}).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/graphql-response+json, application/json",
            },
        )
        where = f"POST {snippet(self.config.url, 100)}: HTTP {answer.status}"
        try:
            document = json.loads(answer.body)
        except ValueError as exc:
            raise SourceBadResponse(
                self.name,
                f"{where}: not JSON ({answer.content_type}): {snippet(answer.text)}",
                status=answer.status,
                retry_after=answer.retry_after,
            ) from exc
        if not isinstance(document, Mapping) or not ({"data", "errors"} & set(document)):
            raise SourceBadResponse(
                self.name,
                f"{where}: not a GraphQL answer: {snippet(answer.text)}",
                status=answer.status,
                retry_after=answer.retry_after,
            )
        return document, answer

    async def _post(self, query: str, variables: dict[str, Any]) -> Any:
        """The answer's ``data``; errors with no data are :class:`SourceBadResponse`."""
        document, answer = await self._answer(query, variables)
        where = f"POST {snippet(self.config.url, 100)}: HTTP {answer.status}"
        errors = document.get("errors") or []
        data = document.get("data")
        if errors and not data:
            raise SourceBadResponse(
                self.name,
                f"{where}: {_messages(errors)}",
                status=answer.status,
                retry_after=answer.retry_after,
            )
        if errors:
            # the remote's messages may quote values: they go to debug, the count to warning
            logger.warning("%s: partial answer kept, with %d errors", self.name, _count(errors))
            logger.debug("%s: the remote said: %s", self.name, _messages(errors))
        if not 200 <= answer.status < 300 and not data:
            raise SourceBadResponse(
                self.name, f"{where}: {snippet(answer.text)}", status=answer.status
            )
        return data


def _count(errors: Any) -> int:
    return len(errors) if isinstance(errors, list) else 1


def _messages(errors: Any) -> str:
    """The remote's error messages, shortened: the first, and how many more."""
    items = errors if isinstance(errors, list) else [errors]
    texts = [str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in items] or [
        "no message"
    ]
    more = f" (+{len(texts) - 1} more)" if len(texts) > 1 else ""
    return snippet(texts[0]) + more
