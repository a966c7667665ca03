"""``kind: csv`` and ``kind: fixed_width`` — nightly export files read in place.

Each entity is one file. The file is parsed off the event loop into in-memory indexes, one per
look-up column, and parsed again when its modification time or size changes (checked at most
every ``reload_check``). Legacy exports are often latin-1 and ``;``-separated::

    loyalty:
      kind: csv
      directory: /srv/exports          # relative paths are taken from the config's folder
      encoding: latin-1
      delimiter: ";"
      entities:
        person:
          file: loyalty_members.csv
          by: {email: EMAIL}
          fields: {key: LOYALTY_NO, email: EMAIL, family_name: NAME}

    dealer_visits:
      kind: fixed_width
      entities:
        visit:
          file: visits.txt
          skip_lines: 1                  # a header line
          columns: {VISIT_ID: 1-8, VIN: 9-25, DATE: 26-33}
          fields: {key: VISIT_ID}
"""

from __future__ import annotations

import asyncio
import bisect
import codecs
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, field_validator

from connectors._exports import ColumnSpan, ParsedExport, parse_csv, parse_fixed_width, parse_span
from connectors._mapping import build_record
from connectors.base import Connector, EntitySpec, SourceHealth
from connectors.errors import SourceError, SourceMisconfigured, SourceUnavailable
from connectors.matching import Lookup, LookupSpec
from connectors.options import Duration, EntityConfig, Identifier, Problem, SourceConfig
from model.records import Record

__all__ = [
    "CsvConfig",
    "CsvConnector",
    "FileExportConnector",
    "FixedWidthConfig",
    "FixedWidthConnector",
]

logger = logging.getLogger("c360.connectors")

Span = Annotated[ColumnSpan, BeforeValidator(parse_span)]


def _codec(value: str | None) -> str | None:
    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
    return value


class FileEntityConfig(EntityConfig):
    file: str = Field(min_length=1)
    by: dict[Identifier, LookupSpec] = Field(default_factory=dict)
    encoding: str | None = None

    _encoding = field_validator("encoding")(_codec)

    def lookups(self) -> frozenset[str]:
        return frozenset(self.by)

    def used_columns(self) -> list[str]:
        searched = [column for lookup in self.by.values() for column in lookup.searched()]
        return list(dict.fromkeys([*self.fields.values(), *searched]))

    def lookup(self, by: str) -> Lookup:
        return Lookup(column=self.fields["key"]) if by == "key" else self.by[by]


class CsvEntityConfig(FileEntityConfig):
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)


class FixedWidthEntityConfig(FileEntityConfig):
    columns: dict[str, Span] = Field(min_length=1)
    skip_lines: int = Field(default=0, ge=0)


class FileSourceConfig(SourceConfig):
    directory: str = "."
    encoding: str = "utf-8"
    reload_check: Duration = 1.0

    _encoding = field_validator("encoding")(_codec)

    def problems(self) -> Iterator[Problem]:
        for name, entity in self.entities.items():
            assert isinstance(entity, FileEntityConfig)
            if "key" in entity.by:
                yield ("entities", name, "by", "key"), "`key` is read from fields.key"


class CsvConfig(FileSourceConfig):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    entities: dict[Identifier, CsvEntityConfig] = Field(min_length=1)  # type: ignore[assignment]


class FixedWidthConfig(FileSourceConfig):
    entities: dict[Identifier, FixedWidthEntityConfig] = Field(min_length=1)  # type: ignore[assignment]

    def problems(self) -> Iterator[Problem]:
        yield from super().problems()
        for name, entity in self.entities.items():
            used = [("fields", canonical, column) for canonical, column in entity.fields.items()]
            used += [("by", by, c) for by, lookup in entity.by.items() for c in lookup.searched()]
            for section, canonical, column in used:
                if column not in entity.columns:
                    yield (
                        ("entities", name, section, canonical),
                        f"{column!r} is not one of the declared columns",
                    )


