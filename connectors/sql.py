"""``kind: sql`` — a relational database read through SQLAlchemy's async engine.

One table or view per entity; canonical fields map onto columns; every look-up is a batched
``WHERE column IN (...)`` in chunks of ``batch_size``, with bound parameters only::

    billing:
      kind: sql
      url: sqlite+aiosqlite:///billing.db        # or postgresql+asyncpg://user:pw@host/db
      entities:
        order:
          table: orders
          by: {customer_no: account_no}           # look-up name -> column
          # or {email: {column: email, match: casefold}}: see connectors.matching
          fields: {key: order_id, customer_ref: account_no, total: total_amount}

SQLite databases are opened read-only (a mistyped path is an error, never a new empty file),
and a relative SQLite path is taken from the config file's folder.

``write:`` (see :mod:`connectors.writing`) updates the mapped columns of one row by key, in a
transaction, with bound parameters only; with ``version`` the ``WHERE`` also asks for the
version read (no row updated then is a conflict), and ``stamp`` names the field set to the
time of the change. A source with a ``write:`` opens its SQLite file read-write (never
creating it)::

    person:
      table: accounts
      fields: {key: account_no, phone: phone, updated_at: updated_at}
      write: {fields: [phone], format: {phone: digits}, version: updated_at, stamp: updated_at}
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from pydantic import Field, field_validator
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from connectors._mapping import build_record
from connectors.base import Connector, EntitySpec, SourceHealth
from connectors.errors import (
    SourceBadResponse,
    SourceError,
    SourceMisconfigured,
    SourceTimeout,
    SourceUnavailable,
    WriteConflict,
    WriteRejected,
    snippet,
)
from connectors.matching import Lookup, LookupSpec, phone_variants
from connectors.options import EntityConfig, Identifier, Problem, SourceConfig
from connectors.writing import Change, WriteSpec, source_value, write_problems
from forms import family_key
from model.records import Record
from model.timestamps import parse_timestamp

__all__ = ["SqlConfig", "SqlConnector", "SqlEntityConfig", "SqlWrite"]

logger = logging.getLogger(__name__)

_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class SqlWrite(WriteSpec):
    stamp: Identifier | None = None


class SqlEntityConfig(EntityConfig):
    table: str = Field(min_length=1)
    db_schema: str | None = Field(default=None, alias="schema")
    by: dict[Identifier, LookupSpec] = Field(default_factory=dict)
    write: SqlWrite | None = None

    def lookups(self) -> frozenset[str]:
        return frozenset(self.by)

    def lookup(self, by: str) -> Lookup:
        return Lookup(column=self.fields["key"]) if by == "key" else self.by[by]

    def used_columns(self) -> list[str]:
        searched = [column for lookup in self.by.values() for column in lookup.searched()]
        return list(dict.fromkeys([*self.fields.values(), *searched]))


class SqlConfig(SourceConfig):
    url: str
    entities: dict[Identifier, SqlEntityConfig] = Field(min_length=1)  # type: ignore[assignment]

    @field_validator("url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except sa_exc.ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        driver = _ASYNC_DRIVERS.get(url.get_backend_name())
        if driver is None:
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r} (sqlite, postgresql)"
            )
        if url.get_driver_name() != driver:
            raise ValueError(f"use the async driver: {url.get_backend_name()}+{driver}://...")
        return value

    def problems(self) -> Iterator[Problem]:
        sqlite = make_url(self.url).get_backend_name() == "sqlite"
        for name, entity in self.entities.items():
            if "key" in entity.by:
                yield ("entities", name, "by", "key"), "`key` is read from fields.key"
            if entity.write is not None:
                for sub, message in write_problems(name, entity.fields, entity.write):
                    yield ("entities", name, "write", *sub), message
                stamp = entity.write.stamp
                if stamp is not None and stamp not in entity.fields:
                    yield (
                        ("entities", name, "write", "stamp"),
                        f"{stamp!r} is not one of the entity's fields",
                    )
            for by, lookup in entity.by.items():
                if lookup.match == "phonetic" and not sqlite:
                    yield (
                        ("entities", name, "by", by),
                        "phonetic look-ups need SQLite (or an export file): this database has"
                        " no function computing c360's family key",
                    )


class SqlConnector(Connector):
    """Reads tables or views through an injected SQLAlchemy ``AsyncEngine``."""

    config_model = SqlConfig
    config: SqlConfig

    def __init__(self, name: str, config: SqlConfig, engine: AsyncEngine) -> None:
        super().__init__(name, config)
        self.engine = engine
        self._tables: dict[str, sa.Table] = {}
        self._reflecting = asyncio.Lock()
        self._slots = asyncio.Semaphore(config.concurrency)

    @classmethod
    def from_config(cls, name: str, config: SourceConfig, *, base_dir: Path) -> Self:
        assert isinstance(config, SqlConfig)
        url = make_url(config.url)
        # at most `concurrency` statements run at once: keep that many connections open, so
        # that none is opened and closed per statement (for SQLite, a thread each)
        options: dict[str, Any] = {"pool_size": config.concurrency, "max_overflow": 0}
        if url.get_backend_name() == "sqlite":
            writes = any(e.write is not None for e in config.entities.values())
            url = _local_sqlite(url, base_dir, "rw" if writes else "ro")
        else:
            options["pool_pre_ping"] = True
        engine = create_async_engine(url, **options)
        if url.get_backend_name() == "sqlite":
            sa.event.listen(engine.sync_engine, "connect", _register_family_key)
        return cls(name, config, engine)

    async def aclose(self) -> None:
        await self.engine.dispose()

    async def health(self) -> SourceHealth:
        """Reads a row of every configured table: ``SELECT 1`` alone succeeds on a SQLite file
        whose header is garbage, and on a database that lost a table."""
        try:
            async with self._guard("health check"), self.engine.connect() as conn:
                for cfg in self.config.entities.values():
                    table = sa.table(cfg.table, schema=cfg.db_schema)
                    await conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1))
        except SourceError as exc:
            return SourceHealth(ok=False, detail=exc.detail)
        return SourceHealth(ok=True)

    async def sample(self, entity: str, limit: int) -> list[Record]:
        """The first ``limit`` rows of the entity's table, in key order."""
        spec = self.spec(entity, "key")
        cfg = self.config.entities[entity]
        table = await self._table(entity, cfg)
        key = table.c[cfg.lookup("key").column or cfg.fields["key"]]
        statement = sa.select(*table.c).order_by(key).limit(limit)
        async with self._guard(f"{entity} sample"), self.engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [r for row in rows if (r := build_record(self.name, spec, row)) is not None]

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        spec = self.spec(entity, by)
        cfg = self.config.entities[entity]
        table = await self._table(entity, cfg)
        lookup = cfg.lookup(by)
        result: dict[str, list[Record]] = {value: [] for value in values}
        if lookup.match == "prefix":
            for value in result:
                result[value] = await self._prefix(spec, table, lookup, value, f"{entity} by {by}")
            return result
        assert lookup.column is not None
        column = table.c[lookup.column]
        compared = _compared(column, lookup)
        asked: dict[Any, list[str]] = {}
        params: list[Any] = []
        nul_free = self.engine.dialect.name == "postgresql"  # its text can never hold NUL
        for value in result:
            if nul_free and "\x00" in value:
                continue
            key, forms = _asked(column, lookup, value)
            if key is not None and forms:
                asked.setdefault(key, []).append(value)
                params.extend(forms)
        params = list(dict.fromkeys(params))
        size = self.config.batch_size
        for start in range(0, len(params), size):
            statement = sa.select(*table.c).where(compared.in_(params[start : start + size]))
            async with self._guard(f"{entity} by {by}"), self.engine.connect() as conn:
                rows = (await conn.execute(statement)).mappings().all()
            for row in rows:
                record = build_record(self.name, spec, row)
                if record is None:
                    continue
                for value in asked.get(_stored(row[column.name], lookup), ()):
                    if record not in result[value]:
                        result[value].append(record)
        return result

    async def raw_sample(self, entity: str, limit: int) -> list[Mapping[str, Any]] | None:
        cfg = self.config.entities[entity]
        table = await self._table(entity, cfg)
        statement = sa.select(*table.c).limit(limit)
        async with self._guard(f"a sample of {entity}"), self.engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [_as_written(row, cfg.fields) for row in rows]

    async def write(self, entity: str, change: Change) -> None:
        cfg = self.config.entities[entity]
        spec = cfg.write
        if spec is None:
            await super().write(entity, change)
            return
        table = await self._table(entity, cfg)
        key_column = table.c[cfg.fields["key"]]
        key = _typed(key_column, change.key)
        if key is None:
            raise WriteRejected(self.name, "no such record")
        values = {
            cfg.fields[name]: source_value(name, value, spec.format.get(name))
            for name, value in change.values.items()
            if name in spec.fields
        }
        if spec.stamp is not None and change.at is not None:
            layout = spec.format.get(spec.stamp, "%Y-%m-%dT%H:%M:%SZ")
            values[cfg.fields[spec.stamp]] = source_value(spec.stamp, change.at, layout)
        typed = {name: _bound(table.c[name], value) for name, value in values.items()}
        version = table.c[cfg.fields[spec.version]] if spec.version is not None else None
        async with self._guard(f"writing {entity}"), self.engine.begin() as conn:
            # the version is compared as the connector reads it, under the row's lock
            read = sa.select(version if version is not None else key_column)
            row = (await conn.execute(read.where(key_column == key).with_for_update())).first()
            if row is None:
                raise WriteRejected(self.name, "no such record")
            expected = change.expected
            if version is not None and expected is not None and _version(row[0]) != expected:
                raise WriteConflict(self.name, "the record changed since it was read")
            try:
                await conn.execute(sa.update(table).where(key_column == key).values(typed))
            except sa_exc.IntegrityError as exc:
                logger.warning("%s: writing %s refused: %s", self.name, entity, exc.orig or exc)
                written = {cfg.fields[name]: name for name in change.values if name in spec.fields}
                raise WriteRejected(self.name, _refusal(exc, written)) from exc

    async def _prefix(
        self, spec: EntitySpec, table: sa.Table, lookup: Lookup, value: str, what: str
    ) -> list[Record]:
        prefix = value.strip().casefold()
        if not prefix:
            return []
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        condition = sa.or_(
            *(sa.func.lower(table.c[c]).like(pattern, escape="\\") for c in lookup.searched())
        )
        statement = sa.select(*table.c).where(condition).limit(lookup.limit)
        async with self._guard(what), self.engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        records = (build_record(self.name, spec, row) for row in rows)
        return [record for record in records if record is not None]

    async def _table(self, entity: str, cfg: SqlEntityConfig) -> sa.Table:
        if entity in self._tables:
            return self._tables[entity]
        async with self._reflecting:
            if entity not in self._tables:
                self._tables[entity] = await self._reflect(entity, cfg)
        return self._tables[entity]

    async def _reflect(self, entity: str, cfg: SqlEntityConfig) -> sa.Table:
        def columns(sync_conn: sa.Connection) -> list[Any]:
            return list(sa.inspect(sync_conn).get_columns(cfg.table, schema=cfg.db_schema))

        try:
            async with self._guard(f"reading table {cfg.table}"), self.engine.connect() as conn:
                found = {c["name"]: c["type"] for c in await conn.run_sync(columns)}
        except sa_exc.NoSuchTableError as exc:
            raise SourceMisconfigured(self.name, f"no table or view {cfg.table!r}") from exc
        if not found:
            raise SourceMisconfigured(self.name, f"no table or view {cfg.table!r}")
        missing = [c for c in cfg.used_columns() if c not in found]
        if missing:
            raise SourceMisconfigured(
                self.name,
                f"entities.{entity}: table {cfg.table!r} has no column "
                f"{', '.join(map(repr, missing))} (it has {', '.join(sorted(found))})",
            )
        sqlite = self.engine.dialect.name == "sqlite"
        return sa.Table(
            cfg.table,
            sa.MetaData(),
            *(
                sa.Column(
                    name, _SqliteDecimal() if sqlite and _numeric(found[name]) else found[name]
                )
                for name in cfg.used_columns()
            ),
            schema=cfg.db_schema,
        )

    def _guard(self, what: str) -> _Guard:
        return _Guard(self, what)


