"""The durable outbox: every system's write recorded before it is attempted.

Two tables, in SQLite by default or in PostgreSQL (``writeback.outbox``):

- ``c360_write_requests``: one row per mutation, with its idempotency key (unique), a
  fingerprint of what it asked, who asked and why;
- ``c360_writes``: one row per system's record to change, with its canonical values, the
  version read, and where it stands: ``sending`` (held by one gateway until ``lease_until``),
  ``queued`` (to try again at ``next_at``), or settled: ``written``, ``failed``,
  ``conflict``, ``not_writable``, ``cancelled``.

A write is taken for sending by one conditional ``UPDATE`` (status and due time checked in the
same statement), so two gateways sharing the outbox never send the same write at once, and a
gateway that dies while sending leaves a write that another takes once its lease is over.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["SETTLED", "Outbox", "OutboxWrite", "WriteRequest"]

SETTLED = frozenset({"written", "failed", "conflict", "not_writable", "cancelled"})

_metadata = sa.MetaData()
_requests = sa.Table(
    "c360_write_requests",
    _metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), unique=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(40), nullable=False),
    sa.Column("customer", sa.String(400), nullable=False),
    sa.Column("principal", sa.String(200), nullable=False),
    sa.Column("purpose", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
_writes = sa.Table(
    "c360_writes",
    _metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("request_id", sa.String(40), nullable=False, index=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("entity", sa.String(100), nullable=False),
    sa.Column("record_key", sa.String(400), nullable=False),
    sa.Column("changes", sa.Text, nullable=False),
    sa.Column("before", sa.Text, nullable=False),
    sa.Column("expected", sa.String(400)),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_at", sa.Float),
    sa.Column("lease_until", sa.Float),
    sa.Column("code", sa.String(60)),
    sa.Column("message", sa.String(400)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("settled_at", sa.Float),
)


@dataclass(frozen=True, slots=True)
class WriteRequest:
    operation: str
    customer: str
    principal: str
    purpose: str
    fingerprint: str
    idempotency_key: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True, slots=True)
class OutboxWrite:
    """One system's record to change, as the outbox holds it."""

    source: str
    entity: str
    key: str
    changes: dict[str, Any]
    before: dict[str, Any] = field(default_factory=dict)
    expected: str | None = None
    status: str = "sending"
    attempts: int = 0
    code: str | None = None
    message: str | None = None
    settled_at: float | None = None
    request_id: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def _row(found: Any) -> OutboxWrite:
    return OutboxWrite(
        source=found.source,
        entity=found.entity,
        key=found.record_key,
        changes=json.loads(found.changes),
        before=json.loads(found.before),
        expected=found.expected,
        status=found.status,
        attempts=found.attempts,
        code=found.code,
        message=found.message,
        settled_at=found.settled_at,
        request_id=found.request_id,
        id=found.id,
    )


