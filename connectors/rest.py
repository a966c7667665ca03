"""``kind: rest`` — a JSON-over-HTTP system, read through one shared HTTP transport.

Per entity, path templates say how to read it::

    person:
      get: /contacts/{key}                     # one record by key
      batch: /contacts?ids={keys}              # many by key, comma-joined, where the system can
      lookup: {email: /contacts?email={value}} # by an identifier
      children: {customer_no: /customers/{value}/orders}   # by a parent's key
      items: data.results                      # where the list sits in a list answer
      send: {family_sound: phonetic}           # a look-up the system serves by a derived key
      fields: {key: id, email: emailAddress, city: address.city}
      write: {method: PATCH, path: /contacts/{key}, fields: [email, city]}

``write:`` (see :mod:`connectors.writing`) sends the changed fields as a JSON document shaped
by the field mapping (``address.city`` nests), with ``PATCH`` or ``POST``; ``PUT`` sends the
whole record as read, changed. With ``version``, the version read goes in ``If-Match``
(``version_header``); the system answers 409 or 412 when the record changed meanwhile.

Every value is percent-escaped before it is placed in a template, ``/``, ``?``, ``&`` and ``#``
included, so a key such as ``../admin`` or ``a?b=c`` can never change the path or the query.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import quote

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from connectors._http import HttpConnector
from connectors._mapping import build_record, dotted
from connectors.base import EntitySpec, SourceHealth
from connectors.errors import (
    SourceBadResponse,
    SourceError,
    WriteConflict,
    WriteRejected,
    snippet,
)
from connectors.matching import match_key
from connectors.options import (
    EntityConfig,
    HttpSourceConfig,
    Identifier,
    Problem,
    SourceConfig,
    http_url,
)
from connectors.writing import Change, WriteSpec, nested, source_value, write_problems
from model.records import Record

__all__ = ["RestConfig", "RestConnector", "RestEntityConfig", "RestWrite", "escape"]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _sent_shorthand(value: Any) -> Any:
    return {"form": value} if isinstance(value, str) else value


class SentKey(BaseModel):
    """The derived key a look-up sends instead of the asked value: ``phonetic`` (the family
    name's key, for a system searched by Soundex) or ``postcode`` (compact, in ``country``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    form: Literal["phonetic", "postcode"]
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class RestWrite(WriteSpec):
    method: Literal["PATCH", "PUT", "POST"] = "PATCH"
    path: str = Field(min_length=1)
    version_header: str = Field(default="If-Match", pattern=r"^[A-Za-z0-9-]+$")


class RestEntityConfig(EntityConfig):
    get: str | None = None
    batch: str | None = None
    batch_separator: str = Field(default=",", min_length=1)
    lookup: dict[Identifier, str] = Field(default_factory=dict)
    children: dict[Identifier, str] = Field(default_factory=dict)
    items: str | None = None
    send: dict[Identifier, Annotated[SentKey, BeforeValidator(_sent_shorthand)]] = Field(
        default_factory=dict
    )
    write: RestWrite | None = None

    def lookups(self) -> frozenset[str]:
        return frozenset(self.lookup) | frozenset(self.children)

    def templates(self) -> Iterator[tuple[tuple[str, ...], str, str]]:
        """(key path, template, the one placeholder it must hold) for every template."""
        if self.get is not None:
            yield ("get",), self.get, "key"
        if self.batch is not None:
            yield ("batch",), self.batch, "keys"
        for section, table in (("lookup", self.lookup), ("children", self.children)):
            for by, template in table.items():
                yield (section, by), template, "value"
        if self.write is not None:
            yield ("write", "path"), self.write.path, "key"


class RestConfig(HttpSourceConfig):
    base_url: str
    health_path: str = "/"
    entities: dict[Identifier, RestEntityConfig] = Field(min_length=1)  # type: ignore[assignment]

    _base_url = field_validator("base_url")(http_url)

    def problems(self) -> Iterator[Problem]:
        for name, entity in self.entities.items():
            where: tuple[str | int, ...] = ("entities", name)
            if entity.get is None and entity.batch is None:
                yield where, "needs `get` or `batch` to read records by key"
            for both in sorted(set(entity.lookup) & set(entity.children)):
                yield (*where, "children", both), "already declared under lookup"
            for sent in sorted(set(entity.send) - set(entity.lookup)):
                yield (*where, "send", sent), "not one of the entity's lookup templates"
            for path, template, wanted in entity.templates():
                found = _PLACEHOLDER.findall(template)
                if found != [wanted]:
                    yield (*where, *path), f"must hold {{{wanted}}} exactly once, and nothing else"
            if entity.write is not None:
                for sub, message in write_problems(name, entity.fields, entity.write):
                    yield (*where, "write", *sub), message


def escape(value: str) -> str:
    """Percent-escape a value for any position in a URL; it can never add a path segment."""
    if value and set(value) == {"."}:  # "." and ".." would be read as dot-segments
        return value.replace(".", "%2E")
    return quote(value, safe="")


class RestConnector(HttpConnector):
    """Reads a REST/JSON system through an injected HTTP transport."""

    config_model = RestConfig
    config: RestConfig

    @classmethod
    def from_config(cls, name: str, config: SourceConfig, *, base_dir: Path) -> Self:
        assert isinstance(config, RestConfig)
        client = cls.build_client(config, config.base_url)
        return cls(name, config, client)

    async def health(self) -> SourceHealth:
        try:
            answer = await self.http.call("GET", self.config.health_path)
        except SourceError as exc:
            return SourceHealth(ok=False, detail=exc.detail)
        return SourceHealth(ok=answer.status < 500, detail=f"HTTP {answer.status}")

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        spec = self.spec(entity, by)
        cfg = self.config.entities[entity]
        wanted = list(dict.fromkeys(values))
        if by == "key" and cfg.batch is not None:
            return await self._fetch_batched(spec, cfg, cfg.batch, wanted)
        if by == "key":
            assert cfg.get is not None
            template, placeholder = cfg.get, "{key}"
        else:
            template, placeholder = {**cfg.lookup, **cfg.children}[by], "{value}"
        if by in cfg.send:
            return await self._fetch_derived(spec, cfg, template, wanted, cfg.send[by])
        reads = [self._read(spec, cfg, template.replace(placeholder, escape(v))) for v in wanted]
        found = await asyncio.gather(*reads) if len(reads) > 1 else [await r for r in reads]
        return dict(zip(wanted, found, strict=True))

    async def _fetch_derived(
        self,
        spec: EntitySpec,
        cfg: RestEntityConfig,
        template: str,
        values: list[str],
        sent: SentKey,
    ) -> dict[str, list[Record]]:
        """Ask by each distinct derived key once (Meyer and Maier are one call)."""
        keys = {value: match_key(sent.form, value, country=sent.country) for value in values}
        distinct = sorted({key for key in keys.values() if key is not None})
        answers = await asyncio.gather(
            *(self._read(spec, cfg, template.replace("{value}", escape(key))) for key in distinct)
        )
        by_key = dict(zip(distinct, answers, strict=True))
        return {value: list(by_key.get(key or "", [])) for value, key in keys.items()}

    async def _fetch_batched(
        self, spec: EntitySpec, cfg: RestEntityConfig, template: str, keys: list[str]
    ) -> dict[str, list[Record]]:
        size = self.config.batch_size
        chunks = [keys[i : i + size] for i in range(0, len(keys), size)]
        answers = await asyncio.gather(
            *(
                self._read(
                    spec, cfg, template.replace("{keys}", cfg.batch_separator.join(map(escape, c)))
                )
                for c in chunks
            )
        )
        result: dict[str, list[Record]] = {key: [] for key in keys}
        for records in answers:
            for record in records:
                if record.key in result:
                    result[record.key].append(record)
        return result

    async def _read(self, spec: EntitySpec, cfg: RestEntityConfig, url: str) -> list[Record]:
        document = await self._get_json(url)
        if document is None:
            return []
        rows = _rows(document, cfg.items)
        if rows is None:
            raise SourceBadResponse(
                self.name, f"GET {_path(url)}: expected an object or a list, got {document!r:.80}"
            )
        records = (build_record(self.name, spec, row, dotted) for row in rows)
        return [record for record in records if record is not None]

    async def _get_json(self, url: str) -> Any:
        answer = await self.http.call("GET", url)
        where = f"GET {_path(url)}"
        if answer.status == 404:
            return None
        if not 200 <= answer.status < 300:
            raise SourceBadResponse(
                self.name,
                f"{where}: HTTP {answer.status}: {snippet(answer.text)}",
                status=answer.status,
                retry_after=answer.retry_after,
            )
        try:
            return json.loads(answer.body)
        except ValueError as exc:
            raise SourceBadResponse(
                self.name,
                f"{where}: not JSON ({answer.content_type}): {snippet(answer.text)}",
                status=answer.status,
            ) from exc

    async def write(self, entity: str, change: Change) -> None:
        cfg = self.config.entities[entity]
        spec = cfg.write
        if spec is None:
            await super().write(entity, change)
            return
        written = {**change.current, **change.values} if spec.method == "PUT" else change.values
        body = nested(
            {
                cfg.fields[name]: source_value(name, value, spec.format.get(name))
                for name, value in written.items()
                if name in cfg.fields
                and name != "key"
                and (spec.method == "PUT" or name in spec.fields)
            }
        )
        headers = {"Content-Type": "application/json"}
        if spec.version is not None and change.expected is not None:
            headers[spec.version_header] = change.expected
        url = spec.path.replace("{key}", escape(change.key))
        answer = await self.http.call(
            spec.method, url, content=json.dumps(body).encode(), headers=headers
        )
        where = f"{spec.method} {_path(url)}"
        if answer.status in (409, 412):
            raise WriteConflict(self.name, _message(answer.text), status=answer.status)
        if answer.status in (400, 404, 422):
            raise WriteRejected(self.name, _message(answer.text), status=answer.status)
        if not 200 <= answer.status < 300:
            raise SourceBadResponse(
                self.name,
                f"{where}: HTTP {answer.status}: {snippet(answer.text)}",
                status=answer.status,
                retry_after=answer.retry_after,
            )


def _message(text: str) -> str:
    """What a system said when it refused a write: its JSON ``error``/``message``, or text."""
    try:
        document = json.loads(text)
    except ValueError:
        return snippet(text, 200)
    if isinstance(document, Mapping):
        for name in ("error", "message", "detail", "title"):
            if isinstance(document.get(name), str):
                return snippet(document[name], 200)
    return snippet(text, 200)


def _rows(document: Any, items: str | None) -> list[Mapping[str, Any]] | None:
    if isinstance(document, Mapping) and items is not None:
        inner = dotted(document, items)
        document = inner if isinstance(inner, list) else document
    if isinstance(document, Mapping):
        return [document]
    if isinstance(document, list) and all(isinstance(row, Mapping) for row in document):
        return document
    return None


def _path(url: str) -> str:
    """The URL as it goes in an error message: never longer than a line."""
    return snippet(url, 100)