class _Guard:
    """Holds a concurrency slot and the timeout, and translates driver errors at the boundary."""

    def __init__(self, connector: SqlConnector, what: str) -> None:
        self.connector = connector
        self.what = what
        self._timeout = asyncio.timeout(connector.config.timeout)

    async def __aenter__(self) -> None:
        await self.connector._slots.acquire()
        await self._timeout.__aenter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.connector._slots.release()
        name, what = self.connector.name, self.what
        try:
            await self._timeout.__aexit__(exc_type, exc, tb)
        except TimeoutError as timeout:
            limit = self.connector.config.timeout
            raise SourceTimeout(name, f"{what}: no answer within {limit:g}s") from timeout
        if exc is None or isinstance(exc, SourceError | sa_exc.NoSuchTableError):
            return
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | OSError):
            raise SourceUnavailable(name, f"{what}: {snippet(str(exc).splitlines()[0])}") from exc
        if isinstance(exc, sa_exc.SQLAlchemyError):
            raise SourceBadResponse(name, f"{what}: {snippet(str(exc).splitlines()[0])}") from exc


class _SqliteDecimal(sa.TypeDecorator[Decimal]):
    """SQLite keeps NUMERIC as a float or an integer: read it back as the decimal it shows,
    ``129.9`` and not SQLAlchemy's ``129.9000000000``."""

    impl = sa.Numeric(asdecimal=False)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