class Outbox:
    """The outbox's two tables over an injected engine; :meth:`open` builds one from a URL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._ready = False

    @classmethod
    def open(cls, url: str, base_dir: Path) -> Outbox:
        parsed = make_url(url)
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            database = Path(parsed.database or "c360-outbox.db")
            if not database.is_absolute():
                parsed = parsed.set(database=str(base_dir / database))
        else:
            options["pool_pre_ping"] = True
        return cls(create_async_engine(parsed, **options))

    async def _tables(self) -> None:
        if not self._ready:
            async with self.engine.begin() as conn:
                await conn.run_sync(_metadata.create_all)
            self._ready = True

    async def record(
        self, request: WriteRequest, writes: Sequence[OutboxWrite], now: float, lease: float
    ) -> WriteRequest | None:
        """Record a request and its writes in one transaction, the writes held for sending
        until ``now + lease``. None when the request's idempotency key was already recorded
        (nothing is written then): the caller reads that request instead."""
        await self._tables()
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    _requests.insert().values(
                        id=request.id,
                        idempotency_key=request.idempotency_key,
                        fingerprint=request.fingerprint,
                        operation=request.operation,
                        customer=request.customer,
                        principal=request.principal,
                        purpose=request.purpose,
                        created_at=now,
                    )
                )
                if writes:
                    await conn.execute(
                        _writes.insert(),
                        [
                            {
                                "id": w.id,
                                "request_id": request.id,
                                "source": w.source,
                                "entity": w.entity,
                                "record_key": w.key,
                                "changes": json.dumps(w.changes, sort_keys=True),
                                "before": json.dumps(w.before, sort_keys=True, default=str),
                                "expected": w.expected,
                                "status": w.status,
                                "attempts": 0,
                                "lease_until": now + lease if w.status == "sending" else None,
                                "created_at": now,
                                "settled_at": now if w.status in SETTLED else None,
                            }
                            for w in writes
                        ],
                    )
        except sa_exc.IntegrityError:
            if request.idempotency_key is None:
                raise
            return None
        return request

    async def request(self, idempotency_key: str) -> WriteRequest | None:
        await self._tables()
        statement = sa.select(_requests).where(_requests.c.idempotency_key == idempotency_key)
        async with self.engine.connect() as conn:
            found = (await conn.execute(statement)).first()
        if found is None:
            return None
        return WriteRequest(
            operation=found.operation,
            customer=found.customer,
            principal=found.principal,
            purpose=found.purpose,
            fingerprint=found.fingerprint,
            idempotency_key=found.idempotency_key,
            id=found.id,
        )

    async def writes(self, request_id: str) -> list[OutboxWrite]:
        await self._tables()
        statement = (
            sa.select(_writes).where(_writes.c.request_id == request_id).order_by(_writes.c.source)
        )
        async with self.engine.connect() as conn:
            return [_row(found) for found in (await conn.execute(statement)).all()]

    async def settle(
        self,
        write: OutboxWrite,
        status: str,
        now: float,
        *,
        code: str | None = None,
        message: str | None = None,
        next_at: float | None = None,
    ) -> OutboxWrite:
        """Where a write stands after one attempt: settled, or queued until ``next_at``."""
        attempts = write.attempts + 1
        values: dict[str, Any] = {
            "status": status,
            "attempts": attempts,
            "code": code,
            "message": message[:400] if message else None,
            "next_at": next_at,
            "lease_until": None,
            "settled_at": now if status in SETTLED else None,
        }
        condition = (_writes.c.id == write.id) & (_writes.c.status == "sending")
        async with self.engine.begin() as conn:
            await conn.execute(_writes.update().where(condition).values(values))
        return dataclasses.replace(
            write,
            status=status,
            attempts=attempts,
            code=code,
            message=values["message"],
            settled_at=values["settled_at"],
        )

    async def take_due(self, now: float, lease: float, limit: int = 100) -> list[OutboxWrite]:
        """The writes due now (queued past their time, or sent by a gateway whose lease ran
        out), each taken for sending by this gateway alone."""
        await self._tables()
        due = ((_writes.c.status == "queued") & (_writes.c.next_at <= now)) | (
            (_writes.c.status == "sending") & (_writes.c.lease_until <= now)
        )
        statement = sa.select(_writes).where(due).order_by(_writes.c.created_at).limit(limit)
        taken: list[OutboxWrite] = []
        async with self.engine.begin() as conn:
            for found in (await conn.execute(statement)).all():
                claim = (
                    _writes.update()
                    .where((_writes.c.id == found.id) & due)
                    .values(status="sending", lease_until=now + lease)
                )
                if (await conn.execute(claim)).rowcount == 1:
                    taken.append(dataclasses.replace(_row(found), status="sending"))
        return taken

    async def cancel(self, write_id: str, now: float) -> bool:
        """An operator gives up on a write not yet settled; True when one was cancelled."""
        await self._tables()
        statement = (
            _writes.update()
            .where((_writes.c.id == write_id) & _writes.c.status.in_(("queued", "sending")))
            .values(status="cancelled", settled_at=now, lease_until=None, next_at=None)
        )
        async with self.engine.begin() as conn:
            return bool((await conn.execute(statement)).rowcount)

    async def counts(self) -> dict[str, int]:
        """How many writes stand in each status."""
        await self._tables()
        statement = sa.select(_writes.c.status, sa.func.count()).group_by(_writes.c.status)
        async with self.engine.connect() as conn:
            return {status: int(n) for status, n in (await conn.execute(statement)).all()}

    async def all_writes(self) -> list[OutboxWrite]:
        """Every write recorded, oldest first (what a reconciliation compares with systems)."""
        await self._tables()
        statement = sa.select(_writes).order_by(_writes.c.created_at)
        async with self.engine.connect() as conn:
            return [_row(found) for found in (await conn.execute(statement)).all()]

    async def aclose(self) -> None:
        await self.engine.dispose()