@dataclass(frozen=True, slots=True)
class _Index:
    stamp: tuple[int, int]
    by: Mapping[str, Mapping[str, list[Record]]]
    prefixes: Mapping[str, tuple[list[str], list[Record]]]
    problems: tuple[str, ...]
    checked: float
    stale: str = ""  # why the file on disk is not the one served (its last good load is)


class FileExportConnector(Connector):
    """Base of the file kinds: a subclass says how to parse one file into rows."""

    config: FileSourceConfig

    def __init__(self, name: str, config: FileSourceConfig, directory: Path) -> None:
        super().__init__(name, config)
        self.directory = directory
        self._indexes: dict[str, _Index] = {}
        self._locks = {entity: asyncio.Lock() for entity in config.entities}

    @classmethod
    def from_config(cls, name: str, config: SourceConfig, *, base_dir: Path) -> Self:
        assert isinstance(config, FileSourceConfig)
        return cls(name, config, (base_dir / config.directory).resolve())

    def path(self, entity: str) -> Path:
        cfg = self.config.entities[entity]
        assert isinstance(cfg, FileEntityConfig)
        return self.directory / cfg.file

    def parse(self, entity: str, path: Path, data: bytes) -> ParsedExport:
        """Parse one file's bytes into rows of column name -> text."""
        raise NotImplementedError

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        spec = self.spec(entity, by)
        index = await self._index(entity, spec)
        cfg = self.config.entities[entity]
        assert isinstance(cfg, FileEntityConfig)
        lookup = cfg.lookup(by)
        if lookup.match == "prefix":
            keys, records = index.prefixes[by]
            return {value: _starting(keys, records, value, lookup.limit) for value in values}
        found = index.by[by]
        return {value: list(found.get(lookup.key(value) or "", ())) for value in values}

    async def sample(self, entity: str, limit: int) -> list[Record]:
        """The first ``limit`` records of the export, in file order."""
        index = await self._index(entity, self.spec(entity, "key"))
        return [records[0] for records in islice(index.by["key"].values(), limit)]

    async def health(self) -> SourceHealth:
        """Healthy while every entity's file is read and holds records: an export that is
        missing, emptied or unreadable is not healthy, even while its last load is served."""
        failures = []
        for entity in self.config.entities:
            try:
                index = await self._index(entity, self.spec(entity, "key"))
            except SourceError as exc:
                failures.append(exc.detail)
                continue
            if index.stale:
                failures.append(f"{index.stale}; serving its last load")
        if failures:
            return SourceHealth(ok=False, detail="; ".join(failures))
        problems = sum(len(index.problems) for index in self._indexes.values())
        return SourceHealth(ok=True, detail=f"{problems} malformed rows skipped")

    async def raw_sample(self, entity: str, limit: int) -> list[Mapping[str, Any]] | None:
        path = self.path(entity)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise SourceUnavailable(self.name, f"cannot read {path}: {exc.strerror}") from exc
        parsed = await asyncio.to_thread(self.parse, entity, path, data)
        fields = self.config.entities[entity].fields
        return [
            {canonical: row.get(column, "").strip() for canonical, column in fields.items()}
            for _, row in parsed.rows[:limit]
        ]

    def problems(self, entity: str) -> tuple[str, ...]:
        """The rows skipped at the last load of the entity's file, each as ``file:line: why``."""
        index = self._indexes.get(entity)
        return index.problems if index else ()

    async def _index(self, entity: str, spec: EntitySpec) -> _Index:
        current = self._indexes.get(entity)
        now = time.monotonic()
        if current is not None and now - current.checked < self.config.reload_check:
            return current
        async with self._locks[entity]:
            current = self._indexes.get(entity)
            if current is not None and now - current.checked < self.config.reload_check:
                return current
            path = self.path(entity)
            try:
                stat = await asyncio.to_thread(path.stat)
                stamp = (stat.st_mtime_ns, stat.st_size)
                if current is not None and current.stamp == stamp:
                    self._indexes[entity] = replace(current, checked=now, stale="")
                else:
                    self._indexes[entity] = await asyncio.to_thread(
                        self._load, entity, spec, path, stamp
                    )
            except (OSError, _NoRecords) as exc:
                failure = SourceUnavailable(self.name, _unreadable(path, exc))
                if current is None:
                    raise failure from exc
                logger.warning("%s: %s; serving its last load", self.name, failure.detail)
                self._indexes[entity] = replace(current, checked=now, stale=failure.detail)
            return self._indexes[entity]

    def _load(self, entity: str, spec: EntitySpec, path: Path, stamp: tuple[int, int]) -> _Index:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceUnavailable(self.name, f"cannot read {path}: {exc.strerror}") from exc
        if not data.strip():
            raise _NoRecords()
        parsed = self.parse(entity, path, data)
        cfg = self.config.entities[entity]
        assert isinstance(cfg, FileEntityConfig)
        used = cfg.used_columns()
        absent = [c for c in used if c not in parsed.header]
        if absent:
            # a first line naming none of the columns is likely a data row: never repeat it
            found = (
                f"it has {', '.join(parsed.header)}"
                if len(absent) < len(used)
                else "its first line names none of them: is the header line missing?"
            )
            raise SourceMisconfigured(
                self.name, f"{path.name} has no column {', '.join(map(repr, absent))} ({found})"
            )
        lookups = {"key": cfg.lookup("key"), **cfg.by}
        by: dict[str, dict[str, list[Record]]] = {}
        prefixes: dict[str, list[tuple[str, int, Record]]] = {}
        for name, lookup in lookups.items():
            if lookup.match == "prefix":
                prefixes[name] = []
            else:
                by[name] = {}
        for number, (_, row) in enumerate(parsed.rows):
            record = build_record(self.name, spec, row)
            if record is None:
                continue
            for name, lookup in lookups.items():
                if lookup.match == "prefix":
                    for column in lookup.searched():
                        text = row[column].strip().casefold()
                        if text:
                            prefixes[name].append((text, number, record))
                    continue
                assert lookup.column is not None
                value = lookup.key(row[lookup.column])
                if value:
                    by[name].setdefault(value, []).append(record)
        for problem in parsed.problems:
            logger.warning("%s: %s", self.name, problem)
        if not by["key"]:
            raise _NoRecords()
        sorted_prefixes = {}
        for name, entries in prefixes.items():
            entries.sort(key=lambda entry: (entry[0], entry[1]))
            sorted_prefixes[name] = ([e[0] for e in entries], [e[2] for e in entries])
        return _Index(stamp, by, sorted_prefixes, tuple(parsed.problems), time.monotonic())