def _numeric(column_type: Any) -> bool:
    return isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float)


def _asked(column: sa.Column[Any], lookup: Lookup, value: str) -> tuple[Any, list[Any]]:
    """The key a stored value must have to answer ``value``, and the forms to ask the DB for."""
    if lookup.match == "exact":
        typed = _typed(column, value)
        return typed, [typed] if typed is not None else []
    key = lookup.key(value)
    if key is None:
        return None, []
    if lookup.match == "phone":
        return key, phone_variants(key, lookup.region)
    return key, [key]


def _stored(stored: Any, lookup: Lookup) -> Any:
    return stored if lookup.match == "exact" else lookup.key(stored)


# The SQLite function that computes a family name's phonetic key in a WHERE clause.
FAMILY_KEY_FUNCTION = "c360_family_key"


def _compared(column: sa.Column[Any], lookup: Lookup) -> sa.ColumnElement[Any]:
    """The SQL expression a look-up compares: the column, or the derived key computed on it."""
    if lookup.match == "casefold":
        return sa.func.lower(sa.func.trim(column))
    if lookup.match == "postcode":  # the compact form; the exact shape is checked on the rows
        compact: sa.ColumnElement[Any] = column
        for separator in (" ", "-", "."):
            compact = sa.func.replace(compact, separator, "")
        return sa.func.upper(compact)
    if lookup.match == "phonetic":
        return getattr(sa.func, FAMILY_KEY_FUNCTION)(column)  # type: ignore[no-any-return]
    return column


def _register_family_key(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.create_function(FAMILY_KEY_FUNCTION, 1, family_key, deterministic=True)


# SQLSTATE class 23 (integrity constraint violation), and SQLite's words for the same
_BROKEN_RULES = (
    ("23505", "UNIQUE", "already taken by another record"),
    ("23502", "NOT NULL", "required"),
    ("23503", "FOREIGN KEY", "refers to a record the system does not hold"),
    ("23514", "CHECK", "not accepted by the system's rules"),
)


def _refusal(exc: sa_exc.IntegrityError, written: Mapping[str, str]) -> str:
    """What the caller is told of a broken constraint: the rule, and the canonical fields
    written whose columns it names. The database's own words name tables, columns,
    constraints and the values of other rows, so they go to the log only."""
    text = str(exc.orig or exc)
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    detail = getattr(exc.orig, "detail", None)
    said = f"{text} {detail}" if detail else text
    rule = next(
        (
            words
            for code, prefix, words in _BROKEN_RULES
            if state == code or text.startswith(prefix)
        ),
        "not accepted by the system's rules",
    )
    fields = sorted(
        field for column, field in written.items() if re.search(rf"\b{re.escape(column)}\b", said)
    )
    return f"{', '.join(fields)}: {rule}" if fields else rule


def _typed(column: sa.Column[Any], value: str) -> Any:
    """The value as the column's type holds it; None when no row of that type could match."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is int:
        return int(value) if _INTEGER.match(value) else None
    return value


def _version(value: Any) -> str:
    """A version as it is compared: the text of the value the connector reads."""
    return str(value.strip() if isinstance(value, str) else value)


def _bound(column: sa.Column[Any], value: Any) -> Any:
    """A value written as text, as the column's type takes it (a timestamp column a datetime)."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if isinstance(value, str) and python_type in (datetime, date):
        moment = parse_timestamp(value)
        if moment is not None:
            return moment if python_type is datetime else moment.date()
    return value


def _as_written(row: Mapping[Any, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    found = {canonical: row[column] for canonical, column in fields.items()}
    return {k: v.strip() if isinstance(v, str) else v for k, v in found.items()}


def _local_sqlite(url: URL, base_dir: Path, mode: str) -> URL:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return url
    path = Path(database)
    if not path.is_absolute():
        path = base_dir / path
    query = {**url.query, "mode": mode, "uri": "true"}
    return url.set(database=f"file:{path.resolve().as_posix()}", query=query)