class _NoRecords(Exception):
    """An export that holds no records: emptied, or cut off after its header."""


def _unreadable(path: Path, exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read {path}: {exc.strerror}"
    return f"{path.name} holds no records"


def _starting(keys: list[str], records: list[Record], value: str, limit: int) -> list[Record]:
    """Records with a searched column starting with ``value`` (case-folded), at most ``limit``."""
    prefix = value.strip().casefold()
    found: dict[int, Record] = {}
    if prefix:
        for i in range(bisect.bisect_left(keys, prefix), len(keys)):
            if not keys[i].startswith(prefix) or len(found) >= limit:
                break
            found.setdefault(id(records[i]), records[i])
    return list(found.values())


class CsvConnector(FileExportConnector):
    """Reads delimited text exports, with a header line naming the columns."""

    config_model = CsvConfig
    config: CsvConfig

    def parse(self, entity: str, path: Path, data: bytes) -> ParsedExport:
        cfg = self.config.entities[entity]
        return parse_csv(
            path,
            data,
            cfg.encoding or self.config.encoding,
            cfg.delimiter or self.config.delimiter,
            cfg.quotechar,
        )


class FixedWidthConnector(FileExportConnector):
    """Reads fixed-width exports, cut into columns by character positions."""

    config_model = FixedWidthConfig
    config: FixedWidthConfig

    def parse(self, entity: str, path: Path, data: bytes) -> ParsedExport:
        cfg = self.config.entities[entity]
        encoding = cfg.encoding or self.config.encoding
        return parse_fixed_width(path, data, encoding, dict(cfg.columns), cfg.skip_lines)
